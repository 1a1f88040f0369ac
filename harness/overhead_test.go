package harness

import (
	"math"
	"runtime"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestLoopOverheadTimesTheStandInApart: the loopback's copies stand in
// for the transport's, so loopOverheadNs takes them out. It does so by
// making every copy the loop had made again, on its own: as many Recv
// and RecvSlot calls as the loop made (none for a producer, which sends
// into a loopback that copies nothing), each delivering a real message.
// What they cost is a timing, which a test does not assert.
func TestLoopOverheadTimesTheStandInApart(t *testing.T) {
	const size, n = 64 << 10, 64
	for _, tc := range []struct {
		workload string
		side     transports.Side
		copies   uint64 // copying calls per iteration
	}{
		{"pingpong", transports.SideA, 1},
		{"pingpong", transports.SideB, 1},
		{"stream", transports.SideA, 0},
		{"stream", transports.SideB, 1},
		{"stream-inplace", transports.SideA, 0},
		{"stream-inplace", transports.SideB, 1},
	} {
		t.Run(tc.workload+"/"+tc.side.String(), func(t *testing.T) {
			// Thread CPU time, as a worker's one locked thread: a goroutine
			// that moved between threads would subtract two threads' times.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			wl, _ := workloads.Lookup(tc.workload)
			l := newLoop(Spec{Case: Case{Workload: tc.workload, SizeBytes: size}, Side: tc.side}, wl, nil)
			loopNs, standInNs, lb, err := timeLoopback(l, n)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := lb.recvs+lb.slots, (1+standInTimings)*n*tc.copies; got != want {
				t.Errorf("%d copying calls, want %d: %d by the loop and %d times as many timed apart", got, want, n*tc.copies, standInTimings)
			}
			if loopNs <= 0 || standInNs < 0 {
				t.Errorf("loop %d ns, stand-in %d ns", loopNs, standInNs)
			}
			// The copies timed apart are real messages, as the loop's were.
			if tc.copies > 0 && tc.side == transports.SideB {
				if err := l.msgs.check(l.buf, lb.seq-1); err != nil {
					t.Errorf("the last copy timed apart: %v", err)
				}
			}
		})
	}
}

// TestLoopOverheadRecoversKnownCost: the overhead figure is what the loop
// really costs. An echoer's and a consumer's loop are timed against the
// loopback plain and then with a spin of known cost after every message
// (run --work's loop); the overhead must grow by that spin's cost, timed
// on its own in the same thread. Both are CPU-time minima of the same
// thread, so the host's speed cancels out of the comparison: the test
// checks the estimator's accounting, which a loop timed by the wall clock
// or a spin left out would fail, not a speed.
func TestLoopOverheadRecoversKnownCost(t *testing.T) {
	const size, n, spinIters = 64, 4000, 4000 // a spin of a few µs: far above the loop's own tens of ns
	for _, tc := range []struct {
		workload string
		side     transports.Side
	}{
		{"pingpong", transports.SideB},
		{"stream", transports.SideB},
	} {
		t.Run(tc.workload, func(t *testing.T) {
			runtime.LockOSThread() // thread CPU time, as a worker's one locked thread
			defer runtime.UnlockOSThread()
			wl, _ := workloads.Lookup(tc.workload)
			l := newLoop(Spec{Case: Case{Workload: tc.workload, SizeBytes: size}, Side: tc.side}, wl, nil)
			plain, err := loopOverheadNs(l, size)
			if err != nil {
				t.Fatal(err)
			}
			l.workIters = spinIters
			worked, err := loopOverheadNs(l, size)
			if err != nil {
				t.Fatal(err)
			}
			spinNs := int64(math.MaxInt64)
			for range standInTimings {
				t0 := threadCPUNs()
				for range n {
					spinSink = spin(spinIters)
				}
				spinNs = min(spinNs, threadCPUNs()-t0)
			}
			known := float64(spinNs) / n
			if got := worked - plain; got < 0.75*known || got > 1.33*known {
				t.Errorf("overhead %.0f ns plain, %.0f ns with a spin of %.0f ns a message: grew by %.0f ns, want within ×0.75–1.33 of the spin",
					plain, worked, known, got)
			}
		})
	}
}
