package stats_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ipcbench/ipcbench/results/stats"
)

// levelFunc is a series' true level at point i, 1 for the baseline.
type levelFunc func(i int) float64

func flat(int) float64 { return 1 }

// steps is a level that changes by factor[k] from point at[k] on.
func steps(at []int, factor []float64) levelFunc {
	return func(i int) float64 {
		level := 1.0
		for k, a := range at {
			if i >= a {
				level = factor[k]
			}
		}
		return level
	}
}

// series is n points of a 14.5 µs p50 at level(i), each with seeded
// noise uniform in ±3 %.
func series(seed uint64, n int, level levelFunc) []float64 {
	rng := rand.New(rand.NewPCG(seed, 27))
	v := make([]float64, n)
	for i := range v {
		v[i] = 14500 * level(i) * (1 + (rng.Float64()*2-1)*0.03)
	}
	return v
}

func indices(cps []stats.ChangePoint) []int {
	out := make([]int, len(cps))
	for i, c := range cps {
		out[i] = c.Index
	}
	return out
}

func TestChangePointsKnownAnswers(t *testing.T) {
	outlier := series(1, 300, flat)
	outlier[150] *= 1.5
	tests := []struct {
		name   string
		values []float64
		want   []int // the change points, each within tolerance
		tol    int
	}{
		{"no change", series(1, 300, flat), nil, 0},
		{"one outlier", outlier, nil, 0},
		{"step of 5 % at 150", series(2, 300, steps([]int{150}, []float64{1.05})), []int{150}, 1},
		{"step of 10 % at 150", series(3, 300, steps([]int{150}, []float64{1.10})), []int{150}, 1},
		{"two steps", series(4, 300, steps([]int{100, 200}, []float64{1.10, 1.02})), []int{100, 200}, 1},
		// 100 nights, +10 % from night 51 on: night 51 is index 50.
		{"the issue's 100 nights", series(5, 100, steps([]int{50}, []float64{1.10})), []int{50}, 0},
		{"too short to split", series(6, 9, steps([]int{5}, []float64{2})), nil, 0},
		{"constant", slices.Repeat([]float64{7}, 40), nil, 0},
		{"exact step", append(slices.Repeat([]float64{7}, 20), slices.Repeat([]float64{8}, 20)...), []int{20}, 0},
		{"empty", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := indices(stats.ChangePoints(tt.values, stats.ChangeOptions{}))
			if len(got) != len(tt.want) {
				t.Fatalf("change points %v, want %v (±%d)", got, tt.want, tt.tol)
			}
			for i := range got {
				if d := got[i] - tt.want[i]; d < -tt.tol || d > tt.tol {
					t.Errorf("change points %v, want %v (±%d)", got, tt.want, tt.tol)
				}
			}
		})
	}
}

// TestChangePointsDrift: a slow drift has no single change point; the
// search cuts it into a staircase of small steps, every one upwards.
func TestChangePointsDrift(t *testing.T) {
	values := series(7, 300, func(i int) float64 { return 1 + 0.10*float64(i)/300 })
	cps := stats.ChangePoints(values, stats.ChangeOptions{})
	if len(cps) == 0 {
		t.Fatal("a 10 % drift over 300 points gave no change point")
	}
	total := 1.0
	for _, c := range cps {
		if c.Magnitude <= 0 {
			t.Errorf("change point %d of a rising drift has magnitude %+.3f", c.Index, c.Magnitude)
		}
		total *= 1 + c.Magnitude
	}
	t.Logf("10 %% drift over 300 points: change points %v, %+.1f %% in all", indices(cps), (total-1)*100)
}

func TestChangePointsSegments(t *testing.T) {
	values := series(4, 300, steps([]int{100, 200}, []float64{1.10, 1.02}))
	before := slices.Clone(values)
	cps := stats.ChangePoints(values, stats.ChangeOptions{})
	if !slices.Equal(values, before) {
		t.Fatal("ChangePoints changed its input")
	}
	if len(cps) != 2 {
		t.Fatalf("change points %v, want 2", indices(cps))
	}
	wantMagnitude := []float64{0.10, 1.02/1.10 - 1}
	for i, c := range cps {
		if c.Before.End != c.Index || c.After.Start != c.Index {
			t.Errorf("point %d: segments %+v and %+v do not meet at it", c.Index, c.Before, c.After)
		}
		if i > 0 && c.Before != cps[i-1].After {
			t.Errorf("point %d: segment before %+v is not the previous point's after %+v", c.Index, c.Before, cps[i-1].After)
		}
		if math.Abs(c.Magnitude-wantMagnitude[i]) > 0.01 {
			t.Errorf("point %d: magnitude %+.4f, want %+.4f ± 0.01", c.Index, c.Magnitude, wantMagnitude[i])
		}
		if !(c.Lo < c.Magnitude && c.Magnitude < c.Hi) {
			t.Errorf("point %d: magnitude %+.4f outside its interval [%+.4f, %+.4f]", c.Index, c.Magnitude, c.Lo, c.Hi)
		}
		if !(c.P > 0 && c.P < stats.DefaultChangeAlpha) {
			t.Errorf("point %d: p = %g, want in (0, %g)", c.Index, c.P, stats.DefaultChangeAlpha)
		}
	}
	if cps[0].Before.Start != 0 || cps[1].After.End != len(values) {
		t.Errorf("segments do not cover the series: %+v ... %+v", cps[0].Before, cps[1].After)
	}
}

