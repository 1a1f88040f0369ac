package harness

import (
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
