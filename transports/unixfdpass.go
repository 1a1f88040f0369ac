package transports

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// unix-fdpass: each message is handed over as a file, not as bytes. The
// sender puts the message in a fresh memfd and passes the fd over an AF_UNIX
// SOCK_SEQPACKET pair with SCM_RIGHTS; the receiver maps the file and reads
// it there. The payload never goes through a socket buffer: no copy through
// the kernel, but a run of syscalls and a mapping on each side per message.
//
// Per message, not pooled. This is the pattern applications use when they
// pass a large buffer by fd (Wayland's wl_shm pools aside, systemd-journald's
// sealed memfds, D-Bus and Binder's fd passing): a fresh memfd every time,
// which is what "fd passing" costs. A pool (the sender reuses N memfds, the
// receiver keeps their mappings by inode) is faster, but after the first
// round it is shared memory with a socket for a doorbell, which shm-slots
// measures already; so there is none here.
//
// The sender, per message (7 syscalls):
//
//	memfd_create(MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_NOEXEC_SEAL) → ftruncate(len)
//	→ mmap(MAP_SHARED) → copy the message in → munmap
//	→ fcntl(F_ADD_SEALS, SHRINK|GROW|WRITE|SEAL) → sendmsg(SCM_RIGHTS) → close
//
// The receiver, per message (6 syscalls):
//
//	recvmsg(MSG_CMSG_CLOEXEC|MSG_TRUNC) → fcntl(F_GET_SEALS) → fstat
//	→ mmap(PROT_READ, MAP_SHARED) → copy the message out → munmap → close
//
// Copies: the message is copied into the mapping in user space and out of
// it in user space, two user-space copies (BytesCopiedInUser) and none
// through the kernel; pwrite/pread instead would have made them kernel
// copies and saved the mappings, but then the fd is only a detour around a
// pipe. The in-place calls (InPlace) hand out the mappings themselves: the
// producer builds the message in the fresh memfd, the consumer reads it where
// the kernel put it, no copy at all.
//
// Seals: the receiver trusts a size only if the sender cannot change it
// after the check (a shrink would turn the receiver's reads into SIGBUS) nor
// the bytes after they are read (a write seal). So the sender seals before
// it passes, and the receiver checks the seals (F_GET_SEALS), then the size
// (fstat), before it maps: one fcntl each side per message, and the sender
// must unmap before F_SEAL_WRITE (the kernel refuses the seal while a
// writable shared mapping exists), so it cannot keep its mapping for reuse.
//
// Faults: the sender's fresh memfd has no pages, so filling it takes a
// minor fault per page (the page is allocated there); the receiver's
// mapping takes faults to map the pages the sender filled (fault-around
// maps up to 16 at a time). The harness records ru_minflt per message
// (minor_faults_per_msg). MAP_POPULATE would move that work into mmap; it
// is left out, as most applications do.
//
// The notice itself carries no bytes: a zero-length datagram with the fd,
// which SOCK_SEQPACKET allows, and the size comes from the sealed file. A
// zero-length read without the fd is the peer closing (SEQPACKET reports
// that as 0), and an error. SEQPACKET rather than DGRAM for that reason: a
// datagram pair never reports the peer gone, so a receiver would hang.
//
// Depth: the kernel charges each notice to SO_SNDBUF at its skb's size, a
// few hundred bytes, not at the memfd's: at the default buffer a sender may
// run hundreds of messages ahead, each holding its memfd's pages (and an fd
// in flight, bounded by RLIMIT_NOFILE). New reports that native figure
// (278 notices at 212992 B on Linux 6.18), and --depth sets SO_SNDBUF so
// that exactly N notices fit, which bounds the memfds in flight to N.

const fdpassName = "unix-fdpass"

// fdpassSeals are the seals the sender sets and the receiver requires.
const fdpassSeals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL

// fdpassMaxFds is how many fds the receiver's control buffer takes, so that
// a peer that passes more than one is seen, and every fd closed, rather
// than truncated.
const fdpassMaxFds = 8

var fdpassProbe struct {
	once  sync.Once
	flags uintptr // memfd_create flags this kernel takes
	err   error
}

