package harness

import (
	"bytes"
	"fmt"
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

	// fanin: this producer's index, and where each producer posts its
	// count for the phase; the consumer's next sequence number and count
	// per producer.
	fanin             bool
	producer          uint64
	finals            *[MaxProducers]atomic.Uint64
	next, perProducer []uint64
	msgs              *messages
	buf               []byte
	hist              *hdrhistogram.Histogram

	file   int                 // relay: the input or output file
	fileIO transports.Counters // relay: bytes and calls of the file I/O

	sent, received uint64
	histOverflow   uint64
	startNs, endNs int64
}

// Latencies above an hour are not IPC latencies; they are recorded as overflow.
const histMaxNs = int64(3600e9)

func newLoop(spec Spec, wl workloads.Descriptor, conn transports.Conn) *loop {
	alloc := func(n int) []byte { return transports.NewBuffer(conn, n) }
	return &loop{
		role:    wl.Roles[spec.Side],
		conn:    conn,
		inPlace: wl.InPlace,
		fanin:   wl.Writers, producer: uint64(spec.Producer),
		next: make([]uint64, spec.Producers), perProducer: make([]uint64, spec.Producers),
		msgs: newMessages(spec.SizeBytes, wl.Stamped, alloc),
		buf:  alloc(spec.SizeBytes),
		hist: hdrhistogram.New(1, histMaxNs, 3),
	}
}

func (l *loop) record(ns int64) {
	if ns < 1 {
		ns = 1
	}
	if ns > histMaxNs {
		l.histOverflow++
		ns = histMaxNs
	}
	_ = l.hist.RecordValue(ns) // in range by construction
}

// phase runs one phase (warm-up or measured) of this worker's role. Side A ends
// it after count messages, or at the first message sent once durationNs has
// passed when count is 0; it publishes the phase length in stop.
func (l *loop) phase(stop *atomic.Uint64, count uint64, durationNs int64) error {
	l.sent, l.received, l.endNs = 0, 0, 0
	clear(l.next)
	clear(l.perProducer)
	l.startNs = nanotime()
	deadline := l.startNs + durationNs
	var err error
	switch l.role {
	case workloads.Initiator:
		err = l.initiate(stop, count, deadline)
	case workloads.Echoer:
		err = l.echo(stop)
	case workloads.Producer:
		if l.fanin {
			err = l.produceFanIn(count, deadline)
		} else if ip, ok := l.conn.(transports.InPlace); ok && l.inPlace {
			err = l.produceInPlace(ip, stop, count, deadline)
		} else {
			err = l.produce(stop, count, deadline)
		}
	case workloads.FileReader:
		err = l.relayRead(stop, count)
	case workloads.FileWriter:
		err = l.relayWrite(stop)
	default: // workloads.Consumer
		if l.fanin {
			err = l.consumeFanIn()
		} else if ip, ok := l.conn.(transports.InPlace); ok && l.inPlace {
			err = l.consumeInPlace(ip, stop)
		} else {
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
		l.record(now - prev)
		prev = now
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
		if last {
			l.endNs = nanotime()
			return nil
		}
	}
}

// produceInPlace writes each message into the transport's slot, as a
// producer that builds its data where the consumer will read it.
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
		transports.CopyCached(slot, l.msgs.stamp(seq, ts))
		if err := ip.SendCommit(); err != nil {
			return err
		}
		l.sent++
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
		l.record(now - l.msgs.timestamp(slot))
		if err := ip.RecvRelease(); err != nil {
			return err
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
		l.record(now - l.msgs.timestamp(l.buf))
		if l.finals[p].Load() == l.next[p] {
			if left--; left == 0 {
				l.endNs = now
				return nil
			}
		}
	}
}

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
		l.record(now - l.msgs.timestamp(l.buf))
		if stop.Load() == seq+1 {
			l.endNs = now
			return nil
		}
	}
}
