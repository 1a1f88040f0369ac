package transports

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fdpassPair opens both ends of unix-fdpass for size-byte messages, and
// returns side a's raw socket too, so that a test can send what a faulty or
// hostile peer would.
func fdpassPair(t *testing.T, size int) (a, b *fdpassConn, rawA int) {
	t.Helper()
	setup, err := newFdpassSetup(Options{MessageBytes: size})
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { setup.Close() })
	open := func(side Side) *fdpassConn {
		fd, err := unix.Dup(int(setup.Handoff(side).Files[0].Fd()))
		if err != nil {
			t.Fatal(err)
		}
		c, err := openFdpass(side, []int{fd}, nil, Options{MessageBytes: size})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*fdpassConn)
	}
	a, b = open(SideA), open(SideB)
	return a, b, a.sock
}

func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}

// sendRaw passes fds with data beside them, as a peer that breaks the
// protocol would.
func sendRaw(t *testing.T, sock int, data []byte, fds ...int) {
	t.Helper()
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if len(data) > 0 {
		if err := unix.Sendmsg(sock, data, oob, nil, 0); err != nil {
			t.Fatal(err)
		}
		return
	}
	// unix.Sendmsg adds a byte to an empty message with fds; the
	// transport's notices carry none.
	var h unix.Msghdr
	h.Control = &oob[0]
	h.SetControllen(len(oob))
	if _, _, e := unix.Syscall(unix.SYS_SENDMSG, uintptr(sock), uintptr(unsafe.Pointer(&h)), 0); e != 0 {
		t.Fatal(e)
	}
}

func memfd(t *testing.T, size int, seals int) int {
	t.Helper()
	fd, err := unix.MemfdCreate("fdpass-test", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Skip(err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatal(err)
	}
	if seals != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			t.Fatal(err)
		}
	}
	return fd
}

// TestFdpassRefuses checks that every malformed hand-off is an error that
// says what was wrong, and that no fd is left open by it.
func TestFdpassRefuses(t *testing.T) {
	const size = 100
	cases := []struct {
		name, want string
		send       func(t *testing.T, a *fdpassConn, sock int)
	}{
		{"wrong-size", "got a 40 B message, expected 100 B", func(t *testing.T, a *fdpassConn, _ int) {
			if err := a.Send(make([]byte, 40)); err != nil {
				t.Fatal(err)
			}
		}},
		{"unsealed", "seals", func(t *testing.T, _ *fdpassConn, sock int) {
			fd := memfd(t, size, 0)
			sendRaw(t, sock, nil, fd)
			unix.Close(fd)
		}},
		{"two-fds", "2 fds passed", func(t *testing.T, _ *fdpassConn, sock int) {
			fd := memfd(t, size, fdpassSeals)
			sendRaw(t, sock, nil, fd, fd)
			unix.Close(fd)
		}},
		{"bytes-beside", "a notice of 3 B", func(t *testing.T, _ *fdpassConn, sock int) {
			fd := memfd(t, size, fdpassSeals)
			sendRaw(t, sock, []byte("abc"), fd)
			unix.Close(fd)
		}},
		{"no-fd", "no fd passed", func(t *testing.T, _ *fdpassConn, sock int) {
			sendRaw(t, sock, []byte("abc"))
		}},
		{"truncated", "MSG_CTRUNC", func(t *testing.T, _ *fdpassConn, sock int) {
			fd := memfd(t, size, fdpassSeals)
			fds := make([]int, fdpassMaxFds+1)
			for i := range fds {
				fds[i] = fd
			}
			sendRaw(t, sock, nil, fds...)
			unix.Close(fd)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b, sock := fdpassPair(t, size)
			before := openFds(t)
			tc.send(t, a, sock)
			err := b.Recv(make([]byte, size))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Recv = %v; want an error saying %q", err, tc.want)
			}
			if after := openFds(t); after != before {
				t.Errorf("%d fds open before, %d after the refused message", before, after)
			}
			// The connection still carries a good message after a refusal.
			msg := []byte(strings.Repeat("m", size))
			got := make([]byte, size)
			if err := a.Send(msg); err != nil {
				t.Fatal(err)
			}
			if err := b.Recv(got); err != nil || string(got) != string(msg) {
				t.Fatalf("Recv after a refusal: %q, %v", got, err)
			}
		})
	}
}

// TestFdpassCosts checks the syscalls the model claims, and that the
// in-place path copies nothing and leaves no fd or mapping behind.
func TestFdpassCosts(t *testing.T) {
	const size, rounds = 64 << 10, 20
	a, b, _ := fdpassPair(t, size)
	before := openFds(t)
	msg, got := make([]byte, size), make([]byte, size)
	for range rounds {
		if err := a.Send(msg); err != nil {
			t.Fatal(err)
		}
		if err := b.Recv(got); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.c.Syscalls + b.c.Syscalls; n != 13*rounds {
		t.Errorf("%d syscalls for %d messages, want 13 each", n, rounds)
	}
	a.c, b.c = Counters{}, Counters{}
	for range rounds {
		slot, err := a.SendSlot()
		if err != nil {
			t.Fatal(err)
		}
		slot[size-1] = 7
		if err := a.SendCommit(); err != nil {
			t.Fatal(err)
		}
		in, err := b.RecvSlot()
		if err != nil || in[size-1] != 7 {
			t.Fatalf("RecvSlot: last byte %d, %v", in[size-1], err)
		}
		if err := b.RecvRelease(); err != nil {
			t.Fatal(err)
		}
	}
	if a.c.BytesCopiedInUser+b.c.BytesCopiedInUser+a.c.BytesToKernel+b.c.BytesFromKernel != 0 {
		t.Errorf("in place counted copies: %+v, %+v", a.c, b.c)
	}
	if after := openFds(t); after != before {
		t.Errorf("%d fds open before, %d after", before, after)
	}
	if _, err := a.SendSlot(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendSlot(); err == nil {
		t.Error("SendSlot twice without SendCommit: no error")
	}
}

// TestFdpassDepth: New reports the notices the socket takes natively, and
// sets --depth exactly or skips naming the limit.
func TestFdpassDepth(t *testing.T) {
	s, err := newFdpassSetup(Options{MessageBytes: 4096})
	if err != nil {
		t.Skip(err)
	}
	defer s.Close()
	if d := s.(DepthReporter).Depth(); d.Msgs < 2 || d.Bytes != d.Msgs*4096 || d.Source == "" {
		t.Errorf("native depth %+v", d)
	}
	s4, err := newFdpassSetup(Options{MessageBytes: 4096, Depth: 16})
	if err != nil {
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "SO_SNDBUF") {
			t.Fatalf("--depth 16: %v; want it set, or ErrUnsupported naming SO_SNDBUF", err)
		}
		t.Skip(err)
	}
	defer s4.Close()
	if d := s4.(DepthReporter).Depth(); d.Msgs != 16 {
		t.Errorf("--depth 16: %+v", d)
	}
	// A 17th notice finds the socket full.
	fds := [2]int{int(s4.Handoff(SideA).Files[0].Fd()), int(s4.Handoff(SideB).Files[0].Fd())}
	probe := memfd(t, 1, 0)
	defer unix.Close(probe)
	if n, _, err := fdpassFill(fds, probe); err != nil || n != 16 {
		t.Errorf("filled %d notices, %v; want 16", n, err)
	}
}
