package harness

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// TestEveryTransportCarriesVerifiedMessages runs each transport between two
// real worker processes at the sizes that find framing bugs (1, 63 and 64
// straddle the 8 B sequence number and word sizes; 4096 is a page; 65536 is
// the default pipe buffer) and at the largest message the host allows.
// -short runs one case per transport: the first default workload at 63 B.
func TestEveryTransportCarriesVerifiedMessages(t *testing.T) {
	wls := workloads.Defaults()
	if testing.Short() {
		wls = wls[:1]
	}
	for _, d := range transports.All() {
		limit, err := d.MaxMessage()
		if err != nil {
			t.Errorf("%s: max message: %v", d.Name, err)
			continue
		}
		for _, wl := range wls {
			wd, _ := workloads.Lookup(wl)
			sizes := []int{1, 63, 64, 4096, 65536, limit.Bytes}
			if testing.Short() {
				sizes = sizes[1:2]
			}
			for _, size := range sizes {
				if size < wd.MinBytes() || size > limit.Bytes {
					continue
				}
				if d.DropsUnderOverload && wd.Latency != workloads.RoundTrip && size > 4096 {
					continue // 200 datagrams of 64 KiB overflow udp's queue (126 fit) when the receiver lags
				}
				count := uint64(200)
				if size > 1<<20 {
					count = 3
				}
				t.Run(d.Name+"/"+wl+"/"+results.FormatBytes(size), func(t *testing.T) {
					r := RunCase(context.Background(), Case{Transport: d.Name, Workload: wl, SizeBytes: size, Count: count})
					if r.Status != results.StatusOK {
						t.Fatalf("status %s: %s", r.Status, r.Reason)
					}
					if want := count * uint64(wd.MessagesPerOp); r.Messages != want {
						t.Errorf("delivered %d messages, want %d", r.Messages, want)
					}
					if r.Latency.P50Ns <= 0 || r.HistogramHDR == "" {
						t.Errorf("no latency recorded: %+v", r.Latency)
					}
					// At least what the transport's model says: 2 and 2 for the
					// kernel paths, 0 syscalls for a ring, 1 copy for vmsplice.
					if r.SyscallsPerMsg < d.Model.SyscallsPerMsg || r.CopiesPerMsg < d.Model.CopiesPerMsg {
						t.Errorf("counted %.2f syscalls and %.2f copies per message; the model says at least %.0f and %.0f",
							r.SyscallsPerMsg, r.CopiesPerMsg, d.Model.SyscallsPerMsg, d.Model.CopiesPerMsg)
					}
				})
			}
		}
	}
}

func TestSizeAboveLimitIsSkippedWithReason(t *testing.T) {
	d, _ := transports.Lookup("unix-dgram")
	limit, err := d.MaxMessage()
	if err != nil {
		t.Skipf("unix-dgram limit unreadable: %v", err)
	}
	r := RunCase(context.Background(), Case{Transport: "unix-dgram", Workload: "pingpong", SizeBytes: limit.Bytes + 1, Count: 10})
	if r.Status != results.StatusSkipped || !strings.Contains(r.Reason, "wmem_max") {
		t.Fatalf("got %s %q, want skipped naming net.core.wmem_max", r.Status, r.Reason)
	}
	for tr, sysctl := range map[string]string{"sysv-msg": "kernel.msg", "posix-mq": "fs.mqueue.msgsize_max", "sysv-shm": "kernel.shmmax"} {
		d, _ := transports.Lookup(tr)
		l, err := d.MaxMessage()
		if err != nil {
			t.Fatal(err)
		}
		r := RunCase(context.Background(), Case{Transport: tr, Workload: "pingpong", SizeBytes: l.Bytes + 1, Count: 10})
		if r.Status != results.StatusSkipped || !strings.Contains(r.Reason, sysctl) {
			t.Errorf("%s at %d B: got %s %q, want skipped naming %s", tr, l.Bytes+1, r.Status, r.Reason, sysctl)
		}
	}
	r = RunCase(context.Background(), Case{Transport: "pipe", Workload: "stream", SizeBytes: 8, Count: 10})
	if r.Status != results.StatusSkipped || !strings.Contains(r.Reason, "16 B header") {
		t.Fatalf("stream of 8 B: got %s %q, want skipped for the header", r.Status, r.Reason)
	}
}

