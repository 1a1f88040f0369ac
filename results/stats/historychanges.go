package stats

import (
	"github.com/ipcbench/ipcbench/results"
)

// Gates of history --fail-on-regression: which tests a regression must
// pass.
const (
	// GateAuto judges each run of a host's series of a case by its
	// change point where the search could have placed one there (the
	// series has MinSegment runs either side of it), and by its step test
	// elsewhere: in a series too short to search, and in the first and
	// last runs of a long one, where a change has too few runs on a side.
	GateAuto = "auto"
	// GateSteps gates on the step tests alone.
	GateSteps = "steps"
	// GateBoth gates on both: a regression either finds fails.
	GateBoth = "both"
)

// Gates lists the gates history accepts, the default first.
var Gates = []string{GateAuto, GateSteps, GateBoth}

// HistorySegment is a run of one host's points of a series between its
// change points: Runs indexes History.Runs from FirstRun to LastRun.
type HistorySegment struct {
	Host     string  `json:"host"`
	FirstRun int     `json:"first_run"`
	LastRun  int     `json:"last_run"`
	Median   float64 `json:"median"`
	Lo       float64 `json:"lo,omitempty"` // the median's 95 % interval; 0 where too few runs
	Hi       float64 `json:"hi,omitempty"`
}

// MarkChanges adds to h the change points FindChanges finds over the
// same runs (files, named by paths as BuildHistory had them), metric and
// cases, one series per host and case: each point that starts a new
// segment gets its Change, each point where the search could have started
// a segment (MinSegment runs of its series either side) is ChangeTested,
// and each Series gets its Segments.
func (h *History) MarkChanges(files []*results.File, paths []string, m Metric, match []string, opt ChangeOptions) {
	if opt.MinSegment <= 0 {
		opt.MinSegment = DefaultMinSegment
	}
	if opt.Alpha <= 0 {
		opt.Alpha = DefaultChangeAlpha
	}
	h.MinSegment, h.ChangeAlpha = opt.MinSegment, opt.Alpha
	series := ChangeSeriesOf(files, paths, m, match)
	found := FindChanges(series, opt, 0)
	runOf := make(map[string]int, len(h.Runs)) // a run's path to its index
	for i, r := range h.Runs {
		runOf[r.Path] = i
	}
	type at struct {
		host, key string
		run       int
	}
	points := map[at]*Point{}
	seriesOf := map[string]*Series{}
	for si := range h.Series {
		s := &h.Series[si]
		seriesOf[s.Case] = s
		for pi := range s.Points {
			p := &s.Points[pi]
			points[at{h.Runs[p.Run].Host, s.Case, p.Run}] = p
		}
	}
	starts := map[[2]string][]int{} // host and case to the indexes starting a segment
	for i := range found.Points {
		c := found.Points[i]
		starts[[2]string{c.Host, c.Case}] = append(starts[[2]string{c.Host, c.Case}], c.Index)
		if run, ok := runOf[c.RunID]; ok && points[at{c.Host, c.Case, run}] != nil {
			points[at{c.Host, c.Case, run}].Change = &c
		}
	}
	for _, cs := range series {
		s := seriesOf[cs.Case]
		if s == nil || len(cs.Runs) < 2*opt.MinSegment {
			continue
		}
		for _, r := range cs.Runs[opt.MinSegment : len(cs.Runs)-opt.MinSegment+1] {
			if p := points[at{cs.Host, cs.Case, runOf[r.ID]}]; p != nil {
				p.ChangeTested = true
			}
		}
		s.Segments = append(s.Segments, historySegments(cs, starts[[2]string{cs.Host, cs.Case}], runOf)...)
	}
}

// historySegments summarises the segments of cs between the change
// points that start at the indexes in starts (sorted).
func historySegments(cs ChangeSeries, starts []int, runOf map[string]int) []HistorySegment {
	values := make([]float64, len(cs.Runs))
	for i, r := range cs.Runs {
		values[i] = r.Value
	}
	bounds := append(append([]int{0}, starts...), len(values))
	out := make([]HistorySegment, 0, len(bounds)-1)
	scratch := make([]float64, 0, len(values))
	for i := 0; i+1 < len(bounds); i++ {
		seg := summarizeSegment(values, bounds[i], bounds[i+1], scratch)
		out = append(out, HistorySegment{Host: cs.Host, FirstRun: runOf[cs.Runs[seg.Start].ID], LastRun: runOf[cs.Runs[seg.End-1].ID],
			Median: seg.Median, Lo: seg.Lo, Hi: seg.Hi})
	}
	return out
}

// Gated counts what history --fail-on-regression judges under gate: the
// regressions (a point counts once, whether its step test, its change
// point or both found it) and the steps the gate tests by step test,
// tested and untested. Under GateAuto a ChangeTested point is judged by
// its change point alone, any other by its step test.
func (h *History) Gated(gate string) (regressions, tested, untested int) {
	for _, s := range h.Series {
		for _, p := range s.Points {
			byChange := gate == GateBoth || gate == GateAuto && p.ChangeTested
			bySteps := gate != GateAuto || !p.ChangeTested
			changeReg := byChange && p.Change != nil && p.Change.Direction == VerdictRegression
			stepReg := bySteps && p.Verdict == VerdictRegression
			if changeReg || stepReg {
				regressions++
			}
			if !bySteps {
				continue
			}
			switch p.Verdict {
			case "":
			case VerdictUntested:
				untested++
			default:
				tested++
			}
		}
	}
	return regressions, tested, untested
}

// ChangeRegressions counts the change points that are regressions.
func (h *History) ChangeRegressions() (regressions, improvements int) {
	for _, s := range h.Series {
		for _, p := range s.Points {
			switch {
			case p.Change == nil:
			case p.Change.Direction == VerdictRegression:
				regressions++
			default:
				improvements++
			}
		}
	}
	return regressions, improvements
}

// ChangeSearched counts the ChangeTested points; 0 where MarkChanges was
// not called or no series had the runs.
func (h *History) ChangeSearched() (points int) {
	for _, s := range h.Series {
		for _, p := range s.Points {
			if p.ChangeTested {
				points++
			}
		}
	}
	return points
}
