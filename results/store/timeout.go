package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultTimeout bounds each wait on a store where Options name none. A
// store operation takes well under a second (a history over 10,000 runs:
// 0.6 s), so 30 s is a lock someone holds or a server that does not
// answer, not a slow query.
const DefaultTimeout = 30 * time.Second

// Options tune how a store is opened.
type Options struct {
	// Timeout bounds each wait on the store: connecting and each lock on
	// PostgreSQL (connect_timeout, lock_timeout; a statement as a whole
	// gets twice it, statement_timeout; a URL that sets them wins),
	// another process's lock on SQLite (busy_timeout). 0 means
	// DefaultTimeout.
	Timeout time.Duration
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// SQLSTATEs of the waits PostgreSQL gives up on.
const (
	sqlstateLockTimeout   = "55P03" // lock_not_available: lock_timeout
	sqlstateQueryCanceled = "57014" // query_canceled: statement_timeout, or a cancel
)

// explainWait adds to err, where it ended a wait on the store, what was
// waited for, how long, and what to do; other errors it returns as they
// are. Every message is passed through Redact.
func (s *Store) explainWait(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == sqlstateLockTimeout:
		return redacted{fmt.Errorf("%w: waited %s (--store-timeout) for a lock that another session holds%s; pg_locks lists the holders (SELECT pid, mode, relation::regclass FROM pg_locks WHERE granted), or give a longer --store-timeout",
			err, s.timeout, s.lockHolders())}
	case errors.As(err, &pgErr) && pgErr.Code == sqlstateQueryCanceled && strings.Contains(pgErr.Message, "statement timeout"):
		return redacted{fmt.Errorf("%w: the statement ran past %s (twice --store-timeout)%s; give a longer --store-timeout", err, 2*s.timeout, s.lockHolders())}
	case strings.Contains(err.Error(), "SQLITE_BUSY"):
		return redacted{fmt.Errorf("%w: waited %s (--store-timeout) for another process that holds the lock on %s (fuser %[3]s names it); give a longer --store-timeout", err, s.timeout, s.loc.Path)}
	}
	return explainDeadline(err, s.timeout)
}

// explainDeadline says how long was waited where err is a context
// deadline: a server that did not answer, or the open's whole budget spent.
func explainDeadline(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return redacted{fmt.Errorf("%w: gave up after %s (--store-timeout): the store did not answer in time; give a longer --store-timeout, or check that the server is up and reachable", err, timeout)}
	}
	return redacted{err}
}

// lockHolders names the sessions that hold a lock a store operation may
// wait for: a lock above ACCESS SHARE on one of the store's tables, or
// the migration's advisory lock. It is best effort, bounded by the
// store's timeout, and says nothing when it finds nothing.
func (s *Store) lockHolders() string {
	if s.d.name != postgresDialect.name {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `
		SELECT l.pid, l.mode, COALESCE(c.relname, ''), COALESCE(a.usename, '')
		FROM pg_locks l
		LEFT JOIN pg_class c ON c.oid = l.relation
		LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.granted AND l.pid <> pg_backend_pid()
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND ((l.locktype = 'relation' AND l.mode <> 'AccessShareLock' AND c.relname IN (`+quotedList(storeTables())+`))
			OR (l.locktype = 'advisory' AND l.objid = `+migrationLockKey+`))
		ORDER BY l.pid, c.relname LIMIT 5`)
	if err != nil {
		return ""
	}
	defer rows.Close()
	var held []string
	for rows.Next() {
		var pid int64
		var mode, table, user string
		if rows.Scan(&pid, &mode, &table, &user) != nil {
			return ""
		}
		what := "the migration lock"
		if table != "" {
			what = "table " + table
		}
		held = append(held, fmt.Sprintf("pid %d (user %s) holds %s on %s", pid, textsafe.Terminal(user), mode, what))
	}
	if rows.Err() != nil || len(held) == 0 {
		return ""
	}
	return ": " + strings.Join(held, ", ")
}

// migrationLockKey is the advisory lock key of postgresDialect's
// migrationLock.
const migrationLockKey = "1768976482"

// createdTable finds the table or view a migration statement creates.
var createdTable = regexp.MustCompile(`(?i)CREATE\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)

// storeTables lists the tables and views the store's schema creates.
func storeTables() []string {
	names := []string{"ipcbench_schema"}
	for _, m := range migrations {
		for _, stmt := range m {
			if t := createdTable.FindStringSubmatch(stmt); t != nil {
				names = append(names, t[1])
			}
		}
	}
	return names
}

// quotedList writes names as SQL string literals for IN (…); they are the
// schema's own identifiers, never user input.
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + strings.ReplaceAll(n, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// redacted is an error whose message is passed through Redact: a driver
// error may quote a connection string.
type redacted struct{ err error }

func (r redacted) Error() string { return Redact(r.err.Error()) }
func (r redacted) Unwrap() error { return r.err }
