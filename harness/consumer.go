package harness

import (
	"fmt"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// The consumer's loops (side b of stream, stream-inplace, fanin and rate):
// it verifies each message and times it one way, from its stamp.
func init() {
	registerLoops(workloads.Consumer, &roleLoops{plain: (*loop).consume, sampled: (*loop).consumeSampled, work: (*loop).consumeWork,
		receives: true,
		inPlace:  &roleLoops{plain: (*loop).consumeInPlace, sampled: (*loop).consumeInPlaceSampled, receives: true},
		fanIn:    &roleLoops{plain: (*loop).consumeFanIn, receives: true}})
}

// consume receives, checks and times every message until side a's stop
// word names the last one.
func (l *loop) consume(stop *atomic.Uint64, _ uint64, _ int64) error {
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
			now := nanotime()
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
			l.endNs = nanotime()
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

// consumeInPlace verifies each message where it lies, touching every byte.
func (l *loop) consumeInPlace(stop *atomic.Uint64, _ uint64, _ int64) error {
	ip := l.conn.(transports.InPlace)
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
			now := nanotime()
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
			l.endNs = nanotime()
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
