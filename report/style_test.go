package report

import (
	"fmt"
	"image/color"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"

	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TestTransportStylesFixed: every registered transport, opt-in ones
// included, has its own (colour, marker) pair, lines are solid, and a
// transport's style does not depend on which others are in the report.
func TestTransportStylesFixed(t *testing.T) {
	names := transports.Names()
	if len(names) < 16 {
		t.Logf("only %d transports registered; checking 56 indexes besides", len(names))
	}
	seen := map[string]string{}
	key := func(tr string, ls draw.LineStyle, gs draw.GlyphStyle) string {
		r, g, b, _ := ls.Color.RGBA()
		if gs.Color != ls.Color {
			t.Errorf("%s: marker and line colours differ", tr)
		}
		if ls.Dashes != nil {
			t.Errorf("%s: dashed %v in a single run", tr, ls.Dashes)
		}
		return fmt.Sprintf("%d %d %d %#v", r, g, b, gs.Shape)
	}
	all := styler{}
	for _, tr := range names {
		ls, gs := all.style(tr, 0)
		k := key(tr, ls, gs)
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share colour and marker %s", other, tr, k)
		}
		seen[k] = tr
		// Alone in a report, or beside an unregistered one, it looks the same.
		for _, others := range [][]string{{tr}, {"not-registered", tr}, names} {
			var cases []results.Case
			for _, o := range others {
				cases = append(cases, resultstest.Case(o, 64, 1000, 2000, 3000))
			}
			ls2, gs2 := stylerOf([]Input{{"x", resultstest.File(time.Unix(0, 0), "a", cases...)}}).style(tr, 0)
			if key(tr, ls2, gs2) != k {
				t.Errorf("%s's style changes with the other transports %v", tr, others)
			}
		}
	}
	for i := range 56 { // room for transports yet to come
		ls, gs := seriesStyle(i)
		k := key(fmt.Sprint("series ", i), ls, gs)
		if j, dup := seen["#"+k]; dup {
			t.Errorf("series %s and %d share a style", j, i)
		}
		seen["#"+k] = fmt.Sprint(i)
	}
}

// TestRunDashes: the first run is solid, every later one of up to four
// has its own dashes, and a single-run plot draws no dashed line.
func TestRunDashes(t *testing.T) {
	seen := map[string]int{}
	for fi := range len(runDashes) {
		k := fmt.Sprint(runDash(fi))
		if j, dup := seen[k]; dup {
			t.Errorf("runs %d and %d share dashes %s", j, fi, k)
		}
		seen[k] = fi
	}
	if runDash(0) != nil {
		t.Errorf("the first run is dashed: %v", runDash(0))
	}
}

// TestLogTicksOneFormat: over three decades, every label of a log axis is
// a 1-2-5 mantissa with an SI unit, in one format.
func TestLogTicksOneFormat(t *testing.T) {
	for _, tc := range []struct {
		unit     string
		min, max float64
		re       string
	}{
		{"µs", 0.3, 800, `^[125]0{0,2}(ns|µs|ms)$`},
		{"", 900, 2e6, `^[125]0{0,2}[kM]?$`},
		{"MB/s", 2, 5000, `^[125]0{0,2}[MG]B/s$`},
	} {
		re := regexp.MustCompile(tc.re)
		n := 0
		for _, tk := range (siTicks{tc.unit}).Ticks(tc.min, tc.max) {
			if tk.Label == "" {
				continue
			}
			n++
			if !re.MatchString(tk.Label) {
				t.Errorf("%s ticks %g..%g: label %q does not match %s", tc.unit, tc.min, tc.max, tk.Label, tc.re)
			}
		}
		if n < 4 {
			t.Errorf("%s ticks %g..%g: only %d labels", tc.unit, tc.min, tc.max, n)
		}
	}
	for v, want := range map[float64]string{1000: "1ms", 0.5: "500ns", 10: "10µs", 2.5e6: "2.5s"} {
		if got := siLabel(v, "µs"); got != want {
			t.Errorf("siLabel(%g, µs) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{1e5: "100k", 1e6: "1M", 0.5: "0.5", 20: "20"} {
		if got := siLabel(v, ""); got != want {
			t.Errorf("siLabel(%g) = %q, want %q", v, got, want)
		}
	}
}

// TestBarsNeverOverlap: a group's bars fit inside the spacing between
// groups for any number of files, and the X range holds the last group.
func TestBarsNeverOverlap(t *testing.T) {
	for count := 1; count <= 50; count++ {
		if w := barWidth(count); w*float64(count) >= 1 || w <= 0 {
			t.Errorf("%d bars of width %g in a spacing of 1", count, w)
		}
	}
	var cases []results.Case
	for _, tr := range []string{"pipe", "sysv-shm", "unix-stream", "not-registered"} {
		cases = append(cases, resultstest.Case(tr, 64, 1000, 2000, 3000))
	}
	f := resultstest.File(time.Unix(0, 0), "abc", cases...)
	in := []Input{{"a", f}, {"b", f}, {"c", f}}
	p, err := CostBars(in, "pingpong", 64, "cpu")
	if err != nil {
		t.Fatal(err)
	}
	n := len(orderedTransports(in))
	if p.X.Min > -0.5 || p.X.Max < float64(n)-0.5 {
		t.Errorf("X range %g..%g clips one of %d groups", p.X.Min, p.X.Max, n)
	}
}

// TestLegendAndCaptions: legends are set in 10 pt or more, and no two
// figures of a report share a caption.
func TestLegendAndCaptions(t *testing.T) {
	in := []Input{{"loaded", resultstest.Loaded()}}
	p, err := LatencyVsSize(in, "stream")
	if err != nil {
		t.Fatal(err)
	}
	if p.Legend.TextStyle.Font.Size < vg.Points(10) {
		t.Errorf("legend font %v", p.Legend.TextStyle.Font.Size)
	}
	captions := map[string]string{}
	for _, pl := range plan(in) {
		if other, dup := captions[pl.caption]; dup {
			t.Errorf("%s and %s share the caption %q", other, pl.name, pl.caption)
		}
		captions[pl.caption] = pl.name
	}
	if len(workloadPlans(in, workloads.All()[0])) == 0 && len(captions) == 0 {
		t.Error("no figures planned")
	}
	_ = color.Black
}

// TestErrorBarsMoveWithTheirPoints: sizes given high to low (--sizes 64K,64)
// keep each p99 bar on its own point once the line is sorted by size.
func TestErrorBarsMoveWithTheirPoints(t *testing.T) {
	pts := plotter.XYs{{X: 65536, Y: 10}, {X: 64, Y: 1}}
	errs := plotter.YErrors{{Low: 0, High: 90}, {Low: 0, High: 1}}
	sort.Sort(errorPoints{pts, errs})
	if pts[0].X != 64 || errs[0].High != 1 || pts[1].X != 65536 || errs[1].High != 90 {
		t.Errorf("after sorting: points %v, bars %v", pts, errs)
	}
}
