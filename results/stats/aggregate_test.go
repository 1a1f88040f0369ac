package stats_test

import (
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
)

func repCase(t *testing.T, p50 int64) results.Case {
	h := hdrhistogram.New(1, 3600e9, 3)
	for v := p50 / 2; v < p50*3/2; v++ {
		h.RecordValue(v)
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return results.Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK, Messages: uint64(h.TotalCount()),
		WindowNs: 1e9, Latency: results.Summarize(h), HistogramHDR: string(enc), MsgsPerSec: 1e9 / float64(p50), Samples: uint64(h.TotalCount())}
}

func TestAggregateTakesMediansAndMergesHistograms(t *testing.T) {
	var reps []results.Case
	for _, p50 := range []int64{1000, 1200, 900, 5000, 1100, 1050} {
		reps = append(reps, repCase(t, p50))
	}
	got, err := stats.Aggregate(reps)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Repetitions) != 6 {
		t.Fatalf("kept %d repetitions, want 6", len(got.Repetitions))
	}
	// The median of six is the mean of the middle two: 1050 and 1100.
	if p := got.Latency.P50Ns; p < 1070 || p > 1080 {
		t.Errorf("p50 = %d, want the median of the repetitions' p50s, about 1075", p)
	}
	ci, ok := got.CI95["p50"]
	if !ok || ci.Lo > float64(got.Latency.P50Ns) || ci.Hi < float64(got.Latency.P50Ns) {
		t.Errorf("p50 CI95 = %+v (present %v), want an interval around the median", ci, ok)
	}
	// Min and max are medians of the repetitions' own, like every other
	// figure (the max of 5000's repetition, 7499, is an outlier there);
	// the merged histogram still holds every sample.
	if got.Latency.MaxNs < 1550 || got.Latency.MaxNs > 1700 || got.Latency.MinNs < 500 || got.Latency.MinNs > 560 {
		t.Errorf("min/max %d/%d, want the medians of the repetitions' own, about 537/1612", got.Latency.MinNs, got.Latency.MaxNs)
	}
	h, err := results.DecodeHistogram(got.HistogramHDR)
	if err != nil || h.Max() < 7400 || h.Min() > 460 {
		t.Errorf("merged histogram min/max %d/%d (%v) do not cover every repetition's", h.Min(), h.Max(), err)
	}
	var samples uint64
	for _, r := range reps {
		samples += r.Samples
	}
	if got.Samples != samples || uint64(h.TotalCount()) != samples {
		t.Errorf("samples %d, histogram %d, want the sum %d", got.Samples, h.TotalCount(), samples)
	}
	if got.WindowNs != 6e9 {
		t.Errorf("window %d, want the sum 6e9", got.WindowNs)
	}
}

func TestAggregateFewRepetitionsHasNoInterval(t *testing.T) {
	got, err := stats.Aggregate([]results.Case{repCase(t, 1000), repCase(t, 1100), repCase(t, 1200)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.CI95) != 0 {
		t.Errorf("three repetitions gave CI95 %v; benchmath needs six for a 95%% interval", got.CI95)
	}
	var b strings.Builder
	format.WriteTable(&b, &results.File{Config: results.Config{Repeat: 3}, Cases: []results.Case{got}})
	if !strings.Contains(b.String(), "needs 6 or more") {
		t.Errorf("table does not say why there is no interval:\n%s", b.String())
	}
}

func TestAggregateFailedRepetitionFailsTheCase(t *testing.T) {
	bad := repCase(t, 1000)
	bad.Status, bad.Reason = results.StatusFailed, "side b died"
	got, err := stats.Aggregate([]results.Case{repCase(t, 1000), bad, repCase(t, 1000)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != results.StatusFailed || got.Reason != "round 2 of 3: side b died" {
		t.Errorf("got %s %q, want the failure naming its repetition", got.Status, got.Reason)
	}
}

func TestNoiseWarnings(t *testing.T) {
	steady := results.Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK}
	noisy := steady
	noisy.Transport = "tcp"
	for i, p := range []float64{20000, 20300, 19800, 20100} {
		steady.Repetitions = append(steady.Repetitions, results.Repetition{P50Ns: p})
		noisy.Repetitions = append(noisy.Repetitions, results.Repetition{P50Ns: p * float64(1+i%2*4)})
	}
	f := &results.File{Cases: []results.Case{steady, noisy}, Host: results.Host{Findings: []results.Finding{
		{Topic: "load", Name: "busy processes", Value: "stress-ng (pid 7) 99%", Warn: true},
		{Topic: "limits", Name: "kernel.msgmax", Value: "8192", Warn: true},
	}}}
	w := format.NoiseWarnings(f)
	if len(w) != 2 || !strings.Contains(w[0], "stress-ng") || !strings.Contains(w[1], "tcp/pingpong/64 B: p50 varied") {
		t.Errorf("warnings %q; want the busy process and tcp's spread, not pipe's or the limit", w)
	}
	var b strings.Builder
	format.WriteTable(&b, f)
	if !strings.Contains(b.String(), "NOISY HOST: p50 varied more than 10 % across repetitions in 1 case;") {
		t.Errorf("the table does not sum the noisy cases up:\n%s", b.String())
	}
	b.Reset()
	format.WriteTableWith(&b, f, format.TableOptions{Wide: true})
	if !strings.Contains(b.String(), "NOISY HOST: tcp/pingpong/64 B") {
		t.Errorf("the wide table does not name the noisy case:\n%s", b.String())
	}
}

func TestAggregateMergesFlags(t *testing.T) {
	reps := []results.Case{repCase(t, 1000), repCase(t, 1000), repCase(t, 1000)}
	reps[0].Flags = []results.Flag{{Name: results.FlagNoisy, Detail: "steal 12 %"}, {Name: results.FlagDrift, Detail: "+14 %"}}
	reps[2].Flags = []results.Flag{{Name: results.FlagDrift, Detail: "+11 %"}}
	reps[0].OverheadShare, reps[1].OverheadShare, reps[2].OverheadShare = 0.5, 0.6, 0.1
	got, err := stats.Aggregate(reps)
	if err != nil {
		t.Fatal(err)
	}
	want := []results.Flag{{Name: "drift", Detail: "+14 %, 2 of 3 rounds"}}
	if len(got.Flags) != 1 || got.Flags[0] != want[0] {
		t.Errorf("flags %+v, want %+v: a flag of 1 round of 3 is left to that repetition", got.Flags, want)
	}
	if len(got.Repetitions[0].Flags) != 2 {
		t.Errorf("repetition 1 keeps flags %+v, want its own two", got.Repetitions[0].Flags)
	}
	if got.OverheadShare != 0.5 {
		t.Errorf("overhead share %v, want the median 0.5", got.OverheadShare)
	}
}
