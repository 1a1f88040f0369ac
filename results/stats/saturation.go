package stats

import (
	"cmp"
	"slices"

	"github.com/ipcbench/ipcbench/results"
)

// DefaultSLONs is the p99 bound rate cases are judged against where a file
// records none: run --slo's default, 1 ms.
const DefaultSLONs = 1_000_000

// SLONs is the p99 bound f's rate cases are judged against.
func SLONs(f *results.File) int64 {
	if f.Config.SLONs > 0 {
		return f.Config.SLONs
	}
	return DefaultSLONs
}

// BacklogMinGaps is how many mean gaps between intended sends a rate
// case's p50 must rise by, from the first half of its window to the
// second, for Backlog to call its queue growing. A queue below
// utilisation 1 drains between bursts and its median does not move by
// more than a few gaps; one above it grows by (utilisation − 1) of the
// elapsed time, milliseconds over a second's window.
const BacklogMinGaps = 20

// Backlog says whether a rate case's queue grew through its window, and
// by how much its p50 rose from the first half of the window to the
// second, at least. The 5 % rule (achieved rate short of the offered)
// catches a utilisation above 1/0.95 = 1.053 only; between 1 and that,
// the case carries nearly all it was offered while its backlog, and with
// it every latency figure, grows with the window: its p99 is a function of
// --duration, not of the transport.
//
// The rise is DRIFT's halves: above results.DriftLimit, and above
// BacklogMinGaps gaps. A case records the window's p50 and the drift
// (second half's p50 over the first's, minus one); the window's p50 lies
// between its halves', so the rise p50₂ − p50₁ = p50₁·drift is at least
// p50·drift/(1+drift).
func Backlog(c results.Case) (riseNs float64, growing bool) {
	if c.OfferedRate <= 0 || !(c.Drift > results.DriftLimit) || c.Latency.P50Ns <= 0 {
		return 0, false
	}
	riseNs = float64(c.Latency.P50Ns) * c.Drift / (1 + c.Drift)
	return riseNs, riseNs > BacklogMinGaps*1e9/c.OfferedRate
}

// A RateJudgement is how one case at an offered rate stands against an SLO.
type RateJudgement int

const (
	// RatePasses: ok, no growing backlog, and a p99 under the SLO that
	// rests on enough samples.
	RatePasses RateJudgement = iota
	// RateFails: saturated or failed, a growing backlog, or a p99 at or
	// over the SLO.
	RateFails
	// RateUnjudged: skipped, no latency, or a p99 on a thin tail (fewer
	// than results.MinTailSamples samples beyond it): it neither passes
	// nor fails.
	RateUnjudged
)

// A RateFailure is why a case at an offered rate failed, for format to
// word: Status where the case was not ok, else BacklogRiseNs where its
// backlog grew (see Backlog), else P99Ns, its p99 at or over the SLO.
type RateFailure struct {
	Status        string
	BacklogRiseNs float64
	P99Ns         int64
}

// JudgeRate judges one case at an offered rate against a p99 bound, and
// says why where it fails.
func JudgeRate(c results.Case, sloNs int64) (RateJudgement, RateFailure) {
	p99, _ := MetricByName("p99")
	_, _, thin := ThinTail(c, p99)
	switch rise, growing := Backlog(c); {
	case c.Status == results.StatusSkipped:
		return RateUnjudged, RateFailure{}
	case c.Status != results.StatusOK:
		return RateFails, RateFailure{Status: c.Status}
	case growing:
		return RateFails, RateFailure{BacklogRiseNs: rise}
	case c.Latency.P99Ns <= 0 || thin != "":
		return RateUnjudged, RateFailure{}
	case c.Latency.P99Ns >= sloNs:
		return RateFails, RateFailure{P99Ns: c.Latency.P99Ns}
	}
	return RatePasses, RateFailure{}
}

// Saturation is one transport's standing over the offered rates of one
// workload and size.
type Saturation struct {
	Transport, Workload string
	SizeBytes           int
	SLONs               int64
	// RatePerSec is the highest offered rate at and below which every
	// judged rate passed: 0 where the lowest judged rate failed or none
	// was judged.
	RatePerSec float64
	// FailedAt is the lowest offered rate that failed, and FailedWhy
	// why; zero where none did.
	FailedAt  float64
	FailedWhy RateFailure
	// PassedAbove are offered rates above FailedAt that passed: a pass
	// above a failure is noise or luck, and does not count.
	PassedAbove []float64
	// Unjudged are the offered rates below FailedAt (all, where none
	// failed) that were not judged: no latency, or a thin p99.
	Unjudged []float64
}

// Saturations lists, for every transport, workload and size of f with
// cases at an offered rate, in the order of f's cases, where it saturates
// under f's SLO: the highest offered rate below which every offered rate
// it was judged at passed (JudgeRate). A pass above a failing rate does not
// count, and a skipped rate or one whose p99 rests on a thin tail is left
// out.
func Saturations(f *results.File) []Saturation {
	type key struct {
		transport, workload string
		size                int
	}
	var order []key
	by := map[key][]results.Case{}
	for _, c := range f.Cases {
		if c.OfferedRate <= 0 {
			continue
		}
		k := key{c.Transport, c.Workload, c.SizeBytes}
		if by[k] == nil {
			order = append(order, k)
		}
		by[k] = append(by[k], c)
	}
	slo := SLONs(f)
	out := make([]Saturation, 0, len(order))
	for _, k := range order {
		s := Saturation{Transport: k.transport, Workload: k.workload, SizeBytes: k.size, SLONs: slo}
		s.judge(by[k])
		out = append(out, s)
	}
	return out
}

// judge fills s from one transport's cases at its offered rates, one
// rate each (a file holds one case per key), from the lowest up.
func (s *Saturation) judge(cases []results.Case) {
	slices.SortStableFunc(cases, func(a, b results.Case) int { return cmp.Compare(a.OfferedRate, b.OfferedRate) })
	for _, c := range cases {
		j, why := JudgeRate(c, s.SLONs)
		switch failed := s.FailedAt > 0; {
		case j == RateFails && !failed:
			s.FailedAt, s.FailedWhy = c.OfferedRate, why
		case j == RatePasses && failed:
			s.PassedAbove = append(s.PassedAbove, c.OfferedRate)
		case j == RatePasses:
			s.RatePerSec = c.OfferedRate
		case j == RateUnjudged && !failed && c.Status != results.StatusSkipped:
			s.Unjudged = append(s.Unjudged, c.OfferedRate)
		}
	}
}
