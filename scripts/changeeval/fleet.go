package main

import (
	"sort"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/scripts/internal/truth"
)

// hostRuns is one host's runs in time order, and its series.
type hostRuns struct {
	Host    string
	Paths   []string
	Files   []*results.File
	Nights  []int    // each run's night
	Commits []string // each run's commit
	Series  []series
}

// series is one case's figure on one host, a point per run holding it.
type series struct {
	Case   string
	Values []float64
	Runs   []int // each point's index into hostRuns.Files
}

// fleetRuns is every host's runs.
type fleetRuns struct {
	hosts []*hostRuns
}

// A method finds a host's change points, as detections.
type method struct {
	Name   string
	Detect func(*hostRuns) []Detection
}

// buildFleet groups the files by host, orders each host's by start time and
// builds each case's series of the case's own figure fig.
func buildFleet(t *truth.Fleet, paths []string, files []*results.File, fig func(results.Latency) float64) *fleetRuns {
	by := map[string]*hostRuns{}
	fl := &fleetRuns{}
	for i, f := range files {
		h := by[f.Host.Hostname]
		if h == nil {
			h = &hostRuns{Host: f.Host.Hostname}
			by[h.Host] = h
			fl.hosts = append(fl.hosts, h)
		}
		h.Paths, h.Files = append(h.Paths, paths[i]), append(h.Files, f)
	}
	sort.Slice(fl.hosts, func(a, b int) bool { return fl.hosts[a].Host < fl.hosts[b].Host })
	parallel(len(fl.hosts), func(i int) { fl.hosts[i].build(t, fig) })
	return fl
}

func (h *hostRuns) build(t *truth.Fleet, fig func(results.Latency) float64) {
	idx := make([]int, len(h.Files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return h.Files[idx[a]].StartedAt.Before(h.Files[idx[b]].StartedAt) })
	files, paths := make([]*results.File, len(idx)), make([]string, len(idx))
	for k, i := range idx {
		files[k], paths[k] = h.Files[i], h.Paths[i]
	}
	h.Files, h.Paths = files, paths
	at := map[string]int{}
	for r, f := range h.Files {
		h.Nights = append(h.Nights, t.NightOf(f.StartedAt))
		h.Commits = append(h.Commits, f.Host.Commit)
		for _, c := range f.Cases {
			if c.Status != results.StatusOK {
				continue
			}
			key := c.Key().String()
			s, ok := at[key]
			if !ok {
				s = len(h.Series)
				at[key] = s
				h.Series = append(h.Series, series{Case: key})
			}
			h.Series[s].Values = append(h.Series[s].Values, fig(c.Latency))
			h.Series[s].Runs = append(h.Series[s].Runs, r)
		}
	}
}

func (fl *fleetRuns) seriesCount() (n int) {
	for _, h := range fl.hosts {
		n += len(h.Series)
	}
	return n
}

func (fl *fleetRuns) points() (n int) {
	for _, h := range fl.hosts {
		for _, s := range h.Series {
			n += len(s.Values)
		}
	}
	return n
}

// instances lists, per change, the series it touched: every host holding
// the case for a code change or a drift, its one host for a host change.
func (fl *fleetRuns) instances(t *truth.Fleet) []Instance {
	var out []Instance
	for ci, c := range t.Changes {
		for _, h := range fl.hosts {
			if c.Kind == truth.KindHost && c.Host != h.Host {
				continue
			}
			for _, s := range h.Series {
				if s.Case == c.Case {
					out = append(out, Instance{Change: ci, Host: h.Host})
				}
			}
		}
	}
	return out
}

// detect runs a method over every host, in parallel.
func (fl *fleetRuns) detect(f func(*hostRuns) []Detection) []Detection {
	per := make([][]Detection, len(fl.hosts))
	parallel(len(fl.hosts), func(i int) { per[i] = f(fl.hosts[i]) })
	var out []Detection
	for _, d := range per {
		out = append(out, d...)
	}
	return out
}

// detection makes a detection at run r of h (the first run after the
// change), with the commit range from the run before it.
func (h *hostRuns) detection(kase string, r, prev, dir int) Detection {
	d := Detection{Host: h.Host, Case: kase, Night: h.Nights[r], Dir: dir, CommitTo: h.Commits[r]}
	if prev >= 0 {
		d.CommitFrom = h.Commits[prev]
	}
	return d
}

// detectChanges runs stats.ChangePoints, with its defaults, on every
// series of h.
func detectChanges(h *hostRuns) []Detection {
	var out []Detection
	for _, s := range h.Series {
		for _, cp := range stats.ChangePoints(s.Values, stats.ChangeOptions{}) {
			prev := -1
			if cp.Index > 0 {
				prev = s.Runs[cp.Index-1]
			}
			out = append(out, h.detection(s.Case, s.Runs[cp.Index], prev, sign(cp.Magnitude)))
		}
	}
	return out
}

// detectHistory runs history's step tests, as ipcbench history runs them
// with its default threshold and alpha, over h's runs.
func detectHistory(h *hostRuns, m stats.Metric) []Detection {
	hist := stats.BuildHistory(h.Files, h.Paths, m, nil, stats.DefaultThreshold, stats.DefaultAlpha)
	// BuildHistory orders the runs as build did (stably by start time).
	var out []Detection
	for _, s := range hist.Series {
		for k, p := range s.Points {
			dir := 0
			switch p.Verdict {
			case stats.VerdictRegression:
				dir = 1
			case stats.VerdictImprovement:
				dir = -1
			}
			if dir == 0 {
				continue
			}
			prev := -1
			if k > 0 {
				prev = s.Points[k-1].Run
			}
			out = append(out, h.detection(s.Case, p.Run, prev, dir))
		}
	}
	return out
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
