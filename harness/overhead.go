package harness

import (
	"fmt"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// loopbackConn stands in for a transport when the harness measures its own
// loop cost. For the initiator it reflects: Recv copies back what Send sent.
// For a side that receives first, Recv writes the next message its peer
// would have sent, and Send discards. It works in the loop's own messages
// and buffer, so that timing the loop costs a worker no memory of its own
// (it did: three more sets of templates, 9× the message size). It never
// reads the clock: the real peer stamps its messages on its own CPU, so a
// stamp costs the timed side nothing (it read the clock once more than
// the real consumer and echoer did, until the fix of issue 14).
type loopbackConn struct {
	msgs    *messages
	seq     uint64
	reflect bool
	pending []byte
	scratch []byte // an in-place side's slot: the loop's receive buffer
	tsNs    int64  // the stamp on every message it delivers
}

// loopback is a loopbackConn for l, in l's messages and buffer.
func (l *loop) loopback() *loopbackConn {
	return &loopbackConn{msgs: l.msgs, reflect: l.role == workloads.Initiator, scratch: l.buf, tsNs: nanotime()}
}

func (c *loopbackConn) Send(msg []byte) error {
	if c.reflect {
		c.pending = msg
	}
	return nil
}

func (c *loopbackConn) Recv(msg []byte) error {
	if c.reflect {
		transports.CopyCached(msg, c.pending)
		return nil
	}
	c.msgs.fill(msg, c.seq, c.tsNs)
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
	c.msgs.fill(c.scratch, c.seq, c.tsNs)
	c.seq++
	return c.scratch, nil
}
func (c *loopbackConn) RecvRelease() error { return nil }

// timerCostNs measures one nanotime call, averaged over many.
func timerCostNs() float64 {
	const n = 200000
	t0 := nanotime()
	var sink int64
	for range n {
		sink += nanotime()
	}
	t1 := nanotime()
	_ = sink
	return float64(t1-t0) / n
}

// loopOverheadNs runs this worker's loop, l itself, against a loopbackConn
// and returns the cost of one iteration: clock reads, stamping,
// verification, histogram, self-checks, plus one user-space copy of the
// message standing in for the transport. A fan-in side runs a stream
// side's loop. l's conn and role are as they were when it returns.
func loopOverheadNs(l *loop, sizeBytes int) (float64, error) {
	conn, fanin := l.conn, l.fanin
	defer func() { l.conn, l.fanin = conn, fanin }()
	l.conn, l.fanin = l.loopback(), false
	n := uint64(max(16, min(20000, (64<<20)/sizeBytes)))
	var stop atomic.Uint64
	stop.Store(n)
	if err := l.phase(&stop, n, 0); err != nil {
		return 0, fmt.Errorf("measure loop overhead: %w", err)
	}
	return float64(l.endNs-l.startNs) / float64(n), nil
}
