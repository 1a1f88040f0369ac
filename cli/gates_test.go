package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"golang.org/x/sys/unix"
)

// writeRuns writes a results file of pipe and tcp pingpong cases with reps
// repetitions each (p50 around 20 µs and 40 µs, pipe times pipeScale),
// after edit has changed it.
func writeRuns(t *testing.T, dir, name string, seed uint64, reps int, pipeScale float64, edit func(*results.File)) string {
	t.Helper()
	f := resultstest.File(time.Unix(1e9+int64(seed), 0), "c"+name,
		resultstest.Case("pipe", 64, resultstest.Noisy(seed, reps, 20000*pipeScale, 0.03)...),
		resultstest.Case("tcp", 64, resultstest.Noisy(seed+1, reps, 40000, 0.03)...))
	if edit != nil {
		edit(f)
	}
	p := filepath.Join(dir, name+".json")
	if err := results.WriteFile(p, f); err != nil {
		t.Fatal(err)
	}
	return p
}

func lastLineOf(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestCompareUntestedExits3: a comparison that could not test every case
// it matched never ends in "No regressions." and exit 0.
func TestCompareUntestedExits3(t *testing.T) {
	dir := t.TempDir()
	one1 := writeRuns(t, dir, "one1", 1, 1, 1, nil)
	one2 := writeRuns(t, dir, "one2", 7, 1, 1, nil)
	six1 := writeRuns(t, dir, "six1", 1, 6, 1, nil)
	sixTCPShort := writeRuns(t, dir, "short", 7, 6, 1, func(f *results.File) {
		f.Cases[1] = resultstest.Case("tcp", 64, 40000)
	})
	slowTCPShort := writeRuns(t, dir, "slowshort", 7, 6, 1.3, func(f *results.File) {
		f.Cases[1] = resultstest.Case("tcp", 64, 40000)
	})
	elsewhere := writeRuns(t, dir, "elsewhere", 7, 6, 1, func(f *results.File) {
		for i := range f.Cases { // each its own case: a file holds a case once
			f.Cases[i].Transport = []string{"unix-stream", "unix-dgram"}[i]
		}
	})
	thinTail := writeRuns(t, dir, "thin", 7, 6, 1, func(f *results.File) {
		for i := range f.Cases {
			for j := range f.Cases[i].Repetitions {
				f.Cases[i].Repetitions[j].Samples = 13_000 // 13 beyond p99.9
			}
		}
	})
	saturated := writeRuns(t, dir, "saturated", 7, 6, 1, func(f *results.File) {
		f.Cases[1].Status, f.Cases[1].Reason = results.StatusFailed, "side b died"
	})
	sampled := writeRuns(t, dir, "sampled", 7, 6, 1, func(f *results.File) { f.Config.SampleEvery = 16 })
	flagged := writeRuns(t, dir, "flagged", 7, 6, 1, func(f *results.File) {
		f.Cases[0].Flags = []results.Flag{{Name: results.FlagNoisy, Detail: "steal 12 %"}}
	})
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		last     string
		inStderr string
	}{
		{"one repetition a side", []string{"compare", one1, one2}, exitUntested, "Untested: none of the 2 cases", "--allow-untested"},
		{"allowed", []string{"compare", one1, one2, "--allow-untested"}, exitOK, "Untested: none of the 2 cases", ""},
		{"json says so on stderr", []string{"compare", one1, one2, "--format", "json"}, exitUntested, "}", "6 rounds or more"},
		{"one case short", []string{"compare", six1, sixTCPShort}, exitUntested, "Untested: 1 of the 2 cases", "1 of the 2 cases"},
		{"a regression still fails when allowed", []string{"compare", six1, slowTCPShort, "--allow-untested"}, exitFailure, "4 regressions; 1 of the 2 cases", "regressions"},
		{"nothing in common", []string{"compare", six1, elsewhere}, exitUntested, "Untested: no case was measured on both sides", "no case"},
		{"a thin tail is untested", []string{"compare", six1, thinTail, "--metric", "p50,p999"}, exitUntested, "Untested: none of the 2 cases",
			"Percentiles with fewer than 100 samples beyond them are not gated on"},
		{"a case failed on new only is a regression, allowed or not", []string{"compare", six1, saturated, "--allow-untested"}, exitFailure, "1 regressions.", "regressions"},
		{"latency timed over other intervals is not gated", []string{"compare", six1, sampled, "--metric", "p50"}, exitUntested, "Untested: none of the 2 cases", "--sample-every"},
		{"p50 of the same runs is tested", []string{"compare", six1, thinTail, "--metric", "p50"}, exitOK, "No regressions.", ""},
		{"by default a thin tail is left out, and said so", []string{"compare", six1, thinTail}, exitOK, "No regressions.", ""},
		{"a flagged case warns in one short line", []string{"compare", six1, flagged}, exitOK, "No regressions.",
			"ipcbench: warning: flagged: pipe/pingpong/64 B: new NOISY\n"},
		{"-v prints the flags' details", []string{"compare", six1, flagged, "-v"}, exitOK, "No regressions.",
			"ipcbench: warning: flagged, its figures say less than they seem: pipe/pingpong/64 B: new NOISY (steal 12 %)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.code || !strings.HasPrefix(lastLineOf(out), tc.last) || !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("exit %d, want %d; last line %q, want %q; stderr %q, want %q\n%s",
					code, tc.code, lastLineOf(out), tc.last, errOut, tc.inStderr, out)
			}
		})
	}
}

