package harness

import (
	"math"
	"math/bits"
	"unsafe" // for go:linkname, and the clock_gettime argument

	"github.com/ipcbench/ipcbench/hostinfo"
	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// nanotime is the runtime's vDSO read of CLOCK_MONOTONIC, in nanoseconds. It
// is the raw clock, shared by every process on the host, so a timestamp taken
// in one worker can be subtracted from one taken in another (time.Now's
// monotonic reading is relative to process start and cannot). It costs a few
// tens of nanoseconds and makes no syscall, unlike unix.ClockGettime.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// threadCPUNs is the CPU time this thread has run, in nanoseconds
// (CLOCK_THREAD_CPUTIME_ID, a system call): time spent waiting for a CPU
// is not in it, so a figure timed with it holds on a loaded host. A raw
// call: the worker's one locked thread keeps its P.
func threadCPUNs() int64 {
	var ts unix.Timespec
	unix.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_THREAD_CPUTIME_ID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// The clocks a case's loops may read (Case.Clock, run --clock).
const (
	ClockTSC  = results.ClockTSC  // the CPU's time-stamp counter (rdtsc), where hostinfo.TSC allows it
	ClockVDSO = results.ClockVDSO // CLOCK_MONOTONIC through the vDSO (nanotime)
)

// clock is what the measured loops read: now() in ticks of the TSC, or of
// CLOCK_MONOTONIC (1 ns), and ns, the one conversion every difference of
// ticks they record goes through. Both sides of a case read the same
// clock, so a stream's consumer subtracts its producer's stamp in ticks.
type clock struct {
	tsc bool
	// nsPerTick32 is nanoseconds per tick in 32.32 fixed point
	// (ns = ticks·nsPerTick32 >> 32): exactly 1<<32 for CLOCK_MONOTONIC.
	nsPerTick32 uint64
	hz          float64 // ticks per second; 1e9 for CLOCK_MONOTONIC
}

// newClock is the clock name (ClockTSC or ClockVDSO) at a nominal rate:
// a TSC clock must be calibrated before its ns means anything.
func newClock(name string) clock {
	c := clock{tsc: name == ClockTSC}
	c.setHz(1e9)
	return c
}

// now reads the clock, in ticks. The branch goes the same way on every
// call, and is cheaper than a call through a function value.
func (c *clock) now() int64 {
	if c.tsc {
		return rdtsc()
	}
	return nanotime()
}

// ns converts a difference of ticks to nanoseconds: one 64×64→128-bit
// multiply and a shift, no division. Its error is below 1 ns per 2^32
// ns (4.3 s) of ticks, and it truncates.
func (c *clock) ns(ticks int64) int64 {
	u := uint64(ticks)
	if ticks < 0 {
		u = -u
	}
	hi, lo := bits.Mul64(u, c.nsPerTick32)
	ns := int64(hi<<32 | lo>>32)
	if ticks < 0 {
		return -ns
	}
	return ns
}

// ticks converts nanoseconds to ticks, for a deadline or a schedule: set
// once a phase, not per message.
func (c *clock) ticks(ns float64) float64 { return ns * c.hz / 1e9 }

// setHz sets the rate ns converts at.
func (c *clock) setHz(hz float64) {
	c.hz = hz
	c.nsPerTick32 = uint64(math.Round(1e9 / hz * (1 << 32)))
}

// clockPair is one reading of both clocks: CLOCK_MONOTONIC in ns, and the
// loops' clock in ticks.
type clockPair struct{ ns, ticks int64 }

// pairTries is how many pairs pair takes to keep the tightest.
const pairTries = 3

// pair reads both clocks: the ticks between two nanotime reads, of
// pairTries the one with the narrowest bracket (a pair the scheduler
// interrupted is wide), ns its midpoint.
func (c *clock) pair() clockPair {
	if !c.tsc {
		ns := nanotime()
		return clockPair{ns, ns}
	}
	best, width := clockPair{}, int64(math.MaxInt64)
	for range pairTries {
		a := nanotime()
		t := rdtsc()
		b := nanotime()
		if b-a < width {
			best, width = clockPair{a + (b-a)/2, t}, b-a
		}
	}
	return best
}

// minCalibrationNs is the shortest span calibrate times the TSC over: a
// pair is good to about 20 ns, 10 ppm of it.
const minCalibrationNs = 2_000_000

// calibrate sets the rate from the span between from and now, waiting
// until the span is at least minCalibrationNs. A CLOCK_MONOTONIC clock
// needs none.
func (c *clock) calibrate(from clockPair) {
	if !c.tsc {
		return
	}
	to := c.pair()
	for to.ns-from.ns < minCalibrationNs {
		to = c.pair()
	}
	c.setHz(float64(to.ticks-from.ticks) / float64(to.ns-from.ns) * 1e9)
}

// errorPPM is how far the rate of the span from a to b (a window's
// start and end) lies from the rate ns converts at, in parts per million.
func (c *clock) errorPPM(a, b clockPair) float64 {
	if b.ns <= a.ns {
		return 0
	}
	spanHz := float64(b.ticks-a.ticks) / float64(b.ns-a.ns) * 1e9
	return (spanHz/c.hz - 1) * 1e6
}

// ClockErrorLimitPPM bounds errorPPM over a measured window: beyond it
// the TSC did not keep the rate it was calibrated at (a clock source the
// kernel changed, a host that scaled it), and the case fails.
const ClockErrorLimitPPM = results.ClockErrorLimitPPM

// clockName is the clock c's loops read: "" is ClockVDSO.
func (c Case) clockName() string {
	if c.Clock == "" {
		return ClockVDSO
	}
	return c.Clock
}

// ClockAuto is run --clock's default: ClockTSC where hostinfo.TSC allows
// it, ClockVDSO elsewhere.
const ClockAuto = "auto"

// tscEligible decides whether the TSC may be read (hostinfo.TSC); a
// variable, so that a test can play a host without one.
var tscEligible = hostinfoTSC

// hostinfoTSC is hostinfo.TSC, kept for a test to restore tscEligible.
var hostinfoTSC = hostinfo.TSC

// clock resolves the plan's clock to ClockTSC or ClockVDSO, with why: the
// one place that decides, for every case of the run. Asked for the TSC on
// a host where it cannot be trusted, it refuses with what is missing.
func (p Plan) clock() (name, reason string, err error) {
	switch p.Clock {
	case ClockVDSO:
		return ClockVDSO, "--clock vdso", nil
	case ClockTSC:
		if ok, why := tscEligible(); !ok {
			return "", "", planErrorf("Clock", ClockTSC, "%s; use --clock %s", why, ClockVDSO)
		}
		return ClockTSC, "--clock tsc", nil
	case "", ClockAuto:
		ok, why := tscEligible()
		if ok {
			return ClockTSC, "auto: " + why, nil
		}
		return ClockVDSO, "auto: " + why, nil
	}
	return "", "", planErrorf("Clock", p.Clock, "want %s, %s or %s", ClockAuto, ClockTSC, ClockVDSO)
}
