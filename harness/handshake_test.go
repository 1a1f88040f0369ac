package harness

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWorkerRefusesWithoutHandshake starts the worker command the way a
// user or another program might: by hand, and with a control memfd of the
// right name but a forged token. Both are refused before the worker uses
// any fd or argument.
func TestWorkerRefusesWithoutHandshake(t *testing.T) {
	spec := `{"transport":"pipe","workload":"pingpong","side":0,"size_bytes":64,"count":10,"num_fds":2,"token":"` +
		strings.Repeat("ab", handshakeBytes/2) + `"}`
	run := func(extra []*os.File) string {
		cmd := exec.Command(os.Args[0], "worker", "--spec", spec)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.ExtraFiles = extra
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("worker without a handshake: %v, want exit 2", err)
		}
		return stderr.String()
	}
	if out := run(nil); !strings.Contains(out, "refusing to run") || !strings.Contains(out, "not the control memfd") {
		t.Errorf("by hand: %q", out)
	}

	fd, err := unix.MemfdCreate(controlName, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctl := os.NewFile(uintptr(fd), "forged")
	defer ctl.Close()
	if err := unix.Ftruncate(fd, controlBlockBytes); err != nil {
		t.Fatal(err)
	}
	if _, err := writeHandshake(fd); err != nil { // a real token, but not the spec's
		t.Fatal(err)
	}
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	if out := run([]*os.File{devnull, devnull, ctl}); !strings.Contains(out, "token mismatch") {
		t.Errorf("forged token: %q", out)
	}
}
