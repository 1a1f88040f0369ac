package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"golang.org/x/sys/unix"
)

// abRunFlags are run flags that this build's run accepts, for ab to derive
// a round's deadline from; the fake binaries ignore them.
var abRunFlags = []string{"--transports", "pipe", "--workloads", "pingpong", "--sizes", "64"}

// fakeBin writes an executable shell script into a fresh directory. Its
// "version" runs version (a shell command), anything else runs body, with
// $out set to the path given with --out.
func fakeBin(t *testing.T, version, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake-ipcbench")
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = version ]; then
%s
fi
out=
while [ $# -gt 0 ]; do
	if [ "$1" = --out ]; then out=$2; fi
	shift
done
%s
`, version, body)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// answersVersion is what an ipcbench prints for "version", first line.
const answersVersion = `echo "ipcbench v0.0.0-fake"; echo "commit: unknown"; exit 0`

// TestABRefusesWhatIsNotIpcbench: a binary that does not answer "version"
// as ipcbench does is refused with exit 2 before any round, naming the
// side and the fix. ab once ran any binary it was given.
func TestABRefusesWhatIsNotIpcbench(t *testing.T) {
	notAScript := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(notAScript, []byte("\x00\x01 not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ok := fakeBin(t, answersVersion, "exit 0")
	for _, tc := range []struct {
		name      string
		base, new string
		args      []string
		want      []string
	}{
		{"version says something else", fakeBin(t, `echo "GNU coreutils 9.4"; exit 0`, "exit 0"), ok, nil,
			[]string{"base binary", "is not ipcbench", `"GNU coreutils 9.4"`, "give the path of an ipcbench binary"}},
		{"version fails", ok, fakeBin(t, `echo "unknown command \"version\"" >&2; exit 2`, "exit 0"), nil,
			[]string{"new binary", "failed (exit status 2)", `unknown command "version"`}},
		{"version prints nothing", fakeBin(t, "exit 0", "exit 0"), ok, nil, []string{"is not ipcbench", `printed ""`}},
		{"not a program", notAScript, ok, nil, []string{"base binary", "exec format error"}},
		{"run flags this ipcbench cannot read", ok, ok, []string{"--sizes", "abc"}, []string{"base run flags", "--sizes", "--round-timeout"}},
		{"bad --round-timeout", ok, ok, []string{"--round-timeout", "soon"}, []string{`--round-timeout "soon"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"ab", tc.base, tc.new, "--out", out}, abRunFlags...)
			code, _, stderr := runCLI(append(args, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d:\n%s", code, exitUsage, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("no %q in:\n%s", want, stderr)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a refused ab made %v in --out", entries)
			}
		})
	}
}

// TestABNamesOnlyFilesThatExist: a run that crashes, or floods its stderr
// and fails, without writing its results file gets a message that says so
// and names no such file; one that wrote its file first gets the file
// named. Of a flood (200 MB on one line) ab prints a bounded tail and says
// how much it did not keep. ab once named the missing round1.json, and
// kept and printed all of the 200 MB.
func TestABNamesOnlyFilesThatExist(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
		notWant    string
	}{
		{"crash", `echo "panic: boom" >&2; kill -KILL $$`,
			[]string{"round 1: base run failed (signal: killed); it wrote no results file", "panic: boom"}, "results are in"},
		{"flood", `head -c 200000000 /dev/zero | tr '\0' x >&2; exit 1`,
			[]string{"it wrote no results file", "earlier bytes not kept: ab keeps the last 65536", "xxxxxxxx"}, "results are in"},
		{"partial file", `echo '{}' > "$out"; exit 1`,
			[]string{"its results are in", filepath.Join("base", "round1.json")}, "no results file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := fakeBin(t, answersVersion, tc.body)
			args := append([]string{"ab", bin, bin, "--out", t.TempDir()}, abRunFlags...)
			code, _, stderr := runCLI(args...)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			if len(stderr) > 1<<20 {
				t.Fatalf("ab printed %d bytes of a run's stderr; want its tail only", len(stderr))
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("no %q in:\n%.2000s", want, stderr)
				}
			}
			if strings.Contains(stderr, tc.notWant) {
				t.Errorf("%q in:\n%.2000s", tc.notWant, stderr)
			}
		})
	}
}

