package harness

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestRateStallShowsInP99 is the open loop's reason to exist: a consumer
// stopped (SIGSTOP) for 300 ms inside a 2 s window at 10k msgs/s delays
// every message scheduled in those 300 ms, about 15 % of the window, so
// the p99 measured from the intended send times is at least 100 ms. The
// same stall in a closed-loop stream is a handful of samples: its
// producer stamps a message only once there is room to send it. It
// asserts a latency floor that a known stall causes, not a speed.
func TestRateStallShowsInP99(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2 s window")
	}
	stall := Hooks{StallAt: 700 * time.Millisecond, StallNs: 300 * time.Millisecond}
	c := Case{Transport: "pipe", Workload: "rate", SizeBytes: 64, Duration: 2 * time.Second,
		Warmup: 20 * time.Millisecond, RateMsgsPerSec: 10_000, Arrivals: ArrivalsUniform, Hooks: stall}
	r := RunCase(context.Background(), c)
	if r.Status != results.StatusOK {
		t.Fatalf("rate: status %s: %s", r.Status, r.Reason)
	}
	t.Logf("rate: p50 %v p99 %v max %v, %.0f of %.0f msgs/s", time.Duration(r.Latency.P50Ns), time.Duration(r.Latency.P99Ns),
		time.Duration(r.Latency.MaxNs), r.AchievedRate, r.OfferedRate)
	if r.Latency.P99Ns < int64(100*time.Millisecond) {
		t.Errorf("rate p99 %v with a 300 ms stall, want at least 100 ms", time.Duration(r.Latency.P99Ns))
	}
	s := RunCase(context.Background(), Case{Transport: "pipe", Workload: "stream", SizeBytes: 64, Duration: 2 * time.Second,
		Warmup: 20 * time.Millisecond, Hooks: stall})
	if s.Status != results.StatusOK {
		t.Fatalf("stream: status %s: %s", s.Status, s.Reason)
	}
	t.Logf("stream, same stall: p50 %v p99 %v max %v over %d samples", time.Duration(s.Latency.P50Ns),
		time.Duration(s.Latency.P99Ns), time.Duration(s.Latency.MaxNs), s.Samples)
	if s.Latency.MaxNs < int64(100*time.Millisecond) {
		t.Errorf("stream max %v: the stall did not happen", time.Duration(s.Latency.MaxNs))
	}
}

// TestRateSaturationIsDetected offers far more than a consumer that works
// 200 µs per message can take (5k msgs/s at most): the case is saturated,
// says so, and carries no latency.
func TestRateSaturationIsDetected(t *testing.T) {
	c := Case{Transport: "pipe", Workload: "rate", SizeBytes: 64, Duration: 300 * time.Millisecond,
		RateMsgsPerSec: 50_000, Arrivals: ArrivalsPoisson, WorkNs: int64(200 * time.Microsecond)}
	r := RunCase(context.Background(), c)
	if r.Status != results.StatusSaturated {
		t.Fatalf("status %s (%s), achieved %.0f of %.0f msgs/s; want saturated", r.Status, r.Reason, r.AchievedRate, r.OfferedRate)
	}
	if r.OfferedRate != 50_000 || r.AchievedRate <= 0 || r.AchievedRate > 10_000 {
		t.Errorf("offered %.0f achieved %.0f msgs/s, want 50000 and at most 10000", r.OfferedRate, r.AchievedRate)
	}
	if r.Latency != (results.Latency{}) || r.HistogramHDR != "" || r.Reason == "" {
		t.Errorf("a saturated case kept its latency %+v or lost its reason %q", r.Latency, r.Reason)
	}
}

// TestRateRunsOnEveryTransport runs a short rate case on every transport
// at a rate any of them carries, uniform and Poisson.
func TestRateRunsOnEveryTransport(t *testing.T) {
	for _, d := range transports.All() {
		for _, arrivals := range []string{ArrivalsUniform, ArrivalsPoisson} {
			t.Run(d.Name+"/"+arrivals, func(t *testing.T) {
				r := RunCase(context.Background(), Case{Transport: d.Name, Workload: "rate", SizeBytes: 64,
					Duration: 100 * time.Millisecond, RateMsgsPerSec: 5000, Arrivals: arrivals})
				switch r.Status {
				case results.StatusSkipped:
					t.Skip(r.Reason)
				case results.StatusOK, results.StatusSaturated: // a loaded host may not keep up
				default:
					t.Fatalf("status %s: %s", r.Status, r.Reason)
				}
				if r.OfferedRate != 5000 || r.AchievedRate <= 0 || r.Messages == 0 {
					t.Errorf("offered %.0f achieved %.0f msgs/s over %d messages", r.OfferedRate, r.AchievedRate, r.Messages)
				}
			})
		}
	}
}

