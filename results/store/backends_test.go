package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/store/storetest"
)

// pg is the PostgreSQL server the tests run against (storetest says which).
var pg = new(storetest.Server)

func TestMain(m *testing.M) {
	if os.Getenv(envWriter) != "" {
		os.Exit(writerMain())
	}
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// backend is a store URL to run a test against.
type backend struct {
	name string
	url  func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "results.db") }},
	{"postgres", func(t *testing.T) string { return pg.NewDatabase(t) }},
}

// forEachBackend runs test once on a fresh SQLite store and once on a
// fresh PostgreSQL database.
func forEachBackend(t *testing.T, test func(t *testing.T, url string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.url(t)) })
	}
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