// TestTailBufferKeepsTheLastBytes: whatever is written, in whatever
// pieces, the buffer holds the last limit bytes of it and counts the rest.
func TestTailBufferKeepsTheLastBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
	}{
		{"nothing", nil},
		{"under the limit", []string{"ab", "cd"}},
		{"exactly the limit", []string{"abcdefgh"}},
		{"small pieces over it", []string{"abc", "def", "ghi", "jkl"}},
		{"one piece over it", []string{"a", "0123456789xyz"}},
		{"a big piece then small", []string{"0123456789xyz", "A", "BC"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const limit = 8
			b := newTailBuffer(limit)
			all := strings.Join(tc.writes, "")
			for _, w := range tc.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			want := all[max(0, len(all)-limit):]
			if b.String() != want || b.keptBytes() != len(want) || b.droppedBytes != int64(len(all)-len(want)) {
				t.Errorf("kept %q (%d), dropped %d; want %q, dropped %d", b.String(), b.keptBytes(), b.droppedBytes, want, len(all)-len(want))
			}
		})
	}
}

// TestABChildOutputIsBounded runs a child that writes 200 MB to its
// stderr through runABChild: what is kept stays within tailKeepBytes, and
// the rest is counted. ab once buffered all of it (1.5 GB of stderr took
// it to 4.2 GB RSS).
func TestABChildOutputIsBounded(t *testing.T) {
	const floodBytes = 200_000_000
	errOut := newTailBuffer(tailKeepBytes)
	cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("head -c %d /dev/zero >&2", floodBytes))
	cmd.Stderr = errOut
	end, err := runABChild(cmd, time.Hour, nil, io.Discard, "the flood")
	if err != nil || end.err != nil {
		t.Fatalf("flood: %v, %v", err, end.err)
	}
	if errOut.keptBytes() > tailKeepBytes || errOut.droppedBytes+int64(errOut.keptBytes()) != floodBytes {
		t.Errorf("kept %d bytes (limit %d) and dropped %d, of %d written", errOut.keptBytes(), tailKeepBytes, errOut.droppedBytes, floodBytes)
	}
}

// hangingBin is a fake ipcbench whose run hangs: it starts a child of its
// own (cat, blocked on reading a FIFO that the test holds open), writes
// its pid and the child's to another FIFO, and waits. The test reads the
// pids (the run is then known to hang), and whatever happens, kills both
// when it ends.
type hangingBin struct {
	path      string
	started   *os.File // the FIFO the pids come through, held open both ways
	pidfds    []int    // of the script and of its cat, once known
	abStopped chan struct{}
}

func newHangingBin(t *testing.T) *hangingBin {
	t.Helper()
	dir := t.TempDir()
	start, hang := filepath.Join(dir, "started"), filepath.Join(dir, "hang")
	for _, p := range []string{start, hang} {
		if err := unix.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := &hangingBin{abStopped: make(chan struct{})}
	var err error
	// Held open for writing (O_RDWR), the hang FIFO never gives cat an
	// end of file until the test ends; the started FIFO never blocks the
	// script's write.
	hangW, err := os.OpenFile(hang, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.started, err = os.OpenFile(start, os.O_RDWR, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, fd := range h.pidfds {
			unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
			unix.Close(fd)
		}
		hangW.Close()
		h.started.Close()
	})
	h.path = fakeBin(t, answersVersion, fmt.Sprintf(`cat '%s' &
echo "$$ $!" > '%s'
wait`, hang, start))
	return h
}

// awaitStart waits for the script's pids, or for ab to end (done), and
// opens a pidfd for each.
func (h *hangingBin) awaitStart(t *testing.T, done <-chan struct{}, abOutput func() string) {
	t.Helper()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(h.started).ReadString('\n')
		line <- s
	}()
	var s string
	select {
	case s = <-line:
	case <-done:
		t.Fatalf("ab ended before its run started:\n%s", abOutput())
	}
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pids %q: %v", s, err)
		}
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			t.Fatalf("pidfd_open %d: %v", pid, err)
		}
		h.pidfds = append(h.pidfds, fd)
	}
	if len(h.pidfds) != 2 {
		t.Fatalf("pids %q: want the script's and its cat's", s)
	}
}

// checkGone waits for the script and its cat to have ended: ab has
// reaped the script, and sent the group SIGKILL before, so that the cat
// ends too. A process ab left running fails the test, after a bound that
// only a process left running reaches.
func (h *hangingBin) checkGone(t *testing.T) {
	t.Helper()
	for i, fd := range h.pidfds {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int((10 * time.Second).Milliseconds()))
		for err == unix.EINTR {
			n, err = unix.Poll(fds, int((10 * time.Second).Milliseconds()))
		}
		if n != 1 {
			t.Errorf("%s is still running after ab returned (poll: %d, %v)", []string{"the run", "the run's child"}[i], n, err)
		}
	}
}

