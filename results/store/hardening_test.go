package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// A schema table that was edited or dropped is named for what is wrong
// with it; the store is not migrated over it, nor does open panic.
func TestBrokenSchemaTableIsNamed(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  []string
		wants []string
	}{
		{"negative", []string{`DELETE FROM ipcbench_schema`, `INSERT INTO ipcbench_schema (version, applied_ns) VALUES (-1, 0)`},
			[]string{"ipcbench_schema holds version -1 where version 1 belongs"}},
		{"zero", []string{`UPDATE ipcbench_schema SET version = 0 WHERE version = 1`},
			[]string{"ipcbench_schema holds version 0 where version 1 belongs"}},
		{"emptied", []string{`DELETE FROM ipcbench_schema`},
			[]string{"records no version in its ipcbench_schema table", "hosts, configs, runs"}},
		{"dropped", []string{`DROP TABLE ipcbench_schema`},
			[]string{"has no ipcbench_schema table, yet holds the tables hosts, configs, runs", "give --store an empty database"}},
		{"gap", []string{`DELETE FROM ipcbench_schema WHERE version = 1`},
			[]string{"ipcbench_schema holds version 2 where version 1 belongs"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, url string) {
				s := open(t, url)
				for _, q := range c.edit {
					if _, err := s.db.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				s.Close()
				_, err := Open(context.Background(), url)
				for _, want := range c.wants {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("open = %v, want an error saying %q", err, want)
					}
				}
			})
		})
	}
}

// plantedFile is something another user, or a mistake, left where SQLite
// keeps a store's -wal, -shm or -journal.
type plantedFile struct {
	name   string
	root   bool // needs root (chown to another uid)
	plant  func(t *testing.T, path string, wal []byte)
	wantIs error
}

var plantedFiles = []plantedFile{
	{"another-users-wal", true, func(t *testing.T, path string, wal []byte) {
		writeFile(t, path, wal, 0o644)
		if err := os.Chown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}, safeout.ErrNotOwned},
	{"writable-by-all", false, func(t *testing.T, path string, wal []byte) {
		writeFile(t, path, wal, 0o666)
		if err := os.Chmod(path, 0o666); err != nil { // past the umask
			t.Fatal(err)
		}
	}, ErrShared},
	{"symlink", false, func(t *testing.T, path string, _ []byte) {
		if err := os.Symlink("/dev/null", path); err != nil {
			t.Fatal(err)
		}
	}, safeout.ErrSymlink},
	{"fifo", false, func(t *testing.T, path string, _ []byte) {
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
	}, safeout.ErrNotRegular},
}

func writeFile(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
}

// A -wal, -shm or -journal planted beside a store is refused before
// SQLite reads it, naming the file, its owner and mode; the store's own
// runs are untouched, there once the planted file is removed. The
// planted -wal is a real one, of another store holding a forged run, as
// another user would copy in to forge or erase the victim's runs.
func TestPlantedSidecarIsRefused(t *testing.T) {
	wal := forgedWAL(t)
	for _, suffix := range sqliteSidecars {
		for _, p := range plantedFiles {
			t.Run(strings.TrimPrefix(suffix, "-")+"/"+p.name, func(t *testing.T) {
				if p.root && os.Geteuid() != 0 {
					t.Skip("planting another user's file needs root (chown); the other cases run")
				}
				victim := filepath.Join(t.TempDir(), "victim.db")
				addRuns(t, victim, "victim", 3)
				p.plant(t, victim+suffix, wal)
				_, err := Open(context.Background(), victim)
				if !errors.Is(err, p.wantIs) || !strings.Contains(err.Error(), victim+suffix) || !strings.Contains(err.Error(), "remove it") {
					t.Fatalf("open beside a planted %s = %v, want it refused as %q, naming the file and the fix", suffix, err, p.wantIs)
				}
				if p.wantIs == safeout.ErrNotOwned && !strings.Contains(err.Error(), "uid 65534, mode 0644") {
					t.Errorf("the refusal does not give the file's owner and mode: %v", err)
				}
				if err := os.Remove(victim + suffix); err != nil {
					t.Fatal(err)
				}
				if n := countRuns(t, victim, "victim"); n != 3 {
					t.Errorf("the victim's store holds %d of its 3 runs after the refusal", n)
				}
			})
		}
	}
}

