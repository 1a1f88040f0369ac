package transports

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// sysv-shm is the textbook bounded buffer with the System V primitives: one
// segment holding an a→b area and a b→a area of n message slots each, and
// one semaphore set with a full and an empty counting semaphore per
// direction (empty starts at n, full at 0). The sender waits on empty,
// copies the message into its next slot and posts full; the receiver waits
// on full, copies the message out of its next slot and posts empty. With one
// producer and one consumer per direction each keeps its own slot index, so
// no mutex is needed. n is --depth; without it n is 1, the lock-step design
// of the tutorials ipcbench grew from. Once both workers
// have attached, the parent marks the segment IPC_RMID, so that no crash can
// leak it.

// Semaphores of the set, by index.
const (
	semAtoBFull = iota
	semAtoBEmpty
	semBtoAFull
	semBtoAEmpty
	semCount
)

// shmSlotStride is the bytes per slot: whole cache lines, so that two slots
// never share one.
func shmSlotStride(messageBytes int) int { return (messageBytes + 63) &^ 63 }

// shmAreaBytes is one direction's area of slots slots, rounded up to whole
// pages, so that the b→a area starts on its own page and cache line.
func shmAreaBytes(messageBytes, slots int) int {
	const page = 4096
	return (slots*shmSlotStride(messageBytes) + page - 1) / page * page
}

// semValueMax is SEMVMX, the largest value a System V semaphore takes: the
// most slots an empty semaphore can count.
const semValueMax = 32767

type sysvShmSetup struct {
	fileSetup
	shmid, semid int
	segRemoved   bool
}

func newSysvShmSetup(o Options) (Setup, error) {
	slots, source := 1, "1 slot per direction (native: the lock-step design)"
	if o.Depth > 0 {
		slots, source = o.Depth, fmt.Sprintf("%d slots per direction, semaphore empty=%d", o.Depth, o.Depth)
	}
	if slots > semValueMax {
		return nil, fmt.Errorf("sysv-shm: depth %d: a semaphore counts at most SEMVMX=%d slots: %w", slots, semValueMax, ErrUnsupported)
	}
	area := shmAreaBytes(o.MessageBytes, slots)
	shmid, _, err := shm.SegCreate(2 * area)
	if err != nil {
		if o.Depth > 0 {
			return nil, fmt.Errorf("sysv-shm: depth %d: %w (two areas of %d B: sysctl kernel.shmmax, kernel.shmall): %w", o.Depth, err, area, ErrUnsupported)
		}
		return nil, fmt.Errorf("sysv-shm: %w", err)
	}
	semid, _, err := shm.SemCreate(semCount)
	if err != nil {
		shm.SegRemove(shmid)
		return nil, fmt.Errorf("sysv-shm: %w", err)
	}
	s := &sysvShmSetup{shmid: shmid, semid: semid}
	s.cleanup = s.remove
	s.depth = Depth{Msgs: slots, Bytes: slots * o.MessageBytes, Source: source}
	for _, empty := range []int{semAtoBEmpty, semBtoAEmpty} {
		if err := shm.SemSetVal(semid, empty, slots); err != nil {
			s.remove()
			return nil, fmt.Errorf("sysv-shm: %w", err)
		}
	}
	args := []string{strconv.Itoa(shmid), strconv.Itoa(semid), strconv.Itoa(slots)}
	s.a, s.b = Handoff{Args: args}, Handoff{Args: args}
	return s, nil
}

// Attached checks that exactly the two workers are attached, then marks the
// segment for removal: it goes with the last detach, however the workers end.
func (s *sysvShmSetup) Attached() error {
	d, err := shm.SegStat(s.shmid)
	if err != nil {
		return fmt.Errorf("sysv-shm: %w", err)
	}
	if d.Nattch != 2 {
		return fmt.Errorf("sysv-shm: shmid=%d has %d attachments after both workers attached, want 2", s.shmid, d.Nattch)
	}
	s.segRemoved = true
	return shm.SegRemove(s.shmid)
}

// remove deletes the semaphore set, and the segment unless Attached already
// marked it. Semaphores cannot be marked early: removing a set wakes its
// waiters with EIDRM, so it goes once the workers are done.
func (s *sysvShmSetup) remove() error {
	err := shm.SemRemove(s.semid)
	if !s.segRemoved {
		s.segRemoved = true
		err = errors.Join(err, shm.SegRemove(s.shmid))
	}
	return err
}

type sysvShmConn struct {
	semid        int
	seg          []byte
	out, in      shmSlots // this side's outgoing and incoming areas
	size         int
	waitOutEmpty [1]shm.Sembuf
	postOutFull  [1]shm.Sembuf
	waitInFull   [1]shm.Sembuf
	postInEmpty  [1]shm.Sembuf
	c            Counters
}

