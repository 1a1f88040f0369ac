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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// worker is one spawned worker process as the parent sees it.
type worker struct {
	side     transports.Side
	producer int // fanin: which producer this side a is
	cpu      int // the CPU every thread of the worker is pinned to; -1: none
	cmd      *exec.Cmd
	stderr   strings.Builder
	goW      *os.File           // parent's end of the start barrier
	repR     *os.File           // parent's end of the report pipe
	events   chan<- workerEvent // shared by a case's workers: what each reached
	idx      int                // this worker's index in its case
	done     chan struct{}      // closed once rep or err is set
	rep      Report             // its report
	err      error              // or why it sent none
	killed   bool               // stopped by the parent, not by its own failure
	state    *os.ProcessState
}

// workerEvent is what worker idx reached.
type workerEvent struct {
	idx  int
	kind eventKind
}

type eventKind int

const (
	reachedBarrier      eventKind = iota
	failedBeforeBarrier           // exited, or reported an error, before the start barrier
	reported                      // its report of the round is in rep
	ended                         // it sent all it will: why, if it failed, is in rep or err
)

// spawnAll starts the workers from one locked OS thread that stays alive until
// both are reaped, because Pdeathsig fires when the thread that forked dies.
// The returned channel closes once both are reaped.
//
// A pinned worker is forked while that thread is pinned to the worker's
// CPU, so that every thread the worker's runtime ever makes inherits the
// pin: sysmon, which wakes up to every 10 ms, never runs on the peer's CPU.
// The thread is never unlocked, so that it ends with the goroutine rather
// than go back, pinned, to the runner's pool.
func spawnAll(workers []*worker) (<-chan struct{}, error) {
	started := make(chan error)
	reaped := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(reaped)
		var unpinned unix.CPUSet
		if err := unix.SchedGetaffinity(0, &unpinned); err != nil {
			started <- fmt.Errorf("sched_getaffinity of the spawning thread: %w", err)
			return
		}
		for i, w := range workers {
			if err := startPinned(w, &unpinned); err != nil {
				for _, prev := range workers[:i] {
					prev.cmd.Process.Kill()
					prev.cmd.Wait()
					prev.state = prev.cmd.ProcessState
				}
				started <- fmt.Errorf("start worker %s (%s): %w", w.side, w.cmd.Path, err)
				return
			}
		}
		started <- nil
		for _, w := range workers {
			w.cmd.Wait()
			w.state = w.cmd.ProcessState
		}
	}()
	if err := <-started; err != nil {
		<-reaped
		return nil, err
	}
	return reaped, nil
}

// startPinned starts w's process from the calling locked thread, pinned
// for the fork to w.cpu, or to unpinned (the thread's own CPUs) for a
// worker the scheduler places.
func startPinned(w *worker, unpinned *unix.CPUSet) error {
	set := *unpinned
	if w.cpu >= 0 {
		set.Zero()
		set.Set(w.cpu)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin worker %s to CPU %d: sched_setaffinity: %w", w.side, w.cpu, err)
	}
	return w.cmd.Start()
}

func newWorker(side transports.Side, events chan<- workerEvent, idx int) *worker {
	return &worker{side: side, events: events, idx: idx, done: make(chan struct{}), cpu: -1}
}

// readReports reads, for each round, "ready" and then the JSON report
// from the worker, each a line, until the worker ends.
func (w *worker) readReports() {
	defer func() {
		close(w.done)
		w.events <- workerEvent{idx: w.idx, kind: ended}
	}()
	r := bufio.NewReaderSize(w.repR, 64<<10)
	for round := 1; ; round++ {
		line, err := r.ReadString('\n')
		if round > 1 && err != nil && line == "" {
			return // ended after its last round
		}
		if line != "ready\n" {
			w.notReady(line, round)
			return
		}
		w.events <- workerEvent{idx: w.idx, kind: reachedBarrier}
		// Decoded apart and then set whole: describe may read it after a timeout.
		var rep Report
		if line, err = r.ReadString('\n'); err != nil || json.Unmarshal([]byte(line), &rep) != nil {
			w.err = errors.New("exited without a report")
			return
		}
		w.rep = rep
		w.events <- workerEvent{idx: w.idx, kind: reported}
	}
}

// notReady records why a worker sent line rather than reaching the start
// barrier of round: a worker that fails before it sends its report
// instead.
func (w *worker) notReady(line string, round int) {
	var rep Report
	switch {
	case json.Unmarshal([]byte(line), &rep) == nil && rep.Error != "":
		w.rep = rep
	case round == 1:
		w.err = errors.New("exited before reaching the start barrier")
	default:
		w.err = fmt.Errorf("exited before reaching the start barrier of round %d", round)
	}
	w.events <- workerEvent{idx: w.idx, kind: failedBeforeBarrier}
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
func (r *caseRun) workerFailure(reaped <-chan struct{}) error {
	if reaped != nil {
		select {
		case <-reaped:
		case <-time.After(peerGrace):
			stopAll(r.workers, reaped)
		}
	}
	if d := r.describe(); d != "" {
		return errors.New(d)
	}
	return errors.New("a worker failed without saying why")
}

// timeoutFailure stops the workers of a case that ran out of time, or was
// interrupted, during stage, and says which and what each worker said.
func (r *caseRun) timeoutFailure(ctx context.Context, stage string) error {
	c := r.c
	stopAll(r.workers, r.reaped)
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
	return fmt.Errorf("%s: %s", what, r.describe())
}

// describe says how each worker that did not end well ended.
func (r *caseRun) describe() string {
	var parts []string
	for _, w := range r.workers {
		if d := w.describe(r.wl); d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
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
	if w.rep.Error != "" {
		return who + ": " + w.rep.Error + stderr
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
		if w.err != nil {
			msg += ", " + w.err.Error()
		}
		return who + ": " + msg + stderr
	}
	return ""
}

// maxRSSKiB is the worker's peak resident set: from its rusage once it
// has exited, else VmHWM from /proc (the worker is this process's unreaped
// child, so its pid is still its own); 0 where neither says.
func (w *worker) maxRSSKiB() int64 {
	if w.state != nil {
		if ru, ok := w.state.SysUsage().(*syscall.Rusage); ok {
			return ru.Maxrss
		}
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}
