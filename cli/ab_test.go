package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

func TestABFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want func(o *abOptions) bool
	}{
		{"defaults", []string{"b1", "b2"}, func(o *abOptions) bool {
			return o.BaseBin == "b1" && o.NewBin == "b2" && o.Rounds == 10 && o.Out == "" && len(o.RunArgs) == 0 &&
				slices.Equal(o.Compare.Metrics, []string{"p50", "p99", "throughput", "cpu"}) && o.Compare.Alpha == 0.05 &&
				!o.Compare.metricsNamed && !o.Compare.Verbose
		}},
		{"run flags pass through", []string{"b1", "b2", "--transports", "pipe", "--sizes=64", "--rounds", "4", "--cpus", "0,1"}, func(o *abOptions) bool {
			return o.Rounds == 4 && slices.Equal(o.RunArgs, []string{"--transports", "pipe", "--sizes=64", "--cpus", "0,1"})
		}},
		{"compare flags", []string{"b1", "b2", "--metric", "p50,throughput", "--threshold=10%", "--alpha", "0.01", "--allow-untested", "--format", "markdown"}, func(o *abOptions) bool {
			return slices.Equal(o.Compare.Metrics, []string{"p50", "throughput"}) && o.Compare.Threshold == "10%" &&
				o.Compare.Alpha == 0.01 && o.Compare.AllowUntested && o.Compare.Format == "markdown" && o.Compare.metricsNamed
		}},
		{"verbose", []string{"b1", "b2", "-v"}, func(o *abOptions) bool { return o.Compare.Verbose && len(o.RunArgs) == 0 }},
		{"one side's flags", []string{"b1", "b2", "--new-args", "--test-send-delay pipe=2us", "--out", "dir"}, func(o *abOptions) bool {
			return o.NewArgs == "--test-send-delay pipe=2us" && o.BaseArgs == "" && o.Out == "dir"
		}},
		{"after --", []string{"b1", "b2", "--rounds=5", "--", "--rounds", "7"}, func(o *abOptions) bool {
			return o.Rounds == 5 && slices.Equal(o.RunArgs, []string{"--rounds", "7"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := &abOptions{}
			if err := parseABArgs(tc.args, got); err != nil {
				t.Fatal(err)
			}
			if !tc.want(got) {
				t.Errorf("%q: got %+v", tc.args, *got)
			}
		})
	}
}

func TestABUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ab"}, "takes BASE_BIN and NEW_BIN"},
		{[]string{"ab", "b1"}, "got 1"},
		{[]string{"ab", "--rounds", "4", "b1", "b2"}, "first; got 0"},
		{[]string{"ab", "b1", "b2", "--rounds", "0"}, "--rounds 0"},
		{[]string{"ab", "b1", "b2", "--rounds", "many"}, "rounds"},
		{[]string{"ab", "b1", "b2", "--metric", "speed"}, `unknown metric "speed"`},
		{[]string{"ab", "b1", "b2", "--threshold", "lots"}, "--threshold"},
		{[]string{"ab", "b1", "b2", "--alpha", "2"}, "--alpha"},
		{[]string{"ab", "b1", "b2", "--format", "xml"}, "xml"},
		{[]string{"ab", "b1", "b2", "--repeat", "3"}, "--rounds"},
		{[]string{"ab", "b1", "b2", "-o", "x.json"}, "ab's --out"},
		{[]string{"ab", "/nonexistent/ipcbench-base", "/nonexistent/ipcbench-new"}, "base binary"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("%q: exit %d, want %d with %q in:\n%s", tc.args, code, exitUsage, tc.want, errOut)
			}
		})
	}
}

// TestABHelp: ab's help lists its own flags, which it parses by hand.
func TestABHelp(t *testing.T) {
	code, out, _ := runCLI("ab", "--help")
	if code != exitOK || !strings.Contains(out, "alternating rounds") {
		t.Errorf("ab --help: exit %d:\n%s", code, out)
	}
	for _, flag := range []string{"--rounds int", "--metric strings", "--out string", "--base-args string", "--new-args string",
		"--allow-untested", "--round-timeout string", "--threshold string", "--alpha float", "--format string", "-v, --verbose", "-h, --help"} {
		if !strings.Contains(out, flag) {
			t.Errorf("ab --help lists no %q:\n%s", flag, out)
		}
	}
}

// abCLI runs ab with the test binary as both builds (TestMain makes it the
// ipcbench command line under cliEnv), on one small pipe case.
func abCLI(t *testing.T, extra ...string) (int, string, string, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ipcbench several times; skipped with -short")
	}
	t.Setenv(cliEnv, "1")
	out := t.TempDir()
	args := append([]string{"ab", os.Args[0], os.Args[0], "--out", out,
		"--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--warmup", "10ms"}, extra...)
	code, stdout, stderr := runCLI(args...)
	return code, stdout, stderr, out
}

// TestABAA compares one build with itself: the gate must not fire. Exit 3
// (a percentile the count leaves untested) is allowed; exit 1 is not.
func TestABAA(t *testing.T) {
	code, stdout, stderr, out := abCLI(t, "--rounds", "4", "--count", "20000")
	if code == exitFailure || code == exitUsage {
		t.Fatalf("A/A exited %d:\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"ROUND  SIDE", "RUN-QUEUE WAIT", "pipe/pingpong/64 B"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in:\n%s", want, stdout)
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "*", "*", "round*.json"))
	if len(files) != 8 {
		t.Errorf("want 8 round files, got %q", files)
	}
	if strings.Contains(stderr, "interfered differently") {
		t.Errorf("ab warned about sequential runs:\n%s", stderr)
	}
	t.Logf("exit %d\n%s", code, stdout)
}

// TestABCatchesASlowdown slows the new side's every pipe send by 50 µs,
// several times a pipe round trip: ab must exit 1.
func TestABCatchesASlowdown(t *testing.T) {
	code, stdout, stderr, _ := abCLI(t, "--rounds", "6", "--count", "2000", "--metric", "p50,throughput",
		"--new-args", "--test-send-delay pipe=50us")
	if code != exitFailure || !strings.Contains(stdout, "regression") {
		t.Fatalf("slowed new side: exit %d, want %d:\n%s\n%s", code, exitFailure, stdout, stderr)
	}
}

// TestCompareWarnsOfUnevenInterference: two sequential runs whose host
// load differs get a warning that names ipcbench ab; alike ones do not.
func TestCompareWarnsOfUnevenInterference(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, steal float64) string {
		f := resultstest.File(time.Unix(1e9, 0), "c", resultstest.Case("pipe", 64, resultstest.Noisy(1, 6, 20000, 0.03)...))
		f.Cases[0].Messages, f.Cases[0].WindowNs = 1000, 1e6
		f.Cases[0].Interference = &results.Interference{StealShare: new(steal)}
		p := filepath.Join(dir, name+".json")
		if err := results.WriteFile(p, f); err != nil {
			t.Fatal(err)
		}
		return p
	}
	quiet, quiet2, stolen := write("quiet", 0.001), write("quiet2", 0.01), write("stolen", 0.08)
	for _, tc := range []struct {
		base, new string
		warn      bool
	}{{quiet, quiet2, false}, {quiet, stolen, true}} {
		_, _, errOut := runCLI("compare", tc.base, tc.new)
		if got := strings.Contains(errOut, "interfered differently") && strings.Contains(errOut, "ipcbench ab"); got != tc.warn {
			t.Errorf("compare %s %s: warned %v, want %v:\n%s", tc.base, tc.new, got, tc.warn, errOut)
		}
	}
}
