package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/internal/leakcheck"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
)

func TestMain(m *testing.M) {
	if spec, ok := harness.IsWorkerInvocation(os.Args); ok {
		os.Exit(harness.WorkerMain(spec))
	}
	if os.Getenv(cliEnv) == "1" { // the test binary standing in for ipcbench (see startCLI)
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(leakcheck.Run(thenStop{m, pg.Stop}))
}

// thenStop runs the tests, then stops the PostgreSQL server they may have
// started, before leakcheck looks: the server holds a System V segment.
type thenStop struct {
	m    *testing.M
	stop func()
}

func (t thenStop) Run() int {
	defer t.stop()
	return t.m.Run()
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--sizes", "abc"}, "--sizes"},
		{[]string{"run", "--baseline", "pipes"}, "--baseline: unknown transport"},
		{[]string{"report", "--baseline", "pipes"}, "--baseline: unknown transport"},
		{[]string{"run", "--sizes", "0"}, "at least 1 byte"},
		{[]string{"run", "--sizes", "-5"}, "--sizes"},
		{[]string{"run", "--sizes", "99999999999999999999"}, "too large"},
		{[]string{"run", "--sizes", "4X"}, "unknown unit"},
		{[]string{"run", "--transports", "carrier-pigeon"}, `unknown transport "carrier-pigeon"`},
		{[]string{"run", "--workloads", "broadcast"}, `unknown workload "broadcast"`},
		{[]string{"run", "--format", "xml"}, `unknown format "xml"`},
		{[]string{"run", "--duration", "-1s"}, "--duration"},
		{[]string{"run", "--duration", "soon"}, "not a duration"},
		{[]string{"run", "--count", "-3"}, "--count"},
		{[]string{"run", "--bogus"}, "unknown flag"},
		{[]string{"run", "extra"}, "takes no arguments"},
		{[]string{"run", "--out", "/proc/ipcbench/r.json"}, "--out"},
		{[]string{"nonsense"}, "unknown command"},
		{[]string{"run", "--sizes", ""}, "--sizes each need at least one value"},
		{[]string{"run", "--sizes", "K"}, "not a number"},
		{[]string{"run", "--sizes", "2G"}, "too large"},
		{[]string{"run", "--sizes", "1G"}, "above the largest message every selected transport carries"},
		{[]string{"run", "--transports", "sysv-msg,posix-mq", "--sizes", "64K"}, "at most 8 KiB"},
		{[]string{"run", "--duration", "0"}, "must be above 0"},
		{[]string{"run", "--duration", "1000h"}, "at most 1h"},
		{[]string{"run", "--warmup", "-1s"}, "--warmup"},
		{[]string{"run", "--timeout", "0s"}, "--timeout"},
		{[]string{"run", "--count", "99999999999999"}, "--count"},
		{[]string{"run", "--count", "lots"}, "--count"},
		{[]string{"run", "--repeat", "0"}, "--repeat 0"},
		{[]string{"run", "--repeat", "-2"}, "--repeat -2: want 1 to 1000\n"},
		{[]string{"run", "--repeat", "100000"}, "want 1 to 1000"},
		{[]string{"run", "--workloads", ""}, "nothing to run"},
		{[]string{"run", "--keep-going=maybe"}, "keep-going"},
		{[]string{"run", "--pair-matrix", "--cpus", "0,1"}, "drop --cpus"},
		{[]string{"run", "--cpus", "0"}, "want two CPUs"},
		{[]string{"run", "--cpus", "0,x"}, "--cpus 0,x: want two CPU numbers"},
		{[]string{"run", "--pair-matrix", "--cpus", "none"}, "drop --cpus"},
		{[]string{"run", "--workloads", "fanin", "--producers", "0"}, "--producers 0"},
		{[]string{"run", "--workloads", "fanin", "--producers", "65"}, "want 1 to 64"},
		{[]string{"run", "--test-send-delay", "pipe=forever"}, "test-send-delay"},
		{[]string{"run", "--depth", "-1"}, "--depth -1: want 1 to 1048576 messages, or 0 for native buffering\n"},
		{[]string{"run", "--sample-every", "0"}, "--sample-every 0: want 1 to 1048576\n"},
		{[]string{"run", "--sample-every", "1048577"}, "--sample-every 1048577: want 1 to 1048576\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := tc.args
			if args[0] == "run" && !strings.Contains(strings.Join(args, " "), "--out") {
				args = append(args, "--out", out)
			}
			code, stdout, stderr := runCLI(args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2; stderr %q", code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("usage error printed to stdout: %q", stdout)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a usage error left a results file: %v", err)
	}
}

func TestRunFlagsParse(t *testing.T) {
	got := &runOptions{}
	if err := runCommand(got).ParseFlags([]string{"--transports", "pipe,tcp", "--sizes", "1,4KiB,1M", "--count", "500", "--warmup", "0", "--format", "csv"}); err != nil {
		t.Fatal(err)
	}
	p, err := got.plan()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Transports, ",") != "pipe,tcp" || fmt.Sprint(p.SizesBytes) != "[1 4096 1048576]" ||
		p.Count != 500 || p.Warmup != 0 || got.Format != "csv" || len(p.Workloads) != 2 {
		t.Errorf("parsed %+v from %+v", p, got)
	}
	// Defaults: every transport, both workloads, 64 B and 64 KiB, 900 ms
	// split into 15 shuffled rounds of 60 ms.
	got = &runOptions{}
	if err := runCommand(got).ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	p, _ = got.plan()
	if len(p.Transports) != len(transports.Defaults()) || fmt.Sprint(p.SizesBytes) != "[64 65536]" ||
		p.Rounds != harness.DefaultRounds || p.Duration != 60*time.Millisecond || p.Order != harness.OrderShuffled ||
		p.CPUs != nil || p.Unpinned {
		t.Errorf("defaults: %+v", p)
	}
	// --cpus none: the scheduler's choice; --cpus A,B pins there.
	for _, tc := range []struct {
		cpus     string
		want     string
		unpinned bool
	}{{"none", "[]", true}, {"1,0", "[1 0]", false}} {
		got = &runOptions{}
		if err := runCommand(got).ParseFlags([]string{"--cpus", tc.cpus}); err != nil {
			t.Fatal(err)
		}
		if p, err = got.plan(); err != nil || fmt.Sprint(p.CPUs) != tc.want || p.Unpinned != tc.unpinned {
			t.Errorf("--cpus %s: CPUs %v unpinned %v (%v), want %s unpinned %v", tc.cpus, p.CPUs, p.Unpinned, err, tc.want, tc.unpinned)
		}
	}
}

