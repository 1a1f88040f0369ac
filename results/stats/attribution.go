package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// Kinds of change: what a change is attributed to.
const (
	ChangeCode = "code" // seen on most hosts that ran the case, across one commit range
	ChangeHost = "host" // seen on too few hosts to be the code's
)

// ChangeSeries is one host's figure of one case and metric, run by run in
// time order: what ChangePoints searches.
type ChangeSeries struct {
	Host, Case, Metric string
	HigherBetter       bool
	Runs               []SeriesRun
}

// SeriesRun is one run's point in a ChangeSeries.
type SeriesRun struct {
	ID      string // the results file's path, or the store's run:N
	Started time.Time
	Commit  string
	Value   float64
	// File holds the run's host and configuration, for what differs on
	// either side of a change; nil where not known.
	File *results.File
	// Interference is what the host did to the case's workers in this
	// run; nil where not recorded.
	Interference *results.Interference
}

// Changes is the change points of many series, grouped across hosts.
type Changes struct {
	Metric         string        `json:"metric"`
	Groups         []ChangeGroup `json:"groups"`
	Points         []HostChange  `json:"points"`
	Series         int           `json:"series"`
	UntestedSeries int           `json:"untested_series"` // too few runs: fewer than 2 × MinSegment
	MinSegment     int           `json:"min_segment"`
	Alpha          float64       `json:"alpha"`
	MinMagnitude   float64       `json:"min_magnitude"`
}

// ChangeGroup is the change points of one case and metric, in one
// direction, whose commit ranges overlap: one change, seen on Hosts.
type ChangeGroup struct {
	Kind       string   `json:"kind"` // ChangeCode or ChangeHost
	CommitFrom string   `json:"commit_from"`
	CommitTo   string   `json:"commit_to"`
	Case       string   `json:"case"`
	Metric     string   `json:"metric"`
	Hosts      []string `json:"hosts"`
	// HostsRan counts the hosts whose tested series spans the range: the
	// hosts that could have shown the change.
	HostsRan  int     `json:"hosts_ran"`
	Direction string  `json:"direction"` // VerdictRegression or VerdictImprovement
	Magnitude float64 `json:"magnitude"` // the median of its points' magnitudes
	// Points are its points that passed the filter, as indexes into
	// Changes.Points.
	Points []int `json:"points"`
}

// HostChange is one change point of one host's series.
type HostChange struct {
	Host       string    `json:"host"`
	Case       string    `json:"case"`
	Metric     string    `json:"metric"`
	Index      int       `json:"index"` // the first run after the change, in the series
	RunStarted time.Time `json:"run_started"`
	RunID      string    `json:"run_id"`
	CommitFrom string    `json:"commit_from"` // the commit of the last run before the change
	CommitTo   string    `json:"commit_to"`   // the commit of the first run after it
	Magnitude  float64   `json:"magnitude"`
	Lo         float64   `json:"lo"`
	Hi         float64   `json:"hi"`
	P          float64   `json:"p"`
	Direction  string    `json:"direction"`
	Kind       string    `json:"kind"`
	// HostDifferences says what differs between the host and
	// configuration of the runs either side, "kernel 6.1 → 6.2", and the
	// interference figures that moved a lot between the segments.
	HostDifferences []string `json:"host_differences,omitempty"`

	from, to float64 // the commit range as positions: (from, to]
	group    int     // its group in groupChanges' order
}

// Regressions counts the points that are regressions.
func (c *Changes) Regressions() int {
	n := 0
	for _, p := range c.Points {
		if p.Direction == VerdictRegression {
			n++
		}
	}
	return n
}