// TestInjectedFaultsFailTheCase injects each fault into a real two-process
// run and checks the case fails with the verifier's diagnosis, not a number.
func TestInjectedFaultsFailTheCase(t *testing.T) {
	for _, tc := range []struct{ fault, want string }{
		{"lose", "1 message(s) lost"},
		{"dup", "duplicated or reordered"},
		{"corrupt", "corrupted at byte 63"},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "stream", SizeBytes: 64, Count: 1000,
				Hooks: Hooks{Fault: tc.fault, FaultAt: 100}})
			if r.Status != results.StatusFailed {
				t.Fatalf("status %s, want failed", r.Status)
			}
			if !strings.Contains(r.Reason, tc.want) || !strings.Contains(r.Reason, "side b (consumer") {
				t.Errorf("reason %q does not name the consumer and %q", r.Reason, tc.want)
			}
			if r.Messages != 0 || r.Latency.P50Ns != 0 {
				t.Errorf("a failed case carries numbers: %+v", r)
			}
		})
	}
}

func TestPingPongCorruptionCaughtByEchoer(t *testing.T) {
	r := RunCase(context.Background(), Case{Transport: "unix-seqpacket", Workload: "pingpong", SizeBytes: 4096, Count: 500,
		Hooks: Hooks{Fault: "corrupt", FaultAt: 7}})
	if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "message seq 7 corrupted at byte 4095") {
		t.Fatalf("got %s %q", r.Status, r.Reason)
	}
}

// TestKilledWorkerFailsTheCase kills side A with SIGKILL mid-window: the case
// fails naming the side and the signal, the peer sees its transport close,
// and the leak check in TestMain sees nothing left behind.
func TestKilledWorkerFailsTheCase(t *testing.T) {
	for _, tr := range []string{"pipe", "fifo", "unix-dgram", "tcp"} {
		r := RunCase(context.Background(), Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Count: 1000,
			Hooks: Hooks{Fault: "die", FaultAt: 50}})
		if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "side a (initiator, pid") ||
			!strings.Contains(r.Reason, "killed by signal killed") {
			t.Errorf("%s: got %s %q", tr, r.Status, r.Reason)
		}
	}
}

// TestRelayCopiesTheFileAndCountsCopies moves a file through each transport
// and checks the output's hash (RunCase fails the case otherwise) and where
// the copies happened: four for the kernel-buffered transports, two for shared
// memory used in place, as the tutorials claim.
func TestRelayCopiesTheFileAndCountsCopies(t *testing.T) {
	for _, d := range eachTransport() {
		t.Run(d.Name, func(t *testing.T) {
			r := RunCase(context.Background(), Case{Transport: d.Name, Workload: "relay", SizeBytes: 4096, Count: 300})
			if r.Status != results.StatusOK {
				t.Fatalf("%s: %s", r.Status, r.Reason)
			}
			want := results.Copies{FileToUser: 1, UserToKernel: 1, KernelToUser: 1, UserToFile: 1}
			if d.InPlace { // sysv-shm and the rings: relay reads and writes the slots
				want = results.Copies{FileToUser: 1, UserToFile: 1}
			}
			if d.ZeroCopySend { // the receiver's copy out of the kernel is the only one
				want = results.Copies{FileToUser: 1, KernelToUser: 1, UserToFile: 1}
			}
			if r.Copies != want || r.Messages != 300 {
				t.Errorf("copies %+v over %d messages, want %+v over 300", r.Copies, r.Messages, want)
			}
		})
	}
}

func TestRelayCorruptionFailsTheHash(t *testing.T) {
	r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "relay", SizeBytes: 4096, Count: 100,
		Hooks: Hooks{Fault: "corrupt", FaultAt: 42}})
	if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "output sha256") {
		t.Fatalf("got %s %q, want a hash mismatch", r.Status, r.Reason)
	}
}

// TestSendDelaySlowsEveryRoundTrip checks the test-only slowdown that
// compare's end-to-end check relies on. It asserts no timing of the
// machine: a round trip contains side A's busy-wait, so none can be
// shorter than it, however fast or slow the host is.
func TestSendDelaySlowsEveryRoundTrip(t *testing.T) {
	const delayNs = 300_000
	for _, tr := range []string{"pipe", "sysv-msg"} { // sysv-msg: the wrapper keeps the mtype headroom
		r := RunCase(context.Background(), Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Count: 50, Hooks: Hooks{SendDelay: delayNs}})
		if r.Status != results.StatusOK {
			t.Fatalf("%s: %s: %s", tr, r.Status, r.Reason)
		}
		if r.Latency.MinNs < delayNs {
			t.Errorf("%s: fastest round trip %d ns, shorter than the %d ns delay in every one", tr, r.Latency.MinNs, delayNs)
		}
	}
}

type progressFunc func(Case)

