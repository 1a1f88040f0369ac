package cli

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestRunHelpListsOptIns: run --help names every transport and workload
// that runs only when named, as the registries say.
func TestRunHelpListsOptIns(t *testing.T) {
	_, stdout, _ := runCLI("run", "--help")
	for _, reg := range []struct{ all, defaults []string }{
		{transports.Names(), transports.Defaults()},
		{workloads.Names(), workloads.Defaults()},
	} {
		for _, name := range reg.all {
			if !strings.Contains(stdout, name) {
				t.Errorf("run --help does not name %s", name)
			}
		}
		if len(reg.defaults) == len(reg.all) {
			t.Errorf("no opt-in member in %v", reg.all)
		}
	}
	var optIn []string
	for _, w := range workloads.All() {
		if !w.Default {
			optIn = append(optIn, w.Name)
		}
	}
	if want := "opt-in, run only when named: " + strings.Join(optIn, ", "); !strings.Contains(stdout, want) {
		t.Errorf("run --help does not say %q:\n%s", want, stdout)
	}
}

// TestPlanFieldsHaveFlags: every harness.Plan field has, in planFlags, a
// flag run registers, so that an error of Plan.Validate about any field,
// a new one too, names the flag to fix.
func TestPlanFieldsHaveFlags(t *testing.T) {
	flags := runCommand(&runOptions{}).Flags()
	plan := reflect.TypeFor[harness.Plan]()
	for i := range plan.NumField() {
		name := plan.Field(i).Name
		if flag, ok := planFlags[name]; !ok || flags.Lookup(strings.TrimPrefix(flag, "--")) == nil {
			t.Errorf("harness.Plan.%s: planFlags names no run flag for it (%q)", name, flag)
		}
	}
	if len(planFlags) != plan.NumField() {
		t.Errorf("planFlags has %d fields, harness.Plan %d", len(planFlags), plan.NumField())
	}
}

// TestPlanErrorsNameTheirFlag: each field Plan.Validate refuses comes back
// from planUsageError naming the flag that sets it.
func TestPlanErrorsNameTheirFlag(t *testing.T) {
	for flag, bad := range map[string]func(*harness.Plan){
		"--transports":      func(p *harness.Plan) { p.Transports = []string{"carrier-pigeon"} },
		"--workloads":       func(p *harness.Plan) { p.Workloads = []string{"broadcast"} },
		"--sizes":           func(p *harness.Plan) { p.SizesBytes = []int{0} },
		"--duration":        func(p *harness.Plan) { p.Duration = 0 },
		"--warmup":          func(p *harness.Plan) { p.Warmup = -1 },
		"--producers":       func(p *harness.Plan) { p.Workloads, p.Producers = []string{"fanin"}, 0 },
		"--cpus":            func(p *harness.Plan) { p.CPUs = []int{0} },
		"--depth":           func(p *harness.Plan) { p.Depth = -1 },
		"--sample-every":    func(p *harness.Plan) { p.SampleEvery = harness.MaxSampleEvery + 1 },
		"--rate":            func(p *harness.Plan) { p.Rates = []float64{-1} },
		"--arrivals":        func(p *harness.Plan) { p.Arrivals = "bursty" },
		"--slo":             func(p *harness.Plan) { p.SLO = -1 },
		"--work":            func(p *harness.Plan) { p.Work = -1 },
		"--test-send-delay": func(p *harness.Plan) { p.SendDelay = map[string]time.Duration{"pipe": -1} },
		"--rounds":          func(p *harness.Plan) { p.Rounds = -1 },
		"--order":           func(p *harness.Plan) { p.Order = "random" },
	} {
		p := harness.Plan{Transports: []string{"pipe"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64}, Duration: time.Second}
		bad(&p)
		if err := planUsageError(p.Validate()); err == nil || !strings.HasPrefix(err.Error(), flag+" ") && !strings.HasPrefix(err.Error(), flag+":") {
			t.Errorf("a bad %s: %v", flag, err)
		}
	}
}
