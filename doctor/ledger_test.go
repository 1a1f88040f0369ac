package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorSaysWhereTheLedgerWent squats the first ledger location as
// another user and checks that doctor names it, its owner, where ledgers go
// instead, and the command that clears it.
func TestDoctorSaysWhereTheLedgerWent(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("squatting as another user needs root (chown)")
	}
	base, xdg := t.TempDir(), t.TempDir()
	t.Setenv("IPCBENCH_LEDGER_BASE", base)
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	squat := filepath.Join(base, ".ipcbench-ledger-0")

	f, ok := byName(Check(0), "creator ledger")
	if !ok || f.Warn || f.Value != squat {
		t.Errorf("unsquatted: %+v (found %v); want %s, no warning", f, ok, squat)
	}

	if err := os.Mkdir(squat, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(squat, 0o777)
	if err := os.Chown(squat, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	f, ok = byName(Check(0), "creator ledger")
	want := filepath.Join(xdg, "ipcbench-ledger")
	if !ok || f.Warn || !strings.Contains(f.Value, want+" (a fallback)") || !strings.Contains(f.Effect, squat) ||
		!strings.Contains(f.Effect, "uid 65534") || !strings.Contains(f.Fix, "rm -r "+squat) {
		t.Errorf("squatted: %+v (found %v); want no warning (runs work), but %s (uid 65534) named, the ledger in %s, a fallback, and rm -r as the fix", f, ok, squat, want)
	}
}
