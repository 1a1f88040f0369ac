package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestKillEveryRoleAtEveryStage has each worker role of every transport
// SIGKILL itself at attach, warm-up, measurement and report. Every case
// must fail by the dead side's name and signal, without waiting out its
// timeout (10 s and more: a hang would show as "timed out"), and the leak
// check in TestMain must find nothing left behind. -short kills each
// transport once, taking the stages and sides in turn.
func TestKillEveryRoleAtEveryStage(t *testing.T) {
	for i, d := range transports.All() {
		for j, stage := range KillStages {
			for k, side := range []transports.Side{transports.SideA, transports.SideB} {
				if testing.Short() && i%(2*len(KillStages)) != 2*j+k {
					continue
				}
				wl := "pingpong"
				if side == transports.SideB && stage == KillAtMeasure && !d.DropsUnderOverload {
					wl = "stream" // the consumer dies while the producer streams at it
				} // (a sender that never waits overflows the queue in warm-up, before the kill)
				c := Case{Transport: d.Name, Workload: wl, SizeBytes: 64, Warmup: 50 * time.Millisecond,
					Duration: 200 * time.Millisecond, Hooks: Hooks{KillAt: stage, KillSide: side}}
				t.Run(c.name()+"/"+stage+"/side-"+side.String(), func(t *testing.T) {
					t.Parallel()
					r := RunCase(context.Background(), c)
					d, _ := workloads.Lookup(wl)
					who := "side " + side.String() + " (" + string(d.Roles[side])
					if r.Status != results.StatusFailed || !strings.Contains(r.Reason, who) ||
						!strings.Contains(r.Reason, "killed by signal killed") || strings.Contains(r.Reason, "timed out") {
						t.Errorf("got %s %q; want a failure naming %s) killed by signal killed", r.Status, r.Reason, who)
					}
				})
			}
		}
	}
}

// TestStalledWorkerTimesOut stops a worker (SIGSTOP) as measurement starts:
// nothing dies, so only the case's limit can end it, and the error must say
// which limit and where.
func TestStalledWorkerTimesOut(t *testing.T) {
	r := RunCase(context.Background(), Case{Transport: "sysv-shm", Workload: "pingpong", SizeBytes: 64,
		Duration: 200 * time.Millisecond, Timeout: 1500 * time.Millisecond, Hooks: Hooks{KillAt: StallAtMeasure, KillSide: transports.SideB}})
	if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "timed out after 1.5s during measurement") ||
		!strings.Contains(r.Reason, "set by --timeout") {
		t.Errorf("got %s %q; want a timeout naming the limit and the stage", r.Status, r.Reason)
	}
}
