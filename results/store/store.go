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
// Opening reads the schema version and migrates, under a lock, only a
// store that is behind: many writers may open a new store at once, and a
// role that may not create tables opens a store that is up to date.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that gives the store used when
// --store names none.
const EnvURL = "IPCBENCH_STORE"

// Store is an open results store.
type Store struct {
	db  *sql.DB
	d   dialect
	loc Location
	// timeout bounds each wait on the store (Options.Timeout).
	timeout time.Duration
	// migratedFrom is the schema version this Open migrated the store
	// from; -1 when it did not migrate.
	migratedFrom int
}

// Location is where a store is: a SQLite file or a PostgreSQL database.
type Location struct {
	Postgres bool
	// Path is the SQLite database file; DSN what the driver opens.
	Path string
	DSN  string
}

// String names the store for people: any password masked (Redact),
// any control character escaped.
func (l Location) String() string {
	if !l.Postgres {
		return "sqlite:" + textsafe.Terminal(l.Path)
	}
	return textsafe.Terminal(Redact(l.DSN))
}

// HasPassword says whether the location's URL holds a password in any
// form Redact masks.
func (l Location) HasPassword() bool { return l.Postgres && Redact(l.DSN) != l.DSN }

// WithoutPassword is the location's URL with every password left out,
// not masked, so that a command printed with it works where the password
// comes from PGPASSWORD or ~/.pgpass.
func (l Location) WithoutPassword() string {
	if !l.Postgres {
		return "sqlite:" + l.Path
	}
	u, err := url.Parse(l.DSN)
	if err != nil { // ParseURL took it, so this does not happen
		return Redact(l.DSN)
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q, dropped := u.Query(), false
	for k := range q {
		if isPasswordKey(k) {
			q.Del(k)
			dropped = true
		}
	}
	if dropped {
		u.RawQuery = q.Encode()
	}
	return u.String()
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
// sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, or a key=value
// connection string (so that ParseURL refuses it with its password
// masked, rather than a command taking it for an argument and quoting it).
func LooksLikeURL(s string) bool {
	return strings.HasPrefix(s, "sqlite:") || strings.Contains(s, "://") || sqliteName(s) || keyValueDSN.MatchString(s)
}

// AcceptedForms lists the store URLs ParseURL takes, for messages.
const AcceptedForms = "postgres://[USER@]HOST[:PORT]/DB (or postgresql://), with the password in PGPASSWORD or ~/.pgpass; sqlite:PATH; or a path ending in .db, .sqlite or .sqlite3"

// ParseURL reads a store URL: postgres://… or postgresql://… for
// PostgreSQL (a URL that pgx reads), sqlite:PATH or a path ending in .db,
// .sqlite or .sqlite3 for SQLite. Anything else is refused: a key=value
// connection string, a value that starts with - as a flag does, another
// scheme (file:), a directory, so that a mistyped value never becomes a
// SQLite file of that name. Its errors show no password.
func ParseURL(s string) (Location, error) {
	switch {
	case strings.TrimSpace(s) == "":
		return Location{}, fmt.Errorf("the store URL is blank: give %s", AcceptedForms)
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		return parsePostgresURL(s)
	case strings.HasPrefix(s, "sqlite:"):
		path := strings.TrimPrefix(s, "sqlite:")
		if strings.HasPrefix(path, "//") { // sqlite:///abs/path
			path = path[2:]
		}
		if strings.TrimSpace(path) == "" {
			return Location{}, errors.New("store URL sqlite: names no file: give sqlite:PATH")
		}
		return sqliteLocation(path)
	case strings.Contains(s, "://"):
		return Location{}, fmt.Errorf("store URL %q: unknown scheme: give %s", Redact(s), AcceptedForms)
	case keyValueDSN.MatchString(s):
		return Location{}, fmt.Errorf("store URL %q: a key=value connection string is not taken: give %s", Redact(s), AcceptedForms)
	case !sqliteName(s):
		return Location{}, fmt.Errorf("store URL %q: neither a URL nor a path ending in .db, .sqlite or .sqlite3: give %s", Redact(s), AcceptedForms)
	case strings.HasPrefix(s, "-"):
		return Location{}, fmt.Errorf("store URL %q starts with - as a flag does: for a file of that name write ./%s or sqlite:%s", s, s, s)
	case strings.Contains(strings.SplitN(s, "/", 2)[0], ":"):
		return Location{}, fmt.Errorf("store URL %q: a scheme ipcbench does not take: give %s", Redact(s), AcceptedForms)
	}
	return sqliteLocation(s)
}

// keyValueDSN matches a libpq key=value connection string (host=… dbname=…).
var keyValueDSN = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// sqliteName says whether a plain path names a SQLite file by its suffix.
func sqliteName(s string) bool {
	for _, ext := range []string{".db", ".sqlite", ".sqlite3"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}

// sqliteLocation is the SQLite file at path, which must not be a
// directory.
func sqliteLocation(path string) (Location, error) {
	path = filepath.Clean(path)
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return Location{}, fmt.Errorf("store %s is a directory: give a file in it, e.g. sqlite:%s", path, filepath.Join(path, "results.db"))
	}
	return Location{Path: path}, nil
}

// parsePostgresURL checks a postgres:// URL as pgx will read it. The
// reason net/url gives is left out of the error: it can quote a piece of a
// password that holds a reserved character (an invalid port ":secret").
func parsePostgresURL(s string) (Location, error) {
	authority := s[strings.Index(s, "://")+3:]
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority = authority[:i]
	}
	if strings.Count(authority, "@") > 1 {
		return Location{}, fmt.Errorf("store URL %q: more than one @ before the host: write an @ in a user name or password as %%40", Redact(s))
	}
	if _, err := url.Parse(s); err != nil {
		return Location{}, fmt.Errorf("store URL %q is not a valid URL: percent-encode a reserved character in a user name or password (/ %%2F, ? %%3F, # %%23, @ %%40, : %%3A), or better give the password in PGPASSWORD or ~/.pgpass", Redact(s))
	}
	if _, err := pgx.ParseConfig(s); err != nil {
		return Location{}, fmt.Errorf("store URL %q: %s", Redact(s), Redact(err.Error()))
	}
	return Location{Postgres: true, DSN: s}, nil
}

// Open opens the store at rawURL, creating a SQLite file (mode 0600, in a
// directory of the caller's own) where none is, and brings its schema up
// to date where it is behind. Each wait is bounded by DefaultTimeout.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	return OpenWith(ctx, rawURL, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, rawURL string, opt Options) (*Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	timeout := opt.timeout()
	var s *Store
	if loc.Postgres {
		s, err = openPostgres(ctx, loc, timeout)
	} else {
		s, err = openSQLite(ctx, loc, timeout)
	}
	if err != nil {
		return nil, err
	}
	s.timeout = timeout
	s.migratedFrom = -1
	if err := s.prepareSchema(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// MigratedFrom says whether Open migrated the store's schema, and from
// which version (0: the store was new).
func (s *Store) MigratedFrom() (version int, migrated bool) {
	return s.migratedFrom, s.migratedFrom >= 0
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
	return fmt.Errorf("store %s: %s: %w", s.loc, doing, s.explainWait(err))
}
