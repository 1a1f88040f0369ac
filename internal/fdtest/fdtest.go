// Package fdtest lets a test run code while its process can open no file
// descriptor, as a run under `ulimit -n 8` does, to check that teardown
// paths work without one.
package fdtest

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// WithoutFds runs f while this process can open no file descriptor: it
// lowers RLIMIT_NOFILE and takes every descriptor left under it, and gives
// both back when f returns.
func WithoutFds(t testing.TB, f func()) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := unix.Rlimit{Cur: min(old.Cur, 4096), Max: old.Max}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("setrlimit RLIMIT_NOFILE: %v", err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	var held []int
	defer func() {
		for _, fd := range held {
			unix.Close(fd)
		}
	}()
	for {
		fd, err := unix.Dup(0)
		if errors.Is(err, unix.EMFILE) {
			break
		}
		if err != nil {
			t.Fatalf("dup: %v", err)
		}
		held = append(held, fd)
	}
	f()
}
