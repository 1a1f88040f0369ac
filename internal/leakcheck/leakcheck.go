// Package leakcheck lets a test binary prove it left no kernel object behind:
// it snapshots System V IPC objects (/proc/sysvipc/*), ipcbench POSIX queues
// and ipcbench temp directories before the tests and reports what is new
// after them.
//
// go test ./... runs packages' test binaries in parallel, and System V and
// POSIX objects are global, so a new object may belong to another package's
// case that is still running. Run gives the binary a private TMPDIR (its
// workers inherit it), and reports an IPC object only if it outlives a
// settling time that any case of another binary ends well within.
package leakcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Snapshot is the set of objects present at one moment, one string each.
type Snapshot map[string]bool

// Take lists System V shm, sem and msg objects by kind and id, and every
// ipcbench-* entry in the temp directory.
func Take() Snapshot {
	s := Snapshot{}
	for _, kind := range []string{"shm", "sem", "msg"} {
		b, err := os.ReadFile("/proc/sysvipc/" + kind)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		for _, l := range lines[1:] { // the first line is the header
			f := strings.Fields(l)
			if len(f) >= 2 {
				s[fmt.Sprintf("sysv %s key=%s id=%s", kind, f[0], f[1])] = true
			}
		}
	}
	for _, q := range posixQueues() {
		s["posix mq "+q] = true
	}
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "ipcbench-*"))
	for _, m := range matches {
		s["temp "+m] = true
	}
	return s
}

// posixQueues lists ipcbench-* POSIX message queues. They are visible only
// through an mqueue file system; where none is mounted, it mounts one on a
// private temporary directory for the moment it takes to list it (this needs
// root; without it, queues go unchecked).
func posixQueues() []string {
	dir := ""
	if b, err := os.ReadFile("/proc/self/mounts"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[2] == "mqueue" {
				dir = f[1]
				break
			}
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "leakcheck-mqueue-")
		if err != nil {
			return nil
		}
		defer os.Remove(tmp)
		if err := unix.Mount("mqueue", tmp, "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return nil
		}
		defer unix.Unmount(tmp, 0)
		dir = tmp
	}
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "ipcbench-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// New returns what after holds that before did not.
func New(before, after Snapshot) []string {
	var out []string
	for k := range after {
		if !before[k] {
			out = append(out, k)
		}
	}
	return out
}

// Check reports objects created since before, as an error naming them.
func Check(before Snapshot) error {
	if leaked := New(before, Take()); len(leaked) > 0 {
		return fmt.Errorf("leaked %d IPC object(s) or temp entries: %s", len(leaked), strings.Join(leaked, "; "))
	}
	return nil
}

// Settle is how long Run waits for new IPC objects to disappear before it
// calls them leaked: longer than any case of the test suite takes.
const Settle = 15 * time.Second

// Run runs a test binary's tests and turns a leak into a failing exit status.
// Call it from TestMain: os.Exit(leakcheck.Run(m)).
func Run(m interface{ Run() int }) int {
	tmp, err := os.MkdirTemp("", "leakcheck-tmp-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: leakcheck:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	os.Setenv("TMPDIR", tmp)
	before := Take()
	code := m.Run()
	err = Check(before)
	for deadline := time.Now().Add(Settle); err != nil && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		err = Check(before)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		code = 1
	}
	return code
}
