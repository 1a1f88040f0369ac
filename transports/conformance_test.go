package transports_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/transports/transporttest"
)

func TestRegistry(t *testing.T) {
	all := transports.All()
	if len(all) == 0 {
		t.Fatal("no transport registered")
	}
	names, defaults := transports.Names(), transports.Defaults()
	var wantDefaults []string
	for i, d := range all {
		if err := transporttest.CheckDescriptor(d); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
		if got, ok := transports.Lookup(d.Name); !ok || got.Name != d.Name {
			t.Errorf("transports.Lookup(%q) = %q, %v", d.Name, got.Name, ok)
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
		t.Errorf("transports.Names() = %v, transports.Defaults() = %v; want every name in the order of All, and the ones not opt-in", names, defaults)
	}
	zeroCopy := transports.Descriptor{Name: "zero-copy", Doc: "d", DataPath: "p", Model: transports.CostModel{Note: "no copy, no syscall"},
		MaxMessage: func() (transports.Limit, error) { return transports.Limit{Bytes: 4096, Source: "s"}, nil },
		New:        all[0].New, Open: all[0].Open}
	if err := transporttest.CheckDescriptor(zeroCopy); err != nil {
		t.Errorf("a zero-copy, syscall-free model is rejected: %v", err)
	}
	for _, bad := range []transports.Descriptor{all[0], {Name: "incomplete", New: all[0].New, Open: all[0].Open}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %q (a duplicate or incomplete descriptor) did not panic", bad.Name)
				}
			}()
			transports.Register(bad)
		}()
	}
}

// TestConformance runs the conformance suite that an extension's
// transport runs too (transporttest) on every registered transport.
func TestConformance(t *testing.T) {
	for _, d := range transports.All() {
		t.Run(d.Name, func(t *testing.T) { transporttest.Run(t, d) })
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
	for _, d := range transports.All() {
		t.Run(d.Name, func(t *testing.T) {
			if d.Framing == transports.Datagram {
				t.Skip("its calls (send/recv, msgsnd/msgrcv, mq_*, semop) are not in task I/O accounting: /proc/*/io counts only read/write-family calls (measured: 0 for 600 send/recv)")
			}
			if d.NotInTaskIO {
				t.Skip("its calls are not in task I/O accounting (io_uring's SEND and RECV, measured: syscr, syscw, rchar, wchar all 0 for 600 ops; perf stat -e syscalls:sys_enter_io_uring_enter matches its counter)")
			}
			a, b := transporttest.Pair(t, d, size)
			defer a.Close()
			defer b.Close()
			base0 := procIO(t)
			base1 := procIO(t)
			readCost := base1["syscr"] - base0["syscr"]
			rcharCost := base1["rchar"] - base0["rchar"]

			ca, cb := a.(transports.Counting).Counters(), b.(transports.Counting).Counters()
			before := *ca
			beforeB := *cb
			msg, buf := transports.NewBuffer(a, size), transports.NewBuffer(b, size)
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
			// A zero-copy send (vmsplice) hands pages over, and task I/O
			// accounting agrees: it counts neither the call nor any bytes.
			wantToK := uint64(rounds * size)
			if d.ZeroCopySend {
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
