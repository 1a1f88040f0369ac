package format_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"golang.org/x/perf/benchfmt"
)

// FuzzBenchfmtExport parses a fuzzed results file, exports it with
// WriteBenchfmt, and checks that x/perf's benchfmt reader reads every line
// back without a syntax error and finds one result per benchmark line.
func FuzzBenchfmtExport(f *testing.F) {
	resultstest.FuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := results.Parse("fuzz.json", data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := format.WriteBenchfmt(&out, file); err != nil {
			t.Fatalf("WriteBenchfmt: %v", err)
		}
		checkBenchfmt(t, out.String(), file)
	})
}

// checkBenchfmt reads text as benchstat would and fails on any syntax
// error, and unless it reads back exactly the results of f's ok cases: one
// per repetition, each named after a case of f, none injected by a string
// in the file (a reason, a host name) and none lost.
func checkBenchfmt(t *testing.T, text string, f *results.File) {
	t.Helper()
	want := map[string]int{}
	for _, c := range f.Cases {
		if c.Status != results.StatusOK {
			continue
		}
		reps := c.Repetitions
		if len(reps) == 0 {
			reps = []results.Repetition{results.RepetitionOf(c)}
		}
		for _, r := range reps {
			if r.Messages > 0 {
				want["Benchmark"+format.BenchName(c)]++
			}
		}
	}
	r := benchfmt.NewReader(strings.NewReader(text), "export.txt")
	got := map[string]int{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("benchfmt reader: %v\n%s", rec, text)
		case *benchfmt.Result:
			got["Benchmark"+string(rec.Name)]++
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("benchfmt reader: %v", err)
	}
	for name, n := range got {
		if want[name] != n {
			t.Fatalf("benchfmt reader read %d results named %s, the file has %d:\n%s", n, name, want[name], text)
		}
	}
	for name, n := range want {
		if got[name] != n {
			t.Fatalf("the file has %d results named %s, benchfmt reader read %d:\n%s", n, name, got[name], text)
		}
	}
}
