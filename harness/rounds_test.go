package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// TestScheduleShufflesEachRound: a shuffled schedule runs every case once
// a round, in an order that the seed fixes and that differs between
// rounds; a sequential one runs each case's rounds back to back.
func TestScheduleShufflesEachRound(t *testing.T) {
	const cases, rounds = 8, 15
	p := Plan{Rounds: rounds}
	a, b := p.schedule(cases, 42), p.schedule(cases, 42)
	if !slices.Equal(a, b) {
		t.Fatal("two schedules of one seed differ")
	}
	if slices.Equal(a, p.schedule(cases, 43)) {
		t.Error("schedules of seeds 42 and 43 are the same")
	}
	orders := map[string]bool{}
	for r := range rounds {
		round := a[r*cases : (r+1)*cases]
		var idx []int
		for pos, sl := range round {
			if sl.round != r || sl.position != pos {
				t.Fatalf("round %d place %d: slot %+v", r, pos, sl)
			}
			idx = append(idx, sl.caseIdx)
		}
		orders[fmt.Sprint(idx)] = true
		slices.Sort(idx)
		if !slices.Equal(idx, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
			t.Fatalf("round %d runs cases %v, want each of 0-7 once", r, idx)
		}
	}
	if len(orders) < rounds/2 {
		t.Errorf("%d distinct orders in %d rounds of 8 cases: not shuffled afresh each round", len(orders), rounds)
	}
	p.Order = OrderSequential
	seq := p.schedule(3, 42)
	for k, sl := range seq {
		if sl.caseIdx != k/rounds || sl.round != k%rounds {
			t.Fatalf("sequential slot %d: %+v, want case %d round %d", k, sl, k/rounds, k%rounds)
		}
	}
}

// TestRoundsKeepWorkersAndRecordTheOrder runs two cases for three
// shuffled rounds: the results record the seed, and each repetition its
// round and place, matching the order the cases ran in.
func TestRoundsKeepWorkersAndRecordTheOrder(t *testing.T) {
	p := Plan{Transports: []string{"pipe", "unix-stream"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64},
		Count: 50, Rounds: 3, Seed: 7}
	var order []string
	f := Run(context.Background(), p, progressFunc(func(c Case) { order = append(order, c.Transport) }))
	if f.Config.Order != OrderShuffled || f.Config.OrderSeed != 7 || f.Config.Repeat != 3 {
		t.Errorf("config order %q seed %d rounds %d; want shuffled, 7, 3", f.Config.Order, f.Config.OrderSeed, f.Config.Repeat)
	}
	want := map[[2]int]string{}
	for k, tr := range order {
		want[[2]int{k / 2, k % 2}] = tr
	}
	if len(f.Cases) != 2 {
		t.Fatalf("%d cases, want 2", len(f.Cases))
	}
	for _, c := range f.Cases {
		if c.Status != results.StatusOK || len(c.Repetitions) != 3 || c.Messages != 3*100 {
			t.Fatalf("%s: %s %q, %d repetitions, %d messages; want ok, 3, 300", c.Transport, c.Status, c.Reason, len(c.Repetitions), c.Messages)
		}
		for i, r := range c.Repetitions {
			if r.Round != i || want[[2]int{r.Round, r.Position}] != c.Transport {
				t.Errorf("%s repetition %d: round %d place %d, but %q ran there (order %v)", c.Transport, i, r.Round, r.Position, want[[2]int{r.Round, r.Position}], order)
			}
		}
		if len(c.Workers) != 2 || c.Workers[0].Pid == 0 {
			t.Errorf("%s: workers %+v", c.Transport, c.Workers)
		}
	}
}

// TestRoundAfterAWorkerDiedFails runs two rounds in one pair of
// workers, then kills one before a third: the case fails naming the kill,
// and its kernel objects are removed (the leak check of TestMain).
func TestRoundAfterAWorkerDiedFails(t *testing.T) {
	s, out := openCase(Case{Transport: "sysv-shm", Workload: "pingpong", SizeBytes: 64, Count: 100})
	if s == nil {
		t.Fatalf("open: %s %s", out.Status, out.Reason)
	}
	var pids [2][]int
	for i := range 2 {
		r := s.round(context.Background())
		if r.Status != results.StatusOK {
			s.close()
			t.Fatalf("round %d: %s %s", i+1, r.Status, r.Reason)
		}
		for _, w := range r.Workers {
			pids[i] = append(pids[i], w.Pid)
		}
	}
	if !slices.Equal(pids[0], pids[1]) {
		t.Errorf("worker pids %v in round 1, %v in round 2: want the same processes", pids[0], pids[1])
	}
	victim := s.r.workers[0].cmd.Process
	victim.Kill()
	r := s.round(context.Background())
	if err := s.close(); err != nil {
		t.Errorf("close after the failed round: %v", err)
	}
	t.Logf("the round after the kill: %s", r.Reason)
	if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "killed") {
		t.Errorf("round 3 after a worker was killed: %s %q, want failed, naming the kill or the round", r.Status, r.Reason)
	}
	if again := s.round(context.Background()); again.Status != results.StatusFailed {
		t.Errorf("round 4 of a dead session: %s, want failed", again.Status)
	}
}

type doneFunc func(results.Case)

func (doneFunc) Start(_, _ int, _ Case)          {}
func (f doneFunc) Done(_, _ int, r results.Case) { f(r) }

// TestFailedRoundIsNotRerun: a case whose first round fails (a 1 ms time
// limit) is not started again in fresh processes: its later rounds give
// the same failure, naming the same worker pids, and the case fails with
// the round it failed in.
func TestFailedRoundIsNotRerun(t *testing.T) {
	p := Plan{Transports: []string{"pipe"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64},
		Duration: time.Second, Timeout: time.Millisecond, Rounds: 3}
	var reasons []string
	f := Run(context.Background(), p, doneFunc(func(r results.Case) { reasons = append(reasons, r.Reason) }))
	if len(reasons) != 3 || reasons[0] == "" || reasons[1] != reasons[0] || reasons[2] != reasons[0] {
		t.Errorf("round results %q: want one failure, the same each round", reasons)
	}
	if len(f.Cases) != 1 || f.Cases[0].Status != results.StatusFailed || !strings.HasPrefix(f.Cases[0].Reason, "round 1 of 3: ") {
		t.Errorf("case %+v, want failed in round 1 of 3", f.Cases)
	}
}
