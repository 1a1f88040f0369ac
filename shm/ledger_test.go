//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// squatLedger makes the first ledger location a directory of another user,
// open to all, as a user of a shared sticky /dev/shm could, and returns it.
func squatLedger(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("squatting as another user needs root (chown)")
	}
	base := t.TempDir()
	t.Setenv(ledgerBaseEnv, base)
	squat := LedgerLocations()[0]
	if err := os.Mkdir(squat, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(squat, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(squat, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return squat
}

// TestLedgerFallsBackWhenSquatted: another user's directory at the ledger's
// name must not stop System V objects from being created; the ledger goes to
// a location this user controls, clean reads it there, and Ledgers says why.
func TestLedgerFallsBackWhenSquatted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		xdg     bool
		wantDir func(xdg, cache string) string
	}{
		{"XDG_RUNTIME_DIR", true, func(xdg, _ string) string { return filepath.Join(xdg, "ipcbench-ledger") }},
		{"cache dir", false, func(_, cache string) string { return filepath.Join(cache, "ipcbench-ledger") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			squat := squatLedger(t)
			xdg, cache := t.TempDir(), t.TempDir()
			if !tc.xdg {
				xdg = ""
			}
			t.Setenv("XDG_RUNTIME_DIR", xdg)
			t.Setenv("XDG_CACHE_HOME", cache)
			want := tc.wantDir(xdg, cache)

			id, key, err := SemCreate(1)
			if err != nil {
				t.Fatalf("SemCreate with the ledger dir squatted: %v", err)
			}
			defer SemRemove(id)

			loc := Ledgers()
			if loc.Dir != want || len(loc.Skipped) != 1 || !strings.Contains(loc.Skipped[0].Error(), squat) || !strings.Contains(loc.Skipped[0].Error(), "uid 65534") {
				t.Errorf("Ledgers() = %q, skipped %v; want %q, skipping %s (uid 65534)", loc.Dir, loc.Skipped, want, squat)
			}
			ls, errs := ReadLedgers()
			found := false
			for _, l := range ls {
				for _, e := range l.Entries {
					if e == (Entry{Kind: "sem", Key: key, ID: id}) {
						found = true
						if filepath.Dir(l.Path) != want || !l.Live {
							t.Errorf("ledger %s (live %v); want it in %s, live", l.Path, l.Live, want)
						}
					}
				}
			}
			if !found {
				t.Errorf("ReadLedgers does not find sem %d in any location: %v", id, ls)
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), squat) {
				t.Errorf("ReadLedgers errors %v; want one naming the squatted %s", errs, squat)
			}
			if err := SemRemove(id); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(want); len(left) != 0 {
				t.Errorf("the ledger outlived the last object it named: %v", left)
			}
		})
	}
}
