// Package leakcheck lets a test binary prove it left no kernel object behind:
// it snapshots the objects ipcbench makes (System V objects under its keys,
// ipcbench POSIX queues and ipcbench temp directories) before the tests and
// reports what is new after them.
//
// It sees ipcbench's objects only: a System V object must have a key of
// ipcbench's namespace (shm.InNamespace) and be owned and created by this
// user, a queue must be named ipcbench-* and owned by this user. Another
// program's objects, such as a PostgreSQL server's segment or another user's
// semaphore, come and go without failing the tests.
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

// Take lists this user's System V shm, sem and msg objects under ipcbench's
// keys, by kind and id, this user's ipcbench-* POSIX queues, and every
// ipcbench-* entry in the temp directory.
func Take() Snapshot {
	s := Snapshot{}
	euid := os.Geteuid()
	objs, _ := ipcls.SysVObjects()
	for _, o := range objs {
		if ours(o, euid) {
			s[fmt.Sprintf("sysv %s key=%#x id=%d", o.Kind, o.Key(), o.ID())] = true
		}
	}
	qs, _ := ipcls.Queues() // ipcbench-* only; without root, queues go unchecked
	for _, q := range qs {
		if q.UID == euid {
			s["posix mq "+q.Name] = true
		}
	}
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), shm.NamePrefix+"*"))
	for _, m := range matches {
		s["temp "+m] = true
	}
	return s
}

// ours reports whether a System V object is one ipcbench made as user euid:
// its key is in ipcbench's namespace, and euid owns and created it. A
// segment marked for removal shows key 0 until its last detach, and goes
// then: it is not listed.
func ours(o ipcls.SysV, euid int) bool {
	return shm.InNamespace(o.Key()) && o.UID() == euid && o.Int("cuid") == euid
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