func openSysvShm(side Side, _ []int, args []string, o Options) (Conn, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("sysv-shm: worker got %d args, want shmid, semid and slots", len(args))
	}
	shmid, err1 := strconv.Atoi(args[0])
	semid, err2 := strconv.Atoi(args[1])
	slots, err3 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || err3 != nil || slots < 1 || slots > semValueMax {
		return nil, fmt.Errorf("sysv-shm: bad ids or slots %q", args)
	}
	if err := errors.Join(shm.CheckOwned("shm", shmid), shm.CheckOwned("sem", semid)); err != nil {
		return nil, fmt.Errorf("sysv-shm: %w", err)
	}
	seg, err := unix.SysvShmAttach(shmid, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("sysv-shm: shmat shmid=%d: %w", shmid, err)
	}
	area := shmAreaBytes(o.MessageBytes, slots)
	if len(seg) < 2*area {
		unix.SysvShmDetach(seg)
		return nil, fmt.Errorf("sysv-shm: segment of %d B is smaller than two %d B areas", len(seg), area)
	}
	stride := shmSlotStride(o.MessageBytes)
	a2b := shmSlots{area: seg[:area], stride: stride, n: slots}
	b2a := shmSlots{area: seg[area : 2*area], stride: stride, n: slots}
	c := &sysvShmConn{semid: semid, seg: seg, size: o.MessageBytes}
	outFull, outEmpty, inFull, inEmpty := semAtoBFull, semAtoBEmpty, semBtoAFull, semBtoAEmpty
	c.out, c.in = a2b, b2a
	if side == SideB {
		outFull, outEmpty, inFull, inEmpty = semBtoAFull, semBtoAEmpty, semAtoBFull, semAtoBEmpty
		c.out, c.in = b2a, a2b
	}
	c.waitOutEmpty[0] = shm.Sembuf{Num: uint16(outEmpty), Op: -1}
	c.postOutFull[0] = shm.Sembuf{Num: uint16(outFull), Op: 1}
	c.waitInFull[0] = shm.Sembuf{Num: uint16(inFull), Op: -1}
	c.postInEmpty[0] = shm.Sembuf{Num: uint16(inEmpty), Op: 1}
	return c, nil
}

func (c *sysvShmConn) semop(op []shm.Sembuf) error {
	eintr, err := shm.SemOp(c.semid, op)
	c.c.Syscalls += uint64(1 + eintr)
	c.c.SyscallsInterrupted += uint64(eintr)
	if err != nil {
		return fmt.Errorf("sysv-shm: %w", err)
	}
	return nil
}

func (c *sysvShmConn) checkSize(n int) error {
	if n != c.size {
		return fmt.Errorf("sysv-shm: a %d B message on a channel of %d B messages", n, c.size)
	}
	return nil
}

// shmSlots is one direction's ring of slots as one side sees it: next is
// the slot this side sends or receives next, its own count, which the
// semaphores keep in step with the peer's.
type shmSlots struct {
	area      []byte
	stride, n int
	next      int
}

func (s *shmSlots) slot(size int) []byte {
	off := s.next * s.stride
	return s.area[off : off+size]
}

func (s *shmSlots) advance() {
	if s.next++; s.next == s.n {
		s.next = 0
	}
}

func (c *sysvShmConn) Send(msg []byte) error {
	if err := c.checkSize(len(msg)); err != nil {
		return err
	}
	if err := c.semop(c.waitOutEmpty[:]); err != nil {
		return err
	}
	CopyCached(c.out.slot(c.size), msg)
	c.c.BytesCopiedInUser += uint64(len(msg))
	return c.SendCommit()
}

func (c *sysvShmConn) Recv(msg []byte) error {
	if err := c.checkSize(len(msg)); err != nil {
		return err
	}
	if err := c.semop(c.waitInFull[:]); err != nil {
		return err
	}
	CopyCached(msg, c.in.slot(c.size))
	c.c.BytesCopiedInUser += uint64(len(msg))
	return c.RecvRelease()
}

func (c *sysvShmConn) SendSlot() ([]byte, error) {
	return c.out.slot(c.size), c.semop(c.waitOutEmpty[:])
}

func (c *sysvShmConn) SendCommit() error {
	c.out.advance()
	return c.semop(c.postOutFull[:])
}

func (c *sysvShmConn) RecvSlot() ([]byte, error) {
	return c.in.slot(c.size), c.semop(c.waitInFull[:])
}

func (c *sysvShmConn) RecvRelease() error {
	c.in.advance()
	return c.semop(c.postInEmpty[:])
}

func (c *sysvShmConn) Counters() *Counters { return &c.c }
func (c *sysvShmConn) Close() error        { return unix.SysvShmDetach(c.seg) }

func sysvShmLimit() (Limit, error) {
	max, err := shm.Sysctl("kernel.shmmax")
	if err != nil {
		return Limit{}, err
	}
	if area := max / 2; area < StreamCapBytes { // at depth 1
		return Limit{Bytes: area, Source: fmt.Sprintf("half of sysctl kernel.shmmax=%d (two areas per segment)", max)}, nil
	}
	return Limit{Bytes: StreamCapBytes, Source: "sysctl kernel.shmmax allows more; ipcbench caps messages at 16 MiB"}, nil
}

func init() {
	Register(Descriptor{
		Name:     "sysv-shm",
		Order:    70,
		Doc:      "System V shared memory (shmget/shmat) with a System V semaphore set signalling full and empty",
		DataPath: "memcpy into the segment → semop(2) post ⇢ semop(2) wait → memcpy out",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 4,
			Note: "two user-space copies (in and out of the segment) and four semops (each side waits and posts); in place, as relay does, no copy"},
		MaxMessage:       sysvShmLimit,
		InPlace:          true,
		IgnoresSARestart: true,
		New:              newSysvShmSetup,
		Open:             openSysvShm,
	})
}
