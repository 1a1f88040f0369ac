package report

import (
	"fmt"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

func TestTrendRendersAndSaves(t *testing.T) {
	var files []*results.File
	var paths []string
	for i := range 6 {
		scale := 1.0
		if i >= 3 {
			scale = 1.3
		}
		files = append(files, resultstest.File(time.Unix(int64(1e9+i*86400), 0), fmt.Sprint(i),
			resultstest.Case("pipe", 64, resultstest.Noisy(uint64(i), 6, 20000*scale, 0.03)...)))
		paths = append(paths, fmt.Sprint(i))
	}
	p50, _ := stats.MetricByName("p50")
	p, err := Trend(stats.BuildHistory(files, paths, p50, nil, 0.05, 0.05))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"trend.png", "trend.svg"} {
		if err := SavePlot(p, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "trend.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || !notBlank(img) || img.Bounds().Dx() != pngScale*PNGSize[0] {
		t.Errorf("trend.png: %v, blank or wrong size", err)
	}
	if err := SavePlot(p, filepath.Join(dir, "trend.gif")); err == nil {
		t.Error("SavePlot accepted a .gif name")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("SavePlot left %d files, want 2", len(entries))
	}
}

func TestReportShowsPairMatrices(t *testing.T) {
	f := &results.File{Schema: results.Schema, PairMatrices: []results.PairMatrix{{Transport: "pipe", Workload: "pingpong",
		SizeBytes: 64, CPUs: []int{0, 1}, P50Ns: [][]float64{{5500, 61000}, {64000, 6000}}}}}
	var html, md strings.Builder
	in := []Input{{Label: "m", File: f}}
	if err := WriteHTMLPage(&html, in, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdownPage(&md, in, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"html": html.String(), "markdown": md.String()} {
		if !strings.Contains(s, "Core-to-core matrix") || !strings.Contains(s, "61.0µs") {
			t.Errorf("%s report lacks the matrix", name)
		}
	}
}

// TestTrendShadesSegments: each segment between change points becomes a
// band over its runs (half a run either side) and its median's interval,
// in the plot's units, shades alternating per host; a segment without an
// interval is a band of no height at its median.
func TestTrendShadesSegments(t *testing.T) {
	s := stats.Series{Case: "pipe/pingpong/64 B", Segments: []stats.HistorySegment{
		{Host: "h1", FirstRun: 0, LastRun: 9, Median: 20000, Lo: 19500, Hi: 20400},
		{Host: "h1", FirstRun: 10, LastRun: 19, Median: 22000, Lo: 21600, Hi: 22500},
		{Host: "h2", FirstRun: 20, LastRun: 21, Median: 30000},
	}}
	for i := range 22 {
		s.Points = append(s.Points, stats.Point{Run: i, Value: stats.SummaryInterval{Median: 20000}})
	}
	want := []segmentBand{
		{X0: 0.5, X1: 10.5, Lo: 19.5, Median: 20, Hi: 20.4, Shade: 0},
		{X0: 10.5, X1: 20.5, Lo: 21.6, Median: 22, Hi: 22.5, Shade: 1},
		{X0: 20.5, X1: 22.5, Lo: 30, Median: 30, Hi: 30, Shade: 0},
	}
	got := segmentBands(s, 1e3)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("segmentBands:\n got %v\nwant %v", got, want)
	}
	h := &stats.History{Metric: "p50", Unit: "ns", Series: []stats.Series{s}}
	for i := range 22 {
		h.Runs = append(h.Runs, stats.Run{Path: fmt.Sprint(i), Started: time.Unix(int64(1e9+i*86400), 0)})
	}
	p, err := Trend(h)
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max < 30 {
		t.Errorf("the Y axis ends at %g, below the last band at 30", p.Y.Max)
	}
	if a, b := bandColor(color.RGBA{0x1f, 0x77, 0xb4, 0xff}, 0), bandColor(color.RGBA{0x1f, 0x77, 0xb4, 0xff}, 1); a == b {
		t.Errorf("neighbouring segments share the shade %v", a)
	}
}
