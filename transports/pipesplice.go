package transports

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pipe-splice: two pipes, as pipe, but the sender hands its pages to the
// pipe with vmsplice(2) instead of copying them in with write(2). The pipe
// then holds references to the sender's memory, and the receiver's read(2)
// is the one copy: user pages → receiver's buffer.
//
// Because the pipe refers to the sender's pages, the sender must not
// rewrite a message until it has been read. The harness sends from four
// rotating buffers, so the parent sizes each pipe to hold at most two whole
// messages' pages (a pipe slot holds one page or less): with a third
// partly spliced, the buffer rewritten next is never in flight. A larger
// message is spliced in parts as the reader drains the pipe.

// pipeSpliceBytes is the pipe size for messages of size bytes: the largest
// power-of-two number of pages (what F_SETPIPE_SZ accepts) at most twice a
// message's pages, and at most fs.pipe-max-size.
func pipeSpliceBytes(size, maxBytes int) int {
	page := os.Getpagesize()
	slots := 2 * ((size + page - 1) / page)
	n := 1
	for n*2 <= slots && (n*2)*page <= maxBytes {
		n <<= 1
	}
	return n * page
}

func pipeMaxBytes() int {
	b, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err != nil {
		return 1 << 20
	}
	n := 0
	fmt.Sscan(string(b), &n)
	return n
}

func newPipeSpliceSetup(o Options) (Setup, error) {
	fs, err := newPipePair()
	if err != nil {
		return nil, err
	}
	pagesPerMsg := (o.MessageBytes + pageBytes - 1) / pageBytes
	msgs := 2
	if o.Depth > 0 {
		if o.Depth > 2 {
			fs.Close()
			return nil, fmt.Errorf("pipe-splice: depth %d: the pipe refers to the sender's pages until they are read, and the harness rotates four send buffers, so at most 2 messages may be in flight: %w", o.Depth, ErrUnsupported)
		}
		msgs = o.Depth
	}
	want := pipeSpliceBytes(o.MessageBytes, pipeMaxBytes())
	if o.Depth > 0 {
		want = msgs * pagesPerMsg * pageBytes
	}
	for _, f := range []*os.File{fs.a.Files[1], fs.b.Files[1]} { // the write ends
		got, err := unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, want)
		if err != nil || got != want {
			fs.Close()
			if o.Depth > 0 {
				return nil, fmt.Errorf("pipe-splice: F_SETPIPE_SZ %d B for depth %d: %v (got %d; a power of two of pages, capped by sysctl fs.pipe-max-size): %w", want, o.Depth, err, got, ErrUnsupported)
			}
			return nil, fmt.Errorf("pipe-splice: F_SETPIPE_SZ %d B: %v (got %d)", want, err, got)
		}
	}
	// Each vmsplice'd page is a pipe slot of its own: no two messages share one.
	fs.depth = Depth{Msgs: want / pageBytes / pagesPerMsg, Bytes: want, Source: fmt.Sprintf("F_SETPIPE_SZ=%d, one slot per spliced page", want)}
	if o.Depth > 0 && fs.depth.Msgs != o.Depth {
		fs.Close()
		return nil, fmt.Errorf("pipe-splice: F_SETPIPE_SZ %d B holds %d messages of %d B, not %d: %w", want, fs.depth.Msgs, o.MessageBytes, o.Depth, ErrUnsupported)
	}
	return fs, nil
}

func openPipeSplice(side Side, fds []int, _ []string, _ Options) (Conn, error) {
	if err := wantFds("pipe-splice", fds, 2); err != nil {
		return nil, err
	}
	return &spliceConn{streamConn{name: "pipe-splice", rfd: fds[0], wfd: fds[1]}}, nil
}

// spliceConn receives as a stream conn does, with read(2), and sends with
// vmsplice(2), which copies nothing.
type spliceConn struct{ streamConn }

func (s *spliceConn) Send(msg []byte) error {
	for off := 0; off < len(msg); {
		iov := unix.Iovec{Base: &msg[off]}
		iov.SetLen(len(msg) - off)
		s.c.Syscalls++
		n, _, e := unix.RawSyscall6(unix.SYS_VMSPLICE, uintptr(s.wfd), uintptr(unsafe.Pointer(&iov)), 1, 0, 0, 0)
		if e == unix.EINTR {
			s.c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return fmt.Errorf("pipe-splice: vmsplice fd=%d after %d of %d B: %w", s.wfd, off, len(msg), e)
		}
		off += int(n)
	}
	return nil
}

func pipeSpliceLimit() (Limit, error) {
	return Limit{Bytes: StreamCapBytes, Source: "a stream: larger messages are spliced in parts; ipcbench caps messages at 16 MiB"}, nil
}

func init() {
	Register(Descriptor{
		Name:     "pipe-splice",
		Order:    100,
		Doc:      "two pipes; the sender vmsplices its pages into the pipe, the receiver reads them",
		DataPath: "vmsplice(2) (page references, no copy) → pipe → read(2) (one copy)",
		Framing:  Stream,
		Model: CostModel{CopiesPerMsg: 1, SyscallsPerMsg: 2,
			Note: "the pipe holds references to the sender's pages, so the only copy is the receiver's read; each pipe holds at most two messages, so the sender never rewrites pages still in flight"},
		MaxMessage:   pipeSpliceLimit,
		ZeroCopySend: true,
		New:          newPipeSpliceSetup,
		Open:         openPipeSplice,
	})
}
