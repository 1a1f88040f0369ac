package format_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/format"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"golang.org/x/perf/benchfmt"
)

func benchFile(t *testing.T, seed uint64, scale float64) []byte {
	f := resultstest.File(time.Unix(1e9, 0), "abc",
		resultstest.Case("pipe", 64, resultstest.Noisy(seed, 6, 20000*scale, 0.03)...),
		resultstest.Case("tcp", 4096, resultstest.Noisy(seed+1, 6, 40000, 0.03)...),
		results.Case{Transport: "posix-mq", Workload: "pingpong", SizeBytes: 1 << 20, Status: results.StatusSkipped, Reason: "too big"})
	var b bytes.Buffer
	if err := format.WriteRun(&b, "benchfmt", f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBenchfmtReadsBack(t *testing.T) {
	data := benchFile(t, 1, 1)
	r := benchfmt.NewReader(bytes.NewReader(data), "ipcbench.txt")
	var names []string
	units := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("benchfmt cannot read its own output: %v\n%s", rec, data)
		case *benchfmt.Result:
			names = append(names, string(rec.Name))
			if rec.GetConfig("kernel") != "Linux test" {
				t.Errorf("file config lost: kernel %q", rec.GetConfig("kernel"))
			}
			if v, ok := rec.Value("sec/op"); !ok || v <= 0 || rec.Iters != resultstest.RepetitionSamples {
				t.Errorf("%s: sec/op %v (%v), iters %d", rec.Name, v, ok, rec.Iters)
			}
			if _, ok := rec.Value("copies/msg"); !ok {
				t.Errorf("%s lacks copies/msg", rec.Name)
			}
		case *benchfmt.UnitMetadata:
			units++
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	// One line per repetition of each ok case; the skipped case has none.
	if len(names) != 12 || names[0] != "IPC/transport=pipe/workload=pingpong/size=64" || names[11] != "IPC/transport=tcp/workload=pingpong/size=4096" {
		t.Errorf("names %q", names)
	}
	if !bytes.Contains(data, []byte("# not measured: IPC/transport=posix-mq/workload=pingpong/size=1048576 skipped: too big")) {
		t.Errorf("the skipped case is not listed:\n%s", data)
	}
	if units != 2 {
		t.Errorf("read %d unit metadata lines, want msgs/s and MB/s better=higher", units)
	}
}

// TestBenchfmtFileConfigIsTheSameAcrossRuns: the file configuration holds
// only what names the host (benchstat splits tables by it), never what
// differs from one run to the next on the same host (start time, commit,
// label, a CI runner's host name), or two exports compare nothing.
func TestBenchfmtFileConfigIsTheSameAcrossRuns(t *testing.T) {
	a := exportOf(t, time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC), "abc", "runner-1", 1)
	b := exportOf(t, time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC), "def", "runner-2", 1.2)
	ca, cb := fileConfig(t, a), fileConfig(t, b)
	if ca != cb {
		t.Errorf("file configurations differ between two runs on one host:\n%s\nvs\n%s", ca, cb)
	}
	if !strings.Contains(ca, "kernel: Linux test") {
		t.Errorf("file configuration lost the kernel: %q", ca)
	}
	for _, want := range []string{"# ipcbench-commit: abc", "# started: 2026-11-01T03:00:00Z", "# label: Labc", "# host: runner-1"} {
		if !bytes.Contains(a, []byte(want+"\n")) {
			t.Errorf("export lacks the comment %q:\n%s", want, a)
		}
	}
}

// exportOf exports a run of pipe and tcp cases started at started.
func exportOf(t *testing.T, started time.Time, commit, hostname string, pipeScale float64) []byte {
	t.Helper()
	f := resultstest.File(started, commit,
		resultstest.Case("pipe", 64, resultstest.Noisy(uint64(started.Unix()), 6, 20000*pipeScale, 0.03)...),
		resultstest.Case("tcp", 4096, resultstest.Noisy(uint64(started.Unix())+1, 6, 40000, 0.03)...))
	f.Host.Hostname = hostname
	var b bytes.Buffer
	if err := format.WriteRun(&b, "benchfmt", f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fileConfig returns the file configuration of the first result, as
// benchstat groups by it.
func fileConfig(t *testing.T, data []byte) string {
	t.Helper()
	r := benchfmt.NewReader(bytes.NewReader(data), "x.txt")
	for r.Scan() {
		if res, ok := r.Result().(*benchfmt.Result); ok {
			var b strings.Builder
			for _, c := range res.Config {
				if c.File {
					b.WriteString(c.Key + ": " + string(c.Value) + "\n")
				}
			}
			return b.String()
		}
	}
	t.Fatalf("no result in\n%s", data)
	return ""
}

// TestBenchstatComparesTwoExports builds benchstat from the x/perf version
// that go.mod requires (the module cache holds it, so this works offline
// once the module is downloaded) and runs it on two exports of different
// runs, as a user would: it must compare them ("vs base") in one table.
func TestBenchstatComparesTwoExports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "benchstat")
	build := exec.Command("go", "build", "-o", bin, "golang.org/x/perf/cmd/benchstat")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build benchstat from go.mod's golang.org/x/perf (module not in the cache, and the test does not download): %v\n%s", err, out)
	}
	old, new := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	os.WriteFile(old, exportOf(t, time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC), "abc", "runner-1", 1), 0o600)
	os.WriteFile(new, exportOf(t, time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC), "def", "runner-2", 1.2), 0o600)
	cmd := exec.Command(bin, old, new)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("benchstat: %v\n%s", err, stderr.String())
	}
	s := string(out)
	for _, want := range []string{"vs base", "sec/op", "transport=pipe", "copies/msg", "msgs/s", "kernel: Linux test"} {
		if !strings.Contains(s, want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "kernel: Linux test"); n != 1 {
		t.Errorf("benchstat split the runs into %d tables, want one:\n%s", n, s)
	}
	// The 20 % slower pipe shows as a significant change, not "~".
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "transport=pipe") && strings.Contains(line, "µs") && !strings.Contains(line, "+") {
			t.Errorf("benchstat does not see the slowdown: %q\n%s", line, s)
		}
	}
}
