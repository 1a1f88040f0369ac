package harness

import (
	"bytes"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// loop is one worker's measured state, allocated before the window opens.
type loop struct {
	role    workloads.Role
	conn    transports.Conn
	inPlace bool // stream-inplace: messages are written and verified in the transport's slots
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
	// the time splitNs, whichever the phase set.
	hist, second *hdrhistogram.Histogram
	cur          *hdrhistogram.Histogram
	splitNs      int64
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
	startNs, endNs          int64

	pacing              // rate and --work (rate.go)
	intendedEndNs int64 // a paced producer's schedule end
}

// Latencies above an hour are not IPC latencies; they are recorded as overflow.
const histMaxNs = int64(3600e9)

// cpuEveryMask: the loops note their CPU when seq&cpuEveryMask is 0, every
// 1024th message.
const cpuEveryMask = 1023

func newLoop(spec Spec, wl workloads.Descriptor, conn transports.Conn) *loop {
	alloc := func(n int) []byte { return transports.NewBuffer(conn, n) }
	role := wl.Roles[spec.Side]
	sender := role == workloads.Initiator || role == workloads.Producer || role == workloads.Pacer || role == workloads.FileReader
	l := &loop{
		role:        role,
		conn:        conn,
		inPlace:     wl.InPlace,
		sampleEvery: max(1, spec.SampleEvery),
		fanin:       wl.Writers, producer: uint64(spec.Producer),
		next: make([]uint64, spec.Producers), perProducer: make([]uint64, spec.Producers),
		msgs:      newMessages(spec.SizeBytes, wl.Stamped, sender, alloc),
		hist:      hdrhistogram.New(1, histMaxNs, 3),
		second:    hdrhistogram.New(1, histMaxNs, 3),
		relayMsgs: max(1, spec.RelayMessages),
	}
	if wl.Writers || wl.File {
		l.sampleEvery = 1 // fanin and relay time every message
	}
	if role == workloads.Pacer {
		l.late = hdrhistogram.New(1, histMaxNs, 3) // records 0 too: a message sent on time
	}
	// A producer and a file reader send from their templates; an in-place
	// side needs buf only when it times its loop against a loopbackConn.
	if role != workloads.FileReader && role != workloads.Pacer && (role != workloads.Producer || wl.InPlace) {
		l.buf = alloc(spec.SizeBytes)
	}
	l.cur = l.hist
	return l
}

// record adds one latency sample. A sample below 1 ns or above an hour
// is impossible for IPC: both are counted, recorded at the bound, and
// fail the case (see workerRun.report).
func (l *loop) record(now, ns int64) {
	if now >= l.splitNs || l.stats.n == l.splitAt {
		l.cur, l.splitNs, l.splitAt = l.second, math.MaxInt64, math.MaxUint64
	}
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

// resetSamples empties the samples before a phase, and sets where its
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
	l.splitNs, l.splitAt = math.MaxInt64, math.MaxUint64
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
// passed when count is 0; it publishes the phase length in stop.
func (l *loop) phase(stop *atomic.Uint64, count uint64, durationNs int64) error {
	l.sent, l.received, l.endNs = 0, 0, 0
	clear(l.next)
	clear(l.perProducer)
	l.filledBytes, l.fileIO = 0, transports.Counters{}
	l.resetSamples(count) // before the clock starts: clearing the histograms is not the loop's cost
	l.resetPacing()
	l.startNs = nanotime()
	if count == 0 {
		l.splitNs = l.startNs + durationNs/2
	}
	deadline := l.startNs + durationNs
	// The loop is chosen here, once: the sampled variants are separate
	// functions, so that the default loop carries no test for them.
	sampled := l.sampleEvery > 1
	work := l.doesWork() // run --work: stream, rate, pingpong
	var err error
	switch l.role {
	case workloads.Pacer:
		err = l.pace(stop, count, deadline)
	case workloads.Initiator:
		if sampled {
			err = l.initiateSampled(stop, count, deadline)
		} else {
			err = l.initiate(stop, count, deadline)
		}
	case workloads.Echoer:
		if work {
			err = l.echoWork(stop)
		} else if sampled {
			err = l.echoSampled(stop)
		} else {
			err = l.echo(stop)
		}
	case workloads.Producer:
		ip, ok := l.conn.(transports.InPlace)
		switch {
		case l.fanin:
			err = l.produceFanIn(count, deadline)
		case ok && l.inPlace && sampled:
			err = l.produceInPlaceSampled(ip, stop, count, deadline)
		case ok && l.inPlace:
			err = l.produceInPlace(ip, stop, count, deadline)
		case sampled:
			err = l.produceSampled(stop, count, deadline)
		default:
			err = l.produce(stop, count, deadline)
		}
	case workloads.FileReader:
		err = l.relayRead(stop, count, deadline)
	case workloads.FileWriter:
		err = l.relayWrite(stop)
	default: // workloads.Consumer
		ip, ok := l.conn.(transports.InPlace)
		switch {
		case l.fanin:
			err = l.consumeFanIn()
		case work:
			err = l.consumeWork(stop)
		case ok && l.inPlace && sampled:
			err = l.consumeInPlaceSampled(ip, stop)
		case ok && l.inPlace:
			err = l.consumeInPlace(ip, stop)
		case sampled:
			err = l.consumeSampled(stop)
		default:
			err = l.consume(stop)
		}
	}
	if err != nil {
		l.endNs = nanotime()
	}
	return err
}

func isLast(seq, count uint64, now, deadline int64) bool {
	if count > 0 {
		return seq+1 >= count
	}
	return now >= deadline
}

// initiate sends message seq+1 as soon as reply seq is in, then reads the
// clock, records, and verifies reply seq while message seq+1 is in flight.
// Each sample is the time from one message's send to the next one's: one
// reply received and one message sent, a full round trip. That is one clock
// read per round trip instead of two, and it and the bookkeeping overlap the
// peer's half instead of delaying the next send. The last message has no
// next send, so its sample runs from just before it is sent to its reply:
// every sample holds one send and one receive.
func (l *loop) initiate(stop *atomic.Uint64, count uint64, deadline int64) error {
	seq := uint64(0)
	last := isLast(seq, count, l.startNs, deadline)
	if last {
		stop.Store(1)
	}
	lastSentNs := nanotime() // when the last message went out
	if err := l.conn.Send(l.msgs.stamp(seq, 0)); err != nil {
		return err
	}
	l.sent++
	prev := nanotime()
	for {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		l.received++
		var nextLast bool
		if !last {
			// prev is a round trip old: close enough for a deadline.
			if nextLast = isLast(seq+1, count, prev, deadline); nextLast {
				stop.Store(seq + 2)
				lastSentNs = nanotime()
			}
			if err := l.conn.Send(l.msgs.stamp(seq+1, 0)); err != nil {
				return err
			}
			l.sent++
		}
		now := nanotime()
		if last {
			prev = lastSentNs
		}
		l.record(now, now-prev)
		prev = now
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		// Reply seq against message seq's template: message seq+1 went
		// out from another of the four.
		if want := l.msgs.tmpl[seq%messageVariants]; !bytes.Equal(l.buf, want) {
			if err := l.msgs.check(l.buf, seq); err != nil {
				return err
			}
			return &VerifyError{Kind: "corrupted", Want: seq, Got: seq}
		}
		if last {
			l.endNs = now
			return nil
		}
		seq++
		last = nextLast
	}
}

// echo sends each message back before it verifies it, so that verification
// overlaps the initiator's half of the round trip; a corrupted message is
// still caught here, and by the initiator, which compares its reply.
func (l *loop) echo(stop *atomic.Uint64) error {
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		l.received++
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

func (l *loop) produce(stop *atomic.Uint64, count uint64, deadline int64) error {
	for seq := uint64(0); ; seq++ {
		ts := nanotime()
		last := isLast(seq, count, ts, deadline)
		if last {
			stop.Store(seq + 1)
		}
		if err := l.conn.Send(l.msgs.stamp(seq, ts)); err != nil {
			return err
		}
		l.sent++
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endNs = nanotime()
			return nil
		}
	}
}

// produceInPlace writes each message into the transport's slot, as a
// producer that builds its data where the consumer will read it. Building
// it is a copy from the template: counted in filledBytes, so that
// stream-inplace shows the one user-space copy it makes.
func (l *loop) produceInPlace(ip transports.InPlace, stop *atomic.Uint64, count uint64, deadline int64) error {
	for seq := uint64(0); ; seq++ {
		ts := nanotime()
		last := isLast(seq, count, ts, deadline)
		if last {
			stop.Store(seq + 1)
		}
		slot, err := ip.SendSlot()
		if err != nil {
			return err
		}
		l.filledBytes += uint64(transports.CopyCached(slot, l.msgs.stamp(seq, ts)))
		if err := ip.SendCommit(); err != nil {
			return err
		}
		l.sent++
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endNs = nanotime()
			return nil
		}
	}
}

// consumeInPlace verifies each message where it lies, touching every byte.
func (l *loop) consumeInPlace(ip transports.InPlace, stop *atomic.Uint64) error {
	for seq := uint64(0); ; seq++ {
		slot, err := ip.RecvSlot()
		if err != nil {
			return err
		}
		now := nanotime()
		l.received++
		if err := l.msgs.check(slot, seq); err != nil {
			return err
		}
		l.record(now, now-l.msgs.timestamp(slot))
		if err := ip.RecvRelease(); err != nil {
			return err
		}
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endNs = now
			return nil
		}
	}
}

