package cli

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/store"
)

// documentedSQL returns the statements of the ```sql block that follows
// <!-- roles:NAME --> in docs/store.md, with the documented role and
// database names replaced by names: the test runs what the page tells
// an administrator to run.
func documentedSQL(t *testing.T, name string, names map[string]string) []string {
	t.Helper()
	doc, err := os.ReadFile("../docs/store.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)<!-- roles:" + name + " -->\\s*```sql\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatalf("docs/store.md has no ```sql block after <!-- roles:%s -->", name)
	}
	word := regexp.MustCompile(`\bipcbench(_owner|_writer|_reader)?\b`)
	var stmts []string
	for _, stmt := range strings.Split(string(block[1]), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			stmts = append(stmts, word.ReplaceAllStringFunc(stmt, func(w string) string { return names[w] }))
		}
	}
	return stmts
}

func execAll(t *testing.T, dbURL string, stmts []string) {
	t.Helper()
	execOn(t, "pgx", dbURL, stmts...)
}

// execOn runs stmts, in order, on the database driver opens at dsn.
func execOn(t *testing.T, driver, dsn string, stmts ...string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// The owner, writer and reader roles of docs/store.md, made by the
// statements it documents, against the real server: the writer and the
// reader never need CREATE, and a writer on a store that is behind is told
// who can migrate it.
func TestStoreRoles(t *testing.T) {
	admin := pg.Admin(t)
	b := make([]byte, 5)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	names := map[string]string{"ipcbench": "ipcbench_roles_" + suffix}
	passwords := map[string]string{}
	for _, role := range []string{"owner", "writer", "reader"} {
		names["ipcbench_"+role] = "ipcbench_" + role + "_" + suffix
		rand.Read(b)
		passwords[role] = hex.EncodeToString(b)
	}
	execAll(t, admin, documentedSQL(t, "admin", names))
	t.Cleanup(func() {
		stmts := []string{"DROP DATABASE IF EXISTS " + names["ipcbench"] + " WITH (FORCE)"}
		for _, role := range []string{"owner", "writer", "reader"} {
			stmts = append(stmts, "DROP ROLE IF EXISTS "+names["ipcbench_"+role])
		}
		execAll(t, admin, stmts)
	})
	var setPasswords []string
	for role, pw := range passwords {
		setPasswords = append(setPasswords, "ALTER ROLE "+names["ipcbench_"+role]+" PASSWORD '"+pw+"'")
	}
	execAll(t, admin, setPasswords)
	au, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	// as returns the store URL of a role, without its password, and puts
	// the password in PGPASSWORD, as docs/store.md says to.
	as := func(role string) string {
		u := *au
		u.User = url.User(names["ipcbench_"+role])
		u.Path = "/" + names["ipcbench"]
		t.Setenv("PGPASSWORD", passwords[role])
		return u.String()
	}
	withPassword := func(role string) string {
		u, _ := url.Parse(as(role))
		u.User = url.UserPassword(names["ipcbench_"+role], passwords[role])
		return u.String()
	}
	dir := t.TempDir()
	file := func(name, label string) string {
		f := resultstest.File(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "c", resultstest.Case("pipe", 64, 100, 110, 120))
		f.Config.Label = label
		path := filepath.Join(dir, name)
		if err := results.WriteFile(path, f); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first, second := file("first.json", "first"), file("second.json", "second")

	step := func(name string, wantCode int, wants []string, role string, args ...string) {
		t.Helper()
		code, stdout, stderr := runCLI(append(args, "--store", as(role))...)
		for _, want := range wants {
			if code != wantCode || !strings.Contains(stdout+stderr, want) {
				t.Errorf("%s: %q as %s = %d, want %d and %q:\n%s%s", name, args, role, code, wantCode, want, stdout, stderr)
				return
			}
		}
	}
	execAll(t, withPassword("owner"), documentedSQL(t, "owner", names))
	step("writer on a new store", exitFailure, []string{"schema version 0 is behind this ipcbench's", "run `ipcbench store migrate` as the store's owner"},
		"writer", "store", "add", first)
	step("reader on a new store", exitFailure, []string{"schema version 0 is behind this ipcbench's"}, "reader", "store", "ls")
	step("owner migrates", 0, []string{fmt.Sprintf("schema v%d created", store.SchemaVersion)}, "owner", "store", "migrate")
	step("owner migrates again", 0, []string{"up to date"}, "owner", "store", "migrate")
	step("writer adds", 0, []string{"added", first}, "writer", "store", "add", first)
	step("writer adds again", 0, []string{"already stored"}, "writer", "store", "add", first)
	step("writer migrates an up-to-date store", 0, []string{"up to date"}, "writer", "store", "migrate")
	step("reader lists", 0, []string{"run:1", "first", "1 runs in"}, "reader", "store", "ls")
	step("reader exports", 0, []string{`"label": "first"`}, "reader", "store", "export", "run:1")
	step("reader verifies", 0, []string{"1 runs verified"}, "reader", "store", "verify")
	step("reader info", 0, []string{"runs:         1"}, "reader", "store", "info")
	step("reader adds", exitFailure, []string{"permission denied for table"}, "reader", "store", "add", second)
	step("the reader's add stored nothing", 0, []string{"1 runs in"}, "reader", "store", "ls")

	// Change points: the writer records them, the reader reads but may not.
	fleet := t.TempDir()
	writeFleet(t, fleet, []string{"h1"}, 20, func(_ string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[n >= 10] }, nil)
	step("writer adds a fleet", 0, []string{"added"}, "writer", "store", "add", fleet)
	step("reader records change points", exitFailure, []string{"permission denied for table change_points"}, "reader", "changes", "--host", "h1", "--record")
	step("writer records change points", 0, []string{"1 of 1 change points recorded"}, "writer", "changes", "--host", "h1", "--record")
	step("writer records them again", 0, []string{"0 of 1 change points recorded"}, "writer", "changes", "--host", "h1", "--record")
	step("reader verifies beside change points", 0, []string{"21 runs verified"}, "reader", "store", "verify")
	execAll(t, withPassword("reader"), []string{"SELECT time, text, tags FROM change_annotations"}) // as Grafana does
}

// sqliteStore is a fresh SQLite store path in a private directory.
func sqliteStore(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "results.db")
}

// addFiles stores n small runs labelled label-0, label-1, … in path.
func addFiles(t *testing.T, path, label string, n int) {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		f := resultstest.File(time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC), "c", resultstest.Case("pipe", 64, 100, 110, 120))
		f.Config.Label = label + "-" + string(rune('0'+i))
		if err := results.WriteFile(filepath.Join(dir, f.Config.Label+".json"), f); err != nil {
			t.Fatal(err)
		}
	}
	if code, stdout, stderr := runCLI("store", "add", dir, "--store", path); code != 0 {
		t.Fatalf("store add = %d:\n%s%s", code, stdout, stderr)
	}
}

// execSQLite runs statements on the SQLite store at path, as someone
// with write access to the file could.
func execSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	execOn(t, "sqlite", path, stmts...)
}

// A run whose rows were changed after it was stored fails export and
// verify with exit 1; verify names it, and only it.
func TestStoreVerifyAndExportCatchChangedRows(t *testing.T) {
	path := sqliteStore(t)
	addFiles(t, path, "run", 3)
	code, _, stderr := runCLI("store", "verify", "--store", path)
	if code != 0 || !strings.Contains(stderr, "3 runs verified") {
		t.Fatalf("store verify of an untouched store = %d, want 0 and 3 runs verified:\n%s", code, stderr)
	}
	execSQLite(t, path, `UPDATE repetitions SET cpu_ns_per_msg = cpu_ns_per_msg * 2 WHERE run_id = 2`)
	code, stdout, stderr := runCLI("store", "export", "run:2", "--store", path)
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, "changed since it was stored") {
		t.Errorf("store export of a changed run = %d, want 1, nothing on stdout and the run named as changed:\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI("store", "export", "run:1", "--store", path); code != 0 {
		t.Errorf("store export of an untouched run = %d:\n%s", code, stderr)
	}
	code, stdout, stderr = runCLI("store", "verify", "--store", path)
	if code != exitFailure || !strings.HasPrefix(stdout, "run:2\trun-1\tstored with content hash ") || strings.Count(stdout, "\n") != 1 ||
		!strings.Contains(stderr, "1 of 3 runs failed verification") {
		t.Errorf("store verify = %d, want 1 and run:2 alone listed:\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI("store", "verify", "label:run-0", "--store", path); code != 0 || !strings.Contains(stderr, "1 runs verified") {
		t.Errorf("store verify label:run-0 = %d, want 0:\n%s", code, stderr)
	}
}

// Labels, host names and commits that another host's ipcbench, or
// someone with write access, put in the store reach the terminal escaped.
func TestStoreListEscapesUntrustedText(t *testing.T) {
	path := sqliteStore(t)
	addFiles(t, path, "run", 1)
	execSQLite(t, path,
		"UPDATE runs SET label = 'x\x1b]0;owned\x07\nrun:99  forged', commit_id = 'c\x1b[2J'",
		"UPDATE hosts SET hostname = 'h\u202eevil\r'")
	for _, args := range [][]string{{"store", "ls"}, {"store", "verify"}} {
		code, stdout, stderr := runCLI(append(args, "--store", path)...)
		if code != 0 {
			t.Fatalf("%q = %d:\n%s%s", args, code, stdout, stderr)
		}
		out := stdout + stderr
		if strings.ContainsAny(out, "\x1b\x07\r\u202e") || strings.Contains(out, "\nrun:99") {
			t.Errorf("%q printed a control character or a forged line raw:\n%q", args, out)
		}
	}
	_, stdout, _ := runCLI("store", "ls", "--store", path)
	for _, want := range []string{`x\x1b]0;owned\a\nrun:99  forged`, `c\x1b[2J`, `h\u202eevil\r`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("store ls does not show %s escaped:\n%s", want, stdout)
		}
	}
}

func TestStoreMigrateSQLite(t *testing.T) {
	path := sqliteStore(t)
	for _, want := range []string{fmt.Sprintf("schema v%d created", store.SchemaVersion), "up to date"} {
		if code, _, stderr := runCLI("store", "migrate", "--store", path); code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("store migrate = %d, want 0 and %q:\n%s", code, want, stderr)
		}
	}
}

// A store in a directory others may write, or a selector out of range or
// repeated, is a usage error (exit 2) that names what is wrong.
func TestStoreAdminUsageErrors(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o1777); err != nil {
		t.Fatal(err)
	}
	private := sqliteStore(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"store", "ls", "--store", filepath.Join(shared, "x.db")}, "writable by other users"},
		{[]string{"store", "ls", "since:150000d", "--store", private}, "further back than"},
		{[]string{"store", "ls", "since:2300-01-01", "--store", private}, "outside the times"},
		{[]string{"store", "ls", "until:1600-01-01", "--store", private}, "outside the times"},
		{[]string{"store", "ls", "since:2d,since:3d", "--store", private}, "already given"},
		{[]string{"store", "verify", "last:1,last:2", "--store", private}, "already given"},
		{[]string{"store", "export", "date:2026-11-01,until:2026-11-03", "--store", private}, "already given"},
		{[]string{"store", "migrate", "run:1", "--store", private}, "unknown command"},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%q = %d, want 2 and %q:\n%s", c.args, code, c.want, stderr)
		}
	}
	if _, err := os.Lstat(filepath.Join(shared, "x.db")); !os.IsNotExist(err) {
		t.Errorf("the refused store in a shared directory was created (%v)", err)
	}
}
