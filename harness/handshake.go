package harness

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
// token and this process's pid, and returns the token for the specs.
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

// errNotFromRunner is why a worker refuses to start.
var errNotFromRunner = errors.New("the worker command is internal: ipcbench run starts it with a handshake on fd 5")

// checkHandshake runs first in a worker, before it trusts its arguments or
// writes to any inherited fd: fd 5 must be the runner's control memfd,
// holding the token of the spec, written by the worker's parent.
func checkHandshake(specJSON string) error {
	var s struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(specJSON), &s); err != nil || len(s.Token) != handshakeBytes {
		return fmt.Errorf("%w (no handshake token in --spec)", errNotFromRunner)
	}
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fdControl))
	if err != nil || !strings.HasPrefix(link, "/memfd:"+controlName) {
		return fmt.Errorf("%w (fd %d is %q, not the control memfd)", errNotFromRunner, fdControl, link)
	}
	var cb controlBlock
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&cb)), unsafe.Sizeof(cb))
	if n, err := unix.Pread(fdControl, raw, 0); err != nil || n != len(raw) {
		return fmt.Errorf("%w (cannot read fd %d: %v)", errNotFromRunner, fdControl, err)
	}
	if !bytes.Equal(cb.token[:], []byte(s.Token)) {
		return fmt.Errorf("%w (token mismatch)", errNotFromRunner)
	}
	if ppid := os.Getppid(); int64(ppid) != cb.parentPid {
		return fmt.Errorf("%w (parent pid %d did not write the handshake, pid %d did)", errNotFromRunner, ppid, cb.parentPid)
	}
	return nil
}
