package harness

import (
	"fmt"
	"sync/atomic"

	"github.com/ipcbench/ipcbench/transports"
	"golang.org/x/sys/unix"
)

// A relay's worker side: side A reads the input file into messages, side B
// writes them to the output file (see relayfiles.go for the parent's side).

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
