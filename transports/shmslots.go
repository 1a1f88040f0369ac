package transports

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// shm-slots: the ring's hand-off with one cache line fewer. Messages of a
// case all have one size, so each direction is an array of fixed slots, each
// starting on a cache line with a sequence word: the producer writes message
// k into slot k mod n and then stores k+1 in the slot's word; the consumer
// waits on that word, which shares a line with the start of the message. A
// small message thus crosses in one cache-line transfer, where shm-ring's
// consumer reads the head's line and then the record's. The consumer's
// released count (the tail) is read by the producer only when its cached copy
// says every slot is taken. It waits as shm-ring-spin-futex does.
//
// Several producers may share side a (the fanin workload): each claims its
// next slot with an atomic add on the ring's head, so the slots form a
// multi-producer single-consumer queue, and a release wakes every producer
// waiting for room, since each waits for its own slot.

const slotSeqBytes = 8

// slotStride is the bytes per slot for messages of size bytes: a whole
// number of cache lines holding the sequence word and the message.
func slotStride(size int) int { return (slotSeqBytes + size + 63) &^ 63 }

// slotCount is how many slots each direction has: a power of two, so that a
// slot's index is a mask and not a division, at least four, and at most
// 64 KiB of them for small messages.
func slotCount(size int) int { return slotCountDepth(size, 0) }

// slotCountDepth is the slots for --depth depth: at least depth, a power
// of two; the producer waits once depth slots are in flight (slots.limit).
func slotCountDepth(size, depth int) int {
	n := 4
	for 2*n*slotStride(size) <= 64<<10 || n < depth {
		n *= 2
	}
	return n
}

func slotsTotal(size int) int { t, _ := slotsDepth(size, 0); return t }

func slotsDepth(size, depth int) (total int, d Depth) {
	n, stride := slotCountDepth(size, depth), slotStride(size)
	total = 2*ringHeaderBytes + 2*n*stride
	if depth > 0 {
		return total, Depth{Msgs: depth, Bytes: depth * size, Source: fmt.Sprintf("slot limit %d of %d slots of %d B", depth, n, stride)}
	}
	return total, Depth{Msgs: n, Bytes: n * size, Source: fmt.Sprintf("%d slots of %d B (native)", n, stride)}
}

// slots is one direction as one side sees it; it borrows the ring's header
// (tail, sleep flags), wait strategy and counters.
type slots struct {
	r      *ring
	data   []byte
	stride int
	n      uint64
	mask   uint64 // n-1
	limit  uint64 // slots in flight at most: n, or --depth
	next   uint64 // the next message this side receives, or the slot it claimed to send
}

func (s *slots) seq(k uint64) *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&s.data[int(k&s.mask)*s.stride]))
}

func (s *slots) payload(k uint64, size int) []byte {
	off := int(k&s.mask)*s.stride + slotSeqBytes
	return s.data[off : off+size]
}

// slot waits until the claimed slot is free and returns its payload. A lone
// producer's claim is its own count; several producers claim with
// claimShared first.
func (s *slots) slot(size int) []byte {
	k := s.next
	if k >= s.limit && s.r.tailSeen < k-s.limit+1 {
		s.r.await(&s.r.h.tail, &s.r.h.producerWaiting, s.r.roomFd, k-s.limit+1, true, nil)
		s.r.tailSeen = s.r.h.tail.Load()
	}
	return s.payload(k, size)
}

// claimShared claims the next slot for one of several producers with an
// atomic add on the shared head. It stays out of a lone producer's path: with
// it inside slot, or behind a branch in Send, that producer's round trip
// measured 50-70 ns slower on this host, though the branch was never taken.
func (s *slots) claimShared() { s.next = s.r.h.head.Add(1) - 1 }

// commit publishes the claimed slot; a lone producer moves on to the next.
func (s *slots) commit() {
	w := s.seq(s.next)
	s.next++
	s.r.publish(w, s.next)
	s.r.wake(w, &s.r.h.consumerWaiting, s.r.dataFd)
}

// inSlot waits for message next and returns its payload where it lies.
func (s *slots) inSlot(size int) []byte {
	if s.seq(s.next).Load() > s.next { // already here: no call to await
		return s.payload(s.next, size)
	}
	s.r.await(s.seq(s.next), &s.r.h.consumerWaiting, s.r.dataFd, s.next+1, true, nil)
	return s.payload(s.next, size)
}

