package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenOutputs renders one fixed results file (a real run of pipe,
// sysv-msg and shm-slots over every workload at 64 B and 16 KiB, two
// repetitions, with skipped cases) in every output ipcbench has: the run
// table and each export format, compare, history and the Markdown report.
// It pins what users and scripts read, so that a restructuring that should
// change no behaviour shows any change it makes. go test -run Golden
// -update rewrites the files; review the diff.
func TestGoldenOutputs(t *testing.T) {
	in := filepath.Join("testdata", "golden", "run.json")
	cases := map[string][]string{
		"compare.txt":  {"compare", in, in, "--allow-untested"},
		"compare.md":   {"compare", in, in, "--allow-untested", "--format", "markdown"},
		"compare.json": {"compare", in, in, "--allow-untested", "--format", "json"},
		"history.txt":  {"history", in, in, "--metric", "p99"},
	}
	for _, f := range []string{"table", "json", "csv", "markdown", "benchfmt"} {
		cases["export."+f] = []string{"export", "--format", f, in}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(args...)
			if code != exitOK {
				t.Fatalf("%q: exit %d\n%s", args, code, errOut)
			}
			golden(t, name, out)
		})
	}
	t.Run("report.md", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "r")
		if code, _, errOut := runCLI("report", in, "-o", dir, "--format", "markdown"); code != exitOK {
			t.Fatalf("report: exit %d\n%s", code, errOut)
		}
		md, err := os.ReadFile(filepath.Join(dir, "report.md"))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "report.md", string(md))
	})
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if name == "export.json" { // JSON export writes the results file back as it was read
		path = filepath.Join("testdata", "golden", "run.json")
	}
	if *update && name != "export.json" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from %s; the first differing line:\n%s", name, path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\nwant: " + a + "\ngot:  " + b
		}
	}
	return "(trailing bytes)"
}

func itoa(n int) string { return strconv.Itoa(n) }