func (f progressFunc) Start(_, _ int, c Case)      { f(c) }
func (progressFunc) Done(_, _ int, _ results.Case) {}

// TestStopOnFailure makes every case fail (a 1 ms limit on a 1 s case) and
// checks that the run stops at the first only when asked to.
func TestStopOnFailure(t *testing.T) {
	p := Plan{Transports: []string{"pipe", "tcp"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64},
		Duration: time.Second, Timeout: time.Millisecond}
	f := Run(context.Background(), p, nil)
	if len(f.Cases) != 2 || f.Incomplete != "" {
		t.Errorf("keep going: %d cases, incomplete %q; want both failed cases and a complete run", len(f.Cases), f.Incomplete)
	}
	for _, c := range f.Cases {
		if c.Status != results.StatusFailed || !strings.Contains(c.Reason, "timed out after 1ms") {
			t.Errorf("%s: %s %q, want a timeout naming the limit", c.Transport, c.Status, c.Reason)
		}
	}
	p.StopOnFailure = true
	f = Run(context.Background(), p, nil)
	if len(f.Cases) != 1 || !strings.Contains(f.Incomplete, "first failure") {
		t.Errorf("stop on failure: %d cases, incomplete %q; want one case and the reason", len(f.Cases), f.Incomplete)
	}
}

// TestPinningIsApplied pins the two sides apart and together, and reads
// back the Cpus_allowed_list that each worker's measuring thread found in
// /proc. On one CPU a spinning ring must still finish: it yields instead.
func TestPinningIsApplied(t *testing.T) {
	last := runtime.NumCPU() - 1
	for _, cpus := range [][]int{{0, last}, {last, last}} {
		for _, tr := range []string{"pipe", "shm-ring-spin"} {
			r := RunCase(context.Background(), Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Count: 2000, CPUs: cpus})
			if r.Status != results.StatusOK {
				t.Fatalf("%s on %v: %s %s", tr, cpus, r.Status, r.Reason)
			}
			for i, w := range r.Workers {
				if want := fmt.Sprint(cpus[i]); w.CPUsAllowed != want {
					t.Errorf("%s on %v: side %s ran on CPUs %q, want %q", tr, cpus, w.Side, w.CPUsAllowed, want)
				}
			}
		}
	}
	if err := (Plan{Transports: []string{"pipe"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64}, Duration: time.Second,
		CPUs: []int{0, 4096}}).Validate(); !errors.As(err, new(*PlanError)) || !strings.Contains(err.Error(), "CPUs [0 4096]: CPU 4096") {
		t.Errorf("CPU 4096 accepted: %v", err)
	}
}

// TestStreamInPlace runs the in-place stream on the transports that have
// slots, verifying every message where it lies with no user-space copy,
// and skips the others with the reason.
func TestStreamInPlace(t *testing.T) {
	for _, tr := range []string{"shm-ring-spin-futex", "shm-ring-eventfd", "shm-slots", "sysv-shm", "pipe"} {
		for _, size := range []int{16, 1000, 1 << 20} {
			r := RunCase(context.Background(), Case{Transport: tr, Workload: "stream-inplace", SizeBytes: size, Count: 300})
			if d, _ := transports.Lookup(tr); !d.InPlace {
				if r.Status != results.StatusSkipped || !strings.Contains(r.Reason, "no in-place mode") {
					t.Errorf("%s: %s %q, want skipped for having no in-place mode", tr, r.Status, r.Reason)
				}
				continue
			}
			// The one copy is the producer's: its template into the slot.
			if r.Status != results.StatusOK || r.Messages != 300 || r.CopiesPerMsg != 1 || r.Copies.UserToUser != 1 {
				t.Errorf("%s %d B: %s %q, %d messages, %.2f copies/msg (%+v); want 300 verified messages and the producer's one copy",
					tr, size, r.Status, r.Reason, r.Messages, r.CopiesPerMsg, r.Copies)
			}
		}
	}
}

func TestRunPairMatrix(t *testing.T) {
	p := Plan{Transports: []string{"pipe", "shm-ring-spin"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64}, Count: 300}
	f := RunPairMatrix(context.Background(), p, nil)
	cpus := allowedCPUs()
	if len(f.PairMatrices) != 2 || f.Incomplete != "" {
		t.Fatalf("%d matrices, incomplete %q; want 2", len(f.PairMatrices), f.Incomplete)
	}
	for _, m := range f.PairMatrices {
		if len(m.P50Ns) != len(cpus) || len(m.Failures) > 0 {
			t.Errorf("%s: %d rows for %d CPUs, failures %q", m.Transport, len(m.P50Ns), len(cpus), m.Failures)
		}
		for i, row := range m.P50Ns {
			for j, v := range row {
				if v <= 0 {
					t.Errorf("%s: CPUs %d,%d not measured", m.Transport, cpus[i], cpus[j])
				}
			}
		}
	}
	var b strings.Builder
	format.WriteRun(&b, "table", f)
	if !strings.Contains(b.String(), "side a on the row's CPU") {
		t.Errorf("no matrix in the table:\n%s", b.String())
	}
}

