package harness

// The open-loop rate workload and consumer work (run --rate, --arrivals,
// --work). The paced producer sends each message at the time a schedule
// fixed in advance says, and stamps it with that intended time, not the
// time it went out: a producer that is held up (the transport full, the
// consumer stopped) sends what it owes at once, and every message it
// delayed carries the delay. A closed-loop stream hides the same stall as
// one slow sample, because its producer stamps a message only once there
// is room to send it (coordinated omission).

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// Arrival schedules (run --arrivals).
const (
	ArrivalsUniform = "uniform" // every 1/rate seconds
	ArrivalsPoisson = "poisson" // exponential gaps of mean 1/rate: a Poisson process
)

// SaturationMargin is how far a rate case's achieved rate may fall below
// the rate its schedule offered before the case is saturated: 5 %. The
// offered rate it is held to is the schedule's own (messages sent over the
// span of their intended times), so a Poisson schedule's natural spread in
// its count of arrivals is not taken for saturation.
const SaturationMargin = 0.05

// MaxRate bounds run --rate: 100M msgs/s, a message every 10 ns, is beyond
// any transport and any clock read.
const MaxRate = 1e8

// MaxWork bounds run --work.
const MaxWork = time.Second

// pacing is a paced producer's schedule and the consumer's (or echoer's)
// work, set by setPacing once the loop's own overhead is measured: until
// then gapNs is 0 and the pacer sends back to back, so that
// loopOverheadNs times its bookkeeping and not its waiting.
type pacing struct {
	gapNs     float64 // mean gap between intended send times; 0: none
	poisson   bool
	rng       uint64 // xorshift64* state, seeded per case
	workIters uint64 // spin iterations per message; 0: no work
	// sleepTs is the absolute wake-up time of the pacer's clock_nanosleep,
	// and cpuTs a reading of its thread's CPU clock, held here so that
	// passing them to the kernel allocates nothing.
	sleepTs, cpuTs unix.Timespec
	// What the pacer records in a phase: late holds each message's send
	// lateness (actual − intended send time; allocated by newLoop for the
	// pacer only), waitNs its waiting for intended times (the time it
	// spun on the clock and the CPU its sleeps took). Each delay it meets
	// is added to lateBySendsNs or lateOwnNs by its cause (waitUntil),
	// prevSentNs when the last send began.
	late          *hdrhistogram.Histogram
	waitNs        int64
	lateBySendsNs int64
	lateOwnNs     int64
	prevSentNs    int64
}

// pacerTimerSlackNs is the pacer thread's timer slack: the kernel may
// defer a sleeper's wake-up by its slack (50 µs by default) to batch
// timers, and a pacer that sleeps towards a due time wants none.
const pacerTimerSlackNs = 1

// setPacing arms the schedule and the work for the warm-up and the window,
// and gives a pacing thread (the worker's one locked thread) its timer
// slack.
func (l *loop) setPacing(spec Spec) error {
	if spec.RateMsgsPerSec > 0 {
		l.gapNs = 1e9 / spec.RateMsgsPerSec
		l.poisson = spec.Arrivals == ArrivalsPoisson
		l.rng = spec.Seed | 1 // xorshift's state must not be 0
		if err := unix.Prctl(unix.PR_SET_TIMERSLACK, pacerTimerSlackNs, 0, 0, 0); err != nil {
			return fmt.Errorf("pacer: prctl PR_SET_TIMERSLACK %d ns: %w", pacerTimerSlackNs, err)
		}
	}
	if spec.WorkNs > 0 {
		l.workIters = uint64(float64(spec.WorkNs) * spinItersPerNs())
	}
	return nil
}

// resetPacing empties what the pacer records, before a phase.
func (l *loop) resetPacing() {
	if l.late != nil {
		l.late.Reset()
	}
	l.waitNs, l.lateBySendsNs, l.lateOwnNs, l.prevSentNs = 0, 0, 0, 0
}

// nextGapNs is the gap to the next intended send time.
func (l *loop) nextGapNs() float64 {
	if !l.poisson {
		return l.gapNs
	}
	// xorshift64*: fast, allocation-free, and plenty for arrival times.
	l.rng ^= l.rng >> 12
	l.rng ^= l.rng << 25
	l.rng ^= l.rng >> 27
	u := float64((l.rng*2685821657736338717)>>11) / (1 << 53) // [0, 1)
	return -math.Log1p(-u) * l.gapNs                          // exponential, mean gapNs
}

