package harness

import (
	"fmt"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
)

// Arrival schedules (run --arrivals).
const (
	ArrivalsUniform = "uniform" // every 1/rate seconds
	ArrivalsPoisson = "poisson" // exponential gaps of mean 1/rate: a Poisson process
)

// MaxWork bounds run --work.
const MaxWork = time.Second

// workApplies says whether run --work changes a role's loop: the consumer
// of stream and rate, and pingpong's echoer.
func workApplies(wl workloads.Descriptor, role workloads.Role) bool {
	return !wl.InPlace && !wl.Writers && (role == workloads.Consumer || role == workloads.Echoer)
}

// rateCases is c once per offered rate for the rate workload, and c
// itself for any other. A rate case times every message: its producer
// stamps each one with its intended time.
func (p Plan) rateCases(c Case) []Case {
	if wl, _ := workloads.Lookup(c.Workload); !wl.OpenLoop {
		return []Case{c}
	}
	cs := make([]Case, 0, len(p.Rates))
	for _, r := range p.Rates {
		rc := c
		rc.RateMsgsPerSec, rc.Arrivals, rc.SampleEvery = r, p.Arrivals, 0
		cs = append(cs, rc)
	}
	return cs
}

// openLoop is the first of workloads that is open-loop (rate), if any.
func openLoop(names []string) (string, bool) {
	for _, w := range names {
		if wl, _ := workloads.Lookup(w); wl.OpenLoop {
			return w, true
		}
	}
	return "", false
}

// validateRate checks the rate, arrivals, SLO and work of a plan.
func (p Plan) validateRate() error {
	for _, r := range p.Rates {
		if !(r > 0 && r <= results.MaxRate) {
			return planErrorf("Rates", fmt.Sprint(r), "want above 0 and at most %g msgs/s", results.MaxRate)
		}
	}
	if w, open := openLoop(p.Workloads); open && len(p.Rates) == 0 {
		return planErrorf("Rates", "", "the %s workload needs at least one rate", w)
	}
	if p.Arrivals != "" && p.Arrivals != ArrivalsUniform && p.Arrivals != ArrivalsPoisson {
		return planErrorf("Arrivals", p.Arrivals, "want %s or %s", ArrivalsUniform, ArrivalsPoisson)
	}
	if p.SLO < 0 || p.SLO > time.Hour {
		return planErrorf("SLO", p.SLO.String(), "want above 0 and at most 1h")
	}
	if p.Work < 0 || p.Work > MaxWork {
		return planErrorf("Work", p.Work.String(), "want 0 to %v", MaxWork)
	}
	if p.Work > 0 && p.SampleEvery > 1 {
		return planErrorf("Work", p.Work.String(), "times and checks every message: drop --sample-every")
	}
	return nil
}

// recordRate puts the plan's rates, arrivals and SLO (when it runs the
// rate workload) and its work in the results' config.
func (p Plan) recordRate(c *results.Config) {
	if _, open := openLoop(p.Workloads); open {
		c.Rates, c.Arrivals, c.SLONs = p.Rates, p.Arrivals, int64(p.SLO)
		if c.Arrivals == "" {
			c.Arrivals = ArrivalsUniform
		}
	}
	c.WorkNs = int64(p.Work)
}
