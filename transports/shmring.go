package transports

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// shm-ring: one single-producer single-consumer ring per direction in a
// memfd that both workers map. A hand-off is a store to the ring's head or
// tail and a load on the other side, a cache-line transfer; the kernel is
// involved only when a side sleeps, as its wait strategy says:
//
//	spin          poll the index; after spinBudgetNs without progress, sched_yield
//	              between polls, so two spinners on one CPU cannot livelock
//	spin-futex    poll for spinBudgetNs, then FUTEX_WAIT on the index; the peer
//	              calls FUTEX_WAKE only when the sleeper said it sleeps
//	futex         FUTEX_WAIT at once
//	eventfd       read(2) on an eventfd at once; the peer writes it only when the
//	              sleeper said it sleeps
//
// Records are an 8-byte length and the payload, padded to 8 bytes. Send and
// Recv copy, and a payload may straddle the end of the ring; the in-place
// calls (transports.InPlace) need a contiguous slot, so a record that would
// straddle is preceded by a skip record to the end of the ring.

// Ring wait strategies.
const (
	WaitSpin      = "spin"
	WaitSpinFutex = "spin-futex"
	WaitFutex     = "futex"
	WaitEventfd   = "eventfd"
)

// RingWaits lists the wait strategies; each is its own transport,
// shm-ring-<strategy>, so that results and compare keep them apart.
var RingWaits = []string{WaitSpin, WaitSpinFutex, WaitFutex, WaitEventfd}

const (
	ringHeaderBytes = 4096 // one page per ring header: head, tail and flags on separate lines
	ringRecordHdr   = 8
	ringSkip        = 1 << 63 // a record length with this bit says: skip to the ring's start
	spinBudget      = 50 * time.Microsecond

	// membarrier(2) commands (linux/membarrier.h); x/sys/unix does not
	// name them either.
	membarrierGlobalExpedited         = 1 << 1
	membarrierRegisterGlobalExpedited = 1 << 2
)

// fenceableWakers registers this process, once, as one whose threads a
// sleeper may fence with MEMBARRIER_CMD_GLOBAL_EXPEDITED, and says whether the
// kernel took it. Only then may this side publish with release stores under
// spin-futex (see ring.weak). Registering may wait for an RCU grace period,
// milliseconds, so it tells the runtime (Syscall, not RawSyscall); it runs
// once, while the conn opens, before anything is measured.
var fenceableWakers = sync.OnceValue(func() bool {
	_, _, e := unix.Syscall(unix.SYS_MEMBARRIER, membarrierRegisterGlobalExpedited, 0, 0)
	return e == 0
})

// ringHeader is the shared part of a ring. Producer and consumer fields sit on
// separate cache lines so that each side writes only its own.
type ringHeader struct {
	head            atomic.Uint64 // bytes published by the producer
	_               [56]byte
	tail            atomic.Uint64 // bytes released by the consumer
	_               [56]byte
	consumerWaiting atomic.Uint32 // sleepers on the data side: the consumer, while it sleeps or is about to
	_               [60]byte
	producerWaiting atomic.Uint32 // sleepers on the room side: producers that sleep or are about to
	_               [60]byte
}

// ringCapacity is the data size of each ring for messages of size bytes: a
// power of two holding at least two records, and at least 64 KiB.
func ringCapacity(size int) int {
	need := 2 * (ringRecordHdr + align8(size))
	return max(64<<10, 1<<bits.Len(uint(need-1)))
}

func align8(n int) int { return (n + 7) &^ 7 }

// ring is one direction as one side sees it.
type ring struct {
	h      *ringHeader
	data   []byte
	mask   uint64
	wait   string
	dataFd int // eventfd the consumer sleeps on (eventfd strategy)
	roomFd int // eventfd the producer sleeps on
	c      *Counters
	evbuf  [8]byte
	budget time.Duration // how long to spin before yielding or sleeping
	// tailSeen is the producer's copy of the consumer's last tail.
	tailSeen uint64
	// weak: this side publishes indexes with storeRelease, as C would,
	// not with a sequentially consistent store. A release store may pass
	// the waker's next load, of the sleeper's flag, so a sleeper that set
	// its flag could miss the new index and the waker miss the flag. Under
	// spin-futex the sleeper therefore first runs a full barrier on every
	// CPU running a registered waker (fenceSleep: membarrier
	// GLOBAL_EXPEDITED), which costs microseconds but only on the way to
	// sleep, after the spin budget. futex and eventfd sleep at every wait,
	// so they keep the strong store.
	weak, fenceSleep bool
	neverSleeps      bool   // spin: the peer never sleeps, so never needs waking
	touched          uint64 // the consumer's sink for the early read of a record (see awaitData)
	// limit is the most bytes in flight: the capacity, or --depth records.
	limit uint64
}

