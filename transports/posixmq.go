package transports

import (
	"errors"
	"fmt"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// posixMqSetup creates one queue per direction, named ipcbench-<pid>-<random>-a2b
// and -b2a. The workers open them by name; Attached unlinks both names.
type posixMqSetup struct {
	fileSetup
	names    [2]string
	unlinked bool
}

func mqMaxMsgs() (int, error) {
	n, err := shm.Sysctl("fs.mqueue.msg_max")
	if err != nil {
		return 0, err
	}
	return min(n, 10), nil
}

func newPosixMqSetup(o Options) (Setup, error) {
	maxmsg, err := mqMaxMsgs()
	if err != nil {
		return nil, fmt.Errorf("posix-mq: %w", err)
	}
	source := "mq_getattr mq_maxmsg=%d (native: min(10, fs.mqueue.msg_max))"
	if o.Depth > 0 {
		// Root may pass fs.mqueue.msg_max; the harness holds every host to it.
		if limit, err := shm.Sysctl("fs.mqueue.msg_max"); err != nil || o.Depth > limit {
			return nil, fmt.Errorf("posix-mq: depth %d is above sysctl fs.mqueue.msg_max=%d; raise with sysctl -w fs.mqueue.msg_max=N: %w", o.Depth, limit, ErrUnsupported)
		}
		maxmsg, source = o.Depth, "mq_open mq_maxmsg=%d"
	}
	s := &posixMqSetup{names: [2]string{shm.NewName("mq", "a2b").String(), shm.NewName("mq", "b2a").String()}}
	attr := &shm.MqAttr{Maxmsg: int64(maxmsg), Msgsize: int64(o.MessageBytes)}
	for i, name := range s.names {
		mqd, err := shm.MqOpen(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, shm.Mode, attr)
		if err != nil {
			for _, made := range s.names[:i] {
				shm.MqUnlink(made)
			}
			if errors.Is(err, unix.ENOSYS) {
				return nil, fmt.Errorf("posix-mq: %w: %w", err, ErrUnsupported)
			}
			return nil, fmt.Errorf("posix-mq: %w", err)
		}
		got, err := shm.MqGetattr(mqd)
		unix.Close(mqd) // the name keeps the queue until Attached unlinks it
		if err != nil {
			s.unlink()
			return nil, fmt.Errorf("posix-mq: %w", err)
		}
		s.depth = Depth{Msgs: int(got.Maxmsg), Bytes: int(got.Maxmsg * got.Msgsize), Source: fmt.Sprintf(source, got.Maxmsg)}
	}
	args := []string{s.names[0], s.names[1]}
	s.a, s.b = Handoff{Args: args}, Handoff{Args: args}
	s.cleanup = s.unlink
	return s, nil
}

func (s *posixMqSetup) unlink() error {
	if s.unlinked {
		return nil
	}
	s.unlinked = true
	return errors.Join(shm.MqUnlink(s.names[0]), shm.MqUnlink(s.names[1]))
}

func (s *posixMqSetup) Attached() error { return s.unlink() }

type posixMqConn struct {
	in, out int
	c       Counters
}

func openPosixMq(side Side, _ []int, args []string, _ Options) (Conn, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("posix-mq: worker got %d names, want 2", len(args))
	}
	inName, outName := args[1], args[0]
	if side == SideB {
		inName, outName = args[0], args[1]
	}
	in, err := shm.MqOpen(inName, unix.O_RDONLY, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("posix-mq: %w", err)
	}
	out, err := shm.MqOpen(outName, unix.O_WRONLY, 0, nil)
	if err != nil {
		unix.Close(in)
		return nil, fmt.Errorf("posix-mq: %w", err)
	}
	for _, q := range []struct {
		fd   int
		name string
	}{{in, inName}, {out, outName}} {
		if err := shm.CheckOwnedQueue(q.fd, q.name); err != nil {
			unix.Close(in)
			unix.Close(out)
			return nil, fmt.Errorf("posix-mq: %w", err)
		}
	}
	return &posixMqConn{in: in, out: out}, nil
}

func (c *posixMqConn) Send(msg []byte) error {
	eintr, err := shm.MqTimedSend(c.out, msg, 0, nil)
	c.c.Syscalls += uint64(1 + eintr)
	c.c.SyscallsInterrupted += uint64(eintr)
	if err != nil {
		return fmt.Errorf("posix-mq: %w", err)
	}
	c.c.BytesToKernel += uint64(len(msg))
	return nil
}

func (c *posixMqConn) Recv(msg []byte) error {
	n, eintr, err := shm.MqTimedReceive(c.in, msg, nil, nil)
	c.c.Syscalls += uint64(1 + eintr)
	c.c.SyscallsInterrupted += uint64(eintr)
	if err != nil {
		return fmt.Errorf("posix-mq: %w", err)
	}
	c.c.BytesFromKernel += uint64(n)
	if n != len(msg) {
		return fmt.Errorf("posix-mq: mq_timedreceive mqd=%d: got a %d B message, expected %d B", c.in, n, len(msg))
	}
	return nil
}

func (c *posixMqConn) Counters() *Counters { return &c.c }

func (c *posixMqConn) Close() error { return errors.Join(unix.Close(c.in), unix.Close(c.out)) }

func posixMqLimit() (Limit, error) {
	max, err := shm.Sysctl("fs.mqueue.msgsize_max")
	if err != nil {
		return Limit{}, fmt.Errorf("%w: %w", err, ErrUnsupported)
	}
	return Limit{Bytes: max, Source: fmt.Sprintf("sysctl fs.mqueue.msgsize_max=%d; raise with sysctl -w fs.mqueue.msgsize_max=N", max)}, nil
}

func init() {
	Register(Descriptor{
		Name:     "posix-mq",
		Order:    90,
		Doc:      "two POSIX message queues (mq_open), one per direction, unlinked once open",
		DataPath: "mq_timedsend(2) → kernel queue → mq_timedreceive(2)",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one out; at most min(10, fs.mqueue.msg_max) messages queued"},
		MultiWriter: true,
		MaxMessage:  posixMqLimit,
		New:         newPosixMqSetup,
		Open:        openPosixMq,
	})
}
