package report

import (
	"fmt"
	"image/color"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// plotters lists what was added to p. gonum keeps the list unexported and
// offers no accessor, so the test reads the field itself: the figures are
// checked as values (lines, styles, axes), not as pixels.
func plotters(p *plot.Plot) []plot.Plotter {
	f := reflect.ValueOf(p).Elem().FieldByName("plotters")
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().([]plot.Plotter)
}

// lines lists p's lines of two or more points (not a legend's or the SLO's).
func lines(p *plot.Plot) []*plotter.Line {
	var out []*plotter.Line
	for _, pl := range plotters(p) {
		if l, ok := pl.(*plotter.Line); ok && len(l.XYs) >= 2 {
			out = append(out, l)
		}
	}
	return out
}

// sweep is a run of transports trs at sizes 64 B, 4 KiB and 64 KiB whose
// CPU per message grows with size.
func sweep(commit string, trs ...string) *results.File {
	var cases []results.Case
	for i, tr := range trs {
		for j, size := range []int{64, 4096, 65536} {
			p50 := 1000 * float64(i+1) * float64(j+1)
			c := resultstest.Case(tr, size, p50, p50*1.1, p50*0.9)
			c.CI95 = map[string]results.Interval{"cpu": {Lo: c.CPUNsPerMsg * 0.9, Hi: c.CPUNsPerMsg * 1.1}}
			cases = append(cases, c)
		}
	}
	return resultstest.File(time.Unix(0, 0), commit, cases...)
}

// TestCostAgainstSize: a run at several sizes gets one line chart per
// cost that changes with size, on a log X axis, one solid line per
// transport in its fixed colour; a cost no line of which changes (copies
// here) is left out; a second run's lines are dashed.
func TestCostAgainstSize(t *testing.T) {
	trs := []string{"pipe", "unix-stream", "sysv-shm"} // in registry order, as drawn
	one := []Input{{"a", sweep("a", trs...)}}
	p, err := CostVsSize(one, "pingpong", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.X.Scale.(plot.LogScale); !ok {
		t.Errorf("X scale %T, want log", p.X.Scale)
	}
	ls := lines(p)
	if len(ls) != len(trs) {
		t.Fatalf("%d lines, want one per transport (%d)", len(ls), len(trs))
	}
	for i, l := range ls {
		want, _ := styler{}.style(trs[i], 0)
		if l.LineStyle.Color != want.Color || l.LineStyle.Dashes != nil {
			t.Errorf("line %d (%s): colour %v dashes %v, want %v solid", i, trs[i], l.LineStyle.Color, l.LineStyle.Dashes, want.Color)
		}
		if len(l.XYs) != 3 {
			t.Errorf("line %d has %d points, want 3 sizes", i, len(l.XYs))
		}
	}
	if _, err := CostVsSize(one, "pingpong", "copies"); err != errEmpty {
		t.Errorf("copies, 2 everywhere: %v, want errEmpty", err)
	}
	names := map[string]bool{}
	for _, pl := range plan(one) {
		names[pl.name] = true
	}
	for _, want := range []string{"cpu-pingpong", "cpu-per-mb-pingpong", "syscalls-pingpong", "copies-pingpong"} {
		if !names[want] {
			t.Errorf("no figure %s planned among %v", want, names)
		}
	}
	for name := range names {
		if name == "cpu-pingpong-64" {
			t.Errorf("a per-size cost chart is still planned: %s", name)
		}
	}

	two := []Input{{"a", sweep("a", trs...)}, {"b", sweep("b", trs...)}}
	p, err = CostVsSize(two, "pingpong", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	dashes := map[string]int{}
	for _, l := range lines(p) {
		dashes[fmt.Sprint(l.LineStyle.Dashes)]++
	}
	if len(dashes) != 2 || dashes[fmt.Sprint(runDash(0))] != len(trs) || dashes[fmt.Sprint(runDash(1))] != len(trs) {
		t.Errorf("two runs: lines by dashes %v, want %d solid and %d dashed", dashes, len(trs), len(trs))
	}
}

// TestNoDashInASingleRun: no series of any figure of a single-run report
// is dashed (a grey reference line, such as the SLO, is no series).
func TestNoDashInASingleRun(t *testing.T) {
	for _, in := range [][]Input{{{"a", sweep("a", "pipe", "fifo", "tcp")}}, {{"loaded", resultstest.Loaded()}}} {
		for _, pl := range plan(in) {
			p, err := pl.make()
			if err == errEmpty {
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", pl.name, err)
			}
			for _, l := range lines(p) {
				if _, grey := l.LineStyle.Color.(color.Gray); l.LineStyle.Dashes != nil && !grey {
					t.Errorf("%s: a dashed line in a single run", pl.name)
				}
			}
		}
	}
}

// TestErrorBarsNudgedApart: series at one size stand apart by a factor
// each, ordered by transport, and the axis holds the outermost.
func TestErrorBarsNudgedApart(t *testing.T) {
	trs := []string{"pipe", "fifo", "tcp", "sysv-shm"}
	p, err := LatencyVsSize([]Input{{"a", sweep("a", trs...)}}, "pingpong")
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(p)
	if len(ls) != len(trs) {
		t.Fatalf("%d lines", len(ls))
	}
	for i := 1; i < len(ls); i++ {
		if !(ls[i].XYs[0].X > ls[i-1].XYs[0].X) {
			t.Errorf("series %d at x %g, series %d at %g: not nudged apart", i-1, ls[i-1].XYs[0].X, i, ls[i].XYs[0].X)
		}
	}
	if first, last := ls[0].XYs[0].X, ls[len(ls)-1].XYs[2].X; first < p.X.Min || last > p.X.Max {
		t.Errorf("nudged points %g..%g outside the axis %g..%g", first, last, p.X.Min, p.X.Max)
	}
}

// TestTrendTickLabels: each tick shows its time, the date where the day
// changes, and the commit (and label) only where they change.
func TestTrendTickLabels(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	runs := []stats.Run{
		{Started: at("2025-12-06T10:00:00Z"), Commit: "d1db9f8aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{Started: at("2025-12-06T10:05:00Z"), Commit: "d1db9f8aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{Started: at("2025-12-06T11:30:00Z"), Commit: "0123456bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb+dirty", Label: "pr"},
		{Started: at("2025-12-07T09:00:00Z"), Commit: "0123456bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb+dirty", Label: "pr"},
	}
	want := []string{"12-06\n10:00\nd1db9f8aaaaa", " \n10:05\n ", " \n11:30\n0123456bbbbb+dirty pr", "12-07\n09:00\n "}
	got := trendTickLabels(runs)
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("tick %d: %q, want %q", i, got, want)
			break
		}
	}
	runs[1].Started = runs[0].Started.Add(20 * time.Second) // one minute: seconds tell them apart
	if got := trendTickLabels(runs); got[1] != " \n10:00:20\n " {
		t.Errorf("two runs in one minute: %q", got)
	}
}