func newRing(mem []byte, data []byte, wait string, dataFd, roomFd int, c *Counters) *ring {
	return &ring{h: (*ringHeader)(unsafe.Pointer(&mem[0])), data: data, mask: uint64(len(data) - 1),
		wait: wait, dataFd: dataFd, roomFd: roomFd, c: c, budget: spinBudget, limit: uint64(len(data)),
		weak:       releaseIsWeak && (wait == WaitSpin || wait == WaitSpinFutex && fenceableWakers()),
		fenceSleep: releaseIsWeak && wait == WaitSpinFutex, neverSleeps: wait == WaitSpin}
}

// shareCPU readies the ring for a peer on this side's CPU: no spinning, so
// spin-futex sleeps at every wait and keeps strong stores rather than
// fence at every sleep. Both sides get the same option.
func (r *ring) shareCPU() {
	r.budget = 0
	r.weak = r.weak && r.wait == WaitSpin
	r.fenceSleep = false
}

// publish stores an index the peer waits on.
func (r *ring) publish(idx *atomic.Uint64, v uint64) {
	if r.weak {
		storeRelease((*uint64)(unsafe.Pointer(idx)), v)
		return
	}
	idx.Store(v)
}

// fenceWakers makes every store a weak waker made before now visible here.
// If the kernel refuses, the sleep is bounded instead (see await).
func (r *ring) fenceWakers() bool {
	for {
		r.c.Syscalls++
		_, _, e := unix.RawSyscall(unix.SYS_MEMBARRIER, membarrierGlobalExpedited, 0, 0)
		if e == unix.EINTR {
			r.c.SyscallsInterrupted++
			continue
		}
		return e == 0
	}
}

// low32 is the futex word of an index: its low half (little-endian).
func low32(v *atomic.Uint64) *uint32 { return (*uint32)(unsafe.Pointer(v)) }

// awaitData blocks until the producer has published past tail.
//
// While it polls the head, it also reads the word where the next record's
// header will land. The producer writes the record before it moves the head,
// so that line is on its way while the head's is: the two cache-line
// transfers of a hand-off overlap instead of following each other. Side by
// side with the C ping-pong (CPUs 0,1, 1 B) that took shm-ring-spin's round
// trip from 264-276 ns to 237-241 ns.
func (r *ring) awaitData(tail uint64) {
	if r.h.head.Load() != tail {
		return
	}
	r.await(&r.h.head, &r.h.consumerWaiting, r.dataFd, tail, false,
		(*atomic.Uint64)(unsafe.Pointer(&r.data[tail&r.mask])))
}

// awaitRoom blocks until need bytes are free after head. The producer keeps
// the last tail it saw, and reads the consumer's cache line again only when
// that one says the ring is full: one cache-line transfer fewer per message.
func (r *ring) awaitRoom(head, need uint64) {
	if head+need <= r.limit {
		return // the ring has never been this full
	}
	minTail := head + need - r.limit
	if r.tailSeen >= minTail {
		return
	}
	r.await(&r.h.tail, &r.h.producerWaiting, r.roomFd, minTail, true, nil)
	r.tailSeen = r.h.tail.Load()
}

