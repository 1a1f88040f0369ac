package transports

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// newPipe returns an anonymous pipe as (read, write) files, close-on-exec in
// the parent; exec.Cmd.ExtraFiles clears the flag on the worker's copy.
func newPipe(name string) (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("%s: pipe2: %w (check ulimit -n)", name, err)
	}
	return os.NewFile(uintptr(p[0]), name+"-r"), os.NewFile(uintptr(p[1]), name+"-w"), nil
}

func newPipeSetup(o Options) (Setup, error) {
	s, err := newPipePair()
	if err != nil {
		return nil, err
	}
	if err := s.sizePipes("pipe", o.Depth, o.MessageBytes); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sizePipes sizes both pipes' buffers (see setPipeDepth) and records the
// a→b one's depth.
func (s *fileSetup) sizePipes(name string, depth, size int) error {
	for _, f := range []*os.File{s.b.Files[1], s.a.Files[1]} { // the write ends: b→a, then a→b
		d, err := setPipeDepth(name, f.Fd(), depth, size)
		if err != nil {
			return err
		}
		s.depth = d
	}
	return nil
}

func newPipePair() (*fileSetup, error) {
	abR, abW, err := newPipe("pipe-a2b")
	if err != nil {
		return nil, err
	}
	baR, baW, err := newPipe("pipe-b2a")
	if err != nil {
		abR.Close()
		abW.Close()
		return nil, err
	}
	return &fileSetup{
		a: Handoff{Files: []*os.File{baR, abW}},
		b: Handoff{Files: []*os.File{abR, baW}},
	}, nil
}

func openPipe(side Side, fds []int, _ []string, _ Options) (Conn, error) {
	if err := wantFds("pipe", fds, 2); err != nil {
		return nil, err
	}
	return &streamConn{name: "pipe", rfd: fds[0], wfd: fds[1]}, nil
}

func streamLimit() (Limit, error) {
	return Limit{Bytes: StreamCapBytes, Source: "byte stream: no kernel limit; ipcbench caps messages at 16 MiB"}, nil
}

func init() {
	Register(Descriptor{
		Name:     "pipe",
		Order:    10,
		Doc:      "two anonymous pipes, one per direction",
		DataPath: "write(2) → pipe buffer (kernel) → read(2)",
		Framing:  Stream,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one copy out; a message larger than the pipe buffer (64 KiB by default) takes more reads"},
		MultiWriter: true, AtomicWriteBytes: pipeBuf,
		MaxMessage: streamLimit,
		New:        newPipeSetup,
		Open:       openPipe,
	})
}

// pipeBuf is PIPE_BUF on Linux: a pipe write of at most this many bytes is
// atomic, so several writers' messages do not interleave (pipe(7)).
const pipeBuf = 4096
