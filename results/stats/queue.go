package stats

import (
	"fmt"
	"math"
	"slices"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
)

// IsLatency reports whether m is a latency figure (a percentile or the
// mean), as opposed to a rate or a cost per message.
func (m Metric) IsLatency() bool { return m.Unit == "ns" }

// QueueLatency reports whether the latency of workload measures the depth
// of the transport's buffer more than the transport: a closed-loop one-way
// workload (stream, stream-inplace, fanin) keeps the buffer full, so by
// Little's law its one-way latency is depth / throughput. On a 64 B stream,
// pipe (about 900 messages in flight) shows a p50 of 463 µs against
// unix-dgram's 16 µs while moving 2.2× as many messages a second. An
// open-loop workload (rate) sends on a schedule and keeps its latency.
func QueueLatency(workload string) bool {
	d, ok := workloads.Lookup(workload)
	return ok && d.Latency == workloads.OneWay && !d.OpenLoop
}

// equalDepth reports whether both sides ran at one explicit depth (run
// --depth on every file) and recorded the same depth in messages for every
// repetition: then a queue-depth latency compares like with like.
func equalDepth(bp, np *pooled) bool {
	msgs := -1
	for _, p := range []*pooled{bp, np} {
		for i, c := range p.reps {
			if p.depths[i] <= 0 || c.DepthMsgs <= 0 || msgs >= 0 && c.DepthMsgs != msgs {
				return false
			}
			msgs = c.DepthMsgs
		}
	}
	return msgs > 0
}

// HostLoad is what else the host did to the workers of a run or a side,
// averaged over its ok cases (see results.Interference). A figure is
// averaged over the cases that recorded it; Unknown names the figures no
// case recorded (a kernel without schedstat or sched), whose 0 here is
// no measurement.
type HostLoad struct {
	// StealShare is the CPUs' steal time over the measured window.
	StealShare float64 `json:"steal_share"`
	// RunQueueShare is the time the measuring thread that waited the
	// most waited runnable for a CPU, over the window (at most 1, from
	// files of an older ipcbench too, which summed both sides).
	RunQueueShare float64 `json:"run_queue_share"`
	// Migrations is the mean count of moves between CPUs per case.
	Migrations float64  `json:"migrations"`
	Cases      int      `json:"cases"`
	Unknown    []string `json:"unknown,omitempty"` // steal, run_queue_wait, migrations
}

// HostLoadOf averages the interference figures of the ok cases of files;
// nil where none recorded them.
func HostLoadOf(files []*results.File) *HostLoad {
	h := &HostLoad{}
	var steal, wait, moves int
	for _, f := range files {
		for _, c := range f.Cases {
			in := c.Interference
			if c.Status != results.StatusOK || in == nil || c.WindowNs <= 0 {
				continue
			}
			if in.StealShare != nil {
				h.StealShare += *in.StealShare
				steal++
			}
			if share, ok := runQueueShare(c); ok {
				h.RunQueueShare += share
				wait++
			}
			if in.Migrations != nil {
				h.Migrations += float64(*in.Migrations)
				moves++
			}
			h.Cases++
		}
	}
	if h.Cases == 0 {
		return nil
	}
	for _, x := range []struct {
		sum  *float64
		n    int
		name string
	}{{&h.StealShare, steal, "steal"}, {&h.RunQueueShare, wait, "run_queue_wait"}, {&h.Migrations, moves, "migrations"}} {
		if x.n == 0 {
			h.Unknown = append(h.Unknown, x.name)
			continue
		}
		*x.sum /= float64(x.n)
	}
	return h
}

// runQueueShare is c's run-queue wait as a share of its window: the
// largest share of one measuring thread. A file of an older ipcbench
// recorded no share: then it is the largest worker's wait over the
// window, or, where the workers' waits are missing too, the case's wait
// per message times messages over the window, which summed the workers
// and so is capped at 1.
func runQueueShare(c results.Case) (float64, bool) {
	in := c.Interference
	if in.RunQueueShare != nil {
		return *in.RunQueueShare, true
	}
	if share, _, ok := results.WorkerRunQueueShare(c); ok {
		return share, true
	}
	if in.RunQueueWaitNsPerMsg != nil {
		return min(1, *in.RunQueueWaitNsPerMsg*float64(c.Messages)/float64(c.WindowNs)), true
	}
	return 0, false
}

// Limits beyond which the host load of two sides differs enough to move
// their figures: a round-trip case with 2 % of its window stolen or 5 % spent
// waiting for a CPU is slower by about as much, which is the default
// threshold of compare.
const (
	StealShareSkew    = 0.02
	RunQueueShareSkew = 0.05
)

// LoadSkew says how the host load of base and new differs beyond
// StealShareSkew or RunQueueShareSkew, or "" where it does not or was not
// recorded on both sides.
func (c *Comparison) LoadSkew() string {
	if len(c.HostLoad) != 2 {
		return ""
	}
	b, n := c.HostLoad[0], c.HostLoad[1]
	known := func(name string) bool { return !slices.Contains(b.Unknown, name) && !slices.Contains(n.Unknown, name) }
	var s string
	if known("steal") && math.Abs(b.StealShare-n.StealShare) > StealShareSkew {
		s = fmt.Sprintf("steal %.1f%% against %.1f%%", b.StealShare*100, n.StealShare*100)
	}
	if known("run_queue_wait") && math.Abs(b.RunQueueShare-n.RunQueueShare) > RunQueueShareSkew {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("run-queue wait %.1f%% against %.1f%% of the window", b.RunQueueShare*100, n.RunQueueShare*100)
	}
	return s
}