// await blocks until idx differs from v (atLeast false) or reaches v
// (atLeast true), as the ring's wait strategy says. While it spins it also
// reads touch, if not nil, to pull that line in early.
func (r *ring) await(idx *atomic.Uint64, waiting *atomic.Uint32, efd int, v uint64, atLeast bool, touch *atomic.Uint64) {
	ready := func(x uint64) bool { return atLeast && x >= v || !atLeast && x != v }
	if ready(idx.Load()) {
		return
	}
	spinning := r.wait == WaitSpin || r.wait == WaitSpinFutex && r.budget > 0
	var start time.Time
	for i := 1; ; i++ {
		if spinning {
			// A peer that keeps up answers within a few hundred polls; only
			// then is it worth reading the clock, every 1024 polls. With no
			// budget (a shared CPU) every poll yields.
			if r.budget == 0 || i&1023 == 0 {
				if start.IsZero() && r.budget > 0 {
					start = time.Now()
				} else if r.budget == 0 || time.Since(start) > r.budget {
					if r.wait == WaitSpin {
						r.c.Syscalls++
						unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) // let a peer on this CPU run
					} else {
						spinning = false
					}
				}
			}
			if touch != nil {
				r.touched = touch.Load()
			}
			if ready(idx.Load()) {
				return
			}
			continue
		}
		// Sleep: say so, look once more (the peer may have published before
		// it could see the flag), then wait on the index or the eventfd.
		waiting.Add(1) // a count: several fanin producers may sleep at once
		var timeout *unix.Timespec
		if r.fenceSleep && !r.fenceWakers() {
			timeout = &fenceFailedSleep
		}
		seen := idx.Load()
		if ready(seen) {
			waiting.Add(^uint32(0))
			return
		}
		if r.wait == WaitEventfd {
			r.eventfdWait(efd)
		} else {
			// Returns at once if the index moved since seen: no lost wake-up.
			// An error (a timeout after a failed fence) also ends the sleep,
			// and the index is checked again.
			eintr, _ := shm.FutexWait(low32(idx), uint32(seen), timeout)
			r.c.Syscalls += uint64(1 + eintr)
			r.c.SyscallsInterrupted += uint64(eintr)
		}
		waiting.Add(^uint32(0))
		if ready(idx.Load()) {
			return
		}
	}
}

// fenceFailedSleep bounds a sleep that could not fence its waker: a wake-up
// lost to a release store then costs a millisecond, not a hang.
var fenceFailedSleep = unix.NsecToTimespec(int64(time.Millisecond))

// wake rouses a sleeping peer after an index moved. It is small enough to
// inline: the check is on every message, the syscall rarely.
func (r *ring) wake(idx *atomic.Uint64, waiting *atomic.Uint32, efd int) {
	if r.neverSleeps || waiting.Load() == 0 {
		return
	}
	r.wakeSleeper(idx, efd)
}

func (r *ring) wakeSleeper(idx *atomic.Uint64, efd int) {
	if r.wait == WaitEventfd {
		r.eventfdPost(efd)
		return
	}
	// Wake every sleeper: several fanin producers may wait for room, each
	// for its own slot (shm-slots); a ring has at most one.
	_, eintr, _ := shm.FutexWake(low32(idx), 1<<30)
	r.c.Syscalls += uint64(1 + eintr)
	r.c.SyscallsInterrupted += uint64(eintr)
}

// The sleep and wake calls are raw syscalls, as the fd transports' are (see
// fdconn.go): an ordinary one tells the runtime the thread has left, sysmon
// hands the P off, and taking it back costs more context switches and CPU
// than the sleep itself. Measured on shm-ring-futex and -eventfd ping-pong,
// 64 B, CPUs 0 and 1 of a 2-vCPU VM (2026-11-30, medians of 5 alternating
// runs of 3 repetitions): voluntary switches per side per round trip 1.30 and
// 1.35 with Syscall, 1.0 (the one sleep the design has) with RawSyscall; CPU
// per message 26-27 → 22-23.5 µs; p99 165-200 → 109-116 µs.

// eventfdWait sleeps in read(2) until the peer posts the eventfd, and
// resets it. Errors end the sleep like a wake: the caller checks the index.
func (r *ring) eventfdWait(efd int) {
	for {
		r.c.Syscalls++
		_, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(efd), uintptr(unsafe.Pointer(&r.evbuf[0])), uintptr(len(r.evbuf)))
		if e != unix.EINTR {
			return
		}
		r.c.SyscallsInterrupted++
	}
}

