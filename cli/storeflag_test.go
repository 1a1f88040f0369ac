package cli

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/store"
	"github.com/ipcbench/ipcbench/results/store/storetest"
	"github.com/spf13/pflag"
)

// A store URL that is neither a URL nor a SQLite path is refused with exit
// 2, naming where it came from, and leaves no file behind: $IPCBENCH_STORE
// set to a blank, a flag or another scheme once made SQLite files of
// those names.
func TestStoreURLOddValuesRefused(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	dir := t.TempDir()
	t.Chdir(dir)
	for _, env := range []string{" ", "-", "--help", "file:/x", "file:x.db", "host=h password=S3cret dbname=x.db"} {
		t.Setenv(store.EnvURL, env)
		for _, args := range [][]string{{"store", "ls", "--store"}, {"store", "info"}, {"history", "--store", "--case", "pipe"}} {
			code, stdout, stderr := runCLI(args...)
			if code != exitUsage || !strings.Contains(stderr, "$"+store.EnvURL) || !strings.Contains(stderr, "sqlite:PATH") {
				t.Errorf("%s=%q %q = %d, want 2 naming $%s and the forms taken:\n%s%s", store.EnvURL, env, args, code, store.EnvURL, stdout, stderr)
			}
			if strings.Contains(stderr, "S3cret") {
				t.Errorf("%s=%q %q shows the password:\n%s", store.EnvURL, env, args, stderr)
			}
		}
	}
	t.Setenv(store.EnvURL, "")
	other := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"store", "ls", "--store=" + other}, "neither a URL nor a path"},
		{[]string{"store", "ls", "--store=sqlite:" + other}, "is a directory"},
		{[]string{"store", "ls", "--store", filepath.Join(other, "x.db")}, "is a directory"},
		{[]string{"store", "ls", "--store="}, "--store is empty"},
		{[]string{"store", "ls", "--store", "host=h password=S3cret dbname=d"}, "key=value connection string is not taken"},
		{[]string{"store", "ls", "--store", "-x.db"}, "starts with -"},
		{[]string{"store", "ls", "--store", "--store-timeout", "0s"}, "--store-timeout 0s"},
		{[]string{"run", "--store-timeout", "1s", "--count", "10", "-o", filepath.Join(other, "r.json")}, "give --store too"},
	} {
		os.Mkdir(filepath.Join(other, "x.db"), 0o700)
		code, stdout, stderr := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "S3cret") {
			t.Errorf("%q = %d, want 2 and %q, no password:\n%s%s", c.args, code, c.want, stdout, stderr)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("refused store URLs left files in the working directory: %v", left)
	}
}

// pgPassword is the password in a test server's URL.
func pgPassword(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok || len(pw) < 8 {
		t.Fatalf("the test server's URL holds no password to look for")
	}
	return pw
}

// storedRowsText is every row of the tables a run is stored in, as text.
func storedRowsText(t *testing.T, dbURL string) string {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var all strings.Builder
	for _, table := range []string{"runs", "configs", "hosts", "case_details"} {
		rows, err := db.Query("SELECT t::text FROM " + table + " t")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			all.WriteString(row + "\n")
		}
		rows.Close()
	}
	return all.String()
}

// run --store with a password in the URL records the command line with
// the password masked, in the results file and in the stored run, prints
// it nowhere, and warns that ps shows it.
func TestRunStoreKeepsThePasswordOut(t *testing.T) {
	dbURL := pg.NewDatabase(t)
	pw := pgPassword(t, dbURL)
	out := filepath.Join(t.TempDir(), "r.json")
	// A process of its own, so that the command line it records is this one.
	cmd := exec.Command(os.Args[0], "run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "200", "--store", dbURL, "-o", out)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	var stdoutBuf, stderrBuf strings.Builder
	cmd.Stdout, cmd.Stderr = &stdoutBuf, &stderrBuf
	if err := cmd.Run(); err != nil {
		t.Fatalf("run --store: %v:\n%s", err, stderrBuf.String())
	}
	stdout, stderr := stdoutBuf.String(), stderrBuf.String()
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), `"--store"`) {
		t.Errorf("the results file records no command line:\n%.400s", file)
	}
	exported := filepath.Join(t.TempDir(), "back.json")
	if code, _, stderr := runCLI("store", "export", "last:1", "--store", dbURL, "-o", exported); code != 0 {
		t.Fatalf("store export = %d: %s", code, stderr)
	}
	back, _ := os.ReadFile(exported)
	for what, text := range map[string]string{"the results file": string(file), "the stored rows": storedRowsText(t, dbURL), "the exported run": string(back), "stdout": stdout, "stderr": stderr} {
		if strings.Contains(text, pw) {
			t.Errorf("%s holds the password", what)
		}
	}
	if !strings.Contains(stderr, "ps shows") || !strings.Contains(stderr, "PGPASSWORD") {
		t.Errorf("run --store with a password in the URL does not warn that ps shows it:\n%s", stderr)
	}
}

