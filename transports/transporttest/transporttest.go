// Package transporttest is the conformance suite of the Transport
// contract. ipcbench's own tests run it on every registered transport, and
// an out-of-tree transport runs it on itself (docs/extending.md):
//
//	func TestConformance(t *testing.T) {
//		d, _ := transports.Lookup("my-transport")
//		transporttest.Run(t, d)
//	}
//
// It opens both ends in the test's own process, as two workers would, and
// checks what the harness relies on: a descriptor that lists and runs,
// every byte of every message delivered (1 B, 64 B, 4 KiB and 64 KiB, or
// the largest the host allows), no allocation in Send or Recv, a message
// transport refusing a message of the wrong length, counters that add up
// to the transport's own cost model, and the same of the in-place
// interface where the Conn has it. A transport the host lacks
// (ErrUnsupported) is skipped with its reason.
package transporttest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"golang.org/x/sys/unix"
)

// Run runs every conformance check on d as subtests.
func Run(t *testing.T, d transports.Descriptor) {
	t.Run("descriptor", func(t *testing.T) {
		if err := CheckDescriptor(d); err != nil {
			t.Error(err)
		}
	})
	t.Run("every-byte", func(t *testing.T) { everyByte(t, d) })
	t.Run("no-allocation", func(t *testing.T) { noAllocation(t, d) })
	t.Run("exact-length", func(t *testing.T) { exactLength(t, d) })
	t.Run("counters", func(t *testing.T) { counters(t, d) })
}

// CheckDescriptor says what a descriptor lacks: a name fit for flags and
// case keys, a one-line doc, a data path, a cost model with a note and no
// negative count, a largest message of at least 4 KiB with its source, and
// the constructors.
func CheckDescriptor(d transports.Descriptor) error {
	var errs []error
	if d.Name == "" || strings.Trim(d.Name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		errs = append(errs, fmt.Errorf("name %q is not lowercase letters, digits and dashes (it goes into flags and case keys)", d.Name))
	}
	if d.Doc == "" || strings.Contains(d.Doc, "\n") || d.DataPath == "" || d.Model.Note == "" {
		errs = append(errs, errors.New("lacks a one-line doc, a data path or a cost model note"))
	}
	if d.Model.CopiesPerMsg < 0 || d.Model.SyscallsPerMsg < 0 {
		errs = append(errs, fmt.Errorf("cost model %+v counts below zero", d.Model))
	}
	if d.MaxMessage == nil || d.New == nil || d.Open == nil {
		return errors.Join(append(errs, errors.New("lacks MaxMessage, New or Open"))...)
	}
	if l, err := d.MaxMessage(); err != nil || l.Bytes < 4096 || l.Source == "" {
		errs = append(errs, fmt.Errorf("MaxMessage = %+v, %v; want at least 4096 B and where the figure comes from", l, err))
	}
	return errors.Join(errs...)
}

// Pair opens both ends of d for messages of size bytes inside this
// process, as two workers would, and closes them when the test ends. A
// transport the host lacks skips the test, saying why.
func Pair(t testing.TB, d transports.Descriptor, size int) (a, b transports.Conn) {
	t.Helper()
	opts := transports.Options{MessageBytes: size}
	setup, err := d.New(opts)
	if errors.Is(err, transports.ErrUnsupported) {
		t.Skipf("%s: %v", d.Name, err)
	}
	if err != nil {
		t.Fatalf("%s: New: %v", d.Name, err)
	}
	t.Cleanup(func() {
		if err := setup.Close(); err != nil {
			t.Errorf("%s: setup Close: %v", d.Name, err)
		}
	})
	open := func(side transports.Side) (transports.Conn, error) {
		h := setup.Handoff(side)
		fds := make([]int, len(h.Files))
		for i, f := range h.Files {
			fd, err := unix.Dup(int(f.Fd())) // the Conn owns its copy; the setup closes its own
			if err != nil {
				return nil, err
			}
			fds[i] = fd
		}
		return d.Open(side, fds, h.Args, opts)
	}
	// Some ends block in Open until the peer opens (a FIFO), or trade a
	// handshake with it: side a opens concurrently.
	type opened struct {
		c   transports.Conn
		err error
	}
	ch := make(chan opened, 1)
	go func() { c, err := open(transports.SideA); ch <- opened{c, err} }()
	b, errB := open(transports.SideB)
	ra := <-ch
	if errB != nil || ra.err != nil {
		t.Fatalf("%s: open: side a: %v; side b: %v", d.Name, ra.err, errB)
	}
	t.Cleanup(func() { ra.c.Close(); b.Close() })
	if err := setup.Attached(); err != nil {
		t.Fatalf("%s: Attached: %v", d.Name, err)
	}
	// The harness closes its copies of the handed-over files once the
	// workers hold theirs; Setup.Close must take that (os.ErrClosed).
	for _, side := range []transports.Side{transports.SideA, transports.SideB} {
		for _, f := range setup.Handoff(side).Files {
			f.Close()
		}
	}
	return ra.c, b
}

