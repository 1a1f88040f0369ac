package stats

import (
	"cmp"
	"slices"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
)

// A Verdict ranks the transports of one workload and size by the
// workload's main metric, hyperfine-style: the reference (the fastest, or
// the baseline asked for) and how many times faster it ran than each
// other transport.
//
// The main metric is the p50 round trip for a round-trip workload
// (pingpong; lower is better), the saturation rate for a workload at
// offered rates (the highest offered rate below which every offered rate
// passed, see Saturations; higher is better) and otherwise throughput in messages per second
// (stream-like workloads and relay; higher is better). A closed-loop
// one-way latency measures how deep the transport buffers, not how fast
// it is, so it never ranks.
type Verdict struct {
	Workload  string
	SizeBytes int
	Metric    VerdictMetric
	// Buffered: the metric is a closed-loop one-way workload's throughput,
	// taken at the run's --depth (Depth), or where Depth is 0 at each
	// transport's own buffering, so that the ranking is partly of buffers,
	// not only of mechanisms.
	Buffered    bool
	Depth       int
	LowerBetter bool
	// Reference is the transport the others are measured against: the
	// fastest, or the baseline where Baseline.
	Reference string
	Baseline  bool
	// Standings holds the reference first, then the others from best to
	// worst.
	Standings []Standing
}

// A VerdictMetric is the main metric a Verdict ranks by.
type VerdictMetric int

const (
	ByThroughput     VerdictMetric = iota // msgs/s, higher is better
	ByRoundTrip                           // p50 round trip, lower is better
	BySaturationRate                      // msgs/s, higher is better
)

// A Standing is one transport's figure in a Verdict.
type Standing struct {
	Transport string
	Value     float64 // the main metric: ns for a round trip, else msgs/s
	// Times is how many times faster the reference ran than this
	// transport: above 1 the reference is faster, below 1 slower, 1 for
	// the reference itself.
	Times float64
	// Lo and Hi bound Times's 95 % interval, 0 where either case has no
	// confidence interval (fewer than six repetitions, or a saturation
	// rate). The interval is the ratio of the medians' interval ends taken
	// the conservative way round (e.g. other.Lo/ref.Hi to
	// other.Hi/ref.Lo): wider than an exact interval of the ratio, never
	// narrower.
	Lo, Hi float64
}

type verdictKey struct {
	workload string
	size     int
}

type measured struct {
	value  float64
	ci     results.Interval
	hasCI  bool
	offers bool // at offered rates
}

// Verdicts returns a Verdict for every workload and size of f with at
// least one ok case, in the workload registry's order and by size. With
// baseline set, each verdict where the baseline transport was measured is
// taken against it rather than against the fastest. Cases not ok are left
// out; a transport measured at several depths of one size counts at its
// best.
func Verdicts(f *results.File, baseline string) []Verdict {
	by := map[verdictKey]map[string]measured{}
	for _, c := range f.Cases {
		k := verdictKey{c.Workload, c.SizeBytes}
		if by[k] == nil {
			by[k] = map[string]measured{}
		}
		m, seen := by[k][c.Transport]
		switch d, _ := workloads.Lookup(c.Workload); {
		case c.OfferedRate > 0: // ranked by Saturations below
			by[k][c.Transport] = measured{offers: true}
		case c.Status != results.StatusOK:
		case d.Latency == workloads.RoundTrip:
			v := float64(c.Latency.P50Ns)
			if v > 0 && (!seen || v < m.value) {
				ci, ok := c.CI95["p50"]
				by[k][c.Transport] = measured{value: v, ci: ci, hasCI: ok}
			}
		default:
			v := c.MsgsPerSec
			if v > 0 && v > m.value {
				ci, ok := c.CI95["throughput"]
				by[k][c.Transport] = measured{value: v, ci: ci, hasCI: ok}
			}
		}
	}
	for _, s := range Saturations(f) {
		by[verdictKey{s.Workload, s.SizeBytes}][s.Transport] = measured{value: s.RatePerSec, offers: true}
	}
	keys := make([]verdictKey, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	order := func(w string) int {
		if d, ok := workloads.Lookup(w); ok {
			return d.Order
		}
		return 1 << 30
	}
	slices.SortFunc(keys, func(a, b verdictKey) int {
		return cmp.Or(cmp.Compare(order(a.workload), order(b.workload)), cmp.Compare(a.workload, b.workload), cmp.Compare(a.size, b.size))
	})
	var out []Verdict
	for _, k := range keys {
		if v, ok := rankOne(k, by[k], baseline); ok {
			d, _ := workloads.Lookup(v.Workload)
			v.Buffered, v.Depth = v.Metric == ByThroughput && d.Latency == workloads.OneWay, f.Config.Depth
			out = append(out, v)
		}
	}
	return out
}

// rankOne ranks one workload and size's transports; false where none has
// a figure to rank by.
func rankOne(k verdictKey, ms map[string]measured, baseline string) (Verdict, bool) {
	v := Verdict{Workload: k.workload, SizeBytes: k.size, Metric: ByThroughput}
	d, _ := workloads.Lookup(k.workload)
	offers := false
	for _, m := range ms {
		offers = offers || m.offers
	}
	switch {
	case offers:
		v.Metric = BySaturationRate
	case d.Latency == workloads.RoundTrip:
		v.Metric, v.LowerBetter = ByRoundTrip, true
	}
	var names []string
	for t, m := range ms {
		if m.value > 0 {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return v, false
	}
	better := func(a, b string) int { // best first
		c := cmp.Compare(ms[a].value, ms[b].value)
		if !v.LowerBetter {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a, b))
	}
	slices.SortFunc(names, better)
	v.Reference = names[0]
	if i := slices.Index(names, baseline); i > 0 {
		v.Reference, v.Baseline = baseline, true
		names = append(append([]string{baseline}, names[:i]...), names[i+1:]...)
	} else if i == 0 {
		v.Baseline = true
	}
	ref := ms[v.Reference]
	for _, t := range names {
		m := ms[t]
		s := Standing{Transport: t, Value: m.value}
		if v.LowerBetter {
			s.Times = m.value / ref.value
			if m.hasCI && ref.hasCI && ref.ci.Lo > 0 && ref.ci.Hi > 0 {
				s.Lo, s.Hi = m.ci.Lo/ref.ci.Hi, m.ci.Hi/ref.ci.Lo
			}
		} else {
			s.Times = ref.value / m.value
			if m.hasCI && ref.hasCI && m.ci.Lo > 0 && m.ci.Hi > 0 {
				s.Lo, s.Hi = ref.ci.Lo/m.ci.Hi, ref.ci.Hi/m.ci.Lo
			}
		}
		v.Standings = append(v.Standings, s)
	}
	return v, true
}

// Rank returns each value's rank among values, 0 the best, equal values
// sharing a rank; values that are NaN or not positive get -1.
func Rank(values []float64, lowerBetter bool) []int {
	out := make([]int, len(values))
	for i, x := range values {
		out[i] = -1
		if !(x > 0) {
			continue
		}
		out[i] = 0
		for _, y := range values {
			if y > 0 && (lowerBetter && y < x || !lowerBetter && y > x) {
				out[i]++
			}
		}
	}
	return out
}
