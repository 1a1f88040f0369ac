package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

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

// RunCase runs one case in two fresh worker processes, one round, and
// returns its result. A case that cannot run on this host is skipped with
// the reason; any error fails the case with the reason, and never yields
// a number.
func RunCase(ctx context.Context, c Case) results.Case {
	s, out := openCase(c)
	if s == nil {
		return out
	}
	out = s.round(ctx)
	return s.finish(out)
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

// caseRun is one case in flight as the parent holds it: the transport's
// kernel objects, the control memfd, a relay's files and the workers.
type caseRun struct {
	c          Case
	tr         transports.Descriptor
	wl         workloads.Descriptor
	setup      transports.Setup
	ctl        *os.File // the control memfd
	token      string   // the handshake token
	relay      *relayFiles
	workers    []*worker // side a (one, or each producer of a fan-in), then side b
	events     chan workerEvent
	reaped     <-chan struct{} // closed once every worker is reaped
	childEnds  []*os.File      // the workers' ends of their pipes, until spawned
	unregister []func()        // of the teardowns that Abort runs
}

// prepare creates what the workers share: the transport's kernel objects,
// the control memfd holding the handshake, and a relay's files.
func (r *caseRun) prepare() error {
	setup, err := r.tr.New(transports.Options{MessageBytes: r.c.SizeBytes, Depth: r.c.Depth})
	if err != nil {
		return fmt.Errorf("%s: set up: %w", r.tr.Name, err)
	}
	r.setup = setup
	r.unregister = append(r.unregister, onAbort(func() { setup.Close() }))
	if err := checkDepth(r.tr.Name, setup, r.c.Depth); err != nil {
		return err
	}
	ctlFd, err := unix.MemfdCreate(controlName, unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("memfd_create control block: %w", err)
	}
	r.ctl = os.NewFile(uintptr(ctlFd), "ipcbench-control")
	if err := unix.Ftruncate(ctlFd, controlBlockBytes); err != nil {
		return fmt.Errorf("ftruncate control memfd: %w", err)
	}
	if r.token, err = writeHandshake(ctlFd); err != nil {
		return err
	}
	if !r.wl.File {
		return nil
	}
	messages := relayMessages(r.c.SizeBytes)
	if r.c.Count > 0 {
		messages = min(messages, r.c.Count)
	}
	relay, err := newRelayFiles(r.c.SizeBytes, messages)
	if err != nil {
		return err
	}
	r.relay = relay
	r.unregister = append(r.unregister, onAbort(func() { relay.remove() }))
	return nil
}

// spawn starts the workers, then closes the parent's copies of what they
// inherited, so that a worker's death shows up as EOF or EPIPE at its peer.
func (r *caseRun) spawn() error {
	exe, err := chosenWorkerExe()
	if err != nil {
		return err
	}
	producers := r.c.producers(r.wl)
	r.events = make(chan workerEvent, 2*(producers+1))
	for i := range producers {
		w := newWorker(transports.SideA, r.events, len(r.workers))
		w.producer = i
		r.workers = append(r.workers, w)
	}
	r.workers = append(r.workers, newWorker(transports.SideB, r.events, len(r.workers)))
	for _, w := range r.workers {
		if err := r.command(w, exe.path); err != nil {
			return err
		}
	}
	if r.reaped, err = spawnAll(r.workers); err != nil {
		return err
	}
	for _, f := range r.childEnds {
		f.Close()
	}
	r.childEnds = nil
	for _, side := range []transports.Side{transports.SideA, transports.SideB} {
		for _, f := range r.setup.Handoff(side).Files {
			f.Close()
		}
	}
	for _, w := range r.workers {
		go w.readReports()
	}
	return nil
}

// command gives worker w its spec, its start-barrier and report pipes
// (the token already waiting in the first) and the command that runs it.
func (r *caseRun) command(w *worker, exe string) error {
	c, h := r.c, r.setup.Handoff(w.side)
	spec := Spec{Case: c, Side: w.side, NumFds: len(h.Files), Args: h.Args, CPU: -1, Producer: w.producer, Seed: caseSeed(c)}
	if len(c.CPUs) == 2 {
		spec.CPU, spec.SharedCPU = c.CPUs[w.side], c.CPUs[0] == c.CPUs[1]
	}
	w.cpu = spec.CPU
	if r.relay != nil {
		spec.RelayFile, spec.RelayMessages = r.relay.in, r.relay.messages
		if w.side == transports.SideB {
			spec.RelayFile = r.relay.out
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
	r.childEnds = append(r.childEnds, goR, repW)
	if err := sendToken(goW, r.token); err != nil {
		return err
	}
	w.cmd = &exec.Cmd{
		Path:       exe,
		Args:       workerArgs(exe, specJSON),
		Env:        append(workerEnviron(os.Environ()), "GOMAXPROCS=1", "GOGC=off", "GODEBUG="+WorkerGODEBUG()),
		Stderr:     &w.stderr,
		ExtraFiles: append([]*os.File{goR, repW, r.ctl}, h.Files...),
		// The kernel kills a worker whose parent thread dies; spawnAll
		// keeps that thread alive until both workers are reaped. Each
		// worker leads a process group of its own, so that a terminal's
		// Ctrl-C, Ctrl-\ or hangup reaches only the runner, which then
		// stops the workers itself: a worker that died of the signal
		// first made the case look failed, and SIGQUIT dumped goroutines.
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true},
	}
	return nil
}

// caseSeed seeds a Poisson schedule from the case, so that a case's
// arrivals are the same from run to run and differ between cases.
func caseSeed(c Case) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%d/%g", c.Transport, c.Workload, c.SizeBytes, c.RateMsgsPerSec)
	return h.Sum64()
}

// WorkerGODEBUG is the GODEBUG workers run with: the user's, then
// asyncpreemptoff=1, which wins over an earlier setting of it. Without it
// sysmon preempts the measuring goroutine, which never yields, with a
// signal (SIGURG) to its thread: System V calls return EINTR whatever
// SA_RESTART says, and a 1 s sysv-shm pingpong retried 2 to 20 interrupted
// semops per side, each costing microseconds inside one sample.
func WorkerGODEBUG() string {
	if user := os.Getenv("GODEBUG"); user != "" {
		return user + ",asyncpreemptoff=1"
	}
	return "asyncpreemptoff=1"
}

// barrier waits until every worker has attached and warmed up, then
// releases them all at once. It waits for all of them together: a worker
// whose peer died may block for good in a transport that cannot tell (a
// semaphore, a message queue), and only the dead one's report pipe says
// what happened.
func (r *caseRun) barrier(ctx context.Context, first bool) error {
	for ready := 0; ready < len(r.workers); {
		select {
		case ev := <-r.events:
			if ev.kind != reachedBarrier { // ended, or failed, before the start
				return r.workerFailure(r.reaped)
			}
			ready++
		case <-ctx.Done():
			return r.timeoutFailure(ctx, "attach and warm-up")
		}
	}
	if first {
		if err := r.setup.Attached(); err != nil {
			return fmt.Errorf("%s: after attach: %w", r.tr.Name, err)
		}
	}
	for _, w := range r.workers {
		if _, err := w.goW.Write([]byte{startByte}); err != nil {
			return fmt.Errorf("release worker %s from start barrier: %w", w.side, err)
		}
	}
	return nil
}

// collect waits for every worker's report of the round.
func (r *caseRun) collect(ctx context.Context) ([]Report, error) {
	reps := make([]Report, len(r.workers))
	for done := 0; done < len(r.workers); {
		var ev workerEvent
		select {
		case ev = <-r.events:
		case <-ctx.Done():
			return nil, r.timeoutFailure(ctx, "measurement")
		}
		w := r.workers[ev.idx]
		switch {
		case ev.kind == reported && w.rep.Error == "":
			reps[ev.idx] = w.rep
			done++
		case ev.kind == reported, ev.kind == ended:
			return nil, r.workerFailure(r.reaped)
		}
	}
	return reps, nil
}

// nextRound starts another round: it clears the phase words and tells
// every worker, each waiting after its last report, to warm up again.
func (r *caseRun) nextRound() error {
	if err := resetPhases(int(r.ctl.Fd())); err != nil {
		return err
	}
	for _, w := range r.workers {
		if _, err := w.goW.Write([]byte{roundByte}); err != nil {
			// EPIPE: it died since its last report; say how.
			if d := r.workerFailure(r.reaped); d != nil {
				return fmt.Errorf("start another round: %w", d)
			}
			return fmt.Errorf("start another round of worker %s: %w", w.side, err)
		}
	}
	return nil
}

// awaitExit ends the workers after their last round: it closes their
// start pipes, which each reads as the end, and waits until every one has
// exited well, stopping any that has not within peerGrace.
func (r *caseRun) awaitExit() error {
	for _, w := range r.workers {
		w.goW.Close()
	}
	select {
	case <-r.reaped:
	case <-time.After(peerGrace):
		stopAll(r.workers, r.reaped)
	}
	for _, w := range r.workers {
		<-w.done
		if !w.state.Success() {
			return r.workerFailure(nil)
		}
	}
	return nil
}

// tearDown closes and removes what prepare and spawn made, adding any
// failure to remove a kernel object or file to the case's error.
func (r *caseRun) tearDown(err error) error {
	for _, f := range r.childEnds {
		f.Close()
	}
	for _, w := range r.workers {
		if w.goW != nil {
			w.goW.Close()
		}
		if w.repR != nil {
			w.repR.Close()
		}
	}
	if r.relay != nil {
		err = joinTeardown(err, r.tr.Name+" relay files", r.relay.remove())
	}
	if r.ctl != nil {
		r.ctl.Close()
	}
	if r.setup != nil {
		err = joinTeardown(err, r.tr.Name, r.setup.Close())
	}
	for _, unregister := range r.unregister {
		unregister()
	}
	return err
}

// secretEnv are environment variables that may hold the results store's
// password (its URL, or libpq's own) and that no worker needs: a worker
// never reaches the store, and what it does not hold it cannot leak.
var secretEnv = []string{"IPCBENCH_STORE", "PGPASSWORD", "PGSERVICEFILE", "PGPASSFILE"}

// workerEnviron is env without secretEnv.
func workerEnviron(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(secretEnv, name)
	})
}