// eventfdPost adds one to the eventfd a sleeping peer reads. The counter is
// only a doorbell: the bytes are not message data, so they are not counted
// as copied to the kernel.
func (r *ring) eventfdPost(efd int) {
	for {
		r.c.Syscalls++
		_, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(efd), uintptr(unsafe.Pointer(&eventfdOne[0])), uintptr(len(eventfdOne)))
		if e != unix.EINTR {
			return
		}
		r.c.SyscallsInterrupted++
	}
}

// eventfdOne is the 8-byte 1 that eventfdPost writes.
var eventfdOne = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

func (r *ring) capacity() uint64 { return uint64(len(r.data)) }

// copyIn writes src at ring offset pos, wrapping at the end.
func (r *ring) copyIn(pos uint64, src []byte) {
	p := int(pos & r.mask)
	n := CopyCached(r.data[p:], src)
	CopyCached(r.data, src[n:])
}

// copyOut reads len(dst) bytes at ring offset pos, wrapping at the end.
func (r *ring) copyOut(pos uint64, dst []byte) {
	p := int(pos & r.mask)
	n := CopyCached(dst, r.data[p:])
	CopyCached(dst[n:], r.data)
}

func (r *ring) putHeader(pos uint64, v uint64) {
	binary.NativeEndian.PutUint64(r.data[pos&r.mask:], v)
}

func (r *ring) header(pos uint64) uint64 {
	return binary.NativeEndian.Uint64(r.data[pos&r.mask:])
}

// send copies msg into the ring as one record, straddling the end if it must.
func (r *ring) send(msg []byte) {
	need := uint64(ringRecordHdr + align8(len(msg)))
	head := r.h.head.Load()
	r.awaitRoom(head, need)
	r.putHeader(head, uint64(len(msg)))
	r.copyIn(head+ringRecordHdr, msg)
	r.publish(&r.h.head, head+need)
	r.wake(&r.h.head, &r.h.consumerWaiting, r.dataFd)
}

// next waits for a record and returns its offset and length, releasing any
// skip records before it.
func (r *ring) next() (pos, n uint64) {
	tail := r.h.tail.Load()
	for {
		r.awaitData(tail)
		n = r.header(tail)
		if n&ringSkip == 0 {
			return tail, n
		}
		tail += n &^ ringSkip
		r.publish(&r.h.tail, tail)
		r.wake(&r.h.tail, &r.h.producerWaiting, r.roomFd)
	}
}

// recv copies the next record into msg, which must be its length.
func (r *ring) recv(msg []byte) error {
	pos, n := r.next()
	if n != uint64(len(msg)) {
		return fmt.Errorf("shm-ring: record of %d B, want %d B", n, len(msg))
	}
	r.copyOut(pos+ringRecordHdr, msg)
	r.release(pos, n)
	return nil
}

func (r *ring) release(pos, n uint64) {
	r.publish(&r.h.tail, pos+ringRecordHdr+uint64(align8(int(n))))
	r.wake(&r.h.tail, &r.h.producerWaiting, r.roomFd)
}

// slot waits for a contiguous slot of size bytes and returns it; commit
// publishes it. A record that would straddle the end gets a skip record in
// front, so that the slot starts at offset 0.
func (r *ring) slot(size int) []byte {
	need := uint64(ringRecordHdr + align8(size))
	head := r.h.head.Load()
	if room := r.capacity() - head&r.mask; room < need {
		r.awaitRoom(head, room)
		r.putHeader(head, ringSkip|room)
		head += room
		r.publish(&r.h.head, head) // the consumer may release the skip at once
		r.wake(&r.h.head, &r.h.consumerWaiting, r.dataFd)
	}
	r.awaitRoom(head, need)
	r.putHeader(head, uint64(size))
	p := (head + ringRecordHdr) & r.mask
	return r.data[p : p+uint64(size)]
}

func (r *ring) commit(size int) {
	head := r.h.head.Load()
	r.publish(&r.h.head, head+uint64(ringRecordHdr+align8(size)))
	r.wake(&r.h.head, &r.h.consumerWaiting, r.dataFd)
}

// inSlot waits for the next record and returns it where it lies; the
// record never straddles, since in-place senders skip to the start.
func (r *ring) inSlot(size int) (slot []byte, pos uint64, err error) {
	pos, n := r.next()
	if n != uint64(size) {
		return nil, 0, fmt.Errorf("shm-ring: record of %d B, want %d B", n, size)
	}
	p := (pos + ringRecordHdr) & r.mask
	if p+n > r.capacity() {
		return nil, 0, fmt.Errorf("shm-ring: record at %d straddles the end; in-place receive needs an in-place sender", p)
	}
	return r.data[p : p+n], pos, nil
}

