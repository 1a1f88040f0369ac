package harness

import (
	"context"
	"math/rand/v2"

	"github.com/ipcbench/ipcbench/results"
)

// Case orders within a round (run --order).
const (
	// OrderShuffled runs every case once per round, in an order shuffled
	// afresh for each round, as Abedi and Brecht recommend for hosts whose
	// speed varies ("Conducting Repeatable Experiments in Highly Variable
	// Cloud Computing Environments", ICPE 2017): drift and the host's modes
	// then hit every case alike instead of whichever ran at the time.
	OrderShuffled = results.OrderShuffled
	// OrderSequential runs each case's rounds back to back, the cases in
	// plan order: with one round, one window per case in a fixed order.
	OrderSequential = results.OrderSequential
)

// MaxRounds bounds Plan.Rounds: a results file holds no more.
const MaxRounds = results.MaxRounds

// DefaultRounds is run --rounds: 15 rounds of the default 900 ms
// --duration, 60 ms each. On a 2-vCPU KVM guest whose pipe round trip sat in one of two
// modes for hundreds of milliseconds at a time, two passes of 8
// transports agreed on each one's ratio to the fastest within 9.2 % with
// one 1 s window per case, 4.1 % with 10 rounds of 100 ms and 1.3-3.0 %
// with 15 of 60 ms: many short rounds sample the modes, few long ones
// land in whichever mode held. Fifteen is also the fewest rounds whose
// median has a 95 % order-statistic interval with a round to spare at
// each end (the 4th to the 12th).
const DefaultRounds = 15

// order is p's order, OrderShuffled where unset.
func (p Plan) order() string {
	if p.Order == "" {
		return OrderShuffled
	}
	return p.Order
}

// slot is one run of a case in a schedule: which case, in which round,
// and at which place in that round's order.
type slot struct {
	caseIdx, round, position int
}

// schedule is the order in which a run of p runs its n cases: round by
// round, each round every case once, shuffled by a generator seeded with
// seed; or, sequential, each case's rounds back to back.
func (p Plan) schedule(n int, seed uint64) []slot {
	rounds := max(1, p.Rounds)
	out := make([]slot, 0, n*rounds)
	if p.order() == OrderSequential {
		for i := range n {
			for r := range rounds {
				out = append(out, slot{caseIdx: i, round: r, position: i})
			}
		}
		return out
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for r := range rounds {
		for pos, i := range rng.Perm(n) {
			out = append(out, slot{caseIdx: i, round: r, position: pos})
		}
	}
	return out
}

// held is the sessions of a run's cases, open from a case's first round
// to its last, or the result of a case that could not open (a skip).
type held struct {
	cases    []Case
	sessions []*session
	closed   []results.Case // a case that could not open: its result
}

func newHeld(cases []Case) *held {
	return &held{cases: cases, sessions: make([]*session, len(cases)), closed: make([]results.Case, len(cases))}
}

// run runs the case of sl for one round: in its open session, or in a
// new one (the first round, or after a round that cannot be followed in
// the same processes). A session whose round failed is not reopened: its
// later rounds return that failure at once.
func (h *held) run(ctx context.Context, sl slot) results.Case {
	i := sl.caseIdx
	if h.closed[i].Status != "" {
		return h.closed[i]
	}
	s := h.sessions[i]
	if s != nil && s.onceOnly() {
		if err := s.close(); err != nil {
			h.sessions[i] = nil
			return withError(s.base, err)
		}
		s = nil
	}
	if s == nil {
		var out results.Case
		if s, out = openCase(h.cases[i]); s == nil {
			h.closed[i] = out
			return out
		}
		h.sessions[i] = s
	}
	return s.round(ctx)
}

// lastRuns is, for each of n cases, the index in sched of its last run.
func lastRuns(sched []slot, n int) []int {
	last := make([]int, n)
	for k, sl := range sched {
		last[sl.caseIdx] = k
	}
	return last
}

// finish closes the session of case i after its last round, r; a
// failure to end or clean up fails r.
func (h *held) finish(i int, r results.Case) results.Case {
	s := h.sessions[i]
	if s == nil {
		return r
	}
	h.sessions[i] = nil
	return s.finish(r)
}

// closeAll closes every session still open: after an interrupt, or a
// stop at the first failure.
func (h *held) closeAll() {
	for i, s := range h.sessions {
		if s != nil {
			s.close()
			h.sessions[i] = nil
		}
	}
}
