package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Figure is one rendered plot.
type Figure struct {
	Name    string // file stem: latency-pingpong
	Caption string
	PNG     []byte
	SVG     []byte
}

// Plot sizes: 6 × 4 inches, which gonum renders at 96 dpi as 576 × 384 PNGs.
const (
	plotWidth  = 6 * vg.Inch
	plotHeight = 4 * vg.Inch
)

// PNGSize is the pixel size of every PNG figure.
var PNGSize = [2]int{576, 384}

type planned struct {
	name, caption string
	make          func() (*plot.Plot, error)
}

// plan lists the figures for the inputs: per workload, latency and
// throughput against size, a latency spectrum and cost bars at one size.
func plan(in []Input) []planned {
	var out []planned
	for _, wl := range []string{"pingpong", "stream", "relay"} {
		sizes := sizesOf(in, wl)
		if len(sizes) == 0 {
			continue
		}
		at := sizes[0] // the smallest: where per-message costs show most
		if wl != "relay" {
			out = append(out, planned{"latency-" + wl, "p50 latency against message size; bars reach p99",
				func() (*plot.Plot, error) { return LatencyVsSize(in, wl) }})
		}
		out = append(out,
			planned{"throughput-mbps-" + wl, "payload throughput against message size",
				func() (*plot.Plot, error) { return ThroughputVsSize(in, wl, "MB/s") }},
			planned{"throughput-msgs-" + wl, "messages per second against message size",
				func() (*plot.Plot, error) { return ThroughputVsSize(in, wl, "msgs/s") }})
		if wl != "relay" {
			out = append(out, planned{fmt.Sprintf("distribution-%s-%d", wl, at), "latency percentiles from the HDR histograms",
				func() (*plot.Plot, error) { return LatencyDistribution(in, wl, at) }})
		}
		for _, m := range []string{"cpu", "syscalls", "copies"} {
			out = append(out, planned{fmt.Sprintf("%s-%s-%d", m, wl, at), costMetrics[m].title,
				func() (*plot.Plot, error) { return CostBars(in, wl, at, m) }})
		}
	}
	return out
}

// Figures renders every planned plot as PNG and SVG. Plots without data are
// left out.
func Figures(in []Input) ([]Figure, error) {
	var figs []Figure
	for _, pl := range plan(in) {
		p, err := pl.make()
		if errors.Is(err, errEmpty) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", pl.name, err)
		}
		f := Figure{Name: pl.name, Caption: pl.caption}
		for _, format := range []string{"png", "svg"} {
			wt, err := p.WriterTo(plotWidth, plotHeight, format)
			if err != nil {
				return nil, fmt.Errorf("plot %s as %s: %w", pl.name, format, err)
			}
			var b bytes.Buffer
			if _, err := wt.WriteTo(&b); err != nil {
				return nil, fmt.Errorf("plot %s as %s: %w", pl.name, format, err)
			}
			if format == "png" {
				f.PNG = b.Bytes()
			} else {
				f.SVG = b.Bytes()
			}
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// Formats of Write.
const (
	HTML     = "html"
	Markdown = "markdown"
	Both     = "both"
)

// Write renders the report into dir: index.html and/or report.md, and every
// figure as PNG and SVG. It builds the whole report in a temporary directory
// beside dir and renames it into place, so a failure leaves no partial report
// and an earlier report at dir is replaced only by a complete one.
func Write(dir string, in []Input, format string) error {
	if format != HTML && format != Markdown && format != Both {
		return fmt.Errorf("unknown report format %q; want html, markdown or both", format)
	}
	if len(in) == 0 {
		return fmt.Errorf("no results to report")
	}
	figs, err := Figures(in)
	if err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, ".ipcbench-report-")
	if err != nil {
		return fmt.Errorf("create report directory in %s: %w", parent, err)
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, f := range figs {
		for ext, data := range map[string][]byte{".png": f.PNG, ".svg": f.SVG} {
			if err := os.WriteFile(filepath.Join(tmp, f.Name+ext), data, 0o644); err != nil {
				return fmt.Errorf("write figure: %w", err)
			}
		}
	}
	if format == HTML || format == Both {
		var b bytes.Buffer
		if err := WriteHTML(&b, in, figs); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, "index.html"), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write index.html: %w", err)
		}
	}
	if format == Markdown || format == Both {
		var b bytes.Buffer
		if err := WriteMarkdown(&b, in, figs); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, "report.md"), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write report.md: %w", err)
		}
	}
	return replaceDir(tmp, dir)
}

// replaceDir moves the finished report to dir, replacing an earlier report.
func replaceDir(tmp, dir string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("move the earlier report at %s aside: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return fmt.Errorf("move the report into %s: %w", dir, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// Labels names inputs after their files, adding the directory where two
// files share a name.
func Labels(paths []string) []string {
	labels := make([]string, len(paths))
	count := map[string]int{}
	for i, p := range paths {
		labels[i] = strings.TrimSuffix(filepath.Base(p), ".json")
		count[labels[i]]++
	}
	for i, p := range paths {
		if count[labels[i]] > 1 {
			labels[i] = filepath.Join(filepath.Base(filepath.Dir(p)), labels[i])
		}
	}
	return labels
}

// caseName is transport/workload/size.
func caseName(c results.Case) string {
	return c.Transport + "/" + c.Workload + "/" + results.FormatBytes(c.SizeBytes)
}
