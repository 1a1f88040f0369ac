package transports

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// udp is two AF_INET SOCK_DGRAM sockets bound to 127.0.0.1 ephemeral ports,
// each connected to the other. Unlike an AF_UNIX datagram pair, UDP has no
// flow control: on loopback the sender's call delivers the datagram into the
// receiver's queue (or drops it) and never waits for the receiver, so a
// consumer that falls behind by more than its SO_RCVBUF loses datagrams. The
// harness's sequence check then fails the case ("expected message seq N,
// got seq M"). New raises SO_RCVBUF to net.core.rmem_max to make that rare,
// and Recv times out after udpRecvTimeout, naming the likely drop, so that a
// lost last datagram fails the case instead of waiting for the harness's
// case timeout.

// udpMaxPayloadBytes is the largest IPv4 UDP payload: a 65535 B IP datagram
// less 20 B of IP header and 8 B of UDP header.
const udpMaxPayloadBytes = 65535 - 20 - 8

// udpRecvTimeout bounds a wait in Recv (SO_RCVTIMEO): a peer that sends
// nothing for this long has lost a datagram, or is gone.
var udpRecvTimeout = unix.Timeval{Sec: 10}

// udpPair makes two sockets on 127.0.0.1, each bound to an ephemeral port
// and connected to the other, with SO_RCVBUF at rcvbuf when that is not 0.
func udpPair(rcvbuf int) (fds [2]int, err error) {
	fds = [2]int{-1, -1}
	defer func() {
		if err != nil {
			for _, fd := range fds {
				if fd >= 0 {
					unix.Close(fd)
				}
			}
		}
	}()
	var addrs [2]unix.Sockaddr
	for i := range fds {
		if fds[i], err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
			return fds, fmt.Errorf("udp: socket AF_INET SOCK_DGRAM: %w", err)
		}
		if err = unix.Bind(fds[i], &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return fds, fmt.Errorf("udp: bind 127.0.0.1:0: %w: %w", err, ErrUnsupported)
		}
		if addrs[i], err = unix.Getsockname(fds[i]); err != nil {
			return fds, fmt.Errorf("udp: getsockname: %w", err)
		}
		if rcvbuf > 0 {
			if err = unix.SetsockoptInt(fds[i], unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf); err != nil {
				return fds, fmt.Errorf("udp: setsockopt SO_RCVBUF=%d (sysctl net.core.rmem_max): %w", rcvbuf, err)
			}
		}
	}
	for i := range fds {
		if err = unix.Connect(fds[i], addrs[1-i]); err != nil {
			return fds, fmt.Errorf("udp: connect %d to its peer on 127.0.0.1: %w", i, err)
		}
	}
	return fds, nil
}

func newUDPSetup(o Options) (Setup, error) {
	if o.Depth > 0 {
		return nil, fmt.Errorf("udp: depth %d: a UDP sender never waits for its receiver: a datagram that does not fit the receiver's SO_RCVBUF (sysctl net.core.rmem_max) is dropped, so no setting holds exactly %d messages: %w", o.Depth, o.Depth, ErrUnsupported)
	}
	rmem, err := shm.Sysctl("net.core.rmem_max")
	if err != nil {
		return nil, fmt.Errorf("udp: %w", err)
	}
	fds, err := udpPair(rmem)
	if err != nil {
		return nil, err
	}
	s := &fileSetup{
		a: Handoff{Files: []*os.File{os.NewFile(uintptr(fds[0]), "udp-a")}},
		b: Handoff{Files: []*os.File{os.NewFile(uintptr(fds[1]), "udp-b")}},
	}
	rcv, err := unix.GetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("udp: getsockopt SO_RCVBUF: %w", err)
	}
	s.depth = Depth{Msgs: rcv / max(1, o.MessageBytes), Bytes: rcv,
		Source: fmt.Sprintf("setsockopt SO_RCVBUF=net.core.rmem_max (%d), getsockopt reports %d; the sender never waits, a datagram beyond it is dropped (messages an upper bound: each is charged its skb's true size)", rmem, rcv)}
	return s, nil
}

// udpConn is a packetConn whose errors name what UDP's lack of flow control
// makes likely: a Recv timeout is a lost datagram, and a refused Send a
// receiver that has gone (loopback answers with ICMP port unreachable).
type udpConn struct{ packetConn }

func (u *udpConn) Send(msg []byte) error {
	err := u.packetConn.Send(msg)
	if errors.Is(err, unix.ECONNREFUSED) {
		return fmt.Errorf("%w (the receiver's socket is closed: it stopped)", err)
	}
	return err
}

