package transports

import (
	"fmt"
	"os"
	"sync"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// socketpairSetup creates a connected AF_UNIX pair of the given type. Buffers
// stay at the kernel's defaults, which is what applications get, unless a
// message socket must carry a message that does not fit in them: then
// SO_SNDBUF is raised to net.core.wmem_max. (A larger buffer lets a stream
// workload queue more, which shows as one-way latency.)
func socketpairSetup(name string, typ int, o Options) (Setup, error) {
	messageBytes := o.MessageBytes
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: socketpair: %w", name, err)
	}
	if typ != unix.SOCK_STREAM && messageBytes > defaultPacketBytes(fds[0]) {
		if err := raiseBuffers(name, fds[:]); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return nil, err
		}
	}
	s := &fileSetup{
		a: Handoff{Files: []*os.File{os.NewFile(uintptr(fds[0]), name+"-a")}},
		b: Handoff{Files: []*os.File{os.NewFile(uintptr(fds[1]), name+"-b")}},
	}
	if s.depth, err = sockDepth(name, fds, o.Depth, messageBytes); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func raiseBuffers(name string, fds []int) error {
	wmem, err := shm.Sysctl("net.core.wmem_max")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, fd := range fds {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, wmem); err != nil {
			return fmt.Errorf("%s: setsockopt SO_SNDBUF=%d: %w", name, wmem, err)
		}
	}
	return nil
}

// defaultPacketBytes is a conservative bound on the largest datagram the
// socket's current send buffer takes: the kernel refuses a datagram larger
// than SO_SNDBUF less its own overhead (32 B on Linux 6.x); half leaves room.
func defaultPacketBytes(fd int) int {
	sndbuf, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
	if err != nil {
		return 0
	}
	return sndbuf / 2
}

var packetLimits sync.Map // socket type → limitResult

type limitResult struct {
	l   Limit
	err error
}

// packetLimit finds the largest message an AF_UNIX socket of type typ
// accepts on this host by asking the kernel: it sends ever larger datagrams
// over a pair with SO_SNDBUF=net.core.wmem_max until one fails with EMSGSIZE.
// The kernel's own check (sk_sndbuf minus overhead) is what decides.
func packetLimit(name string, typ int) (Limit, error) {
	if v, ok := packetLimits.Load(typ); ok {
		r := v.(limitResult)
		return r.l, r.err
	}
	l, err := probePacketLimit(name, typ)
	packetLimits.Store(typ, limitResult{l, err})
	return l, err
}

func probePacketLimit(name string, typ int) (Limit, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return Limit{}, fmt.Errorf("%s: socketpair: %w: %w", name, err, ErrUnsupported)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if err := raiseBuffers(name, fds[:]); err != nil {
		return Limit{}, err
	}
	wmem, _ := shm.Sysctl("net.core.wmem_max")
	buf := make([]byte, 2*wmem+1)
	fits := func(n int) (bool, error) {
		if _, err := unix.SendmsgN(fds[0], buf[:n], nil, nil, unix.MSG_DONTWAIT); err != nil {
			if err == unix.EMSGSIZE || err == unix.ENOBUFS || err == unix.ENOMEM {
				return false, nil
			}
			return false, fmt.Errorf("%s: probe send of %d B: %w", name, n, err)
		}
		if _, _, err := unix.Recvfrom(fds[1], buf[:n], 0); err != nil {
			return false, fmt.Errorf("%s: probe recv of %d B: %w", name, n, err)
		}
		return true, nil
	}
	lo, hi := 1, len(buf) // lo fits, hi does not
	if ok, err := fits(lo); err != nil || !ok {
		return Limit{}, fmt.Errorf("%s: a 1 B message does not fit: %v", name, err)
	}
	if ok, err := fits(hi); err != nil {
		return Limit{}, err
	} else if ok {
		lo = hi
	}
	lo, err = largestFitting(lo, hi, fits)
	if err != nil {
		return Limit{}, err
	}
	return Limit{Bytes: lo, Source: fmt.Sprintf("kernel probe with SO_SNDBUF=net.core.wmem_max (%d); raise net.core.wmem_max for larger", wmem)}, nil
}

// largestFitting finds the largest n in [lo, hi) for which fits holds,
// given that it holds for lo and not for hi.
func largestFitting(lo, hi int, fits func(n int) (bool, error)) (int, error) {
	first, err := firstHolding(lo, hi, func(n int) (bool, error) {
		ok, err := fits(n)
		return !ok, err
	})
	return first - 1, err
}

// firstHolding finds by bisection the smallest n in (lo, hi] for which
// holds is true, given that it is false for lo and true for hi, and for
// every n above one where it is true: the largest message that fits, the
// smallest buffer that holds a depth.
func firstHolding(lo, hi int, holds func(n int) (bool, error)) (int, error) {
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := holds(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

func openSocket(name string, framing Framing) func(Side, []int, []string, Options) (Conn, error) {
	return func(_ Side, fds []int, _ []string, _ Options) (Conn, error) {
		if err := wantFds(name, fds, 1); err != nil {
			return nil, err
		}
		if framing == Stream {
			return &streamConn{name: name, rfd: fds[0], wfd: fds[0]}, nil
		}
		return &packetConn{name: name, fd: fds[0]}, nil
	}
}
