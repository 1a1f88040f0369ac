package harness

import (
	"bytes"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
)

// The loops of run --sample-every N. Every message's sequence number is
// checked, but only every Nth (seq a multiple of N, on both sides) is
// stamped, timed and body-checked; the others carry their sequence number
// and a stale timestamp. The harness's cost per message falls by about
// the clock reads and body checks it skips, so a fast transport is
// measured more than the harness. phase picks these loops, once, only
// when N > 1: the default loops carry no test for N. A side with a
// duration ends its phase at a timed message, the only ones that read the
// clock, so the window may run up to N-1 messages past the deadline.

// initiateSampled times every Nth round trip from just before its send to
// its reply, and checks the others' sequence numbers. Unlike initiate it
// does not overlap its bookkeeping with the peer's half: a timed round
// trip's two clock reads bracket one send and one receive.
func (l *loop) initiateSampled(stop *atomic.Uint64, count uint64, deadline int64) error {
	every, left := l.sampleEvery, uint64(1)
	now := l.startNs
	for seq := uint64(0); ; seq++ {
		last := isLast(seq, count, now, deadline)
		if last {
			stop.Store(seq + 1)
		}
		left--
		timed := left == 0
		var sentNs int64
		if timed {
			left = every
			sentNs = nanotime()
		}
		if err := l.conn.Send(l.msgs.stamp(seq, 0)); err != nil {
			return err
		}
		l.sent++
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		l.received++
		if timed {
			now = nanotime()
			l.record(now, now-sentNs)
			if !bytes.Equal(l.buf, l.msgs.tmpl[seq%messageVariants]) {
				if err := l.msgs.check(l.buf, seq); err != nil {
					return err
				}
				return &VerifyError{Kind: "corrupted", Want: seq, Got: seq}
			}
		} else if err := l.msgs.checkSeq(l.buf, seq); err != nil {
			return err
		}
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endNs = nanotime()
			return nil
		}
	}
}

// echoSampled answers every message, and body-checks every Nth.
func (l *loop) echoSampled(stop *atomic.Uint64) error {
	every, left := l.sampleEvery, uint64(1)
	for seq := uint64(0); ; seq++ {
		if err := l.conn.Recv(l.buf); err != nil {
			return err
		}
		l.received++
		if err := l.conn.Send(l.buf); err != nil {
			return err
		}
		l.sent++
		var err error
		if left--; left == 0 {
			left = every
			err = l.msgs.check(l.buf, seq)
		} else {
			err = l.msgs.checkSeq(l.buf, seq)
		}
		if err != nil {
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

// consumeSampled times and body-checks every Nth message.
func (l *loop) consumeSampled(stop *atomic.Uint64) error {
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

// produceInPlaceSampled builds every Nth message whole in the slot, a
// copy counted in filledBytes; the others get only their sequence number.
func (l *loop) produceInPlaceSampled(ip transports.InPlace, stop *atomic.Uint64, count uint64, deadline int64) error {
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

// consumeInPlaceSampled times and body-checks every Nth message where it
// lies, and checks the others' sequence numbers.
func (l *loop) consumeInPlaceSampled(ip transports.InPlace, stop *atomic.Uint64) error {
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
