package stats_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

// nightlyStep returns n nightly runs of pipe pingpong 64 B whose level
// jitters by ±3 % a night and steps up by step from night stepAt (counted
// from 0; n or more for none). Each run's 6 rounds spread ±50 % around
// its level, in the same pattern every night, so that no single step
// test can see a 10 % step, as on a real host whose rounds spread wide.
func nightlyStep(n, stepAt int, step float64) ([]*results.File, []string) {
	rounds := resultstest.Noisy(99, 6, 1, 0.5)
	jitter := resultstest.Noisy(7, n, 1, 0.03)
	var files []*results.File
	var paths []string
	for i := range n {
		level := 20000 * jitter[i]
		if i >= stepAt {
			level *= 1 + step
		}
		v := make([]float64, len(rounds))
		for j, r := range rounds {
			v[j] = level * r
		}
		files = append(files, resultstest.File(time.Unix(int64(1e9+i*86400), 0), fmt.Sprintf("c%02d", i),
			resultstest.Case("pipe", 64, v...)))
		paths = append(paths, fmt.Sprintf("n%02d.json", i))
	}
	return files, paths
}

// TestHistoryMarksChangePoints: history marks the run a change point
// starts, with its segments, beside step tests that miss the step, and
// each gate judges as documented: auto by the change point where the
// search can place one and by step tests elsewhere.
func TestHistoryMarksChangePoints(t *testing.T) {
	p50, _ := stats.MetricByName("p50")
	for _, tc := range []struct {
		name           string
		runs, stepAt   int
		wantChangeAt   int // -1 for none
		wantSegments   int
		wantTestedRuns int // ChangeTested points
		wantRegs       map[string]int
	}{
		{"10% from night 11 of 20", 20, 10, 10, 2, 11, map[string]int{stats.GateAuto: 1, stats.GateBoth: 1, stats.GateSteps: 0}},
		{"flat 20 nights", 20, 20, -1, 1, 11, map[string]int{stats.GateAuto: 0, stats.GateBoth: 0, stats.GateSteps: 0}},
		{"too short to search", 8, 4, -1, 0, 0, map[string]int{stats.GateAuto: 0, stats.GateBoth: 0, stats.GateSteps: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, paths := nightlyStep(tc.runs, tc.stepAt, 0.10)
			h := stats.BuildHistory(files, paths, p50, nil, stats.DefaultThreshold, stats.DefaultAlpha)
			h.MarkChanges(files, paths, p50, nil, stats.ChangeOptions{})
			s := h.Series[0]
			changeAt, tested := -1, 0
			for _, p := range s.Points {
				if p.Verdict == stats.VerdictRegression {
					t.Errorf("run %d: the step test flagged a step of %.1f%%; the test means it to miss one", p.Run+1, p.DeltaPct)
				}
				if p.ChangeTested {
					tested++
				}
				if p.Change == nil {
					continue
				}
				if changeAt >= 0 {
					t.Errorf("a second change point at run %d", p.Run+1)
				}
				changeAt = p.Run
				if p.Change.Direction != stats.VerdictRegression || math.Abs(p.Change.Magnitude-0.10) > 0.03 || p.Change.Lo <= 0 {
					t.Errorf("change at run %d: %+v, want a regression of about +10%% with an interval above 0", p.Run+1, *p.Change)
				}
			}
			if changeAt != tc.wantChangeAt || tested != tc.wantTestedRuns || len(s.Segments) != tc.wantSegments {
				t.Errorf("change point at run index %d, %d runs searchable, %d segments; want %d, %d, %d",
					changeAt, tested, len(s.Segments), tc.wantChangeAt, tc.wantTestedRuns, tc.wantSegments)
			}
			if tc.wantSegments == 2 {
				a, b := s.Segments[0], s.Segments[1]
				if a.FirstRun != 0 || a.LastRun != 9 || b.FirstRun != 10 || b.LastRun != 19 || b.Median/a.Median < 1.07 || b.Median/a.Median > 1.13 {
					t.Errorf("segments %+v, want runs 0-9 and 10-19, the second about 10%% higher", s.Segments)
				}
			}
			for gate, want := range tc.wantRegs {
				if reg, _, _ := h.Gated(gate); reg != want {
					t.Errorf("--gate %s: %d regressions, want %d", gate, reg, want)
				}
			}
		})
	}
}
