package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCleanLeavesDirsIpcbenchDidNotMake runs clean where the temp dir holds
// an hour-old ipcbench-results, ipcbench-report and a user's ipcbench-src
// (what run --report writes when started from $TMPDIR, or a user's own
// choice of name): clean must neither list nor remove them.
func TestCleanLeavesDirsIpcbenchDidNotMake(t *testing.T) {
	t.Setenv("IPCBENCH_LEDGER_BASE", t.TempDir()) // this test's ledgers only
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	old := time.Now().Add(-time.Hour)
	var files []string
	for _, name := range []string{"ipcbench-results", "ipcbench-report", "ipcbench-src"} {
		d := filepath.Join(tmp, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(d, "main.go")
		if err := os.WriteFile(f, []byte("package main\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(d, old, old)
		files = append(files, f)
	}
	for _, args := range [][]string{{"clean", "--dry-run"}, {"clean"}} {
		code, out, errOut := runCLI(args...)
		if code != exitOK || strings.Contains(out, tmp) {
			t.Errorf("%s: exit %d, want 0 and no word of %s:\n%s%s", strings.Join(args, " "), code, tmp, out, errOut)
		}
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("clean removed %s: %v", f, err)
		}
	}
}