// memfdFlags finds the memfd_create flags this kernel takes: with
// MFD_NOEXEC_SEAL (Linux 6.3; without it 6.3+ warns in its log and makes
// the file executable), or without on older kernels. ENOSYS is
// ErrUnsupported.
func memfdFlags() (uintptr, error) {
	p := &fdpassProbe
	p.once.Do(func() {
		base := uintptr(unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING)
		for _, flags := range []uintptr{base | unix.MFD_NOEXEC_SEAL, base} {
			fd, err := unix.MemfdCreate("ipcbench-probe", int(flags))
			if err == nil {
				unix.Close(fd)
				p.flags = flags
				return
			}
			if err == unix.ENOSYS {
				p.err = fmt.Errorf("%s: memfd_create: %w (Linux 3.17 or later): %w", fdpassName, err, ErrUnsupported)
				return
			}
			p.err = fmt.Errorf("%s: memfd_create flags %#x: %w", fdpassName, flags, err)
		}
	})
	return p.flags, p.err
}

func newFdpassSetup(o Options) (Setup, error) {
	if _, err := memfdFlags(); err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: socketpair: %w", fdpassName, err)
	}
	s := &fileSetup{
		a: Handoff{Files: []*os.File{os.NewFile(uintptr(fds[0]), fdpassName+"-a")}},
		b: Handoff{Files: []*os.File{os.NewFile(uintptr(fds[1]), fdpassName+"-b")}},
	}
	if s.depth, err = fdpassDepth(fds, o.Depth, o.MessageBytes); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// fdpassFill counts how many notices a→b takes before the kernel says
// EAGAIN (or ETOOMANYREFS: fds in flight past RLIMIT_NOFILE), each a
// zero-length message passing the probe memfd as Send's notices do, and
// drains them again, closing every fd received.
func fdpassFill(fds [2]int, probe int) (n int, limit string, err error) {
	ctl := make([]byte, unix.CmsgSpace(4*fdpassMaxFds))
	rights := unix.UnixRights(probe)
	var h unix.Msghdr
	limit = "EAGAIN"
	for ; n < MaxDepth; n++ {
		h = unix.Msghdr{Control: &rights[0]}
		h.SetControllen(len(rights))
		_, _, e := unix.Syscall(unix.SYS_SENDMSG, uintptr(fds[0]), uintptr(unsafe.Pointer(&h)), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		if e == unix.EAGAIN || e == unix.ETOOMANYREFS || e == unix.ENOBUFS {
			if e == unix.ETOOMANYREFS {
				limit = "ETOOMANYREFS (fds in flight past RLIMIT_NOFILE)"
			}
			break
		}
		if e != 0 {
			err = fmt.Errorf("%s: depth probe: sendmsg after %d: %w", fdpassName, n, e)
			break
		}
	}
	for i := 0; i < n; i++ {
		_, oobn, _, _, e := unix.Recvmsg(fds[1], nil, ctl, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
		if e != nil {
			return 0, "", fmt.Errorf("%s: depth probe: recvmsg %d of %d: %w", fdpassName, i, n, e)
		}
		msgs, _ := unix.ParseSocketControlMessage(ctl[:oobn])
		for _, m := range msgs {
			got, _ := unix.ParseUnixRights(&m)
			for _, fd := range got {
				unix.Close(fd)
			}
		}
	}
	return n, limit, err
}

// fdpassDepth reads the notices a direction holds natively, or, for
// --depth, sets SO_SNDBUF on both sockets to the smallest value that holds
// depth of them, searched as sockDepth does for data sockets: the kernel
// charges each notice at its skb's true size, not at its memfd's, so the
// bytes held in flight are depth × the message size in memfds.
func fdpassDepth(fds [2]int, depth, size int) (Depth, error) {
	flags, _ := memfdFlags()
	probe, err := unix.MemfdCreate("ipcbench-depth-probe", int(flags))
	if err != nil {
		return Depth{}, fmt.Errorf("%s: depth probe: memfd_create: %w", fdpassName, err)
	}
	defer unix.Close(probe)
	measure := func(sndbuf int) (n, got int, limit string, err error) {
		if sndbuf > 0 {
			for _, fd := range fds {
				if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sndbuf); err != nil {
					return 0, 0, "", fmt.Errorf("%s: setsockopt SO_SNDBUF=%d: %w", fdpassName, sndbuf, err)
				}
			}
		}
		if got, err = unix.GetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF); err != nil {
			return 0, 0, "", fmt.Errorf("%s: getsockopt SO_SNDBUF: %w", fdpassName, err)
		}
		n, limit, err = fdpassFill(fds, probe)
		return n, got, limit, err
	}
	if depth == 0 {
		n, got, limit, err := measure(0)
		return Depth{Msgs: n, Bytes: n * size, Source: fmt.Sprintf(
			"SO_SNDBUF=%d (native) charges each notice, not its memfd: %d notices until %s, counted by filling it", got, n, limit)}, err
	}
	wmem, err := shm.Sysctl("net.core.wmem_max")
	if err != nil {
		return Depth{}, fmt.Errorf("%s: %w", fdpassName, err)
	}
	if n, _, limit, err := measure(wmem); err != nil {
		return Depth{}, err
	} else if n < depth {
		return Depth{}, fmt.Errorf("%s: depth %d: SO_SNDBUF=net.core.wmem_max (%d) holds %d notices (until %s); raise sysctl net.core.wmem_max: %w", fdpassName, depth, wmem, n, limit, ErrUnsupported)
	}
	lo, hi := 1, wmem // the count grows with the value set
	hi, err = firstHolding(lo, hi, func(v int) (bool, error) {
		n, _, _, err := measure(v)
		return n >= depth, err
	})
	if err != nil {
		return Depth{}, err
	}
	n, got, _, err := measure(hi)
	if err != nil {
		return Depth{}, err
	}
	if n != depth {
		return Depth{}, fmt.Errorf("%s: depth %d: no SO_SNDBUF holds exactly %d notices (SO_SNDBUF=%d set, %d reported, holds %d): %w", fdpassName, depth, depth, hi, got, n, ErrUnsupported)
	}
	return Depth{Msgs: n, Bytes: n * size, Source: fmt.Sprintf(
		"setsockopt SO_SNDBUF=%d, getsockopt reports %d; %d notices counted by filling it, each passing a memfd of the message", hi, got, n)}, nil
}

