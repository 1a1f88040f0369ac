package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
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

// TestCleanKeepsAUserFileInALeftoverDir: clean deleted a file a user had
// put inside a leftover fifo temp dir, and did not say so. It must list the
// file as kept, remove only the FIFOs and marker ipcbench made there, and
// leave the directory with the file.
func TestCleanKeepsAUserFileInALeftoverDir(t *testing.T) {
	t.Setenv("IPCBENCH_LEDGER_BASE", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// A fifo dir of an earlier boot: its creator is gone, whatever its ledger.
	dir := filepath.Join(tmp, shm.Name{Kind: "fifo", Pid: 4711, Random: 0x0123456789abcdef}.String())
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	marker := shm.Marker{Ledger: "/nonexistent/ledger", Boot: "an-earlier-boot"}
	if err := os.Symlink(marker.String(), filepath.Join(dir, shm.MarkerName)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a2b", "b2a"} {
		if err := unix.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	kept := `kept     "notes.txt" in temp dir ` + dir + ": ipcbench did not write it"
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"clean", "--dry-run"}, exitFailure, "would remove ipcbench's entries in temp dir " + dir + " (a2b, b2a, .ipcbench-marker)"},
		{[]string{"clean"}, exitOK, "removed  ipcbench's entries in temp dir " + dir + " (a2b, b2a, .ipcbench-marker)"},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(out, kept) || !strings.Contains(out, tc.want) || !strings.Contains(out, `the directory stays, with what ipcbench did not write in it ("notes.txt"`) {
			t.Errorf("%s: exit %d, want %d, %q and %q:\n%s%s", strings.Join(tc.args, " "), code, tc.code, kept, tc.want, out, errOut)
		}
	}
	if data, err := os.ReadFile(notes); err != nil || string(data) != "mine" {
		t.Errorf("clean removed or changed %s: %v", notes, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%s holds %v, want notes.txt alone", dir, entries)
	}
	if code, out, _ := runCLI("clean", "--dry-run"); code != exitOK || strings.Contains(out, dir) {
		t.Errorf("a later clean --dry-run: exit %d, want 0 and no word of %s (it has no marker now):\n%s", code, dir, out)
	}
}