// ChangeSeriesOf builds the series of metric m from files (ids name them):
// one per host and ok case whose key matches (as history's --case), each
// run's value the case's figure (its median over the rounds), in order of
// the runs' start times.
func ChangeSeriesOf(files []*results.File, ids []string, m Metric, match []string) []ChangeSeries {
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return files[idx[a]].StartedAt.Before(files[idx[b]].StartedAt) })
	series := map[[2]string]*ChangeSeries{}
	var order [][2]string
	for _, i := range idx {
		f := files[i]
		for _, c := range f.Cases {
			key := c.Key().String()
			v := m.Of(results.RepetitionOf(c))
			if c.Status != results.StatusOK || !matches(key, match) || v == 0 || math.IsNaN(v) {
				continue
			}
			k := [2]string{f.Host.Hostname, key}
			s := series[k]
			if s == nil {
				s = &ChangeSeries{Host: f.Host.Hostname, Case: key, Metric: m.Name, HigherBetter: m.HigherBetter}
				series[k] = s
				order = append(order, k)
			}
			s.Runs = append(s.Runs, SeriesRun{ID: ids[i], Started: f.StartedAt, Commit: f.Host.Commit, Value: v, File: f, Interference: c.Interference})
		}
	}
	out := make([]ChangeSeries, len(order))
	for i, k := range order {
		out[i] = *series[k]
	}
	return out
}

// FindChanges runs ChangePoints over every series long enough to test
// (2 × MinSegment runs), attributes each change point to the code or the
// host (groupChanges), and keeps the groups whose magnitude is at least
// minMagnitude, with their points: a change is one group, and a code
// change is as large as it is on its typical host.
func FindChanges(series []ChangeSeries, opt ChangeOptions, minMagnitude float64) *Changes {
	metric := ""
	if len(series) > 0 {
		metric = series[0].Metric
	}
	if opt.MinSegment <= 0 {
		opt.MinSegment = DefaultMinSegment
	}
	if opt.Alpha <= 0 {
		opt.Alpha = DefaultChangeAlpha
	}
	c := &Changes{Metric: metric, Groups: []ChangeGroup{}, Points: []HostChange{}, Series: len(series), MinSegment: opt.MinSegment, Alpha: opt.Alpha, MinMagnitude: minMagnitude}
	pos := commitPositions(series)
	var tested []ChangeSeries
	var points []HostChange
	for _, s := range series {
		if len(s.Runs) < 2*opt.MinSegment {
			c.UntestedSeries++
			continue
		}
		tested = append(tested, s)
		values := make([]float64, len(s.Runs))
		for i, r := range s.Runs {
			values[i] = r.Value
		}
		for _, cp := range ChangePoints(values, opt) {
			points = append(points, hostChange(s, cp, pos))
		}
	}
	groups, of := groupChanges(points, tested, pos)
	for i := range points {
		points[i].Kind, points[i].group = groups[of[i]].Kind, of[i]
		if math.Abs(groups[of[i]].Magnitude) >= minMagnitude {
			c.Points = append(c.Points, points[i])
		}
	}
	slices.SortStableFunc(c.Points, func(a, b HostChange) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), a.RunStarted.Compare(b.RunStarted), cmp.Compare(a.Case, b.Case))
	})
	kept := map[int]int{} // groups' indexes, old to new
	for i, g := range groups {
		if math.Abs(g.Magnitude) >= minMagnitude {
			kept[i] = len(c.Groups)
			c.Groups = append(c.Groups, g)
		}
	}
	for i, p := range c.Points {
		g := &c.Groups[kept[p.group]]
		g.Points = append(g.Points, i)
	}
	return c
}

// commitPositions places each commit at the start of the first run of
// it, in seconds: without the repository's graph, the order in which the
// fleet first ran the commits is their order.
func commitPositions(series []ChangeSeries) map[string]float64 {
	pos := map[string]float64{}
	for _, s := range series {
		for _, r := range s.Runs {
			t := seconds(r.Started)
			if p, ok := pos[r.Commit]; r.Commit != "" && (!ok || t < p) {
				pos[r.Commit] = t
			}
		}
	}
	return pos
}

