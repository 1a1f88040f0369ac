package transports

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cma is cross-memory attach: the receiver copies each message straight out
// of the sender's buffer with process_vm_readv(2), one copy and no kernel
// buffer. Two AF_UNIX SOCK_SEQPACKET pairs carry the control: the sender
// writes a 16 B notice (its buffer's address and length) on the notice pair;
// the receiver reads it, copies the message and writes a 1 B ack on the ack
// pair, which tells the sender its buffer is free again.
//
// The sender does not wait for the ack in Send but at the start of its next
// Send or Recv (or Close): Send returns once the notice is written, so that
// a caller holding both ends in one goroutine (the conformance suite) can
// Send and then Recv. The buffer is therefore lent until that next call, as
// pipe-splice lends its pages: the harness sends from four rotating
// templates, and an echo's next Recv into the buffer it just sent waits for
// the ack first. So at most one message per direction is in flight.
//
// process_vm_readv needs ptrace access to the peer
// (PTRACE_MODE_ATTACH_REALCREDS): the same uid, and what Yama's
// kernel.yama.ptrace_scope allows. At 1 a process may read only its
// descendants, and the workers are siblings, so each names its peer with
// PR_SET_PTRACER in Open before it tells the peer it is ready.

// yamaScopePath is Yama's ptrace policy; a variable so that a test can point
// it at a file of its own.
var yamaScopePath = "/proc/sys/kernel/yama/ptrace_scope"

// hasPtraceCap says whether this process's effective capabilities include
// CAP_SYS_PTRACE; a variable so that a test can decide.
var hasPtraceCap = func() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData // version 3 fills two
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[0].Effective&(1<<unix.CAP_SYS_PTRACE) != 0
}

// cmaSetPtracerArg in a worker's args asks it to name its peer with
// PR_SET_PTRACER before the first message.
const cmaSetPtracerArg = "set-ptracer"

// cmaPtracePolicy reads Yama's policy and says whether each worker must name
// its peer with PR_SET_PTRACER, or why this host refuses cross-memory
// attach between two sibling processes (ErrUnsupported).
func cmaPtracePolicy() (setPtracer bool, err error) {
	b, err := os.ReadFile(yamaScopePath)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // no Yama: the ordinary ptrace rules, which the same uid meets
	}
	if err != nil {
		return false, fmt.Errorf("cma: read %s (sysctl kernel.yama.ptrace_scope): %w", yamaScopePath, err)
	}
	scope, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return false, fmt.Errorf("cma: %s holds %q, not a number: %w", yamaScopePath, b, err)
	}
	switch {
	case scope <= 0:
		return false, nil
	case scope == 1:
		return true, nil
	case scope == 2 && hasPtraceCap():
		return false, nil
	case scope == 2:
		return false, fmt.Errorf("cma: sysctl kernel.yama.ptrace_scope=2 lets only a process with CAP_SYS_PTRACE read another's memory with process_vm_readv, and this one lacks it; run as root or sysctl -w kernel.yama.ptrace_scope=1: %w", ErrUnsupported)
	default:
		return false, fmt.Errorf("cma: sysctl kernel.yama.ptrace_scope=%d forbids process_vm_readv on another process, and cannot be lowered until reboot; boot with sysctl -w kernel.yama.ptrace_scope=1 (sysctl.d): %w", scope, ErrUnsupported)
	}
}

