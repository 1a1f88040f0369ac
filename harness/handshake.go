package harness

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

const handshakeBytes = 32

// controlName names the control memfd, which a worker checks on fd 5.
const controlName = "ipcbench-control"

// writeHandshake fills the control block's handshake with a fresh random
// token and this process's pid, and returns the token, which the parent
// then writes into each worker's start-barrier pipe before it starts the
// worker (sendToken). The token never travels on a command line, which
// every user can read in ps or /proc/PID/cmdline.
func writeHandshake(ctlFd int) (string, error) {
	var tok [handshakeBytes / 2]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return "", fmt.Errorf("worker handshake token: %w", err)
	}
	token := hex.EncodeToString(tok[:])
	var cb controlBlock
	copy(cb.token[:], token)
	cb.parentPid = int64(os.Getpid())
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&cb)), unsafe.Sizeof(cb))
	off := unsafe.Offsetof(cb.token)
	if _, err := unix.Pwrite(ctlFd, raw[off:], int64(off)); err != nil {
		return "", fmt.Errorf("write worker handshake to control memfd: %w", err)
	}
	return token, nil
}

// sendToken puts the handshake token at the head of a worker's start
// barrier pipe, ahead of the start byte. The pipe is new and empty, and the
// token is far below its capacity, so the write never blocks.
func sendToken(goW *os.File, token string) error {
	if _, err := goW.Write([]byte(token)); err != nil {
		return fmt.Errorf("write worker handshake token to the start pipe: %w", err)
	}
	return nil
}

// errNotFromRunner is why a worker refuses to start.
var errNotFromRunner = errors.New("the worker command is internal: ipcbench run starts it with a handshake on fds 3 and 5")

// checkHandshake runs first in a worker, before it trusts its arguments or
// writes to any inherited fd: fd 5 must be the runner's control memfd,
// written by the worker's parent, and fd 3 a pipe that already holds the
// same token. The token is read without waiting, so a worker started by
// hand is refused at once rather than left blocked on whatever fd 3 is.
func checkHandshake() error {
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fdControl))
	if err != nil || !strings.HasPrefix(link, "/memfd:"+controlName) {
		return fmt.Errorf("%w (fd %d is %q, not the control memfd)", errNotFromRunner, fdControl, link)
	}
	var cb controlBlock
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&cb)), unsafe.Sizeof(cb))
	if n, err := unix.Pread(fdControl, raw, 0); err != nil || n != len(raw) {
		return fmt.Errorf("%w (cannot read fd %d: %v)", errNotFromRunner, fdControl, err)
	}
	if ppid := os.Getppid(); int64(ppid) != cb.parentPid {
		return fmt.Errorf("%w (parent pid %d did not write the handshake, pid %d did)", errNotFromRunner, ppid, cb.parentPid)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fdGo, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return fmt.Errorf("%w (fd %d is not the start pipe: %v)", errNotFromRunner, fdGo, err)
	}
	pfd := []unix.PollFd{{Fd: fdGo, Events: unix.POLLIN}}
	if n, err := unix.Poll(pfd, 0); err != nil || n != 1 || pfd[0].Revents&unix.POLLIN == 0 {
		return fmt.Errorf("%w (no handshake token waiting on fd %d)", errNotFromRunner, fdGo)
	}
	var tok [handshakeBytes]byte
	if n, err := unix.Read(fdGo, tok[:]); err != nil || n != len(tok) {
		return fmt.Errorf("%w (short handshake token on fd %d: %d bytes, %v)", errNotFromRunner, fdGo, n, err)
	}
	if !bytes.Equal(cb.token[:], tok[:]) {
		return fmt.Errorf("%w (token mismatch)", errNotFromRunner)
	}
	return nil
}
