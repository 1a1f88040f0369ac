//go:build linux

// Package uring is a minimal io_uring for one operation at a time: a ring
// set up and mapped once, then Do, which submits one SQE and waits for its
// CQE in a single io_uring_enter without allocating. It is what the io-uring
// transport needs and no more; x/sys/unix has the syscall numbers but no
// structures, so the kernel's layouts (include/uapi/linux/io_uring.h) are
// written out here.
package uring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Operations, from enum io_uring_op.
const (
	OpRead  = 22 // IORING_OP_READ
	OpWrite = 23 // IORING_OP_WRITE
	OpSend  = 26 // IORING_OP_SEND
	OpRecv  = 27 // IORING_OP_RECV
)

const (
	offSQRing = 0          // IORING_OFF_SQ_RING
	offCQRing = 0x8000000  // IORING_OFF_CQ_RING
	offSQEs   = 0x10000000 // IORING_OFF_SQES

	featSingleMmap = 1 << 0 // IORING_FEAT_SINGLE_MMAP
	enterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS
)

// sqringOffsets is struct io_sqring_offsets.
type sqringOffsets struct {
	Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1 uint32
	UserAddr                                                        uint64
}

// cqringOffsets is struct io_cqring_offsets.
type cqringOffsets struct {
	Head, Tail, RingMask, RingEntries, Overflow, CQEs, Flags, Resv1 uint32
	UserAddr                                                        uint64
}

// params is struct io_uring_params (120 bytes).
type params struct {
	SQEntries, CQEntries, Flags, SQThreadCPU, SQThreadIdle, Features, WQFd uint32
	Resv                                                                   [3]uint32
	SQOff                                                                  sqringOffsets
	CQOff                                                                  cqringOffsets
}

// sqe is struct io_uring_sqe (64 bytes), with the union members this
// package uses.
type sqe struct {
	Opcode      uint8
	Flags       uint8
	IOPrio      uint16
	Fd          int32
	Off         uint64
	Addr        uint64
	Len         uint32
	OpFlags     uint32 // msg_flags for SEND and RECV, rw_flags for READ and WRITE
	UserData    uint64
	BufIndex    uint16
	Personality uint16
	SpliceFdIn  int32
	Addr3       uint64
	Pad2        uint64
}

// cqe is struct io_uring_cqe (16 bytes, no IORING_SETUP_CQE32).
type cqe struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// Ring is one io_uring instance with its rings mapped. It is not safe for
// concurrent use: Do has one operation in flight at a time.
type Ring struct {
	fd           int
	sqMap, cqMap []byte // cqMap is nil under IORING_FEAT_SINGLE_MMAP
	sqesMap      []byte

	sqHead, sqTail *uint32 // sqHead is the kernel's, sqTail ours
	sqMask         uint32
	cqHead, cqTail *uint32 // cqTail is the kernel's, cqHead ours
	cqMask         uint32
	sqes           []sqe
	cqes           []cqe

	seq uint64 // user_data of the last operation submitted
}

// Setup creates a ring of entries submission slots (a power of two) and maps
// its rings. An error from io_uring_setup itself is returned as the bare
// unix.Errno, so that callers can tell ENOSYS and EPERM apart.
func Setup(entries uint32) (*Ring, error) {
	var p params
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, e
	}
	r := &Ring{fd: int(fd)}
	if err := r.mmap(&p); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Ring) mmap(p *params) error {
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_SHARED | unix.MAP_POPULATE
	sqBytes := int(p.SQOff.Array + p.SQEntries*4)
	cqBytes := int(p.CQOff.CQEs + p.CQEntries*uint32(unsafe.Sizeof(cqe{})))
	single := p.Features&featSingleMmap != 0
	if single {
		sqBytes = max(sqBytes, cqBytes)
	}
	var err error
	if r.sqMap, err = unix.Mmap(r.fd, offSQRing, sqBytes, prot, flags); err != nil {
		return fmt.Errorf("mmap io_uring sq ring (%d B): %w", sqBytes, err)
	}
	cqMap := r.sqMap
	if !single {
		if r.cqMap, err = unix.Mmap(r.fd, offCQRing, cqBytes, prot, flags); err != nil {
			return fmt.Errorf("mmap io_uring cq ring (%d B): %w", cqBytes, err)
		}
		cqMap = r.cqMap
	}
	sqesBytes := int(p.SQEntries) * int(unsafe.Sizeof(sqe{}))
	if r.sqesMap, err = unix.Mmap(r.fd, offSQEs, sqesBytes, prot, flags); err != nil {
		return fmt.Errorf("mmap io_uring sqes (%d B): %w", sqesBytes, err)
	}
	u32 := func(m []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&m[off])) }
	r.sqHead, r.sqTail = u32(r.sqMap, p.SQOff.Head), u32(r.sqMap, p.SQOff.Tail)
	r.sqMask = *u32(r.sqMap, p.SQOff.RingMask)
	r.cqHead, r.cqTail = u32(cqMap, p.CQOff.Head), u32(cqMap, p.CQOff.Tail)
	r.cqMask = *u32(cqMap, p.CQOff.RingMask)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqesMap[0])), p.SQEntries)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&cqMap[p.CQOff.CQEs])), p.CQEntries)
	// The SQ array maps ring positions to SQE indexes; fixing it as the
	// identity once means Do writes only the SQE and the tail.
	array := unsafe.Slice(u32(r.sqMap, p.SQOff.Array), p.SQEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	return nil
}

