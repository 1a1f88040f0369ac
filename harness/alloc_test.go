package harness

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestMeasuredLoopDoesNotAllocate runs each role's measured loop, clock reads,
// stamping, verification, histogram and self-checks included, against a
// loopback conn and requires zero allocations, for the default loops and
// run --sample-every's, on each clock the host allows. The transports' own
// Send and Recv are checked in package transports.
func TestMeasuredLoopDoesNotAllocate(t *testing.T) {
	clocks := testClocks(t)
	for _, wl := range workloads.All() {
		for _, side := range []transports.Side{transports.SideA, transports.SideB} {
			for i, every := range []uint64{1, 3} {
				clk := clocks[i%len(clocks)] // each clock on some loops: the loops read either alike
				spec := Spec{Case: Case{Workload: wl.Name, SizeBytes: 4096, Producers: 1, SampleEvery: every, Clock: clk}, Side: side}
				t.Run(fmt.Sprintf("%s/%s/every-%d/%s", wl.Name, side, every, clk), func(t *testing.T) {
					if allocs := loopAllocs(t, spec, wl); allocs != 0 {
						t.Errorf("%v allocations per 100-message phase, want 0", allocs)
					}
				})
			}
		}
	}
}

// loopAllocs is the allocations of one 100-message phase of spec's loop.
func loopAllocs(t *testing.T, spec Spec, wl workloads.Descriptor) float64 {
	l := newLoop(spec, wl, nil)
	l.conn = l.loopback()
	var finals [MaxProducers]atomic.Uint64 // fanin: one producer of 100 messages
	finals[0].Store(100)
	l.finals = &finals
	if wl.File { // the reader reads zeros, the writer writes to nowhere
		f, err := os.OpenFile(map[transports.Side]string{transports.SideA: "/dev/zero", transports.SideB: "/dev/null"}[spec.Side], os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		l.file = int(f.Fd())
	}
	var stop atomic.Uint64
	return testing.AllocsPerRun(20, func() {
		l.conn.(*loopbackConn).seq = 0
		stop.Store(100)
		if err := l.phase(&stop, 100, 0); err != nil {
			t.Fatal(err)
		}
	})
}
