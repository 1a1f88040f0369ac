// Package harness runs ipcbench's workloads across separate processes. The
// parent creates a transport's kernel objects, re-execs its own binary as two
// `ipcbench worker` processes, releases them together from a start barrier,
// collects one report from each after the measured window, and always tears
// the objects down. Workers measure into pre-allocated state and never send
// per-message data to the parent while measuring.
package harness

// This file is the wire protocol between the parent and its workers: the
// command line, the fds a worker inherits, the spec it runs, the control
// block both workers map, the handshake, and the report it sends back.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// WorkerDesign is recorded in every results file: how workers make their
// calls, and the clock their loops read (clockDesign).
const WorkerDesign = "one locked OS thread with its own fd table, GOMAXPROCS=1, GC off, asyncpreemptoff=1 (no preemption signal), all threads on one CPU when pinned, raw syscalls (the P is never handed off), "

// clockDesign ends WorkerDesign with the clock the loops read.
var clockDesign = map[string]string{
	ClockVDSO: "vDSO CLOCK_MONOTONIC",
	ClockTSC:  "TSC (rdtsc) calibrated against CLOCK_MONOTONIC",
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

// workerArgs is the command line that starts a worker with spec.
func workerArgs(exe string, specJSON []byte) []string {
	return []string{exe, "worker", "--spec", string(specJSON)}
}

// MaxProducers bounds a fan-in: the control block holds a slot for each.
const MaxProducers = 64

// Worker fds: the worker's ExtraFiles start at 3.
const (
	fdGo        = 3 // read end of the start barrier pipe: the handshake token, then one byte to start
	fdReport    = 4 // write end of the report pipe: "ready\n", then one JSON report
	fdControl   = 5 // memfd holding the shared controlBlock
	fdTransport = 6 // the transport's own fds start here
)

// Case is one transport × workload × size to run. Each worker's Spec
// carries it, so a parameter a worker needs is added here once; its json
// names are the wire's, and the fields tagged "-" are the parent's alone.
type Case struct {
	Transport string        `json:"transport"`
	Workload  string        `json:"workload"`
	SizeBytes int           `json:"size_bytes"`
	Warmup    time.Duration `json:"warmup_ns"`
	Duration  time.Duration `json:"duration_ns"` // used when Count is 0
	Count     uint64        `json:"count"`       // measured messages (round trips for pingpong)
	// Timeout bounds the whole case; zero derives it from Warmup and Duration.
	Timeout time.Duration `json:"-"`
	// CPUs pins side a and side b to these two CPUs; nil leaves them to
	// the scheduler.
	CPUs []int `json:"-"`
	// Producers is the number of producers of a fanin case.
	Producers int `json:"producers,omitempty"`
	// SampleEvery: only every Nth message is timed and body-checked
	// (Plan.SampleEvery); every sequence number is checked. 0 or 1: all.
	SampleEvery uint64 `json:"sample_every,omitempty"`
	// VerifyFull compares every byte of every message (Plan.Verify); by
	// default large messages' bodies are sampled (verifyStrideBytes).
	VerifyFull bool `json:"verify_full,omitempty"`
	// RateMsgsPerSec is a rate case's offered rate and Arrivals its
	// schedule (Plan.Rates, Plan.Arrivals); WorkNs the consumer's or
	// echoer's spin per message (Plan.Work).
	RateMsgsPerSec float64 `json:"rate_msgs_per_sec,omitempty"`
	Arrivals       string  `json:"arrivals,omitempty"`
	WorkNs         int64   `json:"work_ns,omitempty"`
	// Clock is the clock both sides' loops read, ClockTSC or ClockVDSO
	// (Plan.Clock, resolved by the parent); "" is ClockVDSO.
	Clock string `json:"clock,omitempty"`
	// Hooks make the workers misbehave, for tests.
	Hooks
	// Depth is the messages in flight the transport is set to hold
	// (Plan.Depth); 0 keeps its native buffering.
	Depth int `json:"-"`
}

// Spec is everything a worker needs: its case, and where this worker
// stands in it. The parent passes it as JSON.
type Spec struct {
	Case
	Side   transports.Side `json:"side"`
	NumFds int             `json:"num_fds"`
	Args   []string        `json:"args"`
	// CPU pins the worker's measuring thread to this CPU; -1 leaves it to
	// the scheduler.
	CPU int `json:"cpu"`
	// Producer: which of a fanin's producers this side a worker is.
	Producer int `json:"producer,omitempty"`
	// SharedCPU says both sides are pinned to the same CPU.
	SharedCPU bool `json:"shared_cpu,omitempty"`
	// RelayFile is the input (side A) or output (side B) file of a relay,
	// RelayMessages its length in messages: a relay runs over the file
	// again and again, at each message's offset modulo the file, until its
	// phase ends.
	RelayFile     string `json:"relay_file,omitempty"`
	RelayMessages uint64 `json:"relay_messages,omitempty"`
	// Seed seeds a rate case's Poisson schedule (caseSeed).
	Seed uint64 `json:"seed,omitempty"`
}

// Hooks make a worker misbehave on purpose, for tests; a run leaves them
// zero. The parent passes them in the Spec.
type Hooks struct {
	// Fault injects one error on side A's sends: "lose", "dup" or "corrupt"
	// message FaultAt of the measured window, or "die" (SIGKILL itself)
	// when about to send it.
	Fault   string `json:"fault,omitempty"`
	FaultAt uint64 `json:"fault_at,omitempty"`
	// SendDelay busy-waits this long before each of side A's sends: a
	// deliberately slowed transport.
	SendDelay time.Duration `json:"send_delay_ns,omitempty"`
	// KillAt has side KillSide SIGKILL itself at a stage (see KillStages).
	KillAt   string          `json:"kill_at,omitempty"`
	KillSide transports.Side `json:"kill_side,omitempty"`
	// StallAt and StallNs have the parent stop side b with SIGSTOP StallAt
	// into the measured window and resume it StallNs later: a consumer
	// that stalls and recovers (scheduleStall).
	StallAt time.Duration `json:"stall_at_ns,omitempty"`
	StallNs time.Duration `json:"stall_ns,omitempty"`
	// ClockSkewPPM has each worker convert ticks at its calibrated rate
	// off by this many parts per million: a calibration the window's own
	// rate disagrees with (ClockErrorLimitPPM).
	ClockSkewPPM float64 `json:"clock_skew_ppm,omitempty"`
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

// Report is what a worker sends back after its window closes.
type Report struct {
	Error    string `json:"error,omitempty"`
	Sent     uint64 `json:"sent"`
	Received uint64 `json:"received"`
	StartNs  int64  `json:"start_ns"` // CLOCK_MONOTONIC at the barrier
	EndNs    int64  `json:"end_ns"`   // CLOCK_MONOTONIC when its last message was done
	// IntendedEndNs is a paced producer's: the intended time of the
	// message after its last, the end of the schedule it kept.
	IntendedEndNs int64 `json:"intended_end_ns,omitempty"`

	UserNs int64 `json:"user_ns"`
	SysNs  int64 `json:"sys_ns"`
	Nvcsw  int64 `json:"nvcsw"`
	Nivcsw int64 `json:"nivcsw"`
	// MinFlt is the minor page faults the worker took in the window: a
	// transport that maps each message (unix-fdpass) pays them per message.
	MinFlt int64 `json:"minflt"`
	// SendLateness is a pacer's: how late it sent each message after its
	// intended time, and what share of that its sends made; PacerWaitNs
	// its waiting for intended times (its spin and its sleeps' CPU), not
	// its sending.
	SendLateness *results.SendLateness `json:"send_lateness,omitempty"`
	PacerWaitNs  int64                 `json:"pacer_wait_ns,omitempty"`

	Counters     transports.Counters `json:"counters"`
	FileIO       transports.Counters `json:"file_io"` // relay: the file reads and writes
	HistogramHDR string              `json:"histogram_hdr,omitempty"`

	CPUsAllowed    string   `json:"cpus_allowed"`
	FdTable        string   `json:"fd_table"`               // the measuring thread's: "private", or why not
	PerProducer    []uint64 `json:"per_producer,omitempty"` // fanin consumer: messages from each producer
	TimerNs        float64  `json:"timer_ns"`
	LoopOverheadNs float64  `json:"loop_overhead_ns"`
	// TSCHz is the rate a TSC clock's ticks were converted at, calibrated
	// against CLOCK_MONOTONIC before the first window, and TSCErrorPPM how
	// far the window's own rate lay from it; both 0 for CLOCK_MONOTONIC.
	TSCHz       float64 `json:"tsc_hz,omitempty"`
	TSCErrorPPM float64 `json:"tsc_error_ppm,omitempty"`

	// The samples' self-checks (selfcheck.go): the second half of the
	// window's p50 over the first half's, minus one, and the lag-1
	// autocorrelation of successive samples; the CPUs the measuring
	// thread was seen on (getcpu every 1024th message).
	Drift        float64 `json:"drift,omitempty"`
	Lag1Autocorr float64 `json:"lag1_autocorr,omitempty"`
	CPUsSeen     []int   `json:"cpus_seen,omitempty"`

	// Interference in the window (interference.go): the measuring
	// thread's run-queue wait and migrations, and the steal of the CPUs
	// it may run on; nil where /proc lacks them.
	Interference workerInterference `json:"interference"`
	// WorkDoneNs is run --work's spin as timed after the window
	// (work.go), the mean per call; 0 for a side without work.
	WorkDoneNs float64 `json:"work_done_ns,omitempty"`
}

func (s Spec) validate() error {
	if _, ok := transports.Lookup(s.Transport); !ok {
		return fmt.Errorf("unknown transport %q", s.Transport)
	}
	wl, ok := workloads.Lookup(s.Workload)
	if !ok {
		return fmt.Errorf("unknown workload %q", s.Workload)
	}
	if s.SizeBytes < wl.MinBytes() {
		return fmt.Errorf("size %d below the %s minimum %d", s.SizeBytes, s.Workload, wl.MinBytes())
	}
	if s.Count == 0 && s.Duration <= 0 {
		return fmt.Errorf("neither count nor duration set")
	}
	// The spec comes in on the command line: bound everything it sizes.
	const day = 24 * 3600 * 1e9
	switch {
	case s.Side != transports.SideA && s.Side != transports.SideB:
		return fmt.Errorf("side %d is neither a nor b", s.Side)
	case loopsOf(wl, s.Side) == nil:
		return fmt.Errorf("workload %s: the harness has no loops for its %s (register them with registerLoops)", s.Workload, wl.Roles[s.Side])
	case s.SizeBytes > transports.StreamCapBytes:
		return fmt.Errorf("size %d above ipcbench's cap %d", s.SizeBytes, transports.StreamCapBytes)
	case s.NumFds < 0 || s.NumFds > 8:
		return fmt.Errorf("%d transport fds, want 0 to 8", s.NumFds)
	case len(s.Args) > 8:
		return fmt.Errorf("%d transport args, want at most 8", len(s.Args))
	case s.Duration < 0 || s.Duration > day || s.Warmup < 0 || s.Warmup > day || s.SendDelay < 0 || s.SendDelay > time.Second:
		return fmt.Errorf("duration, warm-up or delay out of range")
	case s.CPU < -1 || s.CPU >= 1<<16:
		return fmt.Errorf("cpu %d out of range", s.CPU)
	case wl.Writers && (s.Producers < 1 || s.Producers > MaxProducers || s.Producer < 0 || s.Producer >= s.Producers):
		return fmt.Errorf("fanin producer %d of %d, want 1 to %d producers", s.Producer, s.Producers, MaxProducers)
	case s.Count > 1e12:
		return fmt.Errorf("count %d above 10^12", s.Count)
	case s.SampleEvery > MaxSampleEvery:
		return fmt.Errorf("sample every %d above %d", s.SampleEvery, MaxSampleEvery)
	case s.RelayMessages > 1e12:
		return fmt.Errorf("relay file of %d messages above 10^12", s.RelayMessages)
	case !(s.RateMsgsPerSec >= 0 && s.RateMsgsPerSec <= results.MaxRate) || s.WorkNs < 0 || s.WorkNs > int64(MaxWork):
		return fmt.Errorf("rate %g msgs/s or work %d ns out of range", s.RateMsgsPerSec, s.WorkNs)
	case s.Arrivals != "" && s.Arrivals != ArrivalsUniform && s.Arrivals != ArrivalsPoisson:
		return fmt.Errorf("arrivals %q: want %s or %s", s.Arrivals, ArrivalsUniform, ArrivalsPoisson)
	case s.Clock != "" && s.Clock != ClockVDSO && s.Clock != ClockTSC:
		return fmt.Errorf("clock %q: want %s or %s", s.Clock, ClockTSC, ClockVDSO)
	case s.Clock == ClockTSC && !tscReadable:
		return fmt.Errorf("clock %s on a host without a TSC the loops can read", ClockTSC)
	case !(s.ClockSkewPPM > -1e5 && s.ClockSkewPPM < 1e5):
		return fmt.Errorf("clock skew %g ppm out of range", s.ClockSkewPPM)
	}
	return nil
}

// controlBlock lives in a memfd mapped by both workers. Side A, which decides
// when a phase ends, stores the phase's message count before it sends the
// last message; side B checks it after each message. The kernel call that
// carries that message orders the store before B's load, so B stops after
// exactly the right message without any extra syscall on the hot path.
type controlBlock struct {
	warmupStop  atomic.Uint64
	_           [56]byte
	measureStop atomic.Uint64
	_           [56]byte
	// The handshake: the parent writes both before it spawns the workers,
	// which refuse to run unless their spec carries the same token and
	// their parent is the pid written here.
	token     [handshakeBytes]byte
	parentPid int64
	// fanFinal[phase][p] is fan-in producer p's message count in a phase
	// (0 warm-up, 1 measured), stored before it sends its last message.
	fanFinal [2][MaxProducers]atomic.Uint64
}

const controlBlockBytes = 4096

// The bytes a parent writes on a worker's start pipe: startByte releases
// it from the start barrier into the window; roundByte, once its report
// is in, starts another round.
const (
	startByte = 'g'
	roundByte = 'w'
)

// resetPhases clears the control block's phase words before another
// round: each phase ends when side A stores its count, so a count left
// from the last round would end the next at once. The parent calls it
// while both workers wait for the round to start, so nobody reads them.
func resetPhases(ctlFd int) error {
	var cb controlBlock
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&cb)), unsafe.Sizeof(cb))
	for _, f := range []struct{ off, n uintptr }{
		{unsafe.Offsetof(cb.warmupStop), unsafe.Sizeof(cb.warmupStop)},
		{unsafe.Offsetof(cb.measureStop), unsafe.Sizeof(cb.measureStop)},
		{unsafe.Offsetof(cb.fanFinal), unsafe.Sizeof(cb.fanFinal)},
	} {
		if _, err := unix.Pwrite(ctlFd, raw[f.off:f.off+f.n], int64(f.off)); err != nil {
			return fmt.Errorf("clear the control memfd's phase words for the next round: %w", err)
		}
	}
	return nil
}

