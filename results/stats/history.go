package stats

import (
	"sort"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/perf/benchmath"
)

// Run is one results file in a history.
type Run struct {
	Path    string    `json:"path"`
	Started time.Time `json:"started"`
	Label   string    `json:"label,omitempty"`
	Host    string    `json:"host,omitempty"` // its hostname
	Commit  string    `json:"commit,omitempty"`
	Kernel  string    `json:"kernel,omitempty"`
	// Incomplete says why the run stopped before its last case; the cases
	// it never reached have no point, so no step of theirs was tested.
	Incomplete string `json:"incomplete,omitempty"`
}

// Point is one case's metric in one run, compared with the same case in the
// run before it.
type Point struct {
	Run      int             `json:"run"` // index into History.Runs
	Value    SummaryInterval `json:"value"`
	DeltaPct float64         `json:"delta_pct,omitempty"`
	P        *float64        `json:"p,omitempty"`
	Verdict  string          `json:"verdict,omitempty"` // empty for a series' first point
	// Flags are the case's flags in this run (NOISY, OVERHEAD, ...).
	Flags []results.Flag `json:"flags,omitempty"`
	// Change is the change point that starts a new segment at this run,
	// in the series of the run's host and case (MarkChanges); nil where
	// none does.
	Change *HostChange `json:"change,omitempty"`
	// ChangeTested says that the change-point search of the series of the
	// run's host and case could have started a segment at this run: the
	// series has MinSegment runs either side of it.
	ChangeTested bool `json:"change_tested,omitempty"`
}

// Series is one case's points in time order.
type Series struct {
	Case   string  `json:"case"`
	Points []Point `json:"points"`
	// Segments are the runs between change points, one host at a time,
	// of the series that were searched (MarkChanges).
	Segments []HistorySegment `json:"segments,omitempty"`
}

// History is one metric of many runs in time order.
type History struct {
	Metric    string   `json:"metric"`
	Unit      string   `json:"unit"`
	Threshold float64  `json:"threshold"`
	Alpha     float64  `json:"alpha"`
	Runs      []Run    `json:"runs"`
	Series    []Series `json:"series"`
	// Differences lists the host and configuration keys that change the
	// figures and whose values differ between runs (one value per run);
	// commit and label, which a history exists to follow, are not listed.
	Differences []Difference `json:"differences,omitempty"`
	// MinSegment and ChangeAlpha are the change-point search's options;
	// 0 where MarkChanges was not called.
	MinSegment  int     `json:"min_segment,omitempty"`
	ChangeAlpha float64 `json:"change_alpha,omitempty"`
}

// Steps counts the points that were compared with the case's previous
// point: tested, and untested because a side had too few repetitions for
// the test to reach alpha. A history of one run has no step at all.
func (h *History) Steps() (tested, untested int) {
	for _, s := range h.Series {
		for _, p := range s.Points {
			switch p.Verdict {
			case "":
			case VerdictUntested:
				untested++
			default:
				tested++
			}
		}
	}
	return tested, untested
}

// IncompleteRuns lists the runs (numbered from 1) that stopped early.
func (h *History) IncompleteRuns() []int {
	var runs []int
	for i, r := range h.Runs {
		if r.Incomplete != "" {
			runs = append(runs, i+1)
		}
	}
	return runs
}

// Skewed names the differing keys, joined by ", "; empty when every run
// had a like host and configuration.
func (h *History) Skewed() string { return skewed(h.Differences) }

// BuildHistory orders files by start time and follows one metric of every
// ok case whose key contains one of match (all cases when match is empty,
// compared without spaces, so "pipe/pingpong/64B" works on a command line).
// Each point is tested against the case's previous point as Compare would,
// and flagged when the change is significant and beyond the threshold.
func BuildHistory(files []*results.File, paths []string, m Metric, match []string, threshold, alpha float64) *History {
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return files[idx[a]].StartedAt.Before(files[idx[b]].StartedAt) })
	h := &History{Metric: m.Name, Unit: m.Unit, Threshold: threshold, Alpha: alpha}
	series := map[string]*Series{}
	var order []string
	last := map[string]*results.File{} // the previous run holding each case
	opt := CompareOptions{Metrics: []Metric{m}, Threshold: threshold, Alpha: alpha, GateQueueLatency: true}
	for _, i := range idx {
		f := files[i]
		run := len(h.Runs)
		h.Runs = append(h.Runs, Run{Path: paths[i], Started: f.StartedAt, Label: f.Config.Label, Host: f.Host.Hostname, Commit: f.Host.Commit, Kernel: f.Host.Kernel, Incomplete: f.Incomplete})
		for _, c := range f.Cases {
			key := c.Key().String()
			if c.Status != results.StatusOK || !matches(key, match) || allZero(Samples(c, m)) {
				continue
			}
			s := series[key]
			if s == nil {
				s = &Series{Case: key}
				series[key] = s
				order = append(order, key)
			}
			pt := Point{Run: run, Flags: c.Flags}
			one := &results.File{Cases: []results.Case{c}}
			if prev := last[key]; prev != nil {
				cmp := Compare([]*results.File{prev}, []*results.File{one}, opt)
				if len(cmp.Deltas) == 1 {
					d := cmp.Deltas[0]
					pt.Value, pt.DeltaPct, pt.P, pt.Verdict = d.New, d.DeltaPct, d.P, d.Verdict
				}
			}
			if pt.Verdict == "" {
				pt.Value = summarizeValues(Samples(c, m))
			}
			s.Points = append(s.Points, pt)
			last[key] = one
		}
	}
	for _, k := range order {
		if len(series[k].Points) > 0 {
			h.Series = append(h.Series, *series[k])
		}
	}
	groups := make([][]*results.File, len(idx))
	for run, i := range idx {
		groups[run] = []*results.File{files[i]}
	}
	for _, d := range Differences(groups) {
		if d.Skews {
			h.Differences = append(h.Differences, d)
		}
	}
	return h
}

func matches(key string, match []string) bool {
	if len(match) == 0 {
		return true
	}
	k := strings.ReplaceAll(key, " ", "")
	for _, m := range match {
		if strings.Contains(k, strings.ReplaceAll(m, " ", "")) {
			return true
		}
	}
	return false
}

// Flagged counts points whose change from the previous run is a regression.
func (h *History) Flagged() (regressions, improvements int) {
	for _, s := range h.Series {
		for _, p := range s.Points {
			switch p.Verdict {
			case VerdictRegression:
				regressions++
			case VerdictImprovement:
				improvements++
			}
		}
	}
	return regressions, improvements
}

func summarizeValues(v []float64) SummaryInterval {
	return summarize(benchmath.NewSample(v, &benchmath.DefaultThresholds))
}
