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
	name:     "sqlite",
	id:       "INTEGER PRIMARY KEY",
	float:    "REAL",
	time:     "datetime(%s / 1000000000, 'unixepoch')",
	tablesIn: `SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name IN (%s)`,
	denied:   func(error) bool { return false },
}

// openSQLite opens (creating where missing) the SQLite file at loc.Path.
// The file, and each -wal, -shm and -journal beside it, must be a regular
// file of the caller's own that others may not write, never a symbolic
// link, in a directory only the caller may write; a new one is made 0600
// in a directory made 0700. WAL journaling
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
	// Again, now that SQLite has opened or made them: none can have been
	// planted in a private directory, so this guards the check above.
	if err := checkSidecars(loc.Path); err != nil {
		db.Close()
		return nil, fmt.Errorf("store sqlite:%s: %w", loc.Path, err)
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

// sqliteSidecars are the files SQLite keeps beside a database file: the
// write-ahead log, its shared-memory index and the rollback journal.
// SQLite opens them by name and takes what they hold as part of the
// database, so one that another user planted forges or erases the runs.
var sqliteSidecars = []string{"-wal", "-shm", "-journal"}

// ErrShared means a store's file, or the directory it is in, may be
// written by other users, who could then forge or erase its runs.
var ErrShared = errors.New("writable by other users")

// prepareSQLiteFile makes the database's directory and file where they
// are missing and refuses what ipcbench must not open: a store in a
// directory that is not private to the caller, a symbolic link, a device
// or FIFO, another user's file or one that others may write, and the
// same of each file SQLite keeps beside it.
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
	if err := checkPrivateDir(dir); err != nil {
		return err
	}
	if err := checkSidecars(path); err != nil {
		return err
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
	if err := checkOwnFile(path, &st); err != nil {
		return fmt.Errorf("%w: give --store a database of your own", err)
	}
	return nil
}

// checkPrivateDir refuses a store directory that is not the caller's own
// or that others may write to (/tmp, say, sticky bit or not): there
// another user could create the store's -wal or -shm before SQLite does,
// between any check and SQLite's open.
func checkPrivateDir(dir string) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return fmt.Errorf("stat the store's directory %s: %w", dir, err)
	}
	why := ErrShared
	switch {
	case int(st.Uid) != os.Geteuid():
		why = safeout.ErrNotOwned
	case st.Mode&0o022 == 0:
		return nil
	}
	return fmt.Errorf("the store's directory %s (uid %d, mode %04o; you are uid %d) is %w: another user could plant the files "+
		"SQLite keeps beside the store (-wal, -shm, -journal) and forge or erase its runs: keep the store in a directory "+
		"of your own that only you can write, as the default store's ~/.local/share/ipcbench is (docs/store.md)",
		dir, st.Uid, st.Mode&0o7777, os.Geteuid(), why)
}

// checkSidecars refuses a -wal, -shm or -journal beside the database that
// is not a regular file of the caller's own that only the caller may
// write. Where none is, SQLite creates it with the database file's mode.
func checkSidecars(path string) error {
	for _, suffix := range sqliteSidecars {
		p := path + suffix
		var st unix.Stat_t
		err := unix.Lstat(p, &st)
		switch {
		case errors.Is(err, unix.ENOENT):
			continue
		case err != nil:
			return fmt.Errorf("lstat %s: %w", p, err)
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			err = fmt.Errorf("%s is %w", p, safeout.ErrSymlink)
		default:
			err = checkOwnFile(p, &st)
		}
		if err != nil {
			return fmt.Errorf("%w: SQLite would take it as part of the store, so its maker could forge or erase the store's runs: "+
				"if you did not make it, remove it, and keep the store in a directory only you can write (docs/store.md)", err)
		}
	}
	return nil
}

// fileKinds names the kinds of file that are not regular, for messages.
var fileKinds = map[uint32]string{unix.S_IFDIR: "a directory", unix.S_IFIFO: "a FIFO", unix.S_IFSOCK: "a socket",
	unix.S_IFCHR: "a character device", unix.S_IFBLK: "a block device", unix.S_IFLNK: "a symbolic link"}

// checkOwnFile refuses, by its stat, a file that is not regular, not the
// caller's own, or writable by group or others.
func checkOwnFile(path string, st *unix.Stat_t) error {
	perm := st.Mode & 0o7777
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return fmt.Errorf("%s is %s, %w", path, fileKinds[st.Mode&unix.S_IFMT], safeout.ErrNotRegular)
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s is %w (uid %d, mode %04o; you are uid %d)", path, safeout.ErrNotOwned, st.Uid, perm, os.Geteuid())
	case perm&0o022 != 0:
		return fmt.Errorf("%s (mode %04o) is %w (chmod go-w it if it is yours)", path, perm, ErrShared)
	}
	return nil
}