// fdpassConn is one worker's end: a SOCK_SEQPACKET socket, and the message
// headers and control buffers of both directions, prepared once so that
// Send and Recv do not allocate.
type fdpassConn struct {
	sock  int
	size  int // the case's message size
	flags uintptr
	name  [16]byte // "ipcbench-fdpass\x00", memfd_create's name

	shdr unix.Msghdr
	sctl [24]byte // unix.CmsgSpace(4): one SCM_RIGHTS header and one fd
	rhdr unix.Msghdr
	rctl [16 + 4*fdpassMaxFds]byte // unix.CmsgSpace(4*fdpassMaxFds)
	st   unix.Stat_t

	outFd  int // the memfd being filled (SendSlot → SendCommit), or -1
	outMap []byte
	inFd   int // the memfd being read (RecvSlot → RecvRelease), or -1
	inMap  []byte
	c      Counters
}

func openFdpass(_ Side, fds []int, _ []string, o Options) (Conn, error) {
	if err := wantFds(fdpassName, fds, 1); err != nil {
		return nil, err
	}
	flags, err := memfdFlags()
	if err != nil {
		return nil, err
	}
	if unix.CmsgSpace(4) != len(fdpassConn{}.sctl) || unix.CmsgSpace(4*fdpassMaxFds) != len(fdpassConn{}.rctl) {
		return nil, fmt.Errorf("%s: control buffers of %d and %d B, the kernel's layout wants %d and %d",
			fdpassName, len(fdpassConn{}.sctl), len(fdpassConn{}.rctl), unix.CmsgSpace(4), unix.CmsgSpace(4*fdpassMaxFds))
	}
	f := &fdpassConn{sock: fds[0], size: o.MessageBytes, flags: flags, outFd: -1, inFd: -1}
	copy(f.name[:], "ipcbench-fdpass")
	h := (*unix.Cmsghdr)(unsafe.Pointer(&f.sctl[0]))
	h.Level, h.Type = unix.SOL_SOCKET, unix.SCM_RIGHTS
	h.SetLen(unix.CmsgLen(4))
	f.shdr.Control = &f.sctl[0]
	f.shdr.SetControllen(len(f.sctl))
	f.rhdr.Control = &f.rctl[0]
	return f, nil
}

