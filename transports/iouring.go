package transports

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ipcbench/ipcbench/internal/uring"
	"golang.org/x/sys/unix"
)

// The io-uring transport is unix-stream with every send and receive made as
// an io_uring operation: each worker sets up its own small ring, and each
// Send or Recv writes one IORING_OP_SEND or IORING_OP_RECV and submits it
// and waits for its completion in one io_uring_enter. So the syscalls per
// message equal write/read's, and what the figures show is io_uring's own
// overhead (request setup, the CQE) beside the plain calls.
//
// Send waits for its SEND to complete. Not waiting would not save a call:
// Send must still enter the kernel before it returns (the peer may be
// waiting for that message, and the harness may block elsewhere next), and
// msg is the caller's again once Send returns, so it would cost a copy into
// a slot the Conn owns.

// ioUringDisabledPath is the sysctl that gates io_uring_setup (Linux 6.6+):
// a variable so that a test can point it at a file of its own.
var ioUringDisabledPath = "/proc/sys/kernel/io_uring_disabled"

// ioUringEntries is the ring size: one operation is in flight at a time.
const ioUringEntries = 8

// ioUringSkip says why io_uring cannot run here, from the sysctl's value
// ("" where the kernel has none) and what a trial io_uring_setup returned;
// nil means it can.
func ioUringSkip(disabled string, setupErr error) error {
	switch strings.TrimSpace(disabled) {
	case "2":
		return fmt.Errorf("io-uring: kernel.io_uring_disabled=2 forbids io_uring for every process (sysctl -w kernel.io_uring_disabled=0): %w", ErrUnsupported)
	case "1":
		if errors.Is(setupErr, unix.EPERM) {
			return fmt.Errorf("io-uring: kernel.io_uring_disabled=1 lets only CAP_SYS_ADMIN and the group kernel.io_uring_group create rings (sysctl -w kernel.io_uring_disabled=0): %w", ErrUnsupported)
		}
	}
	switch {
	case setupErr == nil:
		return nil
	case errors.Is(setupErr, unix.ENOSYS):
		return fmt.Errorf("io-uring: io_uring_setup: %v: the kernel lacks io_uring (CONFIG_IO_URING) or a seccomp filter blocks it, as container runtimes' default profiles do (run with a profile that allows io_uring_setup, io_uring_enter): %w", setupErr, ErrUnsupported)
	case errors.Is(setupErr, unix.EPERM):
		return fmt.Errorf("io-uring: io_uring_setup: %v: a seccomp filter (container runtimes' default profiles) or an LSM refuses io_uring (allow io_uring_setup and io_uring_enter): %w", setupErr, ErrUnsupported)
	}
	return fmt.Errorf("io-uring: io_uring_setup: %w", setupErr)
}

// ioUringUsable sets up and closes a ring, so that the parent skips the case
// before it spawns workers that could not attach.
func ioUringUsable() error {
	disabled, err := os.ReadFile(ioUringDisabledPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("io-uring: read %s: %w", ioUringDisabledPath, err)
	}
	if skip := ioUringSkip(string(disabled), nil); skip != nil {
		return skip
	}
	r, err := uring.Setup(ioUringEntries)
	if skip := ioUringSkip(string(disabled), err); skip != nil {
		return skip
	}
	return r.Close()
}

// ioUringConn is one end of the socket pair with the worker's own ring.
type ioUringConn struct {
	fd   int
	ring *uring.Ring
	c    Counters
}

func openIOUring(_ Side, fds []int, _ []string, _ Options) (Conn, error) {
	if err := wantFds("io-uring", fds, 1); err != nil {
		return nil, err
	}
	r, err := uring.Setup(ioUringEntries)
	if err != nil {
		if skip := ioUringSkip("", err); skip != nil {
			return nil, skip
		}
		return nil, fmt.Errorf("io-uring: %w", err)
	}
	return &ioUringConn{fd: fds[0], ring: r}, nil
}

// Send makes one SEND; MSG_WAITALL has the kernel retry a partial send
// itself, so a message longer than the socket buffer still takes one enter
// (it completes as the peer drains). A short result is resumed anyway.
func (u *ioUringConn) Send(msg []byte) error {
	for off := 0; off < len(msg); {
		res, err := u.ring.Do(uring.OpSend, u.fd, msg[off:], unix.MSG_NOSIGNAL|unix.MSG_WAITALL, &u.c.Syscalls, &u.c.SyscallsInterrupted)
		if err == nil && res < 0 {
			err = unix.Errno(-res)
		}
		if err != nil {
			return fmt.Errorf("io-uring: SEND fd=%d after %d of %d B: %w", u.fd, off, len(msg), err)
		}
		u.c.BytesToKernel += uint64(res)
		off += int(res)
	}
	return nil
}

// Recv makes one RECV with MSG_WAITALL, which completes once all of msg
// has arrived, however many skbs it spans.
func (u *ioUringConn) Recv(msg []byte) error {
	for off := 0; off < len(msg); {
		res, err := u.ring.Do(uring.OpRecv, u.fd, msg[off:], unix.MSG_WAITALL, &u.c.Syscalls, &u.c.SyscallsInterrupted)
		if err == nil && res < 0 {
			err = unix.Errno(-res)
		}
		if err != nil {
			return fmt.Errorf("io-uring: RECV fd=%d after %d of %d B: %w", u.fd, off, len(msg), err)
		}
		if res == 0 {
			return fmt.Errorf("io-uring: RECV fd=%d: peer closed after %d of %d B", u.fd, off, len(msg))
		}
		u.c.BytesFromKernel += uint64(res)
		off += int(res)
	}
	return nil
}

func (u *ioUringConn) Counters() *Counters { return &u.c }

// Close closes the ring (unmapping it) and the socket.
func (u *ioUringConn) Close() error {
	return errors.Join(u.ring.Close(), unix.Close(u.fd))
}

func init() {
	Register(Descriptor{
		Name:     "io-uring",
		Order:    160,
		Doc:      "AF_UNIX SOCK_STREAM socket pair driven through io_uring",
		DataPath: "IORING_OP_SEND → socket buffer (skb) → IORING_OP_RECV, each submitted and reaped in one io_uring_enter(2)",
		Framing:  Stream,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy into an skb, one out; one io_uring_enter per Send and per Recv (submit and wait together); MSG_WAITALL keeps a large message to one enter a side"},
		MaxMessage:  streamLimit,
		NotInTaskIO: true,
		New: func(o Options) (Setup, error) {
			if err := ioUringUsable(); err != nil {
				return nil, err
			}
			return socketpairSetup("io-uring", unix.SOCK_STREAM, o)
		},
		Open: openIOUring,
	})
}