// fanShift puts a fan-in producer's index in the top 16 bits of its
// messages' sequence numbers.
const fanShift = 48

// produceFanIn streams like produce, as one of several producers: its
// sequence numbers carry its index, and it posts its count in its own slot.
func (l *loop) produceFanIn(count uint64, deadline int64) error {
	tag := l.producer << fanShift
	for seq := uint64(0); ; seq++ {
		ts := nanotime()
		last := isLast(seq, count, ts, deadline)
		if last {
			l.finals[l.producer].Store(seq + 1)
		}
		if err := l.conn.Send(l.msgs.stamp(tag|seq, ts)); err != nil {
			return err
		}
		l.sent++
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endNs = nanotime()
			return nil
		}
	}
}

// consumeFanIn receives from every producer, verifying each one's messages
// in its own order, until each has posted its count and all are in.
func (l *loop) consumeFanIn() error {
	left := len(l.next)
	for {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		now := nanotime()
		l.received++
		p := getSeq(l.buf) >> fanShift
		if p >= uint64(len(l.next)) {
			return fmt.Errorf("fanin: a message names producer %d of %d: corrupted", p, len(l.next))
		}
		if err := l.msgs.check(l.buf, p<<fanShift|l.next[p]); err != nil {
			return fmt.Errorf("fanin producer %d (its index is in the top 16 bits of the sequence numbers): %w", p, err)
		}
		l.next[p]++
		l.perProducer[p]++
		l.record(now, now-l.msgs.timestamp(l.buf))
		if l.received&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if l.finals[p].Load() == l.next[p] {
			if left--; left == 0 {
				l.endNs = now
				return nil
			}
		}
	}
}

// consume receives, checks and times every message until side a's stop
// word names the last one. consumeWork (rate.go) and consumeSampled
// (sampled.go) are its copies for --work and --sample-every.
func (l *loop) consume(stop *atomic.Uint64) error {
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
	}
}
