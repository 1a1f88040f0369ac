package harness

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// TestDefaultPlacement: a plan without CPUs pins side a and side b to two
// distinct CPUs where this process has two, and records where and why;
// Unpinned (--cpus none) leaves them to the scheduler; CPUs pins there.
func TestDefaultPlacement(t *testing.T) {
	allowed := allowedCPUs()
	base := Plan{Transports: []string{"pipe"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64}, Count: 300}
	for _, tc := range []struct {
		name      string
		plan      func(Plan) Plan
		cpus      []int
		placement string
	}{
		{"default", func(p Plan) Plan { return p }, DefaultCPUs(), "default"},
		{"none", func(p Plan) Plan { p.Unpinned = true; return p }, nil, "scheduler (--cpus none)"},
		{"cpus", func(p Plan) Plan { p.CPUs = []int{allowed[0], allowed[0]}; return p }, []int{allowed[0], allowed[0]}, "(--cpus)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plan(base)
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			f := Run(context.Background(), p, nil)
			if fmt.Sprint(f.Config.CPUs) != fmt.Sprint(tc.cpus) || !strings.Contains(f.Config.Placement, tc.placement) {
				t.Errorf("config CPUs %v placement %q; want %v and %q", f.Config.CPUs, f.Config.Placement, tc.cpus, tc.placement)
			}
			if f.Config.WorkerGODEBUG != WorkerGODEBUG() {
				t.Errorf("config worker GODEBUG %q, want %q", f.Config.WorkerGODEBUG, WorkerGODEBUG())
			}
			if len(f.Cases) != 1 || f.Cases[0].Status != results.StatusOK {
				t.Fatalf("cases %+v", f.Cases)
			}
			for i, w := range f.Cases[0].Workers {
				want := cpuListOf(allowed)
				if tc.cpus != nil {
					want = fmt.Sprint(tc.cpus[i]) // every thread, the runtime's too
				}
				if w.CPUsAllowed != want {
					t.Errorf("side %s: CPUs allowed %q, want %q", w.Side, w.CPUsAllowed, want)
				}
			}
		})
	}
	if len(allowed) >= 2 {
		if cpus := DefaultCPUs(); len(cpus) != 2 || cpus[0] == cpus[1] {
			t.Errorf("DefaultCPUs() = %v with CPUs %v allowed; want two distinct", cpus, allowed)
		}
	}
	if err := (Plan{Transports: []string{"pipe"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64}, Duration: time.Second,
		CPUs: []int{0, 0}, Unpinned: true}).Validate(); err == nil {
		t.Errorf("CPUs with Unpinned accepted")
	}
}

// cpuListOf writes CPUs as the kernel's Cpus_allowed_list does, for the
// contiguous lists a test host gives ("0-1").
func cpuListOf(cpus []int) string {
	if len(cpus) == 1 {
		return fmt.Sprint(cpus[0])
	}
	return fmt.Sprintf("%d-%d", cpus[0], cpus[len(cpus)-1])
}
