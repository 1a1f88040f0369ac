package transports

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// pair opens both ends of a transport inside this process, as two workers
// would, for tests that need no second process.
func pair(t *testing.T, d Descriptor, size int) (a, b Conn) {
	t.Helper()
	setup, err := d.New(Options{MessageBytes: size})
	if err != nil {
		t.Fatalf("%s: New: %v", d.Name, err)
	}
	t.Cleanup(func() { setup.Close() })
	open := func(side Side) (Conn, error) {
		h := setup.Handoff(side)
		fds := make([]int, len(h.Files))
		for i, f := range h.Files {
			fd, err := unix.Dup(int(f.Fd())) // the Conn owns its copy; the setup closes its own
			if err != nil {
				return nil, err
			}
			fds[i] = fd
		}
		return d.Open(side, fds, h.Args, Options{MessageBytes: size})
	}
	// Opening a FIFO blocks until its peer opens, so side A opens concurrently.
	type res struct {
		c   Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := open(SideA); ch <- res{c, err} }()
	b, err = open(SideB)
	if err != nil {
		t.Fatalf("%s: open side b: %v", d.Name, err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("%s: open side a: %v", d.Name, r.err)
	}
	if err := setup.Attached(); err != nil {
		t.Fatalf("%s: Attached: %v", d.Name, err)
	}
	return r.c, b
}

// checkDescriptor says what a registered descriptor lacks. A zero-copy or
// syscall-free model is a model; a negative count is not.
func checkDescriptor(d Descriptor) error {
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
	if l, err := d.MaxMessage(); err != nil || l.Bytes < 4096 || l.Source == "" {
		errs = append(errs, fmt.Errorf("MaxMessage = %+v, %v", l, err))
	}
	return errors.Join(errs...)
}

func TestRegistry(t *testing.T) {
	all := All()
	if len(all) == 0 {
		t.Fatal("no transport registered")
	}
	names, defaults := Names(), Defaults()
	var wantDefaults []string
	for i, d := range all {
		if err := checkDescriptor(d); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
		if got, ok := Lookup(d.Name); !ok || got.Name != d.Name {
			t.Errorf("Lookup(%q) = %q, %v", d.Name, got.Name, ok)
		}
		if i > 0 && (all[i-1].Order > d.Order || all[i-1].Order == d.Order && all[i-1].Name >= d.Name) {
			t.Errorf("All() puts %s (order %d) before %s (order %d)", all[i-1].Name, all[i-1].Order, d.Name, d.Order)
		}
		if names[i] != d.Name {
			t.Errorf("Names()[%d] = %q, All()[%d] is %q", i, names[i], i, d.Name)
		}
		if !d.OptIn {
			wantDefaults = append(wantDefaults, d.Name)
		}
	}
	if len(names) != len(all) || len(defaults) == 0 || strings.Join(defaults, ",") != strings.Join(wantDefaults, ",") {
		t.Errorf("Names() = %v, Defaults() = %v; want every name in the order of All, and the ones not opt-in", names, defaults)
	}
	zeroCopy := Descriptor{Name: "zero-copy", Doc: "d", DataPath: "p", Model: CostModel{Note: "no copy, no syscall"},
		MaxMessage: func() (Limit, error) { return Limit{Bytes: 4096, Source: "s"}, nil }}
	if err := checkDescriptor(zeroCopy); err != nil {
		t.Errorf("a zero-copy, syscall-free model is rejected: %v", err)
	}
	for _, bad := range []Descriptor{all[0], {Name: "incomplete", New: all[0].New, Open: all[0].Open}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %q (a duplicate or incomplete descriptor) did not panic", bad.Name)
				}
			}()
			Register(bad)
		}()
	}
}

func TestSendRecvDoNotAllocate(t *testing.T) {
	for _, d := range All() {
		t.Run(d.Name, func(t *testing.T) {
			a, b := pair(t, d, 1024)
			defer a.Close()
			defer b.Close()
			msg, buf := NewBuffer(a, 1024), NewBuffer(a, 1024)
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
				if err := a.Recv(buf); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per round trip, want 0", allocs)
			}
			ia, okA := a.(InPlace)
			ib, okB := b.(InPlace)
			if !okA || !okB {
				return
			}
			allocs = testing.AllocsPerRun(100, func() {
				slot, err := ia.SendSlot()
				if err != nil {
					t.Fatal(err)
				}
				copy(slot, msg)
				if err := ia.SendCommit(); err != nil {
					t.Fatal(err)
				}
				got, err := ib.RecvSlot()
				if err != nil || len(got) != len(msg) {
					t.Fatalf("RecvSlot: %d B, %v", len(got), err)
				}
				if err := ib.RecvRelease(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per in-place hand-off, want 0", allocs)
			}
		})
	}
}

func TestMessageTransportsRejectWrongSize(t *testing.T) {
	for _, name := range []string{"unix-dgram", "unix-seqpacket", "sysv-msg", "posix-mq"} {
		d, _ := Lookup(name)
		a, b := pair(t, d, 100)
		if err := a.Send(NewBuffer(a, 40)); err != nil {
			t.Fatal(err)
		}
		err := b.Recv(NewBuffer(b, 100))
		if err == nil || !strings.Contains(err.Error(), "got a 40 B message, expected 100 B") {
			t.Errorf("%s: a 100 B message into a 64 B receive gave %v, want a size error", name, err)
		}
		a.Close()
		b.Close()
	}
}

// procIO reads this thread's I/O accounting from /proc/thread-self/io.
func procIO(t *testing.T) map[string]uint64 {
	t.Helper()
	f, err := os.Open("/proc/thread-self/io")
	if err != nil {
		t.Skipf("no per-thread I/O accounting (CONFIG_TASK_IO_ACCOUNTING): %v", err)
	}
	defer f.Close()
	m := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var k string
		var v uint64
		if _, err := fmt.Sscanf(sc.Text(), "%s %d", &k, &v); err == nil {
			m[strings.TrimSuffix(k, ":")] = v
		}
	}
	return m
}

