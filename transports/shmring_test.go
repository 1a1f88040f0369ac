package transports

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// memConns builds both sides' conns over one anonymous shared mapping, as
// two workers see the memfd, for in-process tests (and -race): each side
// has its own ring views and counters, as in separate processes.
func memConns(t testing.TB, size int, wait string) (a, b *ringConn) {
	t.Helper()
	rawSleepers(t, 2)
	mem, err := unix.Mmap(-1, 0, layoutFor(size).total, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	var efds []int
	if wait == WaitEventfd {
		for range 4 {
			fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unix.Close(fd) })
			efds = append(efds, fd)
		}
	}
	side := func(s Side) *ringConn {
		c := &ringConn{size: size, mem: mem}
		l := layoutFor(size)
		d := 2 * ringHeaderBytes
		ev := func(i int) int {
			if efds == nil {
				return -1
			}
			return efds[i]
		}
		a2b := newRing(mem[:ringHeaderBytes], mem[d:d+l.capacity], wait, ev(0), ev(1), &c.c)
		b2a := newRing(mem[ringHeaderBytes:], mem[d+l.capacity:d+2*l.capacity], wait, ev(2), ev(3), &c.c)
		c.out, c.in = a2b, b2a
		if s == SideB {
			c.out, c.in = b2a, a2b
		}
		return c
	}
	return side(SideA), side(SideB)
}

// rawSleepers readies this process for n sides that may sleep in the
// rings' raw futex or eventfd calls as goroutines of one process. A raw call
// that blocks keeps its P, and a stop-the-world cannot stop it, so each
// sleeper gets a P of its own, with two more for the test's goroutine and its
// timers, and the garbage collector is off while the sides run, as it is in a
// worker. After a failure a side may still sleep, and restoring either setting
// (a stop-the-world) would hang, so they stay.
func rawSleepers(t testing.TB, n int) {
	procs := runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), n+2))
	gcPercent := debug.SetGCPercent(-1)
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		debug.SetGCPercent(gcPercent)
		runtime.GOMAXPROCS(procs)
	})
}

// fill writes a pattern that depends on seq into b.
func fill(b []byte, seq int) {
	for i := range b {
		b[i] = byte(seq*31 + i*7)
	}
}

