package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The PostgreSQL tests run against the server IPCBENCH_TEST_POSTGRES names
// (an admin URL: each test creates a database of its own), which .ci/run
// starts with scripts/pg-test-server.sh. Where it is unset, TestMain
// starts one itself with that script, and the tests skip, with the reason,
// only when no server can be started.
const (
	envTestPostgres     = "IPCBENCH_TEST_POSTGRES"
	envTestPostgresSkip = "IPCBENCH_TEST_POSTGRES_SKIP"
)

var pgAdminURL, pgSkipReason string

func TestMain(m *testing.M) {
	if os.Getenv(envWriter) != "" {
		os.Exit(writerMain())
	}
	stop := startPostgres()
	code := m.Run()
	stop()
	os.Exit(code)
}

// startPostgres finds or starts the test server and returns what stops it.
func startPostgres() (stop func()) {
	stop = func() {}
	if pgAdminURL = os.Getenv(envTestPostgres); pgAdminURL != "" {
		return stop
	}
	if pgSkipReason = os.Getenv(envTestPostgresSkip); pgSkipReason != "" {
		return stop
	}
	script, err := filepath.Abs("../../scripts/pg-test-server.sh")
	if err != nil {
		pgSkipReason = err.Error()
		return stop
	}
	dir, err := os.MkdirTemp("", "ipcbench-pgtest-")
	if err != nil {
		pgSkipReason = err.Error()
		return stop
	}
	var stderr strings.Builder
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(dir)
		pgSkipReason = fmt.Sprintf("could not start a PostgreSQL server with %s: %v: %s", script, err, strings.TrimSpace(stderr.String()))
		return stop
	}
	pgAdminURL = strings.TrimSpace(string(out))
	return func() {
		exec.Command("bash", script, "stop", dir).Run()
		os.RemoveAll(dir)
	}
}

// backend is a store URL to run a test against.
type backend struct {
	name string
	url  func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "results.db") }},
	{"postgres", newPostgresDB},
}

// forEachBackend runs test once on a fresh SQLite store and once on a
// fresh PostgreSQL database.
func forEachBackend(t *testing.T, test func(t *testing.T, url string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.url(t)) })
	}
}

// newPostgresDB creates a database for one test on the test server and
// returns its URL; it is dropped when the test ends.
func newPostgresDB(t *testing.T) string {
	t.Helper()
	if pgAdminURL == "" {
		t.Skipf("no PostgreSQL server: %s", pgSkipReason)
	}
	admin, err := sql.Open("pgx", pgAdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "ipcbench_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database on %s: %v", pgAdminURL, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(pgAdminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func open(t *testing.T, url string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
