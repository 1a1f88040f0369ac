package transports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestIOUringSkip checks the skip decision from the sysctl's value and what
// io_uring_setup returned: each reason names what to change.
func TestIOUringSkip(t *testing.T) {
	for _, c := range []struct {
		disabled string
		setupErr error
		want     string // "" means no skip and no error
	}{
		{"0\n", nil, ""},
		{"", nil, ""}, // a kernel before 6.6 has no such sysctl
		{"1\n", nil, ""},
		{"1\n", unix.EPERM, "sysctl -w kernel.io_uring_disabled=0"},
		{"2\n", nil, "sysctl -w kernel.io_uring_disabled=0"},
		{"0\n", unix.ENOSYS, "seccomp"},
		{"0\n", unix.EPERM, "seccomp"},
	} {
		err := ioUringSkip(c.disabled, c.setupErr)
		if c.want == "" {
			if err != nil {
				t.Errorf("io_uring_disabled=%q, setup %v: %v, want no skip", c.disabled, c.setupErr, err)
			}
			continue
		}
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("io_uring_disabled=%q, setup %v: %v, want ErrUnsupported naming %q", c.disabled, c.setupErr, err, c.want)
		}
	}
	if err := ioUringSkip("0", unix.ENOMEM); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("setup ENOMEM: %v, want a failure, not a skip", err)
	}
}

// TestIOUringDisabledSysctl points New at a sysctl file that forbids
// io_uring: the case is skipped before any socket is created.
func TestIOUringDisabledSysctl(t *testing.T) {
	path := filepath.Join(t.TempDir(), "io_uring_disabled")
	if err := os.WriteFile(path, []byte("2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := ioUringDisabledPath
	ioUringDisabledPath = path
	defer func() { ioUringDisabledPath = old }()
	d, ok := Lookup("io-uring")
	if !ok {
		t.Fatal("io-uring is not registered")
	}
	s, err := d.New(Options{MessageBytes: 64})
	if err == nil {
		s.Close()
	}
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "kernel.io_uring_disabled") {
		t.Errorf("New with io_uring_disabled=2: %v, want ErrUnsupported naming kernel.io_uring_disabled", err)
	}
}