// TestFanIn streams from three producers into one consumer on every
// transport that takes several writers: each producer's messages must all
// arrive, in its own order, and the counts must add up.
func TestFanIn(t *testing.T) {
	for _, tr := range []string{"pipe", "fifo", "unix-dgram", "sysv-msg", "posix-mq", "shm-slots"} {
		r := RunCase(context.Background(), Case{Transport: tr, Workload: "fanin", SizeBytes: 64, Count: 500, Producers: 3})
		if r.Status != results.StatusOK || r.Messages != 1500 || r.Producers != 3 || r.Fairness != 1 {
			t.Errorf("%s: %s %q, %d messages, %d producers, per producer %v, fairness %v; want 3 × 500",
				tr, r.Status, r.Reason, r.Messages, r.Producers, r.PerProducerMsgs, r.Fairness)
		}
	}
	for _, c := range []Case{
		{Transport: "unix-stream", Workload: "fanin", SizeBytes: 64, Count: 10, Producers: 2},
		{Transport: "pipe", Workload: "fanin", SizeBytes: 8192, Count: 10, Producers: 2},
		{Transport: "shm-ring-spin", Workload: "fanin", SizeBytes: 64, Count: 10, Producers: 2},
	} {
		if r := RunCase(context.Background(), c); r.Status != results.StatusSkipped || r.Reason == "" {
			t.Errorf("%s %d B: %s %q, want skipped with the reason", c.Transport, c.SizeBytes, r.Status, r.Reason)
		}
	}
	// A producer that loses a message fails the case, naming the producer.
	r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "fanin", SizeBytes: 64, Count: 500, Producers: 2,
		Hooks: Hooks{Fault: "lose", FaultAt: 10}})
	if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "fanin producer") || !strings.Contains(r.Reason, "lost") {
		t.Errorf("lost message: %s %q", r.Status, r.Reason)
	}
}

// TestOnlyFanInHasSeveralWriters: --producers belongs to fanin cases. A
// pingpong or stream case that carried it opened shm-slots' multi-producer
// end, an atomic add per send, and measured 30-40 ns a round trip slower.
func TestOnlyFanInHasSeveralWriters(t *testing.T) {
	p := Plan{Transports: []string{"shm-slots"}, Workloads: []string{"pingpong", "stream", "stream-inplace", "fanin"},
		SizesBytes: []int{64}, Producers: 4}
	for _, c := range p.Cases() {
		want := 0
		if c.Workload == "fanin" {
			want = 4
		}
		if c.Producers != want {
			t.Errorf("%s case: %d producers, want %d", c.Workload, c.Producers, want)
		}
	}
	for _, w := range []string{"pingpong", "stream", "stream-inplace", "relay", "fanin"} {
		want := 1
		if w == "fanin" {
			want = 4
		}
		d, _ := workloads.Lookup(w)
		o := transportOptions(Spec{Case: Case{Workload: w, SizeBytes: 64, Producers: 4}}, d)
		if o.Writers != want {
			t.Errorf("%s worker opens its transport for %d writers, want %d", w, o.Writers, want)
		}
	}
}

// TestWorkersMeasureWithAPrivateFdTable: each worker's measuring thread has
// an fd table of its own (kcmp against the process's other threads), and
// fifo and posix-mq, which open their fds by name after the table is
// unshared, still run. The check itself tells a shared table apart: this
// test's thread shares its process's.
func TestWorkersMeasureWithAPrivateFdTable(t *testing.T) {
	if got := fdTableOf(unix.Gettid()); !strings.HasPrefix(got, "shared with thread") {
		t.Fatalf("fd table of a test thread: %q, want shared", got)
	}
	for _, tr := range []string{"pipe", "fifo", "posix-mq"} {
		r := RunCase(context.Background(), Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Count: 2000})
		if r.Status != results.StatusOK {
			t.Fatalf("%s: %s %s", tr, r.Status, r.Reason)
		}
		for _, w := range r.Workers {
			if w.FdTable != "private" {
				t.Errorf("%s: side %s measured with fd table %q, want private", tr, w.Side, w.FdTable)
			}
		}
	}
}
