package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/store/storetest"
)

// pg is the PostgreSQL server the store tests use (see storetest).
var pg = new(storetest.Server)

func TestJoinStoreURL(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"history", "--store"}, []string{"history", "--store"}},
		{[]string{"history", "--store", "postgres://h/d", "--case", "pipe"}, []string{"history", "--store=postgres://h/d", "--case", "pipe"}},
		{[]string{"compare", "--store", "sqlite:/x", "a", "b"}, []string{"compare", "--store=sqlite:/x", "a", "b"}},
		{[]string{"run", "--store", "my.db"}, []string{"run", "--store=my.db"}},
		{[]string{"compare", "--store", "label:main", "run:2"}, []string{"compare", "--store", "label:main", "run:2"}},
		{[]string{"report", "--", "--store", "x.db"}, []string{"report", "--", "--store", "x.db"}},
	} {
		if got := joinStoreURL(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("joinStoreURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// storeBackends runs test against the default store (a SQLite file under
// a fresh XDG_DATA_HOME, reached by --store alone) and a PostgreSQL one.
func storeBackends(t *testing.T, test func(t *testing.T, storeArg []string)) {
	t.Run("sqlite-default", func(t *testing.T) {
		t.Setenv("IPCBENCH_STORE", "")
		t.Setenv("XDG_DATA_HOME", t.TempDir())
		test(t, []string{"--store"})
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, []string{"--store", pg.NewDatabase(t)})
	})
}

// run --store, then history --store, compare --store, report --store and
// store export, as a new user would, on a fresh store.
func TestRunStoreThenQueries(t *testing.T) {
	storeBackends(t, func(t *testing.T, storeArg []string) {
		dir := t.TempDir()
		var paths []string
		for i, label := range []string{"main", "pr-1"} {
			out := filepath.Join(dir, label+".json")
			args := append([]string{"run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "300", "--label", label, "-o", out}, storeArg...)
			code, _, stderr := runCLI(args...)
			if code != 0 || !strings.Contains(stderr, "store: run:"+string(rune('1'+i))) {
				t.Fatalf("run --store = %d, want 0 and the run stored as run:%d:\n%s", code, i+1, stderr)
			}
			paths = append(paths, out)
		}
		code, stdout, stderr := runCLI(append([]string{"history", "--case", "pipe/pingpong", "--label", "main", "--label", "pr-1"}, storeArg...)...)
		if code != 0 || !strings.Contains(stdout, "pipe/pingpong/64 B") || !strings.Contains(stdout, "2 runs") {
			t.Errorf("history --store = %d:\n%s%s", code, stdout, stderr)
		}
		// One repetition a side: compare runs, and says it tested nothing.
		code, stdout, stderr = runCLI(append([]string{"compare", "label:main", "label:pr-1"}, storeArg...)...)
		if code != exitUntested || !strings.Contains(stdout, "pipe/pingpong/64 B") {
			t.Errorf("compare --store = %d, want %d:\n%s%s", code, exitUntested, stdout, stderr)
		}
		exported := filepath.Join(dir, "back.json")
		if code, _, stderr := runCLI(append([]string{"store", "export", "label:pr-1", "-o", exported}, storeArg...)...); code != 0 {
			t.Fatalf("store export = %d: %s", code, stderr)
		}
		if a, b := readCanonical(t, paths[1]), readCanonical(t, exported); a != b {
			t.Errorf("the exported run differs from the results file run wrote")
		}
		// Adding the files run wrote stores nothing new.
		code, stdout, _ = runCLI(append([]string{"store", "add", dir}, storeArg...)...)
		if code != 0 || strings.Count(stdout, "already stored") != 3 {
			t.Errorf("store add of the same runs = %d, want 3 already stored:\n%s", code, stdout)
		}
		rep := filepath.Join(dir, "rep")
		if code, _, stderr := runCLI(append([]string{"report", "--label", "main", "-o", rep, "--format", "markdown"}, storeArg...)...); code != 0 {
			t.Fatalf("report --store = %d: %s", code, stderr)
		}
		md, _ := os.ReadFile(filepath.Join(rep, "report.md"))
		if !strings.Contains(string(md), "run:1 main") {
			t.Errorf("the report does not name its run run:1 main:\n%.400s", md)
		}
	})
}

func readCanonical(t *testing.T, path string) string {
	t.Helper()
	f, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(f)
	return string(b)
}

func TestStoreAddRefusesMalformedFiles(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("IPCBENCH_STORE", "")
	dir := t.TempDir()
	good := resultstest.Mixed()
	if err := results.WriteFile(filepath.Join(dir, "a-good.json"), good); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "b-bad.json"), []byte(`{"schema":"ipcbench/results/v1","cases":[{"transport":"pipe","workload":"pingpong","size_bytes":64,"status":"ok","latency":{"p50_ns":-1}}]}`), 0o644)
	code, stdout, stderr := runCLI("store", "add", dir, "--store")
	if code != exitUsage || !strings.Contains(stderr, "refused") || !strings.Contains(stderr, "b-bad.json") || !strings.Contains(stdout, "added") {
		t.Errorf("store add of a good and a bad file = %d, want 2, the good one added and the bad one refused:\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI("store", "info", "--store")
	if code != 0 || !strings.Contains(stdout, "runs:         1\n") {
		t.Errorf("store info = %d, want 1 run:\n%s", code, stdout)
	}
}

func TestStoreUsageErrors(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("IPCBENCH_STORE", "")
	link := filepath.Join(t.TempDir(), "link.db")
	os.Symlink("/etc/passwd", link)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--store", "mysql://h/d", "--count", "10"}, "unknown scheme"},
		{[]string{"run", "--store=" + link, "--count", "10"}, "symbolic link"},
		{[]string{"history", "--store", "x.json"}, "not x.json"},
		{[]string{"history", "--host", "h1", "x.json"}, "give --store"},
		{[]string{"history", "--store", "--since", "yesterday"}, "not an age"},
		{[]string{"compare", "--store", "label:main", "colour:red"}, "unknown key"},
		{[]string{"compare", "--store", "label:main", "label:none"}, "no run"},
		{[]string{"report", "--label", "main"}, "give --store"},
		{[]string{"store", "export", "--store", "last:2"}, "picks 0 runs"},
		{[]string{"store", "ls", "--store", "run:x"}, "a run id is a whole number"},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%q = %d, want 2 and %q:\n%s", c.args, code, c.want, stderr)
		}
	}
}
