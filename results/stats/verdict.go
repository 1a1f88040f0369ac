package stats

import (
	"cmp"
	"math"
	"slices"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/perf/benchmath"
)

// A Verdict ranks the transports of one workload and size by the
// workload's main metric: how many times better the reference (the
// fastest, or the baseline asked for) did than each other transport, with
// a 95 % interval, and whether the fastest beat every other significantly.
//
// The main metric is the p50 round trip for a round-trip workload
// (pingpong; lower is better), the saturation rate for a workload at
// offered rates (the highest offered rate below which every offered rate
// passed, see Saturations; higher is better) and otherwise throughput in
// messages per second (stream-like workloads and relay; higher is
// better). A closed-loop one-way latency measures how deep the transport
// buffers, not how fast it is, so it never ranks.
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
	// Fastest is the transport with the best figure (the median of its
	// rounds). Winner is Fastest where it beat every other transport
	// significantly (each one's interval against it excludes 1); "" where
	// another ties with it, where a ratio to it could not be tested, or
	// where it is the only transport.
	Fastest, Winner string
	// Top is Fastest and the transports tied with it, from best to worst;
	// NotTested the transports whose ratio to Fastest has no interval.
	Top, NotTested []string
	// Untested: no ratio to Fastest has an interval, since the group ran
	// fewer than MinIntervalRounds rounds, or ranks saturation rates, so
	// that nothing in it can be called significant.
	Untested bool
	// Rounds is the most rounds any transport of the group ran.
	Rounds int
	// Cheapest is, of the transports tied with Fastest, the one with the
	// least CPU per message where that is significantly less than
	// Fastest's (paired like the main figure), and CheapestCPU its CPU per
	// message over Fastest's (0.6: 40 % less); "" and 0 where none is.
	Cheapest    string
	CheapestCPU float64
	// Standings holds every transport from best to worst by Times, the
	// reference first unless it is a baseline.
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
	// Times is how many times better the reference did than this
	// transport: above 1 the reference is faster, below 1 slower, 1 for
	// the reference itself. Lo and Hi bound its 95 % interval, 0 where
	// it has none; Paired and the method are those of Ratio.
	Times, Lo, Hi float64
	Paired        bool
	// Tie: the interval holds 1, so that this transport's figure does not
	// differ significantly from the reference's. False for the reference
	// itself and where there is no interval.
	Tie bool
	// Prev is the ratio of the standing before this one to this one (the
	// first standing's is zero): whether it is significantly behind its
	// neighbour in the ranking.
	Prev Ratio
	// Rounds is how many rounds the transport ran (1 without
	// repetitions), RoundsWon in how many its figure was the group's best.
	Rounds, RoundsWon int
	// Its cost: CPU time (both workers) and bytes copied per message.
	CPUNsPerMsg, CopiesPerMsg float64
	// Flags are the names of the case's flags among VerdictFlags.
	Flags []string
}

// Ratio returns the standing's ratio to the reference.
func (s Standing) Ratio() Ratio { return Ratio{s.Times, s.Lo, s.Hi, s.Paired} }

// A Ratio is how many times better one transport's figure was than
// another's. Where both ran the same rounds (two or more), Times is the
// median of the per-round ratios and Lo–Hi its distribution-free 95 %
// interval (benchmath.AssumeNothing), Paired: round i of every case ran in
// the same time slot, so the ratio of a round cancels what the host did to
// both. Otherwise Times is the ratio of the medians, and Lo–Hi the ratio of
// their intervals' ends taken the conservative way round (wider than an
// exact interval, never narrower). Lo and Hi are 0 where there is no
// interval: fewer than MinIntervalRounds rounds, or no medians' intervals.
type Ratio struct {
	Times, Lo, Hi float64
	Paired        bool
}

// Tested says whether r has an interval.
func (r Ratio) Tested() bool { return r.Lo > 0 && r.Hi > 0 }

// Tie says whether r's interval holds 1: no significant difference.
func (r Ratio) Tie() bool { return r.Tested() && r.Lo <= 1 && 1 <= r.Hi }

// VerdictConfidence is the confidence level of a verdict's intervals.
const VerdictConfidence = 0.95

// VerdictFlags are the flags that mark a transport in a verdict: each says
// that the case's main figure says less than it seems (a busy host, a
// window whose p50 moved, the harness's own overhead beyond its limit).
var VerdictFlags = []string{results.FlagNoisy, results.FlagDrift, results.FlagOverhead}

