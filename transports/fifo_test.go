package transports

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// withoutFds runs f while this process can open no file descriptor: it
// lowers RLIMIT_NOFILE and takes every descriptor left under it, as a run
// under `ulimit -n 8` does.
func withoutFds(t *testing.T, f func()) {
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

// TestFifoTeardownWithoutFds: a fifo case that failed for want of file
// descriptors must still remove its directory, and say so if it cannot.
func TestFifoTeardownWithoutFds(t *testing.T) {
	setup, err := newFifoSetup(Options{MessageBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	dir := setup.(*fifoSetup).dir
	defer os.RemoveAll(dir)
	var cerr error
	withoutFds(t, func() { cerr = setup.Close() })
	if cerr != nil {
		t.Errorf("Close with no descriptor left: %v", cerr)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("Close with no descriptor left: %s is still there (%v)", dir, err)
	}
}
