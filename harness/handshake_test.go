package harness

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestWorkersSeenFromOutside looks at every worker while a case runs, as
// ps does. Its command line, which any user can read, must hold the spec
// but no handshake token. It must lead a process group of its own, so that
// a terminal's signals (Ctrl-C, Ctrl-\, hangup) reach only the runner.
func TestWorkersSeenFromOutside(t *testing.T) {
	done := make(chan results.Case, 1)
	go func() {
		done <- RunCase(context.Background(), Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64,
			Warmup: 0, Duration: 400 * time.Millisecond})
	}()
	seen := 0
	deadline := time.Now().Add(5 * time.Second)
	for seen == 0 && time.Now().Before(deadline) {
		for _, pid := range workerPids(t) {
			cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline")
			if err != nil || !bytes.Contains(cmdline, []byte("\x00worker\x00")) {
				continue
			}
			seen++
			if bytes.Contains(cmdline, []byte("token")) {
				t.Errorf("worker %s carries a token on its command line: %q", pid, cmdline)
			}
			n, _ := strconv.Atoi(pid)
			if pgid, err := unix.Getpgid(n); err == nil && pgid != n {
				t.Errorf("worker %s is in process group %d, not its own (the runner's is %d)", pid, pgid, unix.Getpgrp())
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r := <-done; r.Status != results.StatusOK {
		t.Fatalf("case: %s %s", r.Status, r.Reason)
	}
	if seen == 0 {
		t.Fatal("no worker process seen while the case ran")
	}
}

// workerPids lists the children of every thread of this process.
func workerPids(t *testing.T) []string {
	t.Helper()
	var pids []string
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		if c, err := os.ReadFile("/proc/self/task/" + task.Name() + "/children"); err == nil {
			pids = append(pids, strings.Fields(string(c))...)
		}
	}
	return pids
}
