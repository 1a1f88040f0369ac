package report

import (
	"bytes"
	"flag"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// flagged returns the two test runs, the second's first stream case
// flagged DRIFT.
func flagged(t *testing.T) []Input {
	in := load(t, "run-a.json", "run-b.json")
	f := *in[1].File
	f.Cases = append([]results.Case{}, f.Cases...)
	for i, c := range f.Cases {
		if c.Workload == "stream" && c.Status == results.StatusOK {
			f.Cases[i].Flags = []results.Flag{{Name: results.FlagDrift, Detail: "p50 +43 % from the first half of the window to the second"}}
			break
		}
	}
	in[1].File = &f
	return in
}

// TestTwoRunReport checks the Markdown page of a two-run report against
// its golden file, and that both pages open with the comparison in
// compare's words and show the flag in its case's status.
func TestTwoRunReport(t *testing.T) {
	in := flagged(t)
	var md, page bytes.Buffer
	if err := WriteMarkdownPage(&md, in, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTMLPage(&page, in, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "two-runs.md")
	if *update {
		if err := os.WriteFile(golden, md.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if md.String() != string(want) {
		t.Errorf("report.md differs from %s (go test ./report -run TestTwoRunReport -update rewrites it); got:\n%s", golden, md.String())
	}
	c := stats.Compare([]*results.File{in[0].File}, []*results.File{in[1].File}, stats.DefaultCompareOptions())
	verdict := format.CompareVerdict(c)
	for name, out := range map[string]string{"report.md": strings.ReplaceAll(md.String(), `\`, ""), "index.html": html.UnescapeString(page.String())} {
		compared, verdicts := strings.Index(out, "run-b against run-a"), strings.Index(out, "Verdict")
		if compared < 0 || verdicts < compared {
			t.Errorf("%s: the comparison (at %d) does not come before the verdicts (at %d)", name, compared, verdicts)
		}
		if !strings.Contains(out, verdict) {
			t.Errorf("%s lacks compare's verdict %q", name, verdict)
		}
		if !strings.Contains(out, "ok DRIFT (p50 +43 % from the first half") && !strings.Contains(out, "ok **DRIFT (p50 +43 % from the first half") &&
			!strings.Contains(out, `ok <span class="nw flag">DRIFT (p50 +43 % from the first half`) {
			t.Errorf("%s does not show the case's DRIFT flag", name)
		}
	}
}

func TestSides(t *testing.T) {
	run := func(label string) Input {
		return Input{Label: "file-" + label, File: &results.File{Config: results.Config{Label: label}}}
	}
	for _, c := range []struct {
		name string
		in   []Input
		want []string // each side's label and its run count
	}{
		{"files without labels", []Input{run(""), run(""), run("")}, []string{"file-:1", "file-:1", "file-:1"}},
		{"a label's runs pool", []Input{run("main"), run("main"), run("main"), run("pr")}, []string{"main:3", "file-pr:1"}},
		{"one run of a label keeps its file's name", []Input{run("main"), run("pr"), run("pr")}, []string{"file-main:1", "pr:2"}},
		{"a label apart is a side apart", []Input{run("a"), run("b"), run("a")}, []string{"file-a:1", "file-b:1", "file-a:1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, s := range sides(c.in) {
				got = append(got, s.Label+":"+string(rune('0'+len(s.Files))))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("sides = %v, want %v", got, c.want)
			}
		})
	}
}

func TestConfigLine(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  results.Config
		want string
	}{
		{"default run", results.Config{SizesBytes: []int{64, 65536}, DurationNs: 60e6, WarmupNs: 100e6, Repeat: 15, Order: "shuffled", OrderSeed: 7},
			"sizes 64 B, 64 KiB; 15 rounds of 60ms, order shuffled (seed 7); warm-up 100ms"},
		{"one round by count", results.Config{SizesBytes: []int{4096}, Count: 1000, WarmupNs: 0, Label: "main", Depth: 16},
			"sizes 4 KiB; 1 round of 1000 messages; warm-up 0s; depth 16; label main"},
		{"sequential", results.Config{SizesBytes: []int{64}, DurationNs: 1e9, Repeat: 6, Order: "sequential", Placement: "pinned"},
			"sizes 64 B; 6 rounds of 1s, order sequential; warm-up 0s; placement pinned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := configLine(c.cfg); got != c.want {
				t.Errorf("configLine = %q, want %q", got, c.want)
			}
		})
	}
}

func TestChangeFigure(t *testing.T) {
	in := flagged(t)
	cs := comparisons(in)
	if len(cs) != 1 {
		t.Fatalf("%d comparisons of two runs, want 1", len(cs))
	}
	// One repetition a side tests nothing: no dot to draw, no figure.
	figs, err := changeFigures(cs)
	if err != nil || len(figs) != 0 {
		t.Errorf("changeFigures of an untested comparison = %d figures, %v; want none", len(figs), err)
	}
}

// TestVerdictIsTheRuns checks that a one-run report's verdict says what
// the run's own verdict (format.WriteVerdict) says, word for word.
func TestVerdictIsTheRuns(t *testing.T) {
	f, err := results.ReadFile(filepath.Join("..", "cli", "testdata", "golden", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var run, md bytes.Buffer
	if err := format.WriteVerdict(&run, f, ""); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdownPage(&md, []Input{{Label: "run", File: f}}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	page := words(md.String())
	for _, line := range strings.Split(run.String(), "\n\n") {
		for _, block := range strings.Split(strings.TrimSpace(line), "\n  ") {
			if block = words(strings.TrimPrefix(block, "Verdict")); block != "" && !strings.Contains(page, block) {
				t.Errorf("report.md lacks the run's verdict line %q", block)
			}
		}
	}
}