// TestHostDifferencesWarn: compare and history print what differs between
// the runs' hosts and configurations, and warn on stderr when it skews
// the figures.
func TestHostDifferencesWarn(t *testing.T) {
	dir := t.TempDir()
	base := writeRuns(t, dir, "base", 1, 6, 1, nil)
	other := writeRuns(t, dir, "other", 7, 6, 1, func(f *results.File) {
		f.Host.Kernel = "Linux 6.8"
		f.Host.CPUModel = "Other CPU"
	})
	code, out, errOut := runCLI("compare", base, other)
	if code != exitOK || !strings.Contains(out, "host and configuration differ") || !strings.Contains(out, "Other CPU") ||
		!strings.Contains(errOut, "warning: base and new differ in cpu_model, kernel") {
		t.Errorf("compare: exit %d\n%s\nstderr %q", code, out, errOut)
	}
	same := writeRuns(t, dir, "same", 9, 6, 1, nil)
	if _, _, errOut := runCLI("compare", base, same); strings.Contains(errOut, "warning") {
		t.Errorf("compare of one host warns: %q", errOut)
	}
	hdir := t.TempDir()
	writeRuns(t, hdir, "n1", 1, 6, 1, nil)
	writeRuns(t, hdir, "n2", 2, 6, 1, func(f *results.File) { f.Config.DurationNs = 5e9 })
	code, out, errOut = runCLI("history", hdir)
	if code != exitOK || !strings.Contains(out, "duration") || !strings.Contains(errOut, "warning: the runs differ in duration") {
		t.Errorf("history: exit %d\n%s\nstderr %q", code, out, errOut)
	}
}

// TestHistoryGate: history flags regressions; with --fail-on-regression it
// exits 1 on one, and 3 when a step could not be tested.
func TestHistoryGate(t *testing.T) {
	steady, step, short, single := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	writeRuns(t, steady, "n1", 1, 6, 1, nil)
	writeRuns(t, steady, "n2", 2, 6, 1, nil)
	writeRuns(t, step, "n1", 1, 6, 1, nil)
	writeRuns(t, step, "n2", 2, 6, 1.3, nil)
	writeRuns(t, short, "n1", 1, 1, 1, nil)
	writeRuns(t, short, "n2", 2, 1, 1, nil)
	writeRuns(t, single, "n1", 1, 6, 1, nil)
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"history", step}, exitOK, ""},
		{[]string{"history", step, "--fail-on-regression"}, exitFailure, "1 regressions"},
		{[]string{"history", steady, "--fail-on-regression"}, exitOK, ""},
		{[]string{"history", short, "--fail-on-regression"}, exitUntested, "--allow-untested"},
		{[]string{"history", short, "--fail-on-regression", "--allow-untested"}, exitOK, ""},
		{[]string{"history", single, "--fail-on-regression"}, exitUntested, "at least two runs"},
		{[]string{"history", short}, exitOK, ""},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%q: exit %d, want %d; stderr %q, want %q\n%s", tc.args[1:], code, tc.code, errOut, tc.inStderr, out)
		}
	}
}

