package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// Case is one transport × workload × size to run.
type Case struct {
	Transport string
	Workload  string
	SizeBytes int
	Warmup    time.Duration
	Duration  time.Duration // used when Count is 0
	Count     uint64        // measured messages (round trips for pingpong)
	// Timeout bounds the whole case; zero derives it from Warmup and Duration.
	Timeout time.Duration
	// Fault and FaultAt inject one error on side A, for tests (see Spec).
	Fault   string
	FaultAt uint64
	// SendDelay slows side A's every send by this much, for tests (see Spec).
	SendDelay time.Duration
	// CPUs pins side a and side b to these two CPUs; nil leaves them to
	// the scheduler.
	CPUs []int
	// Producers is the number of producers of a fanin case.
	Producers int
	// KillAt and KillSide have a worker SIGKILL itself, for tests (see Spec).
	KillAt   string
	KillSide transports.Side
}

// producers is how many side-a workers the case has: one, or a fan-in's.
func (c Case) producers(wl workloads.Descriptor) int {
	if wl.Writers {
		return c.Producers
	}
	return 1
}

func (c Case) name() string {
	return results.CaseKey{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes}.String()
}

func (c Case) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	if c.Count > 0 {
		return 60*time.Second + 2*c.Warmup
	}
	return 10*time.Second + 2*(c.Warmup+c.Duration)
}

// Executable is the binary the harness re-execs as workers; tests may point it elsewhere.
var Executable = os.Executable

// RunCase runs one case in two fresh worker processes and returns its result.
// A case that cannot run on this host is skipped with the reason; any error
// fails the case with the reason, and never yields a number.
func RunCase(ctx context.Context, c Case) results.Case {
	out := results.Case{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes}
	desc, ok := transports.Lookup(c.Transport)
	if !ok {
		out.Status, out.Reason = results.StatusFailed, fmt.Sprintf("unknown transport %q", c.Transport)
		return out
	}
	wl, ok := workloads.Lookup(c.Workload)
	if !ok {
		out.Status, out.Reason = results.StatusFailed, fmt.Sprintf("unknown workload %q", c.Workload)
		return out
	}
	out.ModelCopies, out.ModelSyscalls = desc.Model.CopiesPerMsg, desc.Model.SyscallsPerMsg
	if skip := skipReason(desc, wl, c); skip != "" {
		out.Status, out.Reason = results.StatusSkipped, skip
		return out
	}
	if err := runCase(ctx, desc, wl, c, &out); err != nil {
		if errors.Is(err, transports.ErrUnsupported) {
			out.Status, out.Reason = results.StatusSkipped, err.Error()
			return out
		}
		failed := results.Case{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes,
			Status: results.StatusFailed, Reason: err.Error()}
		return failed
	}
	out.Status = results.StatusOK
	return out
}

func skipReason(desc transports.Descriptor, wl workloads.Descriptor, c Case) string {
	if wl.Writers && !desc.MultiWriter {
		return fmt.Sprintf("%s takes one writer per direction (a connection, a ring or a single slot); fanin needs several", desc.Name)
	}
	if wl.Writers && desc.AtomicWriteBytes > 0 && c.SizeBytes > desc.AtomicWriteBytes {
		return fmt.Sprintf("%s writes above PIPE_BUF (%d B) are not atomic, so several producers' messages would interleave", desc.Name, desc.AtomicWriteBytes)
	}
	if wl.InPlace && !desc.InPlace {
		return fmt.Sprintf("%s has no in-place mode: its messages pass through the kernel, so the sender cannot write them where the receiver reads", desc.Name)
	}
	if c.SizeBytes < wl.MinBytes() {
		return fmt.Sprintf("%s messages carry a %d B header (sequence number and send timestamp); %s is too small",
			c.Workload, wl.MinBytes(), results.FormatBytes(c.SizeBytes))
	}
	limit, err := desc.MaxMessage()
	if err != nil {
		return fmt.Sprintf("cannot read the largest message size on this host: %v", err)
	}
	if c.SizeBytes > limit.Bytes {
		return fmt.Sprintf("%s exceeds the largest %s message on this host, %d B (%s)",
			results.FormatBytes(c.SizeBytes), desc.Name, limit.Bytes, limit.Source)
	}
	return ""
}

