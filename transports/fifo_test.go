package transports

import (
	"os"
	"testing"

	"github.com/ipcbench/ipcbench/internal/fdtest"
)

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
	fdtest.WithoutFds(t, func() { cerr = setup.Close() })
	if cerr != nil {
		t.Errorf("Close with no descriptor left: %v", cerr)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("Close with no descriptor left: %s is still there (%v)", dir, err)
	}
}