// TestWorkRunsOnStreamAndPingpong checks that --work reaches the
// consumer and the echoer: the worker's CPU time per message covers it.
func TestWorkRunsOnStreamAndPingpong(t *testing.T) {
	const work = 50 * time.Microsecond
	for _, wl := range []string{"stream", "pingpong"} {
		t.Run(wl, func(t *testing.T) {
			r := RunCase(context.Background(), Case{Transport: "pipe", Workload: wl, SizeBytes: 64, Count: 2000, WorkNs: int64(work)})
			if r.Status != results.StatusOK {
				t.Fatalf("status %s: %s", r.Status, r.Reason)
			}
			b := r.Workers[len(r.Workers)-1]
			perOp := float64(b.CPUUserNs+b.CPUSysNs) / float64(b.Messages)
			if perOp < 0.5*float64(work) {
				t.Errorf("side b spent %.0f ns of CPU per message with --work %v", perOp, work)
			}
		})
	}
}

// TestPacedAndWorkLoopsDoNotAllocate runs the paced producer (Poisson, at
// a rate that never sleeps) and the work loops against a loopback conn.
func TestPacedAndWorkLoopsDoNotAllocate(t *testing.T) {
	for _, wl := range []string{"rate", "stream", "pingpong"} {
		for _, side := range []transports.Side{transports.SideA, transports.SideB} {
			t.Run(wl+"/"+side.String(), func(t *testing.T) {
				d, _ := workloads.Lookup(wl)
				spec := Spec{Workload: wl, SizeBytes: 256, Side: side, Producers: 1,
					RateMsgsPerSec: MaxRate, Arrivals: ArrivalsPoisson, Seed: 7, WorkNs: 1000}
				l := newLoop(spec, d, nil)
				l.setPacing(spec)
				l.conn = l.loopback()
				var stop atomic.Uint64
				allocs := testing.AllocsPerRun(20, func() {
					l.conn.(*loopbackConn).seq = 0
					stop.Store(100)
					if err := l.phase(&stop, 100, 0); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%v allocations per 100-message phase, want 0", allocs)
				}
			})
		}
	}
}

func TestSpinCalibration(t *testing.T) {
	perNs := spinItersPerNs()
	if !(perNs > 0) || math.IsInf(perNs, 0) {
		t.Fatalf("%v iterations per ns", perNs)
	}
}

func TestPoissonGapsHaveTheRateMean(t *testing.T) {
	l := &loop{}
	l.setPacing(Spec{RateMsgsPerSec: 1e4, Arrivals: ArrivalsPoisson, Seed: 42})
	var sum float64
	const n = 100000
	for range n {
		sum += l.nextGapNs()
	}
	if mean := sum / n; math.Abs(mean-1e5) > 2e3 {
		t.Errorf("mean gap %.0f ns, want 100000 ± 2 %%", mean)
	}
}

func TestRatePlan(t *testing.T) {
	p := Plan{Transports: []string{"pipe"}, Workloads: []string{"stream", "rate"}, SizesBytes: []int{64},
		Duration: time.Second, Rates: []float64{1e4, 2e4}, Arrivals: ArrivalsPoisson, SLO: time.Millisecond, Work: time.Microsecond, SampleEvery: 1}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	cs := p.Cases()
	if len(cs) != 3 || cs[0].RateMsgsPerSec != 0 || cs[1].RateMsgsPerSec != 1e4 || cs[2].RateMsgsPerSec != 2e4 || cs[2].Arrivals != ArrivalsPoisson {
		t.Fatalf("cases %+v", cs)
	}
	for _, c := range cs {
		if c.WorkNs != int64(time.Microsecond) {
			t.Errorf("%s: work %d ns", c.Workload, c.WorkNs)
		}
	}
	for _, bad := range []Plan{
		{Rates: []float64{0}}, {Rates: []float64{2e8}}, {Arrivals: "bursty"}, {Work: 2 * time.Second},
		{Work: time.Microsecond, SampleEvery: 4}, {Workloads: []string{"rate"}},
	} {
		q := p
		if bad.Rates != nil {
			q.Rates = bad.Rates
		}
		if bad.Arrivals != "" {
			q.Arrivals = bad.Arrivals
		}
		if bad.Work != 0 {
			q.Work = bad.Work
		}
		if bad.SampleEvery != 0 {
			q.SampleEvery = bad.SampleEvery
		}
		if bad.Workloads != nil {
			q.Workloads, q.Rates = bad.Workloads, nil
		}
		if err := q.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// workloadRoles keeps the rate workload's roles what the loops expect.
func TestRateWorkloadRoles(t *testing.T) {
	wl, ok := workloads.Lookup("rate")
	if !ok || wl.Roles != [2]workloads.Role{workloads.Pacer, workloads.Consumer} || wl.Latency != workloads.OneWay || !wl.Stamped {
		t.Fatalf("rate workload %+v", wl)
	}
}
