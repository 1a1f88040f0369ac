// Package leakcheck lets a test binary prove it left no kernel object behind:
// it snapshots System V IPC objects (/proc/sysvipc/*) and ipcbench temp
// directories before the tests and reports what is new after them.
package leakcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "ipcbench-*"))
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

// Run runs a test binary's tests and turns a leak into a failing exit status.
// Call it from TestMain: os.Exit(leakcheck.Run(m)).
func Run(m interface{ Run() int }) int {
	before := Take()
	code := m.Run()
	if err := Check(before); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		code = 1
	}
	return code
}