// TestABRoundDeadline: a run that hangs is stopped at its round's deadline
// with its process group, its child included, and ab exits 1 naming the
// round, the deadline and the flag that raises it. ab once waited for it
// for ever.
func TestABRoundDeadline(t *testing.T) {
	h := newHangingBin(t)
	expire := make(chan time.Time)
	prev := abDeadline
	abDeadline = func(time.Duration) <-chan time.Time { return expire }
	t.Cleanup(func() { abDeadline = prev })

	var mu sync.Mutex
	var code int
	var stderr string
	done := make(chan struct{})
	go func() {
		defer close(done)
		args := append([]string{"ab", h.path, h.path, "--out", t.TempDir()}, abRunFlags...)
		c, _, e := runCLI(args...)
		mu.Lock()
		code, stderr = c, e
		mu.Unlock()
	}()
	output := func() string { mu.Lock(); defer mu.Unlock(); return stderr }
	h.awaitStart(t, done, output)
	close(expire) // the run is known to hang: its deadline passes
	select {
	case <-done:
	case <-time.After(30 * time.Second): // only an ab that never stops its run gets here
		t.Fatal("ab did not return after its round's deadline")
	}
	h.checkGone(t)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{"round 1: the base run did not end within its deadline of",
		"the time limits of its cases", "raise the deadline, e.g. --round-timeout", "it wrote no results file"} {
		if !strings.Contains(output(), want) {
			t.Errorf("no %q in:\n%s", want, output())
		}
	}
}

// TestABPassesSignalsOn: each signal that ends ab reaches the run in
// flight, whose process group ab ends and reaps before it exits 128+n.
// The cat the run started ignores SIGINT and SIGQUIT (sh sets that for a
// background job), so those cases also check that ab kills what the
// signal left of the group. ab once exited at once and left the run
// running, adopted by pid 1.
func TestABPassesSignalsOn(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
		{syscall.SIGHUP, 129},
		{syscall.SIGQUIT, 131},
	} {
		t.Run(signalName(tc.sig), func(t *testing.T) {
			h := newHangingBin(t)
			cmd, sc, _ := startCLI(t, append([]string{"ab", h.path, h.path, "--out", t.TempDir()}, abRunFlags...)...)
			var mu sync.Mutex
			var errOut bytes.Buffer
			done := make(chan struct{})
			go func() {
				defer close(done)
				for sc.Scan() {
					mu.Lock()
					errOut.WriteString(sc.Text() + "\n")
					mu.Unlock()
				}
			}()
			output := func() string { mu.Lock(); defer mu.Unlock(); return errOut.String() }
			h.awaitStart(t, done, output)
			cmd.Process.Signal(tc.sig)
			select { // stderr's end: ab has exited
			case <-done:
			case <-time.After(30 * time.Second): // only an ab that never ends gets here
				t.Fatalf("ab did not exit after %s:\n%s", signalName(tc.sig), output())
			}
			code := exitCode(t, cmd, time.Minute)
			h.checkGone(t)
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, output())
			}
			for _, want := range []string{signalName(tc.sig) + ": passed on to the base run of round 1",
				"the base run of round 1 has ended; it wrote no results file"} {
				if !strings.Contains(output(), want) {
					t.Errorf("no %q in:\n%s", want, output())
				}
			}
		})
	}
}

// TestABRoundLimit: a side's round deadline is the limit of the run its
// flags make (harness.Plan.RunLimit) plus abRoundMargin, one side's own
// flags included, or --round-timeout.
func TestABRoundLimit(t *testing.T) {
	perCase := 10*time.Second + 2*(50*time.Millisecond+900*time.Millisecond) + harness.CaseTeardownSlack // run --repeat 1: one 900 ms window
	for _, tc := range []struct {
		name          string
		args          []string
		base, new     time.Duration
		limitFromWant string
	}{
		{"derived", nil, perCase + abRoundMargin, perCase + abRoundMargin, "the time limits of its cases"},
		{"one side's workloads", []string{"--new-args", "--workloads stream"}, perCase + abRoundMargin, 2*perCase + abRoundMargin, "plus 3m0s"},
		{"--round-timeout", []string{"--round-timeout", "90m"}, 90 * time.Minute, 90 * time.Minute, "set by --round-timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &abOptions{}
			args := append(append([]string{"b1", "b2"}, abRunFlags...), tc.args...)
			if err := parseABArgs(args, o); err != nil {
				t.Fatal(err)
			}
			for _, side := range []struct {
				s    *abSide
				want time.Duration
			}{{&abSide{name: "base", extra: strings.Fields(o.BaseArgs)}, tc.base}, {&abSide{name: "new", extra: strings.Fields(o.NewArgs)}, tc.new}} {
				if err := setRoundLimit(o, side.s); err != nil {
					t.Fatal(err)
				}
				if side.s.roundLimit != side.want || !strings.Contains(side.s.limitFrom, tc.limitFromWant) {
					t.Errorf("%s: %v (%s), want %v (%q)", side.s.name, side.s.roundLimit, side.s.limitFrom, side.want, tc.limitFromWant)
				}
			}
		})
	}
}