func newCMASetup(o Options) (Setup, error) {
	if err := cmaSelfRead(); err != nil {
		return nil, err
	}
	setPtracer, err := cmaPtracePolicy()
	if err != nil {
		return nil, err
	}
	if o.Depth > 1 {
		return nil, fmt.Errorf("cma: depth %d: the receiver reads the sender's own buffer, and the sender waits for the ack of one message before it lends the next (the harness rotates four send buffers), so exactly 1 message is in flight: %w", o.Depth, ErrUnsupported)
	}
	var files [2][2]*os.File // [pair][side]: the notice pair, then the ack pair
	for i, name := range []string{"cma-notice", "cma-ack"} {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			if i == 1 {
				files[0][0].Close()
				files[0][1].Close()
			}
			return nil, fmt.Errorf("cma: socketpair AF_UNIX SOCK_SEQPACKET: %w (check ulimit -n)", err)
		}
		files[i] = [2]*os.File{os.NewFile(uintptr(fds[0]), name+"-a"), os.NewFile(uintptr(fds[1]), name+"-b")}
	}
	var args []string
	if setPtracer {
		args = []string{cmaSetPtracerArg}
	}
	return &fileSetup{
		a:     Handoff{Files: []*os.File{files[0][0], files[1][0]}, Args: args},
		b:     Handoff{Files: []*os.File{files[0][1], files[1][1]}, Args: args},
		depth: Depth{Msgs: 1, Bytes: o.MessageBytes, Source: "the design: the sender waits for the ack of one message before its next notice"},
	}, nil
}

// cmaSelfRead reads one byte of this process's own memory with
// process_vm_readv. A process may always read itself under the ptrace
// rules, so a refusal here can come only from a seccomp filter (a
// container runtime's profile), an LSM, or a kernel without the call: the
// host cannot run cma at all, which is a skip, not a failure.
func cmaSelfRead() error {
	err := cmaReadSelf()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EACCES):
		return fmt.Errorf("cma: process_vm_readv of this process's own memory: %w: a seccomp profile (a container runtime's), an LSM or the kernel refuses the call itself, whatever ptrace_scope says; allow process_vm_readv in the profile, or leave cma out of --transports: %w", err, ErrUnsupported)
	}
	return fmt.Errorf("cma: process_vm_readv of this process's own memory: %w", err)
}

// cmaReadSelf is the call cmaSelfRead makes; a test replaces it.
var cmaReadSelf = func() error {
	src, dst := [1]byte{1}, [1]byte{}
	local := []unix.Iovec{{Base: &dst[0]}}
	local[0].SetLen(1)
	remote := []unix.RemoteIovec{{Base: uintptr(unsafe.Pointer(&src[0])), Len: 1}}
	_, err := unix.ProcessVMReadv(os.Getpid(), local, remote, 0)
	if err == nil && dst[0] != 1 {
		return fmt.Errorf("read %d, want 1", dst[0])
	}
	return err
}

// cmaNoticeBytes is a notice: the sender's buffer address and its length,
// two uint64 in this host's byte order.
const cmaNoticeBytes = 16

type cmaConn struct {
	noticeFd, ackFd int
	peer            int // the peer worker's pid
	c               Counters
	out, in         [cmaNoticeBytes]byte
	ackBuf          [1]byte
	// lent is the buffer the peer may still be reading, kept reachable
	// until its ack; awaiting says an ack is due.
	lent     []byte
	awaiting bool
	local    unix.Iovec
	remote   unix.RemoteIovec
}

func openCMA(_ Side, fds []int, args []string, _ Options) (Conn, error) {
	if err := wantFds("cma", fds, 2); err != nil {
		return nil, err
	}
	m := &cmaConn{noticeFd: fds[0], ackFd: fds[1]}
	peer, err := cmaHandshake(fds[0], fds[1], slices.Contains(args, cmaSetPtracerArg))
	if err != nil {
		m.Close()
		return nil, err
	}
	m.peer = peer
	return m, nil
}

