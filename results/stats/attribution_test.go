package stats

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// night0 is the first night of the hand-made fleets.
var night0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

// fleetSeries is one host's nightly p50 of one case: nights runs, night n
// on commit cNN, ±3 % noise around 100 µs, multiplied by step from night
// stepAt on (no step where stepAt < 0), with the kernel changing from
// 6.1 to 6.2 at night kernelAt (never where kernelAt < 0).
func fleetSeries(host string, seed uint64, nights, stepAt int, step float64, kernelAt int) ChangeSeries {
	s := ChangeSeries{Host: host, Case: "pipe/pingpong/64 B", Metric: "p50"}
	values := resultstest.Noisy(seed, nights, 100e3, 0.03)
	for n := range nights {
		v := values[n]
		if stepAt >= 0 && n >= stepAt {
			v *= step
		}
		kernel := "6.1"
		if kernelAt >= 0 && n >= kernelAt {
			kernel = "6.2"
		}
		started := night0.Add(time.Duration(n)*24*time.Hour + time.Duration(seed)*time.Minute)
		commit := fmt.Sprintf("c%02d", n)
		f := &results.File{StartedAt: started, Host: results.Host{Hostname: host, Kernel: kernel, Commit: commit}}
		s.Runs = append(s.Runs, SeriesRun{ID: fmt.Sprintf("%s-%02d.json", host, n), Started: started, Commit: commit, Value: v, File: f})
	}
	return s
}

