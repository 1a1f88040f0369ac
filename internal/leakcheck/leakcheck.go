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

	"github.com/ipcbench/ipcbench/internal/ipcls"
	"github.com/ipcbench/ipcbench/shm"
)

// Snapshot is the set of objects present at one moment, one string each.
type Snapshot map[string]bool

// Take lists System V shm, sem and msg objects by kind and id, and every
// ipcbench-* entry in the temp directory.
func Take() Snapshot {
	s := Snapshot{}
	objs, _ := ipcls.SysVObjects()
	for _, o := range objs {
		s[fmt.Sprintf("sysv %s key=%d id=%d", o.Kind, o.Key(), o.ID())] = true
	}
	qs, _ := ipcls.Queues() // without root, queues go unchecked
	for _, q := range qs {
		s["posix mq "+q.Name] = true
	}
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), shm.NamePrefix+"*"))
	for _, m := range matches {
		s["temp "+m] = true
	}
	return s
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