// cmaHandshake trades pids on the notice pair, names the peer with
// PR_SET_PTRACER where Yama asks for it, and then trades a ready byte on the
// ack pair, so that neither side reads the other's memory before the other
// allows it. Every write fits the empty socket's buffer, so two sides
// opening at once never wait on each other's write.
func cmaHandshake(noticeFd, ackFd int, setPtracer bool) (int, error) {
	var pid [8]byte
	binary.NativeEndian.PutUint64(pid[:], uint64(os.Getpid()))
	if _, err := unix.Write(noticeFd, pid[:]); err != nil {
		return 0, fmt.Errorf("cma: write pid fd=%d: %w", noticeFd, err)
	}
	if n, err := readFull(noticeFd, pid[:]); err != nil || n != len(pid) {
		return 0, fmt.Errorf("cma: read the peer's pid fd=%d: got %d of %d B: %v", noticeFd, n, len(pid), err)
	}
	peer := int(binary.NativeEndian.Uint64(pid[:]))
	if setPtracer {
		if err := unix.Prctl(unix.PR_SET_PTRACER, uintptr(peer), 0, 0, 0); err != nil {
			return 0, fmt.Errorf("cma: prctl PR_SET_PTRACER pid=%d (sysctl kernel.yama.ptrace_scope=1 lets a worker read only a peer that names it): %w", peer, err)
		}
	}
	ready := [1]byte{1}
	if _, err := unix.Write(ackFd, ready[:]); err != nil {
		return 0, fmt.Errorf("cma: write ready fd=%d: %w", ackFd, err)
	}
	if n, err := readFull(ackFd, ready[:]); err != nil || n != 1 {
		return 0, fmt.Errorf("cma: read the peer's ready byte fd=%d: %v (peer closed?)", ackFd, err)
	}
	return peer, nil
}

// readFull reads one record, retrying EINTR; outside the measured loop.
func readFull(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// awaitAck waits until the peer has copied the message lent last, if any.
func (m *cmaConn) awaitAck() error {
	if !m.awaiting {
		return nil
	}
	// The read was counted when the notice went out (Send); only its
	// retries count here.
	n, err := callCounted(unix.SYS_READ, m.ackFd, m.ackBuf[:], &m.c)
	m.c.Syscalls--
	if err != nil {
		return fmt.Errorf("cma: read ack fd=%d: %w", m.ackFd, err)
	}
	if n == 0 {
		return fmt.Errorf("cma: read ack fd=%d: peer closed before it acknowledged our %d B message", m.ackFd, len(m.lent))
	}
	m.awaiting, m.lent = false, nil
	return nil
}

func (m *cmaConn) Send(msg []byte) error {
	if err := m.awaitAck(); err != nil {
		return err
	}
	binary.NativeEndian.PutUint64(m.out[0:], uint64(uintptr(unsafe.Pointer(unsafe.SliceData(msg)))))
	binary.NativeEndian.PutUint64(m.out[8:], uint64(len(msg)))
	if _, err := callCounted(unix.SYS_WRITE, m.noticeFd, m.out[:], &m.c); err != nil {
		return fmt.Errorf("cma: write notice fd=%d size=%d: %w", m.noticeFd, len(msg), err)
	}
	m.lent, m.awaiting = msg, true
	// The ack read this message costs is counted with it, though it
	// happens at this side's next call: so a measured window of n messages
	// counts 5n calls, its last ack read falling after the window.
	m.c.Syscalls++
	return nil
}

func (m *cmaConn) Recv(msg []byte) error {
	// msg may be the very buffer this side lent last (an echo answers from
	// the buffer it receives into): the peer must be done with it first.
	if err := m.awaitAck(); err != nil {
		return err
	}
	n, err := callCounted(unix.SYS_READ, m.noticeFd, m.in[:], &m.c)
	if err != nil {
		return fmt.Errorf("cma: read notice fd=%d: %w", m.noticeFd, err)
	}
	if n == 0 {
		return fmt.Errorf("cma: read notice fd=%d: peer closed", m.noticeFd)
	}
	if n != cmaNoticeBytes {
		return fmt.Errorf("cma: read notice fd=%d: a %d B record, want %d B", m.noticeFd, n, cmaNoticeBytes)
	}
	addr := uintptr(binary.NativeEndian.Uint64(m.in[0:]))
	size := binary.NativeEndian.Uint64(m.in[8:])
	if size != uint64(len(msg)) {
		// Release the sender's buffer all the same: it will not be read.
		return errors.Join(fmt.Errorf("cma: got a %d B message, expected %d B", size, len(msg)), m.ack())
	}
	if err := m.readPeer(msg, addr); err != nil {
		return err
	}
	return m.ack()
}

func (m *cmaConn) ack() error {
	if _, err := callCounted(unix.SYS_WRITE, m.ackFd, m.ackBuf[:], &m.c); err != nil {
		return fmt.Errorf("cma: write ack fd=%d: %w", m.ackFd, err)
	}
	return nil
}

// readPeer copies len(msg) bytes from addr in the peer's memory into msg:
// the one copy, counted as bytes from the kernel.
func (m *cmaConn) readPeer(msg []byte, addr uintptr) error {
	for off := 0; off < len(msg); {
		m.local.Base = &msg[off]
		m.local.SetLen(len(msg) - off)
		m.remote = unix.RemoteIovec{Base: addr + uintptr(off), Len: len(msg) - off}
		m.c.Syscalls++
		n, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_READV, uintptr(m.peer),
			uintptr(unsafe.Pointer(&m.local)), 1, uintptr(unsafe.Pointer(&m.remote)), 1, 0)
		if e == unix.EINTR {
			m.c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return m.readError(e, off, len(msg))
		}
		if n == 0 {
			return fmt.Errorf("cma: process_vm_readv pid=%d: no progress after %d of %d B", m.peer, off, len(msg))
		}
		m.c.BytesFromKernel += uint64(n)
		off += int(n)
	}
	return nil
}