// ringLayout is where everything lies in the shared memfd.
type ringLayout struct {
	capacity int
	total    int
}

func layoutFor(size int) ringLayout { return layoutForDepth(size, 0) }

// layoutForDepth sizes the rings to hold depth records of size bytes, a
// power of two at least ringCapacity; 0 is the native ringCapacity.
func layoutForDepth(size, depth int) ringLayout {
	c := ringCapacity(size)
	for c < depth*ringRecordBytes(size) {
		c *= 2
	}
	return ringLayout{capacity: c, total: 2*ringHeaderBytes + 2*c}
}

func ringRecordBytes(size int) int { return ringRecordHdr + align8(size) }

// ringDepth is what a ring holds: depth records (the producer waits once
// depth records are in flight), or as many as the capacity takes.
func ringDepth(size, depth int) (total int, d Depth) {
	l := layoutForDepth(size, depth)
	rec := ringRecordBytes(size)
	if depth > 0 {
		return l.total, Depth{Msgs: depth, Bytes: depth * rec, Source: fmt.Sprintf("ring limit %d records of %d B in a %d B ring", depth, rec, l.capacity)}
	}
	return l.total, Depth{Msgs: l.capacity / rec, Bytes: l.capacity, Source: fmt.Sprintf("ring of %d B, records of %d B (native)", l.capacity, rec)}
}

// rings maps the memfd and returns the rings a→b and b→a.
func mapRings(fd int, size, depth int, wait string, efds []int, c *Counters) (mem []byte, a2b, b2a *ring, err error) {
	l := layoutForDepth(size, depth)
	mem, err = unix.Mmap(fd, 0, l.total, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("shm-ring: mmap %d B: %w", l.total, err)
	}
	ev := func(i int) int {
		if len(efds) == 4 {
			return efds[i]
		}
		return -1
	}
	d := 2 * ringHeaderBytes
	a2b = newRing(mem[:ringHeaderBytes], mem[d:d+l.capacity], wait, ev(0), ev(1), c)
	b2a = newRing(mem[ringHeaderBytes:], mem[d+l.capacity:d+2*l.capacity], wait, ev(2), ev(3), c)
	if depth > 0 {
		a2b.limit = uint64(depth * ringRecordBytes(size))
		b2a.limit = a2b.limit
	}
	return mem, a2b, b2a, nil
}

// newRingSetup creates the memfd of total(size) bytes that both workers
// map, and for the eventfd strategy four eventfds.
//
// geom gives the memfd's size and the depth it holds for the case's message
// size and --depth (0: native); the workers get --depth as their one arg.
func newRingSetup(name, wait string, geom func(size, depth int) (int, Depth)) func(Options) (Setup, error) {
	return func(o Options) (Setup, error) {
		fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("%s: memfd_create: %w", name, err)
		}
		mem := os.NewFile(uintptr(fd), name)
		total, depth := geom(o.MessageBytes, o.Depth)
		if err := unix.Ftruncate(fd, int64(total)); err != nil {
			mem.Close()
			return nil, fmt.Errorf("%s: ftruncate: %w", name, err)
		}
		files := []*os.File{mem}
		if wait == WaitEventfd {
			for i := range 4 {
				efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
				if err != nil {
					for _, f := range files {
						f.Close()
					}
					return nil, fmt.Errorf("%s: eventfd: %w", name, err)
				}
				files = append(files, os.NewFile(uintptr(efd), fmt.Sprintf("%s-ev%d", name, i)))
			}
		}
		args := []string{strconv.Itoa(o.Depth)}
		return &fileSetup{a: Handoff{Files: files, Args: args}, b: Handoff{Files: files, Args: args}, depth: depth}, nil
	}
}

// ringConn is one worker's end: it sends on one ring and receives on the other.
type ringConn struct {
	mem     []byte
	out, in *ring
	size    int // the case's message size, for the in-place calls
	inPos   uint64
	c       Counters
}