// position is a run's place in commit order: its commit's, or where it
// has none, its own start.
func position(r SeriesRun, pos map[string]float64) float64 {
	if p, ok := pos[r.Commit]; ok && r.Commit != "" {
		return p
	}
	return seconds(r.Started)
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// hostChange describes change point cp of series s.
func hostChange(s ChangeSeries, cp ChangePoint, pos map[string]float64) HostChange {
	before, after := s.Runs[cp.Index-1], s.Runs[cp.Index]
	dir := VerdictImprovement
	if cp.Magnitude > 0 != s.HigherBetter {
		dir = VerdictRegression
	}
	return HostChange{
		Host: s.Host, Case: s.Case, Metric: s.Metric, Index: cp.Index,
		RunStarted: after.Started, RunID: after.ID, CommitFrom: before.Commit, CommitTo: after.Commit,
		Magnitude: cp.Magnitude, Lo: cp.Lo, Hi: cp.Hi, P: cp.P, Direction: dir,
		HostDifferences: hostDifferences(before, after, s.Runs[cp.Before.Start:cp.Before.End], s.Runs[cp.After.Start:cp.After.End]),
		from:            position(before, pos), to: position(after, pos),
	}
}

// groupChanges groups the points of one case, metric and direction whose
// commit ranges share a commit (a range (from, to] is empty where both
// runs had one commit), one point per host in a group. A group is code
// when its range is not empty and it holds more than half of the hosts
// whose tested series span the range; host otherwise. It returns the
// groups in range order, and each point's group.
func groupChanges(points []HostChange, tested []ChangeSeries, pos map[string]float64) ([]ChangeGroup, []int) {
	order := make([]int, len(points))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(points[a].to, points[b].to), cmp.Compare(points[a].from, points[b].from))
	})
	type cluster struct {
		from, to float64 // the intersection of the members' ranges
		members  []int
	}
	var clusters []*cluster
	of := make([]int, len(points))
	for _, i := range order {
		p := points[i]
		joined := false
		for ci, c := range clusters {
			q := points[c.members[0]]
			if q.Case != p.Case || q.Metric != p.Metric || q.Direction != p.Direction ||
				!(p.from < c.to && c.from < p.to) || slices.ContainsFunc(c.members, func(m int) bool { return points[m].Host == p.Host }) {
				continue
			}
			c.from, c.to = max(c.from, p.from), min(c.to, p.to)
			c.members, of[i], joined = append(c.members, i), ci, true
			break
		}
		if !joined {
			of[i] = len(clusters)
			clusters = append(clusters, &cluster{from: p.from, to: p.to, members: []int{i}})
		}
	}
	groups := make([]ChangeGroup, len(clusters))
	for ci, c := range clusters {
		groups[ci] = clusterGroup(points, c.members, hostsSpanning(tested, points[c.members[0]], c.from, c.to, pos))
	}
	return groups, of
}

// clusterGroup summarizes one cluster of points, seen on hostsRan hosts.
func clusterGroup(points []HostChange, members []int, hostsRan int) ChangeGroup {
	first := points[members[0]]
	g := ChangeGroup{Case: first.Case, Metric: first.Metric, Direction: first.Direction, HostsRan: hostsRan, Kind: ChangeHost}
	latestFrom, earliestTo := first, first
	var mags []float64
	for _, m := range members {
		p := points[m]
		g.Hosts = append(g.Hosts, p.Host)
		mags = append(mags, p.Magnitude)
		if p.from > latestFrom.from {
			latestFrom = p
		}
		if p.to < earliestTo.to {
			earliestTo = p
		}
	}
	slices.Sort(g.Hosts)
	g.CommitFrom, g.CommitTo = latestFrom.CommitFrom, earliestTo.CommitTo
	g.Magnitude = summarizeValues(mags).Median
	if latestFrom.from < earliestTo.to && 2*len(members) > hostsRan {
		g.Kind = ChangeCode
	}
	return g
}