func TestRunWritesResultsThatReadBack(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runCLI("run", "--transports", "pipe,unix-dgram", "--sizes", "1,64", "--count", "200",
		"--warmup", "0", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 8 || f.Host.Kernel == "" || f.Config.WorkerDesign == "" || len(f.Host.Findings) < 10 {
		t.Fatalf("results file incomplete: %d cases, host %+v", len(f.Cases), f.Host)
	}
	for _, c := range f.Cases {
		if c.Workload == "stream" && c.SizeBytes == 1 {
			// the table's notes wrap the reason at 120 columns
			if c.Status != results.StatusSkipped || !strings.Contains(strings.Join(strings.Fields(stdout), " "), c.Reason) {
				t.Errorf("stream 1 B: %s %q, and the table must show the reason", c.Status, c.Reason)
			}
			continue
		}
		if c.Status != results.StatusOK || c.Workers[0].TimerNs <= 0 || c.Workers[0].LoopOverheadNs <= 0 {
			t.Errorf("%s/%s/%d: %s %s, timer %v, loop %v", c.Transport, c.Workload, c.SizeBytes, c.Status, c.Reason,
				c.Workers[0].TimerNs, c.Workers[0].LoopOverheadNs)
		}
	}
	if !strings.Contains(stdout, "TRANSPORT") || !strings.Contains(stderr, "[8/8]") {
		t.Errorf("no table on stdout or no progress on stderr:\n%s\n%s", stdout, stderr)
	}
}

// TestListNamesTheLimits: besides every unit (TestListMarksOptIn), list
// says which sysctl caps a message socket's largest message.
func TestListNamesTheLimits(t *testing.T) {
	code, stdout, _ := runCLI("list")
	if code != 0 || !strings.Contains(stdout, "wmem_max") {
		t.Errorf("exit %d; list does not name net.core.wmem_max:\n%s", code, stdout)
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"list", "--help"}} {
		code, stdout, _ := runCLI(args...)
		if code != 0 || !strings.Contains(stdout, "Examples:") {
			t.Errorf("%v: exit %d, output lacks examples:\n%s", args, code, stdout)
		}
	}
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rep")
	code, _, stderr := runCLI("report", "../report/testdata/run-a.json", "../report/testdata/run-b.json", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"index.html", "report.md", "latency-pingpong.png", "latency-pingpong.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("report lacks %s", f)
		}
	}

	corrupt := filepath.Join(dir, "corrupt.json")
	os.WriteFile(corrupt, []byte(`{"schema": "ipcbench/results/v1", "cases": [`), 0o600)
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"schema": "someone-else/v3"}`), 0o600)
	for _, bad := range [][]string{
		{"report", corrupt, "-o", filepath.Join(dir, "bad1")},
		{"report", "../report/testdata/run-a.json", other, "-o", filepath.Join(dir, "bad2")},
		{"report", filepath.Join(dir, "missing.json"), "-o", filepath.Join(dir, "bad3")},
		{"report", "../report/testdata/run-a.json", "--format", "pdf", "-o", filepath.Join(dir, "bad4")},
	} {
		code, _, stderr := runCLI(bad...)
		if code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", bad, code, stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "bad") || strings.HasPrefix(e.Name(), ".ipcbench-report") {
			t.Errorf("a failed report left %s behind", e.Name())
		}
	}
}

func TestRunReportAndDefaultReportInput(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, stderr := runCLI("run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64,4K", "--count", "100",
		"--warmup", "0", "--report")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(defaultReportDir, "index.html")); err != nil {
		t.Fatalf("run --report wrote no report: %v\n%s", err, stderr)
	}
	os.RemoveAll(defaultReportDir)
	code, _, stderr = runCLI("report") // the newest file in ./ipcbench-results/
	if code != 0 {
		t.Fatalf("report with no FILE: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(defaultReportDir, "report.md")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(defaultResultsDir)
	if code, _, stderr := runCLI("report"); code != exitUsage || !strings.Contains(stderr, "run ipcbench run first") {
		t.Errorf("report with no results: exit %d, %q", code, stderr)
	}
}
