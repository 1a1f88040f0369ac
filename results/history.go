package results

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"golang.org/x/perf/benchmath"
)

// Run is one results file in a history.
type Run struct {
	Path    string    `json:"path"`
	Started time.Time `json:"started"`
	Label   string    `json:"label,omitempty"`
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
}

// Series is one case's points in time order.
type Series struct {
	Case   string  `json:"case"`
	Points []Point `json:"points"`
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
func BuildHistory(files []*File, paths []string, m Metric, match []string, threshold, alpha float64) *History {
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return files[idx[a]].StartedAt.Before(files[idx[b]].StartedAt) })
	h := &History{Metric: m.Name, Unit: m.Unit, Threshold: threshold, Alpha: alpha}
	series := map[string]*Series{}
	var order []string
	last := map[string]*File{} // the previous run holding each case
	opt := CompareOptions{Metrics: []Metric{m}, Threshold: threshold, Alpha: alpha}
	for _, i := range idx {
		f := files[i]
		run := len(h.Runs)
		h.Runs = append(h.Runs, Run{Path: paths[i], Started: f.StartedAt, Label: f.Config.Label, Commit: f.Host.Commit, Kernel: f.Host.Kernel, Incomplete: f.Incomplete})
		for _, c := range f.Cases {
			key := CaseKey(c)
			if c.Status != StatusOK || !matches(key, match) || allZero(c.Samples(m)) {
				continue
			}
			s := series[key]
			if s == nil {
				s = &Series{Case: key}
				series[key] = s
				order = append(order, key)
			}
			pt := Point{Run: run}
			one := &File{Cases: []Case{c}}
			if prev := last[key]; prev != nil {
				cmp := Compare([]*File{prev}, []*File{one}, opt)
				if len(cmp.Deltas) == 1 {
					d := cmp.Deltas[0]
					pt.Value, pt.DeltaPct, pt.P, pt.Verdict = d.New, d.DeltaPct, d.P, d.Verdict
				}
			}
			if pt.Verdict == "" {
				pt.Value = summarizeValues(c.Samples(m))
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
	groups := make([][]*File, len(idx))
	for run, i := range idx {
		groups[run] = []*File{files[i]}
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

// WriteHistory renders h as a table (one block per case, one row per run),
// markdown or json.
func WriteHistory(w io.Writer, format string, h *History) error {
	switch format {
	case "json":
		return writeJSON(w, h)
	case "table", "markdown":
	default:
		return fmt.Errorf("unknown format %q; want one of %s", format, strings.Join(CompareFormats, ", "))
	}
	m, _ := MetricByName(h.Metric)
	var b strings.Builder
	if format == "table" {
		b.WriteString(historyDifferenceText(h.Differences))
	} else {
		b.WriteString(strings.ReplaceAll(historyDifferenceText(h.Differences), "\n  ", "\n- "))
	}
	for _, s := range h.Series {
		var values []float64
		for _, p := range s.Points {
			values = append(values, p.Value.Median)
		}
		vf := newValueFormat(m, values)
		fmt.Fprintf(&b, "%s, %s (%s)\n", s.Case, h.Metric, vf.unit)
		if format == "markdown" {
			b.WriteString("\n")
		}
		rows := [][]string{{"run", "started", "label", "ipcbench", h.Metric, "change", "p", "flag"}}
		for _, p := range s.Points {
			r := h.Runs[p.Run]
			row := []string{fmt.Sprint(p.Run + 1), r.Started.UTC().Format("2006-01-02 15:04"), orDash(r.Label), orDash(r.Commit), vf.summary(p.Value)}
			if p.Verdict == "" {
				row = append(row, "", "", "")
			} else {
				flag := ""
				switch p.Verdict {
				case VerdictRegression:
					flag = "▲ regression"
				case VerdictImprovement:
					flag = "▼ improvement"
				case VerdictUntested:
					flag = "untested"
				}
				row = append(row, formatDelta(Delta{DeltaPct: p.DeltaPct, Verdict: p.Verdict}), pValue(p.P), flag)
			}
			rows = append(rows, row)
		}
		if format == "markdown" {
			b.WriteString("| " + strings.Join(rows[0], " | ") + " |\n|--:|---|---|---|--:|--:|--:|---|\n")
			for _, r := range rows[1:] {
				b.WriteString("| " + strings.Join(r, " | ") + " |\n")
			}
		} else {
			rows[0] = upper(rows[0])
			writeAligned(&b, rows, 4, len(rows[0])-1)
		}
		b.WriteString("\n")
	}
	reg, imp := h.Flagged()
	fmt.Fprintf(&b, "%d runs, %d cases. Each run is tested against the previous run of the same case (Mann-Whitney U, alpha %g); flagged when significant and beyond %g%%: %d regressions, %d improvements.\n",
		len(h.Runs), len(h.Series), h.Alpha, h.Threshold*100, reg, imp)
	if line := h.untestedLine(); line != "" {
		b.WriteString(line + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// untestedLine says what the history could not test, or "" when it
// tested every step.
func (h *History) untestedLine() string {
	tested, untested := h.Steps()
	switch {
	case len(h.IncompleteRuns()) > 0:
		return fmt.Sprintf("Untested: %s stopped early (%s): the cases not reached there were not tested.", runList(h.IncompleteRuns()), h.Runs[h.IncompleteRuns()[0]-1].Incomplete)
	case len(h.Runs) == 1:
		return "Untested: 1 run: no step to test; history needs at least two runs."
	case tested+untested == 0:
		return fmt.Sprintf("Untested: no case appears in two of the %d runs: no step to test.", len(h.Runs))
	case untested > 0:
		return fmt.Sprintf("Untested: %d of %d steps had too few repetitions for the test to reach alpha %g: run with --repeat 6.", untested, tested+untested, h.Alpha)
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pValue(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *p)
}

func summarizeValues(v []float64) SummaryInterval {
	return summarize(benchmath.NewSample(v, &benchmath.DefaultThresholds))
}
