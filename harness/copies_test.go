package harness

import (
	"bytes"
	"fmt"
	"math"
	"sync/atomic"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestEveryRoleHasLoops: each side of every workload plays a role whose
// loops are registered, so that a worker never meets a role it cannot run.
func TestEveryRoleHasLoops(t *testing.T) {
	for _, wl := range workloads.All() {
		for _, side := range []transports.Side{transports.SideA, transports.SideB} {
			if r := loopsOf(wl, side); r == nil || r.plain == nil {
				t.Errorf("%s side %s: no loops registered for its role %q", wl.Name, side, wl.Roles[side])
			}
		}
	}
}

// TestLoopCopiesAgree runs every copy of each role's loop (plain, sampled
// and work) over the same messages against a loopbackConn, and checks that
// they agree message for message: what they send, count and record, and
// where they catch a corrupted message. The copies are deliberate, so that
// the default loop carries no test for --sample-every or --work; this test
// keeps them from drifting apart. A sampled copy runs twice: timing every
// message, when it must match plain exactly, and every 3rd.
func TestLoopCopiesAgree(t *testing.T) {
	seen := map[*roleLoops]bool{}
	for _, wl := range workloads.All() {
		for _, side := range []transports.Side{transports.SideA, transports.SideB} {
			r := loopsOf(wl, side)
			if seen[r] || r.sampled == nil && r.work == nil {
				continue // one copy: nothing to agree with
			}
			seen[r] = true
			t.Run(fmt.Sprintf("%s/%s", wl.Name, side), func(t *testing.T) {
				want := runCopy(t, wl, side, r.plain, 1)
				copies := []struct {
					name  string
					loop  loopFunc
					every uint64
				}{{"sampled every 1", r.sampled, 1}, {"sampled every 3", r.sampled, 3}, {"work", r.work, 1}}
				for _, c := range copies {
					if c.loop == nil {
						continue
					}
					got := runCopy(t, wl, side, c.loop, c.every)
					if err := want.differs(got, c.every); err != "" {
						t.Errorf("%s disagrees with plain: %s", c.name, err)
					}
				}
			})
		}
	}
}

// copiesN is the messages of a run of one copy; copiesCorruptAt is the
// delivered message whose body each copy's second run corrupts: a timed
// one every 3rd message, so that a sampled copy body-checks it too.
const (
	copiesN         = 50
	copiesCorruptAt = 6
)

// copyRun is what one copy of a loop did.
type copyRun struct {
	sent, received, stopped, samples, filledBytes uint64
	msgs                                          [][]byte // what it sent, in order, timestamps zeroed
	corruptErr                                    string   // how it failed on the corrupted message
}

// differs says how got, a copy that times every Nth message, differs
// from r, the plain copy's run, or "" where it does not. The copy must
// send, count and stop alike, time (and an in-place producer fill) every
// Nth message from the first, and send every message's sequence number,
// and the timed ones whole.
func (r copyRun) differs(got copyRun, every uint64) string {
	timed := func(n uint64) uint64 { return (n + every - 1) / every }
	filled := r.filledBytes / max(1, r.sent) * timed(r.sent)
	switch {
	case got.sent != r.sent || got.received != r.received || got.stopped != r.stopped:
		return fmt.Sprintf("sent %d, received %d, stop %d; want %d, %d, %d", got.sent, got.received, got.stopped, r.sent, r.received, r.stopped)
	case got.samples != timed(r.samples) || got.filledBytes != filled:
		return fmt.Sprintf("%d samples, %d B filled; want %d, %d", got.samples, got.filledBytes, timed(r.samples), filled)
	case got.corruptErr != r.corruptErr:
		return fmt.Sprintf("on a corrupted message %q; want %q", got.corruptErr, r.corruptErr)
	case len(got.msgs) != len(r.msgs):
		return fmt.Sprintf("%d messages sent; want %d", len(got.msgs), len(r.msgs))
	}
	for i := range r.msgs {
		if uint64(i)%every == 0 && !bytes.Equal(got.msgs[i], r.msgs[i]) || getSeq(got.msgs[i]) != getSeq(r.msgs[i]) {
			return fmt.Sprintf("message %d differs", i)
		}
	}
	return ""
}

// runCopy runs loop as side's phase of wl, once clean and once with a
// corrupted message.
func runCopy(t *testing.T, wl workloads.Descriptor, side transports.Side, loop loopFunc, every uint64) copyRun {
	t.Helper()
	var out copyRun
	for _, corruptAt := range []uint64{math.MaxUint64, copiesCorruptAt} {
		l := newLoop(Spec{Case: Case{Workload: wl.Name, SizeBytes: 256, Producers: 1, SampleEvery: every}, Side: side}, wl, nil)
		c := &recordingConn{loopbackConn: l.loopback(), tsOff: l.msgs.tsOff, corruptAt: corruptAt}
		l.conn, l.loops = c, &roleLoops{plain: loop} // phase runs this copy
		l.fanin, l.inPlace, l.workIters = false, false, 1
		var stop atomic.Uint64
		stop.Store(copiesN)
		err := l.phase(&stop, copiesN, 0)
		if corruptAt != math.MaxUint64 {
			if err != nil {
				out.corruptErr = err.Error()
			}
			continue
		}
		if err != nil {
			t.Fatalf("clean run: %v", err)
		}
		out = copyRun{sent: l.sent, received: l.received, stopped: stop.Load(),
			samples: uint64(l.hist.TotalCount() + l.second.TotalCount()), filledBytes: l.filledBytes, msgs: c.sent}
	}
	return out
}

// recordingConn is a loopbackConn that keeps each message the loop sends
// (a copy, its timestamp zeroed: each copy reads its own clock), and
// corrupts the last byte of the message it delivers at corruptAt.
type recordingConn struct {
	*loopbackConn
	tsOff     int // -1: messages carry no timestamp
	sent      [][]byte
	delivered uint64
	corruptAt uint64
}

func (c *recordingConn) keep(msg []byte) {
	m := bytes.Clone(msg)
	if c.tsOff >= 0 {
		clear(m[c.tsOff : c.tsOff+tsBytes])
	}
	c.sent = append(c.sent, m)
}

func (c *recordingConn) deliver(msg []byte) {
	if c.delivered == c.corruptAt {
		msg[len(msg)-1] ^= 0xFF
	}
	c.delivered++
}

func (c *recordingConn) Send(msg []byte) error {
	c.keep(msg)
	return c.loopbackConn.Send(msg)
}

func (c *recordingConn) SendCommit() error {
	c.keep(c.scratch)
	return c.loopbackConn.SendCommit()
}

func (c *recordingConn) Recv(msg []byte) error {
	err := c.loopbackConn.Recv(msg)
	c.deliver(msg)
	return err
}

func (c *recordingConn) RecvSlot() ([]byte, error) {
	slot, err := c.loopbackConn.RecvSlot()
	c.deliver(slot)
	return slot, err
}
