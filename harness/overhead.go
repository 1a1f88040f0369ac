package harness

import (
	"fmt"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// loopbackConn stands in for a transport when the harness measures its own
// loop cost. For the initiator it reflects: Recv copies back what Send sent.
// For a side that receives first, Recv copies the next message its peer would
// have sent, and Send discards.
type loopbackConn struct {
	peer    *messages
	seq     uint64
	reflect bool
	pending []byte
}

func newLoopback(spec Spec, wl workloads.Descriptor) *loopbackConn {
	return &loopbackConn{peer: newMessages(spec.SizeBytes, wl.Stamped, nil),
		reflect: wl.Roles[spec.Side] == workloads.Initiator}
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
	transports.CopyCached(msg, c.peer.stamp(c.seq, nanotime()))
	c.seq++
	return nil
}

func (c *loopbackConn) Close() error { return nil }

// The in-place calls, for measuring stream-inplace's loop: the producer's
// slot is its own scratch, the consumer's the next template.
func (c *loopbackConn) SendSlot() ([]byte, error) {
	if len(c.pending) != len(c.peer.tmpl[0]) {
		c.pending = make([]byte, len(c.peer.tmpl[0]))
	}
	return c.pending, nil
}
func (c *loopbackConn) SendCommit() error { return nil }
func (c *loopbackConn) RecvSlot() ([]byte, error) {
	b := c.peer.stamp(c.seq, nanotime())
	c.seq++
	return b, nil
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

// loopOverheadNs runs this worker's loop against a loopbackConn and returns
// the cost of one iteration: clock reads, stamping, verification, histogram,
// plus one user-space copy of the message standing in for the transport.
func loopOverheadNs(spec Spec, wl workloads.Descriptor) (float64, error) {
	wl.Writers = false // a fan-in side runs a stream side's loop
	n := uint64(max(16, min(20000, (64<<20)/spec.SizeBytes)))
	l := newLoop(spec, wl, newLoopback(spec, wl))
	var stop atomic.Uint64
	stop.Store(n)
	if err := l.phase(&stop, n, 0); err != nil {
		return 0, fmt.Errorf("measure loop overhead: %w", err)
	}
	return float64(l.endNs-l.startNs) / float64(n), nil
}