// forgedWAL returns the write-ahead log of a store that holds one forged
// run, copied while that store is open (closing it would checkpoint the
// log into the database and remove it).
func forgedWAL(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "forger.db")
	s := open(t, path)
	f := resultstest.File(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "forged", resultstest.Case("pipe", 64, 100, 110, 120))
	if _, err := s.Add(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("the forger's store has no write-ahead log to copy (%d bytes, %v)", len(wal), err)
	}
	return wal
}

// addRuns stores n runs labelled label at path, and closes the store.
func addRuns(t *testing.T, path, label string, n int) {
	t.Helper()
	s := open(t, path)
	defer s.Close()
	for i := range n {
		f := resultstest.File(time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC), label, resultstest.Case("pipe", 64, 100, 110, 120))
		f.Config.Label = label
		if _, err := s.Add(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
}

// countRuns counts the runs labelled label at path.
func countRuns(t *testing.T, path, label string) int {
	t.Helper()
	s := open(t, path)
	defer s.Close()
	runs, err := s.Runs(context.Background(), Selector{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range runs {
		if r.Label != label {
			t.Errorf("the store holds run %d labelled %q", r.ID, r.Label)
		}
		n++
	}
	return n
}

// A store in a directory that others may write (as /tmp) is refused: any
// user could create its -wal before SQLite does. So is a store file that
// others may write.
func TestStoreInSharedDirectoryIsRefused(t *testing.T) {
	for _, c := range []struct {
		name   string
		mode   os.FileMode
		uid    int
		wantIs error
	}{
		{"private", 0o700, -1, nil},
		{"readable-by-all", 0o755, -1, nil},
		{"sticky-world-writable", 0o1777, -1, ErrShared},
		{"world-writable", 0o777, -1, ErrShared},
		{"group-writable", 0o770, -1, ErrShared},
		{"another-users", 0o755, 65534, safeout.ErrNotOwned},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.uid >= 0 && os.Geteuid() != 0 {
				t.Skip("a directory of another user needs root (chown)")
			}
			dir := filepath.Join(t.TempDir(), "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, c.mode); err != nil {
				t.Fatal(err)
			}
			if c.uid >= 0 {
				if err := os.Chown(dir, c.uid, c.uid); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, "results.db")
			s, err := Open(context.Background(), path)
			if c.wantIs == nil {
				if err != nil {
					t.Fatalf("open in a %v directory = %v, want it opened", c.mode, err)
				}
				s.Close()
				return
			}
			if !errors.Is(err, c.wantIs) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "only you can write") {
				t.Fatalf("open in a %v directory = %v, want it refused as %q, naming the directory and the fix", c.mode, err, c.wantIs)
			}
			if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused open left %s behind (%v)", path, err)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "results.db")
	addRuns(t, path, "mine", 1)
	if err := os.Chmod(path, 0o662); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), path); !errors.Is(err, ErrShared) || !strings.Contains(err.Error(), "chmod go-w") {
		t.Errorf("open of a store file others may write = %v, want it refused, saying chmod go-w", err)
	}
}

func TestParseSelectorRefusesOutOfRangeAndRepeats(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ sel, want string }{
		{"since:150000d", "further back than"},
		{"since:99999999999999d", "further back than"},
		{"since:2000000000000000w", "further back than"},
		{"since:2300-01-01", "outside the times"},
		{"until:1600-01-01", "outside the times"},
		{"since:9999-12-31T00:00:00Z", "outside the times"},
		{"date:2262-04-11", "outside the times"},
		{"date:1600-01-01", "outside the times"},
		{"since:2d,since:3d", "since: is already given by \"since:2d\""},
		{"last:1,last:2", "last: is already given"},
		{"until:2026-11-01,until:2026-11-02", "until: is already given"},
		{"date:2026-11-02,since:2d", "since: is already given by \"date:2026-11-02\""},
		{"until:2026-11-05,date:2026-11-02", "until: is already given"},
		{"since:2026-11-02,until:2026-11-01", "is not before until"},
	} {
		_, err := ParseSelector(c.sel, now)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSelector(%q) = %v, want an error saying %q", c.sel, err, c.want)
		}
	}
	for _, sel := range []string{"since:100000d", "since:1678-01-01", "until:2262-04-10", "label:a,label:b,host:h,host:i", "since:3d,until:2d,last:1"} {
		if _, err := ParseSelector(sel, now); err != nil {
			t.Errorf("ParseSelector(%q) = %v, want it taken", sel, err)
		}
	}
}