// pacerSpinNs is how close to a message's intended time the pacer stops
// sleeping and spins on the clock. On a quiet 2-vCPU VM a clock_nanosleep
// woke 7-13 µs late at the median, 10-29 µs at p90 and 34-286 µs at p99
// with a timer slack of 1 ns (61-63 µs at the median with the default
// 50 µs; docs/measurements/2026-12-07-rate-pacer.md). A 25 µs spin covers
// the p90 wake-up: the pacer spins about 13 µs a message, where 80 µs kept
// it busy all the time at rates above 12.5k msgs/s.
const pacerSpinNs = 25_000

// waitUntil returns at the intended time dueNs or as soon after it as it
// can, and returns the time it returned (the send time): it sleeps until
// pacerSpinNs before dueNs, then spins on the clock. A message already due
// returns at once.
//
// It adds the delay it meets to one of two causes. Found already past
// dueNs, the pacer is behind because the last send ran past it: the time
// that send took after dueNs (or all of it, where the message was due
// before it began) is the send's, the transport's (it blocked on a full
// queue, or was slow); the rest is carried from earlier messages and
// already counted. Woken past dueNs, the delay is the pacer's own (its
// timer was late, or it waited for a CPU).
func (l *loop) waitUntil(dueNs int64) int64 {
	now := nanotime()
	if now >= dueNs {
		l.lateBySendsNs += now - max(dueNs, l.prevSentNs)
		return now
	}
	if wake := dueNs - pacerSpinNs; wake > now {
		l.sleep(wake)
		now = nanotime()
	}
	spunFrom := now
	for now < dueNs {
		now = nanotime()
	}
	l.waitNs += now - spunFrom
	l.lateOwnNs += now - dueNs
	return now
}

// sleep sleeps until wakeNs and adds the CPU the sleep took to waitNs:
// about 12 µs a sleep on a 2-vCPU VM (the timer and the wake-up), more
// than a pipe send, and waiting, not sending. Its two reads of the
// thread's CPU clock are system calls, made while the pacer has time to
// spare. Raw calls: the worker's one locked thread keeps its P. EINTR or
// an early return only means more spinning.
func (l *loop) sleep(wakeNs int64) {
	l.sleepTs = unix.NsecToTimespec(wakeNs)
	unix.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_THREAD_CPUTIME_ID, uintptr(unsafe.Pointer(&l.cpuTs)), 0)
	cpu0 := l.cpuTs.Nano()
	unix.RawSyscall6(unix.SYS_CLOCK_NANOSLEEP, unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME,
		uintptr(unsafe.Pointer(&l.sleepTs)), 0, 0, 0)
	unix.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_THREAD_CPUTIME_ID, uintptr(unsafe.Pointer(&l.cpuTs)), 0)
	l.waitNs += l.cpuTs.Nano() - cpu0
}

// pace sends message seq at its intended time, stamped with it, and
// records how late it went out. Side A ends the phase after count
// messages, or once the next intended time or the send time passes the
// deadline: a pacer that cannot keep up sends fewer messages in the window
// rather than running past it.
func (l *loop) pace(stop *atomic.Uint64, count uint64, deadline int64) error {
	intended := float64(l.startNs)
	for seq := uint64(0); ; seq++ {
		dueNs := int64(intended)
		intended += l.nextGapNs()
		sentNs := l.waitUntil(dueNs)
		l.prevSentNs = sentNs
		last := count > 0 && seq+1 >= count ||
			count == 0 && (int64(intended) >= deadline || sentNs >= deadline)
		if last {
			stop.Store(seq + 1)
		}
		if err := l.conn.Send(l.msgs.stamp(seq, dueNs)); err != nil {
			return err
		}
		l.sent++
		// After the send, so as not to delay it; at least 0, since
		// waitUntil returns at or after dueNs.
		_ = l.late.RecordValue(min(sentNs-dueNs, histMaxNs))
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endNs = nanotime()
			l.intendedEndNs = int64(intended)
			return nil
		}
	}
}

// consumeWork is consume with run --work: after timing and checking each
// message the consumer spins workIters before it takes the next, as a
// consumer that does something with what it reads. The latency of a
// message is to its receipt; the work delays the ones queued behind it.
//
// consumeWork and echoWork are copies of consume and echo (loop.go) with
// one spin call added, as the sampled loops (sampled.go) are copies with
// fewer clock reads: phase picks a loop once, so the default loops carry
// no per-message test for --work or --sample-every. A change to how a
// message is checked or recorded goes into every copy.
func (l *loop) consumeWork(stop *atomic.Uint64) error {
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		now := nanotime()
		l.received++
		if err := l.msgs.check(l.buf, seq); err != nil {
			return err
		}
		l.record(now, now-l.msgs.timestamp(l.buf))
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endNs = now
			return nil
		}
		spinSink = spin(l.workIters)
	}
}

