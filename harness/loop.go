package harness

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// loop is one worker's measured state, allocated before the window opens.
type loop struct {
	loops   *roleLoops // its role's loops (registerLoops)
	conn    transports.Conn
	inPlace bool // stream-inplace: messages are written and verified in the transport's slots
	works   bool // the role's loop does run --work's work (roleLoops.work)
	// sampleEvery is run --sample-every: 1 times and body-checks every
	// message; N > 1 only every Nth, checking every sequence number.
	sampleEvery uint64

	// fanin: this producer's index, and where each producer posts its
	// count for the phase; the consumer's next sequence number and count
	// per producer.
	fanin             bool
	producer          uint64
	finals            *[MaxProducers]atomic.Uint64
	next, perProducer []uint64
	msgs              *messages
	buf               []byte // what a receiver receives into; nil for a sender that receives nothing

	// The samples: hist holds the first half of the window, second the
	// second half (merged into hist after the window, for the drift
	// check); cur is the one being recorded, until the sample splitAt or
	// the time splitTicks, whichever the phase set.
	hist, second *hdrhistogram.Histogram
	cur          *hdrhistogram.Histogram
	splitTicks   int64
	splitAt      uint64
	stats        sampleStats
	cpus         cpuSet

	file      int                 // relay: the input or output file
	fileIO    transports.Counters // relay: bytes and calls of the file I/O
	relayMsgs uint64              // relay: the file's length in messages, at least 1

	sent, received uint64
	// filledBytes is what stream-inplace's producer copied from its
	// templates into the transport's slots: user-space copies the
	// transport cannot see.
	filledBytes             uint64
	histOverflow, histUnder uint64
	// clk is the clock the loops read, in ticks (clock.go). The phase's
	// start and end are in CLOCK_MONOTONIC ns too, for the window's
	// length and rate: phase reads both clocks at each (start, end), and
	// the loops note the end in ticks only (endTicks).
	clk                  clock
	start, end           clockPair
	startTicks, endTicks int64
	startNs, endNs       int64

	pacing              // rate and --work (rate.go)
	intendedEndNs int64 // a paced producer's schedule end
}

// Latencies above an hour are not IPC latencies; they are recorded as overflow.
const histMaxNs = int64(3600e9)

// cpuEveryMask: the loops note their CPU when seq&cpuEveryMask is 0, every
// 1024th message.
const cpuEveryMask = 1023

// newLoop allocates the state of side spec.Side of wl, as the loops it
// plays ask (loopsOf): templates for a sender, a buffer for a receiver.
// Its clock reads spec.Clock at a nominal rate: the worker calibrates it.
func newLoop(spec Spec, wl workloads.Descriptor, conn transports.Conn) *loop {
	alloc := func(n int) []byte { return transports.NewBuffer(conn, n) }
	these := loopsOf(wl, spec.Side)
	l := &loop{
		loops:       roles[wl.Roles[spec.Side]],
		clk:         newClock(spec.Clock),
		conn:        conn,
		inPlace:     wl.InPlace,
		works:       these.work != nil,
		sampleEvery: max(1, spec.SampleEvery),
		fanin:       wl.Writers, producer: uint64(spec.Producer),
		next: make([]uint64, spec.Producers), perProducer: make([]uint64, spec.Producers),
		msgs:      newMessages(spec.SizeBytes, wl.Stamped, these.sends, alloc),
		hist:      hdrhistogram.New(1, histMaxNs, 3),
		second:    hdrhistogram.New(1, histMaxNs, 3),
		relayMsgs: max(1, spec.RelayMessages),
	}
	if !spec.VerifyFull && !wl.InPlace { // an in-place consumer reads its data where it lies: every byte
		l.msgs.sampleBodies()
	}
	if these.sampled == nil {
		l.sampleEvery = 1 // a role without a sampled loop times every message
	}
	if these.paced {
		l.late = hdrhistogram.New(1, histMaxNs, 3) // records 0 too: a message sent on time
	}
	if these.receives {
		l.buf = alloc(spec.SizeBytes)
	}
	l.cur = l.hist
	return l
}

// record adds one latency sample of ticks, read at now: the one place
// the loops convert ticks to ns. A sample below 1 ns or above an hour is
// impossible for IPC: both are counted, recorded at the bound, and fail
// the case (see workerRun.report).
func (l *loop) record(now, ticks int64) {
	if now >= l.splitTicks || l.stats.n == l.splitAt {
		l.cur, l.splitTicks, l.splitAt = l.second, math.MaxInt64, math.MaxUint64
	}
	ns := l.clk.ns(ticks)
	if ns < 1 {
		l.histUnder++
		ns = 1
	}
	if ns > histMaxNs {
		l.histOverflow++
		ns = histMaxNs
	}
	l.stats.add(ns)
	_ = l.cur.RecordValue(ns) // in range by construction
}

// resetSamples empties what a phase records (the samples, and a pacer's
// send lateness and waiting) before the phase, and sets where its
// window splits in two for the drift check: at half the samples a
// count-bounded phase records, or (set by phase once the clock starts) at
// half the duration.
func (l *loop) resetSamples(count uint64) {
	l.hist.Reset()
	l.second.Reset()
	l.cur = l.hist
	l.stats.reset()
	l.cpus = cpuSet{}
	l.histOverflow, l.histUnder = 0, 0
	if l.late != nil { // a pacer's
		l.late.Reset()
	}
	l.waitNs, l.lateBySendsNs, l.lateOwnNs, l.prevSentTicks = 0, 0, 0, 0
	l.splitTicks, l.splitAt = math.MaxInt64, math.MaxUint64
	if count > 0 {
		samples := count
		if l.fanin {
			samples *= uint64(len(l.next))
		}
		l.splitAt = (samples + l.sampleEvery - 1) / l.sampleEvery / 2
	}
}