// call makes one raw syscall (fdconn.go says why raw), counted, and
// retries EINTR.
func (f *fdpassConn) call(trap, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, error) {
	for {
		f.c.Syscalls++
		r, _, e := unix.RawSyscall6(trap, a1, a2, a3, a4, a5, a6)
		if e == unix.EINTR {
			f.c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return 0, e
		}
		return r, nil
	}
}

// closeFd closes fd once: Linux releases the fd even when close says EINTR,
// so a retry could close another thread's new fd.
func (f *fdpassConn) closeFd(fd int) error {
	f.c.Syscalls++
	if _, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

// mmap maps n bytes of fd; the slice lies outside Go's heap, and is not
// safe to use after munmap.
func (f *fdpassConn) mmap(fd, n, prot int) ([]byte, error) {
	addr, err := f.call(unix.SYS_MMAP, 0, uintptr(n), uintptr(prot), unix.MAP_SHARED, uintptr(fd), 0)
	if err != nil {
		return nil, err
	}
	// addr is not a Go pointer; reading it through memory keeps vet's
	// uintptr-to-Pointer check quiet without changing what it is.
	return unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))), n), nil
}

func (f *fdpassConn) munmap(b []byte) error {
	f.c.Syscalls++
	if _, _, e := unix.RawSyscall(unix.SYS_MUNMAP, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0); e != 0 {
		return e
	}
	return nil
}

// create makes a memfd of n bytes and maps it writable: the outgoing slot.
func (f *fdpassConn) create(n int) ([]byte, error) {
	if f.outFd >= 0 {
		return nil, fmt.Errorf("%s: a memfd is already being filled (SendSlot twice without SendCommit)", fdpassName)
	}
	r, err := f.call(unix.SYS_MEMFD_CREATE, uintptr(unsafe.Pointer(&f.name[0])), f.flags, 0, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: memfd_create: %w", fdpassName, err)
	}
	fd := int(r)
	if _, err := f.call(unix.SYS_FTRUNCATE, uintptr(fd), uintptr(n), 0, 0, 0, 0); err != nil {
		f.closeFd(fd)
		return nil, fmt.Errorf("%s: ftruncate memfd=%d to %d B: %w", fdpassName, fd, n, err)
	}
	m, err := f.mmap(fd, n, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		f.closeFd(fd)
		return nil, fmt.Errorf("%s: mmap memfd=%d of %d B: %w", fdpassName, fd, n, err)
	}
	f.outFd, f.outMap = fd, m
	return m, nil
}

// commit unmaps the filled memfd, seals it, passes it and closes the
// sender's fd; the memfd lives on in the socket until the peer takes it.
func (f *fdpassConn) commit() error {
	fd, n := f.outFd, len(f.outMap)
	if fd < 0 {
		return fmt.Errorf("%s: SendCommit without SendSlot", fdpassName)
	}
	err := f.munmap(f.outMap)
	f.outFd, f.outMap = -1, nil
	if err != nil {
		f.closeFd(fd)
		return fmt.Errorf("%s: munmap memfd=%d of %d B: %w", fdpassName, fd, n, err)
	}
	if _, err := f.call(unix.SYS_FCNTL, uintptr(fd), unix.F_ADD_SEALS, fdpassSeals, 0, 0, 0); err != nil {
		f.closeFd(fd)
		return fmt.Errorf("%s: fcntl F_ADD_SEALS memfd=%d: %w", fdpassName, fd, err)
	}
	*(*int32)(unsafe.Pointer(&f.sctl[unix.CmsgLen(0)])) = int32(fd)
	if _, err := f.call(unix.SYS_SENDMSG, uintptr(f.sock), uintptr(unsafe.Pointer(&f.shdr)), unix.MSG_NOSIGNAL, 0, 0, 0); err != nil {
		f.closeFd(fd)
		return fmt.Errorf("%s: sendmsg fd=%d passing memfd=%d of %d B: %w", fdpassName, f.sock, fd, n, err)
	}
	if err := f.closeFd(fd); err != nil {
		return fmt.Errorf("%s: close memfd=%d after passing it: %w", fdpassName, fd, err)
	}
	return nil
}

