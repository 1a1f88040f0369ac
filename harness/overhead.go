package harness

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
)

// loopbackConn stands in for a transport when the harness measures its own
// loop cost. For the initiator it reflects: Recv copies back what Send sent.
// For a side that receives first, Recv writes the next message its peer
// would have sent, and Send discards. It works in the loop's own messages
// and buffer, so that timing the loop costs a worker no memory of its own
// (three more sets of templates would be 9× the message size). It never
// reads the clock: the real peer stamps its messages on its own CPU, so a
// stamp costs the timed side nothing. Its copies stand in for the
// transport's and are not the loop's cost: it counts its calls, and
// standInNs times them again on their own, so that loopOverheadNs can
// take them out (at 64 KiB they were about half of what was counted).
type loopbackConn struct {
	msgs    *messages
	seq     uint64
	reflect bool
	pending []byte
	scratch []byte // an in-place side's slot: the loop's receive buffer
	tsTicks int64  // the stamp on every message it delivers
	// recvs and slots count the Recv and RecvSlot calls made: the
	// calls that copy a message.
	recvs, slots uint64
}

// loopback is a loopbackConn for l, in l's messages and buffer.
func (l *loop) loopback() *loopbackConn {
	return &loopbackConn{msgs: l.msgs, reflect: l.loops.reflects, scratch: l.buf, tsTicks: l.clk.now()}
}

func (c *loopbackConn) Send(msg []byte) error {
	if c.reflect {
		c.pending = msg
	}
	return nil
}

func (c *loopbackConn) Recv(msg []byte) error {
	c.recvs++
	if c.reflect {
		transports.CopyCached(msg, c.pending)
		return nil
	}
	c.msgs.fill(msg, c.seq, c.tsTicks)
	c.seq++
	return nil
}

func (c *loopbackConn) Close() error { return nil }

// The in-place calls, for measuring stream-inplace's loop: the producer's
// slot is scratch; the consumer's is scratch filled with the next message,
// one copy standing in for the producer's, as Recv's does.
func (c *loopbackConn) SendSlot() ([]byte, error) { return c.scratch, nil }
func (c *loopbackConn) SendCommit() error         { return nil }
func (c *loopbackConn) RecvSlot() ([]byte, error) {
	c.slots++
	c.msgs.fill(c.scratch, c.seq, c.tsTicks)
	c.seq++
	return c.scratch, nil
}
func (c *loopbackConn) RecvRelease() error { return nil }

// timerCostNs measures one read of the clock the loops read (c.now, as
// they call it), averaged over many, timed on CLOCK_MONOTONIC.
func timerCostNs(c *clock) float64 {
	const n = 200000
	t0 := nanotime()
	var sink int64
	for range n {
		sink += c.now()
	}
	t1 := nanotime()
	_ = sink
	return float64(t1-t0) / n
}

// standInTimings is how many times standInNs replays the loop's copies.
const standInTimings = 3

// standInNs times the copies c made for a loop, made again on their own
// into buf, the loop's receive buffer: as many Recv and RecvSlot calls as
// the loop made. Send and the other slot calls copy nothing. The fastest
// of three timings in this thread's CPU time: a timing the scheduler
// preempted would exceed the loop it is taken out of (seen on a loaded
// host: a 1 B pingpong's loop overhead came out 0).
func (c *loopbackConn) standInNs(buf []byte) int64 {
	recvs, slots := c.recvs, c.slots
	fastest := int64(math.MaxInt64)
	for range standInTimings {
		t0 := threadCPUNs()
		for range recvs {
			_ = c.Recv(buf)
		}
		for range slots {
			_, _ = c.RecvSlot()
		}
		fastest = min(fastest, threadCPUNs()-t0)
	}
	return fastest
}

// loopOverheadNs runs this worker's loop, l itself, against a loopbackConn
// and returns the cost of one iteration: clock reads, stamping,
// verification, histogram, self-checks. The loopback's copies, standing
// in for the transport's, are timed apart and taken out (never below 0:
// two timings of a cheap loop may cross). A fan-in side runs a stream
// side's loop. l's conn and role are as they were when it returns.
func loopOverheadNs(l *loop, sizeBytes int) (float64, error) {
	n := uint64(max(16, min(20000, (64<<20)/sizeBytes)))
	loopNs, standInNs, _, err := timeLoopback(l, n)
	if err != nil {
		return 0, err
	}
	return float64(max(0, loopNs-standInNs)) / float64(n), nil
}

// timeLoopback times n iterations of l's loop against a loopbackConn,
// and then the last loopback's copies on their own (standInNs). Both are
// the fastest of standInTimings timings in this thread's CPU time, so that
// neither holds a preemption or a first touch of the histograms' pages
// that the other does not: a loop timed once by the wall clock, against
// copies timed thrice by CPU time, came out 500–800 ns too dear per 64 KiB
// message on a busy host.
func timeLoopback(l *loop, n uint64) (loopNs, standInNs int64, lb *loopbackConn, err error) {
	conn, fanin := l.conn, l.fanin
	defer func() { l.conn, l.fanin = conn, fanin }()
	loopNs = math.MaxInt64
	for range standInTimings {
		lb = l.loopback()
		l.conn, l.fanin = lb, false
		var stop atomic.Uint64
		stop.Store(n)
		run := l.prepare(n)
		t0 := threadCPUNs()
		l.startTicks = l.clk.now()
		if err := run(l, &stop, n, l.startTicks); err != nil {
			return 0, 0, nil, fmt.Errorf("measure loop overhead: %w", err)
		}
		loopNs = min(loopNs, threadCPUNs()-t0)
	}
	return loopNs, lb.standInNs(l.buf), lb, nil
}