const handshakeBytes = 32

// controlName names the control memfd, which a worker checks on fd 5.
const controlName = "ipcbench-control"

// writeHandshake fills the control block's handshake with a fresh random
// token and this process's pid, and returns the token, which the parent
// then writes into each worker's start-barrier pipe before it starts the
// worker (sendToken). The token never travels on a command line, which
// every user can read in ps or /proc/PID/cmdline.
func writeHandshake(ctlFd int) (string, error) {
	var tok [handshakeBytes / 2]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return "", fmt.Errorf("worker handshake token: %w", err)
	}
	token := hex.EncodeToString(tok[:])
	var cb controlBlock
	copy(cb.token[:], token)
	cb.parentPid = int64(os.Getpid())
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&cb)), unsafe.Sizeof(cb))
	off := unsafe.Offsetof(cb.token)
	if _, err := unix.Pwrite(ctlFd, raw[off:], int64(off)); err != nil {
		return "", fmt.Errorf("write worker handshake to control memfd: %w", err)
	}
	return token, nil
}

// sendToken puts the handshake token at the head of a worker's start
// barrier pipe, ahead of the start byte. The pipe is new and empty, and the
// token is far below its capacity, so the write never blocks.
func sendToken(goW *os.File, token string) error {
	if _, err := goW.Write([]byte(token)); err != nil {
		return fmt.Errorf("write worker handshake token to the start pipe: %w", err)
	}
	return nil
}

