package stats_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

// streamSide is one file of a pipe case of workload whose latency is
// latencyScale × a pingpong's at the same throughput (a deeper buffer),
// run at --depth depth and recording depthMsgs in flight.
func streamSide(seed uint64, workload string, latencyScale float64, depth, depthMsgs int) *results.File {
	c := resultstest.Case("pipe", 64, resultstest.Noisy(seed, 6, 20000, 0.01)...)
	c.Workload, c.DepthMsgs = workload, depthMsgs
	for i := range c.Repetitions {
		r := &c.Repetitions[i]
		r.P50Ns, r.P90Ns, r.P99Ns, r.P999Ns, r.MeanNs = r.P50Ns*latencyScale, r.P90Ns*latencyScale, r.P99Ns*latencyScale, r.P999Ns*latencyScale, r.MeanNs*latencyScale
	}
	f := resultstest.File(time.Unix(1e9, 0), "c", c)
	f.Config.Depth = depth
	return f
}

func TestCompareLeavesQueueLatencyOut(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		workload             string
		baseDepth, newDepth  int
		baseMsgs, newMsgs    int
		gate                 bool
		wantLatency, leftOut bool
	}{
		{"stream at native depth", "stream", 0, 0, 1000, 250, false, false, true},
		{"stream at one explicit depth", "stream", 16, 16, 16, 16, false, true, false},
		{"stream at one --depth, unequal recorded", "stream", 16, 16, 16, 10, false, false, true},
		{"stream, --depth on one side", "stream", 16, 0, 16, 16, false, false, true},
		{"fanin at native depth", "fanin", 0, 0, 0, 0, false, false, true},
		{"stream, asked to gate", "stream", 0, 0, 0, 0, true, true, false},
		{"pingpong", "pingpong", 0, 0, 0, 0, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// New's latency triples at the same throughput: the buffer deepened.
			base := streamSide(1, tc.workload, 1, tc.baseDepth, tc.baseMsgs)
			newer := streamSide(2, tc.workload, 3, tc.newDepth, tc.newMsgs)
			opt := defaults
			opt.GateQueueLatency = tc.gate
			c := stats.Compare([]*results.File{base}, []*results.File{newer}, opt)
			v := verdicts(c, "pipe")
			if got := v["p50"] != ""; got != tc.wantLatency {
				t.Errorf("p50 compared %v, want %v: %v", got, tc.wantLatency, v)
			}
			if v["throughput"] == "" || v["cpu"] == "" {
				t.Errorf("throughput and cpu must always be compared: %v", v)
			}
			if got := len(c.LatencyLeftOut) > 0; got != tc.leftOut {
				t.Errorf("LatencyLeftOut %q, want some: %v", c.LatencyLeftOut, tc.leftOut)
			}
			if regs := c.Regressions(); tc.wantLatency != (regs > 0) {
				t.Errorf("%d regressions; latency compared %v", regs, tc.wantLatency)
			}
			if !tc.leftOut && c.TestedCases != 1 || tc.leftOut && !slices.Contains(c.LatencyLeftOut, "pipe/"+tc.workload+"/64 B") {
				t.Errorf("tested %d, left out %q", c.TestedCases, c.LatencyLeftOut)
			}
		})
	}
}

func TestQueueLatency(t *testing.T) {
	for w, want := range map[string]bool{"stream": true, "stream-inplace": true, "fanin": true, "pingpong": false, "relay": false, "rate": false, "nonesuch": false} {
		if got := stats.QueueLatency(w); got != want {
			t.Errorf("QueueLatency(%q) = %v, want %v", w, got, want)
		}
	}
}

// TestLoadSkew: the host load of two sides compared, a figure only
// where both recorded it. loaded gives a file of an older ipcbench (the
// run-queue wait per message, no share); a negative figure is unknown.
func TestLoadSkew(t *testing.T) {
	loaded := func(steal, rqNsPerMsg float64) *results.File {
		f := side(1, 6, nil)
		for i := range f.Cases {
			c := &f.Cases[i]
			c.Messages, c.WindowNs = 1000, 1e6
			c.Interference = &results.Interference{Migrations: new(int64(2))}
			if steal >= 0 {
				c.Interference.StealShare = new(steal)
			}
			if rqNsPerMsg >= 0 {
				c.Interference.RunQueueWaitNsPerMsg = new(rqNsPerMsg)
			}
		}
		return f
	}
	shared := func(steal, rqShare float64) *results.File {
		f := loaded(steal, 1e6) // a per-message figure the share overrides
		for i := range f.Cases {
			f.Cases[i].Interference.RunQueueShare = new(rqShare)
		}
		return f
	}
	for _, tc := range []struct {
		name      string
		base, new *results.File
		want      string
	}{
		{"alike", loaded(0.01, 10), loaded(0.02, 30), ""},
		{"steal", loaded(0, 0), loaded(0.05, 0), "steal 0.0% against 5.0%"},
		{"run-queue wait", loaded(0, 0), loaded(0, 100), "run-queue wait 0.0% against 10.0% of the window"},
		{"not recorded", side(1, 6, nil), loaded(0.5, 0), ""},
		{"run-queue share", shared(0, 0.01), shared(0, 0.2), "run-queue wait 1.0% against 20.0% of the window"},
		{"steal unknown on one side is no skew", loaded(-1, 0), loaded(0.5, 0), ""},
		{"run-queue wait unknown on one side is no skew", loaded(0, -1), loaded(0, 100), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := stats.Compare([]*results.File{tc.base}, []*results.File{tc.new}, defaults)
			if got := c.LoadSkew(); got != tc.want || tc.want == "" && strings.Contains(got, "%") {
				t.Errorf("LoadSkew() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHostLoadOfUnknown: a figure no case recorded is named unknown, not
// averaged as 0; one some cases recorded is averaged over those.
func TestHostLoadOfUnknown(t *testing.T) {
	f := side(1, 6, nil)
	for i := range f.Cases {
		c := &f.Cases[i]
		c.Messages, c.WindowNs = 1000, 1e6
		c.Interference = &results.Interference{StealShare: new(0.0)}
		if i == 0 {
			c.Interference.StealShare = new(float64(len(f.Cases)))
		}
	}
	h := stats.HostLoadOf([]*results.File{f})
	if h == nil || h.StealShare != 1 || !slices.Equal(h.Unknown, []string{"run_queue_wait", "migrations"}) {
		t.Errorf("HostLoadOf = %+v, want steal 1 (averaged over the cases), run-queue wait and migrations unknown", h)
	}
}

// TestHostLoadOfOlderFile: a file of an older ipcbench, with no run-queue
// share, gives the larger worker's wait over the window, never their sum.
func TestHostLoadOfOlderFile(t *testing.T) {
	f := side(1, 6, nil)
	for i := range f.Cases {
		c := &f.Cases[i]
		c.Messages, c.WindowNs = 1000, 1e6
		c.Interference = &results.Interference{RunQueueWaitNsPerMsg: new(1030.0)} // 103 % summed
		c.Workers = []results.Worker{{Side: "a", RunQueueWaitNs: new(int64(520_000))}, {Side: "b", RunQueueWaitNs: new(int64(510_000))}}
	}
	if h := stats.HostLoadOf([]*results.File{f}); h == nil || h.RunQueueShare != 0.52 {
		t.Errorf("host load %+v, want a run-queue share of 0.52", h)
	}
}
