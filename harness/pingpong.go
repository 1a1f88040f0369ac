package harness

import (
	"sync/atomic"

	"github.com/ipcbench/ipcbench/workloads"
)

// The loops of a round trip's roles (workloads/pingpong.go). The initiator
// sends a request and times the round trip to its answer; the echoer
// answers each request with itself, and verifies it.
func init() {
	registerLoops(workloads.Initiator, &roleLoops{plain: (*loop).initiate, sampled: (*loop).initiateSampled,
		sends: true, receives: true, reflects: true})
	registerLoops(workloads.Echoer, &roleLoops{plain: (*loop).echo, sampled: (*loop).echoSampled, work: (*loop).echoWork,
		receives: true})
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
	last := isLast(seq, count, l.startTicks, deadline)
	if last {
		stop.Store(1)
	}
	lastSentTicks := l.clk.now() // when the last message went out
	if err := l.conn.Send(l.msgs.stamp(seq, 0)); err != nil {
		return err
	}
	l.sent++
	prev := l.clk.now()
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
				lastSentTicks = l.clk.now()
			}
			if err := l.conn.Send(l.msgs.stamp(seq+1, 0)); err != nil {
				return err
			}
			l.sent++
		}
		now := l.clk.now()
		if last {
			prev = lastSentTicks
		}
		l.record(now, now-prev)
		prev = now
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		// Reply seq against message seq's template: message seq+1 went
		// out from another of the four.
		if err := l.msgs.check(l.buf, seq); err != nil {
			return err
		}
		if last {
			l.endTicks = now
			return nil
		}
		seq++
		last = nextLast
	}
}

// initiateSampled times every Nth round trip from just before its send to
// its reply, and checks the others' sequence numbers. Unlike initiate it
// does not overlap its bookkeeping with the peer's half: a timed round
// trip's two clock reads bracket one send and one receive.
func (l *loop) initiateSampled(stop *atomic.Uint64, count uint64, deadline int64) error {
	every, left := l.sampleEvery, uint64(1)
	now := l.startTicks
	for seq := uint64(0); ; seq++ {
		last := isLast(seq, count, now, deadline)
		if last {
			stop.Store(seq + 1)
		}
		left--
		timed := left == 0
		var sentTicks int64
		if timed {
			left = every
			sentTicks = l.clk.now()
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
			now = l.clk.now()
			l.record(now, now-sentTicks)
			if err := l.msgs.check(l.buf, seq); err != nil {
				return err
			}
		} else if err := l.msgs.checkSeq(l.buf, seq); err != nil {
			return err
		}
		if seq&cpuEveryMask == 0 {
			l.cpus.note()
		}
		if last {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// echo sends each message back before it verifies it, so that verification
// overlaps the initiator's half of the round trip; a corrupted message is
// still caught here, and by the initiator, which compares its reply.
func (l *loop) echo(stop *atomic.Uint64, _ uint64, _ int64) error {
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
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// echoSampled answers every message, and body-checks every Nth.
func (l *loop) echoSampled(stop *atomic.Uint64, _ uint64, _ int64) error {
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
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

// echoWork is echo with run --work: the echoer spins workIters between a
// request and its answer, so the work is inside every round trip.
func (l *loop) echoWork(stop *atomic.Uint64, _ uint64, _ int64) error {
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
			l.endTicks = l.clk.now()
			return nil
		}
	}
}
