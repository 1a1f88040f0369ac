package harness

import (
	"fmt"
	"time"

	"github.com/ipcbench/ipcbench/transports"
	"golang.org/x/sys/unix"
)

// Hooks at work: a worker that kills or stops itself at a stage, side A's
// conn wrapped to slow or corrupt its sends, and the parent stalling side b.

// killHere has the worker SIGKILL itself if the spec's KillAt names stage
// (or SIGSTOP itself, for StallAtMeasure) and its KillSide is this side.
func (s Spec) killHere(stage string) {
	if s.KillAt == StallAtMeasure && stage == KillAtMeasure && s.Side == s.KillSide {
		unix.Kill(unix.Getpid(), unix.SIGSTOP)
	}
	if s.KillAt == stage && s.Side == s.KillSide {
		unix.Kill(unix.Getpid(), unix.SIGKILL)
		select {} // the signal is on its way
	}
}

// withHooks wraps side A's conn in a testConn where the hooks ask for a
// fault or a delay.
func (h Hooks) withHooks(side transports.Side, conn transports.Conn) transports.Conn {
	if (h.Fault != "" || h.SendDelay > 0) && side == transports.SideA {
		return &testConn{Conn: conn, fault: h.Fault, at: h.FaultAt, delayNs: int64(h.SendDelay)}
	}
	return conn
}

// testConn wraps side A's Conn for tests: it busy-waits delayNs before
// every send (a deliberately slowed transport, for compare's end-to-end
// check), and injects one fault into the sends of the measured window.
type testConn struct {
	transports.Conn
	fault   string
	at      uint64
	delayNs int64
	n       uint64
	armed   bool // only the measured window counts
}

func (f *testConn) Send(msg []byte) error {
	if f.delayNs > 0 {
		// Spin rather than sleep: a sleep would hand the CPU away and
		// change what is measured beyond the added time.
		for end := nanotime() + f.delayNs; nanotime() < end; {
		}
	}
	if !f.armed || f.fault == "" {
		return f.Conn.Send(msg)
	}
	i := f.n
	f.n++
	if i != f.at {
		return f.Conn.Send(msg)
	}
	switch f.fault {
	case "lose":
		return nil
	case "dup":
		if err := f.Conn.Send(msg); err != nil {
			return err
		}
		return f.Conn.Send(msg)
	case "die":
		return unix.Kill(unix.Getpid(), unix.SIGKILL)
	case "corrupt":
		msg[len(msg)-1] ^= 0xFF
		err := f.Conn.Send(msg)
		msg[len(msg)-1] ^= 0xFF
		return err
	}
	return fmt.Errorf("unknown fault %q", f.fault)
}

func (f *testConn) Counters() *transports.Counters {
	if c, ok := f.Conn.(transports.Counting); ok {
		return c.Counters()
	}
	return &transports.Counters{}
}

// HeadroomBytes passes on the wrapped Conn's headroom.
func (f *testConn) HeadroomBytes() int {
	if hr, ok := f.Conn.(transports.Headroom); ok {
		return hr.HeadroomBytes()
	}
	return 0
}

// scheduleStall runs the StallAt and StallNs hooks from the parent: it
// stops side b with SIGSTOP StallAt into the window and lets it go with
// SIGCONT StallNs later. The function it returns cancels what has not
// happened and always lets side b go. The signals go through os.Process
// (a pidfd), never a bare pid: side b may have been reaped by then, and its
// pid taken by another process.
func (r *caseRun) scheduleStall() (cancel func()) {
	h := r.c.Hooks
	if h.StallNs <= 0 {
		return func() {}
	}
	p := r.workers[len(r.workers)-1].cmd.Process
	stopT := time.AfterFunc(h.StallAt, func() { p.Signal(unix.SIGSTOP) })
	contT := time.AfterFunc(h.StallAt+h.StallNs, func() { p.Signal(unix.SIGCONT) })
	return func() {
		stopT.Stop()
		contT.Stop()
		p.Signal(unix.SIGCONT)
	}
}
