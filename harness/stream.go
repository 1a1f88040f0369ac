package harness

import (
	"fmt"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// The loops of a stream's roles (workloads/stream.go), which stream-inplace,
// fanin and rate play too. The producer sends stamped messages back to
// back; the consumer verifies each one and times it one way, from its stamp.
func init() {
	registerLoops(workloads.Producer, &roleLoops{plain: (*loop).produce, sampled: (*loop).produceSampled, sends: true,
		inPlace: &roleLoops{plain: (*loop).produceInPlace, sampled: (*loop).produceInPlaceSampled, sends: true, receives: true},
		fanIn:   &roleLoops{plain: (*loop).produceFanIn, sends: true}})
	registerLoops(workloads.Consumer, &roleLoops{plain: (*loop).consume, sampled: (*loop).consumeSampled, work: (*loop).consumeWork,
		receives: true,
		inPlace:  &roleLoops{plain: (*loop).consumeInPlace, sampled: (*loop).consumeInPlaceSampled, receives: true},
		fanIn:    &roleLoops{plain: (*loop).consumeFanIn, receives: true}})
}

func (l *loop) produce(stop *atomic.Uint64, count uint64, deadline int64) error {
	for seq := uint64(0); ; seq++ {
		ts := l.clk.now()
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
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// produceSampled stamps the time into every Nth message.
func (l *loop) produceSampled(stop *atomic.Uint64, count uint64, deadline int64) error {
	every, left := l.sampleEvery, uint64(1)
	ts := l.startTicks
	for seq := uint64(0); ; seq++ {
		var msg []byte
		if left--; left == 0 {
			left = every
			ts = l.clk.now()
			msg = l.msgs.stamp(seq, ts)
		} else {
			msg = l.msgs.stampSeq(seq)
		}
		last := isLast(seq, count, ts, deadline)
		if last {
			stop.Store(seq + 1)
		}
		if err := l.conn.Send(msg); err != nil {
			return err
		}
		l.sent++
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// produceInPlace writes each message into the transport's slot, as a
// producer that builds its data where the consumer will read it. Building
// it is a copy from the template: counted in filledBytes, so that
// stream-inplace shows the one user-space copy it makes.
func (l *loop) produceInPlace(stop *atomic.Uint64, count uint64, deadline int64) error {
	ip := l.conn.(transports.InPlace)
	for seq := uint64(0); ; seq++ {
		ts := l.clk.now()
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
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// produceInPlaceSampled builds every Nth message whole in the slot, a
// copy counted in filledBytes; the others get only their sequence number.
func (l *loop) produceInPlaceSampled(stop *atomic.Uint64, count uint64, deadline int64) error {
	ip := l.conn.(transports.InPlace)
	every, left := l.sampleEvery, uint64(1)
	ts := l.startTicks
	for seq := uint64(0); ; seq++ {
		timed := false
		if left--; left == 0 {
			left, timed = every, true
			ts = l.clk.now()
		}
		last := isLast(seq, count, ts, deadline)
		if last {
			stop.Store(seq + 1)
		}
		slot, err := ip.SendSlot()
		if err != nil {
			return err
		}
		if timed {
			l.filledBytes += uint64(transports.CopyCached(slot, l.msgs.stamp(seq, ts)))
		} else {
			putSeq(slot, seq)
		}
		if err := ip.SendCommit(); err != nil {
			return err
		}
		l.sent++
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// fanShift puts a fan-in producer's index in the top 16 bits of its
// messages' sequence numbers.
const fanShift = 48

// produceFanIn streams like produce, as one of several producers: its
// sequence numbers carry its index, and it posts its count in its own slot.
func (l *loop) produceFanIn(_ *atomic.Uint64, count uint64, deadline int64) error {
	tag := l.producer << fanShift
	for seq := uint64(0); ; seq++ {
		ts := l.clk.now()
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
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// consume receives, checks and times every message until side a's stop
// word names the last one.
func (l *loop) consume(stop *atomic.Uint64, _ uint64, _ int64) error {
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		now := l.clk.now()
		l.received++
		if err := l.msgs.check(l.buf, seq); err != nil {
			return err
		}
		l.record(now, now-l.msgs.timestamp(l.buf))
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endTicks = now
			return nil
		}
	}
}

// consumeSampled times and body-checks every Nth message.
func (l *loop) consumeSampled(stop *atomic.Uint64, _ uint64, _ int64) error {
	every, left := l.sampleEvery, uint64(1)
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		l.received++
		if left--; left == 0 {
			left = every
			now := l.clk.now()
			if err := l.msgs.check(l.buf, seq); err != nil {
				return err
			}
			l.record(now, now-l.msgs.timestamp(l.buf))
		} else if err := l.msgs.checkSeq(l.buf, seq); err != nil {
			return err
		}
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// consumeWork is consume with run --work: after timing and checking each
// message the consumer spins workIters before it takes the next, as a
// consumer that does something with what it reads. The latency of a
// message is to its receipt; the work delays the ones queued behind it.

func (l *loop) consumeWork(stop *atomic.Uint64, _ uint64, _ int64) error {
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		now := l.clk.now()
		l.received++
		if err := l.msgs.check(l.buf, seq); err != nil {
			return err
		}
		l.record(now, now-l.msgs.timestamp(l.buf))
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endTicks = now
			return nil
		}
		spinSink = spin(l.workIters)
	}
}

// consumeInPlace verifies each message where it lies, touching every byte.
func (l *loop) consumeInPlace(stop *atomic.Uint64, _ uint64, _ int64) error {
	ip := l.conn.(transports.InPlace)
	for seq := uint64(0); ; seq++ {
		slot, err := ip.RecvSlot()
		if err != nil {
			return err
		}
		now := l.clk.now()
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
			l.endTicks = now
			return nil
		}
	}
}

// consumeInPlaceSampled times and body-checks every Nth message where it
// lies, and checks the others' sequence numbers.
func (l *loop) consumeInPlaceSampled(stop *atomic.Uint64, _ uint64, _ int64) error {
	ip := l.conn.(transports.InPlace)
	every, left := l.sampleEvery, uint64(1)
	for seq := uint64(0); ; seq++ {
		slot, err := ip.RecvSlot()
		if err != nil {
			return err
		}
		l.received++
		if left--; left == 0 {
			left = every
			now := l.clk.now()
			if err := l.msgs.check(slot, seq); err != nil {
				return err
			}
			l.record(now, now-l.msgs.timestamp(slot))
		} else if err := l.msgs.checkSeq(slot, seq); err != nil {
			return err
		}
		if err := ip.RecvRelease(); err != nil {
			return err
		}
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if stop.Load() == seq+1 {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// consumeFanIn receives from every producer, verifying each one's messages
// in its own order, until each has posted its count and all are in.
func (l *loop) consumeFanIn(_ *atomic.Uint64, _ uint64, _ int64) error {
	left := len(l.next)
	for {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		now := l.clk.now()
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
				l.endTicks = now
				return nil
			}
		}
	}
}
