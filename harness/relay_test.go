package harness

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// withoutFds runs f while this process can open no file descriptor, as a
// run under `ulimit -n 8` does.
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

// TestRelayFilesRemovedWithoutFds: a relay case that failed for want of file
// descriptors must still remove its directory.
func TestRelayFilesRemovedWithoutFds(t *testing.T) {
	r, err := newRelayFiles(64, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(r.dir)
	if err := os.WriteFile(r.out, []byte("out"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rerr error
	withoutFds(t, func() { rerr = r.remove() })
	if rerr != nil {
		t.Errorf("remove with no descriptor left: %v", rerr)
	}
	if _, err := os.Lstat(r.dir); !os.IsNotExist(err) {
		t.Errorf("remove with no descriptor left: %s is still there (%v)", r.dir, err)
	}
}

// TestRelayTeardownErrorJoinsTheCaseError: a case that failed and then could
// not remove what it made reports both errors, not only the first.
func TestRelayTeardownErrorJoinsTheCaseError(t *testing.T) {
	caseErr := errors.New("pipe for start barrier: pipe2: too many open files")
	teardownErr := errors.New("rmdir /tmp/ipcbench-fifo-x: permission denied")
	for _, tc := range []struct {
		err, cerr error
		want      []string
	}{
		{caseErr, teardownErr, []string{caseErr.Error(), "fifo: tear down: " + teardownErr.Error()}},
		{nil, teardownErr, []string{"fifo: tear down: " + teardownErr.Error()}},
		{caseErr, nil, []string{caseErr.Error()}},
	} {
		t.Run(fmt.Sprint(tc.err, "+", tc.cerr), func(t *testing.T) {
			got := joinTeardown(tc.err, "fifo", tc.cerr)
			for _, w := range tc.want {
				if got == nil || !strings.Contains(got.Error(), w) {
					t.Errorf("joinTeardown = %v, want it to say %q", got, w)
				}
			}
			if tc.err != nil && !errors.Is(got, tc.err) || tc.cerr != nil && !errors.Is(got, tc.cerr) {
				t.Errorf("joinTeardown = %v does not wrap both errors", got)
			}
		})
	}
}