// TestChangePointsShortSegments: five points a side give a median but no
// 95 % interval (benchmath needs six), so the change has no interval.
func TestChangePointsShortSegments(t *testing.T) {
	values := append(slices.Repeat([]float64{10, 11}, 3)[:5], 20, 21, 20, 21, 20)
	cps := stats.ChangePoints(values, stats.ChangeOptions{})
	if len(cps) != 1 || cps[0].Index != 5 {
		t.Fatalf("change points %v, want [5]", indices(cps))
	}
	c := cps[0]
	if c.Before.Median != 10 || c.After.Median != 20 || c.Magnitude != 1 {
		t.Errorf("medians %v → %v, magnitude %v; want 10 → 20, 1", c.Before.Median, c.After.Median, c.Magnitude)
	}
	if c.Before.Lo != 0 || c.Before.Hi != 0 || c.Lo != 0 || c.Hi != 0 {
		t.Errorf("five points gave intervals %+v, change [%v, %v]; want none", c.Before, c.Lo, c.Hi)
	}
}

func TestChangePointsOptions(t *testing.T) {
	// Steps 8 points apart: MinSegment 10 moves the first to leave ten
	// points between them.
	values := series(8, 60, steps([]int{20, 28}, []float64{1.5, 2}))
	tests := []struct {
		opt  stats.ChangeOptions
		want []int
	}{
		{stats.ChangeOptions{}, []int{20, 28}},
		{stats.ChangeOptions{MinSegment: 10}, []int{18, 28}},
		{stats.ChangeOptions{MinSegment: 3}, []int{20, 28}},
		{stats.ChangeOptions{MinSegment: 1}, []int{20, 28}},
		{stats.ChangeOptions{Alpha: 1e-300}, nil},
	}
	for _, tt := range tests {
		got := indices(stats.ChangePoints(values, tt.opt))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: change points %v, want %v", tt.opt, got, tt.want)
		}
	}
}

// TestChangePointsFalseAlarms runs 1,000 seeded A/A series of 300 points
// (±3 % noise): the target is at most one false alarm per 10,000 points.
func TestChangePointsFalseAlarms(t *testing.T) {
	const seriesCount, length = 1000, 300
	alarms := 0
	for seed := range uint64(seriesCount) {
		alarms += len(stats.ChangePoints(series(1000+seed, length, flat), stats.ChangeOptions{}))
	}
	perTenThousand := float64(alarms) / (seriesCount * length) * 1e4
	t.Logf("A/A: %d false alarms over %d points, %.2f per 10,000", alarms, seriesCount*length, perTenThousand)
	if perTenThousand > 1.2 {
		t.Errorf("%.2f false alarms per 10,000 points, want at most about 1", perTenThousand)
	}
}

// TestChangePointsRecall injects one step at point 150 of 300 (±3 %
// noise) and counts how often it is found within one point.
func TestChangePointsRecall(t *testing.T) {
	const seriesCount = 200
	tests := []struct {
		step, minRecall float64
	}{
		{0.03, 0}, // measured, not a target
		{0.05, 0.95},
		{0.10, 0.99},
	}
	for _, tt := range tests {
		found, others := 0, 0
		for seed := range uint64(seriesCount) {
			values := series(2000+seed, 300, steps([]int{150}, []float64{1 + tt.step}))
			hit := false
			for _, c := range stats.ChangePoints(values, stats.ChangeOptions{}) {
				if c.Index >= 149 && c.Index <= 151 && !hit {
					hit = true
					continue
				}
				others++
			}
			if hit {
				found++
			}
		}
		recall := float64(found) / seriesCount
		t.Logf("step of %.0f %%: recall %.3f within ±1 point, %d other change points in %d series", tt.step*100, recall, others, seriesCount)
		if recall < tt.minRecall {
			t.Errorf("step of %.0f %%: recall %.3f, want at least %.2f", tt.step*100, recall, tt.minRecall)
		}
	}
}

func BenchmarkChangePoints(b *testing.B) {
	benchmarks := []struct {
		name   string
		values []float64
	}{
		{"300/none", series(1, 300, flat)},
		{"300/one", series(2, 300, steps([]int{150}, []float64{1.05}))},
		{"300/three", series(3, 300, steps([]int{75, 150, 225}, []float64{1.1, 1, 1.1}))},
		{"10000/three", series(4, 10000, steps([]int{2500, 5000, 7500}, []float64{1.1, 1, 1.1}))},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				stats.ChangePoints(bm.values, stats.ChangeOptions{})
			}
		})
	}
}