func TestRingWrapsStraddlesFillsAndEmpties(t *testing.T) {
	a, b := memConns(t, 1, WaitSpinFutex) // the 64 KiB minimum
	r, rb := a.out, b.in                  // one ring: a sends, b receives
	capacity := int(r.capacity())
	// 1000 B records (1008 with the header) do not divide 64 KiB: as the
	// indices run past the end many times, records land across it.
	msg, got := make([]byte, 1000), make([]byte, 1000)
	straddled := 0
	for seq := range 1000 {
		head := r.h.head.Load()
		if p := int(head+ringRecordHdr) % capacity; p+len(msg) > capacity {
			straddled++
		}
		fill(msg, seq)
		r.send(msg)
		if err := rb.recv(got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("message %d: %v, content equal %v", seq, err, bytes.Equal(got, msg))
		}
	}
	if straddled == 0 {
		t.Fatal("no record straddled the end; the test proves nothing")
	}

	// Full: fill the ring, then a send must wait until a receive frees room.
	n := 0
	for ; r.capacity()-(r.h.head.Load()-r.h.tail.Load()) >= 1008; n++ {
		fill(msg, n)
		r.send(msg)
	}
	sent := make(chan struct{})
	go func() { fill(msg, n); r.send(msg); close(sent) }()
	select { // a bound, not a wait for a state: load can hide a send that fails to wait, never fail one
	case <-sent:
		t.Fatal("a send into a full ring did not wait")
	case <-time.After(50 * time.Millisecond):
	}
	for i := 0; i <= n; i++ {
		if i == 1 {
			<-sent // room was freed by the first receive
		}
		want := make([]byte, 1000)
		fill(want, i)
		if err := rb.recv(got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("after full, message %d: %v", i, err)
		}
	}

	// Empty: a receive must wait until a send.
	done := make(chan error)
	go func() { done <- rb.recv(got) }()
	select { // a bound, as for the full ring
	case err := <-done:
		t.Fatalf("a receive from an empty ring returned: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	fill(msg, 7)
	r.send(msg)
	if err := <-done; err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("receive after empty: %v", err)
	}
}

// TestRingStressRandomSizes streams messages of random sizes, copied and in
// place, between two goroutines on their own threads and verifies each.
func TestRingStressRandomSizes(t *testing.T) {
	for _, inPlace := range []bool{false, true} {
		t.Run(fmt.Sprintf("inPlace=%v", inPlace), func(t *testing.T) {
			const n, maxSize = 20000, 9000
			a, b := memConns(t, maxSize, WaitSpinFutex)
			r, rb := a.out, b.in
			sizes := func() func() int {
				g := rand.New(rand.NewPCG(1, 2))
				return func() int { return 1 + g.IntN(maxSize) }
			}
			errc := make(chan error, 1)
			go func() {
				runtime.LockOSThread()
				size := sizes()
				buf := make([]byte, maxSize)
				for seq := range n {
					msg := buf[:size()]
					if inPlace {
						slot := r.slot(len(msg))
						fill(slot, seq)
						r.commit(len(msg))
						continue
					}
					fill(msg, seq)
					r.send(msg)
				}
				errc <- nil
			}()
			size := sizes()
			got, want := make([]byte, maxSize), make([]byte, maxSize)
			for seq := range n {
				m := size()
				fill(want[:m], seq)
				var data []byte
				if inPlace {
					slot, pos, err := rb.inSlot(m)
					if err != nil {
						t.Fatalf("message %d: %v", seq, err)
					}
					data = append(got[:0], slot...)
					rb.release(pos, uint64(m))
				} else {
					if err := rb.recv(got[:m]); err != nil {
						t.Fatalf("message %d: %v", seq, err)
					}
					data = got[:m]
				}
				if !bytes.Equal(data, want[:m]) {
					t.Fatalf("message %d of %d B corrupted", seq, m)
				}
			}
			<-errc
		})
	}
}

// TestRingNoLostWakeup plays ping-pong with random pauses, so that sides
// fall asleep at every point of the protocol, for each strategy that
// sleeps: 10^6 hand-offs for spin-futex, whose spin-then-sleep protocol is
// the subtle one, and 2×10^5 for futex and eventfd, which sleep on every
// hand-off and take about 19 µs each on a 2-vCPU VM (10^6 would add 40 s
// to every test run). A lost wake-up hangs, and the deadline fails it.
func TestRingNoLostWakeup(t *testing.T) {
	for _, wait := range []string{WaitSpinFutex, WaitFutex, WaitEventfd} {
		handoffs := 200_000
		if wait == WaitSpinFutex {
			handoffs = 1_000_000
		}
		t.Run(wait, func(t *testing.T) {
			a, b := memConns(t, 8, wait)
			noLostWakeup(t, a, b, handoffs)
		})
	}
}

// TestSlotsNoLostWakeup does the same for shm-slots, whose consumer sleeps
// on each slot's own sequence word.
func TestSlotsNoLostWakeup(t *testing.T) {
	a, b := memSlots(t, 8)
	noLostWakeup(t, a, b, 1_000_000)
}

// noLostWakeup plays ping-pong between a and b on two locked threads for
// the given hand-offs, each side pausing at random now and then so that its
// peer falls asleep at every point of the protocol. A lost wake-up hangs,
// and the deadline fails it. -short plays a tenth of the hand-offs: enough
// for a protocol that loses wake-ups often, not for a rare loss, which the
// full lane is there to catch.
func noLostWakeup(t *testing.T, a, b Conn, handoffs int) {
	if testing.Short() {
		handoffs /= 10
	}
	rounds := handoffs / 2
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		g := rand.New(rand.NewPCG(3, 4))
		buf := make([]byte, 8)
		for range rounds {
			if err := b.Recv(buf); err != nil {
				panic(err)
			}
			if g.IntN(5000) == 0 {
				time.Sleep(time.Duration(g.IntN(200)) * time.Microsecond)
			}
			b.Send(buf)
		}
		close(done)
	}()
	finished := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		g := rand.New(rand.NewPCG(5, 6))
		buf := make([]byte, 8)
		for i := range rounds {
			buf[0] = byte(i)
			a.Send(buf)
			if g.IntN(5000) == 0 {
				time.Sleep(time.Duration(g.IntN(200)) * time.Microsecond)
			}
			if err := a.Recv(buf); err != nil || buf[0] != byte(i) {
				panic(fmt.Sprintf("round %d: %v, got %d", i, err, buf[0]))
			}
		}
		close(finished)
	}()
	select {
	case <-finished:
		<-done
	case <-time.After(2 * time.Minute):
		t.Fatalf("%d hand-offs did not finish in 2 minutes: a lost wake-up", handoffs)
	}
}

