package harness

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// WorkerMain runs one worker from its JSON spec and returns the exit status.
// It is what the hidden `ipcbench worker` command, and test binaries re-exec'd
// by the harness, run. After its first round it waits for the parent to
// start another (nextRound) until the parent closes the start pipe, so
// that a case's rounds share one pair of processes and kernel objects.
func WorkerMain(specJSON string) int {
	if err := checkHandshake(); err != nil {
		fmt.Fprintf(os.Stderr, "ipcbench worker: refusing to run: %v\n", err)
		return 2
	}
	runtime.LockOSThread()
	fdTable := privateFdTable()
	debug.SetGCPercent(-1)
	report := os.NewFile(fdReport, "report")
	w, rep := runWorker(specJSON, report)
	if w != nil {
		defer w.close()
	}
	for {
		rep.FdTable = fdTable
		if err := json.NewEncoder(report).Encode(rep); err != nil {
			fmt.Fprintf(os.Stderr, "ipcbench worker: write report: %v\n", err)
			return 1
		}
		if rep.Error != "" {
			return 1
		}
		if w == nil || !nextRound() {
			return 0
		}
		rep = w.again(report, rep)
	}
}

// workerRun is one worker's state from attach to its last report.
type workerRun struct {
	spec Spec
	wl   workloads.Descriptor
	ctl  *controlBlock // shared with the peer: when each phase stops
	conn transports.Conn
	l    *loop
}

// runWorker attaches, warms up, waits at the start barrier, measures and
// reports the first round; the first error ends it, and its report says
// why. w is nil where it never attached.
func runWorker(specJSON string, report *os.File) (w *workerRun, rep Report) {
	w, err := attach(specJSON, &rep)
	if err != nil {
		return nil, failed(rep, err)
	}
	w.spec.killHere(KillAtAttach)
	w.conn = w.spec.Hooks.withHooks(w.spec.Side, w.conn)
	// The clock's calibration spans everything up to the first window: a
	// first rate after the timer's timing, for the loop overhead's and the
	// warm-up's deadlines, and the rate the windows use after the warm-up.
	clk := newClock(w.spec.Clock)
	calFrom := clk.pair()
	rep.TimerNs = timerCostNs(&clk)
	clk.calibrate(calFrom)
	w.l = newLoop(w.spec, w.wl, w.conn)
	w.l.clk = clk
	if w.wl.File {
		// A relay has no loop to time apart from the file I/O it exists
		// to count.
		if w.l.file, err = openRelayFile(w.spec); err != nil {
			return w, failed(rep, err)
		}
	} else if rep.LoopOverheadNs, err = loopOverheadNs(w.l, w.spec.SizeBytes); err != nil {
		return w, failed(rep, err)
	}
	// After the overhead: it times the loop's bookkeeping, not the schedule or the work.
	if err := w.l.setPacing(w.spec); err != nil {
		return w, failed(rep, err)
	}
	if err := w.warmUp(w.spec.Warmup); err != nil {
		return w, failed(rep, err)
	}
	w.l.clk.calibrate(calFrom)
	if ppm := w.spec.ClockSkewPPM; ppm != 0 {
		w.l.clk.setHz(w.l.clk.hz * (1 + ppm/1e6))
	}
	return w, w.measureRound(report, rep)
}

// RewarmLimit bounds the warm-up before every round after the first: the
// workers are warm, but the cases run in between have taken their caches
// and let their CPUs idle. A round boundary costs this plus two pipe
// writes and two report reads.
const RewarmLimit = 2 * time.Millisecond

// again runs a round after the first: a short warm-up, the start barrier,
// the window and its report, which keeps first's figures of the worker
// itself (timer, loop overhead, CPUs allowed).
func (w *workerRun) again(report *os.File, first Report) Report {
	rep := Report{TimerNs: first.TimerNs, LoopOverheadNs: first.LoopOverheadNs, CPUsAllowed: first.CPUsAllowed}
	if err := w.warmUp(min(w.spec.Warmup, RewarmLimit)); err != nil {
		return failed(rep, err)
	}
	return w.measureRound(report, rep)
}

// measureRound waits at the start barrier, measures and reports.
func (w *workerRun) measureRound(report *os.File, rep Report) Report {
	if err := awaitStart(report); err != nil {
		return failed(rep, err)
	}
	if err := w.measure(&rep); err != nil {
		return failed(rep, err)
	}
	w.spec.killHere(KillAtReport)
	if err := w.report(&rep); err != nil {
		return failed(rep, err)
	}
	return rep
}

// close releases the transport and a relay's file.
func (w *workerRun) close() {
	if w.l != nil && w.l.file > 0 {
		unix.Close(w.l.file)
	}
	w.conn.Close()
}

// nextRound waits for the parent to start another round ('w' on the
// start pipe); false when the parent closed the pipe: the case is done.
func nextRound() bool {
	var b [1]byte
	n, _ := unix.Read(fdGo, b[:])
	return n == 1 && b[0] == roundByte
}

