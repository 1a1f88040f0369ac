package stats

// A stand-in for changepoint.go, written on another branch: the same
// types and signature, and a trivial search (the single best split, kept
// when the medians either side differ by more than 3 × the pooled MAD), so
// that changes and its attribution can be built and tested meanwhile.
// Delete this file when changepoint.go lands.

import (
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// DefaultChangeAlpha is ChangeOptions.Alpha's default.
const DefaultChangeAlpha = 0.001

// DefaultMinSegment is ChangeOptions.MinSegment's default.
const DefaultMinSegment = 5

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
	Lo, Hi     float64 // benchmath's 95 % interval of the median; 0 where too few points
}

// ChangePoints is the stand-in's search: the one split with the largest
// difference of means weighted by sqrt(n1·n2/n), kept where the difference
// of the segments' medians exceeds 3 × the pooled median absolute
// deviation.
func ChangePoints(values []float64, opt ChangeOptions) []ChangePoint {
	minSeg := opt.MinSegment
	if minSeg <= 0 {
		minSeg = DefaultMinSegment
	}
	best, bestScore := -1, 0.0
	for i := minSeg; i+minSeg <= len(values); i++ {
		n1, n2 := float64(i), float64(len(values)-i)
		score := math.Abs(stubMean(values[i:])-stubMean(values[:i])) * math.Sqrt(n1*n2/(n1+n2))
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil
	}
	before, after := stubSegment(values, 0, best), stubSegment(values, best, len(values))
	var dev []float64
	for _, s := range []Segment{before, after} {
		for _, v := range values[s.Start:s.End] {
			dev = append(dev, math.Abs(v-s.Median))
		}
	}
	if math.Abs(after.Median-before.Median) <= 3*stubMedian(dev) || before.Median == 0 {
		return nil
	}
	cp := ChangePoint{Index: best, P: 0, Before: before, After: after, Magnitude: after.Median/before.Median - 1}
	if before.Hi > 0 && after.Hi > 0 {
		cp.Lo, cp.Hi = after.Lo/before.Hi-1, after.Hi/before.Lo-1
	}
	return []ChangePoint{cp}
}

func stubSegment(values []float64, start, end int) Segment {
	s := Segment{Start: start, End: end, Median: stubMedian(values[start:end])}
	sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(slices.Clone(values[start:end]), &benchmath.DefaultThresholds), 0.95)
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		s.Lo, s.Hi = sum.Lo, sum.Hi
	}
	return s
}

func stubMean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

func stubMedian(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
