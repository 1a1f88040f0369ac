package stats

// A stand-in for the change-point detector, with its exact API, so that
// scripts/changeeval builds before the detector does; it is deleted when
// changepoint.go lands. It tries one split only (the largest Welch t) and
// tests it against a normal distribution: a pipeline check, not a method.

import (
	"math"
	"sort"
)

// Defaults of ChangeOptions.
const (
	DefaultChangeAlpha = 0.001
	DefaultMinSegment  = 5
)

// ChangeOptions tunes ChangePoints.
type ChangeOptions struct {
	Alpha      float64 // significance a candidate must reach; 0 means DefaultChangeAlpha (0.001)
	MinSegment int     // fewest points on each side of a change; 0 means DefaultMinSegment (5)
}

// A ChangePoint is a shift in a series' level: values[Index] is the first
// point of the new segment.
type ChangePoint struct {
	Index         int
	P             float64 // the candidate's p-value
	Before, After Segment // the segments either side, up to the neighbouring change points
	Magnitude     float64 // After.Median/Before.Median - 1
	Lo, Hi        float64 // its 95 % interval
}

// Segment is a run of points between change points.
type Segment struct {
	Start, End int // values[Start:End]
	Median     float64
	Lo, Hi     float64 // 95 % interval of the median; 0 where too few points
}

// ChangePoints finds at most one change point of values: the split with
// the largest Welch t, kept when its normal p-value is below alpha.
func ChangePoints(values []float64, opt ChangeOptions) []ChangePoint {
	alpha, minSeg := opt.Alpha, opt.MinSegment
	if alpha == 0 {
		alpha = DefaultChangeAlpha
	}
	if minSeg == 0 {
		minSeg = DefaultMinSegment
	}
	best, bestT := -1, 0.0
	for i := minSeg; i <= len(values)-minSeg; i++ {
		if t := welchT(values[:i], values[i:]); math.Abs(t) > math.Abs(bestT) {
			best, bestT = i, t
		}
	}
	if best < 0 {
		return nil
	}
	p := math.Erfc(math.Abs(bestT) / math.Sqrt2)
	if p >= alpha {
		return nil
	}
	before, after := stubSegment(values, 0, best), stubSegment(values, best, len(values))
	m := after.Median/before.Median - 1
	return []ChangePoint{{Index: best, P: p, Before: before, After: after, Magnitude: m, Lo: m, Hi: m}}
}

func welchT(a, b []float64) float64 {
	ma, va := meanVar(a)
	mb, vb := meanVar(b)
	se := math.Sqrt(va/float64(len(a)) + vb/float64(len(b)))
	if se == 0 {
		return 0
	}
	return (mb - ma) / se
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(max(1, len(x)-1))
}

func stubSegment(values []float64, start, end int) Segment {
	s := append([]float64(nil), values[start:end]...)
	sort.Float64s(s)
	return Segment{Start: start, End: end, Median: s[len(s)/2]}
}