func (m *cmaConn) readError(e unix.Errno, off, size int) error {
	switch e {
	case unix.EPERM:
		return fmt.Errorf("cma: process_vm_readv pid=%d: %w: the kernel refuses this worker ptrace access to its peer (sysctl kernel.yama.ptrace_scope, the same uid, a dumpable peer); sysctl -w kernel.yama.ptrace_scope=1", m.peer, e)
	case unix.ESRCH:
		return fmt.Errorf("cma: process_vm_readv pid=%d after %d of %d B: %w (the peer exited)", m.peer, off, size, e)
	}
	return fmt.Errorf("cma: process_vm_readv pid=%d after %d of %d B: %w", m.peer, off, size, e)
}

func (m *cmaConn) Counters() *Counters { return &m.c }

// cmaCloseWaitMs bounds how long Close waits for the ack of the message
// lent last: this process must not exit while the peer still reads it.
const cmaCloseWaitMs = 10_000

func (m *cmaConn) Close() error {
	if m.awaiting {
		fds := []unix.PollFd{{Fd: int32(m.ackFd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, cmaCloseWaitMs)
			if err == unix.EINTR {
				continue
			}
			if n > 0 {
				_ = m.awaitAck() // a peer that closed has no more to read
			}
			break
		}
	}
	return errors.Join(unix.Close(m.noticeFd), unix.Close(m.ackFd))
}

func cmaLimit() (Limit, error) {
	return Limit{Bytes: StreamCapBytes, Source: "process_vm_readv has no limit of its own below 2 GiB; ipcbench caps messages at 16 MiB"}, nil
}

func init() {
	Register(Descriptor{
		Name:     "cma",
		Order:    140,
		Doc:      "cross-memory attach: the receiver copies each message out of the sender's memory with process_vm_readv",
		DataPath: "16 B notice (address, length) over a socket pair → process_vm_readv from the sender's buffer → 1 B ack over a second pair",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 1, SyscallsPerMsg: 5,
			Note: "one copy, sender's pages to receiver's, by process_vm_readv; write and read of the notice, write and read of the ack (control bytes, not copies); the sender reads the ack at its next call, so one message is in flight"},
		MaxMessage:   cmaLimit,
		ZeroCopySend: true,
		New:          newCMASetup,
		Open:         openCMA,
	})
}
