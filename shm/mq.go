//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MqAttr is struct mq_attr.
type MqAttr struct {
	Flags   int64 // O_NONBLOCK or 0
	Maxmsg  int64 // most messages in the queue (capped by fs.mqueue.msg_max)
	Msgsize int64 // largest message (capped by fs.mqueue.msgsize_max)
	Curmsgs int64 // messages in the queue now
	_       [4]int64
}

// MqOpen opens or creates a POSIX message queue and returns its descriptor,
// which is a file descriptor on Linux: close it with unix.Close. name has no
// leading slash (glibc strips it before this same syscall). attr may be nil.
func MqOpen(name string, flags int, mode uint32, attr *MqAttr) (int, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return -1, fmt.Errorf("mq_open %q: %w", name, err)
	}
	if flags&unix.O_CREAT != 0 && ValidMqName(name) == nil { // in the ledger before it exists: clean removes only ledgered queues
		if err := recordEntry(Entry{Kind: "mq", Name: name}); err != nil {
			return -1, fmt.Errorf("mq_open %q: %w", name, err)
		}
		mqd, err := mqOpen(p, name, flags, mode, attr)
		if err != nil {
			forgetEntry(Entry{Kind: "mq", Name: name})
		}
		return mqd, err
	}
	return mqOpen(p, name, flags, mode, attr)
}

func mqOpen(p *byte, name string, flags int, mode uint32, attr *MqAttr) (int, error) {
	for {
		r, _, e := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), uintptr(flags|unix.O_CLOEXEC), uintptr(mode),
			uintptr(unsafe.Pointer(attr)), 0, 0)
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EINVAL, unix.EMFILE:
			if attr != nil {
				return -1, fmt.Errorf("mq_open %q maxmsg=%d msgsize=%d: %w (limits: sysctl fs.mqueue.msg_max, fs.mqueue.msgsize_max, fs.mqueue.queues_max; ulimit -q)",
					name, attr.Maxmsg, attr.Msgsize, e)
			}
		case unix.ENOSPC:
			return -1, fmt.Errorf("mq_open %q: %w (too many queues: sysctl fs.mqueue.queues_max)", name, e)
		}
		return -1, fmt.Errorf("mq_open %q: %w", name, e)
	}
}

// MqTimedSend sends msg with priority prio, blocking while the queue is full
// when timeout is nil. It retries EINTR and returns how many times it did.
func MqTimedSend(mqd int, msg []byte, prio uint, timeout *unix.Timespec) (eintr int, err error) {
	for {
		_, _, e := unix.RawSyscall6(unix.SYS_MQ_TIMEDSEND, uintptr(mqd), uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)), uintptr(prio),
			uintptr(unsafe.Pointer(timeout)), 0)
		switch e {
		case 0:
			return eintr, nil
		case unix.EINTR:
			eintr++
			continue
		case unix.EMSGSIZE:
			return eintr, fmt.Errorf("mq_timedsend mqd=%d: message of %d B exceeds the queue's msgsize (sysctl fs.mqueue.msgsize_max): %w", mqd, len(msg), e)
		}
		return eintr, fmt.Errorf("mq_timedsend mqd=%d size=%d: %w", mqd, len(msg), e)
	}
}

// MqTimedReceive receives the oldest highest-priority message into buf, which
// must hold at least the queue's msgsize (else EMSGSIZE). It retries EINTR and
// returns the message length and how many EINTRs it retried.
func MqTimedReceive(mqd int, buf []byte, prio *uint, timeout *unix.Timespec) (n, eintr int, err error) {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_MQ_TIMEDRECEIVE, uintptr(mqd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
			uintptr(unsafe.Pointer(prio)), uintptr(unsafe.Pointer(timeout)), 0)
		switch e {
		case 0:
			return int(r), eintr, nil
		case unix.EINTR:
			eintr++
			continue
		case unix.EMSGSIZE:
			return 0, eintr, fmt.Errorf("mq_timedreceive mqd=%d: buffer of %d B is smaller than the queue's msgsize: %w", mqd, len(buf), e)
		}
		return 0, eintr, fmt.Errorf("mq_timedreceive mqd=%d: %w", mqd, e)
	}
}

// MqUnlink removes the queue's name; the queue lives on until its last
// descriptor closes.
func MqUnlink(name string) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return fmt.Errorf("mq_unlink %q: %w", name, err)
	}
	for {
		_, _, e := unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 && e != unix.ENOENT {
			return fmt.Errorf("mq_unlink %q: %w", name, e)
		}
		forgetEntry(Entry{Kind: "mq", Name: name})
		if e != 0 {
			return fmt.Errorf("mq_unlink %q: %w", name, e)
		}
		return nil
	}
}

// MqGetattr reads the queue's attributes (mq_getsetattr with no new
// attributes): its maxmsg and msgsize are what the kernel granted.
func MqGetattr(mqd int) (MqAttr, error) {
	var a MqAttr
	for {
		_, _, e := unix.Syscall(unix.SYS_MQ_GETSETATTR, uintptr(mqd), 0, uintptr(unsafe.Pointer(&a)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return a, fmt.Errorf("mq_getsetattr mqd=%d: %w", mqd, e)
		}
		return a, nil
	}
}
