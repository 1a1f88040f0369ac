package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// dialect holds what differs between SQLite's SQL and PostgreSQL's.
type dialect struct {
	name  string
	id    string // an auto-numbered primary key column's type
	float string // a 64-bit float column's type
	time  string // fmt pattern: unix nanoseconds to a timestamp
	// clustered ends a table keyed by (run_id, …) so that its rows lie in
	// key order: a run's cases, or a case's repetitions, are then read
	// from neighbouring pages by one search rather than an index search
	// and a row lookup each.
	clustered string
	// migrationLock, run first in the migrating transaction, keeps two
	// processes from migrating at once (SQLite's BEGIN IMMEDIATE does it).
	migrationLock string
	numbered      bool // placeholders are $1, $2, … rather than ?
}

// q writes a query with ? placeholders in the dialect's own.
func (d dialect) q(query string) string {
	if d.numbered {
		return rebind(query)
	}
	return query
}

// ddl fills a schema statement's {ID}, {FLOAT}, {CLUSTERED} and
// {TIME(col)} in.
func (d dialect) ddl(stmt string) string {
	stmt = strings.ReplaceAll(stmt, "{ID}", d.id)
	stmt = strings.ReplaceAll(stmt, "{CLUSTERED}", d.clustered)
	stmt = strings.ReplaceAll(stmt, "{FLOAT}", d.float)
	for {
		i := strings.Index(stmt, "{TIME(")
		if i < 0 {
			return stmt
		}
		j := strings.Index(stmt[i:], ")}")
		col := stmt[i+len("{TIME(") : i+j]
		stmt = stmt[:i] + fmt.Sprintf(d.time, col) + stmt[i+j+2:]
	}
}

