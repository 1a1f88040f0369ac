package results_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/internal/resultstest"
	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/perf/benchfmt"
)

func benchFile(t *testing.T, seed uint64, scale float64) []byte {
	f := resultstest.File(time.Unix(1e9, 0), "abc",
		resultstest.Case("pipe", 64, resultstest.Noisy(seed, 6, 20000*scale, 0.03)...),
		resultstest.Case("tcp", 4096, resultstest.Noisy(seed+1, 6, 40000, 0.03)...),
		results.Case{Transport: "posix-mq", Workload: "pingpong", SizeBytes: 1 << 20, Status: results.StatusSkipped, Reason: "too big"})
	var b bytes.Buffer
	if err := results.WriteFormat(&b, "benchfmt", f); err != nil {
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
			if rec.GetConfig("kernel") != "Linux test" || rec.GetConfig("ipcbench-commit") != "abc" {
				t.Errorf("file config lost: kernel %q commit %q", rec.GetConfig("kernel"), rec.GetConfig("ipcbench-commit"))
			}
			if v, ok := rec.Value("sec/op"); !ok || v <= 0 || rec.Iters != 500 {
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

// TestBenchstatReadsIt installs benchstat as a user would (go install
// ...@latest; failing that, the x/perf version in go.mod, which the module
// cache holds) and runs it on two exports.
func TestBenchstatReadsIt(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "benchstat")
	install := exec.Command("go", "install", "golang.org/x/perf/cmd/benchstat@latest")
	install.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := install.CombinedOutput(); err != nil {
		t.Logf("go install benchstat@latest: %v\n%s", err, out)
		if out, err := exec.Command("go", "build", "-o", bin, "golang.org/x/perf/cmd/benchstat").CombinedOutput(); err != nil {
			t.Skipf("cannot install benchstat (no module proxy or cache?): %v\n%s", err, out)
		}
	}
	old, new := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	os.WriteFile(old, benchFile(t, 1, 1), 0o600)
	os.WriteFile(new, benchFile(t, 7, 1.2), 0o600)
	cmd := exec.Command(bin, old, new)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("benchstat: %v\n%s", err, stderr.String())
	}
	s := string(out)
	for _, want := range []string{"sec/op", "transport=pipe", "copies/msg", "msgs/s", "kernel: Linux test"} {
		if !strings.Contains(s, want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, s)
		}
	}
	// The 20 % slower pipe shows as a significant change, not "~".
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "transport=pipe") && strings.Contains(line, "µs") && !strings.Contains(line, "+") {
			t.Errorf("benchstat does not see the slowdown: %q\n%s", line, s)
		}
	}
}
