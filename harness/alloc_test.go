package harness

import (
	"os"
	"sync/atomic"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestMeasuredLoopDoesNotAllocate runs each role's measured loop, clock reads,
// stamping, verification and histogram included, against a loopback conn and
// requires zero allocations. The transports' own Send and Recv are checked in
// package transports.
func TestMeasuredLoopDoesNotAllocate(t *testing.T) {
	for _, wl := range workloads.All() {
		for _, side := range []int{0, 1} {
			spec := Spec{Workload: wl.Name, SizeBytes: 4096, Producers: 1}
			spec.Side = transports.Side(side)
			l := newLoop(spec, wl, newLoopback(spec, wl))
			var finals [MaxProducers]atomic.Uint64 // fanin: one producer of 100 messages
			finals[0].Store(100)
			l.finals = &finals
			if wl.File { // the reader reads zeros, the writer writes to nowhere
				f, err := os.OpenFile(map[int]string{0: "/dev/zero", 1: "/dev/null"}[side], os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				l.file = int(f.Fd())
			}
			var stop atomic.Uint64
			allocs := testing.AllocsPerRun(20, func() {
				l.conn.(*loopbackConn).seq = 0
				stop.Store(100)
				if err := l.phase(&stop, 100, 0); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s: %v allocations per 100-message phase, want 0", l.role, allocs)
			}
		}
	}
}
