package transports

import (
	"fmt"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// An AF_UNIX socket charges each queued message to the sender's SO_SNDBUF
// at its skb's true size (the message plus a few hundred bytes of
// overhead), and the kernel doubles the value set. So a depth in messages is
// not a byte count to compute: sockDepth asks the kernel, filling the
// a→b direction without blocking until it refuses, and searches SO_SNDBUF
// for a value at which exactly depth messages fit.

// fillCount is how many whole messages of size bytes a→b takes before the
// kernel says EAGAIN; it drains them from b again.
func fillCount(a, b, size int) (int, error) {
	buf := make([]byte, size)
	sent := 0
	for {
		n, err := unix.SendmsgN(a, buf, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		if err == unix.EAGAIN || err == unix.ENOBUFS || err == unix.EMSGSIZE {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("probe send: %w", err)
		}
		sent += n
		if n < size {
			break
		}
	}
	for got := 0; got < sent; {
		n, _, err := unix.Recvfrom(b, buf, unix.MSG_DONTWAIT)
		if err != nil {
			return 0, fmt.Errorf("probe recv after %d of %d B: %w", got, sent, err)
		}
		got += n
	}
	return sent / size, nil
}

// sockDepth sets SO_SNDBUF on both sockets so that each direction holds
// exactly depth messages, or reads the native buffering when depth is 0.
func sockDepth(name string, fds [2]int, depth, size int) (Depth, error) {
	measure := func(sndbuf int) (int, int, error) {
		if sndbuf > 0 {
			for _, fd := range fds {
				if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sndbuf); err != nil {
					return 0, 0, fmt.Errorf("%s: setsockopt SO_SNDBUF=%d: %w", name, sndbuf, err)
				}
			}
		}
		got, err := unix.GetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: getsockopt SO_SNDBUF: %w", name, err)
		}
		n, err := fillCount(fds[0], fds[1], size)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		return n, got, nil
	}
	if depth == 0 {
		n, got, err := measure(0)
		return Depth{Msgs: n, Bytes: got, Source: fmt.Sprintf("getsockopt SO_SNDBUF=%d (native), messages counted by filling it", got)}, err
	}
	wmem, err := shm.Sysctl("net.core.wmem_max")
	if err != nil {
		return Depth{}, fmt.Errorf("%s: %w", name, err)
	}
	// The smallest SO_SNDBUF that holds depth messages: the count grows
	// with the value set.
	lo, hi := 1, wmem
	if n, _, err := measure(hi); err != nil {
		return Depth{}, err
	} else if n < depth {
		return Depth{}, fmt.Errorf("%s: depth %d: SO_SNDBUF=net.core.wmem_max (%d) holds %d messages of %d B; raise sysctl net.core.wmem_max: %w", name, depth, wmem, n, size, ErrUnsupported)
	}
	hi, err = firstHolding(lo, hi, func(v int) (bool, error) {
		n, _, err := measure(v)
		return n >= depth, err
	})
	if err != nil {
		return Depth{}, err
	}
	n, got, err := measure(hi)
	if err != nil {
		return Depth{}, err
	}
	if n != depth {
		return Depth{}, fmt.Errorf("%s: depth %d: no SO_SNDBUF holds exactly %d messages of %d B (SO_SNDBUF=%d set, %d reported, holds %d; skb overhead per message): %w", name, depth, depth, size, hi, got, n, ErrUnsupported)
	}
	return Depth{Msgs: n, Bytes: got, Source: fmt.Sprintf("setsockopt SO_SNDBUF=%d, getsockopt reports %d (doubled, skb overhead counted); %d messages counted by filling it", hi, got, n)}, nil
}