// receive takes the next memfd, checks it is one sealed file of want bytes,
// and maps it read-only: the incoming slot. Every fd that arrived is closed
// on every error.
func (f *fdpassConn) receive(want int) ([]byte, error) {
	if f.inFd >= 0 {
		return nil, fmt.Errorf("%s: a memfd is already held (RecvSlot twice without RecvRelease)", fdpassName)
	}
	f.rhdr.SetControllen(len(f.rctl))
	f.rhdr.Flags = 0
	// MSG_TRUNC: with no buffer for it, recvmsg returns the length of
	// any data a faulty peer put beside the fd, and drops the data.
	n, err := f.call(unix.SYS_RECVMSG, uintptr(f.sock), uintptr(unsafe.Pointer(&f.rhdr)), unix.MSG_CMSG_CLOEXEC|unix.MSG_TRUNC, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: recvmsg fd=%d: %w", fdpassName, f.sock, err)
	}
	fd, nfds, err := f.takeFd()
	if err == nil && nfds == 0 && n == 0 {
		err = fmt.Errorf("%s: recvmsg fd=%d: peer closed (no fd passed)", fdpassName, f.sock)
	}
	if err == nil && nfds == 0 {
		err = fmt.Errorf("%s: recvmsg fd=%d: no fd passed, a notice of %d B", fdpassName, f.sock, n)
	}
	if err == nil && f.rhdr.Flags&unix.MSG_CTRUNC != 0 {
		err = fmt.Errorf("%s: recvmsg fd=%d: control data truncated (MSG_CTRUNC): more than %d fds passed", fdpassName, f.sock, fdpassMaxFds)
	}
	if err == nil && nfds != 1 {
		err = fmt.Errorf("%s: recvmsg fd=%d: %d fds passed in one message, expected 1", fdpassName, f.sock, nfds)
	}
	if err == nil && n != 0 {
		err = fmt.Errorf("%s: recvmsg fd=%d: a notice of %d B, expected none beside the fd", fdpassName, f.sock, n)
	}
	if err != nil {
		if fd >= 0 {
			f.closeFd(fd)
		}
		return nil, err
	}
	// Seals first: once the size is sealed, the size fstat reads holds.
	seals, err := f.call(unix.SYS_FCNTL, uintptr(fd), unix.F_GET_SEALS, 0, 0, 0, 0)
	if err != nil || seals&fdpassSeals != fdpassSeals {
		f.closeFd(fd)
		return nil, fmt.Errorf("%s: memfd=%d: seals %#x (%v), want %#x (shrink, grow, write, seal) so that its size and bytes hold", fdpassName, fd, seals, err, fdpassSeals)
	}
	if _, err := f.call(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(&f.st)), 0, 0, 0, 0); err != nil {
		f.closeFd(fd)
		return nil, fmt.Errorf("%s: fstat memfd=%d: %w", fdpassName, fd, err)
	}
	if f.st.Size != int64(want) {
		f.closeFd(fd)
		return nil, fmt.Errorf("%s: memfd=%d: got a %d B message, expected %d B", fdpassName, fd, f.st.Size, want)
	}
	m, err := f.mmap(fd, want, unix.PROT_READ)
	if err != nil {
		f.closeFd(fd)
		return nil, fmt.Errorf("%s: mmap memfd=%d of %d B: %w", fdpassName, fd, want, err)
	}
	f.inFd, f.inMap = fd, m
	return m, nil
}

