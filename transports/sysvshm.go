package transports

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// sysv-shm is the design of the System V tutorials ipcbench grew from, done
// right: one segment holding an a→b area and a b→a area, and one semaphore
// set with a full and an empty semaphore per direction. The sender waits for
// its area to be empty, copies the message in and posts full; the receiver
// waits for full, copies the message out and posts empty. Once both workers
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

// shmAreaBytes rounds an area up to whole pages, so that the b→a area starts
// on its own page and cache line.
func shmAreaBytes(messageBytes int) int {
	const page = 4096
	return (messageBytes + page - 1) / page * page
}

type sysvShmSetup struct {
	fileSetup
	shmid, semid int
	segRemoved   bool
}

func newSysvShmSetup(o Options) (Setup, error) {
	area := shmAreaBytes(o.MessageBytes)
	shmid, _, err := shm.SegCreate(2 * area)
	if err != nil {
		return nil, fmt.Errorf("sysv-shm: %w", err)
	}
	semid, _, err := shm.SemCreate(semCount)
	if err != nil {
		shm.SegRemove(shmid)
		return nil, fmt.Errorf("sysv-shm: %w", err)
	}
	s := &sysvShmSetup{shmid: shmid, semid: semid}
	s.cleanup = s.remove
	for _, empty := range []int{semAtoBEmpty, semBtoAEmpty} {
		if err := shm.SemSetVal(semid, empty, 1); err != nil {
			s.remove()
			return nil, fmt.Errorf("sysv-shm: %w", err)
		}
	}
	args := []string{strconv.Itoa(shmid), strconv.Itoa(semid)}
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
	out, in      []byte // this side's outgoing and incoming areas
	waitOutEmpty [1]shm.Sembuf
	postOutFull  [1]shm.Sembuf
	waitInFull   [1]shm.Sembuf
	postInEmpty  [1]shm.Sembuf
	c            Counters
}

func openSysvShm(side Side, _ []int, args []string, o Options) (Conn, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("sysv-shm: worker got %d args, want shmid and semid", len(args))
	}
	shmid, err1 := strconv.Atoi(args[0])
	semid, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("sysv-shm: bad ids %q", args)
	}
	if err := errors.Join(shm.CheckOwned("shm", shmid), shm.CheckOwned("sem", semid)); err != nil {
		return nil, fmt.Errorf("sysv-shm: %w", err)
	}
	seg, err := unix.SysvShmAttach(shmid, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("sysv-shm: shmat shmid=%d: %w", shmid, err)
	}
	area := shmAreaBytes(o.MessageBytes)
	if len(seg) < 2*area {
		unix.SysvShmDetach(seg)
		return nil, fmt.Errorf("sysv-shm: segment of %d B is smaller than two %d B areas", len(seg), area)
	}
	a2b, b2a := seg[:o.MessageBytes], seg[area:area+o.MessageBytes]
	c := &sysvShmConn{semid: semid, seg: seg}
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
	if n != len(c.out) {
		return fmt.Errorf("sysv-shm: a %d B message on a channel of %d B messages", n, len(c.out))
	}
	return nil
}

func (c *sysvShmConn) Send(msg []byte) error {
	if err := c.checkSize(len(msg)); err != nil {
		return err
	}
	if err := c.semop(c.waitOutEmpty[:]); err != nil {
		return err
	}
	CopyCached(c.out, msg)
	c.c.BytesCopiedInUser += uint64(len(msg))
	return c.semop(c.postOutFull[:])
}

func (c *sysvShmConn) Recv(msg []byte) error {
	if err := c.checkSize(len(msg)); err != nil {
		return err
	}
	if err := c.semop(c.waitInFull[:]); err != nil {
		return err
	}
	CopyCached(msg, c.in)
	c.c.BytesCopiedInUser += uint64(len(msg))
	return c.semop(c.postInEmpty[:])
}

func (c *sysvShmConn) SendSlot() ([]byte, error) { return c.out, c.semop(c.waitOutEmpty[:]) }
func (c *sysvShmConn) SendCommit() error         { return c.semop(c.postOutFull[:]) }
func (c *sysvShmConn) RecvSlot() ([]byte, error) { return c.in, c.semop(c.waitInFull[:]) }
func (c *sysvShmConn) RecvRelease() error        { return c.semop(c.postInEmpty[:]) }

func (c *sysvShmConn) Counters() *Counters { return &c.c }
func (c *sysvShmConn) Close() error        { return unix.SysvShmDetach(c.seg) }

func sysvShmLimit() (Limit, error) {
	max, err := shm.Sysctl("kernel.shmmax")
	if err != nil {
		return Limit{}, err
	}
	if area := max / 2; area < StreamCapBytes {
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
		MaxMessage: sysvShmLimit,
		InPlace:    true,
		New:        newSysvShmSetup,
		Open:       openSysvShm,
	})
}
