package store

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/store/storetest"
)

// safetyNet bounds a test whose store call, were its own time limit
// missing, would wait for ever; the tests assert what the error says, not
// how long it took.
const safetyNet = 2 * time.Minute

// A lock another session holds on runs fails a query once --store-timeout
// has passed, naming the lock and who holds it, rather than waiting for
// as long as the lock is held.
func TestLockHeldByAnotherSessionTimesOut(t *testing.T) {
	u := pg.NewDatabase(t)
	open(t, u) // creates the schema
	storetest.HoldTableLock(t, u, "runs")
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	s, err := OpenWith(ctx, u, Options{Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Runs(ctx, Selector{})
	if err == nil {
		t.Fatal("listing runs under another session's ACCESS EXCLUSIVE lock succeeded")
	}
	t.Log(err)
	for _, want := range []string{"lock timeout", "waited 500ms (--store-timeout)", "AccessExclusiveLock on table runs", "pg_locks"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A statement that runs past twice --store-timeout is ended by the server.
func TestStatementTimeoutEndsAStatement(t *testing.T) {
	u := pg.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	s, err := OpenWith(ctx, u, Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.db.ExecContext(ctx, "SELECT pg_sleep(600)")
	if err == nil {
		t.Fatal("a 600 s statement ended without error")
	}
	if msg := s.errf("sleep", err).Error(); !strings.Contains(msg, "ran past 400ms (twice --store-timeout)") {
		t.Errorf("error %q does not name statement_timeout's limit", msg)
	}
}

// A server that accepts the connection and never answers fails the open
// once --store-timeout has passed.
func TestConnectTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	_, err = OpenWith(ctx, "postgres://u@"+l.Addr().String()+"/d?sslmode=disable", Options{Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "200ms (--store-timeout)") {
		t.Errorf("open of a server that never answers = %v, want a failure naming --store-timeout", err)
	}
}

// Another process's write transaction on a SQLite store fails a writer
// once --store-timeout has passed, not after a fixed 60 s.
func TestSQLiteBusyTimeoutIsTheStoreTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.db")
	open(t, "sqlite:"+path)
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	f, err := results.ReadFile(realRun)
	if err != nil {
		t.Fatal(err)
	}
	// Opening may wait for the lock too (where it migrates); either wait
	// must end.
	s, err := OpenWith(ctx, "sqlite:"+path, Options{Timeout: 200 * time.Millisecond})
	if err == nil {
		defer s.Close()
		_, err = s.Add(ctx, f)
	}
	if err == nil || !strings.Contains(err.Error(), "waited 200ms (--store-timeout)") {
		t.Errorf("add beside another writer's transaction = %v, want a failure naming --store-timeout", err)
	}
}

// The password a URL leaves out comes from PGPASSWORD or a ~/.pgpass file
// (PGPASSFILE), the ways docs/store.md gives.
func TestPasswordFromTheEnvironment(t *testing.T) {
	withPassword := pg.NewDatabase(t)
	loc, err := ParseURL(withPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(withPassword)
	password, _ := u.User.Password()
	bare := loc.WithoutPassword()
	if strings.Contains(bare, password) {
		t.Fatalf("WithoutPassword() = %q holds the password", bare)
	}
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	opens := func() error {
		s, err := Open(ctx, bare)
		if err == nil {
			s.Close()
		}
		return err
	}
	dir := t.TempDir()
	t.Setenv("PGPASSFILE", filepath.Join(dir, "none"))
	t.Setenv("PGPASSWORD", "")
	os.Unsetenv("PGPASSWORD")
	if err := opens(); err == nil {
		t.Fatal("opened without a password: the test server takes none, so this test shows nothing")
	} else if strings.Contains(err.Error(), password) {
		t.Errorf("the error shows the password: %v", err)
	}
	t.Run("PGPASSWORD", func(t *testing.T) {
		t.Setenv("PGPASSWORD", password)
		if err := opens(); err != nil {
			t.Error(err)
		}
	})
	t.Run("pgpass", func(t *testing.T) {
		pass := filepath.Join(dir, "pgpass")
		line := fmt.Sprintf("%s:%s:*:%s:%s\n", u.Hostname(), u.Port(), u.User.Username(), password)
		if err := os.WriteFile(pass, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PGPASSFILE", pass)
		if err := opens(); err != nil {
			t.Error(err)
		}
	})
}
