package transports

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// fifoSetup makes two named FIFOs in a private 0700 directory. The workers open
// them by path; once both have, Attached unlinks them and the directory.
type fifoSetup struct {
	fileSetup
	dir string
	// held are the parent's O_RDWR opens of the FIFOs, which keep each
	// pipe, and the size set on it, until both workers have opened it.
	held []int
}

func newFifoSetup(o Options) (Setup, error) {
	// shm.MkdirTemp records the dir in this process's ledger and marks it,
	// so that clean can prove ipcbench made it and tell whether its creator
	// lives. Removal goes by name and needs no file descriptor: a run out of
	// descriptors still removes it.
	dir, err := shm.MkdirTemp("fifo")
	if err != nil {
		return nil, fmt.Errorf("fifo: %w", err)
	}
	s := &fifoSetup{dir: dir}
	s.cleanup = func() error { return shm.RemoveTemp(dir, fifoNames...) }
	a2b, b2a := filepath.Join(dir, fifoNames[0]), filepath.Join(dir, fifoNames[1])
	for _, p := range []string{a2b, b2a} {
		if err := unix.Mkfifo(p, 0o600); err != nil {
			return nil, errors.Join(fmt.Errorf("fifo: mkfifo %s: %w", p, err), s.cleanup())
		}
	}
	s.a = Handoff{Args: []string{a2b, b2a}}
	s.b = Handoff{Args: []string{a2b, b2a}}
	rm := s.cleanup
	s.cleanup = func() error { return errors.Join(s.release(), rm()) }
	for _, p := range []string{b2a, a2b} {
		// O_RDWR on a FIFO opens at once on Linux (fifo(7)).
		fd, err := unix.Open(p, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("fifo: open %s to size it: %w", p, err), s.Close())
		}
		s.held = append(s.held, fd)
		if s.depth, err = setPipeDepth("fifo", uintptr(fd), o.Depth, o.MessageBytes); err != nil {
			return nil, errors.Join(err, s.Close())
		}
	}
	return s, nil
}

// release closes the parent's opens of the FIFOs.
func (s *fifoSetup) release() error {
	var err error
	for _, fd := range s.held {
		err = errors.Join(err, unix.Close(fd))
	}
	s.held = nil
	return err
}

// fifoNames are the FIFOs in a fifo setup's dir.
var fifoNames = []string{"a2b", "b2a"}

// What a fifo dir holds, so that clean removes these and nothing else.
func init() {
	shm.RegisterTempDir("fifo", shm.TempFiles{Names: fifoNames, Type: fs.ModeNamedPipe})
}

func (s *fifoSetup) Attached() error {
	if err := s.release(); err != nil {
		return fmt.Errorf("fifo: close the parent's opens: %w", err)
	}
	if err := shm.RemoveTemp(s.dir, fifoNames...); err != nil {
		return fmt.Errorf("fifo: unlink after open: %w", err)
	}
	return nil
}

func openFifo(side Side, _ []int, args []string, _ Options) (Conn, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("fifo: worker got %d paths, want 2", len(args))
	}
	a2b, b2a := args[0], args[1]
	// Both sides open a2b first: an open for reading blocks until a writer
	// opens, so opening in the same order on both sides cannot deadlock.
	open := func(path string, flag int) (int, error) {
		fd, err := unix.Open(path, flag|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("fifo: open %s: %w", path, err)
		}
		return fd, nil
	}
	if side == SideA {
		w, err := open(a2b, unix.O_WRONLY)
		if err != nil {
			return nil, err
		}
		r, err := open(b2a, unix.O_RDONLY)
		if err != nil {
			unix.Close(w)
			return nil, err
		}
		return &streamConn{name: "fifo", rfd: r, wfd: w}, nil
	}
	r, err := open(a2b, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	w, err := open(b2a, unix.O_WRONLY)
	if err != nil {
		unix.Close(r)
		return nil, err
	}
	return &streamConn{name: "fifo", rfd: r, wfd: w}, nil
}

func init() {
	Register(Descriptor{
		Name:     "fifo",
		Order:    20,
		Doc:      "two named FIFOs (mkfifo) in a private 0700 directory, unlinked once open",
		DataPath: "write(2) → pipe buffer (kernel) → read(2), opened by path",
		Framing:  Stream,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "same kernel path as pipe once open"},
		MultiWriter: true, AtomicWriteBytes: pipeBuf,
		MaxMessage: streamLimit,
		New:        newFifoSetup,
		Open:       openFifo,
	})
}
