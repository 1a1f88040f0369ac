package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// abStopGrace is how long a child of ab has to end after ab sent it a
// signal (its own, passed on, or SIGTERM at the child's deadline) before
// ab kills it and its process group: ipcbench run stops the case in flight
// and writes what finished in well under a second.
const abStopGrace = 10 * time.Second

// abPipeGrace bounds the wait for a child's output after the child and
// its process group have ended, should something that left the group
// still hold the pipe open.
const abPipeGrace = 5 * time.Second

// abDeadline starts the timer of a child's deadline; a test replaces it
// to expire the deadline once the child is known to be hanging.
var abDeadline = func(d time.Duration) <-chan time.Time { return time.After(d) }

// abChildEnd is how a child of ab ended.
type abChildEnd struct {
	err     error     // cmd.Wait's
	expired bool      // it outlived its deadline, and ab stopped it
	sig     os.Signal // a signal ab received and passed on to it
}

// runABChild runs cmd, whose output must go to bounded writers (a
// tailBuffer), until it ends, deadline passes, or one of endSignals
// arrives on sigs. At the deadline the child's process group gets SIGTERM,
// which ipcbench run winds down on; a signal ab received goes to the group
// as it came. Either way, a child still there abStopGrace later, or when
// another signal arrives, is killed with its group. It returns once the
// child is reaped, never with it running. what names the child in the
// line it prints when it stops it.
func runABChild(cmd *exec.Cmd, deadline time.Duration, sigs <-chan os.Signal, stderr io.Writer, what string) (abChildEnd, error) {
	g, waited, err := startABChild(cmd)
	if err != nil {
		return abChildEnd{}, err
	}
	var end abChildEnd
	select {
	case end.err = <-waited:
		return end, nil
	case <-abDeadline(deadline):
		end.expired = true
		fmt.Fprintf(stderr, "ipcbench ab: %s has not ended within %s: stopping it (SIGTERM, SIGKILL %s later)\n", what, deadline, abStopGrace)
		g.signal(syscall.SIGTERM)
	case end.sig = <-sigs:
		fmt.Fprintf(stderr, "\nipcbench ab: %s: passed on to %s; waiting for it to end (again to kill it at once)\n", signalName(end.sig), what)
		g.signal(end.sig.(syscall.Signal))
	}
	grace := time.NewTimer(abStopGrace)
	defer grace.Stop()
	select {
	case end.err = <-waited:
		return end, nil
	case <-grace.C:
	case sig := <-sigs:
		if end.sig == nil {
			end.sig = sig
		}
	}
	g.signal(syscall.SIGKILL)
	end.err = <-waited
	return end, nil
}

// pendingSignal returns a signal that arrived on sigs while no child ran,
// or nil.
func pendingSignal(sigs <-chan os.Signal) os.Signal {
	select {
	case sig := <-sigs:
		return sig
	default:
		return nil
	}
}

// abGroup is the process group that a child of ab leads. Every signal to
// the group is sent before the leader is reaped: until then its pid, the
// group's id, cannot name another process or group. os/exec's Cmd.Cancel
// cannot promise that, as it may run while Wait reaps the child.
type abGroup struct {
	mu     sync.Mutex
	pgid   int
	reaped bool
}

// signal sends sig to the whole group, unless its leader is reaped.
func (g *abGroup) signal(sig syscall.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.reaped {
		unix.Kill(-g.pgid, sig) // ESRCH: only the leader, a zombie, was left
	}
}

// end kills what is left of the group once its leader has exited, so that
// nothing of the child outlives it, and lets no signal through after.
func (g *abGroup) end() {
	g.mu.Lock()
	defer g.mu.Unlock()
	unix.Kill(-g.pgid, unix.SIGKILL)
	g.reaped = true
}

// startABChild starts cmd leading a process group of its own, so that the
// whole group can be signalled, and returns the group and a channel that
// yields cmd.Wait's error once the child has exited, the rest of its group
// has been killed and the child has been reaped.
func startABChild(cmd *exec.Cmd) (*abGroup, <-chan error, error) {
	// Pdeathsig: the child dies with ab even when ab is killed outright.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = abPipeGrace
	g := &abGroup{}
	started := make(chan error, 1)
	waited := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that forked the child ends: this
		// goroutine keeps its thread until the child is reaped, and never
		// unlocks it, so that the thread ends with the goroutine.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		g.pgid = cmd.Process.Pid
		started <- nil
		awaitExit(g.pgid)
		g.end()
		waited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, nil, err
	}
	return g, waited, nil
}

// awaitExit returns once the child pid has exited, leaving it unreaped.
func awaitExit(pid int) {
	for {
		var info unix.Siginfo
		if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != unix.EINTR {
			return
		}
	}
}