// TestSlotsManyProducers has three producers share shm-slots' side a, as a
// fanin does, through a small queue that fills, with random pauses on every
// side: each producer's messages must arrive in its own order, none lost,
// and no sleeper left behind (the deadline fails a hang). -short sends a
// tenth of the messages.
func TestSlotsManyProducers(t *testing.T) {
	const producers = 3
	each := 30_000
	if testing.Short() {
		each /= 10
	}
	rawSleepers(t, producers+1)
	fd, err := unix.MemfdCreate("shm-slots-mpsc", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	const size = 16 << 10 // four slots: the queue fills all the time
	if err := unix.Ftruncate(fd, int64(slotsTotal(size))); err != nil {
		t.Fatal(err)
	}
	open := func(side Side) Conn {
		c, err := openSlots(side, []int{fd}, nil, Options{MessageBytes: size, Writers: producers})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	for p := range producers {
		c := open(SideA)
		go func() {
			runtime.LockOSThread()
			g := rand.New(rand.NewPCG(uint64(p), 9))
			msg := make([]byte, size)
			for i := range each {
				msg[0], msg[1], msg[2] = byte(p), byte(i), byte(i>>8)
				c.Send(msg)
				if g.IntN(2000) == 0 {
					time.Sleep(time.Duration(g.IntN(300)) * time.Microsecond)
				}
			}
		}()
	}
	cons := open(SideB)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		g := rand.New(rand.NewPCG(7, 8))
		var next [producers]int
		buf := make([]byte, size)
		for range producers * each {
			if err := cons.Recv(buf); err != nil {
				done <- err
				return
			}
			p := int(buf[0])
			if p >= producers || int(buf[1])|int(buf[2])<<8 != next[p]&0xFFFF {
				done <- fmt.Errorf("producer %d: got message %d, want %d", p, int(buf[1])|int(buf[2])<<8, next[p])
				return
			}
			next[p]++
			if g.IntN(2000) == 0 {
				time.Sleep(time.Duration(g.IntN(300)) * time.Microsecond)
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("three producers did not get through in 2 minutes: a lost wake-up")
	}
}

// TestWeakStoresNoLostWakeup sends every spin-futex hand-off through the
// sleep path while indexes are published with release stores, the case that
// needs the sleeper's membarrier: with no spin budget each wait sets the
// flag, fences the waker and sleeps. It fails (hangs) when a wake is
// skipped. Without the fence it still passed here: the kernel compares the
// futex word a microsecond after the flag is set, by which time the waker's
// store has left its store buffer in practice; the fence makes that a
// guarantee, which the architecture alone does not give.
func TestWeakStoresNoLostWakeup(t *testing.T) {
	if !releaseIsWeak {
		t.Skip("release stores are sequentially consistent on this build (not amd64, or -race): nothing to fence")
	}
	if !fenceableWakers() {
		t.Skip("membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) refused: spin-futex keeps strong stores here")
	}
	noSpin := func(rs ...*ring) {
		for _, r := range rs {
			if !r.weak || !r.fenceSleep {
				t.Fatalf("spin-futex ring: weak %v, fenceSleep %v; want both", r.weak, r.fenceSleep)
			}
			r.budget = 0
		}
	}
	t.Run("shm-ring", func(t *testing.T) {
		a, b := memConns(t, 8, WaitSpinFutex)
		noSpin(a.out, a.in, b.out, b.in)
		noLostWakeup(t, a, b, 200_000)
		if a.c.Syscalls == 0 || b.c.Syscalls == 0 {
			t.Errorf("syscalls a %d, b %d: the sleep path was not taken", a.c.Syscalls, b.c.Syscalls)
		}
	})
	t.Run("shm-slots", func(t *testing.T) {
		a, b := memSlots(t, 8)
		noSpin(a.out.r, a.in.r, b.out.r, b.in.r)
		noLostWakeup(t, a, b, 200_000)
		if a.c.Syscalls == 0 || b.c.Syscalls == 0 {
			t.Errorf("syscalls a %d, b %d: the sleep path was not taken", a.c.Syscalls, b.c.Syscalls)
		}
	})
}

// memSlots opens both ends of shm-slots on one memfd.
func memSlots(t testing.TB, size int) (a, b *slotsConn) {
	t.Helper()
	rawSleepers(t, 2)
	fd, err := unix.MemfdCreate("shm-slots-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Ftruncate(fd, int64(slotsTotal(size))); err != nil {
		t.Fatal(err)
	}
	open := func(s Side) *slotsConn {
		c, err := openSlots(s, []int{fd}, nil, Options{MessageBytes: size})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*slotsConn)
	}
	return open(SideA), open(SideB)
}

// BenchmarkHandoffPath measures the instructions of a hand-off, with no
// peer: one thread sends on side a, receives on side b, answers and receives
// the answer, so every cache line stays local. It is the part of a
// cross-core round trip that is not the cache-line transfer.
func BenchmarkHandoffPath(b *testing.B) {
	pairs := map[string]func(b *testing.B) (Conn, Conn){
		"shm-ring-spin": func(b *testing.B) (Conn, Conn) { return memConns(b, 1, WaitSpin) },
		"shm-slots":     func(b *testing.B) (Conn, Conn) { return memSlots(b, 1) },
	}
	for _, name := range []string{"shm-ring-spin", "shm-slots"} {
		b.Run(name, func(b *testing.B) {
			a, peer := pairs[name](b)
			msg, buf := []byte{1}, make([]byte, 1)
			for b.Loop() {
				a.Send(msg)
				peer.Recv(buf)
				peer.Send(buf)
				a.Recv(buf)
			}
		})
	}
}
