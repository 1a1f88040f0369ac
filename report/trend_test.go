package report

import (
	"fmt"
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
