package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/shm"
	"github.com/ipcbench/ipcbench/transports"
	"golang.org/x/sys/unix"
)

// The relay workload is the seeds' server/client file transfer: side A reads
// a file and sends it in messages of S bytes, side B writes what it receives
// to another file. Where the transport offers transports.InPlace, A reads the
// file straight into the shared slot and B writes the file straight from it,
// which is how the seeds count two copies for shared memory.

// relayMessages is how many messages a relay sends when --count is not set:
// a 16 MiB file, but at least 16 and at most 20000 messages.
func relayMessages(sizeBytes int) uint64 {
	return uint64(max(16, min(20000, (16<<20)/sizeBytes)))
}

// relayFiles is the parent's side of a relay: a private directory with the
// input file and, after the run, the output file.
type relayFiles struct {
	dir, in, out string
	sumIn        string // sha256 of the input
}

func newRelayFiles(sizeBytes int, messages uint64) (*relayFiles, error) {
	// Recorded in the ledger and marked, so that clean can prove ipcbench
	// made it (see shm.MkdirTemp).
	dir, err := shm.MkdirTemp("relay")
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	r := &relayFiles{dir: dir, in: filepath.Join(dir, "in"), out: filepath.Join(dir, "out")}
	f, err := os.OpenFile(r.in, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("relay: create input: %w", err), r.remove())
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{'i', 'p', 'c'})
	if _, err := io.CopyN(io.MultiWriter(f, h), src, int64(sizeBytes)*int64(messages)); err != nil {
		f.Close()
		return nil, errors.Join(fmt.Errorf("relay: write input %s: %w", r.in, err), r.remove())
	}
	if err := f.Close(); err != nil {
		return nil, errors.Join(fmt.Errorf("relay: close input: %w", err), r.remove())
	}
	r.sumIn = hex.EncodeToString(h.Sum(nil))
	return r, nil
}

// verify checks that the output equals the input byte for byte, by hash.
func (r *relayFiles) verify() error {
	f, err := os.Open(r.out)
	if err != nil {
		return fmt.Errorf("relay: open output: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("relay: read output: %w", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != r.sumIn {
		return fmt.Errorf("relay: output sha256 %s differs from input sha256 %s", sum, r.sumIn)
	}
	return nil
}

// remove removes the relay's files and dir by name, which needs no file
// descriptor; it is safe to call twice.
func (r *relayFiles) remove() error {
	if err := shm.RemoveTemp(r.dir, filepath.Base(r.in), filepath.Base(r.out)); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}

// openRelayFile opens a worker's relay file: side A reads, side B writes.
func openRelayFile(spec Spec) (int, error) {
	flags := unix.O_RDONLY
	if spec.Side == transports.SideB {
		flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL
	}
	fd, err := unix.Open(spec.RelayFile, flags|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, fmt.Errorf("relay: open %s: %w", spec.RelayFile, err)
	}
	return fd, nil
}

// fileRead fills p from fd, counting calls and bytes as file→user copies.
func fileRead(fd int, p []byte, c *transports.Counters) error {
	for off := 0; off < len(p); {
		c.Syscalls++
		n, err := unix.Read(fd, p[off:])
		if err == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if err != nil {
			return fmt.Errorf("relay: read input: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("relay: input ended after %d of %d B of a message", off, len(p))
		}
		c.BytesFromKernel += uint64(n)
		off += n
	}
	return nil
}

// fileWrite writes all of p to fd, counting calls and bytes as user→file copies.
func fileWrite(fd int, p []byte, c *transports.Counters) error {
	for off := 0; off < len(p); {
		c.Syscalls++
		n, err := unix.Write(fd, p[off:])
		if err == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if err != nil {
			return fmt.Errorf("relay: write output: %w", err)
		}
		c.BytesToKernel += uint64(n)
		off += n
	}
	return nil
}

func (l *loop) relayRead(stop *atomic.Uint64, count uint64) error {
	inPlace, _ := l.conn.(transports.InPlace)
	for seq := uint64(0); seq < count; seq++ {
		if seq+1 == count {
			stop.Store(count)
		}
		if inPlace != nil {
			slot, err := inPlace.SendSlot()
			if err != nil {
				return err
			}
			if err := fileRead(l.file, slot, &l.fileIO); err != nil {
				return err
			}
			if err := inPlace.SendCommit(); err != nil {
				return err
			}
		} else {
			// Four buffers in turn (the unused message templates), so that a
			// transport that lends its pages to the kernel (pipe-splice) never
			// has one rewritten while it is in flight.
			buf := l.msgs.tmpl[seq%messageVariants]
			if err := fileRead(l.file, buf, &l.fileIO); err != nil {
				return err
			}
			if err := l.conn.Send(buf); err != nil {
				return err
			}
		}
		l.sent++
	}
	l.endNs = nanotime()
	return nil
}

func (l *loop) relayWrite(stop *atomic.Uint64) error {
	inPlace, _ := l.conn.(transports.InPlace)
	for seq := uint64(0); ; seq++ {
		if inPlace != nil {
			slot, err := inPlace.RecvSlot()
			if err != nil {
				return err
			}
			if err := fileWrite(l.file, slot, &l.fileIO); err != nil {
				return err
			}
			if err := inPlace.RecvRelease(); err != nil {
				return err
			}
		} else {
			if err := l.conn.Recv(l.buf); err != nil {
				return err
			}
			if err := fileWrite(l.file, l.buf, &l.fileIO); err != nil {
				return err
			}
		}
		l.received++
		if stop.Load() == seq+1 {
			l.endNs = nanotime()
			return nil
		}
	}
}