// worker is one spawned worker process as the parent sees it.
type worker struct {
	side     transports.Side
	producer int // fanin: which producer this side a is
	cmd      *exec.Cmd
	stderr   strings.Builder
	goW      *os.File           // parent's end of the start barrier
	repR     *os.File           // parent's end of the report pipe
	events   chan<- workerEvent // shared by a case's workers: what each reached
	idx      int                // this worker's index in its case
	done     chan struct{}      // closed once final is set
	final    reportOrErr
	killed   bool // stopped by the parent, not by its own failure
	state    *os.ProcessState
	waitErr  error
}

// workerEvent is one worker reaching the barrier (or failing before it), or
// finishing with its report.
type workerEvent struct {
	idx   int
	ready bool  // reached the start barrier, or err says why not
	err   error // before the barrier
}

type reportOrErr struct {
	rep Report
	err error
}

func runCase(ctx context.Context, desc transports.Descriptor, wl workloads.Descriptor, c Case, out *results.Case) (err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()

	setup, err := desc.New(transports.Options{MessageBytes: c.SizeBytes})
	if err != nil {
		return fmt.Errorf("%s: set up: %w", desc.Name, err)
	}
	defer onAbort(func() { setup.Close() })()
	defer func() { err = joinTeardown(err, desc.Name, setup.Close()) }()

	ctlFd, err := unix.MemfdCreate(controlName, unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("memfd_create control block: %w", err)
	}
	ctl := os.NewFile(uintptr(ctlFd), "ipcbench-control")
	defer ctl.Close()
	if err := unix.Ftruncate(ctlFd, controlBlockBytes); err != nil {
		return fmt.Errorf("ftruncate control memfd: %w", err)
	}
	token, err := writeHandshake(ctlFd)
	if err != nil {
		return err
	}

	var relay *relayFiles
	if wl.File {
		if c.Count == 0 {
			c.Count = relayMessages(c.SizeBytes)
		}
		if relay, err = newRelayFiles(c.SizeBytes, c.Count); err != nil {
			return err
		}
		defer func() { err = joinTeardown(err, desc.Name+" relay files", relay.remove()) }()
		defer onAbort(func() { relay.remove() })()
	}

	exe, err := Executable()
	if err != nil {
		return fmt.Errorf("find own executable to re-exec workers: %w", err)
	}

	// Side a is one worker, or every producer of a fan-in; side b is one.
	events := make(chan workerEvent, 2*(c.producers(wl)+1))
	var workers []*worker
	for i := range c.producers(wl) {
		w := newWorker(transports.SideA, events, len(workers))
		w.producer = i
		workers = append(workers, w)
	}
	workers = append(workers, newWorker(transports.SideB, events, len(workers)))
	var childEnds []*os.File
	defer func() {
		for _, f := range childEnds {
			f.Close()
		}
		for _, w := range workers {
			if w.goW != nil {
				w.goW.Close()
			}
			if w.repR != nil {
				w.repR.Close()
			}
		}
	}()
	for _, w := range workers {
		h := setup.Handoff(w.side)
		spec := Spec{
			Transport: c.Transport, Workload: c.Workload, Side: w.side, SizeBytes: c.SizeBytes,
			WarmupNs: int64(c.Warmup), DurationNs: int64(c.Duration), Count: c.Count,
			NumFds: len(h.Files), Args: h.Args, Fault: c.Fault, FaultAt: c.FaultAt, SendDelayNs: int64(c.SendDelay),
			KillAt: c.KillAt, KillSide: c.KillSide, CPU: -1,
			Producers: c.Producers, Producer: w.producer,
		}
		if len(c.CPUs) == 2 {
			spec.CPU, spec.SharedCPU = c.CPUs[w.side], c.CPUs[0] == c.CPUs[1]
		}
		if relay != nil {
			spec.RelayFile = relay.in
			if w.side == transports.SideB {
				spec.RelayFile = relay.out
			}
		}
		specJSON, _ := json.Marshal(spec)
		goR, goW, err := os.Pipe()
		if err != nil {
			return fmt.Errorf("pipe for start barrier: %w", err)
		}
		repR, repW, err := os.Pipe()
		if err != nil {
			goR.Close()
			goW.Close()
			return fmt.Errorf("pipe for worker report: %w", err)
		}
		w.goW, w.repR = goW, repR
		childEnds = append(childEnds, goR, repW)
		if err := sendToken(goW, token); err != nil {
			return err
		}
		w.cmd = &exec.Cmd{
			Path:       exe,
			Args:       []string{exe, "worker", "--spec", string(specJSON)},
			Env:        append(os.Environ(), "GOMAXPROCS=1", "GOGC=off"),
			Stderr:     &w.stderr,
			ExtraFiles: append([]*os.File{goR, repW, ctl}, h.Files...),
			// The kernel kills a worker whose parent thread dies; spawnAll
			// keeps that thread alive until both workers are reaped. Each
			// worker leads a process group of its own, so that a terminal's
			// Ctrl-C, Ctrl-\ or hangup reaches only the runner, which then
			// stops the workers itself: a worker that died of the signal
			// first made the case look failed, and SIGQUIT dumped goroutines.
			SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true},
		}
	}

	reaped, err := spawnAll(workers)
	if err != nil {
		return err
	}
	// From here every return must stop and reap both workers.
	defer func() {
		stopAll(workers, reaped)
	}()

	// The workers hold their own copies now; the parent's must go, so that a
	// worker's death shows up as EOF or EPIPE at its peer.
	for _, f := range childEnds {
		f.Close()
	}
	childEnds = nil
	for _, side := range []transports.Side{transports.SideA, transports.SideB} {
		for _, f := range setup.Handoff(side).Files {
			f.Close()
		}
	}
	for _, w := range workers {
		go w.readReports()
	}

	// Wait for all at once: a worker whose peer died may block for good in
	// a transport that cannot tell (a semaphore, a message queue), and only
	// the dead one's report pipe says what happened.
	for ready := 0; ready < len(workers); {
		select {
		case ev := <-events:
			if !ev.ready || ev.err != nil { // ended, or failed, before the start
				return workerFailure(ctx, workers, reaped, wl)
			}
			ready++
		case <-ctx.Done():
			return timeoutFailure(ctx, workers, reaped, c, wl, "attach and warm-up")
		}
	}
	if err := setup.Attached(); err != nil {
		return fmt.Errorf("%s: after attach: %w", desc.Name, err)
	}
	for _, w := range workers {
		if _, err := w.goW.Write([]byte{'g'}); err != nil {
			return fmt.Errorf("release worker %s from start barrier: %w", w.side, err)
		}
	}
	reps := make([]Report, len(workers))
	for finished := 0; finished < len(workers); {
		var ev workerEvent
		select {
		case ev = <-events:
		case <-ctx.Done():
			return timeoutFailure(ctx, workers, reaped, c, wl, "measurement")
		}
		if ev.ready {
			continue
		}
		finished++
		w := workers[ev.idx]
		if w.final.err != nil || w.final.rep.Error != "" {
			return workerFailure(ctx, workers, reaped, wl)
		}
		reps[ev.idx] = w.final.rep
	}
	<-reaped
	for _, w := range workers {
		if !w.state.Success() {
			return workerFailure(ctx, workers, nil, wl)
		}
	}
	if relay != nil {
		if err := relay.verify(); err != nil {
			return err
		}
	}
	return summarize(c, wl, workers, reps, out)
}

