package harness

import (
	"context"
	"math"
	"slices"
	"strings"
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
	// The stall filled the pipe (3000 messages, 1024 fit), so a send
	// blocked, and the lateness is the consumer side's. LATE's split of
	// the delay between sends and the pacer is logged, not asserted: it
	// blamed the pacer in 1 of 4 runs on an idle host, as the pacer's
	// catching up after the stall is its own delay too; whose delay a
	// stall was is an open question of the attribution, not of this test.
	t.Logf("send lateness %+v, pacer run-queue wait %.0f %% of its window", r.SendLateness, 100*pacerRunQueueShare(r))
	for _, f := range r.Flags {
		if f.Name == results.FlagLate {
			t.Logf("LATE %q", f.Detail)
		}
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
	for _, d := range eachTransport() {
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
				spec := Spec{Case: Case{Workload: wl, SizeBytes: 256, Producers: 1,
					RateMsgsPerSec: results.MaxRate, Arrivals: ArrivalsPoisson, WorkNs: 1000}, Side: side, Seed: 7}
				l := newLoop(spec, d, nil)
				if err := l.setPacing(spec); err != nil {
					t.Fatal(err)
				}
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

// TestPacerSleepsWithoutAllocating runs the paced producer at 20k msgs/s,
// where it sleeps before each message (reading its thread's CPU clock
// around the sleep) and records each send's lateness: no allocation, every
// message's lateness recorded, and its waiting counted.
func TestPacerSleepsWithoutAllocating(t *testing.T) {
	d, _ := workloads.Lookup("rate")
	spec := Spec{Case: Case{Workload: "rate", SizeBytes: 64, RateMsgsPerSec: 20_000, Arrivals: ArrivalsUniform}, Side: transports.SideA}
	l := newLoop(spec, d, nil)
	if err := l.setPacing(spec); err != nil {
		t.Fatal(err)
	}
	l.conn = l.loopback()
	var stop atomic.Uint64
	allocs := testing.AllocsPerRun(5, func() {
		if err := l.phase(&stop, 100, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per 100-message paced phase, want 0", allocs)
	}
	if n := l.late.TotalCount(); n != 100 || l.waitNs <= 0 {
		t.Errorf("%d send latenesses recorded of 100 messages, waited %d ns", n, l.waitNs)
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
	if err := l.setPacing(Spec{Case: Case{RateMsgsPerSec: 1e4, Arrivals: ArrivalsPoisson}, Seed: 42}); err != nil {
		t.Fatal(err)
	}
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

// sweepCase is a unix-dgram rate case of the sweep that `run --rate
// 9k,9.5k,9.8k,10k,10.2k --work 100us` gives on a 2-vCPU VM, where the
// consumer carries about 9.5k msgs/s: offered and achieved rate, the
// window's p50 and p99, and the drift of its p50 from the first half of
// the window to the second. Above capacity the achieved rate stays within
// 5 % of the offered up to 1.053 times capacity, while the backlog, and
// the latency with it, grows through the window.
type sweepCase struct {
	offered, achieved float64
	p50, p99          time.Duration
	drift             float64
}

var unixDgramWork100us = []sweepCase{
	{9000, 9000, 300 * time.Microsecond, 900 * time.Microsecond, 0.05},
	{9500, 9480, 1 * time.Millisecond, 4 * time.Millisecond, 0.30},
	{9800, 9500, 15 * time.Millisecond, 35700 * time.Microsecond, 3.43},
	{10000, 9550, 20 * time.Millisecond, 48400 * time.Microsecond, 1.77},
	{10200, 9300, 30 * time.Millisecond, 60 * time.Millisecond, 1.5},
}

// summarizeSweep runs summarizeRate on a sweep case as a run would: a 1 s
// uniform schedule kept to the message, and the case's latency and drift
// already summarized. pacer is the pacer's report (its lateness); nil for
// none.
func summarizeSweep(s sweepCase, pacer *Report) results.Case {
	c := Case{Transport: "unix-dgram", Workload: "rate", SizeBytes: 64, RateMsgsPerSec: s.offered, Arrivals: ArrivalsUniform}
	var a Report
	if pacer != nil {
		a = *pacer
	}
	a.Sent, a.StartNs, a.IntendedEndNs = uint64(s.offered), 1e9, 2e9
	out := results.Case{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes, MsgsPerSec: s.achieved,
		Latency: results.Latency{P50Ns: int64(s.p50), P99Ns: int64(s.p99)}, HistogramHDR: "x", Samples: uint64(s.achieved), Drift: s.drift}
	summarizeRate(c, []Report{a, {}}, &out)
	return out
}

// TestRateBacklogIsSaturated: between utilisation 1 and 1.053 the 5 %
// rule keeps a case ok although its queue grows through the window; the
// backlog test (stats.Backlog) makes 9.8k and 10k saturated, and leaves
// the stable cases below capacity ok.
func TestRateBacklogIsSaturated(t *testing.T) {
	for _, s := range unixDgramWork100us {
		out := summarizeSweep(s, nil)
		want := results.StatusOK
		if s.offered >= 9800 {
			want = results.StatusSaturated
		}
		if out.Status == "" {
			out.Status = results.StatusOK // as runOne sets it
		}
		if out.Status != want {
			t.Errorf("%.0f msgs/s offered, %.0f achieved, drift %+.0f %%: %s (%s), want %s", s.offered, s.achieved, 100*s.drift, out.Status, out.Reason, want)
		}
		if out.Status == results.StatusSaturated && (out.Latency != (results.Latency{}) || out.HistogramHDR != "" || out.Reason == "") {
			t.Errorf("%.0f msgs/s: saturated but kept its latency %+v, or says no reason %q", s.offered, out.Latency, out.Reason)
		}
		if s.offered == 9800 && !strings.Contains(out.Reason, "backlog growing") {
			t.Errorf("9.8k: reason %q does not name the growing backlog", out.Reason)
		}
	}
}

// TestRateLatenessIsFlaggedWithWhoseFault: a pacer whose p99 send went out
// 1.93 ms late at 20k msgs/s flags LATE, and says whose delay it was: its
// own where its own delays made most of it; the consumer side's where its
// sends did (they blocked on a full queue, or were slow); its CPU's where
// its sends did but it waited for a CPU about as long (--cpus 0,0: the
// consumer preempts it inside the send that wakes it). A pacer on time
// flags nothing.
func TestRateLatenessIsFlaggedWithWhoseFault(t *testing.T) {
	s := sweepCase{offered: 20000, achieved: 20000, p50: 30 * time.Microsecond, p99: 1930 * time.Microsecond}
	late := func(p99Ns int64, sendsShare float64, runQueueWaitNs int64) *Report {
		r := &Report{SendLateness: &results.SendLateness{P50Ns: 200, P99Ns: p99Ns, MaxNs: 2 * p99Ns, SendsShare: sendsShare}}
		r.Interference.RunQueueWaitNs, r.Interference.SpanNs = &runQueueWaitNs, 1e9
		return r
	}
	for _, tc := range []struct {
		name  string
		pacer *Report
		want  string // in the LATE detail; "" for no flag
	}{
		{"on time", late(1500, 0, 0), ""},
		{"pacer", late(1_930_000, 0.1, 50e6), "woke late or waited for a CPU (load generator, not transport)"},
		{"transport", late(1_930_000, 0.9, 60e6), "the consumer side fell behind"},
		{"shared CPU", late(1_930_000, 0.6, 150e6), "waited for a CPU 15 % of its window, in its sends too"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := summarizeSweep(s, tc.pacer)
			if out.SendLateness == nil || *out.SendLateness != *tc.pacer.SendLateness {
				t.Errorf("send lateness %+v, want %+v", out.SendLateness, tc.pacer.SendLateness)
			}
			i := slices.IndexFunc(out.Flags, func(f results.Flag) bool { return f.Name == results.FlagLate })
			switch {
			case tc.want == "" && i >= 0:
				t.Errorf("flagged LATE: %q", out.Flags[i].Detail)
			case tc.want != "" && i < 0:
				t.Errorf("no LATE flag, flags %+v", out.Flags)
			case tc.want != "" && !strings.Contains(out.Flags[i].Detail, tc.want):
				t.Errorf("LATE %q, want it to say %q", out.Flags[i].Detail, tc.want)
			case i >= 0 && len(out.Flags[i].Detail) > results.MaxFlagDetailBytes:
				t.Errorf("LATE detail of %d bytes, above %d", len(out.Flags[i].Detail), results.MaxFlagDetailBytes)
			}
		})
	}
	// A saturation with a pacer late by its own delays is the pacer's.
	out := summarizeSweep(sweepCase{offered: 20000, achieved: 15000, p50: time.Millisecond, p99: 3 * time.Millisecond},
		late(5_000_000, 0.1, 20e6))
	if out.Status != results.StatusSaturated || !strings.Contains(out.Reason, "the load generator, not the transport") {
		t.Errorf("saturated by a late pacer: %s (%s)", out.Status, out.Reason)
	}
}

// TestRateReportsSendLatenessAndPacerCPU runs real rate cases at 20k
// msgs/s, a message every 50 µs, with and without a 20 µs busy-wait in
// each send (Hooks.SendDelay, a slower transport): the pacer reports its
// send lateness and its waiting, its CPU per message leaves the waiting
// out, and the slower sends raise it. The pacer used to spin 80 µs before
// every send, busy all the time above 12.5k msgs/s, so that its CPU per
// message was the gap whatever a send cost.
func TestRateReportsSendLatenessAndPacerCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("two rate cases of 300 ms")
	}
	const delay = 20 * time.Microsecond
	var pacerNsPerMsg [2]float64
	for i, d := range []time.Duration{0, delay} {
		r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "rate", SizeBytes: 64, Duration: 300 * time.Millisecond,
			Warmup: 20 * time.Millisecond, RateMsgsPerSec: 20_000, Arrivals: ArrivalsUniform, Hooks: Hooks{SendDelay: d}})
		if r.Status != results.StatusOK && r.Status != results.StatusSaturated { // a loaded host may not keep up
			t.Fatalf("send delay %v: status %s: %s", d, r.Status, r.Reason)
		}
		if r.SendLateness == nil || r.SendLateness.MaxNs < r.SendLateness.P99Ns || r.SendLateness.P99Ns < r.SendLateness.P50Ns {
			t.Fatalf("send delay %v: send lateness %+v", d, r.SendLateness)
		}
		p := r.Workers[0]
		if p.Role != string(workloads.Pacer) || p.PacerWaitNs <= 0 {
			t.Fatalf("send delay %v: side a %s waited %d ns for send times", d, p.Role, p.PacerWaitNs)
		}
		net := float64(max(0, p.CPUUserNs+p.CPUSysNs-p.PacerWaitNs)) / float64(r.Messages)
		if math.Abs(p.CPUNsPerMsg-net) > 1e-6 {
			t.Errorf("send delay %v: pacer cpu/msg %.0f ns, want user+sys less its waiting, %.0f", d, p.CPUNsPerMsg, net)
		}
		pacerNsPerMsg[i] = p.CPUNsPerMsg
		t.Logf("send delay %v: pacer %.0f ns/msg net of %.1f ms waiting, case %.0f ns/msg, sent late p50 %v p99 %v max %v, %.0f %% from sends",
			d, p.CPUNsPerMsg, float64(p.PacerWaitNs)/1e6, r.CPUNsPerMsg, time.Duration(r.SendLateness.P50Ns),
			time.Duration(r.SendLateness.P99Ns), time.Duration(r.SendLateness.MaxNs), 100*r.SendLateness.SendsShare)
	}
	if rise := pacerNsPerMsg[1] - pacerNsPerMsg[0]; rise < 0.5*float64(delay) {
		t.Errorf("a %v busy-wait in each send raised the pacer's cpu/msg by %.0f ns (%.0f to %.0f), want at least half of it",
			delay, rise, pacerNsPerMsg[0], pacerNsPerMsg[1])
	}
}

// pacerRunQueueShare is the share of its window the pacer spent runnable
// but waiting for a CPU; 1 where unknown.
func pacerRunQueueShare(r results.Case) float64 {
	for _, w := range r.Workers {
		if w.Role == string(workloads.Pacer) && w.RunQueueWaitNs != nil && w.WindowNs > 0 {
			return float64(*w.RunQueueWaitNs) / float64(w.WindowNs)
		}
	}
	return 1
}