// failed is rep saying err.
func failed(rep Report, err error) Report {
	rep.Error = err.Error()
	return rep
}

// attach reads and checks the spec, pins the thread, maps the control
// block and opens this side of the transport.
func attach(specJSON string, rep *Report) (*workerRun, error) {
	w := &workerRun{}
	if err := json.Unmarshal([]byte(specJSON), &w.spec); err != nil {
		return nil, fmt.Errorf("worker: bad spec: %w", err)
	}
	spec := w.spec
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	if spec.CPU >= 0 {
		var set unix.CPUSet
		set.Set(spec.CPU)
		if err := unix.SchedSetaffinity(0, &set); err != nil { // 0: this, the locked thread
			return nil, fmt.Errorf("worker: pin to CPU %d: sched_setaffinity: %w", spec.CPU, err)
		}
	}
	rep.CPUsAllowed = cpusAllowed()
	tr, _ := transports.Lookup(spec.Transport)
	w.wl, _ = workloads.Lookup(spec.Workload)
	mem, err := unix.Mmap(fdControl, 0, controlBlockBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("worker: mmap control memfd: %w", err)
	}
	w.ctl = (*controlBlock)(unsafe.Pointer(&mem[0]))
	fds := make([]int, spec.NumFds)
	for i := range fds {
		fds[i] = fdTransport + i
	}
	if w.conn, err = tr.Open(spec.Side, fds, spec.Args, transportOptions(spec, w.wl)); err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	return w, nil
}

// warmUp runs a warm-up phase of d (each phase starts with its samples
// cleared) and arms the test hooks for the measured window.
func (w *workerRun) warmUp(d time.Duration) error {
	if d > 0 {
		w.spec.killHere(KillAtWarmup)
		w.l.finals = &w.ctl.fanFinal[0]
		if err := w.l.phase(&w.ctl.warmupStop, 0, int64(d)); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	if tc, ok := w.conn.(*testConn); ok {
		tc.armed = true
	}
	return nil
}

// awaitStart is the start barrier: report ready, then block until the
// parent releases every worker of the case.
func awaitStart(report *os.File) error {
	if _, err := report.WriteString("ready\n"); err != nil {
		return fmt.Errorf("worker: write ready: %w", err)
	}
	var goByte [1]byte
	if n, err := unix.Read(fdGo, goByte[:]); n != 1 {
		return fmt.Errorf("worker: start barrier: parent went away (%v)", err)
	}
	return nil
}

// measure runs the measured window and records what it cost: CPU time,
// context switches, and the transport's calls and bytes.
func (w *workerRun) measure(rep *Report) error {
	w.spec.killHere(KillAtMeasure)
	var c0 transports.Counters
	counting, _ := w.conn.(transports.Counting)
	if counting != nil {
		c0 = *counting.Counters()
	}
	var ru0, ru1 unix.Rusage
	proc0 := sampleProc() // /proc outside getrusage's bracket: its reads are not the window's
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru0)
	w.l.finals = &w.ctl.fanFinal[1]
	err := w.l.phase(&w.ctl.measureStop, w.spec.Count, int64(w.spec.Duration))
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru1)
	if err != nil {
		return err
	}
	if err := w.checkClock(rep); err != nil {
		return err
	}
	w.reportPacing(rep)
	addInterference(rep, proc0, sampleProc())
	rep.WorkDoneNs = w.l.workDoneNs() // after the window, before the report
	rep.UserNs = tvNs(ru1.Utime) - tvNs(ru0.Utime)
	rep.SysNs = tvNs(ru1.Stime) - tvNs(ru0.Stime)
	rep.Nvcsw = ru1.Nvcsw - ru0.Nvcsw
	rep.Nivcsw = ru1.Nivcsw - ru0.Nivcsw
	rep.MinFlt = ru1.Minflt - ru0.Minflt
	if counting != nil {
		c1 := *counting.Counters()
		rep.Counters = transports.Counters{
			Syscalls:            c1.Syscalls - c0.Syscalls,
			BytesToKernel:       c1.BytesToKernel - c0.BytesToKernel,
			BytesFromKernel:     c1.BytesFromKernel - c0.BytesFromKernel,
			BytesCopiedInUser:   c1.BytesCopiedInUser - c0.BytesCopiedInUser,
			SyscallsInterrupted: c1.SyscallsInterrupted - c0.SyscallsInterrupted,
		}
	}
	// stream-inplace's producer builds each message by copying its
	// template into the slot: a user-space copy the transport cannot see.
	rep.Counters.BytesCopiedInUser += w.l.filledBytes
	return nil
}