// echoWork is echo with run --work: the echoer spins workIters between a
// request and its answer, so the work is inside every round trip.
func (l *loop) echoWork(stop *atomic.Uint64) error {
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		l.received++
		spinSink = spin(l.workIters)
		if err := l.conn.Send(l.buf); err != nil {
			return err
		}
		l.sent++
		if err := l.msgs.check(l.buf, seq); err != nil {
			return err
		}
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endNs = nanotime()
			return nil
		}
	}
}

// spinSink keeps spin's result live, so that the compiler cannot drop it.
var spinSink uint64

// spin is the consumer's work: n rounds of a xorshift, each depending on
// the last, so that neither the compiler nor the CPU can skip or overlap
// them. It reads no clock: its length is set by calibration.
//
//go:noinline
func spin(n uint64) uint64 {
	x := uint64(0x9E3779B97F4A7C15)
	for ; n > 0; n-- {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// spinItersPerNs calibrates spin on this worker's CPU, once, before the
// warm-up: the median of seven 1M-round runs (about 2 ms each), a run as
// the loop meets the work; the fastest, the luckiest run, set a 20 µs
// work that ran 20.1-21.4 µs. The runs are timed in this thread's CPU
// time, so that a host busy enough to preempt most of them (the median of
// wall times then set a 50 µs work that ran 8 µs) does not shorten the
// work. A CPU that changes its clock after calibration
// (turbo, thermal limits, a VM's steal) changes the work's length with
// it; a clock-checked spin would put a clock read in every iteration
// instead, so the work is timed again after the window (workDoneNs) and
// recorded, and flagged where it is off.
func spinItersPerNs() float64 {
	const n = 1 << 20
	var runs [7]int64
	spinSink = spin(n) // warm up the frequency and the caches
	for i := range runs {
		t0 := threadCPUNs()
		spinSink = spin(n)
		runs[i] = max(1, threadCPUNs()-t0)
	}
	slices.Sort(runs[:])
	return float64(n) / float64(runs[len(runs)/2])
}

// caseSeed seeds a Poisson schedule from the case, so that a case's
// arrivals are the same from run to run and differ between cases.
func caseSeed(c Case) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%d/%g", c.Transport, c.Workload, c.SizeBytes, c.RateMsgsPerSec)
	return h.Sum64()
}

// summarizeRate records a rate case's offered and achieved rate and its
// pacer's send lateness, flags a late pacer (LATE), and marks the case
// saturated, its latency dropped, when the achieved rate falls more than
// SaturationMargin short of what its schedule offered, or when its
// backlog grew through the window (stats.Backlog): either way its latency
// measures a queue that grows with the window, not the transport.
func summarizeRate(c Case, reps []Report, out *results.Case) {
	if c.RateMsgsPerSec <= 0 {
		return
	}
	a := reps[0]
	out.OfferedRate = c.RateMsgsPerSec
	out.AchievedRate = out.MsgsPerSec
	out.SendLateness = a.SendLateness
	late := lateness(c.RateMsgsPerSec, a)
	if late != "" {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagLate, Detail: late})
	}
	scheduled := c.RateMsgsPerSec
	if span := a.IntendedEndNs - a.StartNs; span > 0 && a.Sent > 0 {
		scheduled = float64(a.Sent) / (float64(span) / 1e9)
	}
	rise, growing := stats.Backlog(*out)
	switch {
	case out.AchievedRate < scheduled*(1-SaturationMargin):
		out.Reason = fmt.Sprintf("achieved %.0f msgs/s of %.0f offered (%.0f on this schedule), more than %.0f %% short: %s, so its latency is not a figure",
			out.AchievedRate, c.RateMsgsPerSec, scheduled, 100*SaturationMargin, whoseFault(late, a))
	case growing:
		out.Reason = fmt.Sprintf("backlog growing: p50 %+.0f %% from the first half of the window to the second, up at least %s (%.0f gaps between sends): %s, so its latency grows with --duration and is not a figure",
			100*out.Drift, shortDuration(rise), rise*c.RateMsgsPerSec/1e9, whoseFault(late, a))
	default:
		return
	}
	out.Status = results.StatusSaturated
	out.Latency, out.HistogramHDR, out.Samples = results.Latency{}, "", 0
}

