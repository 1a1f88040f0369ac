// Package lenprefix is an example of a transport built outside ipcbench:
// a pair of pipes whose messages each carry a 4-byte length prefix, so
// that a byte stream keeps message boundaries. It registers itself as
// "pipe-lenprefix" when imported; cmd/ipcbench in this module builds an
// ipcbench that includes it (see ../README.md).
//
// It shows what a Conn owes the harness: exactly one message of exactly
// len(msg) bytes per call, a wrong length refused with both lengths named,
// no allocation in Send or Recv, EINTR retried, and its syscalls and the
// payload bytes they copied counted (transports.Counting), so that the
// copies it reports are measured, not claimed.
package lenprefix

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/ipcbench/ipcbench/transports"
	"golang.org/x/sys/unix"
)

// Name is the transport's name in --transports and in results.
const Name = "pipe-lenprefix"

func init() {
	transports.Register(transports.Descriptor{
		Name:     Name,
		Order:    1000, // after the built-ins
		Doc:      "example extension: a pipe per direction, each message prefixed with its length",
		DataPath: "write(2) of a 4 B length, write(2) of the payload → pipe buffer → read(2) of the length, read(2) of the payload",
		Framing:  transports.Datagram,
		Model: transports.CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 4,
			Note: "a copy into the pipe buffer and one out; two writes and two reads, one pair for the 4 B prefix"},
		MaxMessage: func() (transports.Limit, error) {
			return transports.Limit{Bytes: transports.StreamCapBytes, Source: "ipcbench's stream cap (transports.StreamCapBytes)"}, nil
		},
		New:  newSetup,
		Open: open,
		// OptIn keeps it out of a run that does not name it.
		OptIn: true,
	})
}

// setup holds the parent's ends of the two pipes: a→b and b→a.
type setup struct{ ab, ba [2]*os.File }

func newSetup(transports.Options) (transports.Setup, error) {
	var s setup
	for _, p := range []*[2]*os.File{&s.ab, &s.ba} {
		r, w, err := os.Pipe()
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: pipe2: %w (raise ulimit -n if out of descriptors)", Name, err)
		}
		p[0], p[1] = r, w
	}
	return &s, nil
}

// Handoff gives side a the write end of a→b and the read end of b→a, and
// side b the other two: each worker gets fds (send, receive).
func (s *setup) Handoff(side transports.Side) transports.Handoff {
	if side == transports.SideA {
		return transports.Handoff{Files: []*os.File{s.ab[1], s.ba[0]}}
	}
	return transports.Handoff{Files: []*os.File{s.ba[1], s.ab[0]}}
}

// Attached has no names to remove: pipes have none.
func (s *setup) Attached() error { return nil }

func (s *setup) Close() error {
	var errs []error
	for _, f := range []*os.File{s.ab[0], s.ab[1], s.ba[0], s.ba[1]} {
		if f == nil {
			continue
		}
		// The harness closed its copies after handing them over.
		if err := f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			errs = append(errs, err)
		}
	}
	*s = setup{}
	return errors.Join(errs...)
}

// conn is one worker's end: it sends on fds[0] and receives on fds[1].
type conn struct {
	send, recv int
	prefix     [4]byte // scratch for the length, so that nothing allocates
	counters   transports.Counters
}

func open(_ transports.Side, fds []int, _ []string, _ transports.Options) (transports.Conn, error) {
	if len(fds) != 2 {
		return nil, fmt.Errorf("%s: got %d fds, want 2 (send, receive)", Name, len(fds))
	}
	return &conn{send: fds[0], recv: fds[1]}, nil
}

func (c *conn) Counters() *transports.Counters { return &c.counters }

func (c *conn) Send(msg []byte) error {
	binary.LittleEndian.PutUint32(c.prefix[:], uint32(len(msg)))
	if err := c.write(c.prefix[:], false); err != nil {
		return err
	}
	return c.write(msg, true)
}

func (c *conn) Recv(msg []byte) error {
	if err := c.read(c.prefix[:], false); err != nil {
		return err
	}
	if n := binary.LittleEndian.Uint32(c.prefix[:]); int(n) != len(msg) {
		return fmt.Errorf("%s: got a %d B message, expected %d B", Name, n, len(msg))
	}
	return c.read(msg, true)
}

// write writes all of b, counting the call and, for payload, its bytes.
func (c *conn) write(b []byte, payload bool) error {
	for len(b) > 0 {
		n, err := unix.Write(c.send, b)
		c.counters.Syscalls++
		if errors.Is(err, unix.EINTR) {
			c.counters.SyscallsInterrupted++
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: write: %w", Name, err)
		}
		if payload {
			c.counters.BytesToKernel += uint64(n)
		}
		b = b[n:]
	}
	return nil
}

// read fills all of b, counting as write does; end of file is an error.
func (c *conn) read(b []byte, payload bool) error {
	for len(b) > 0 {
		n, err := unix.Read(c.recv, b)
		c.counters.Syscalls++
		if errors.Is(err, unix.EINTR) {
			c.counters.SyscallsInterrupted++
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: read: %w", Name, err)
		}
		if n == 0 {
			return fmt.Errorf("%s: read: the peer closed its end", Name)
		}
		if payload {
			c.counters.BytesFromKernel += uint64(n)
		}
		b = b[n:]
	}
	return nil
}

func (c *conn) Close() error {
	return errors.Join(unix.Close(c.send), unix.Close(c.recv))
}