// checkClock compares the window's own rate of ticks against
// CLOCK_MONOTONIC with the rate the loops converted at, records both for
// a TSC, and fails the window where they differ beyond ClockErrorLimitPPM:
// its latencies would be off by as much.
func (w *workerRun) checkClock(rep *Report) error {
	c := &w.l.clk
	ppm := c.errorPPM(w.l.start, w.l.end)
	if c.tsc {
		rep.TSCHz, rep.TSCErrorPPM = c.hz, ppm
	}
	if math.Abs(ppm) > ClockErrorLimitPPM {
		return fmt.Errorf("clock %s: the window's rate of %.0f ticks/s lies %+.0f ppm from the %.0f ticks/s calibrated before it (limit %d ppm): the latencies would be off by as much; run with --clock %s",
			w.spec.clockName(), c.hz*(1+ppm/1e6), ppm, c.hz, ClockErrorLimitPPM, ClockVDSO)
	}
	return nil
}

// reportPacing adds a pacer's send lateness and waiting to rep.
func (w *workerRun) reportPacing(rep *Report) {
	l := w.l
	if l.late == nil || l.late.TotalCount() == 0 {
		return
	}
	rep.SendLateness = &results.SendLateness{
		P50Ns: l.late.ValueAtQuantile(50), P99Ns: l.late.ValueAtQuantile(99), MaxNs: l.late.Max(),
	}
	if met := l.lateBySendsNs + l.lateOwnNs; met > 0 {
		rep.SendLateness.SendsShare = float64(l.lateBySendsNs) / float64(met)
	}
	rep.PacerWaitNs = l.waitNs
}

// report adds the measured window's messages, times and latencies to rep.
func (w *workerRun) report(rep *Report) error {
	l := w.l
	rep.Sent, rep.Received = l.sent, l.received
	rep.StartNs, rep.EndNs, rep.IntendedEndNs = l.startNs, l.endNs, l.intendedEndNs
	rep.FileIO = l.fileIO
	if l.fanin && w.spec.Side == transports.SideB {
		rep.PerProducer = l.perProducer
	}
	if l.histOverflow > 0 {
		return fmt.Errorf("%d latencies above %d s: the clock or the run is broken", l.histOverflow, histMaxNs/1e9)
	}
	if l.histUnder > 0 {
		return fmt.Errorf("%d latencies below 1 ns (received before sent): CLOCK_MONOTONIC disagrees between the workers' CPUs, or the run is broken", l.histUnder)
	}
	rep.CPUsSeen = l.cpus.list()
	rep.Lag1Autocorr = l.stats.lag1()
	rep.Drift = drift(l.hist, l.second)
	l.hist.Merge(l.second)
	if l.hist.TotalCount() > 0 {
		enc, err := l.hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return fmt.Errorf("encode histogram: %w", err)
		}
		rep.HistogramHDR = string(enc)
	}
	return nil
}

// drift is the p50 of the second half of the window over the first's,
// minus one; 0 where either half has no sample.
func drift(first, second *hdrhistogram.Histogram) float64 {
	if first.TotalCount() == 0 || second.TotalCount() == 0 {
		return 0
	}
	return float64(second.ValueAtQuantile(50))/float64(first.ValueAtQuantile(50)) - 1
}

// transportOptions are the options a worker opens its transport with. Only
// a fan-in has several writers: a single producer given Writers > 1 takes
// the multi-producer path (shm-slots claims every slot with an atomic add,
// which cost its pingpong 30-40 ns a round trip before this was fixed).
func transportOptions(spec Spec, wl workloads.Descriptor) transports.Options {
	o := transports.Options{MessageBytes: spec.SizeBytes, SharedCPU: spec.SharedCPU, Writers: 1}
	if wl.Writers {
		o.Writers = spec.Producers
	}
	return o
}

// cpusAllowed reads the calling thread's Cpus_allowed_list from /proc,
// and names any other thread of the worker (the runtime's: sysmon and the
// rest) that may run elsewhere, which a pinned worker's must not: sysmon
// waking on the peer's CPU would disturb the peer.
func cpusAllowed() string {
	mine := cpusAllowedOf("/proc/thread-self/status")
	if mine == "" {
		return "unknown"
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	var others []string
	for _, t := range tasks {
		if tid := t.Name(); tid != fmt.Sprint(unix.Gettid()) {
			if theirs := cpusAllowedOf("/proc/self/task/" + tid + "/status"); theirs != "" && theirs != mine {
				others = append(others, "thread "+tid+" on "+theirs)
			}
		}
	}
	if len(others) > 0 {
		return mine + " (" + strings.Join(others, ", ") + ")"
	}
	return mine
}

// cpusAllowedOf reads Cpus_allowed_list from a /proc status file; "" if
// it cannot (a thread that has exited).
func cpusAllowedOf(status string) string {
	b, err := os.ReadFile(status)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func tvNs(tv unix.Timeval) int64 { return tv.Sec*1e9 + int64(tv.Usec)*1e3 }
