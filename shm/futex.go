//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// futex(2) operations; x/sys/unix does not name them. Not the PRIVATE forms:
// the word lives in memory shared between processes.
const (
	futexWait = 0
	futexWake = 1
)

// FutexWait sleeps while *word holds val, until a FutexWake on the same word
// or, if timeout is not nil, until that relative time has passed. It returns
// at once if *word no longer holds val (EAGAIN), so a waker that changes the
// word before its FutexWake cannot be missed. A nil error says only that the
// wait ended: on a wake, on EAGAIN, or spuriously; a timeout returns
// unix.ETIMEDOUT. Either way the caller checks the word again.
//
// It retries EINTR, waiting the whole timeout again, and returns how many
// times it did. word must stay mapped while it sleeps. It blocks the OS
// thread without telling the Go runtime (see the package doc): a goroutine
// that another goroutine of this process must wake needs a P of its own.
func FutexWait(word *uint32, val uint32, timeout *unix.Timespec) (eintr int, err error) {
	for {
		_, _, e := unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait, uintptr(val),
			uintptr(unsafe.Pointer(timeout)), 0, 0)
		switch e {
		case 0, unix.EAGAIN:
			return eintr, nil
		case unix.EINTR:
			eintr++
			continue
		case unix.ETIMEDOUT:
			return eintr, e
		}
		return eintr, fmt.Errorf("futex FUTEX_WAIT addr=%#x val=%d: %w", uintptr(unsafe.Pointer(word)), val, e)
	}
}

// FutexWake wakes up to n sleepers in FutexWait on word and returns how many
// it woke. It does not block; it retries EINTR all the same and returns how
// many times it did.
func FutexWake(word *uint32, n int) (woken, eintr int, err error) {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake, uintptr(n), 0, 0, 0)
		switch e {
		case 0:
			return int(r), eintr, nil
		case unix.EINTR:
			eintr++
			continue
		}
		return 0, eintr, fmt.Errorf("futex FUTEX_WAKE addr=%#x n=%d: %w", uintptr(unsafe.Pointer(word)), n, e)
	}
}
