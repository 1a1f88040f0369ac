package transports

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The fd transports issue their read, write, send and recv calls with
// RawSyscall. A Go worker that blocks in an ordinary syscall.Syscall tells the
// runtime it has left, and sysmon hands its P to another thread; getting it
// back on return costs more than the pipe round trip itself (measured 1.4× a C
// program). A raw syscall keeps the P, so the worker makes exactly the calls a
// C program makes. The harness makes this safe by running workers with one
// locked thread, GOMAXPROCS=1 and GC off, so no other goroutine needs the P.

func rawRead(fd int, p []byte, c *Counters) (int, error) {
	n, err := callCounted(unix.SYS_READ, fd, p, c)
	c.BytesFromKernel += uint64(n)
	return n, err
}

func rawWrite(fd int, p []byte, c *Counters) (int, error) {
	n, err := callCounted(unix.SYS_WRITE, fd, p, c)
	c.BytesToKernel += uint64(n)
	return n, err
}

// callCounted makes read(2) or write(2) (trap) on p, retrying EINTR and
// counting every call, but not the bytes: a caller that moves control
// records (cma's notices and acks), not payload, uses it as it is.
func callCounted(trap uintptr, fd int, p []byte, c *Counters) (int, error) {
	for {
		c.Syscalls++
		n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}

func rawSend(fd int, p []byte, c *Counters) (int, error) {
	for {
		c.Syscalls++
		n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
		if e == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return 0, e
		}
		c.BytesToKernel += uint64(n)
		return int(n), nil
	}
}

// rawRecvTrunc returns the datagram's real length (MSG_TRUNC), which exceeds
// len(p) when the kernel truncated it; only min(n, len(p)) bytes were copied.
func rawRecvTrunc(fd int, p []byte, c *Counters) (int, error) {
	for {
		c.Syscalls++
		n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_TRUNC, 0, 0)
		if e == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return 0, e
		}
		c.BytesFromKernel += uint64(min(int(n), len(p)))
		return int(n), nil
	}
}

// streamConn carries messages over a byte stream (pipes, FIFOs, stream
// sockets) and reassembles partial reads and writes.
type streamConn struct {
	name     string
	rfd, wfd int
	c        Counters
}

func (s *streamConn) Send(msg []byte) error {
	for off := 0; off < len(msg); {
		n, err := rawWrite(s.wfd, msg[off:], &s.c)
		if err != nil {
			return fmt.Errorf("%s: write fd=%d after %d of %d B: %w", s.name, s.wfd, off, len(msg), err)
		}
		off += n
	}
	return nil
}

func (s *streamConn) Recv(msg []byte) error {
	for off := 0; off < len(msg); {
		n, err := rawRead(s.rfd, msg[off:], &s.c)
		if err != nil {
			return fmt.Errorf("%s: read fd=%d after %d of %d B: %w", s.name, s.rfd, off, len(msg), err)
		}
		if n == 0 {
			return fmt.Errorf("%s: read fd=%d: peer closed after %d of %d B", s.name, s.rfd, off, len(msg))
		}
		off += n
	}
	return nil
}

func (s *streamConn) Counters() *Counters { return &s.c }

func (s *streamConn) Close() error {
	err := unix.Close(s.rfd)
	if s.wfd != s.rfd {
		if e := unix.Close(s.wfd); err == nil {
			err = e
		}
	}
	return err
}

// packetConn carries one message per datagram (SOCK_DGRAM, SOCK_SEQPACKET).
type packetConn struct {
	name string
	fd   int
	c    Counters
}

func (p *packetConn) Send(msg []byte) error {
	n, err := rawSend(p.fd, msg, &p.c)
	if err != nil {
		return fmt.Errorf("%s: send fd=%d size=%d: %w", p.name, p.fd, len(msg), err)
	}
	if n != len(msg) {
		return fmt.Errorf("%s: send fd=%d: sent %d of %d B", p.name, p.fd, n, len(msg))
	}
	return nil
}

func (p *packetConn) Recv(msg []byte) error {
	n, err := rawRecvTrunc(p.fd, msg, &p.c)
	if err != nil {
		return fmt.Errorf("%s: recv fd=%d: %w", p.name, p.fd, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: recv fd=%d: peer closed", p.name, p.fd)
	}
	if n != len(msg) {
		return fmt.Errorf("%s: recv fd=%d: got a %d B message, expected %d B", p.name, p.fd, n, len(msg))
	}
	return nil
}

func (p *packetConn) Counters() *Counters { return &p.c }

func (p *packetConn) Close() error { return unix.Close(p.fd) }

// fileSetup owns fds created in the parent: it hands each side its files and
// closes them all on Close.
type fileSetup struct {
	a, b    Handoff
	cleanup func() error // extra teardown (temp dirs); may be nil
	closed  bool
	depth   Depth // what New set or read (DepthReporter)
}

func (f *fileSetup) Handoff(side Side) Handoff {
	if side == SideA {
		return f.a
	}
	return f.b
}

func (f *fileSetup) Attached() error { return nil }

func (f *fileSetup) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	var first error
	for _, h := range []Handoff{f.a, f.b} {
		for _, file := range h.Files {
			// Closing twice (the harness closes its copies after the spawn)
			// returns os.ErrClosed, which is not a failure here.
			_ = file.Close()
		}
	}
	if f.cleanup != nil {
		first = f.cleanup()
	}
	return first
}

// oneFd checks that a worker received exactly n fds.
func wantFds(name string, fds []int, n int) error {
	if len(fds) != n {
		return fmt.Errorf("%s: worker got %d fds, want %d", name, len(fds), n)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, false); err != nil {
			return fmt.Errorf("%s: fcntl fd=%d clear O_NONBLOCK: %w", name, fd, err)
		}
	}
	return nil
}
