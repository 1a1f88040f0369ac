package harness

// The paced producer of the open-loop rate workload (run --rate,
// --arrivals). It sends each message at the time a schedule fixed in
// advance says, and stamps it with that intended time, not the time it
// went out: a producer that is held up (the transport full, the consumer
// stopped) sends what it owes at once, and every message it delayed
// carries the delay. A closed-loop stream hides the same stall as one slow
// sample, because its producer stamps a message only once there is room to
// send it (coordinated omission).

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// The pacer is the role the rate workload introduces (workloads/rate.go).
func init() {
	registerLoops(workloads.Pacer, &roleLoops{plain: (*loop).pace, sends: true, paced: true})
}

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
	// prevSentTicks when the last send began; resetSamples empties them.
	late          *hdrhistogram.Histogram
	waitNs        int64
	lateBySendsNs int64
	lateOwnNs     int64
	prevSentTicks int64
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
	if spec.WorkNs > 0 && l.works {
		l.workIters = uint64(float64(spec.WorkNs) * spinItersPerNs())
	}
	return nil
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

// waitUntil returns at the intended time due (in the loop clock's ticks)
// or as soon after it as it can, and returns the time it returned (the
// send time): it sleeps until pacerSpinNs before due, then spins on the
// clock. A message already due returns at once.
//
// It adds the delay it meets to one of two causes. Found already past
// due, the pacer is behind because the last send ran past it: the time
// that send took after due (or all of it, where the message was due
// before it began) is the send's, the transport's (it blocked on a full
// queue, or was slow); the rest is carried from earlier messages and
// already counted. Woken past due, the delay is the pacer's own (its
// timer was late, or it waited for a CPU).
func (l *loop) waitUntil(due int64) int64 {
	now := l.clk.now()
	if now >= due {
		l.lateBySendsNs += l.clk.ns(now - max(due, l.prevSentTicks))
		return now
	}
	if aheadNs := l.clk.ns(due-now) - pacerSpinNs; aheadNs > 0 {
		l.sleep(nanotime() + aheadNs)
		now = l.clk.now()
	}
	spunFrom := now
	for now < due {
		now = l.clk.now()
	}
	l.waitNs += l.clk.ns(now - spunFrom)
	l.lateOwnNs += l.clk.ns(now - due)
	return now
}

// sleep sleeps until wakeNs (CLOCK_MONOTONIC) and adds the CPU the sleep took to waitNs:
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
	ticksPerNs := l.clk.ticks(1) // the schedule is in ns, the stamps in ticks
	intended := float64(l.startTicks)
	for seq := uint64(0); ; seq++ {
		due := int64(intended)
		intended += l.nextGapNs() * ticksPerNs
		sent := l.waitUntil(due)
		l.prevSentTicks = sent
		last := count > 0 && seq+1 >= count ||
			count == 0 && (int64(intended) >= deadline || sent >= deadline)
		if last {
			stop.Store(seq + 1)
		}
		if err := l.conn.Send(l.msgs.stamp(seq, due)); err != nil {
			return err
		}
		l.sent++
		// After the send, so as not to delay it; at least 0, since
		// waitUntil returns at or after due.
		_ = l.late.RecordValue(min(l.clk.ns(sent-due), histMaxNs))
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endTicks = l.clk.now()
			l.intendedEndNs = l.startNs + l.clk.ns(int64(intended)-l.startTicks)
			return nil
		}
	}
}