// MinIntervalRounds is the fewest rounds whose median has a finite
// interval at VerdictConfidence, by benchmath's order statistics (6 at
// 95 %): with fewer, a verdict is untested.
var MinIntervalRounds = minIntervalRounds(VerdictConfidence)

func minIntervalRounds(confidence float64) int {
	for n := 2; n <= 100; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i + 1)
		}
		s := benchmath.AssumeNothing.Summary(benchmath.NewSample(x, &benchmath.DefaultThresholds), confidence)
		if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
			return n
		}
	}
	return 0
}

type verdictKey struct {
	workload string
	size     int
}

// figure is one of a case's metrics: its median, the median's interval,
// and its value in each round (the median alone without repetitions).
type figure struct {
	value  float64
	ci     results.Interval
	hasCI  bool
	rounds []float64
}

// measured is what a verdict reads off one transport's case.
type measured struct {
	main, cpu figure
	copies    float64
	flags     []string
	offers    bool // at offered rates
}

// Verdicts returns a Verdict for every workload and size of f with at
// least one ok case, in the workload registry's order and by size. With
// baseline set, each verdict where the baseline transport was measured is
// taken against it rather than against the fastest. Cases not ok are left
// out; a transport measured at several depths of one size counts at its
// best.
func Verdicts(f *results.File, baseline string) []Verdict {
	by := collect(f)
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

// collect reads each workload and size's transports off f's cases.
func collect(f *results.File) map[verdictKey]map[string]measured {
	by := map[verdictKey]map[string]measured{}
	p50, _ := MetricByName("p50")
	throughput, _ := MetricByName("throughput")
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
			if v := float64(c.Latency.P50Ns); v > 0 && (!seen || v < m.main.value) {
				by[k][c.Transport] = measure(c, p50, v)
			}
		default:
			if v := c.MsgsPerSec; v > 0 && v > m.main.value {
				by[k][c.Transport] = measure(c, throughput, v)
			}
		}
	}
	for _, s := range Saturations(f) {
		by[verdictKey{s.Workload, s.SizeBytes}][s.Transport] = measured{main: figure{value: s.RatePerSec, rounds: []float64{s.RatePerSec}}, offers: true}
	}
	return by
}

// measure reads c's main metric m (whose median is value), its cost and
// its flags.
func measure(c results.Case, m Metric, value float64) measured {
	cpu, _ := MetricByName("cpu")
	out := measured{main: figureOf(c, m, value), cpu: figureOf(c, cpu, c.CPUNsPerMsg), copies: c.CopiesPerMsg}
	for _, f := range c.Flags {
		if f.Name == results.FlagDrift && m.HigherBetter {
			continue // DRIFT is of the latency within a window; a throughput ranking does not rest on it
		}
		if slices.Contains(VerdictFlags, f.Name) && !slices.Contains(out.flags, f.Name) {
			out.flags = append(out.flags, f.Name)
		}
	}
	return out
}

func figureOf(c results.Case, m Metric, value float64) figure {
	ci, ok := c.CI95[m.Name]
	f := figure{value: value, ci: ci, hasCI: ok}
	for _, r := range c.Repetitions {
		f.rounds = append(f.rounds, m.Of(r))
	}
	if len(f.rounds) == 0 {
		f.rounds = []float64{value}
	}
	return f
}

// ratioOf returns how many times better ref's figure was than other's:
// other/ref where lower is better, ref/other otherwise (see Ratio).
func ratioOf(ref, other figure, lowerBetter bool) Ratio {
	num, den := other, ref
	if !lowerBetter {
		num, den = ref, other
	}
	if n := len(num.rounds); n > 1 && n == len(den.rounds) {
		if r, ok := pairedRatio(num.rounds, den.rounds); ok {
			return r
		}
	}
	r := Ratio{Times: num.value / den.value}
	if num.hasCI && den.hasCI && num.ci.Lo > 0 && den.ci.Lo > 0 && den.ci.Hi > 0 {
		r.Lo, r.Hi = num.ci.Lo/den.ci.Hi, num.ci.Hi/den.ci.Lo
	}
	return r
}

// pairedRatio summarizes num[i]/den[i] over the rounds where both are
// positive; false where none is.
func pairedRatio(num, den []float64) (Ratio, bool) {
	var x []float64
	for i := range num {
		if num[i] > 0 && den[i] > 0 {
			x = append(x, num[i]/den[i])
		}
	}
	if len(x) == 0 {
		return Ratio{}, false
	}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(x, &benchmath.DefaultThresholds), VerdictConfidence)
	r := Ratio{Times: s.Center, Paired: true}
	if len(x) > 1 && !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
		r.Lo, r.Hi = s.Lo, s.Hi
	}
	return r, true
}

