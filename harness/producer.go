package harness

import (
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// The producer's loops (side a of stream, stream-inplace and fanin): it
// sends stamped messages back to back.
func init() {
	registerLoops(workloads.Producer, &roleLoops{plain: (*loop).produce, sampled: (*loop).produceSampled, sends: true,
		inPlace: &roleLoops{plain: (*loop).produceInPlace, sampled: (*loop).produceInPlaceSampled, sends: true, receives: true},
		fanIn:   &roleLoops{plain: (*loop).produceFanIn, sends: true}})
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

// produceSampled stamps the time into every Nth message.
func (l *loop) produceSampled(stop *atomic.Uint64, count uint64, deadline int64) error {
	every, left := l.sampleEvery, uint64(1)
	ts := l.startNs
	for seq := uint64(0); ; seq++ {
		var msg []byte
		if left--; left == 0 {
			left = every
			ts = nanotime()
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
			l.endNs = nanotime()
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

// produceInPlaceSampled builds every Nth message whole in the slot, a
// copy counted in filledBytes; the others get only their sequence number.
func (l *loop) produceInPlaceSampled(stop *atomic.Uint64, count uint64, deadline int64) error {
	ip := l.conn.(transports.InPlace)
	every, left := l.sampleEvery, uint64(1)
	ts := l.startNs
	for seq := uint64(0); ; seq++ {
		timed := false
		if left--; left == 0 {
			left, timed = every, true
			ts = nanotime()
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
			l.endNs = nanotime()
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
