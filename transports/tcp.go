package transports

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// newTCPSetup connects two sockets over 127.0.0.1 with TCP_NODELAY on both.
// The listener exists only in the parent and is closed before the workers run.
func newTCPSetup(o Options) (Setup, error) {
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
	s := &fileSetup{
		a: Handoff{Files: []*os.File{os.NewFile(uintptr(a), "tcp-a")}},
		b: Handoff{Files: []*os.File{os.NewFile(uintptr(b), "tcp-b")}},
	}
	if s.depth, err = tcpDepth(a, b, o); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// tcpDepth reports the buffering a→b: the sender's SO_SNDBUF and the
// receiver's SO_RCVBUF as getsockopt reports them. Both are budgets of skb
// true size, not of payload, TCP coalesces small writes into one skb, and
// sysctl net.ipv4.tcp_wmem and tcp_rmem autotune them while data flows, so
// no setting holds exactly N messages: --depth skips tcp, and the native
// message count is an upper bound, the bytes over the message size.
func tcpDepth(a, b int, o Options) (Depth, error) {
	if o.Depth > 0 {
		return Depth{}, fmt.Errorf("tcp: depth %d: SO_SNDBUF and SO_RCVBUF budget skb true size, TCP coalesces writes and sysctl net.ipv4.tcp_wmem/tcp_rmem autotune, so no setting holds exactly %d messages: %w", o.Depth, o.Depth, ErrUnsupported)
	}
	snd, err := unix.GetsockoptInt(a, unix.SOL_SOCKET, unix.SO_SNDBUF)
	if err != nil {
		return Depth{}, fmt.Errorf("tcp: getsockopt SO_SNDBUF: %w", err)
	}
	rcv, err := unix.GetsockoptInt(b, unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		return Depth{}, fmt.Errorf("tcp: getsockopt SO_RCVBUF: %w", err)
	}
	return Depth{Msgs: (snd + rcv) / o.MessageBytes, Bytes: snd + rcv,
		Source: fmt.Sprintf("getsockopt SO_SNDBUF=%d + SO_RCVBUF=%d at the start (native, autotuned by net.ipv4.tcp_wmem/tcp_rmem; messages an upper bound)", snd, rcv)}, nil
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
