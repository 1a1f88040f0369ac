package harness

import (
	"sync/atomic"

	"github.com/ipcbench/ipcbench/workloads"
)

// The echoer's loops (pingpong's side b): it answers each request with
// itself, and verifies it.
func init() {
	registerLoops(workloads.Echoer, &roleLoops{plain: (*loop).echo, sampled: (*loop).echoSampled, work: (*loop).echoWork,
		receives: true})
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
			l.endNs = nanotime()
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
			l.endNs = nanotime()
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
			l.endNs = nanotime()
			return nil
		}
	}
}