// errNotFromRunner is why a worker refuses to start.
var errNotFromRunner = errors.New("the worker command is internal: ipcbench run starts it with a handshake on fds 3 and 5")

// checkHandshake runs first in a worker, before it trusts its arguments or
// writes to any inherited fd: fd 5 must be the runner's control memfd,
// written by the worker's parent, and fd 3 a pipe that already holds the
// same token. The token is read without waiting, so a worker started by
// hand is refused at once rather than left blocked on whatever fd 3 is.
func checkHandshake() error {
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fdControl))
	if err != nil || !strings.HasPrefix(link, "/memfd:"+controlName) {
		return fmt.Errorf("%w (fd %d is %q, not the control memfd)", errNotFromRunner, fdControl, link)
	}
	var cb controlBlock
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&cb)), unsafe.Sizeof(cb))
	if n, err := unix.Pread(fdControl, raw, 0); err != nil || n != len(raw) {
		return fmt.Errorf("%w (cannot read fd %d: %v)", errNotFromRunner, fdControl, err)
	}
	if ppid := os.Getppid(); int64(ppid) != cb.parentPid {
		return fmt.Errorf("%w (parent pid %d did not write the handshake, pid %d did)", errNotFromRunner, ppid, cb.parentPid)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fdGo, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return fmt.Errorf("%w (fd %d is not the start pipe: %v)", errNotFromRunner, fdGo, err)
	}
	pfd := []unix.PollFd{{Fd: fdGo, Events: unix.POLLIN}}
	if n, err := unix.Poll(pfd, 0); err != nil || n != 1 || pfd[0].Revents&unix.POLLIN == 0 {
		return fmt.Errorf("%w (no handshake token waiting on fd %d)", errNotFromRunner, fdGo)
	}
	var tok [handshakeBytes]byte
	if n, err := unix.Read(fdGo, tok[:]); err != nil || n != len(tok) {
		return fmt.Errorf("%w (short handshake token on fd %d: %d bytes, %v)", errNotFromRunner, fdGo, n, err)
	}
	if !bytes.Equal(cb.token[:], tok[:]) {
		return fmt.Errorf("%w (token mismatch)", errNotFromRunner)
	}
	return nil
}