// TestGatesOverIncompleteRuns: an interrupted new run fails compare and
// history --fail-on-regression with 3 instead of passing on the cases it
// reached.
func TestGatesOverIncompleteRuns(t *testing.T) {
	dir := t.TempDir()
	base := writeRuns(t, dir, "n1", 1, 6, 1, nil)
	cut := writeRuns(t, dir, "n2", 2, 6, 1, func(f *results.File) {
		f.Cases = f.Cases[:1]
		f.Incomplete = "interrupted (signal: interrupt) after 1 of 2 case runs"
	})
	if code, out, errOut := runCLI("compare", base, cut); code != exitUntested {
		t.Errorf("compare: exit %d, want 3\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI("history", dir, "--fail-on-regression"); code != exitUntested || !strings.Contains(errOut, "stopped early") {
		t.Errorf("history: exit %d, want 3\n%s%s", code, out, errOut)
	}
}

// TestHistoryPlotMustBeARegularFile: --plot onto a FIFO, a directory or a
// symlink is refused before history reads anything (exit 2), and what stood
// there is left as it was.
func TestHistoryPlotMustBeARegularFile(t *testing.T) {
	dir := t.TempDir()
	writeRuns(t, dir, "n1", 1, 6, 1, nil)
	writeRuns(t, dir, "n2", 2, 6, 1, nil)
	other := t.TempDir()
	fifo := filepath.Join(other, "fifo.png")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(other, "dir.svg")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(other, "link.png")
	if err := os.Symlink(filepath.Join(other, "target.png"), link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, sub, link} {
		code, _, errOut := runCLI("history", dir, "--plot", p)
		if code != exitUsage || !strings.Contains(errOut, "--plot") {
			t.Errorf("--plot %s: exit %d, want 2 naming --plot; stderr %q", p, code, errOut)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode().Type() != os.ModeNamedPipe {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(other, "target.png")); err == nil {
		t.Error("history wrote through the symlink")
	}
}

// TestHistoryGatesOnChangePoints: 20 nights, pipe 10 % slower from night
// 11, each night's rounds spread ±50 % so that no step test sees it.
// history marks the change at run 11; --fail-on-regression fails by
// default (--gate auto) and with --gate both, and passes with --gate
// steps, which misses it.
func TestHistoryGatesOnChangePoints(t *testing.T) {
	dir := t.TempDir()
	rounds := resultstest.Noisy(99, 6, 1, 0.5)
	jitter := resultstest.Noisy(7, 20, 1, 0.03)
	for i := range 20 {
		level := 20000 * jitter[i]
		if i >= 10 {
			level *= 1.1
		}
		v := make([]float64, len(rounds))
		for j, r := range rounds {
			v[j] = level * r
		}
		f := resultstest.File(time.Unix(int64(1e9+i*86400), 0), fmt.Sprintf("c%02d", i), resultstest.Case("pipe", 64, v...))
		if err := results.WriteFile(filepath.Join(dir, fmt.Sprintf("n%02d.json", i)), f); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI("history", dir)
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "11 ") {
			row = l
		}
	}
	if code != exitOK || !strings.Contains(out, "CHANGE POINT") || !strings.Contains(row, "▲ +") || strings.Count(out, "▲ +") != 1 ||
		strings.Contains(out, "▲ regression") || !strings.Contains(out, "Change points over each host's series of 10 runs or more") {
		t.Errorf("history: exit %d, want the one change point marked at run 11 and no step flagged\n%s%s", code, out, errOut)
	}
	for _, tc := range []struct {
		gate     []string
		code     int
		inStderr string
	}{
		{nil, exitFailure, "1 regressions (change points where"},
		{[]string{"--gate", "both"}, exitFailure, "1 regressions (step tests and change points"},
		{[]string{"--gate", "steps"}, exitOK, ""},
		{[]string{"--gate", "never"}, exitUsage, "--gate never: want one of auto, steps, both"},
	} {
		args := append([]string{"history", dir, "--fail-on-regression"}, tc.gate...)
		if code, out, errOut := runCLI(args...); code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%q: exit %d, want %d; stderr %q, want %q\n%s", tc.gate, code, tc.code, errOut, tc.inStderr, out)
		}
	}
}
