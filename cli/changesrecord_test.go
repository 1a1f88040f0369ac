package cli

import (
	"database/sql"
	"strings"
	"testing"
)

// changes --record keeps the points shown in the store, once each: run
// again it adds nothing; --min-magnitude's leaving a point out leaves it
// unrecorded; without --store it is a usage error.
func TestChangesRecord(t *testing.T) {
	dir := t.TempDir()
	writeFleet(t, dir, []string{"h1", "h2"}, 20, func(_ string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[n >= 10] }, nil)
	path := sqliteStore(t)
	if code, out, errOut := runCLI("store", "add", dir, "--store", path); code != exitOK {
		t.Fatalf("store add: exit %d\n%s%s", code, out, errOut)
	}
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
		rows     int
	}{
		{[]string{"--min-magnitude", "50%", "--record"}, exitOK, "0 of 0 change points recorded", 0},
		{[]string{"--record"}, exitOK, "2 of 2 change points recorded", 2},
		{[]string{"--record"}, exitOK, "0 of 2 change points recorded", 2},
		{[]string{"--record", "--fail-on-regression"}, exitFailure, "regressions found", 2},
	} {
		code, out, errOut := runCLI(append([]string{"changes", "--store", path}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%q: exit %d, want %d; stderr %q, want %q\n%s", tc.args, code, tc.code, errOut, tc.inStderr, out)
		}
		if got := countChangePoints(t, path); got != tc.rows {
			t.Errorf("%q: %d change points stored, want %d", tc.args, got, tc.rows)
		}
	}
	if code, _, errOut := runCLI("changes", dir, "--record"); code != exitUsage || !strings.Contains(errOut, "give --store") {
		t.Errorf("changes DIR --record: exit %d, want %d and give --store:\n%s", code, exitUsage, errOut)
	}
}

func countChangePoints(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM change_annotations WHERE text LIKE 'p50 regression +%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
