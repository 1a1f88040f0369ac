package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"golang.org/x/sys/unix"

	_ "modernc.org/sqlite" // registers "sqlite": pure Go, so the binary stays static
)

// sqliteDialect is SQLite's SQL: ? placeholders, INTEGER PRIMARY KEY as
// the row id.
var sqliteDialect = dialect{
	name:  "sqlite",
	id:    "INTEGER PRIMARY KEY",
	float: "REAL",
	time:  "datetime(%s / 1000000000, 'unixepoch')",
}

// openSQLite opens (creating where missing) the SQLite file at loc.Path.
// The file must be a regular file of the caller's own, never a symbolic
// link; a new one is made 0600 in a directory made 0700. WAL journaling
// lets readers run beside a writer, write transactions begin IMMEDIATE so
// that two writers queue on the busy timeout rather than deadlock, and
// foreign keys are enforced.
func openSQLite(ctx context.Context, loc Location, busyTimeout time.Duration) (*Store, error) {
	if err := prepareSQLiteFile(loc.Path); err != nil {
		return nil, fmt.Errorf("store sqlite:%s: %w", loc.Path, err)
	}
	q := url.Values{}
	busy := fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds())
	for _, p := range []string{busy, "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	loc.DSN = "file:" + (&url.URL{Path: loc.Path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", loc.DSN)
	if err != nil {
		return nil, fmt.Errorf("store sqlite:%s: open: %w", loc.Path, err)
	}
	if err := pingBusy(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store sqlite:%s: open: %w", loc.Path, err)
	}
	return &Store{db: db, d: sqliteDialect, loc: loc}, nil
}

// pingBusy opens the first connection, waiting while another process
// holds the lock. Switching a new database to WAL takes an exclusive lock
// and, unlike other statements, fails at once with SQLITE_BUSY rather
// than waiting out busy_timeout, so several processes creating one store
// at the same moment would otherwise fail.
func pingBusy(ctx context.Context, db *sql.DB) error {
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waited for another writer: %v)", err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// prepareSQLiteFile makes the database's directory and file where they
// are missing and refuses what ipcbench must not open: a symbolic link, a
// device or FIFO, or another user's file.
func prepareSQLiteFile(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return fmt.Errorf("create the store's directory: %w", err)
		}
		if err := safeout.MkdirOwn(dir, 0o700); err != nil {
			return err
		}
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o600)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return fmt.Errorf("%s is %w", path, safeout.ErrSymlink)
		}
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("fstat %s: %w", path, err)
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return fmt.Errorf("%s is not a regular file: %w", path, safeout.ErrNotRegular)
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s is %w (uid %d, not %d): give --store a database of your own", path, safeout.ErrNotOwned, st.Uid, os.Geteuid())
	}
	return nil
}
