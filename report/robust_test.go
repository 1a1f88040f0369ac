package report

import (
	"context"
	"slices"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
)

// edgeCase is an ok case with every figure set to v, and a histogram of
// the given values where any are given.
func edgeCase(t *testing.T, workload string, size int, v float64, hist ...int64) results.Case {
	c := results.Case{Transport: "pipe", Workload: workload, SizeBytes: size, Status: results.StatusOK, Messages: 100,
		Latency:    results.Latency{P50Ns: int64(v), P99Ns: int64(v), MaxNs: int64(v)},
		MsgsPerSec: v, MBPerSec: v, CPUNsPerMsg: v, SyscallsPerMsg: v, CopiesPerMsg: v}
	if len(hist) > 0 {
		h := hdrhistogram.New(1, 3600e9, 3)
		for _, x := range hist {
			if err := h.RecordValue(x); err != nil {
				t.Fatal(err)
			}
		}
		enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			t.Fatal(err)
		}
		c.HistogramHDR = string(enc)
	}
	return c
}

// TestFiguresNeverPanic: report on a valid file whose latencies were 0
// panicked in gonum ("Values must be greater than 0 for a log scale"), as
// did a single point below 1 on a log axis (one size of 1 B, or 0.5 MB/s),
// which gonum widens to [v-1, v+1]. Every file here passes results.Validate.
func TestFiguresNeverPanic(t *testing.T) {
	for name, cases := range map[string][]results.Case{
		"zero latency":        {edgeCase(t, "pingpong", 64, 0, 0, 0)},
		"zero everything":     {edgeCase(t, "stream", 64, 0)},
		"one point below 1":   {edgeCase(t, "pingpong", 64, 500, 500)},
		"one size of 1 byte":  {edgeCase(t, "pingpong", 1, 20000, 20000)},
		"figures of 0.001":    {edgeCase(t, "stream", 1, 0.001, 1)},
		"empty histogram":     {edgeCase(t, "pingpong", 64, 20000), func() results.Case { c := edgeCase(t, "pingpong", 128, 0); return c }()},
		"zero and nonzero":    {edgeCase(t, "pingpong", 64, 0, 0), edgeCase(t, "pingpong", 128, 30000, 30000)},
		"relay of zero rate":  {edgeCase(t, "relay", 1<<30, 0)},
		"huge values":         {edgeCase(t, "pingpong", 64, 3.6e12, 3600e9)},
		"histogram at 0 only": {edgeCase(t, "pingpong", 64, 20000, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			f := &results.File{Schema: results.Schema, Cases: cases}
			if err := results.Validate(f); err != nil {
				t.Fatalf("the test's file is not valid: %v", err)
			}
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Figures panicked: %v", r)
				}
			}()
			if _, err := Figures(context.Background(), []Input{{Label: "a", File: f}, {Label: "b", File: f}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCostBarsManyFiles: bar width was 40/len(files) in integer points, 0
// past 40 files, which gonum refuses.
func TestCostBarsManyFiles(t *testing.T) {
	f := &results.File{Schema: results.Schema, Cases: []results.Case{edgeCase(t, "pingpong", 64, 20000, 20000)}}
	in := make([]Input, 41)
	for i := range in {
		in[i] = Input{Label: "r", File: f}
	}
	if _, err := CostBars(in, "pingpong", 64, "cpu"); err != nil {
		t.Fatal(err)
	}
}

// TestEveryWorkloadIsPlotted: the plots once named pingpong, stream and
// relay only, so a stream-inplace or fanin run got none. Every workload in
// the data is plotted, in the registry's order, with latency plots only
// where the workload times its messages.
func TestEveryWorkloadIsPlotted(t *testing.T) {
	f := &results.File{Schema: results.Schema}
	for _, d := range workloads.All() {
		f.Cases = append(f.Cases, edgeCase(t, d.Name, 64, 20000, 20000))
	}
	figs, err := Figures(context.Background(), []Input{{Label: "a", File: f}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fig := range figs {
		got = append(got, fig.Name)
	}
	var want []string
	for _, d := range workloads.All() {
		if d.Latency != workloads.NoLatency {
			want = append(want, "latency-"+d.Name)
		}
		want = append(want, "throughput-mbps-"+d.Name, "throughput-msgs-"+d.Name)
		if d.Latency != workloads.NoLatency {
			want = append(want, "distribution-"+d.Name+"-64")
		}
		want = append(want, "cpu-"+d.Name+"-64", "cpu-per-mb-"+d.Name+"-64", "syscalls-"+d.Name+"-64", "copies-"+d.Name+"-64")
	}
	if !slices.Equal(got, want) {
		t.Errorf("figures\n%q\nwant\n%q", got, want)
	}
}