// spawnAll starts the workers from one locked OS thread that stays alive until
// both are reaped, because Pdeathsig fires when the thread that forked dies.
// The returned channel closes once both are reaped.
func spawnAll(workers []*worker) (<-chan struct{}, error) {
	started := make(chan error)
	reaped := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(reaped)
		for i, w := range workers {
			if err := w.cmd.Start(); err != nil {
				for _, prev := range workers[:i] {
					prev.cmd.Process.Kill()
					prev.state, prev.waitErr = waitState(prev.cmd)
				}
				started <- fmt.Errorf("start worker %s (%s): %w", w.side, w.cmd.Path, err)
				return
			}
		}
		started <- nil
		for _, w := range workers {
			w.state, w.waitErr = waitState(w.cmd)
		}
	}()
	if err := <-started; err != nil {
		<-reaped
		return nil, err
	}
	return reaped, nil
}

func waitState(cmd *exec.Cmd) (*os.ProcessState, error) {
	err := cmd.Wait()
	return cmd.ProcessState, err
}

func newWorker(side transports.Side, events chan<- workerEvent, idx int) *worker {
	return &worker{side: side, events: events, idx: idx, done: make(chan struct{})}
}

// readReports reads "ready" and then the JSON report from the worker.
func (w *worker) readReports() {
	defer func() {
		close(w.done)
		w.events <- workerEvent{idx: w.idx}
	}()
	r := bufio.NewReader(w.repR)
	line, err := r.ReadString('\n')
	if err != nil || line != "ready\n" {
		// A worker that fails before the barrier sends its report instead.
		var rep Report
		if jerr := json.Unmarshal([]byte(line), &rep); jerr == nil && rep.Error != "" {
			w.final = reportOrErr{rep: rep}
			w.events <- workerEvent{idx: w.idx, ready: true, err: errors.New(rep.Error)}
			return
		}
		w.final = reportOrErr{err: errors.New("exited before reaching the start barrier")}
		w.events <- workerEvent{idx: w.idx, ready: true, err: w.final.err}
		return
	}
	w.events <- workerEvent{idx: w.idx, ready: true}
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		w.final = reportOrErr{err: errors.New("exited without a report")}
		return
	}
	w.final = reportOrErr{rep: rep}
}