// lateness is the LATE flag's detail for a pacer whose p99 send went out
// more than results.LateLimit of the mean gap after its intended time, or
// "" for one that kept its schedule. It says whose delay it was (fault):
// the consumer side's, the pacer's CPU's, or its own, the load
// generator's, which the latency figures then hold.
func lateness(rateMsgsPerSec float64, a Report) string {
	l := a.SendLateness
	gapNs := 1e9 / rateMsgsPerSec
	if l == nil || float64(l.P99Ns) <= results.LateLimit*gapNs {
		return ""
	}
	s := fmt.Sprintf("p99 send %s after its intended time, %.0f %% of the %s gap; %.0f %% of it from sends: ",
		shortDuration(float64(l.P99Ns)), 100*float64(l.P99Ns)/gapNs, shortDuration(gapNs), 100*l.SendsShare)
	switch fault(a) {
	case sendsFault:
		return s + "the consumer side fell behind (transport, consumer or host), not the pacer"
	case cpuFault:
		share, _ := a.Interference.runQueueShare()
		return s + fmt.Sprintf("the pacer waited for a CPU %.0f %% of its window, in its sends too (load generator or host, not transport)", 100*share)
	}
	return s + "the pacer woke late or waited for a CPU (load generator, not transport)"
}

// Whose a pacer's lateness was.
const (
	ownFault   = iota // its own: it woke late, or waited for a CPU between sends
	sendsFault        // its sends': they blocked on a full queue, or were slow
	cpuFault          // its CPU's: it waited for one even inside its sends
)

// fault says whose the delays a pacer met were, by the larger share
// (waitUntil): its sends running past the next message's time, or its
// own. Delays its sends made while the pacer waited for a CPU more than
// results.RunQueueLimit of its window (where /proc gives it) were the
// CPU's: a pacer sharing its CPU with the consumer (--cpus 0,0, 11-43 %
// of the window at 20k msgs/s) is preempted inside the send that wakes
// the consumer. Otherwise they were the consumer side's: a send blocked
// on a full queue or was slow (the transport, its consumer, or the host
// stalling either).
func fault(a Report) int {
	l := a.SendLateness
	if l == nil || l.SendsShare < 0.5 {
		return ownFault
	}
	if share, ok := a.Interference.runQueueShare(); ok && share > results.RunQueueLimit {
		return cpuFault
	}
	return sendsFault
}

// whoseFault says who could not carry a saturated case's rate: the pacer
// where it was late (late is its LATE detail) by its own or its CPU's
// delays, else the transport or its consumer.
func whoseFault(late string, a Report) string {
	if late != "" && fault(a) != sendsFault {
		return "the pacer fell behind its schedule (LATE): the load generator, not the transport, could not keep this rate"
	}
	return "the transport or the consumer cannot carry this rate"
}

// shortDuration renders ns to about four figures: "26.59ms", "502.5µs".
func shortDuration(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		d = d.Round(100 * time.Nanosecond)
	}
	return d.String()
}

// scheduleStall runs the StallAt and StallNs hooks from the parent: it
// stops side b with SIGSTOP StallAt into the window and lets it go with
// SIGCONT StallNs later. The function it returns cancels what has not
// happened and always lets side b go. The signals go through os.Process
// (a pidfd), never a bare pid: side b may have been reaped by then, and its
// pid taken by another process.
func (r *caseRun) scheduleStall() (cancel func()) {
	h := r.c.Hooks
	if h.StallNs <= 0 {
		return func() {}
	}
	p := r.workers[len(r.workers)-1].cmd.Process
	stopT := time.AfterFunc(h.StallAt, func() { p.Signal(unix.SIGSTOP) })
	contT := time.AfterFunc(h.StallAt+h.StallNs, func() { p.Signal(unix.SIGCONT) })
	return func() {
		stopT.Stop()
		contT.Stop()
		p.Signal(unix.SIGCONT)
	}
}

// workApplies says whether run --work changes a role's loop: the consumer
// of stream and rate, and pingpong's echoer.
func workApplies(wl workloads.Descriptor, role workloads.Role) bool {
	return !wl.InPlace && !wl.Writers && (role == workloads.Consumer || role == workloads.Echoer)
}

// rateCases is c once per offered rate for the rate workload, and c
// itself for any other. A rate case times every message: its producer
// stamps each one with its intended time.
func (p Plan) rateCases(c Case) []Case {
	if c.Workload != rateWorkload {
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

// rateWorkload is the open-loop workload's name (workloads/rate.go).
const rateWorkload = "rate"

// validateRate checks the rate, arrivals, SLO and work of a plan.
func (p Plan) validateRate() error {
	for _, r := range p.Rates {
		if !(r > 0 && r <= MaxRate) {
			return planErrorf("Rates", fmt.Sprint(r), "want above 0 and at most %g msgs/s", MaxRate)
		}
	}
	if slices.Contains(p.Workloads, rateWorkload) && len(p.Rates) == 0 {
		return planErrorf("Rates", "", "the rate workload needs at least one rate")
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
	if slices.Contains(p.Workloads, rateWorkload) {
		c.Rates, c.Arrivals, c.SLONs = p.Rates, p.Arrivals, int64(p.SLO)
		if c.Arrivals == "" {
			c.Arrivals = ArrivalsUniform
		}
	}
	c.WorkNs = int64(p.Work)
}
