package harness

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// TestClockNsConverts: a difference of ticks converts to ns within 1 ns
// plus a part per billion at rates from 1 to 4 GHz, both signs, and
// exactly at CLOCK_MONOTONIC's 1 tick a ns.
func TestClockNsConverts(t *testing.T) {
	for _, hz := range []float64{1e9, 1.5e9, 2445411984.44, 3e9, 3.999999e9} {
		c := newClock(ClockTSC)
		c.setHz(hz)
		for _, ticks := range []int64{0, 1, 7, 1000, 123_456_789, 1e12, 3600 * 4e9, -1, -5000} {
			exact := float64(ticks) * 1e9 / hz
			got := c.ns(ticks)
			if math.Abs(float64(got)-exact) > 1+math.Abs(exact)*1e-9 {
				t.Errorf("%.0f Hz: ns(%d) = %d, want %.1f within 1 ns + 1 ppb", hz, ticks, got, exact)
			}
		}
	}
	v := newClock(ClockVDSO)
	for _, ticks := range []int64{0, 1, 999, 1 << 40, histMaxNs, -3} {
		if got := v.ns(ticks); got != ticks {
			t.Errorf("vdso: ns(%d) = %d, want it unchanged", ticks, got)
		}
	}
}

// TestClockErrorPPM: a window's rate against the calibrated one, signed.
func TestClockErrorPPM(t *testing.T) {
	c := newClock(ClockTSC)
	c.setHz(2e9)
	for _, tc := range []struct {
		ticks, ns int64
		want      float64
	}{
		{2_000_000_000, 1e9, 0},
		{2_000_400_000, 1e9, 200},
		{1_999_000_000, 1e9, -500},
		{5, 0, 0}, // no span: nothing to say
	} {
		got := c.errorPPM(clockPair{ns: 10, ticks: 20}, clockPair{ns: 10 + tc.ns, ticks: 20 + tc.ticks})
		if math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("%d ticks in %d ns at 2 GHz: %.3f ppm, want %.0f", tc.ticks, tc.ns, got, tc.want)
		}
	}
}

// TestPlanClock: auto takes the TSC where hostinfo allows it and says
// why; --clock tsc where it does not is refused with what is missing.
func TestPlanClock(t *testing.T) {
	const kvm = "clocksource is kvm-clock, not tsc (/sys/devices/system/clocksource/clocksource0/current_clocksource)"
	for _, tc := range []struct {
		clock    string
		eligible bool
		want     string // the clock, or "" for a refusal
		reason   string // a part of the reason, or of the error
	}{
		{"", true, ClockTSC, "auto: constant_tsc"},
		{ClockAuto, false, ClockVDSO, "auto: " + kvm},
		{ClockTSC, true, ClockTSC, "--clock tsc"},
		{ClockTSC, false, "", "Clock tsc: " + kvm + "; use --clock vdso"},
		{ClockVDSO, true, ClockVDSO, "--clock vdso"},
		{"hpet", true, "", "want auto, tsc or vdso"},
	} {
		t.Cleanup(func() { tscEligible = hostinfoTSC })
		tscEligible = func() (bool, string) {
			if tc.eligible {
				return true, "constant_tsc, nonstop_tsc and clocksource tsc"
			}
			return false, kvm
		}
		name, reason, err := Plan{Clock: tc.clock}.clock()
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("--clock %q, eligible %v: %v, want an error holding %q", tc.clock, tc.eligible, err, tc.reason)
			}
			continue
		}
		if err != nil || name != tc.want || !strings.Contains(reason, tc.reason) {
			t.Errorf("--clock %q, eligible %v: %s %q %v, want %s and %q", tc.clock, tc.eligible, name, reason, err, tc.want, tc.reason)
		}
	}
}

// testClocks are the clocks this host can run a case on, and why the TSC
// is left out where it is.
func testClocks(t *testing.T) []string {
	if ok, why := hostinfoTSC(); !ok {
		t.Logf("TSC not tested: %s", why)
		return []string{ClockVDSO}
	}
	return []string{ClockTSC, ClockVDSO}
}

// TestCasesReadTheirClock runs a pipe pingpong and a stream on each clock
// the host allows: both workers report the TSC's rate and the window's
// error where they read it, and latencies are positive and within the
// window.
func TestCasesReadTheirClock(t *testing.T) {
	for _, clk := range testClocks(t) {
		for _, wl := range []string{"pingpong", "stream"} {
			t.Run(clk+"/"+wl, func(t *testing.T) {
				r := RunCase(context.Background(), Case{Transport: "pipe", Workload: wl, SizeBytes: 64, Count: 2000, Clock: clk})
				if r.Status != results.StatusOK {
					t.Fatalf("status %s: %s", r.Status, r.Reason)
				}
				if r.Latency.MinNs <= 0 || r.Latency.MaxNs >= r.WindowNs {
					t.Errorf("latency %d to %d ns, want positive and below the %d ns window", r.Latency.MinNs, r.Latency.MaxNs, r.WindowNs)
				}
				for _, w := range r.Workers {
					if (w.TSCHz > 0) != (clk == ClockTSC) || math.Abs(w.TSCErrorPPM) > ClockErrorLimitPPM {
						t.Errorf("side %s: tsc_hz %.0f, tsc_error_ppm %.3f on clock %s", w.Side, w.TSCHz, w.TSCErrorPPM, clk)
					}
				}
			})
		}
	}
}

// TestClockMismatchFailsTheCase: a window whose rate disagrees with the
// calibration beyond the limit fails the case, saying so, and names
// --clock vdso.
func TestClockMismatchFailsTheCase(t *testing.T) {
	for _, clk := range testClocks(t) {
		r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "stream", SizeBytes: 64, Count: 2000, Clock: clk,
			Hooks: Hooks{ClockSkewPPM: 5 * ClockErrorLimitPPM}})
		if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "ppm from the") || !strings.Contains(r.Reason, "--clock vdso") {
			t.Errorf("clock %s, rate 1000 ppm off: %s %q, want failed naming the ppm and --clock vdso", clk, r.Status, r.Reason)
		}
	}
}

var benchSink int64

// BenchmarkClockRead times clock.now against the reads it wraps: the
// branch and the call it is not inlined into are what the choice costs.
// On the 2-vCPU EPYC VM: 14.5 ns against rdtsc's 13.9, 39 against
// nanotime's 35 (shared host, medians of 5).
func BenchmarkClockRead(b *testing.B) {
	for _, name := range []string{ClockTSC, ClockVDSO} {
		c := newClock(name)
		if name == ClockTSC && !tscReadable {
			continue
		}
		b.Run("now/"+name, func(b *testing.B) {
			for b.Loop() {
				benchSink += c.now()
			}
		})
	}
	if tscReadable {
		b.Run("rdtsc", func(b *testing.B) {
			for b.Loop() {
				benchSink += rdtsc()
			}
		})
	}
	b.Run("nanotime", func(b *testing.B) {
		for b.Loop() {
			benchSink += nanotime()
		}
	})
}
