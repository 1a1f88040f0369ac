package transports

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// newTCPSetup connects two sockets over 127.0.0.1 with TCP_NODELAY on both.
// The listener exists only in the parent and is closed before the workers run.
func newTCPSetup(Options) (Setup, error) {
	fail := func(call string, err error, fds ...int) (Setup, error) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("tcp: %s on 127.0.0.1: %w", call, err)
	}
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("socket", err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return nil, fmt.Errorf("tcp: bind 127.0.0.1:0: %w: %w", err, ErrUnsupported)
	}
	if err := unix.Listen(ln, 1); err != nil {
		return fail("listen", err)
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		return fail("getsockname", err)
	}
	a, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("socket", err)
	}
	if err := unix.Connect(a, sa); err != nil {
		return fail("connect", err, a)
	}
	b, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		return fail("accept", err, a)
	}
	for _, fd := range []int{a, b} {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return fail("setsockopt TCP_NODELAY", err, a, b)
		}
	}
	return &fileSetup{
		a: Handoff{Files: []*os.File{os.NewFile(uintptr(a), "tcp-a")}},
		b: Handoff{Files: []*os.File{os.NewFile(uintptr(b), "tcp-b")}},
	}, nil
}

func init() {
	Register(Descriptor{
		Name:     "tcp",
		Order:    60,
		Doc:      "TCP over loopback (127.0.0.1) with TCP_NODELAY: the baseline",
		DataPath: "write(2) → TCP/IP stack → loopback → TCP/IP stack → read(2)",
		Framing:  Stream,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one out, plus protocol processing; large messages arrive in several reads"},
		MaxMessage: streamLimit,
		New:        newTCPSetup,
		Open:       openSocket("tcp", Stream),
	})
}