// release gives slot next back to the producers, waking all that wait:
// each waits for its own slot.
func (s *slots) release() {
	s.next++
	s.r.publish(&s.r.h.tail, s.next)
	s.r.wake(&s.r.h.tail, &s.r.h.producerWaiting, s.r.roomFd)
}

// slotsConn is one worker's end: it sends on one slot array and receives on
// the other.
type slotsConn struct {
	mem     []byte
	out, in *slots
	size    int
	c       Counters
}

func openSlots(side Side, fds []int, args []string, o Options) (Conn, error) {
	depth, err := depthArg("shm-slots", args)
	if err != nil {
		return nil, err
	}
	if err := wantFds("shm-slots", fds, 1); err != nil {
		return nil, err
	}
	total, _ := slotsDepth(o.MessageBytes, depth)
	mem, err := unix.Mmap(fds[0], 0, total, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("shm-slots: mmap %d B: %w", total, err)
	}
	c := &slotsConn{mem: mem, size: o.MessageBytes}
	stride, n := slotStride(o.MessageBytes), slotCountDepth(o.MessageBytes, depth)
	limit := uint64(n)
	if depth > 0 {
		limit = uint64(depth)
	}
	d := 2 * ringHeaderBytes
	dir := func(hdr []byte, data []byte) *slots {
		r := newRing(hdr, nil, WaitSpinFutex, -1, -1, &c.c)
		if o.SharedCPU {
			r.shareCPU()
		}
		return &slots{r: r, data: data, stride: stride, n: uint64(n), mask: uint64(n - 1), limit: limit}
	}
	a2b := dir(mem[:ringHeaderBytes], mem[d:d+n*stride])
	b2a := dir(mem[ringHeaderBytes:], mem[d+n*stride:d+2*n*stride])
	c.out, c.in = a2b, b2a
	if side == SideB {
		c.out, c.in = b2a, a2b
	}
	if o.Writers > 1 && side == SideA {
		return sharedSlotsConn{c}, nil
	}
	return c, nil
}

func (c *slotsConn) Send(msg []byte) error {
	if len(msg) != c.size {
		return fmt.Errorf("shm-slots: message of %d B, slots hold %d", len(msg), c.size)
	}
	CopyCached(c.out.slot(c.size), msg)
	c.out.commit()
	c.c.BytesCopiedInUser += uint64(len(msg))
	return nil
}

func (c *slotsConn) Recv(msg []byte) error {
	if len(msg) != c.size {
		return fmt.Errorf("shm-slots: buffer of %d B, slots hold %d", len(msg), c.size)
	}
	CopyCached(msg, c.in.inSlot(c.size))
	c.in.release()
	c.c.BytesCopiedInUser += uint64(len(msg))
	return nil
}

func (c *slotsConn) SendSlot() ([]byte, error) { return c.out.slot(c.size), nil }

// sharedSlotsConn is a producer's end when several share side a: it claims
// each slot with claimShared first. It is its own type so that a lone
// producer's Send has no trace of it (see claimShared).
type sharedSlotsConn struct{ *slotsConn }

func (c sharedSlotsConn) Send(msg []byte) error {
	c.out.claimShared()
	return c.slotsConn.Send(msg)
}

func (c sharedSlotsConn) SendSlot() ([]byte, error) {
	c.out.claimShared()
	return c.slotsConn.SendSlot()
}
func (c *slotsConn) SendCommit() error         { c.out.commit(); return nil }
func (c *slotsConn) RecvSlot() ([]byte, error) { return c.in.inSlot(c.size), nil }
func (c *slotsConn) RecvRelease() error        { c.in.release(); return nil }
func (c *slotsConn) Counters() *Counters       { return &c.c }
func (c *slotsConn) Close() error              { return unix.Munmap(c.mem) }

func init() {
	Register(Descriptor{
		Name:     "shm-slots",
		Order:    120,
		Doc:      "fixed slots per direction in a shared memfd, each with a sequence word beside the message: one cache line per small hand-off; spins 50 µs, then FUTEX_WAIT",
		DataPath: "memcpy into slot k → store its sequence word (release) ⇢ load it (acquire) → memcpy out",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 0,
			Note: "two user-space copies and no syscall while the peer keeps up; in place, no copy"},
		MaxMessage: func() (Limit, error) {
			return Limit{Bytes: StreamCapBytes, Source: "slots are sized per case; ipcbench caps messages at 16 MiB"}, nil
		},
		OptIn:       true,
		InPlace:     true,
		MultiWriter: true,
		New:         newRingSetup("shm-slots", WaitSpinFutex, slotsDepth),
		Open:        openSlots,
	})
}
