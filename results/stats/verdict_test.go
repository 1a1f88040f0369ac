package stats

import (
	"math"
	"slices"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// roundsCase aggregates one case from its rounds, as a run does: p50s (a
// round-trip workload) or rates (msgs/s), and CPU per message, by round.
func roundsCase(t *testing.T, tr, workload string, figures, cpuNs []float64, flags ...string) results.Case {
	t.Helper()
	var reps []results.Case
	for i, x := range figures {
		c := results.Case{Transport: tr, Workload: workload, SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: x}
		if workload == "pingpong" {
			c.Latency.P50Ns, c.MsgsPerSec = int64(x), 1e9/x
		}
		if cpuNs != nil {
			c.CPUNsPerMsg = cpuNs[i]
		}
		for _, f := range flags {
			c.Flags = append(c.Flags, results.Flag{Name: f, Detail: "x"})
		}
		reps = append(reps, c)
	}
	c, err := Aggregate(reps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// scaled returns xs[i]·k[i%len(k)].
func scaled(xs []float64, k ...float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * k[i%len(k)]
	}
	return out
}

// modes is a host whose rounds land in one of two modes, 2× apart.
var modes = []float64{1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000}

func standing(t *testing.T, v Verdict, tr string) Standing {
	t.Helper()
	i := slices.IndexFunc(v.Standings, func(s Standing) bool { return s.Transport == tr })
	if i < 0 {
		t.Fatalf("no standing of %s in %+v", tr, v)
	}
	return v.Standings[i]
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestVerdictPairedRatio: the ratio is the median of the per-round
// ratios and its interval benchmath's order statistics of them (the 2nd
// and 9th of 10 at 95 %), so that modes which hit both transports in a
// round cancel; unpaired (different round counts), the same figures give
// the wide ratio of the medians' intervals, a tie.
func TestVerdictPairedRatio(t *testing.T) {
	ratios := []float64{2.0, 2.1, 1.9, 2.2, 1.8, 2.05, 1.95, 2.3, 1.7, 2.0} // sorted: 1.7 1.8 … 2.2 2.3
	f := &results.File{Cases: []results.Case{
		roundsCase(t, "shm", "pingpong", modes, nil),
		roundsCase(t, "pipe", "pingpong", scaled(modes, ratios...), nil),
	}}
	v := Verdicts(f, "")[0]
	s := standing(t, v, "pipe")
	if !s.Paired || !near(s.Times, 2.0) || !near(s.Lo, 1.8) || !near(s.Hi, 2.2) || s.Tie {
		t.Errorf("pipe: %+v, want paired 2.0× (1.8–2.2), no tie", s)
	}
	if v.Winner != "shm" || v.Untested || v.Rounds != 10 || standing(t, v, "shm").RoundsWon != 10 || !slices.Equal(v.Top, []string{"shm"}) {
		t.Errorf("verdict %+v, want shm the winner in 10 of 10 rounds", v)
	}

	f.Cases[1] = roundsCase(t, "pipe", "pingpong", scaled(modes[:8], 1.2), nil) // 8 rounds against 10: unpaired
	f.Cases[0] = roundsCase(t, "shm", "pingpong", modes, nil)
	v = Verdicts(f, "")[0]
	s = standing(t, v, "pipe")
	if s.Paired || !s.Ratio().Tested() || !s.Tie || v.Winner != "" || v.Untested || !slices.Equal(v.Top, []string{"shm", "pipe"}) {
		t.Errorf("unpaired 1.2× over two modes: %+v in %+v, want a tie from the medians' intervals", s, v)
	}
}

// TestVerdictTies: a transport whose ratio interval holds 1 ties with the
// fastest, and then there is no winner; a clear separation names one. The
// cheapest of the tied, with significantly less CPU, is named beside it.
func TestVerdictTies(t *testing.T) {
	const1 := func(x float64) []float64 {
		out := make([]float64, 10)
		for i := range out {
			out[i] = x
		}
		return out
	}
	tests := []struct {
		name                 string
		other                []float64 // pipe's ratio to shm by round
		otherCPU             float64
		tie                  bool
		winner, cheapest     string
		cheapestCPU          float64
		prevTested, prevTies bool
	}{
		{"overlap", []float64{0.9, 1.1, 0.95, 1.05, 1.0, 1.02, 0.98, 1.1, 0.9, 1.01}, 600, true, "", "pipe", 0.6, true, true},
		{"overlap, costlier", []float64{0.9, 1.1, 0.95, 1.05, 1.0, 1.02, 0.98, 1.1, 0.9, 1.01}, 1200, true, "", "", 0, true, true},
		{"clear separation", []float64{1.5, 1.6, 1.4, 1.5, 1.7, 1.5, 1.45, 1.55, 1.6, 1.5}, 600, false, "shm", "", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shm := roundsCase(t, "shm", "pingpong", modes, const1(1000))
			pipe := roundsCase(t, "pipe", "pingpong", scaled(modes, tt.other...), const1(tt.otherCPU))
			v := Verdicts(&results.File{Cases: []results.Case{shm, pipe}}, "")[0]
			s := standing(t, v, "pipe")
			if v.Fastest != "shm" || s.Tie != tt.tie || v.Winner != tt.winner || v.Cheapest != tt.cheapest || !near(v.CheapestCPU, tt.cheapestCPU) {
				t.Errorf("verdict %+v\npipe %+v\nwant tie %v, winner %q, cheapest %q at %.1f", v, s, tt.tie, tt.winner, tt.cheapest, tt.cheapestCPU)
			}
			if s.Prev.Tested() != tt.prevTested || s.Prev.Tie() != tt.prevTies {
				t.Errorf("pipe's Prev %+v, want tested %v, tie %v", s.Prev, tt.prevTested, tt.prevTies)
			}
		})
	}
}

// TestVerdictUntested: one round (no repetitions), or fewer rounds than an
// interval needs, leaves every ratio without an interval: no tie, no
// winner, the verdict untested.
func TestVerdictUntested(t *testing.T) {
	if MinIntervalRounds != 6 {
		t.Errorf("MinIntervalRounds = %d, want 6 at 95 %%", MinIntervalRounds)
	}
	for _, rounds := range []int{1, 5} {
		f := &results.File{Cases: []results.Case{
			roundsCase(t, "shm", "pingpong", modes[:rounds], nil),
			roundsCase(t, "pipe", "pingpong", scaled(modes[:rounds], 3), nil),
		}}
		if rounds == 1 {
			for i := range f.Cases {
				f.Cases[i].Repetitions, f.Cases[i].CI95 = nil, nil
			}
		}
		v := Verdicts(f, "")[0]
		s := standing(t, v, "pipe")
		if !v.Untested || v.Winner != "" || v.Fastest != "shm" || v.Rounds != rounds || s.Tie || s.Ratio().Tested() || !near(s.Times, 3) {
			t.Errorf("%d rounds: %+v, want untested, shm fastest, pipe 3× with no interval", rounds, v)
		}
	}
}

// TestVerdictFlags: a standing carries its case's NOISY, DRIFT and
// OVERHEAD flags, not the others.
func TestVerdictFlags(t *testing.T) {
	f := &results.File{Cases: []results.Case{
		roundsCase(t, "shm", "pingpong", modes, nil, results.FlagOverhead, results.FlagAutocorr),
		roundsCase(t, "pipe", "pingpong", scaled(modes, 2), nil, results.FlagDrift, results.FlagNoisy),
		roundsCase(t, "fifo", "pingpong", scaled(modes, 3), nil),
	}}
	v := Verdicts(f, "")[0]
	for tr, want := range map[string][]string{"shm": {"overhead"}, "pipe": {"drift", "noisy"}, "fifo": nil} {
		if got := standing(t, v, tr).Flags; !slices.Equal(got, want) {
			t.Errorf("%s's flags %v, want %v", tr, got, want)
		}
	}
}

// TestVerdictRoundsWon counts the rounds in which each transport had the
// group's best figure: higher is better for a stream.
func TestVerdictRoundsWon(t *testing.T) {
	rates := []float64{1e6, 1e6, 1e6, 1e6, 1e6, 1e6}
	f := &results.File{Cases: []results.Case{
		roundsCase(t, "shm", "stream", scaled(rates, 2, 2, 2, 2, 0.5, 2), nil),
		roundsCase(t, "pipe", "stream", rates, nil),
	}}
	v := Verdicts(f, "")[0]
	if v.LowerBetter || v.Fastest != "shm" || standing(t, v, "shm").RoundsWon != 5 || standing(t, v, "pipe").RoundsWon != 1 {
		t.Errorf("verdict %+v, want shm best in 5 of 6 rounds, pipe in 1", v)
	}
	if s := standing(t, v, "pipe"); !near(s.Times, 2) || !s.Paired {
		t.Errorf("pipe %+v, want shm 2× its rate (the median of per-round ratios)", s)
	}
}

// TestVerdictBaseline: against a baseline, ratios are to it and the
// ranking runs from best to worst with the baseline in its place; the
// fastest and the winner do not change.
func TestVerdictBaseline(t *testing.T) {
	f := &results.File{Cases: []results.Case{
		roundsCase(t, "shm", "pingpong", modes, nil),
		roundsCase(t, "pipe", "pingpong", scaled(modes, 2, 2.1, 1.9), nil),
		roundsCase(t, "fifo", "pingpong", scaled(modes, 4, 4.1, 3.9), nil),
	}}
	v := Verdicts(f, "pipe")[0]
	var order []string
	for _, s := range v.Standings {
		order = append(order, s.Transport)
	}
	if v.Reference != "pipe" || !v.Baseline || v.Fastest != "shm" || v.Winner != "shm" || !slices.Equal(order, []string{"shm", "pipe", "fifo"}) {
		t.Fatalf("against pipe: %+v, want shm, pipe, fifo with shm the winner", v)
	}
	if s := standing(t, v, "shm"); !near(s.Times, 0.5) || s.Hi >= 1 {
		t.Errorf("shm against pipe %+v, want 0.5× (faster), interval below 1", s)
	}
	if s := standing(t, v, "fifo"); !near(s.Times, 2) || !s.Prev.Tested() || s.Prev.Lo <= 1 {
		t.Errorf("fifo against pipe %+v, want 2× and significantly behind pipe", s)
	}
}

// TestVerdictUnpairedIntervals: cases recorded without rounds but with
// medians' intervals rank by the ratio of medians, with the conservative
// interval; a case with neither has no interval.
func TestVerdictUnpairedIntervals(t *testing.T) {
	ci := func(lo, hi float64) map[string]results.Interval {
		return map[string]results.Interval{"p50": {Lo: lo, Hi: hi}, "throughput": {Lo: lo, Hi: hi}}
	}
	pp := func(tr string, p50 int64, iv map[string]results.Interval) results.Case {
		c := results.Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK, CI95: iv}
		c.Latency.P50Ns = p50
		return c
	}
	st := func(tr string, rate float64, status string) results.Case {
		return results.Case{Transport: tr, Workload: "stream", SizeBytes: 64, Status: status, MsgsPerSec: rate}
	}
	f := &results.File{Cases: []results.Case{
		st("pipe", 1e6, results.StatusOK), st("shm", 4e6, results.StatusOK), st("mq", 9e6, results.StatusSkipped),
		pp("pipe", 1800, ci(1700, 1900)), pp("shm", 1000, ci(900, 1100)), pp("unix", 2500, nil),
	}}
	vs := Verdicts(f, "")
	if len(vs) != 2 || vs[0].Workload != "pingpong" || vs[1].Workload != "stream" {
		t.Fatalf("verdicts %+v, want pingpong then stream", vs)
	}
	p := vs[0]
	if !p.LowerBetter || p.Reference != "shm" || p.Baseline || len(p.Standings) != 3 || p.Standings[1].Transport != "pipe" {
		t.Fatalf("pingpong verdict %+v", p)
	}
	if s := p.Standings[1]; s.Paired || !near(s.Times, 1.8) || !near(s.Lo, 1700.0/1100) || !near(s.Hi, 1900.0/900) || s.Tie {
		t.Errorf("pipe's standing %+v, want 1.8× in [1.545, 2.111]", s)
	}
	if s := p.Standings[2]; s.Transport != "unix" || s.Lo != 0 || s.Hi != 0 {
		t.Errorf("unix has no interval: %+v", s)
	}
	if p.Winner != "" || p.Untested || !slices.Equal(p.NotTested, []string{"unix"}) {
		t.Errorf("unix untested against shm: want no winner, yet not the whole verdict untested: %+v", p)
	}
	s := vs[1]
	if s.LowerBetter || s.Reference != "shm" || len(s.Standings) != 2 || s.Standings[1].Times != 4 || !s.Untested {
		t.Errorf("stream verdict %+v: want shm 4× pipe, untested, mq (skipped) left out", s)
	}
	b := Verdicts(f, "pipe")
	if b[0].Reference != "pipe" || !b[0].Baseline || b[0].Standings[0].Transport != "shm" || !near(b[0].Standings[0].Times, 1/1.8) {
		t.Errorf("against --baseline pipe: %+v", b[0])
	}
}

func TestVerdictSaturationRate(t *testing.T) {
	rc := func(tr string, offered float64, p99 int64, status string) results.Case {
		c := results.Case{Transport: tr, Workload: "rate", SizeBytes: 64, Status: status, OfferedRate: offered, HistogramHDR: "x", Samples: 1e6}
		c.Latency.P99Ns = p99
		return c
	}
	f := &results.File{Cases: []results.Case{
		rc("pipe", 1e5, 10_000, results.StatusOK), rc("pipe", 2e5, 2_000_000, results.StatusOK),
		rc("shm", 1e5, 5_000, results.StatusOK), rc("shm", 2e5, 9_000, results.StatusOK), rc("shm", 4e5, 0, results.StatusSaturated),
	}}
	vs := Verdicts(f, "")
	if len(vs) != 1 || vs[0].Metric != BySaturationRate || vs[0].Reference != "shm" || vs[0].Standings[0].Value != 2e5 || vs[0].Standings[1].Times != 2 || !vs[0].Untested {
		t.Fatalf("rate verdict %+v: want shm at 200k, 2× pipe's 100k, untested", vs)
	}
}

func TestRank(t *testing.T) {
	got := Rank([]float64{3, 1, 0, 3, 2}, true)
	want := []int{2, 0, -1, 2, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Rank = %v, want %v", got, want)
		}
	}
}