// A run whose rows were changed after it was stored is not exported as if
// it were the run stored; verify names it, and only it.
func TestTamperedRunIsCaught(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		var ids []int64
		for i := range 3 {
			f := resultstest.File(time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC), "c", resultstest.Case("pipe", 64, 100, 110, 120))
			a, err := s.Add(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.RunID)
		}
		if n, bad, err := s.Verify(ctx, Selector{}); n != 3 || len(bad) != 0 || err != nil {
			t.Fatalf("verify of an untouched store = %d, %+v, %v; want 3 runs, none failed", n, bad, err)
		}
		if _, err := s.db.Exec(s.d.q(`UPDATE repetitions SET cpu_ns_per_msg = cpu_ns_per_msg + 1 WHERE run_id = ?`), ids[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(s.d.q(`UPDATE case_details SET detail_json = '{' WHERE run_id = ?`), ids[2]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Export(ctx, ids[0]); err != nil {
			t.Errorf("export of an untouched run: %v", err)
		}
		if f, err := s.Export(ctx, ids[1]); !errors.Is(err, ErrTampered) || f != nil {
			t.Errorf("export of a changed run = %v, want it refused as %q", err, ErrTampered)
		}
		n, bad, err := s.Verify(ctx, Selector{})
		if err != nil || n != 3 || len(bad) != 2 {
			t.Fatalf("verify = %d, %+v, %v; want 3 runs checked, 2 failed", n, bad, err)
		}
		if m := bad[0]; m.ID != ids[1] || !errors.Is(m.Err, ErrTampered) || len(m.Stored) != 64 || len(m.Actual) != 64 || m.Stored == m.Actual {
			t.Errorf("verify's first failure = %+v, want run %d with both hashes", m, ids[1])
		}
		if m := bad[1]; m.ID != ids[2] || m.Actual != "" || m.Err == nil {
			t.Errorf("verify's second failure = %+v, want run %d, unreadable", m, ids[2])
		}
	})
}

// A run read back through many batches is checked once each.
func TestVerifyReadsEveryBatch(t *testing.T) {
	s := open(t, "sqlite:"+filepath.Join(t.TempDir(), "results.db"))
	ctx := context.Background()
	n := verifyBatch*2 + 3
	for i := range n {
		f := resultstest.File(time.Unix(int64(1e9+i), 0), "c", resultstest.Case("pipe", 64, 100))
		if _, err := s.Add(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.Exec(`UPDATE repetitions SET p50_ns = 101 WHERE run_id = ?`, n); err != nil {
		t.Fatal(err)
	}
	checked, bad, err := s.Verify(ctx, Selector{})
	if err != nil || checked != n || len(bad) != 1 || bad[0].ID != int64(n) {
		t.Errorf("verify = %d, %+v, %v; want %d runs, run %d failed", checked, bad, err, n, n)
	}
}