// phase runs one phase (warm-up or measured) of this worker's role. Side A ends
// it after count messages, or at the first message sent once durationNs has
// passed when count is 0; it publishes the phase length in stop. The
// loop notes its end in ticks (endTicks); phase turns it into ns from
// the pair of readings it takes right after.
func (l *loop) phase(stop *atomic.Uint64, count uint64, durationNs int64) error {
	run := l.prepare(count)
	l.start = l.clk.pair()
	l.startNs, l.startTicks = l.start.ns, l.start.ticks
	if count == 0 {
		l.splitTicks = l.startTicks + int64(l.clk.ticks(float64(durationNs/2)))
	}
	err := run(l, stop, count, l.startTicks+int64(l.clk.ticks(float64(durationNs))))
	l.end = l.clk.pair()
	if err != nil || l.endTicks == 0 {
		l.endTicks = l.end.ticks
	}
	l.endNs = l.end.ns - l.clk.ns(l.end.ticks-l.endTicks)
	return err
}

// prepare empties what a phase counts and records, before its clock
// starts (clearing the histograms is not the loop's cost), and returns the
// loop it runs.
func (l *loop) prepare(count uint64) loopFunc {
	l.sent, l.received, l.endTicks = 0, 0, 0
	clear(l.next)
	clear(l.perProducer)
	l.filledBytes, l.fileIO = 0, transports.Counters{}
	l.resetSamples(count)
	return l.pick()
}

// pick is the loop this phase runs, chosen once: the copies are separate
// functions, so that the default loop carries no test for --work or
// --sample-every. A fan-in's side runs the role's fan-in loops; an
// in-place workload's, its in-place loops where the conn writes in place
// (a test's testConn does not).
func (l *loop) pick() loopFunc {
	r := l.loops
	if l.fanin {
		r = r.fanIn
	} else if _, ok := l.conn.(transports.InPlace); ok && l.inPlace && r.inPlace != nil {
		r = r.inPlace
	}
	switch {
	case l.workIters > 0 && r.work != nil:
		return r.work
	case l.sampleEvery > 1 && r.sampled != nil:
		return r.sampled
	}
	return r.plain
}

// isLast says whether message seq ends the phase: the count-th, or,
// when count is 0, the first sent at or after deadline (in ticks).
func isLast(seq, count uint64, now, deadline int64) bool {
	if count > 0 {
		return seq+1 >= count
	}
	return now >= deadline
}

// loopFunc is a measured loop: one phase of a role (see phase). Side A's
// loop ends it after count messages, or once deadline (in l.clk's ticks)
// has passed when count is 0, and stores the phase's message count in stop
// before it sends the last message; side B's ends after the message stop
// names. Either notes the clock at its end in l.endTicks.
type loopFunc func(l *loop, stop *atomic.Uint64, count uint64, deadline int64) error

// roleLoops is what a role brings to the harness: its measured loops, and
// what its loop needs. Each role's file registers them (registerLoops).
//
// The copies of a loop are deliberate: phase picks one per phase, so that
// the default loop carries no per-message test for the others, and a
// change to how a message is sent, checked or recorded goes into every
// copy (TestLoopCopiesAgree runs them side by side).
type roleLoops struct {
	plain loopFunc
	// sampled is the loop of run --sample-every N > 1. Every message's
	// sequence number is checked, but only every Nth (seq a multiple of
	// N, on both sides) is stamped, timed and body-checked; the others
	// carry their sequence number and a stale timestamp. The harness's
	// cost per message falls by about the clock reads and body checks it
	// skips, so a fast transport is measured more than the harness. A side
	// with a duration ends its phase at a timed message, the only ones
	// that read the clock, so the window may run up to N-1 messages past
	// the deadline. nil: the role times every message.
	sampled loopFunc
	// work is the loop of run --work: plain with workIters of spin after
	// each message. nil: run --work does not apply to the role.
	work loopFunc
	// inPlace and fanIn are the role's loops in a workload that writes in
	// the transport's slots (Descriptor.InPlace), or that has several
	// producers (Descriptor.Writers); nil where the role has none.
	inPlace, fanIn *roleLoops
	sends          bool // sends from its own message templates (a receiver holds a pattern instead)
	receives       bool // receives into a buffer of its own (an in-place side times its loop in one)
	reflects       bool // a loopbackConn hands its sends back to its receives (loopback)
	paced          bool // records how late each send left its schedule (the pacer's late)
}

// roles holds every role's loops, filled by each role's file.
var roles = map[workloads.Role]*roleLoops{}

// registerLoops adds a role's loops; registering a role twice panics.
func registerLoops(role workloads.Role, r *roleLoops) {
	if _, dup := roles[role]; dup {
		panic(fmt.Sprintf("harness: loops of role %q registered twice", role))
	}
	roles[role] = r
}

// loopsOf is the loops side plays in wl: its role's, or their in-place or
// fan-in copies where wl asks for them.
func loopsOf(wl workloads.Descriptor, side transports.Side) *roleLoops {
	r := roles[wl.Roles[side]]
	switch {
	case r == nil:
		return nil
	case wl.Writers:
		return r.fanIn
	case wl.InPlace && r.inPlace != nil:
		return r.inPlace
	}
	return r
}