func TestFindChangesAttribution(t *testing.T) {
	for _, tc := range []struct {
		name   string
		series []ChangeSeries
		want   []ChangeGroup // Kind, CommitFrom, CommitTo, Hosts, HostsRan, Direction
		diffs  map[string][]string
	}{
		{
			name: "code change on 3 of 3 hosts",
			series: []ChangeSeries{
				fleetSeries("h1", 1, 30, 15, 1.2, -1),
				fleetSeries("h2", 2, 30, 15, 1.2, -1),
				fleetSeries("h3", 3, 30, 15, 1.2, -1),
			},
			want: []ChangeGroup{{Kind: ChangeCode, CommitFrom: "c14", CommitTo: "c15", Hosts: []string{"h1", "h2", "h3"}, HostsRan: 3, Direction: VerdictRegression}},
		},
		{
			name: "host change on 1 of 3 hosts",
			series: []ChangeSeries{
				fleetSeries("h1", 1, 30, -1, 1, -1),
				fleetSeries("h2", 2, 30, 12, 1.2, 12),
				fleetSeries("h3", 3, 30, -1, 1, -1),
			},
			want:  []ChangeGroup{{Kind: ChangeHost, CommitFrom: "c11", CommitTo: "c12", Hosts: []string{"h2"}, HostsRan: 3, Direction: VerdictRegression}},
			diffs: map[string][]string{"h2": {"kernel 6.1 → 6.2"}},
		},
		{
			name: "improvement on 2 of 3 hosts is code",
			series: []ChangeSeries{
				fleetSeries("h1", 1, 30, 20, 0.8, -1),
				fleetSeries("h2", 2, 30, 20, 0.8, -1),
				fleetSeries("h3", 3, 30, -1, 1, -1),
			},
			want: []ChangeGroup{{Kind: ChangeCode, CommitFrom: "c19", CommitTo: "c20", Hosts: []string{"h1", "h2"}, HostsRan: 3, Direction: VerdictImprovement}},
		},
		{name: "no change", series: []ChangeSeries{fleetSeries("h1", 1, 30, -1, 1, -1), fleetSeries("h2", 2, 30, -1, 1, -1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := FindChanges(tc.series, ChangeOptions{}, 0)
			if len(c.Groups) != len(tc.want) {
				t.Fatalf("groups %+v, want %d", c.Groups, len(tc.want))
			}
			for i, w := range tc.want {
				g := c.Groups[i]
				if g.Kind != w.Kind || g.CommitFrom != w.CommitFrom || g.CommitTo != w.CommitTo || !slices.Equal(g.Hosts, w.Hosts) ||
					g.HostsRan != w.HostsRan || g.Direction != w.Direction || g.Case != "pipe/pingpong/64 B" || g.Metric != "p50" {
					t.Errorf("group %d: %+v, want %+v", i, g, w)
				}
			}
			if len(c.Points) != countHosts(tc.want) {
				t.Errorf("points %+v, want one per host of the groups", c.Points)
			}
			for _, p := range c.Points {
				if p.Kind != tc.want[0].Kind || p.Magnitude == 0 {
					t.Errorf("point %+v: want kind %s and a magnitude", p, tc.want[0].Kind)
				}
				if want := tc.diffs[p.Host]; !slices.Equal(p.HostDifferences, want) {
					t.Errorf("point on %s: host differences %q, want %q", p.Host, p.HostDifferences, want)
				}
				if !strings.HasPrefix(p.RunID, p.Host+"-") || p.RunStarted.IsZero() {
					t.Errorf("point %+v: want the first run after the change", p)
				}
			}
			if c.Series != len(tc.series) || c.UntestedSeries != 0 {
				t.Errorf("series %d, untested %d; want %d, 0", c.Series, c.UntestedSeries, len(tc.series))
			}
		})
	}
}

func countHosts(gs []ChangeGroup) int {
	n := 0
	for _, g := range gs {
		n += len(g.Hosts)
	}
	return n
}

// TestFindChangesFilterAndUntested: --min-magnitude drops the groups below
// it and their points; a series shorter than 2 × MinSegment is counted as
// untested and never searched.
func TestFindChangesFilterAndUntested(t *testing.T) {
	step := []ChangeSeries{fleetSeries("h1", 1, 30, 15, 1.2, -1), fleetSeries("h2", 2, 9, -1, 1, -1)}
	for _, tc := range []struct {
		minMagnitude      float64
		points, untested  int
		regressions, grps int
	}{
		{0, 1, 1, 1, 1},
		{0.1, 1, 1, 1, 1},
		{0.5, 0, 1, 0, 0},
	} {
		c := FindChanges(step, ChangeOptions{}, tc.minMagnitude)
		if len(c.Points) != tc.points || c.UntestedSeries != tc.untested || c.Regressions() != tc.regressions || len(c.Groups) != tc.grps {
			t.Errorf("min magnitude %g: %d points, %d untested, %d regressions, %d groups; want %d, %d, %d, %d",
				tc.minMagnitude, len(c.Points), c.UntestedSeries, c.Regressions(), len(c.Groups), tc.points, tc.untested, tc.regressions, tc.grps)
		}
	}
}

// TestHostChangeSameCommit: a change between two runs of one commit
// cannot be the code's, even on the only host.
func TestHostChangeSameCommit(t *testing.T) {
	s := fleetSeries("h1", 1, 30, 15, 1.2, 15)
	for i := range s.Runs {
		s.Runs[i].Commit = "same"
		s.Runs[i].File.Host.Commit = "same"
	}
	c := FindChanges([]ChangeSeries{s}, ChangeOptions{}, 0)
	if len(c.Groups) != 1 || c.Groups[0].Kind != ChangeHost || c.Groups[0].CommitFrom != "same" {
		t.Fatalf("groups %+v: want one host change at commit same", c.Groups)
	}
}

// TestInterferenceMoves: the steal share that rose from 0 % to 20 % across
// the change is named; a migration count that barely moved is not.
func TestInterferenceMoves(t *testing.T) {
	run := func(steal float64, migrations int64) SeriesRun {
		return SeriesRun{Interference: &results.Interference{StealShare: &steal, Migrations: &migrations}}
	}
	before := []SeriesRun{run(0, 10), run(0.01, 12), run(0, 11)}
	after := []SeriesRun{run(0.2, 12), run(0.21, 13), run(0.19, 11)}
	got := interferenceMoves(before, after)
	if want := []string{"steal 0% → 20%"}; !slices.Equal(got, want) {
		t.Errorf("interferenceMoves: %q, want %q", got, want)
	}
}

// TestChangeSeriesOf: one series per host and case, in start order, each
// value the case's figure.
func TestChangeSeriesOf(t *testing.T) {
	var files []*results.File
	var ids []string
	for n := 3; n >= 0; n-- { // newest first: the series must sort them
		for _, host := range []string{"a", "b"} {
			f := resultstest.File(night0.Add(time.Duration(n)*24*time.Hour), fmt.Sprintf("c%d", n),
				resultstest.Case("pipe", 64, 1000, 1000*float64(n+1), 1000*float64(n+1)),
				resultstest.Case("unix-stream", 64, 2000, 2000, 2000))
			f.Host.Hostname = host
			files, ids = append(files, f), append(ids, fmt.Sprintf("%s%d.json", host, n))
		}
	}
	m, _ := MetricByName("p50")
	got := ChangeSeriesOf(files, ids, m, []string{"pipe/pingpong"})
	if len(got) != 2 {
		t.Fatalf("%d series, want 2 (pipe on a and b): %+v", len(got), got)
	}
	for _, s := range got {
		if s.Case != "pipe/pingpong/64 B" || len(s.Runs) != 4 {
			t.Fatalf("series %s %s: %d runs", s.Host, s.Case, len(s.Runs))
		}
		for n, r := range s.Runs {
			if want := 1000 * float64(n+1); r.Value != want || r.Commit != fmt.Sprintf("c%d", n) || r.ID != fmt.Sprintf("%s%d.json", s.Host, n) {
				t.Errorf("%s run %d: %+v, want value %g", s.Host, n, r, want)
			}
		}
	}
}
