package cli

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/internal/workerup"
	"github.com/ipcbench/ipcbench/results"
)

// A worker says it has started where a test listens (workerup).
func init() {
	if spec, ok := harness.IsWorkerInvocation(os.Args); ok {
		workerup.Announce(spec)
	}
}

// cliEnv makes the test binary run the ipcbench command line (TestMain), so
// that tests can signal a real runner process.
const cliEnv = "IPCBENCH_TEST_CLI"

// startCLI starts the runner as a separate process and returns it with a
// reader of its stderr lines.
func startCLI(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewScanner(stderr), &stdout
}

// waitFor reads stderr lines until one contains want, and returns them all.
func waitFor(t *testing.T, sc *bufio.Scanner, want string) string {
	t.Helper()
	var seen strings.Builder
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), want) {
			return seen.String()
		}
	}
	t.Fatalf("runner ended before printing %q:\n%s", want, seen.String())
	return ""
}

func exitCode(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("runner did not exit within %s of the signal", within)
		return -1
	}
}

// TestSignalStopsTheRunAndKeepsFinishedCases interrupts a runner during its
// second case, a sysv-shm case holding a segment and a semaphore set, with
// each signal that ends a runner: SIGINT, SIGTERM, SIGHUP (a dropped SSH
// session) and SIGQUIT. The runner must exit 128+n, write the finished
// case to a results file marked incomplete, and leave no object behind
// (TestMain's leak check covers the runner's objects too: it shares this
// binary's private TMPDIR and the global System V namespace). SIGHUP and
// SIGQUIT once killed the runner with no results and a queue left behind.
// -short sends SIGINT alone.
func TestSignalStopsTheRunAndKeepsFinishedCases(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{
		{syscall.SIGINT, "SIGINT", 130},
		{syscall.SIGTERM, "SIGTERM", 143},
		{syscall.SIGHUP, "SIGHUP", 129},
		{syscall.SIGQUIT, "SIGQUIT", 131},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.sig != syscall.SIGINT {
				t.Skip("-short: SIGINT stands for the four; each is caught by one handler (endSignals) and differs only in exit status")
			}
			out := filepath.Join(t.TempDir(), "r.json")
			up := workerup.Listen(t)
			cmd, sc, stdout := startCLI(t, "run", "--transports", "pipe,sysv-shm,tcp", "--workloads", "pingpong",
				"--sizes", "64", "--duration", "3s", "--warmup", "0", "--order", "sequential", "--out", out)
			up.Wait(t, `"transport":"sysv-shm"`) // the pipe case is done; the sysv-shm case holds its objects
			cmd.Process.Signal(tc.sig)
			rest := waitFor(t, sc, "marked incomplete")
			go drain(sc)
			if code := exitCode(t, cmd, 5*time.Second); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, rest)
			}
			f, err := results.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(f.Incomplete, tc.name) || len(f.Cases) != 1 || f.Cases[0].Transport != "pipe" {
				t.Errorf("results: incomplete %q, %d cases; want the pipe case, marked interrupted by %s", f.Incomplete, len(f.Cases), tc.name)
			}
			if !strings.Contains(stdout.String(), "INCOMPLETE RUN") {
				t.Errorf("the table does not say the run is incomplete:\n%s", stdout.String())
			}
		})
	}
}

// TestSecondSIGINTExitsAtOnce sends two SIGINTs into a long sysv-shm case:
// the runner removes the case's objects and exits 130 without waiting.
func TestSecondSIGINTExitsAtOnce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	up := workerup.Listen(t)
	cmd, sc, _ := startCLI(t, "run", "--transports", "sysv-shm", "--workloads", "pingpong", "--sizes", "64",
		"--duration", "30s", "--warmup", "0", "--out", out)
	up.Wait(t, `"transport":"sysv-shm"`) // the runner handles signals, and the case is in flight
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, sc, "again to exit at once")
	cmd.Process.Signal(syscall.SIGINT)
	var said strings.Builder
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
	}
	if code := exitCode(t, cmd, 5*time.Second); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, said.String())
	}
	// A loaded machine may let the first SIGINT's wind-down finish, and
	// its results file be written, before the second arrives; the runner
	// must then say so. Otherwise there must be no file.
	_, err := os.Stat(out)
	switch text := said.String(); {
	case strings.Contains(text, "without a results file"):
		if !os.IsNotExist(err) {
			t.Errorf("the runner said it exits without a results file, but %s: %v", out, err)
		}
	case strings.Contains(text, "SIGINT again") && strings.Contains(text, "already in"):
		if err != nil {
			t.Errorf("the runner said the results were written, but %s: %v", out, err)
		}
	case strings.Contains(text, "marked incomplete"):
		t.Skip("the runner finished winding down before the second SIGINT reached it (a loaded machine): the double-SIGINT path was not exercised")
	default:
		t.Errorf("the runner said neither that it exits at once nor that it finished:\n%s", text)
	}
}

// drain reads what is left of a runner's stderr, so that it never blocks.
func drain(sc *bufio.Scanner) {
	for sc.Scan() {
	}
}

// TestSIGKILLedRunnerThenClean kills runners with SIGKILL mid-case, so
// that nothing of theirs can clean up, and checks that clean finds and
// removes what each left: a message queue, a semaphore set, a relay's
// temp directory, and the runner's ledger.
func TestSIGKILLedRunnerThenClean(t *testing.T) {
	up := workerup.Listen(t)
	for _, args := range [][]string{
		{"--transports", "sysv-msg", "--workloads", "pingpong", "--sizes", "64", "--duration", "30s"},
		{"--transports", "sysv-shm", "--workloads", "pingpong", "--sizes", "64", "--duration", "30s"},
		{"--transports", "pipe", "--workloads", "relay", "--sizes", "1", "--count", "20000000"},
	} {
		cmd, sc, _ := startCLI(t, append([]string{"run", "--warmup", "0", "--out", filepath.Join(t.TempDir(), "r.json")}, args...)...)
		go drain(sc)
		up.Wait(t, `"transport":"`+args[1]+`","workload":"`+args[3]+`"`) // the case's objects and ledger exist
		cmd.Process.Kill()
		cmd.Wait()
	}
	code, out, _ := runCLI("clean", "--dry-run")
	for _, want := range []string{"would remove sysv msg", "would remove sysv sem", "would remove temp dir", "ipcbench-relay-", "would remove ledger"} {
		if !strings.Contains(out, want) {
			t.Errorf("clean --dry-run does not list %q:\n%s", want, out)
		}
	}
	if code != exitFailure {
		t.Errorf("clean --dry-run with leftovers: exit %d, want 1", code)
	}
	if code, out, errOut := runCLI("clean"); code != exitOK || !strings.Contains(out, "removed  sysv sem") {
		t.Errorf("clean: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI("clean", "--dry-run"); code != exitOK || !strings.Contains(out, "nothing left behind") {
		t.Errorf("after clean: exit %d\n%s", code, out)
	}
}
