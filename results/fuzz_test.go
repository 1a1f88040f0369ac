package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// fuzzSeeds are results files for the fuzzers to start from: a valid file,
// one with pair matrices and repetitions, and the shapes of issue 12's
// defect 8 (negative latency, garbage histogram).
func fuzzSeeds(f *testing.F) {
	good := sample(&testing.T{})
	good.Cases[1].Reason = "side b died [stderr: panic: boom]"
	data, _ := json.Marshal(good)
	f.Add(data)
	// Found by FuzzBenchfmtExport: a reason's newline forged a result line.
	good.Cases[1].Reason = "side b died [stderr: panic: boom\nBenchmarkX 1 1 ns/op\ngoroutine 1 [running]:]"
	data, _ = json.Marshal(good)
	f.Add(data)
	reps := sample(&testing.T{})
	reps.Config.Repeat = 2
	reps.Cases[0].Repetitions = []Repetition{RepetitionOf(reps.Cases[0]), RepetitionOf(reps.Cases[0])}
	reps.PairMatrices = []PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0, 1}, P50Ns: [][]float64{{1, 0}, {2, 3}}}}
	data, _ = json.Marshal(reps)
	f.Add(data)
	f.Add([]byte(strings.Replace(string(data), `"p50_ns":`, `"p50_ns":-`, 1)))
	f.Add([]byte(`{"schema":"` + Schema + `","cases":[{"transport":"pipe","workload":"pingpong","size_bytes":64,"status":"ok","histogram_hdr":"HISTFAAAAB"}]}`))
	f.Add([]byte(`{"schema":"` + Schema + `"}`))
	f.Add([]byte(``))
}

// FuzzParse checks that Parse never panics, that what it accepts passes
// Validate and survives a round trip, and that every rendering of it
// succeeds.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.json", data)
		if err != nil {
			if file != nil {
				t.Fatalf("Parse returned a file with error %v", err)
			}
			return
		}
		if err := Validate(file); err != nil {
			t.Fatalf("Parse accepted a file Validate refuses: %v", err)
		}
		again, err := json.Marshal(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("again.json", again); err != nil {
			t.Fatalf("Parse refused its own file re-encoded: %v", err)
		}
		for _, format := range Formats {
			if err := WriteFormat(&bytes.Buffer{}, format, file); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
	})
}

// FuzzBenchfmtExport parses a fuzzed results file, exports it with
// WriteBenchfmt, and checks that x/perf's benchfmt reader reads every line
// back without a syntax error and finds one result per benchmark line.
func FuzzBenchfmtExport(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteBenchfmt(&out, file); err != nil {
			t.Fatalf("WriteBenchfmt: %v", err)
		}
		checkBenchfmt(t, out.String(), file)
	})
}

// checkBenchfmt reads text as benchstat would and fails on any syntax
// error, and unless it reads back exactly the results of f's ok cases: one
// per repetition, each named after a case of f, none injected by a string
// in the file (a reason, a host name) and none lost.
func checkBenchfmt(t *testing.T, text string, f *File) {
	t.Helper()
	want := map[string]int{}
	for _, c := range f.Cases {
		if c.Status != StatusOK {
			continue
		}
		reps := c.Repetitions
		if len(reps) == 0 {
			reps = []Repetition{RepetitionOf(c)}
		}
		for _, r := range reps {
			if r.Messages > 0 {
				want["Benchmark"+BenchName(c)]++
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