// rankOne ranks one workload and size's transports; false where none has
// a figure to rank by.
func rankOne(k verdictKey, ms map[string]measured, baseline string) (Verdict, bool) {
	v := Verdict{Workload: k.workload, SizeBytes: k.size, Metric: ByThroughput}
	d, _ := workloads.Lookup(k.workload)
	var names []string
	for t, m := range ms {
		if m.offers {
			v.Metric = BySaturationRate
		}
		if m.main.value > 0 {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return v, false
	}
	if v.Metric != BySaturationRate && d.Latency == workloads.RoundTrip {
		v.Metric, v.LowerBetter = ByRoundTrip, true
	}
	slices.SortFunc(names, func(a, b string) int { // best first
		c := cmp.Compare(ms[a].main.value, ms[b].main.value)
		if !v.LowerBetter {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a, b))
	})
	v.Fastest, v.Reference = names[0], names[0]
	if slices.Contains(names, baseline) {
		v.Reference, v.Baseline = baseline, true
	}
	won := roundsWon(ms, names, v.LowerBetter)
	for _, t := range names {
		m := ms[t]
		r := Ratio{Times: 1}
		if t != v.Reference {
			r = ratioOf(ms[v.Reference].main, m.main, v.LowerBetter)
		}
		v.Standings = append(v.Standings, Standing{Transport: t, Value: m.main.value, Times: r.Times, Lo: r.Lo, Hi: r.Hi,
			Paired: r.Paired, Tie: t != v.Reference && r.Tie(), Rounds: len(m.main.rounds), RoundsWon: won[t],
			CPUNsPerMsg: m.cpu.value, CopiesPerMsg: m.copies, Flags: m.flags})
		v.Rounds = max(v.Rounds, len(m.main.rounds))
	}
	order(&v, ms)
	judge(&v, ms)
	return v, true
}

// order sorts v's standings by Times, the reference first unless it is a
// baseline, and sets each one's Prev.
func order(v *Verdict, ms map[string]measured) {
	slices.SortStableFunc(v.Standings, func(a, b Standing) int {
		if !v.Baseline && (a.Transport == v.Reference) != (b.Transport == v.Reference) {
			if a.Transport == v.Reference {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Times, b.Times), cmp.Compare(a.Transport, b.Transport))
	})
	for i := 1; i < len(v.Standings); i++ {
		prev, s := &v.Standings[i-1], &v.Standings[i]
		s.Prev = ratioOf(ms[prev.Transport].main, ms[s.Transport].main, v.LowerBetter)
	}
}

// judge sets v's Winner, Untested and Cheapest from each transport's
// ratio to the fastest.
func judge(v *Verdict, ms map[string]measured) {
	fast := ms[v.Fastest]
	v.Top = []string{v.Fastest}
	for _, s := range v.Standings {
		if s.Transport == v.Fastest {
			continue
		}
		switch r := ratioOf(fast.main, ms[s.Transport].main, v.LowerBetter); {
		case !r.Tested():
			v.NotTested = append(v.NotTested, s.Transport)
		case r.Tie():
			v.Top = append(v.Top, s.Transport)
		}
	}
	others := len(v.Standings) - 1
	v.Untested = others > 0 && len(v.NotTested) == others
	if others > 0 && len(v.NotTested) == 0 && len(v.Top) == 1 {
		v.Winner = v.Fastest
	}
	for _, t := range v.Top[1:] {
		m := ms[t]
		if !(m.cpu.value > 0 && fast.cpu.value > 0) {
			continue
		}
		r := ratioOf(fast.cpu, m.cpu, true)
		if r.Tested() && r.Hi < 1 && (v.Cheapest == "" || r.Times < v.CheapestCPU) {
			v.Cheapest, v.CheapestCPU = t, r.Times
		}
	}
}

// roundsWon counts, for each transport, the rounds in which its figure
// was the best of the group (each transport with the best, where several
// share it).
func roundsWon(ms map[string]measured, names []string, lowerBetter bool) map[string]int {
	won := map[string]int{}
	n := 0
	for _, t := range names {
		n = max(n, len(ms[t].main.rounds))
	}
	for i := range n {
		best := math.NaN()
		for _, t := range names {
			if rs := ms[t].main.rounds; i < len(rs) && rs[i] > 0 && (math.IsNaN(best) || lowerBetter == (rs[i] < best)) {
				best = rs[i]
			}
		}
		for _, t := range names {
			if rs := ms[t].main.rounds; i < len(rs) && rs[i] == best {
				won[t]++
			}
		}
	}
	return won
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
