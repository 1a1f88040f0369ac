package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// WorkerDesign is recorded in every results file: how workers make their calls.
const WorkerDesign = "one locked OS thread with its own fd table, GOMAXPROCS=1, GC off, raw syscalls (the P is never handed off), vDSO CLOCK_MONOTONIC"

// WorkerMain runs one worker from its JSON spec and returns the exit status.
// It is what the hidden `ipcbench worker` command, and test binaries re-exec'd
// by the harness, run.
func WorkerMain(specJSON string) int {
	if err := checkHandshake(); err != nil {
		fmt.Fprintf(os.Stderr, "ipcbench worker: refusing to run: %v\n", err)
		return 2
	}
	runtime.LockOSThread()
	fdTable := privateFdTable()
	debug.SetGCPercent(-1)
	report := os.NewFile(fdReport, "report")
	rep := runWorker(specJSON, report)
	rep.FdTable = fdTable
	if err := json.NewEncoder(report).Encode(rep); err != nil {
		fmt.Fprintf(os.Stderr, "ipcbench worker: write report: %v\n", err)
		return 1
	}
	if rep.Error != "" {
		return 1
	}
	return 0
}

// IsWorkerInvocation reports whether args (os.Args) ask for a worker, and
// returns its spec. Test binaries call it from TestMain, since the harness
// re-execs whatever binary is running.
func IsWorkerInvocation(args []string) (string, bool) {
	if len(args) == 4 && args[1] == "worker" && args[2] == "--spec" {
		return args[3], true
	}
	return "", false
}

func runWorker(specJSON string, report *os.File) (rep Report) {
	fail := func(format string, a ...any) Report {
		rep.Error = fmt.Sprintf(format, a...)
		return rep
	}
	var spec Spec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fail("worker: bad spec: %v", err)
	}
	if err := spec.validate(); err != nil {
		return fail("worker: %v", err)
	}
	if spec.CPU >= 0 {
		var set unix.CPUSet
		set.Set(spec.CPU)
		if err := unix.SchedSetaffinity(0, &set); err != nil { // 0: this, the locked thread
			return fail("worker: pin to CPU %d: sched_setaffinity: %v", spec.CPU, err)
		}
	}
	rep.CPUsAllowed = cpusAllowed()
	desc, _ := transports.Lookup(spec.Transport)
	wl, _ := workloads.Lookup(spec.Workload)
	mem, err := unix.Mmap(fdControl, 0, controlBlockBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail("worker: mmap control memfd: %v", err)
	}
	ctl := (*controlBlock)(unsafe.Pointer(&mem[0]))

	fds := make([]int, spec.NumFds)
	for i := range fds {
		fds[i] = fdTransport + i
	}
	conn, err := desc.Open(spec.Side, fds, spec.Args, transportOptions(spec, wl))
	if err != nil {
		return fail("attach: %v", err)
	}
	defer conn.Close()
	spec.killHere(KillAtAttach)
	if (spec.Fault != "" || spec.SendDelayNs > 0) && spec.Side == transports.SideA {
		conn = &testConn{Conn: conn, fault: spec.Fault, at: spec.FaultAt, delayNs: spec.SendDelayNs}
	}

	rep.TimerNs = timerCostNs()
	l := newLoop(spec, wl, conn)
	if wl.File {
		// A relay moves one file once: no warm-up, and no loop to time
		// apart from the file I/O it exists to count.
		if l.file, err = openRelayFile(spec); err != nil {
			return fail("%v", err)
		}
		defer unix.Close(l.file)
	} else if rep.LoopOverheadNs, err = loopOverheadNs(spec, wl); err != nil {
		return fail("%v", err)
	}
	if spec.WarmupNs > 0 && !wl.File {
		spec.killHere(KillAtWarmup)
		l.finals = &ctl.fanFinal[0]
		if err := l.phase(&ctl.warmupStop, 0, spec.WarmupNs); err != nil {
			return fail("warm-up: %v", err)
		}
	}
	l.hist.Reset()
	if tc, ok := conn.(*testConn); ok {
		tc.armed = true
	}

	// Start barrier: report ready, then block until the parent releases both.
	if _, err := report.WriteString("ready\n"); err != nil {
		return fail("worker: write ready: %v", err)
	}
	var goByte [1]byte
	if n, err := unix.Read(fdGo, goByte[:]); n != 1 {
		return fail("worker: start barrier: parent went away (%v)", err)
	}

	spec.killHere(KillAtMeasure)
	var c0 transports.Counters
	counting, _ := conn.(transports.Counting)
	if counting != nil {
		c0 = *counting.Counters()
	}
	var ru0, ru1 unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru0)
	l.finals = &ctl.fanFinal[1]
	err = l.phase(&ctl.measureStop, spec.Count, spec.DurationNs)
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru1)
	if err != nil {
		return fail("%v", err)
	}

	spec.killHere(KillAtReport)
	rep.Sent, rep.Received = l.sent, l.received
	rep.StartNs, rep.EndNs = l.startNs, l.endNs
	rep.UserNs = tvNs(ru1.Utime) - tvNs(ru0.Utime)
	rep.SysNs = tvNs(ru1.Stime) - tvNs(ru0.Stime)
	rep.Nvcsw = ru1.Nvcsw - ru0.Nvcsw
	rep.Nivcsw = ru1.Nivcsw - ru0.Nivcsw
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
	rep.FileIO = l.fileIO
	if l.fanin && spec.Side == transports.SideB {
		rep.PerProducer = l.perProducer
	}
	if l.histOverflow > 0 {
		return fail("%d latencies above %d s: the clock or the run is broken", l.histOverflow, histMaxNs/1e9)
	}
	if l.hist.TotalCount() > 0 {
		enc, err := l.hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return fail("encode histogram: %v", err)
		}
		rep.HistogramHDR = string(enc)
	}
	return rep
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