// Do submits one operation on fd over buf and waits for its completion,
// returning the CQE's result: a byte count, or a negative errno. Submission
// and wait take one io_uring_enter (to_submit=1, min_complete=1,
// IORING_ENTER_GETEVENTS); a signal that interrupts the wait costs another.
// Every call made is added to *calls, and every EINTR to *interrupted.
//
// buf must be heap memory (the kernel may write it after the enter that
// submitted the operation, and a goroutine stack can move); it is not
// touched again once Do returns.
func (r *Ring) Do(op uint8, fd int, buf []byte, opFlags uint32, calls, interrupted *uint64) (int32, error) {
	if len(buf) == 0 {
		return 0, errors.New("io_uring: empty buffer")
	}
	// Do waits for every operation it submits, so the ring is empty here:
	// slot tail&mask is free.
	tail := *r.sqTail // only this process writes the tail
	r.seq++
	s := &r.sqes[tail&r.sqMask]
	*s = sqe{Opcode: op, Fd: int32(fd), Addr: uint64(uintptr(unsafe.Pointer(&buf[0]))),
		Len: uint32(len(buf)), OpFlags: opFlags, UserData: r.seq}
	// A release store: the kernel's acquire load of the tail sees the SQE.
	atomic.StoreUint32(r.sqTail, tail+1)
	for {
		// Whatever the kernel has not consumed yet is submitted again:
		// an enter interrupted before submitting leaves it there.
		toSubmit := tail + 1 - atomic.LoadUint32(r.sqHead)
		*calls++
		_, _, e := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), 1, enterGetEvents, 0, 0)
		if e == unix.EINTR {
			*interrupted++
		} else if e != 0 && e != unix.EAGAIN && e != unix.EBUSY {
			return 0, fmt.Errorf("io_uring_enter fd=%d: %w", r.fd, e)
		}
		// An enter that submitted returns its count even when the wait
		// after it was interrupted, so the CQ, not the return value, says
		// whether the operation is done.
		if res, ok := r.reap(); ok {
			return res, nil
		}
	}
}

// reap takes the completion of the last operation off the CQ, if it is
// there. A completion of another user_data cannot appear (one operation is
// in flight at a time), and is skipped if it does.
func (r *Ring) reap() (int32, bool) {
	head := *r.cqHead // only this process writes the head
	for head != atomic.LoadUint32(r.cqTail) {
		c := r.cqes[head&r.cqMask]
		head++
		// A release store: the kernel may reuse the slot once it sees it.
		atomic.StoreUint32(r.cqHead, head)
		if c.UserData == r.seq {
			return c.Res, true
		}
	}
	return 0, false
}

// Close unmaps the rings and closes the ring's fd, which cancels anything
// still in flight. The Ring must not be used after Close.
func (r *Ring) Close() error {
	var errs []error
	for _, m := range []*[]byte{&r.sqesMap, &r.cqMap, &r.sqMap} {
		if *m != nil {
			errs = append(errs, unix.Munmap(*m))
			*m = nil
		}
	}
	if r.fd >= 0 {
		errs = append(errs, unix.Close(r.fd))
		r.fd = -1
	}
	return errors.Join(errs...)
}