// sizes are the message sizes every-byte checks: 1 B, 64 B, 4 KiB and
// 64 KiB, or the largest the host lets d carry where that is less.
func sizes(t *testing.T, d transports.Descriptor) []int {
	l, err := d.MaxMessage()
	if err != nil {
		t.Fatalf("MaxMessage: %v", err)
	}
	var out []int
	for _, n := range []int{1, 64, 4096, 64 << 10} {
		out = append(out, min(n, l.Bytes))
	}
	return out
}

// fill writes a pattern that differs by message and by byte, so that a
// stale, shifted or reordered message is told from the right one.
func fill(b []byte, seq int) {
	for i := range b {
		b[i] = byte(i*7 + seq*13 + 1)
	}
}

func everyByte(t *testing.T, d transports.Descriptor) {
	for _, size := range sizes(t, d) {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			a, b := Pair(t, d, size)
			msg, got, echo := transports.NewBuffer(a, size), transports.NewBuffer(b, size), transports.NewBuffer(a, size)
			for seq := range 20 {
				fill(msg, seq)
				// A message larger than the kernel's buffer blocks its
				// sender until the receiver reads, as between two workers.
				if err := exchange(a, b, msg, got); err != nil {
					t.Fatalf("message %d: %v", seq, err)
				}
				if i := firstDiff(msg, got); i >= 0 {
					t.Fatalf("message %d of %d B: byte %d is %#x, sent %#x", seq, size, i, got[i], msg[i])
				}
				if err := exchange(b, a, got, echo); err != nil {
					t.Fatalf("echo %d: %v", seq, err)
				}
				if i := firstDiff(msg, echo); i >= 0 {
					t.Fatalf("echo %d of %d B: byte %d is %#x, sent %#x", seq, size, i, echo[i], msg[i])
				}
			}
			ia, okA := a.(transports.InPlace)
			ib, okB := b.(transports.InPlace)
			if okA != d.InPlace || okB != d.InPlace {
				t.Fatalf("the descriptor says InPlace %v, the Conns implement it: a %v, b %v", d.InPlace, okA, okB)
			}
			if !d.InPlace {
				return
			}
			for seq := range 20 {
				slot, err := ia.SendSlot()
				if err != nil || len(slot) != size {
					t.Fatalf("SendSlot: %d B, %v; want %d B", len(slot), err, size)
				}
				fill(slot, seq)
				if err := ia.SendCommit(); err != nil {
					t.Fatal(err)
				}
				in, err := ib.RecvSlot()
				if err != nil || len(in) != size {
					t.Fatalf("RecvSlot: %d B, %v; want %d B", len(in), err, size)
				}
				fill(msg, seq)
				if i := firstDiff(msg, in); i >= 0 {
					t.Fatalf("in-place message %d: byte %d is %#x, sent %#x", seq, i, in[i], msg[i])
				}
				if err := ib.RecvRelease(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// exchange sends msg from one end while the other receives it into buf.
func exchange(from, to transports.Conn, msg, buf []byte) error {
	sent := make(chan error, 1)
	go func() { sent <- from.Send(msg) }()
	if err := to.Recv(buf); err != nil {
		return fmt.Errorf("Recv: %w", err) // the sender may be blocked for good: not waited for
	}
	if err := <-sent; err != nil {
		return fmt.Errorf("Send: %w", err)
	}
	return nil
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// noAllocation: the measured loop calls Send and Recv millions of times,
// and an allocation there measures Go's allocator, not the kernel.
func noAllocation(t *testing.T, d transports.Descriptor) {
	const size = 1024
	a, b := Pair(t, d, size)
	msg, buf := transports.NewBuffer(a, size), transports.NewBuffer(b, size)
	allocs := testing.AllocsPerRun(100, func() {
		if err := a.Send(msg); err != nil {
			t.Fatal(err)
		}
		if err := b.Recv(buf); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(buf); err != nil {
			t.Fatal(err)
		}
		if err := a.Recv(msg); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per round trip, want 0", allocs)
	}
	ia, okA := a.(transports.InPlace)
	ib, okB := b.(transports.InPlace)
	if !okA || !okB {
		return
	}
	allocs = testing.AllocsPerRun(100, func() {
		slot, err := ia.SendSlot()
		if err != nil {
			t.Fatal(err)
		}
		slot[0] = 1
		if err := ia.SendCommit(); err != nil {
			t.Fatal(err)
		}
		if _, err := ib.RecvSlot(); err != nil {
			t.Fatal(err)
		}
		if err := ib.RecvRelease(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per in-place hand-off, want 0", allocs)
	}
}

// exactLength: a message transport keeps boundaries, so a message of
// another length than the case's is an error, never a short or padded
// message that verification might miss.
func exactLength(t *testing.T, d transports.Descriptor) {
	if d.Framing != transports.Datagram {
		t.Skip("a stream transport carries bytes: the Conn reads exactly len(msg) of them")
	}
	a, b := Pair(t, d, 100)
	if err := a.Send(transports.NewBuffer(a, 40)); err != nil {
		t.Skipf("Send of a 40 B message into a 100 B case refused at once (%v): it cannot arrive", err)
	}
	err := b.Recv(transports.NewBuffer(b, 100))
	if err == nil || !strings.Contains(err.Error(), "40 B") || !strings.Contains(err.Error(), "100 B") {
		t.Errorf("a 40 B message received into a 100 B case gave %v; want an error naming both lengths", err)
	}
}

// counters: a Counting Conn's bytes moved, over the payload delivered,
// are the copies per message its cost model claims, none of them into the
// kernel where the descriptor says ZeroCopySend.
func counters(t *testing.T, d transports.Descriptor) {
	const size, rounds = 4096, 50
	a, b := Pair(t, d, size)
	ca, okA := a.(transports.Counting)
	cb, okB := b.(transports.Counting)
	if !okA || !okB {
		if d.Model.CopiesPerMsg > 0 || d.Model.SyscallsPerMsg > 0 {
			t.Fatalf("the cost model claims %+v, but the Conns count nothing (implement transports.Counting)", d.Model)
		}
		return
	}
	before := sum(*ca.Counters(), *cb.Counters())
	msg, buf := transports.NewBuffer(a, size), transports.NewBuffer(b, size)
	for range rounds {
		if err := a.Send(msg); err != nil {
			t.Fatal(err)
		}
		if err := b.Recv(buf); err != nil {
			t.Fatal(err)
		}
	}
	after := sum(*ca.Counters(), *cb.Counters())
	copies := float64(after.BytesToKernel+after.BytesFromKernel+after.BytesCopiedInUser-
		before.BytesToKernel-before.BytesFromKernel-before.BytesCopiedInUser) / (rounds * size)
	if math.Abs(copies-d.Model.CopiesPerMsg) > 0.01 {
		t.Errorf("counted %.3f copies per message, the cost model says %g", copies, d.Model.CopiesPerMsg)
	}
	if d.ZeroCopySend && after.BytesToKernel != before.BytesToKernel {
		t.Errorf("the descriptor says ZeroCopySend, but %d B were counted copied into the kernel", after.BytesToKernel-before.BytesToKernel)
	}
	if d.Model.SyscallsPerMsg > 0 && after.Syscalls == before.Syscalls {
		t.Errorf("counted no syscall in %d messages, the cost model says %g per message", rounds, d.Model.SyscallsPerMsg)
	}
}

func sum(a, b transports.Counters) transports.Counters {
	return transports.Counters{
		Syscalls:          a.Syscalls + b.Syscalls,
		BytesToKernel:     a.BytesToKernel + b.BytesToKernel,
		BytesFromKernel:   a.BytesFromKernel + b.BytesFromKernel,
		BytesCopiedInUser: a.BytesCopiedInUser + b.BytesCopiedInUser,
	}
}
