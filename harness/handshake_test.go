package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/internal/workerup"
	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// TestWorkerRefusesWithoutHandshake starts the worker command the way a
// user or another program might: by hand, with a control memfd but no
// start pipe, and with a start pipe holding a forged token. Each is refused,
// at once, before the worker uses any fd or argument.
func TestWorkerRefusesWithoutHandshake(t *testing.T) {
	spec := `{"transport":"pipe","workload":"pingpong","side":0,"size_bytes":64,"count":10,"num_fds":2}`
	run := func(extra []*os.File) string {
		cmd := exec.Command(os.Args[0], "worker", "--spec", spec)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.ExtraFiles = extra
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("worker without a handshake: %v, want exit 2", err)
		}
		return stderr.String()
	}
	if out := run(nil); !strings.Contains(out, "refusing to run") || !strings.Contains(out, "not the control memfd") {
		t.Errorf("by hand: %q", out)
	}

	fd, err := unix.MemfdCreate(controlName, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctl := os.NewFile(uintptr(fd), "forged")
	defer ctl.Close()
	if err := unix.Ftruncate(fd, controlBlockBytes); err != nil {
		t.Fatal(err)
	}
	if _, err := writeHandshake(fd); err != nil {
		t.Fatal(err)
	}
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	if out := run([]*os.File{devnull, devnull, ctl}); !strings.Contains(out, "not the start pipe") {
		t.Errorf("no start pipe: %q", out)
	}

	emptyR, emptyW, _ := os.Pipe() // a pipe with nothing in it: refused without blocking
	defer emptyR.Close()
	defer emptyW.Close()
	if out := run([]*os.File{emptyR, devnull, ctl}); !strings.Contains(out, "no handshake token waiting") {
		t.Errorf("empty start pipe: %q", out)
	}

	goR, goW, _ := os.Pipe()
	defer goR.Close()
	defer goW.Close()
	if err := sendToken(goW, strings.Repeat("ab", handshakeBytes/2)); err != nil { // not the memfd's token
		t.Fatal(err)
	}
	if out := run([]*os.File{goR, devnull, ctl}); !strings.Contains(out, "token mismatch") {
		t.Errorf("forged token: %q", out)
	}
}

// A worker says it has started where a test listens (workerup).
func init() {
	if spec, ok := IsWorkerInvocation(os.Args); ok {
		workerup.Announce(spec)
	}
}

// TestWorkersSeenFromOutside looks at both workers of a case, as ps does,
// while the case runs until the test ends it. A worker's command line,
// which any user can read, must hold the spec but no handshake token. It
// must lead a process group of its own, so that a terminal's signals
// (Ctrl-C, Ctrl-\, hangup) reach only the runner.
func TestWorkersSeenFromOutside(t *testing.T) {
	up := workerup.Listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan results.Case, 1)
	go func() {
		done <- RunCase(ctx, Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Duration: time.Hour})
	}()
	end := sync.OnceValue(func() results.Case { cancel(); return <-done })
	defer end() // also when Wait fails the test
	for range 2 {
		pid := up.Wait(t, `"transport":"pipe"`)
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !bytes.Contains(cmdline, []byte("\x00worker\x00")) {
			t.Errorf("worker %d: command line %q (%v), want the worker command", pid, cmdline, err)
		}
		if bytes.Contains(cmdline, []byte("token")) {
			t.Errorf("worker %d carries a token on its command line: %q", pid, cmdline)
		}
		if pgid, err := unix.Getpgid(pid); err != nil || pgid != pid {
			t.Errorf("worker %d is in process group %d (%v), not its own (the runner's is %d)", pid, pgid, err, unix.Getpgrp())
		}
	}
	if r := end(); r.Status != results.StatusFailed || !strings.Contains(r.Reason, "interrupted") {
		t.Errorf("case: %s %s; want it interrupted by the test", r.Status, r.Reason)
	}
}
