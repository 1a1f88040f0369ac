package harness

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// A relay's worker side: side A reads the input file into messages, side B
// writes them to the output file (see relayfiles.go for the parent's side).

func init() {
	registerLoops(workloads.FileReader, &roleLoops{plain: (*loop).relayRead, sends: true})
	registerLoops(workloads.FileWriter, &roleLoops{plain: (*loop).relayWrite, receives: true})
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

// fileRead fills p from fd at off, counting calls and bytes as file→user
// copies. It is a raw pread(2), as the transports' calls are raw.
func fileRead(fd int, p []byte, off int64, c *transports.Counters) error {
	for done := 0; done < len(p); {
		c.Syscalls++
		n, _, e := unix.RawSyscall6(unix.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&p[done])), uintptr(len(p)-done), uintptr(off+int64(done)), 0, 0)
		if e == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return fmt.Errorf("relay: pread input: %w", e)
		}
		if n == 0 {
			return fmt.Errorf("relay: input ended after %d of %d B of a message at offset %d", done, len(p), off)
		}
		c.BytesFromKernel += uint64(n)
		done += int(n)
	}
	return nil
}

// fileWrite writes all of p to fd at off, counting calls and bytes as
// user→file copies, with a raw pwrite(2).
func fileWrite(fd int, p []byte, off int64, c *transports.Counters) error {
	for done := 0; done < len(p); {
		c.Syscalls++
		n, _, e := unix.RawSyscall6(unix.SYS_PWRITE64, uintptr(fd), uintptr(unsafe.Pointer(&p[done])), uintptr(len(p)-done), uintptr(off+int64(done)), 0, 0)
		if e == unix.EINTR {
			c.SyscallsInterrupted++
			continue
		}
		if e != 0 {
			return fmt.Errorf("relay: pwrite output: %w", e)
		}
		c.BytesToKernel += uint64(n)
		done += int(n)
	}
	return nil
}

// relayOffset is where message seq lies in the file: the relay goes over
// the file again and again.
func (l *loop) relayOffset(seq uint64) int64 {
	return int64(seq%l.relayMsgs) * int64(l.msgs.size)
}

// relayRead sends the input file, from its start and over again, until
// count messages, or until the deadline once it has sent the file at
// least once (so that the output's hash checks every message's offset).
func (l *loop) relayRead(stop *atomic.Uint64, count uint64, deadline int64) error {
	inPlace, _ := l.conn.(transports.InPlace)
	for seq := uint64(0); ; seq++ {
		last := count > 0 && seq+1 >= count ||
			count == 0 && seq+1 >= l.relayMsgs && l.clk.now() >= deadline
		if last {
			stop.Store(seq + 1)
		}
		if inPlace != nil {
			slot, err := inPlace.SendSlot()
			if err != nil {
				return err
			}
			if err := fileRead(l.file, slot, l.relayOffset(seq), &l.fileIO); err != nil {
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
			if err := fileRead(l.file, buf, l.relayOffset(seq), &l.fileIO); err != nil {
				return err
			}
			if err := l.conn.Send(buf); err != nil {
				return err
			}
		}
		l.sent++
		if last {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}

func (l *loop) relayWrite(stop *atomic.Uint64, _ uint64, _ int64) error {
	inPlace, _ := l.conn.(transports.InPlace)
	for seq := uint64(0); ; seq++ {
		if inPlace != nil {
			slot, err := inPlace.RecvSlot()
			if err != nil {
				return err
			}
			if err := fileWrite(l.file, slot, l.relayOffset(seq), &l.fileIO); err != nil {
				return err
			}
			if err := inPlace.RecvRelease(); err != nil {
				return err
			}
		} else {
			if err := l.conn.Recv(l.buf); err != nil {
				return err
			}
			if err := fileWrite(l.file, l.buf, l.relayOffset(seq), &l.fileIO); err != nil {
				return err
			}
		}
		l.received++
		if stop.Load() == seq+1 {
			l.endTicks = l.clk.now()
			return nil
		}
	}
}
