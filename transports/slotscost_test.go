package transports

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BenchmarkSlotsCostBreakdown splits shm-slots' 1-byte round trip into
// steps, from a bare one-line ping-pong (as scripts/cref/cacheline_pingpong.c)
// up to the transport's own Send and Recv, each variant adding one thing. Two
// goroutines, locked to threads pinned to CPUs 0 and 1, play initiator and
// echoer. Separate runs of a ping-pong land in different host states, so the
// variants take turns inside one run: each b.N iteration is a cycle of short
// blocks, every variant once in a shuffled order, and each variant reports
// the median of its block means (Vn-ns/rt) and its ratio to V0 (Vn-xV0).
//
//	go test -run '^$' -bench SlotsCostBreakdown -benchtime 60x -v ./transports/
func BenchmarkSlotsCostBreakdown(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skipf("needs CPUs 0 and 1 for the two sides; this host has %d CPU", runtime.NumCPU())
	}
	rawSleepers(b, 2) // V4 and V5 may sleep in a raw futex call
	const blockTrips, warmTrips = 5000, 200
	vs := costVariants(b)
	ctl := &costControl{}
	echoErr := make(chan error, 1)
	go func() { echoErr <- ctl.echoer(vs, warmTrips+blockTrips) }()
	if err := pinTo(0); err != nil {
		b.Fatal(err)
	}
	defer runtime.UnlockOSThread()
	means := make([][]float64, len(vs)) // ns per round trip of each block, per variant
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	block := uint64(0)
	b.ResetTimer()
	for range b.N {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, v := range order {
			block++
			ctl.cmd.Store(block<<8 | uint64(v))
			vs[v].initiate(warmTrips)
			start := time.Now()
			vs[v].initiate(blockTrips)
			means[v] = append(means[v], float64(time.Since(start).Nanoseconds())/blockTrips)
			for ctl.done.Load() != block {
			}
		}
	}
	b.StopTimer()
	ctl.cmd.Store(block<<8 | costStop)
	if err := <-echoErr; err != nil {
		b.Fatal(err)
	}
	b.Logf("1 B round trips, CPUs 0 and 1, %d cycles of %d-trip blocks; weak stores %v", b.N, blockTrips, releaseIsWeak && fenceableWakers())
	base := median(means[0])
	for i, v := range vs {
		m := median(means[i])
		slices.Sort(means[i])
		b.ReportMetric(m, v.name+"-ns/rt")
		b.ReportMetric(m/base, v.name+"-xV0")
		b.Logf("%-4s median %6.1f ns  ×%.2f V0  (blocks p10 %6.1f p90 %6.1f)  %s",
			v.name, m, m/base, means[i][len(means[i])/10], means[i][len(means[i])*9/10], v.doc)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// pinTo locks the calling goroutine to its thread and the thread to cpu.
func pinTo(cpu int) error {
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	return unix.SchedSetaffinity(0, &set)
}

// costVariant is one step of the breakdown: initiate runs n round trips
// from CPU 0, echo answers n from CPU 1. Each keeps its state across blocks.
type costVariant struct {
	name, doc string
	initiate  func(n int)
	echo      func(n int) error
}

const costStop = 255 // the command that ends the echoer

// costControl is how the initiator starts the echoer on a block: cmd is
// block<<8 | variant, and the echoer stores the block in done when it has
// answered all of it. The echoer spins on cmd between blocks, so that it is
// awake when the block starts.
type costControl struct {
	cmd  atomic.Uint64
	_    [56]byte
	done atomic.Uint64
}

func (c *costControl) echoer(vs []costVariant, trips int) error {
	if err := pinTo(1); err != nil {
		return err
	}
	defer runtime.UnlockOSThread()
	last := uint64(0)
	for {
		cmd := c.cmd.Load()
		if cmd == last {
			continue
		}
		last = cmd
		if cmd&255 == costStop {
			return nil
		}
		if err := vs[cmd&255].echo(trips); err != nil {
			return err
		}
		c.done.Store(cmd >> 8)
	}
}

// costMem maps n bytes of shared anonymous memory for the test's life.
func costMem(t testing.TB, n int) []byte {
	mem, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap %d B: %v", n, err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return mem
}

// padded keeps a side's state off the lines the other side writes: in one
// process the two sides' small objects would otherwise share cache lines,
// which the workers, in separate processes, never do.
type padded[T any] struct {
	_ [64]byte
	v T
	_ [64]byte
}

func word(b []byte) *uint64 { return (*uint64)(unsafe.Pointer(&b[0])) }

func spinUntil(p *uint64, v uint64) {
	for atomic.LoadUint64(p) < v {
	}
}

func costVariants(t testing.TB) []costVariant {
	few := slotArrayVariant(t, false, 16)
	few.name, few.doc = "V2s", "V2 with 16 slots (2 KiB in all), not the transport's 1024: is it the working set?"
	return []costVariant{bareVariant(t), slotLineVariant(t), slotArrayVariant(t, false, slotCount(1)), few,
		slotArrayVariant(t, true, slotCount(1)), connVariant(t, false), connVariant(t, true)}
}

// bareVariant is V0: two cache lines, ping and pong; each side spins on
// the other's counter and then stores its own, as the C reference does.
func bareVariant(t testing.TB) costVariant {
	mem := costMem(t, 4096)
	ping, pong := word(mem[0:]), word(mem[64:])
	ki, ke := &new(padded[uint64]).v, &new(padded[uint64]).v
	return costVariant{name: "V0", doc: "bare: one counter line each way",
		initiate: func(n int) {
			for range n {
				*ki++
				storeRelease(ping, *ki)
				spinUntil(pong, *ki)
			}
		},
		echo: func(n int) error {
			for range n {
				*ke++
				spinUntil(ping, *ke)
				storeRelease(pong, *ke)
			}
			return nil
		}}
}

// slotLineVariant is V1: V0 with the 1-byte payload beside the counter in
// one 64 B slot line, copied in before the store and out after the load.
func slotLineVariant(t testing.TB) costVariant {
	mem := costMem(t, 4096)
	ping, pong := mem[0:64], mem[64:128]
	type side struct {
		k        uint64
		msg, buf [1]byte
	}
	a, b := &new(padded[side]).v, &new(padded[side]).v
	return costVariant{name: "V1", doc: "V0 + payload in the counter's line, copy in and out",
		initiate: func(n int) {
			for range n {
				a.msg[0] = byte(a.k)
				copy(ping[slotSeqBytes:slotSeqBytes+1], a.msg[:])
				a.k++
				storeRelease(word(ping), a.k)
				spinUntil(word(pong), a.k)
				copy(a.buf[:], pong[slotSeqBytes:slotSeqBytes+1])
			}
		},
		echo: func(n int) error {
			for range n {
				b.k++
				spinUntil(word(ping), b.k)
				copy(b.buf[:], ping[slotSeqBytes:slotSeqBytes+1])
				copy(pong[slotSeqBytes:slotSeqBytes+1], b.buf[:])
				storeRelease(word(pong), b.k)
			}
			return nil
		}}
}

// costSlots is one direction of V2 and V3: shm-slots' slot array and, for
// V3, its ring header.
type costSlots struct {
	h            *ringHeader
	data         []byte
	mask, stride uint64
}

func (s *costSlots) seq(k uint64) *uint64 { return word(s.data[(k&s.mask)*s.stride:]) }
func (s *costSlots) payload(k uint64) []byte {
	off := (k&s.mask)*s.stride + slotSeqBytes
	return s.data[off : off+1]
}

// costSide is one side's view: the slots it sends on and receives from,
// and its counts.
type costSide struct {
	out, in       *costSlots
	sent, recvd   uint64
	tailSeen, lim uint64
	msg, buf      [1]byte
	sinkLoad      uint32
}

// send is shm-slots' Send without the calls: copy in, store the slot's
// word; with header, first the room check, after it the sleeper check.
func (s *costSide) send(msg []byte, header bool) {
	k := s.sent
	if header && k >= s.lim && s.tailSeen < k-s.lim+1 {
		spinUntil((*uint64)(unsafe.Pointer(&s.out.h.tail)), k-s.lim+1)
		s.tailSeen = s.out.h.tail.Load()
	}
	copy(s.out.payload(k), msg)
	s.sent++
	storeRelease(s.out.seq(k), s.sent)
	if header {
		s.sinkLoad += s.out.h.consumerWaiting.Load()
	}
}

// recv is shm-slots' Recv without the calls; with header, the tail store
// and the sleeper check after it.
func (s *costSide) recv(header bool) {
	k := s.recvd
	spinUntil(s.in.seq(k), k+1)
	copy(s.buf[:], s.in.payload(k))
	s.recvd++
	if header {
		storeRelease((*uint64)(unsafe.Pointer(&s.in.h.tail)), s.recvd)
		s.sinkLoad += s.in.h.producerWaiting.Load()
	}
}

// slotArrayVariant is V2 (header false): V1 with the slots rotating
// through shm-slots' array for 1 B messages; V3 (header true): V2 plus the
// consumer's tail store per message, the producer's rare tail read, and
// both sides' load of the peer's sleep flag after each store. n is the
// slots per direction, a power of two.
func slotArrayVariant(t testing.TB, header bool, n int) costVariant {
	stride := slotStride(1)
	mem := costMem(t, slotsTotal(1))
	d := 2 * ringHeaderBytes
	dir := func(hdr, data []byte) *costSlots {
		return &costSlots{h: (*ringHeader)(unsafe.Pointer(&hdr[0])), data: data, mask: uint64(n - 1), stride: uint64(stride)}
	}
	a2b := dir(mem[:ringHeaderBytes], mem[d:d+n*stride])
	b2a := dir(mem[ringHeaderBytes:], mem[d+n*stride:d+2*n*stride])
	a, b := &new(padded[costSide]).v, &new(padded[costSide]).v
	*a = costSide{out: a2b, in: b2a, lim: uint64(n)}
	*b = costSide{out: b2a, in: a2b, lim: uint64(n)}
	v := costVariant{name: "V2", doc: "V1 + slots rotating through the array (k & mask)"}
	if header {
		v.name, v.doc = "V3", "V2 + tail store per message, sleep-flag loads (wake check)"
	}
	v.initiate = func(n int) {
		for range n {
			a.msg[0] = byte(a.sent)
			a.send(a.msg[:], header)
			a.recv(header)
		}
	}
	v.echo = func(n int) error {
		for range n {
			b.recv(header)
			b.send(b.buf[:], header)
		}
		return nil
	}
	return v
}

//go:linkname costNanotime runtime.nanotime
func costNanotime() int64

// costPair opens both ends of shm-slots for 1 B messages as the workers
// do: the parent's New makes the memfd, each side maps its own copy.
func costPair(t testing.TB) (a, b Conn) {
	d, ok := Lookup("shm-slots")
	if !ok {
		t.Fatal("shm-slots is not registered")
	}
	opts := Options{MessageBytes: 1, Writers: 1}
	setup, err := d.New(opts)
	if err != nil {
		t.Fatalf("shm-slots: New: %v", err)
	}
	defer setup.Close()
	open := func(side Side) Conn {
		h := setup.Handoff(side)
		fds := make([]int, len(h.Files))
		for i, f := range h.Files {
			if fds[i], err = unix.Dup(int(f.Fd())); err != nil {
				t.Fatalf("shm-slots: dup: %v", err)
			}
		}
		c, err := d.Open(side, fds, h.Args, opts)
		if err != nil {
			t.Fatalf("shm-slots: Open side %v: %v", side, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a = open(SideA)
	costSpread = costSpreadHeap()
	return a, open(SideB)
}

// costSpread holds objects of every small size class, allocated between
// the two ends' opening so that no object of one end lies beside its
// counterpart of the other (their counters are written at every message).
var costSpread []any

// costSpreadHeap allocates enough objects of each small size, with and
// without pointers (the heap keeps those apart), to cover 128 B.
func costSpreadHeap() []any {
	var keep []any
	for size := 8; size <= 1024; size += 8 {
		for range 128/size + 2 {
			keep = append(keep, make([]byte, size), make([]*byte, size/8))
		}
	}
	return keep
}

// connVariant is V4 (harness false): two shm-slots ends, Send and Recv
// through the Conn interface; V5 (harness true): V4 with the harness's
// pingpong bookkeeping approximated: the initiator sends the next message
// before it reads the clock, records the sample in a histogram and checks
// the reply; the echoer answers, then checks and tests for the stop.
func connVariant(t testing.TB, harness bool) costVariant {
	type side struct {
		c        Conn
		seq      uint64
		msg, buf [1]byte
		hist     [64]uint64
	}
	a, b := &new(padded[side]).v, &new(padded[side]).v
	a.c, b.c = costPair(t)
	t.Logf("%s: the two ends' written objects lie at least %d B apart", "shm-slots", costNearest(a.c, b.c))
	stop := &new(padded[atomic.Uint64]).v
	v := costVariant{name: "V4", doc: "shm-slots' own Send/Recv through Conn"}
	if harness {
		v.name, v.doc = "V5", "V4 + harness-like bookkeeping (clock, histogram, checks)"
	}
	v.initiate = func(n int) {
		if !harness {
			for range n {
				a.c.Send(a.msg[:])
				a.c.Recv(a.buf[:])
			}
			return
		}
		a.msg[0] = byte(a.seq)
		a.c.Send(a.msg[:])
		prev := costNanotime()
		for i := range n {
			a.c.Recv(a.buf[:])
			if i < n-1 {
				a.msg[0] = byte(a.seq + 1)
				a.c.Send(a.msg[:])
			}
			now := costNanotime()
			a.hist[min(63, uint64(now-prev)>>4)]++
			prev = now
			if a.buf[0] != byte(a.seq) {
				stop.Store(1)
			}
			a.seq++
		}
	}
	v.echo = func(n int) error {
		for range n {
			if err := b.c.Recv(b.buf[:]); err != nil {
				return err
			}
			if err := b.c.Send(b.buf[:]); err != nil {
				return err
			}
			if harness && (b.buf[0] != byte(b.seq) || stop.Load() == b.seq+1) {
				return errCostMismatch
			}
			b.seq++
		}
		return nil
	}
	return v
}

var errCostMismatch = errors.New("slots cost: V5 echoed a message out of sequence")

// costNearest is the least distance in bytes between an object that one
// end writes per message and one the other end writes.
func costNearest(a, b Conn) int {
	addrs := func(c Conn) []uintptr {
		s := c.(*slotsConn)
		return []uintptr{uintptr(unsafe.Pointer(s)), uintptr(unsafe.Pointer(s.out)), uintptr(unsafe.Pointer(s.in)),
			uintptr(unsafe.Pointer(s.out.r)), uintptr(unsafe.Pointer(s.in.r))}
	}
	least := 1 << 30
	for _, x := range addrs(a) {
		for _, y := range addrs(b) {
			least = min(least, int(max(x, y)-min(x, y)))
		}
	}
	return least
}
