package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/report"
	"golang.org/x/sys/unix"
)

// endSignals are the signals that end the runner, each the same way: the
// work in flight stops, its objects are removed, what finished is kept,
// and the exit status is 128 + the signal's number. SIGHUP is a dropped
// SSH session or a closed terminal; SIGQUIT would otherwise end the
// process with a goroutine dump and no cleanup.
var endSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// interruption records the first ending signal of a run.
type interruption struct {
	mu       sync.Mutex
	sig      os.Signal
	stopping string // what the first signal stops, for the message
	aborted  bool   // a second signal came: write nothing more
	written  string // the results file, once written
	ch       chan os.Signal
	done     chan struct{}
}

// stopOnSignals returns a context that the first of endSignals cancels,
// so that the case in flight stops its workers and removes its objects and
// the run ends with the cases finished so far. A second signal removes the
// objects of the case in flight at once and exits without waiting for
// anything else: the workers die with the runner (Pdeathsig). stopping
// says what the first signal stops, e.g. "stopping the workers".
func stopOnSignals(stderr io.Writer, stopping string) (context.Context, *interruption) {
	ctx, cancel := context.WithCancelCause(context.Background())
	in := &interruption{ch: make(chan os.Signal, 2), done: make(chan struct{}), stopping: stopping}
	signal.Notify(in.ch, endSignals...)
	go func() {
		var sig os.Signal
		select {
		case sig = <-in.ch:
		case <-in.done:
			return
		}
		in.mu.Lock()
		in.sig = sig
		stopping := in.stopping
		in.mu.Unlock()
		fmt.Fprintf(stderr, "\nipcbench: %s: %s (again to exit at once)\n", signalName(sig), stopping)
		cancel(fmt.Errorf("%s", signalName(sig)))
		select {
		case again := <-in.ch:
			// Waits for a results file being written, so that what it
			// says is true: the run had finished winding down, or it
			// writes nothing more.
			in.mu.Lock()
			in.aborted = true
			written := in.written
			in.mu.Unlock()
			harness.Abort()
			report.Abort()
			if written != "" {
				fmt.Fprintf(stderr, "ipcbench: %s again: kernel objects removed; exiting (the results were already in %s)\n", signalName(again), written)
			} else {
				fmt.Fprintf(stderr, "ipcbench: %s again: kernel objects removed; exiting without a results file\n", signalName(again))
			}
			os.Exit(signalExit(sig))
		case <-in.done:
		}
	}()
	return ctx, in
}

// write writes the results file with write unless a second signal has
// come, which the handler then reports; the lock keeps the two apart.
func (in *interruption) write(path string, write func() error) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.aborted {
		select {} // the handler is exiting the process
	}
	if err := write(); err != nil {
		return err
	}
	in.written = path
	return nil
}

// setStopping changes what the first signal is said to stop, for a
// command's next phase.
func (in *interruption) setStopping(stopping string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.stopping = stopping
}

// signal returns the first signal received, or nil.
func (in *interruption) signal() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sig
}

func (in *interruption) stop() {
	signal.Stop(in.ch)
	close(in.done)
}

// signalName is the signal's name as kill -l spells it: SIGHUP.
func signalName(s os.Signal) string {
	if n, ok := s.(syscall.Signal); ok {
		if name := unix.SignalName(n); name != "" {
			return name
		}
	}
	return s.String()
}

// signalExit is the shell's status for a process ended by s: 128 + signo.
func signalExit(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGINT)
}
