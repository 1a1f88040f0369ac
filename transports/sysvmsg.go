package transports

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/ipcbench/ipcbench/shm"
)

// One System V message queue carries both directions; mtype says which.
const (
	mtypeAtoB = 1
	mtypeBtoA = 2
)

func newSysvMsgSetup(o Options) (Setup, error) {
	id, _, err := shm.MsgCreate()
	if err != nil {
		return nil, fmt.Errorf("sysv-msg: %w", err)
	}
	args := []string{strconv.Itoa(id)}
	s := &fileSetup{
		a: Handoff{Args: args}, b: Handoff{Args: args},
		cleanup: func() error { return shm.MsgRemove(id) },
	}
	if s.depth, err = sysvMsgDepth(id, o); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// sysvMsgDepth sets msg_qbytes to depth messages' text, or reads the native
// one. The kernel counts only the text against msg_qbytes (not the mtype),
// and also holds the queue to msg_qbytes messages, so depth messages of size
// bytes fit exactly. One queue carries both directions.
func sysvMsgDepth(id int, o Options) (Depth, error) {
	source := "msgctl IPC_STAT msg_qbytes=%d (native: sysctl kernel.msgmnb)"
	if o.Depth > 0 {
		if err := shm.MsgSetQbytes(id, uint64(o.Depth*o.MessageBytes)); err != nil {
			return Depth{}, fmt.Errorf("sysv-msg: depth %d: %w: %w", o.Depth, err, ErrUnsupported)
		}
		source = "msgctl IPC_SET msg_qbytes=%d"
	}
	ds, err := shm.MsgStat(id)
	if err != nil {
		return Depth{}, fmt.Errorf("sysv-msg: %w", err)
	}
	q := int(ds.Qbytes)
	return Depth{Msgs: min(q/o.MessageBytes, q), Bytes: q, Source: fmt.Sprintf(source, q)}, nil
}

type sysvMsgConn struct {
	id           int
	sendT, recvT int64
	c            Counters
}

func openSysvMsg(side Side, _ []int, args []string, _ Options) (Conn, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("sysv-msg: worker got %d args, want the msqid", len(args))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		return nil, fmt.Errorf("sysv-msg: bad msqid %q", args[0])
	}
	if err := shm.CheckOwned("msg", id); err != nil {
		return nil, fmt.Errorf("sysv-msg: %w", err)
	}
	c := &sysvMsgConn{id: id, sendT: mtypeAtoB, recvT: mtypeBtoA}
	if side == SideB {
		c.sendT, c.recvT = mtypeBtoA, mtypeAtoB
	}
	return c, nil
}

func (c *sysvMsgConn) HeadroomBytes() int { return shm.MsgTypeBytes }

// withType returns msg with the NewBuffer headroom in front, for the mtype.
func withType(msg []byte) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(msg)), -shm.MsgTypeBytes)), shm.MsgTypeBytes+len(msg))
}

func (c *sysvMsgConn) Send(msg []byte) error {
	full := withType(msg)
	shm.PutMsgType(full, c.sendT)
	eintr, err := shm.MsgSnd(c.id, full, 0)
	c.c.Syscalls += uint64(1 + eintr)
	c.c.SyscallsInterrupted += uint64(eintr)
	if err != nil {
		return fmt.Errorf("sysv-msg: %w", err)
	}
	c.c.BytesToKernel += uint64(len(msg))
	return nil
}

func (c *sysvMsgConn) Recv(msg []byte) error {
	n, eintr, err := shm.MsgRcv(c.id, withType(msg), c.recvT, 0)
	c.c.Syscalls += uint64(1 + eintr)
	c.c.SyscallsInterrupted += uint64(eintr)
	if err != nil {
		return fmt.Errorf("sysv-msg: %w", err)
	}
	c.c.BytesFromKernel += uint64(n)
	if n != len(msg) {
		return fmt.Errorf("sysv-msg: msgrcv msqid=%d: got a %d B message, expected %d B", c.id, n, len(msg))
	}
	return nil
}

func (c *sysvMsgConn) Counters() *Counters { return &c.c }
func (c *sysvMsgConn) Close() error        { return nil }

func sysvMsgLimit() (Limit, error) {
	max, err := shm.Sysctl("kernel.msgmax")
	if err != nil {
		return Limit{}, err
	}
	mnb, err := shm.Sysctl("kernel.msgmnb")
	if err != nil {
		return Limit{}, err
	}
	if mnb < max {
		return Limit{Bytes: mnb, Source: fmt.Sprintf("sysctl kernel.msgmnb=%d, a queue's bytes; raise with sysctl -w kernel.msgmnb=N", mnb)}, nil
	}
	return Limit{Bytes: max, Source: fmt.Sprintf("sysctl kernel.msgmax=%d; raise with sysctl -w kernel.msgmax=N", max)}, nil
}

func init() {
	Register(Descriptor{
		Name:     "sysv-msg",
		Order:    80,
		Doc:      "one System V message queue (msgget), mtype 1 for a→b and 2 for b→a",
		DataPath: "msgsnd(2) → kernel message list → msgrcv(2)",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one out; the mtype travels in headroom before the message, so no user copy"},
		MultiWriter:      true,
		IgnoresSARestart: true,
		MaxMessage:       sysvMsgLimit,
		New:              newSysvMsgSetup,
		Open:             openSysvMsg,
	})
}