func openRing(wait string) func(Side, []int, []string, Options) (Conn, error) {
	return func(side Side, fds []int, args []string, o Options) (Conn, error) {
		depth, err := depthArg("shm-ring-"+wait, args)
		if err != nil {
			return nil, err
		}
		want := 1
		if wait == WaitEventfd {
			want = 5
		}
		if err := wantFds("shm-ring-"+wait, fds, want); err != nil {
			return nil, err
		}
		c := &ringConn{size: o.MessageBytes}
		var a2b, b2a *ring
		c.mem, a2b, b2a, err = mapRings(fds[0], o.MessageBytes, depth, wait, fds[1:], &c.c)
		if err != nil {
			return nil, err
		}
		c.out, c.in = a2b, b2a
		if side == SideB {
			c.out, c.in = b2a, a2b
		}
		if o.SharedCPU { // the peer cannot run while this side spins
			a2b.shareCPU()
			b2a.shareCPU()
		}
		return c, nil
	}
}

func (c *ringConn) Send(msg []byte) error {
	c.out.send(msg)
	c.c.BytesCopiedInUser += uint64(len(msg))
	return nil
}

func (c *ringConn) Recv(msg []byte) error {
	if err := c.in.recv(msg); err != nil {
		return err
	}
	c.c.BytesCopiedInUser += uint64(len(msg))
	return nil
}

// The in-place calls: the sender fills the ring slot itself and the
// receiver reads it where it lies (relay uses them): no user-space copy.
func (c *ringConn) SendSlot() ([]byte, error) { return c.out.slot(c.size), nil }

func (c *ringConn) SendCommit() error { c.out.commit(c.size); return nil }

func (c *ringConn) RecvSlot() ([]byte, error) {
	s, pos, err := c.in.inSlot(c.size)
	c.inPos = pos
	return s, err
}

func (c *ringConn) RecvRelease() error {
	c.in.release(c.inPos, uint64(c.size))
	return nil
}

func (c *ringConn) Counters() *Counters { return &c.c }
func (c *ringConn) Close() error        { return unix.Munmap(c.mem) }

// depthArg reads the one arg of the ring transports: --depth, 0 (or no
// arg) for native.
func depthArg(name string, args []string) (int, error) {
	if len(args) == 0 {
		return 0, nil
	}
	if len(args) != 1 {
		return 0, fmt.Errorf("%s: worker got %d args, want the depth", name, len(args))
	}
	d, err := strconv.Atoi(args[0])
	if err != nil || d < 0 || d > MaxDepth {
		return 0, fmt.Errorf("%s: bad depth %q", name, args[0])
	}
	return d, nil
}

func ringLimit() (Limit, error) {
	return Limit{Bytes: StreamCapBytes, Source: "each ring is sized for two records of the case's size; ipcbench caps messages at 16 MiB"}, nil
}

func init() {
	// The default wait strategy is listed first, the opt-in ones after it.
	waits := map[string]struct {
		order int
		doc   string
	}{
		WaitSpinFutex: {110, "polls for 50 µs, then sleeps in FUTEX_WAIT; FUTEX_WAKE only when the peer sleeps"},
		WaitSpin:      {111, "polls the ring's index; sched_yield after 50 µs without progress"},
		WaitFutex:     {112, "sleeps in FUTEX_WAIT at once; FUTEX_WAKE only when the peer sleeps"},
		WaitEventfd:   {113, "sleeps in read(2) on an eventfd; the peer writes it only when this side sleeps"},
	}
	for _, wait := range RingWaits {
		Register(Descriptor{
			Name:     "shm-ring-" + wait,
			Order:    waits[wait].order,
			Doc:      "lock-free single-producer single-consumer ring per direction in a shared memfd; " + waits[wait].doc,
			DataPath: "memcpy into the ring → store head (release) ⇢ load head (acquire) → memcpy out",
			Framing:  Datagram,
			Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 0,
				Note: "two user-space copies and no syscall while the peer keeps up; a sleeping side costs a wait and a wake; in place (relay), no copy"},
			MaxMessage: ringLimit,
			OptIn:      wait != WaitSpinFutex,
			InPlace:    true,
			New:        newRingSetup("shm-ring-"+wait, wait, ringDepth),
			Open:       openRing(wait),
		})
	}
}
