package harness

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/internal/fdtest"
)

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
	fdtest.WithoutFds(t, func() { rerr = r.remove() })
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