// hostsSpanning counts the hosts with a tested series of p's case and
// metric that has runs at or before from and at or after to.
func hostsSpanning(tested []ChangeSeries, p HostChange, from, to float64, pos map[string]float64) int {
	hosts := map[string]bool{}
	for _, s := range tested {
		if s.Case != p.Case || s.Metric != p.Metric {
			continue
		}
		if position(s.Runs[0], pos) <= from && position(s.Runs[len(s.Runs)-1], pos) >= to {
			hosts[s.Host] = true
		}
	}
	return max(len(hosts), 1)
}

// Interference figures that moved "a lot" between the segments either
// side of a change: a share up or down by at least shareMoved (of the
// window) and by a factor of two, migrations by a factor of
// migrationsFactor and at least migrationsMoved.
const (
	shareMoved       = 0.05
	migrationsFactor = 4
	migrationsMoved  = 100
)

// hostDifferences lists what differs between the host and configuration
// of the runs either side of a change (kernel, CPU, THP, governor,
// clock source, placement, pinned CPUs, ...), "kernel 6.1 → 6.2", then
// the interference figures whose medians moved a lot between the
// segments.
func hostDifferences(before, after SeriesRun, beforeSeg, afterSeg []SeriesRun) []string {
	var out []string
	if before.File != nil && after.File != nil {
		for _, d := range Differences([][]*results.File{{before.File}, {after.File}}) {
			if d.Skews && d.Key != "hostname" {
				out = append(out, d.Key+" "+d.Values[0]+" → "+d.Values[1])
			}
		}
		for _, k := range []struct {
			name string
			of   func(*results.File) string
		}{{"thp", func(f *results.File) string { return f.Host.THP }}, {"governor", governor}} {
			if a, b := k.of(before.File), k.of(after.File); a != b {
				out = append(out, k.name+" "+orDashValue(a)+" → "+orDashValue(b))
			}
		}
	}
	return append(out, interferenceMoves(beforeSeg, afterSeg)...)
}

// governor is the CPU frequency governor doctor found before the run.
func governor(f *results.File) string {
	for _, fd := range f.Host.Findings {
		if fd.Topic == "cpu" && fd.Name == "frequency governor" {
			return fd.Value
		}
	}
	return ""
}

func orDashValue(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// interferenceMoves names the interference figures whose medians over
// the runs of each segment moved a lot.
func interferenceMoves(beforeSeg, afterSeg []SeriesRun) []string {
	var out []string
	for _, k := range []struct {
		name string
		of   func(*results.Interference) (float64, bool)
	}{
		{"steal", func(i *results.Interference) (float64, bool) { return deref(i.StealShare) }},
		{"run-queue wait", func(i *results.Interference) (float64, bool) { return deref(i.RunQueueShare) }},
	} {
		a, okA := interferenceMedian(beforeSeg, k.of)
		b, okB := interferenceMedian(afterSeg, k.of)
		if okA && okB && math.Abs(b-a) >= shareMoved && (b >= 2*a || a >= 2*b) {
			out = append(out, fmt.Sprintf("%s %.0f%% → %.0f%%", k.name, 100*a, 100*b))
		}
	}
	migrations := func(i *results.Interference) (float64, bool) {
		if i.Migrations == nil {
			return 0, false
		}
		return float64(*i.Migrations), true
	}
	a, okA := interferenceMedian(beforeSeg, migrations)
	b, okB := interferenceMedian(afterSeg, migrations)
	if okA && okB && math.Abs(b-a) >= migrationsMoved && (b >= migrationsFactor*a || a >= migrationsFactor*b) {
		out = append(out, fmt.Sprintf("migrations %.0f → %.0f", a, b))
	}
	return out
}

func deref(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// interferenceMedian is the median of one interference figure over the
// runs that recorded it; false where none did.
func interferenceMedian(runs []SeriesRun, of func(*results.Interference) (float64, bool)) (float64, bool) {
	var v []float64
	for _, r := range runs {
		if r.Interference == nil {
			continue
		}
		if x, ok := of(r.Interference); ok {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, false
	}
	return summarizeValues(v).Median, true
}
