package transports_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// TestSleepersSwitchOncePerRoundTrip counts the voluntary context switches
// of the transports that sleep, in a ping-pong across two worker processes
// pinned to CPUs 0 and 1. Each side waits once per round trip, and a wait
// sleeps at most once, so the design allows one voluntary switch per side per
// round trip. A sleep call that tells the Go runtime it has left (Syscall, not
// RawSyscall) lets sysmon hand the P off, and taking it back cost 1.25-1.7
// switches per side per round trip here (2-vCPU VM); the budget is 1.1, ten
// per cent over the design, for the runtime's own threads and stray signals.
//
// The results count switches per message, and a round trip carries two
// messages (the request and the reply), so 1.1 per round trip is 0.55 per
// message. It is a count, not a timing: a loaded host makes the sides wait
// longer, not more often.
func TestSleepersSwitchOncePerRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("runs eight worker processes (-short)")
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skipf("sched_getaffinity: %v: cannot tell whether CPUs 0 and 1 are ours", err)
	}
	if !set.IsSet(0) || !set.IsSet(1) {
		t.Skipf("this process may run on %d CPUs, not both 0 and 1: the test pins the sides to CPUs 0 and 1, where each wait of futex and eventfd sleeps", set.Count())
	}
	const budgetPerRoundTrip = 1.1
	// futex and eventfd sleep at every wait. spin-futex and shm-slots spin
	// 50 µs first, and a 64 B reply comes sooner, so side a busy-waits
	// 100 µs before each send (Hooks.SendDelay): side b's spin runs out and
	// it sleeps, and its sleep outlasts sysmon's 20 µs tick, as it must for
	// the P to be handed off.
	for _, tc := range []struct {
		name      string
		sendDelay time.Duration
	}{
		{"shm-ring-futex", 0},
		{"shm-ring-eventfd", 0},
		{"shm-ring-spin-futex", 100 * time.Microsecond},
		{"shm-slots", 100 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := harness.RunCase(context.Background(), harness.Case{Transport: tc.name, Workload: "pingpong", SizeBytes: 64,
				Count: 3000, Warmup: 20 * time.Millisecond, CPUs: []int{0, 1}, Hooks: harness.Hooks{SendDelay: tc.sendDelay}})
			checkSwitches(t, r, budgetPerRoundTrip)
		})
	}
}

// checkSwitches checks each side's voluntary switches per round trip in a
// ping-pong's results against budget.
func checkSwitches(t *testing.T, r results.Case, budget float64) {
	t.Helper()
	switch r.Status {
	case results.StatusSkipped:
		t.Skip(r.Reason)
	case results.StatusFailed:
		t.Fatal(r.Reason)
	}
	if r.RoundTrips == 0 || r.Messages != 2*r.RoundTrips || len(r.Workers) != 2 {
		t.Fatalf("%d round trips, %d messages, %d workers: want two messages per round trip and two workers",
			r.RoundTrips, r.Messages, len(r.Workers))
	}
	for _, w := range r.Workers {
		// VolCtxSwPerMsg is the worker's switches over the case's
		// messages, both directions.
		switches := w.VolCtxSwPerMsg * float64(r.Messages)
		perRoundTrip := switches / float64(r.RoundTrips)
		t.Logf("side %s (%s): %.0f voluntary switches in %d round trips: %.3f per round trip, %.3f per message",
			w.Side, w.Role, switches, r.RoundTrips, perRoundTrip, w.VolCtxSwPerMsg)
		if perRoundTrip > budget {
			t.Errorf("side %s: %.2f voluntary switches per round trip, want at most %.2f (one sleep per side per round trip)",
				w.Side, perRoundTrip, budget)
		}
	}
}
