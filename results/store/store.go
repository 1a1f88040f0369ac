// Package store keeps results in a database, so that history and compare
// over months of runs from many hosts read a few rows instead of every
// results file whole. One schema serves two backends: an embedded SQLite
// database (pure Go, modernc.org/sqlite) at a per-user path by default,
// and PostgreSQL (jackc/pgx) for a store that many hosts share.
//
// A run is stored in one transaction and only once: its content hash
// (SHA-256 of the canonical JSON of the parsed file) is unique, so the same
// results file added twice, or by two hosts at once, is one run. Files are
// validated before anything is written. Histograms live in a table of
// their own and are read only when a report or an export needs them.
// Migrations run on open, under a lock, so many writers may open a new
// store at once.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// EnvURL names the environment variable that gives the store used when
// --store names none.
const EnvURL = "IPCBENCH_STORE"

// Store is an open results store.
type Store struct {
	db  *sql.DB
	d   dialect
	loc Location
}

// Location is where a store is: a SQLite file or a PostgreSQL database.
type Location struct {
	Postgres bool
	// Path is the SQLite database file; DSN what the driver opens.
	Path string
	DSN  string
}

// String names the store for people, with any password masked.
func (l Location) String() string {
	if !l.Postgres {
		return "sqlite:" + l.Path
	}
	if u, err := url.Parse(l.DSN); err == nil {
		return u.Redacted()
	}
	return "postgres://…"
}

// DefaultURL is the store used when --store names none: $IPCBENCH_STORE
// when set, else sqlite:$XDG_DATA_HOME/ipcbench/results.db, where
// XDG_DATA_HOME defaults to ~/.local/share.
func DefaultURL() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("default store: no home directory (%v): give --store URL or set %s", err, EnvURL)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return "sqlite:" + filepath.Join(dir, "ipcbench", "results.db"), nil
}

// LooksLikeURL says whether s names a store rather than a file to read or
// a command: a URL (scheme://…, so that a wrong scheme is named as such),
// sqlite:PATH, or a path ending in .db, .sqlite or .sqlite3.
func LooksLikeURL(s string) bool {
	if strings.HasPrefix(s, "sqlite:") || strings.Contains(s, "://") {
		return true
	}
	for _, ext := range []string{".db", ".sqlite", ".sqlite3"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}

// ParseURL reads a store URL: postgres://… or postgresql://… for
// PostgreSQL (any libpq URL that pgx takes), sqlite:PATH or a plain path
// for SQLite.
func ParseURL(s string) (Location, error) {
	switch {
	case s == "":
		return Location{}, errors.New("the store URL is empty: give postgres://…, sqlite:PATH or a path")
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return Location{}, fmt.Errorf("store URL: %v", err)
		}
		return Location{Postgres: true, DSN: s}, nil
	case strings.HasPrefix(s, "sqlite:"):
		s = strings.TrimPrefix(s, "sqlite:")
		if strings.HasPrefix(s, "//") { // sqlite:///abs/path
			s = s[2:]
		}
		if s == "" {
			return Location{}, errors.New("store URL sqlite: names no file: give sqlite:PATH")
		}
	case strings.Contains(s, "://"):
		return Location{}, fmt.Errorf("store URL %q: unknown scheme; want postgres://…, sqlite:PATH or a path", s)
	}
	return Location{Path: filepath.Clean(s)}, nil
}

// Open opens the store at rawURL, creating a SQLite file (mode 0600, in a
// directory of the caller's own) where none is, and brings its schema up
// to date.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var s *Store
	if loc.Postgres {
		s, err = openPostgres(ctx, loc)
	} else {
		s, err = openSQLite(ctx, loc)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Location says where the store is.
func (s *Store) Location() Location { return s.loc }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Info counts what the store holds.
type Info struct {
	Location      string
	SchemaVersion int
	Runs, Hosts   int64
	Cases         int64
	Repetitions   int64
	Histograms    int64
}

// Info reads the store's schema version and row counts.
func (s *Store) Info(ctx context.Context) (Info, error) {
	in := Info{Location: s.loc.String()}
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM ipcbench_schema`).Scan(&in.SchemaVersion); err != nil {
		return in, s.errf("read the schema version", err)
	}
	for _, c := range []struct {
		table string
		n     *int64
	}{{"runs", &in.Runs}, {"hosts", &in.Hosts}, {"cases", &in.Cases}, {"repetitions", &in.Repetitions}, {"histograms", &in.Histograms}} {
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.table).Scan(c.n); err != nil {
			return in, s.errf("count "+c.table, err)
		}
	}
	return in, nil
}

// errf names the store and what was being done in a database error.
func (s *Store) errf(doing string, err error) error {
	return fmt.Errorf("store %s: %s: %w", s.loc, doing, err)
}