// TestCountersMatchProcIO checks what each fd transport counts against what
// the kernel counted for this thread: read and write syscalls (syscr, syscw)
// and bytes (rchar, wchar). Reading the io file itself costs a known number of
// reads, measured first and subtracted.
func TestCountersMatchProcIO(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const rounds, size = 300, 3000
	for _, d := range All() {
		t.Run(d.Name, func(t *testing.T) {
			if d.Framing == Datagram {
				t.Skip("its calls (send/recv, msgsnd/msgrcv, mq_*, semop) are not in task I/O accounting: /proc/*/io counts only read/write-family calls (measured: 0 for 600 send/recv)")
			}
			a, b := pair(t, d, size)
			defer a.Close()
			defer b.Close()
			base0 := procIO(t)
			base1 := procIO(t)
			readCost := base1["syscr"] - base0["syscr"]
			rcharCost := base1["rchar"] - base0["rchar"]

			ca, cb := a.(Counting).Counters(), b.(Counting).Counters()
			before := *ca
			beforeB := *cb
			msg, buf := NewBuffer(a, size), NewBuffer(b, size)
			io0 := procIO(t)
			for range rounds {
				if err := a.Send(msg); err != nil {
					t.Fatal(err)
				}
				if err := b.Recv(buf); err != nil {
					t.Fatal(err)
				}
			}
			io1 := procIO(t)
			syscalls := (ca.Syscalls - before.Syscalls) + (cb.Syscalls - beforeB.Syscalls)
			toK := ca.BytesToKernel - before.BytesToKernel
			fromK := cb.BytesFromKernel - beforeB.BytesFromKernel
			// vmsplice hands pages over without copying, and task I/O
			// accounting agrees: it counts neither the call nor any bytes.
			wantToK := uint64(rounds * size)
			if d.Name == "pipe-splice" {
				wantToK, syscalls = 0, cb.Syscalls-beforeB.Syscalls
			}
			if toK != wantToK || fromK != rounds*size {
				t.Errorf("counted %d B to and %d B from the kernel, want %d and %d", toK, fromK, wantToK, rounds*size)
			}
			kernelCalls := (io1["syscr"] - io0["syscr"] - readCost) + (io1["syscw"] - io0["syscw"])
			if kernelCalls != syscalls {
				t.Errorf("kernel counted %d read/write syscalls, transport counted %d", kernelCalls, syscalls)
			}
			if got := io1["wchar"] - io0["wchar"]; got != toK {
				t.Errorf("kernel wchar %d, transport counted %d B written", got, toK)
			}
			// rchar includes the io file's own text, whose length drifts by a few bytes.
			got := int64(io1["rchar"]-io0["rchar"]) - int64(rcharCost)
			if d := got - int64(fromK); d < -64 || d > 64 {
				t.Errorf("kernel rchar %d (net of the io file), transport counted %d B read", got, fromK)
			}
		})
	}
}

// TestSysvShmAttachedTwice reads IPC_STAT while both ends are attached and
// after the parent has marked the segment: nattch is 2, then the key is gone.
func TestSysvShmAttachedTwice(t *testing.T) {
	d, _ := Lookup("sysv-shm")
	setup, err := d.New(Options{MessageBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	shmid := setup.(*sysvShmSetup).shmid
	var conns []Conn
	for _, side := range []Side{SideA, SideB} {
		c, err := d.Open(side, nil, setup.Handoff(side).Args, Options{MessageBytes: 64})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	st, err := shm.SegStat(shmid)
	if err != nil || st.Nattch != 2 {
		t.Fatalf("nattch = %d, %v; want 2", st.Nattch, err)
	}
	if err := setup.Attached(); err != nil {
		t.Fatal(err)
	}
	if st, err := shm.SegStat(shmid); err != nil || st.Perm.Key != 0 {
		t.Errorf("after Attached: key %#x, %v; want the segment marked for removal", st.Perm.Key, err)
	}
	// The marked segment still carries messages.
	msg := []byte(strings.Repeat("x", 64))
	if err := conns[0].Send(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 64)
	if err := conns[1].Recv(got); err != nil || string(got) != string(msg) {
		t.Fatalf("recv after IPC_RMID: %q, %v", got, err)
	}
	for _, c := range conns {
		c.Close()
	}
	if _, err := shm.SegStat(shmid); err == nil {
		t.Error("segment still exists after both detached")
	}
}