// laterCommand reads the command a failed store step prints, split into
// words as a POSIX shell would split what it prints (single quotes).
func laterCommand(t *testing.T, stderr string) []string {
	t.Helper()
	m := regexp.MustCompile(`store it later with: ipcbench (.*?)(?: \(with [^)]*\))?\n`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no command to store the run later:\n%s", stderr)
	}
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range m[1] {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// A lock another session holds on runs fails run's store step once
// --store-timeout has passed: exit 1, the results file written, the lock
// named, and a command printed that stores the run later with no password
// on it (the password from PGPASSWORD), which does.
func TestRunStoreStepTimesOutAndSaysHowToStoreLater(t *testing.T) {
	dbURL := pg.NewDatabase(t)
	pw := pgPassword(t, dbURL)
	if code, _, stderr := runCLI("store", "info", "--store", dbURL); code != 0 {
		t.Fatalf("store info = %d: %s", code, stderr)
	}
	release := storetest.HoldTableLock(t, dbURL, "runs")
	out := filepath.Join(t.TempDir(), "my r.json")
	code, _, stderr := runCLI("run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "200", "--store", dbURL, "--store-timeout", "1s", "-o", out)
	if code != exitFailure {
		t.Errorf("run --store under a held lock = %d, want 1:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the results file was not written: %v", err)
	}
	for _, want := range []string{"the run was not stored", "lock timeout", "AccessExclusiveLock on table runs", "store it later with: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, pw) {
		t.Errorf("stderr shows the password:\n%s", stderr)
	}
	later := laterCommand(t, stderr)
	if strings.Contains(strings.Join(later, " "), "xxxxx") {
		t.Errorf("the command to store the run later holds a masked password, so it cannot work: %q", later)
	}
	release()
	t.Setenv("PGPASSWORD", pw)
	if code, stdout, stderr := runCLI(later...); code != 0 || !strings.Contains(stdout, "added") {
		t.Errorf("%q = %d, want 0 and the run added:\n%s%s", later, code, stdout, stderr)
	}
}

// waitForLockWaiter waits until a session of the database waits for a
// lock on table.
func waitForLockWaiter(t *testing.T, dbURL, table string) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, `DO $$ BEGIN
		WHILE NOT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = '`+table+`'::regclass) LOOP
			PERFORM pg_sleep(0.01);
		END LOOP;
	END $$`); err != nil {
		t.Fatalf("wait for a session to wait for a lock on %s: %v", table, err)
	}
}

// A signal while run's store step waits for a lock ends the run at once
// with 128+n, the results file kept, however long the lock is held.
func TestSignalDuringStoreStep(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(signalName(tc.sig), func(t *testing.T) {
			dbURL := pg.NewDatabase(t)
			if code, _, stderr := runCLI("store", "info", "--store", dbURL); code != 0 {
				t.Fatalf("store info = %d: %s", code, stderr)
			}
			storetest.HoldTableLock(t, dbURL, "runs")
			out := filepath.Join(t.TempDir(), "r.json")
			// The default --store-timeout (30 s) outlasts the wait below.
			cmd, sc, _ := startCLI(t, "run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "200",
				"--store", dbURL, "-o", out)
			waitForLockWaiter(t, dbURL, "runs")
			cmd.Process.Signal(tc.sig)
			// A bound, not a timing: a store step that ignores the signal
			// waits for as long as the lock is held.
			bound := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
			defer bound.Stop()
			if said := waitFor(t, sc, "the run was not stored"); !strings.Contains(said, "store it later with") {
				t.Errorf("stderr names no way to store the run later:\n%s", said)
			}
			if code := exitCode(t, cmd, time.Minute); code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if _, err := os.Stat(out); err != nil {
				t.Errorf("the results file is gone: %v", err)
			}
		})
	}
}

// A store URL given where a command takes an argument is quoted in the
// usage error with its password masked.
func TestMisplacedStoreURLIsMasked(t *testing.T) {
	for _, args := range [][]string{
		{"run", "postgres://u:S3cret@h/d"},
		{"compare", "--store", "label:x", "postgres://u:S3cret@h/d"},
		{"history", "--store", "x", "host=h password=S3cret"},
		{"report", "postgres://u@h/d?password=S3cret"},
	} {
		code, stdout, stderr := runCLI(args...)
		if code != exitUsage || strings.Contains(stdout+stderr, "S3cret") {
			t.Errorf("%q = %d, want 2 with the password masked:\n%s%s", args, code, stdout, stderr)
		}
	}
}

// The command printed to store a run later holds no password, and names
// the store the way it was given.
func TestLaterCommand(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	for _, c := range []struct{ env, flag, want string }{
		{"", storeDefault, "ipcbench store add 'it'\\''s r.json' --store"},
		{"postgres://u:S3cret@h/d", storeDefault, "ipcbench store add 'it'\\''s r.json' --store (with $IPCBENCH_STORE set as it is now)"},
		{"", "postgres://u@h/d", "ipcbench store add 'it'\\''s r.json' --store=postgres://u@h/d"},
		{"", "postgres://u:S3cret@h/d?sslmode=disable&password=S3cret", "ipcbench store add 'it'\\''s r.json' --store='postgres://u@h/d?sslmode=disable' (with the password in PGPASSWORD or ~/.pgpass)"},
		{"", "sqlite:/x/my store.db", "ipcbench store add 'it'\\''s r.json' --store='sqlite:/x/my store.db'"},
	} {
		t.Setenv(store.EnvURL, c.env)
		s := &storeFlag{}
		s.register(pflag.NewFlagSet("test", pflag.ContinueOnError))
		if err := s.flags.Parse([]string{"--store=" + c.flag}); err != nil {
			t.Fatal(err)
		}
		raw, _, err := s.source()
		if err != nil {
			t.Fatal(err)
		}
		loc, err := store.ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.laterCommand(loc, "it's r.json"); got != c.want {
			t.Errorf("%s=%q --store=%s: laterCommand = %q, want %q", store.EnvURL, c.env, c.flag, got, c.want)
		}
	}
}