// takeFd walks the received control messages: it returns the first fd
// passed and how many were, and closes every fd past the first. The
// message headers are read in place, so nothing is allocated.
func (f *fdpassConn) takeFd() (fd, nfds int, err error) {
	fd = -1
	ctl := f.rctl[:f.rhdr.Controllen]
	hdrLen := unix.CmsgLen(0)
	for len(ctl) >= hdrLen {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
		l := int(h.Len)
		if l < hdrLen || l > len(ctl) {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_RIGHTS {
			for off := hdrLen; off+4 <= l; off += 4 {
				got := int(*(*int32)(unsafe.Pointer(&ctl[off])))
				if nfds == 0 {
					fd = got
				} else {
					f.closeFd(got)
				}
				nfds++
			}
		} else if err == nil {
			err = fmt.Errorf("%s: recvmsg fd=%d: control message level %d type %d, expected SCM_RIGHTS", fdpassName, f.sock, h.Level, h.Type)
		}
		step := unix.CmsgSpace(l - hdrLen)
		if step > len(ctl) {
			break
		}
		ctl = ctl[step:]
	}
	if (err != nil || nfds != 1) && fd >= 0 {
		f.closeFd(fd)
		fd = -1
	}
	return fd, nfds, err
}

// release unmaps and closes the received memfd; its pages go with it.
func (f *fdpassConn) release() error {
	fd, m := f.inFd, f.inMap
	if fd < 0 {
		return fmt.Errorf("%s: RecvRelease without RecvSlot", fdpassName)
	}
	f.inFd, f.inMap = -1, nil
	err := f.munmap(m)
	if e := f.closeFd(fd); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("%s: munmap and close memfd=%d of %d B: %w", fdpassName, fd, len(m), err)
	}
	return nil
}

func (f *fdpassConn) Send(msg []byte) error {
	m, err := f.create(len(msg))
	if err != nil {
		return err
	}
	f.c.BytesCopiedInUser += uint64(CopyCached(m, msg))
	return f.commit()
}

func (f *fdpassConn) Recv(msg []byte) error {
	m, err := f.receive(len(msg))
	if err != nil {
		return err
	}
	f.c.BytesCopiedInUser += uint64(CopyCached(msg, m))
	return f.release()
}

func (f *fdpassConn) SendSlot() ([]byte, error) { return f.create(f.size) }
func (f *fdpassConn) SendCommit() error         { return f.commit() }
func (f *fdpassConn) RecvSlot() ([]byte, error) { return f.receive(f.size) }
func (f *fdpassConn) RecvRelease() error        { return f.release() }
func (f *fdpassConn) Counters() *Counters       { return &f.c }

// Close drops a memfd still being filled or read, then the socket.
func (f *fdpassConn) Close() error {
	var errs []error
	if f.outFd >= 0 {
		errs = append(errs, f.munmap(f.outMap), f.closeFd(f.outFd))
		f.outFd, f.outMap = -1, nil
	}
	if f.inFd >= 0 {
		errs = append(errs, f.munmap(f.inMap), f.closeFd(f.inFd))
		f.inFd, f.inMap = -1, nil
	}
	errs = append(errs, unix.Close(f.sock))
	return errors.Join(errs...)
}

func init() {
	Register(Descriptor{
		Name:  fdpassName,
		Order: 150,
		Doc:   "each message in a fresh sealed memfd, its fd passed with SCM_RIGHTS over an AF_UNIX SOCK_SEQPACKET pair; the receiver maps it",
		DataPath: "memfd_create, ftruncate, mmap, memcpy in, munmap, seal → sendmsg(SCM_RIGHTS), close ⇢ " +
			"recvmsg → F_GET_SEALS, fstat → mmap, memcpy out → munmap, close",
		Framing: Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 13,
			Note: "two user-space copies, none through the kernel (in place: none); 7 syscalls to send, 6 to receive, and a mapping each side with its page faults"},
		MaxMessage: func() (Limit, error) {
			if _, err := memfdFlags(); err != nil {
				return Limit{}, err
			}
			return Limit{Bytes: StreamCapBytes, Source: "a memfd per message has no kernel limit short of memory; ipcbench caps messages at 16 MiB"}, nil
		},
		InPlace: true,
		New:     newFdpassSetup,
		Open:    openFdpass,
	})
}