// stopAll kills whatever still runs and waits until every worker is reaped.
func stopAll(workers []*worker, reaped <-chan struct{}) {
	for _, w := range workers {
		// A worker that died on its own is a zombie until spawnAll reaps
		// it, and killing a zombie succeeds: look first, so that describe
		// blames the right party. Kill fails harmlessly once it is reaped.
		if exited(w.cmd.Process.Pid) {
			continue
		}
		if w.cmd.Process.Kill() == nil {
			w.killed = true
		}
	}
	<-reaped
}

// exited reports whether a child has ended, reaped or not, without reaping it.
func exited(pid int) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil {
		return true // ECHILD: reaped already
	}
	// With WNOHANG and no child ended, Linux leaves the siginfo zeroed.
	return info.Signo == int32(unix.SIGCHLD)
}

// peerGrace is how long a failed worker's peer gets to notice (EOF, EPIPE) and
// report its own view before the parent stops it.
const peerGrace = 500 * time.Millisecond

// workerFailure waits for both workers to end, then names each side that
// failed, how, and what it said.
func workerFailure(ctx context.Context, workers []*worker, reaped <-chan struct{}, wl workloads.Descriptor) error {
	if reaped != nil {
		select {
		case <-reaped:
		case <-time.After(peerGrace):
			stopAll(workers, reaped)
		}
	}
	var parts []string
	for _, w := range workers {
		if d := w.describe(wl); d != "" {
			parts = append(parts, d)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "a worker failed without saying why")
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

func timeoutFailure(ctx context.Context, workers []*worker, reaped <-chan struct{}, c Case, wl workloads.Descriptor, stage string) error {
	stopAll(workers, reaped)
	limit := "10 s plus twice warm-up and duration; --timeout sets it"
	switch {
	case c.Timeout > 0:
		limit = "set by --timeout"
	case c.Count > 0:
		limit = "60 s plus twice warm-up with --count; --timeout sets it"
	}
	what := fmt.Sprintf("timed out after %s during %s (the limit is %s)", c.timeout(), stage, limit)
	if errors.Is(ctx.Err(), context.Canceled) {
		what = "interrupted during " + stage
	}
	var parts []string
	for _, w := range workers {
		if d := w.describe(wl); d != "" {
			parts = append(parts, d)
		}
	}
	return fmt.Errorf("%s: %s", what, strings.Join(parts, "; "))
}

// describe says how a worker ended, or "" if it ended well.
func (w *worker) describe(wl workloads.Descriptor) string {
	select {
	case <-w.done:
	case <-time.After(time.Second):
	}
	who := fmt.Sprintf("side %s (%s", w.side, wl.Roles[w.side])
	if w.cmd.Process != nil {
		who += fmt.Sprintf(", pid %d", w.cmd.Process.Pid)
	}
	who += ")"
	stderr := strings.TrimSpace(w.stderr.String())
	if len(stderr) > 500 {
		stderr = "…" + stderr[len(stderr)-500:]
	}
	if stderr != "" {
		stderr = " [stderr: " + stderr + "]"
	}
	if w.final.rep.Error != "" {
		return who + ": " + w.final.rep.Error + stderr
	}
	if w.state == nil {
		return who + ": still running"
	}
	ws, _ := w.state.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled() && w.killed:
		return who + ": stopped by ipcbench"
	case ws.Signaled():
		return fmt.Sprintf("%s: killed by signal %s%s", who, ws.Signal(), stderr)
	case ws.ExitStatus() != 0:
		msg := "exited with status " + fmt.Sprint(ws.ExitStatus())
		if w.final.err != nil {
			msg += ", " + w.final.err.Error()
		}
		return who + ": " + msg + stderr
	}
	return ""
}