// migrations are the schema's versions in order; migration i brings a
// store from version i to i+1. Never edit one that has shipped: add the
// next.
var migrations = [][]string{
	// 1: runs, hosts, configs, cases, repetitions and histograms, and the
	// case_latency view for dashboards.
	{
		`CREATE TABLE hosts (
			id {ID},
			sha256 TEXT NOT NULL UNIQUE,
			hostname TEXT NOT NULL,
			kernel TEXT NOT NULL,
			cpu_model TEXT NOT NULL,
			cpus INTEGER NOT NULL,
			virtualization TEXT NOT NULL,
			clock_source TEXT NOT NULL,
			thp TEXT NOT NULL
		)`,
		`CREATE TABLE configs (
			id {ID},
			sha256 TEXT NOT NULL UNIQUE,
			config_json TEXT NOT NULL
		)`,
		`CREATE TABLE runs (
			id {ID},
			sha256 TEXT NOT NULL UNIQUE,
			host_id BIGINT NOT NULL REFERENCES hosts (id),
			config_id BIGINT NOT NULL REFERENCES configs (id),
			started_ns BIGINT NOT NULL,
			finished_ns BIGINT NOT NULL,
			label TEXT NOT NULL,
			commit_id TEXT NOT NULL,
			ipcbench_version TEXT NOT NULL,
			go_version TEXT NOT NULL,
			incomplete TEXT NOT NULL,
			cases INTEGER NOT NULL,
			envelope_json TEXT NOT NULL,
			added_ns BIGINT NOT NULL
		)`,
		`CREATE INDEX runs_started ON runs (started_ns)`,
		`CREATE INDEX runs_label ON runs (label, started_ns)`,
		`CREATE INDEX runs_commit ON runs (commit_id)`,
		`CREATE INDEX runs_host ON runs (host_id, started_ns)`,
		// cases holds what queries filter and dashboards chart, and
		// nothing large, so that a scan or an index walk over it stays
		// cheap; the rest of each case is in case_details.
		`CREATE TABLE cases (
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			ord INTEGER NOT NULL,
			case_key TEXT NOT NULL,
			transport TEXT NOT NULL,
			workload TEXT NOT NULL,
			size_bytes BIGINT NOT NULL,
			offered_rate {FLOAT} NOT NULL,
			status TEXT NOT NULL,
			p50_ns BIGINT NOT NULL,
			p90_ns BIGINT NOT NULL,
			p99_ns BIGINT NOT NULL,
			p999_ns BIGINT NOT NULL,
			mean_ns {FLOAT} NOT NULL,
			msgs_per_sec {FLOAT} NOT NULL,
			mb_per_sec {FLOAT} NOT NULL,
			cpu_ns_per_msg {FLOAT} NOT NULL,
			syscalls_per_msg {FLOAT} NOT NULL,
			copies_per_msg {FLOAT} NOT NULL,
			samples BIGINT NOT NULL,
			PRIMARY KEY (run_id, ord)
		) {CLUSTERED}`,
		`CREATE INDEX cases_key ON cases (case_key, run_id, ord, samples)`,
		// case_keys lists every case key stored, so that --case is matched
		// against a few hundred keys, not every case of every run.
		`CREATE TABLE case_keys (case_key TEXT PRIMARY KEY)`,
		`CREATE TABLE case_details (
			run_id BIGINT NOT NULL,
			case_ord INTEGER NOT NULL,
			detail_json TEXT NOT NULL,
			workers_json TEXT NOT NULL,
			PRIMARY KEY (run_id, case_ord),
			FOREIGN KEY (run_id, case_ord) REFERENCES cases (run_id, ord) ON DELETE CASCADE
		) {CLUSTERED}`,
		`CREATE TABLE repetitions (
			run_id BIGINT NOT NULL,
			case_ord INTEGER NOT NULL,
			ord INTEGER NOT NULL,
			messages BIGINT NOT NULL,
			window_ns BIGINT NOT NULL,
			p50_ns {FLOAT} NOT NULL,
			p90_ns {FLOAT} NOT NULL,
			p99_ns {FLOAT} NOT NULL,
			p999_ns {FLOAT} NOT NULL,
			mean_ns {FLOAT} NOT NULL,
			min_ns {FLOAT} NOT NULL,
			max_ns {FLOAT} NOT NULL,
			stddev_ns {FLOAT} NOT NULL,
			msgs_per_sec {FLOAT} NOT NULL,
			mb_per_sec {FLOAT} NOT NULL,
			cpu_ns_per_msg {FLOAT} NOT NULL,
			syscalls_per_msg {FLOAT} NOT NULL,
			copies_per_msg {FLOAT} NOT NULL,
			samples BIGINT NOT NULL,
			flags_json TEXT NOT NULL,
			PRIMARY KEY (run_id, case_ord, ord),
			FOREIGN KEY (run_id, case_ord) REFERENCES cases (run_id, ord) ON DELETE CASCADE
		) {CLUSTERED}`,
		`CREATE TABLE histograms (
			run_id BIGINT NOT NULL,
			case_ord INTEGER NOT NULL,
			hdr TEXT NOT NULL,
			PRIMARY KEY (run_id, case_ord),
			FOREIGN KEY (run_id, case_ord) REFERENCES cases (run_id, ord) ON DELETE CASCADE
		) {CLUSTERED}`,
		// case_latency is what a dashboard charts: one row per ok case per
		// run, with a timestamp column (Grafana's PostgreSQL and SQLite
		// data sources take it as the time axis).
		`CREATE VIEW case_latency AS
			SELECT {TIME(r.started_ns)} AS time, r.started_ns, r.id AS run_id,
				h.hostname, r.label, r.commit_id,
				c.case_key, c.transport, c.workload, c.size_bytes, c.offered_rate,
				c.p50_ns, c.p90_ns, c.p99_ns, c.p999_ns, c.mean_ns,
				c.msgs_per_sec, c.mb_per_sec, c.cpu_ns_per_msg, c.syscalls_per_msg
			FROM cases c
			JOIN runs r ON r.id = c.run_id
			JOIN hosts h ON h.id = r.host_id
			WHERE c.status = 'ok'`,
	},
}

// SchemaVersion is the schema version this ipcbench writes.
var SchemaVersion = len(migrations)

// migrate brings the store's schema up to SchemaVersion in one
// transaction that holds the store's write lock, so that processes
// opening a new store at once migrate it once. A store newer than this
// ipcbench is refused: it may hold what this one would misread.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errf("begin the migration", err)
	}
	defer tx.Rollback()
	if s.d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
			return s.errf("lock the schema", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ipcbench_schema (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL)`); err != nil {
		return s.errf("create the schema table", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM ipcbench_schema`).Scan(&have); err != nil {
		return s.errf("read the schema version", err)
	}
	if have > SchemaVersion {
		return fmt.Errorf("store %s: schema version %d is newer than this ipcbench's (%d): upgrade ipcbench", s.loc, have, SchemaVersion)
	}
	for v := have; v < SchemaVersion; v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, s.d.ddl(stmt)); err != nil {
				return s.errf(fmt.Sprintf("migrate to schema version %d", v+1), err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO ipcbench_schema (version, applied_ns) VALUES (?, ?)`), v+1, time.Now().UnixNano()); err != nil {
			return s.errf("record the schema version", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.errf("commit the migration", err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

var _ scanner = (*sql.Row)(nil)
