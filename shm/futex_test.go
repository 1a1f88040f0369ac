//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFutexWaitReturns covers the waits that end without a waker: a word
// that no longer holds the value (EAGAIN, a nil error) and a timeout. A
// wait that a wake ends is covered across processes by the shm-ring
// transports' tests.
func TestFutexWaitReturns(t *testing.T) {
	word := uint32(7)
	short := unix.NsecToTimespec(int64(time.Millisecond))
	for _, tc := range []struct {
		name    string
		val     uint32
		timeout *unix.Timespec
		want    error
	}{
		{"word moved", 6, nil, nil},
		{"timeout", 7, &short, unix.ETIMEDOUT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FutexWait(&word, tc.val, tc.timeout); err != tc.want {
				t.Errorf("FutexWait(word=7, val=%d) = %v, want %v", tc.val, err, tc.want)
			}
		})
	}
	if woken, _, err := FutexWake(&word, 1); woken != 0 || err != nil {
		t.Errorf("FutexWake with no sleeper = %d, %v; want 0, nil", woken, err)
	}
}
