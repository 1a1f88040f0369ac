package transports

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Depth is how many messages of the case's size one direction of a
// transport holds in flight before the sender waits, as the kernel or the
// shared layout reports it, and how that came about.
type Depth struct {
	Msgs   int
	Bytes  int
	Source string // the call or layout that set or reported it
}

// DepthReporter is implemented by a Setup that knows its depth. New sets
// Options.Depth exactly or fails with ErrUnsupported; without it the
// transport keeps its native buffering and reports that.
type DepthReporter interface {
	Depth() Depth
}

// MaxDepth bounds Options.Depth: more than any kernel queue holds.
const MaxDepth = 1 << 20

// pageBytes is the size of a pipe buffer slot.
var pageBytes = os.Getpagesize()

// pipeMsgs is how many whole messages of size bytes a pipe of pipeBytes
// holds: a write that does not fit in the last page's room starts a new
// page, so a page holds page/size small messages and a large message takes
// whole pages of its own.
func pipeMsgs(pipeBytes, size int) int {
	pages := pipeBytes / pageBytes
	if size <= pageBytes {
		return pages * (pageBytes / size)
	}
	return pages / ((size + pageBytes - 1) / pageBytes)
}

// pipeBytesFor is the pipe size for depth messages of size bytes: whole
// pages, before the kernel rounds their count up to a power of two.
func pipeBytesFor(depth, size int) int {
	if size <= pageBytes {
		per := pageBytes / size
		return (depth + per - 1) / per * pageBytes
	}
	return depth * ((size + pageBytes - 1) / pageBytes) * pageBytes
}

// setPipeDepth sizes the pipe behind fd for depth messages of size bytes, or
// reads its native size when depth is 0, and says what it holds. A size that
// cannot hold exactly depth messages is ErrUnsupported.
func setPipeDepth(name string, fd uintptr, depth, size int) (Depth, error) {
	if depth > 0 {
		want := pipeBytesFor(depth, size)
		if _, err := unix.FcntlInt(fd, unix.F_SETPIPE_SZ, want); err != nil {
			return Depth{}, fmt.Errorf("%s: F_SETPIPE_SZ %d B for depth %d: %w (capped by sysctl fs.pipe-max-size=%d and fs.pipe-user-pages-soft/hard without CAP_SYS_RESOURCE): %w",
				name, want, depth, err, pipeMaxBytes(), ErrUnsupported)
		}
	}
	got, err := unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0)
	if err != nil {
		return Depth{}, fmt.Errorf("%s: F_GETPIPE_SZ: %w", name, err)
	}
	d := Depth{Msgs: pipeMsgs(got, size), Bytes: got, Source: fmt.Sprintf("F_GETPIPE_SZ=%d (native)", got)}
	if depth > 0 {
		d.Source = fmt.Sprintf("F_SETPIPE_SZ=%d", got)
		if d.Msgs != depth {
			return Depth{}, fmt.Errorf("%s: a pipe holds whole pages, a power of two of them: F_SETPIPE_SZ gives %d B, %d messages of %d B, not %d: %w",
				name, got, d.Msgs, size, depth, ErrUnsupported)
		}
	}
	return d, nil
}

// Depth reports what New recorded; zero where the transport recorded none.
func (f *fileSetup) Depth() Depth { return f.depth }