// Stages at which a test may have a worker SIGKILL itself (Spec.KillAt).
const (
	KillAtAttach  = "attach"  // attached to the transport, before warm-up
	KillAtWarmup  = "warmup"  // as warm-up starts, its peer warming up
	KillAtMeasure = "measure" // released from the barrier, its peer measuring
	KillAtReport  = "report"  // measured, before its report
)

// KillStages lists the stages in order.
var KillStages = []string{KillAtAttach, KillAtWarmup, KillAtMeasure, KillAtReport}

// StallAtMeasure, as KillAt, has the worker stop itself (SIGSTOP) as it is
// released to measure: a worker that stops responding without dying.
const StallAtMeasure = "stall"

func (s Spec) killHere(stage string) {
	if s.KillAt == StallAtMeasure && stage == KillAtMeasure && s.Side == s.KillSide {
		unix.Kill(unix.Getpid(), unix.SIGSTOP)
	}
	if s.KillAt == stage && s.Side == s.KillSide {
		unix.Kill(unix.Getpid(), unix.SIGKILL)
		select {} // the signal is on its way
	}
}

// cpusAllowed reads the calling thread's Cpus_allowed_list from /proc.
func cpusAllowed() string {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func tvNs(tv unix.Timeval) int64 { return tv.Sec*1e9 + int64(tv.Usec)*1e3 }

// testConn wraps side A's Conn for tests: it busy-waits delayNs before
// every send (a deliberately slowed transport, for compare's end-to-end
// check), and injects one fault into the sends of the measured window.
type testConn struct {
	transports.Conn
	fault   string
	at      uint64
	delayNs int64
	n       uint64
	armed   bool // only the measured window counts
}

func (f *testConn) Send(msg []byte) error {
	if f.delayNs > 0 {
		// Spin rather than sleep: a sleep would hand the CPU away and
		// change what is measured beyond the added time.
		for end := nanotime() + f.delayNs; nanotime() < end; {
		}
	}
	if !f.armed || f.fault == "" {
		return f.Conn.Send(msg)
	}
	i := f.n
	f.n++
	if i != f.at {
		return f.Conn.Send(msg)
	}
	switch f.fault {
	case "lose":
		return nil
	case "dup":
		if err := f.Conn.Send(msg); err != nil {
			return err
		}
		return f.Conn.Send(msg)
	case "die":
		return unix.Kill(unix.Getpid(), unix.SIGKILL)
	case "corrupt":
		msg[len(msg)-1] ^= 0xFF
		err := f.Conn.Send(msg)
		msg[len(msg)-1] ^= 0xFF
		return err
	}
	return fmt.Errorf("unknown fault %q", f.fault)
}

func (f *testConn) Counters() *transports.Counters {
	if c, ok := f.Conn.(transports.Counting); ok {
		return c.Counters()
	}
	return &transports.Counters{}
}

// HeadroomBytes passes on the wrapped Conn's headroom.
func (f *testConn) HeadroomBytes() int {
	if hr, ok := f.Conn.(transports.Headroom); ok {
		return hr.HeadroomBytes()
	}
	return 0
}
