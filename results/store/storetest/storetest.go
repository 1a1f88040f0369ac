// Package storetest gives tests a PostgreSQL server to run the results
// store against: the one IPCBENCH_TEST_POSTGRES names (an admin URL, as
// .ci/run exports after starting scripts/pg-test-server.sh), or one it
// starts itself with that script, except under -short. Tests skip, saying
// why, only where no server can be started, or under -short where none is
// named.
package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Environment variables .ci/run sets: the server's admin URL, or why it
// could not start one.
const (
	EnvPostgres     = "IPCBENCH_TEST_POSTGRES"
	EnvPostgresSkip = "IPCBENCH_TEST_POSTGRES_SKIP"
)

// Server is a PostgreSQL server for tests, found or started when a test
// first asks for a database; TestMain calls Stop after m.Run.
type Server struct {
	once       sync.Once
	AdminURL   string
	SkipReason string
	stop       func()
}

// start finds or starts the test server.
func (s *Server) start() {
	s.AdminURL, s.SkipReason = os.Getenv(EnvPostgres), os.Getenv(EnvPostgresSkip)
	if s.AdminURL != "" || s.SkipReason != "" {
		return
	}
	if testing.Short() {
		s.SkipReason = "-short starts no server; name one in " + EnvPostgres + " to test against it"
		return
	}
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "..", "scripts", "pg-test-server.sh")
	// Under /tmp rather than $TMPDIR: as root the server runs as the
	// postgres user, who must reach the directory, and a test's TMPDIR is
	// often private.
	dir, err := os.MkdirTemp("/tmp", "ipcbench-pgtest-")
	if err != nil {
		s.SkipReason = err.Error()
		return
	}
	var stderr strings.Builder
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(dir)
		s.SkipReason = fmt.Sprintf("could not start a PostgreSQL server with %s: %v: %s", script, err, strings.TrimSpace(stderr.String()))
		return
	}
	s.AdminURL = strings.TrimSpace(string(out))
	s.stop = func() {
		exec.Command("bash", script, "stop", dir).Run()
		os.RemoveAll(dir)
	}
}

// Stop stops a server this process started; one it found is left running.
func (s *Server) Stop() {
	if s.stop != nil {
		s.stop()
	}
}

// Admin returns the server's admin URL, a superuser's, for a test that
// makes roles and databases of its own. The test skips where there is no
// server.
func (s *Server) Admin(t testing.TB) string {
	t.Helper()
	s.once.Do(s.start)
	if s.AdminURL == "" {
		t.Skipf("no PostgreSQL server: %s", s.SkipReason)
	}
	return s.AdminURL
}

// NewDatabase creates a database for one test and returns its URL; it is
// dropped when the test ends. The test skips where there is no server.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	admin, err := sql.Open("pgx", s.Admin(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "ipcbench_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// HoldTableLock opens a second session on dbURL and holds LOCK TABLE table
// IN ACCESS EXCLUSIVE MODE until release, or the end of the test: another
// client's lock, for tests of what the store does while it waits.
func HoldTableLock(t testing.TB, dbURL, table string) (release func()) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE"); err != nil {
		tx.Rollback()
		db.Close()
		t.Fatal(err)
	}
	release = func() { tx.Rollback(); db.Close() }
	t.Cleanup(release)
	return release
}