func (u *udpConn) Recv(msg []byte) error {
	err := u.packetConn.Recv(msg)
	if errors.Is(err, unix.EAGAIN) {
		return fmt.Errorf("%w: nothing for %v (SO_RCVTIMEO); loopback UDP drops a datagram when the receiver's SO_RCVBUF is full, and one was probably lost (raise sysctl net.core.rmem_max)", err, time.Duration(udpRecvTimeout.Nano()))
	}
	return err
}

func openUDP(_ Side, fds []int, _ []string, _ Options) (Conn, error) {
	if err := wantFds("udp", fds, 1); err != nil {
		return nil, err
	}
	if err := unix.SetsockoptTimeval(fds[0], unix.SOL_SOCKET, unix.SO_RCVTIMEO, &udpRecvTimeout); err != nil {
		return nil, fmt.Errorf("udp: setsockopt SO_RCVTIMEO fd=%d: %w", fds[0], err)
	}
	return &udpConn{packetConn{name: "udp", fd: fds[0]}}, nil
}

var udpLimitOnce = sync.OnceValues(probeUDPLimit)

// probeUDPLimit sends the largest IPv4 UDP payload over a pair set up as
// New sets one up, and searches down only if it does not arrive (a small
// net.core.rmem_max or wmem_max).
func probeUDPLimit() (Limit, error) {
	rmem, err := shm.Sysctl("net.core.rmem_max")
	if err != nil {
		return Limit{}, fmt.Errorf("udp: %w", err)
	}
	fds, err := udpPair(rmem)
	if err != nil {
		return Limit{}, err
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	probeWait := unix.Timeval{Usec: 200_000}
	if err := unix.SetsockoptTimeval(fds[1], unix.SOL_SOCKET, unix.SO_RCVTIMEO, &probeWait); err != nil {
		return Limit{}, fmt.Errorf("udp: setsockopt SO_RCVTIMEO: %w", err)
	}
	buf := make([]byte, udpMaxPayloadBytes+1)
	fits := func(n int) (bool, error) {
		if _, err := unix.SendmsgN(fds[0], buf[:n], nil, nil, unix.MSG_DONTWAIT); err != nil {
			if err == unix.EMSGSIZE || err == unix.ENOBUFS || err == unix.EAGAIN {
				return false, nil
			}
			return false, fmt.Errorf("udp: probe send of %d B: %w", n, err)
		}
		got, _, err := unix.Recvfrom(fds[1], buf, unix.MSG_TRUNC)
		if err == unix.EAGAIN {
			return false, nil // dropped
		}
		if err != nil {
			return false, fmt.Errorf("udp: probe recv of %d B: %w", n, err)
		}
		return got == n, nil
	}
	if ok, err := fits(udpMaxPayloadBytes); err != nil {
		return Limit{}, err
	} else if ok {
		return Limit{Bytes: udpMaxPayloadBytes, Source: "IPv4 UDP: 65535 B datagram − 28 B of IP and UDP headers; a probe over 127.0.0.1 carried it"}, nil
	}
	lo, hi := 1, udpMaxPayloadBytes // lo fits, hi does not
	if ok, err := fits(lo); err != nil || !ok {
		return Limit{}, fmt.Errorf("udp: a 1 B datagram does not arrive over 127.0.0.1: %v", err)
	}
	lo, err = largestFitting(lo, hi, fits)
	if err != nil {
		return Limit{}, err
	}
	return Limit{Bytes: lo, Source: fmt.Sprintf("kernel probe over 127.0.0.1 with SO_RCVBUF=net.core.rmem_max (%d), below IPv4's 65507 B; raise sysctl net.core.rmem_max and net.core.wmem_max", rmem)}, nil
}

func init() {
	Register(Descriptor{
		Name:     "udp",
		Order:    65,
		Doc:      "UDP over loopback (127.0.0.1), two connected sockets: message boundaries kept, no flow control",
		DataPath: "send(2) → UDP/IP stack → loopback → UDP/IP stack → receiver's queue → recv(2)",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one out, plus protocol processing; the sender never waits: a datagram beyond the receiver's SO_RCVBUF (raised to net.core.rmem_max) is dropped, and the case fails"},
		// Not MultiWriter: with no flow control, two producers into one
		// consumer overflow its queue on every run (measured on the
		// 2-vCPU guest), so a fanin case would only ever fail.
		MaxMessage:         udpLimitOnce,
		New:                newUDPSetup,
		Open:               openUDP,
		OptIn:              true,
		DropsUnderOverload: true,
	})
}
