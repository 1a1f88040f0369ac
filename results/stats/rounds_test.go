package stats_test

import (
	"math"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// TestRoundFactorsFindASlowSpell: three cases, four rounds, the third
// round 30 % slower for all of them (throughput 30 % lower for stream),
// each case at its own speed: the factors are 1, 1, 1.3, 1.
func TestRoundFactorsFindASlowSpell(t *testing.T) {
	slow := []float64{1, 1, 1.3, 1}
	rt := func(transport string, p50 float64) results.Case {
		c := results.Case{Transport: transport, Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK}
		for _, s := range slow {
			c.Repetitions = append(c.Repetitions, results.Repetition{P50Ns: p50 * s})
		}
		return c
	}
	st := results.Case{Transport: "pipe", Workload: "stream", SizeBytes: 64, Status: results.StatusOK}
	for _, s := range slow {
		st.Repetitions = append(st.Repetitions, results.Repetition{MsgsPerSec: 1e6 / s})
	}
	f := &results.File{Config: results.Config{Repeat: 4}, Cases: []results.Case{rt("pipe", 12000), rt("shm", 300), st,
		{Transport: "x", Workload: "pingpong", SizeBytes: 64, Status: results.StatusSkipped}}}
	got := stats.RoundFactors(f)
	if len(got) != 4 {
		t.Fatalf("factors %v, want 4", got)
	}
	for i, want := range slow {
		if math.Abs(got[i]-want) > 1e-9 {
			t.Errorf("round %d: factor %v, want %v (all %v)", i, got[i], want, got)
		}
	}
	f.Config.Repeat = 1
	if got := stats.RoundFactors(f); got != nil {
		t.Errorf("one round: factors %v, want none", got)
	}
}
