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
	"github.com/ipcbench/ipcbench/results/stats"
)

// writeSynthetic writes a results file with pipe and tcp pingpong cases of
// six repetitions each, their p50s ±3 % around 20 µs and 40 µs times scale.
func writeSynthetic(t *testing.T, dir, name string, seed uint64, pipeScale float64) string {
	t.Helper()
	f := resultstest.File(time.Unix(1e9+int64(seed), 0), "c"+name,
		resultstest.Case("pipe", 64, resultstest.Noisy(seed, 6, 20000*pipeScale, 0.03)...),
		resultstest.Case("tcp", 64, resultstest.Noisy(seed+1, 6, 40000, 0.03)...))
	p := filepath.Join(dir, name+".json")
	if err := results.WriteFile(p, f); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompareExitCodes(t *testing.T) {
	dir := t.TempDir()
	base := writeSynthetic(t, dir, "base", 1, 1)
	same := writeSynthetic(t, dir, "same", 7, 1)
	slow := writeSynthetic(t, dir, "slow", 7, 1.2)
	fast := writeSynthetic(t, dir, "fast", 7, 0.8)

	code, out, errOut := runCLI("compare", base, same)
	if code != exitOK || !strings.Contains(out, "No regressions.") {
		t.Errorf("A/A: exit %d, want 0\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("compare", base, slow)
	if code != exitFailure || !strings.Contains(out, "regression") || !strings.Contains(errOut, "regressions beyond 5%") {
		t.Errorf("20%% slower: exit %d, want 1\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI("compare", base, fast)
	if code != exitOK || !strings.Contains(out, "improvement") {
		t.Errorf("20%% faster: exit %d, want 0 with the improvement reported\n%s", code, out)
	}
	// A threshold above the slowdown lets it pass.
	if code, out, _ = runCLI("compare", base, slow, "--threshold", "25%"); code != exitOK {
		t.Errorf("20%% slower with --threshold 25%%: exit %d, want 0\n%s", code, out)
	}
	code, out, _ = runCLI("compare", base, slow, "--format", "json", "--metric", "p50")
	if code != exitFailure || !strings.Contains(out, `"verdict": "regression"`) {
		t.Errorf("json: exit %d\n%s", code, out)
	}
}

func TestCompareUsageErrors(t *testing.T) {
	dir := t.TempDir()
	base := writeSynthetic(t, dir, "base", 1, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", base}, "takes BASE and NEW"},
		{[]string{"compare", base, filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"compare", base, base, "--metric", "speed"}, `unknown metric "speed"`},
		{[]string{"compare", base, base, "--threshold", "lots"}, "--threshold"},
		{[]string{"compare", base, base, "--alpha", "2"}, "--alpha"},
		{[]string{"compare", base, base, "--format", "xml"}, `unknown format "xml"`},
		{[]string{"compare", base, t.TempDir()}, "no results files"},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestExportBenchfmt(t *testing.T) {
	dir := t.TempDir()
	writeSynthetic(t, dir, "a", 1, 1)
	code, out, errOut := runCLI("export", dir) // a directory stands for its results files
	if code != exitOK || strings.Count(out, "BenchmarkIPC/transport=pipe/workload=pingpong/size=64 ") != 6 || !strings.Contains(out, "kernel: Linux test") {
		t.Errorf("export: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = runCLI("export"); code != exitUsage || !strings.Contains(errOut, "at least one") {
		t.Errorf("export without files: exit %d %q", code, errOut)
	}
	if code, _, errOut = runCLI("export", "--format", "yaml", dir); code != exitUsage || !strings.Contains(errOut, `unknown format "yaml"`) {
		t.Errorf("export --format yaml: exit %d %q", code, errOut)
	}
}

func TestHistoryCommand(t *testing.T) {
	dir := t.TempDir()
	// Written out of time order: seeds give the start times.
	writeSynthetic(t, dir, "n3", 3, 1.2)
	writeSynthetic(t, dir, "n1", 1, 1)
	writeSynthetic(t, dir, "n2", 2, 1)
	plot := filepath.Join(t.TempDir(), "trend.png")
	code, out, errOut := runCLI("history", dir, "--case", "pipe/pingpong/64B", "--plot", plot)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	first, second := strings.Index(out, "cn1"), strings.Index(out, "cn2")
	if first < 0 || second < first || !strings.Contains(out, "▲ regression") || strings.Contains(out, "tcp/") {
		t.Errorf("history not in time order, step not flagged, or --case ignored:\n%s", out)
	}
	if st, err := os.Stat(plot); err != nil || st.Size() < 1000 {
		t.Errorf("no trend plot: %v", err)
	}
	for _, args := range [][]string{
		{"history"},
		{"history", dir, "--metric", "speed"},
		{"history", dir, "--case", "carrier-pigeon"},
		{"history", dir, "--plot", "trend.gif"},
	} {
		if code, _, errOut := runCLI(args...); code != exitUsage {
			t.Errorf("%q: exit %d %q, want 2", args, code, errOut)
		}
	}
}

func TestDoctorCommand(t *testing.T) {
	// This host may be busy or slow to read the clock: exit 1 then, with
	// the findings named (TestDoctorExit checks which count).
	code, out, errOut := runCLI("doctor")
	if code != exitOK && (code != exitFailure || !strings.Contains(errOut, "will skew or break runs")) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"LIMITS", "kernel.msgmax", "fs.mqueue.msgsize_max", "CPU", "LOAD", "CLOCK", "clock read cost", "PERF"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
}

// TestBadResultsFilesExit2 feeds every command that reads results files
// the broken files users make, and unwritable outputs: each gets exit 2, a
// message naming the file, and no output file.
func TestBadResultsFilesExit2(t *testing.T) {
	dir := t.TempDir()
	good := writeSynthetic(t, dir, "good", 1, 1)
	data, _ := os.ReadFile(good)
	bad := map[string]string{
		"empty":     "",
		"truncated": string(data[:len(data)/2]),
		"newer":     `{"schema": "ipcbench/results/v9"}`,
		"shape":     `{"schema": "ipcbench/results/v1", "cases": "many"}`,
		"array":     `[]`,
	}
	for name, content := range bad {
		p := filepath.Join(dir, "bad-"+name+".json")
		os.WriteFile(p, []byte(content), 0o600)
		for _, args := range [][]string{
			{"compare", good, p},
			{"compare", p, good},
			{"history", good, p},
			{"export", p},
			{"report", p, "-o", filepath.Join(dir, "rep-"+name)},
		} {
			code, out, errOut := runCLI(args...)
			if code != exitUsage || !strings.Contains(errOut, p) || out != "" {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want 2 naming the file", args[0], name, code, out, errOut)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "rep-"+name)); !os.IsNotExist(err) {
			t.Errorf("report of a %s file left a directory", name)
		}
	}
	for _, args := range [][]string{
		{"compare", good, filepath.Join(dir, "missing.json")},
		{"history", good, "--plot", "/proc/ipcbench/trend.png"},
		{"report", good, "-o", "/proc/ipcbench/rep"},
	} {
		if code, _, errOut := runCLI(args...); code != exitUsage || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
}

// TestCompareWarningsShort: flagged cases get one short line each, at
// most maxFlaggedLines and a count of the rest; -v quotes the details.
func TestCompareWarningsShort(t *testing.T) {
	c := &stats.Comparison{}
	for i := range 7 {
		k := fmt.Sprintf("pipe/pingpong/%d B", 64<<i)
		c.Flagged = append(c.Flagged, k+": new "+strings.Repeat("NOISY (run-queue wait 30 % (side a)), ", 20))
		c.FlagCounts = append(c.FlagCounts, stats.CaseFlags{Case: k,
			New: stats.SideFlags{Files: 10, Counts: []stats.FlagCount{{Name: results.FlagNoisy, Files: 10}}}})
	}
	for _, tc := range []struct {
		verbose        bool
		lines, longest int
		want           string
	}{
		{false, maxFlaggedLines + 2, 100, "ipcbench: warning: 2 more flagged cases (-v names them)"},
		{true, 7, 1000, "NOISY (run-queue wait 30 % (side a))"},
	} {
		var b strings.Builder
		compareWarnings(&b, c, true, tc.verbose)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		longest := 0
		for _, l := range lines {
			longest = max(longest, len(l))
		}
		if len(lines) != tc.lines || !strings.Contains(b.String(), tc.want) || !tc.verbose && longest > tc.longest {
			t.Errorf("verbose %v: %d lines (want %d), longest %d, no %q?\n%s", tc.verbose, len(lines), tc.lines, longest, tc.want, b.String())
		}
	}
}
