//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MsgTypeBytes is the size of the long mtype that leads every System V
// message buffer (struct msgbuf) on 64-bit Linux.
const MsgTypeBytes = 8

// MsgCreate creates a message queue under a fresh key of the ipcbench
// namespace with mode 0600 and IPC_EXCL. Remove it with MsgRemove.
func MsgCreate() (id, key int, err error) {
	id, key, err = createExcl("msgget", "msg", func(key, flags int) (int, error) {
		return sysRetry(unix.SYS_MSGGET, uintptr(key), uintptr(flags), 0, 0)
	}, MsgRemove)
	if err != nil {
		if err == unix.ENOSPC {
			return -1, 0, fmt.Errorf("msgget: %w (too many queues: sysctl kernel.msgmni)", err)
		}
		return -1, 0, fmt.Errorf("msgget: %w", err)
	}
	return id, key, nil
}

// PutMsgType writes mtype into the first MsgTypeBytes of a message buffer.
func PutMsgType(buf []byte, mtype int64) {
	binary.NativeEndian.PutUint64(buf, uint64(mtype))
}

// MsgSnd sends buf, whose first MsgTypeBytes hold the mtype (PutMsgType) and
// the rest the message, blocking while the queue is full. It retries EINTR
// and returns how many times it did.
func MsgSnd(id int, buf []byte, flags int) (eintr int, err error) {
	size := len(buf) - MsgTypeBytes
	for {
		_, _, e := unix.RawSyscall6(unix.SYS_MSGSND, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(size), uintptr(flags), 0, 0)
		switch e {
		case 0:
			return eintr, nil
		case unix.EINTR:
			eintr++
			continue
		}
		return eintr, msgError("msgsnd", id, size, e)
	}
}

// MsgRcv receives the first message of type mtype (0: any) into buf, whose
// first MsgTypeBytes receive the mtype. A message longer than the space left
// fails with E2BIG and stays queued: nothing is truncated. It returns the
// message length and how many EINTRs it retried.
func MsgRcv(id int, buf []byte, mtype int64, flags int) (n, eintr int, err error) {
	size := len(buf) - MsgTypeBytes
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(size), uintptr(mtype), uintptr(flags), 0)
		switch e {
		case 0:
			return int(r), eintr, nil
		case unix.EINTR:
			eintr++
			continue
		}
		return 0, eintr, msgError("msgrcv", id, size, e)
	}
}

func msgError(call string, id, size int, e unix.Errno) error {
	switch {
	case e == unix.EINVAL && call == "msgsnd":
		if max, err := Sysctl("kernel.msgmax"); err == nil && size > max {
			return fmt.Errorf("msgsnd msqid=%d: message of %d B exceeds msgmax %d (sysctl kernel.msgmax): %w", id, size, max, e)
		}
	case e == unix.E2BIG:
		return fmt.Errorf("%s msqid=%d: the message is larger than the %d B buffer: %w", call, id, size, e)
	case e == unix.EIDRM:
		return fmt.Errorf("%s msqid=%d: the queue was removed under us: %w", call, id, e)
	}
	return fmt.Errorf("%s msqid=%d size=%d: %w", call, id, size, e)
}

// MsqidDS is struct msqid64_ds on 64-bit Linux, as IPC_STAT fills it.
type MsqidDS struct {
	Perm   unix.SysvIpcPerm
	Stime  int64
	Rtime  int64
	Ctime  int64
	Cbytes uint64 // bytes in the queue now
	Qnum   uint64 // messages in the queue now
	Qbytes uint64 // most bytes the queue holds (from kernel.msgmnb)
	Lspid  int32
	Lrpid  int32
	_      [2]uint64
}

// MsgStat reads the queue's state (msgctl IPC_STAT).
func MsgStat(id int) (MsqidDS, error) {
	var ds MsqidDS
	for {
		_, _, e := unix.Syscall(unix.SYS_MSGCTL, uintptr(id), unix.IPC_STAT, uintptr(unsafe.Pointer(&ds)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return ds, fmt.Errorf("msgctl IPC_STAT msqid=%d: %w", id, e)
		}
		return ds, nil
	}
}

// MsgRemove removes the queue at once (msgctl IPC_RMID); blocked callers get EIDRM.
func MsgRemove(id int) error {
	defer forget("msg", id) // removed now, or gone already
	if _, err := sysRetry(unix.SYS_MSGCTL, uintptr(id), unix.IPC_RMID, 0, 0); err != nil {
		return fmt.Errorf("msgctl IPC_RMID msqid=%d: %w", id, err)
	}
	return nil
}

// MsgSetQbytes sets the most bytes of message text the queue holds (msgctl
// IPC_STAT then IPC_SET of msg_qbytes). Raising it above sysctl kernel.msgmnb
// takes CAP_SYS_RESOURCE: without it the kernel answers EPERM.
func MsgSetQbytes(id int, qbytes uint64) error {
	ds, err := MsgStat(id)
	if err != nil {
		return err
	}
	ds.Qbytes = qbytes
	if _, err := sysRetry(unix.SYS_MSGCTL, uintptr(id), unix.IPC_SET, uintptr(unsafe.Pointer(&ds)), 0); err != nil {
		if err == unix.EPERM {
			return fmt.Errorf("msgctl IPC_SET msqid=%d msg_qbytes=%d: %w (above sysctl kernel.msgmnb without CAP_SYS_RESOURCE)", id, qbytes, err)
		}
		return fmt.Errorf("msgctl IPC_SET msqid=%d msg_qbytes=%d: %w", id, qbytes, err)
	}
	return nil
}
