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
	// tablesIn lists the names of the tables and views, of those named in
	// its IN (%s), that the store's queries would find.
	tablesIn string
	// denied says whether err is the server refusing a privilege.
	denied func(err error) bool
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
	// 2: each repetition's round, its place in that round's order and
	// the interference in its window. A repetition stored before has
	// round 0, position 0 and no interference, as its file had.
	{
		`ALTER TABLE repetitions ADD COLUMN round INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE repetitions ADD COLUMN position INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE repetitions ADD COLUMN interference_json TEXT`,
	},
	// 3: the change points ipcbench changes --record found, and the
	// change_annotations view that a dashboard marks them with. They are
	// derived from the runs, not part of any run's content: no run's
	// content hash covers them.
	{
		`CREATE TABLE change_points (
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			hostname TEXT NOT NULL,
			case_key TEXT NOT NULL,
			metric TEXT NOT NULL,
			started_ns BIGINT NOT NULL,
			magnitude {FLOAT} NOT NULL,
			lo {FLOAT} NOT NULL,
			hi {FLOAT} NOT NULL,
			p {FLOAT} NOT NULL,
			direction TEXT NOT NULL,
			kind TEXT NOT NULL,
			commit_from TEXT NOT NULL,
			commit_to TEXT NOT NULL,
			annotation TEXT NOT NULL,
			recorded_ns BIGINT NOT NULL,
			PRIMARY KEY (hostname, case_key, metric, run_id)
		)`,
		`CREATE INDEX change_points_started ON change_points (started_ns)`,
		`CREATE INDEX change_points_run ON change_points (run_id)`,
		// change_annotations is what a dashboard's annotation query reads:
		// Grafana takes time, text and tags (comma-separated) as they are.
		`CREATE VIEW change_annotations AS
			SELECT {TIME(started_ns)} AS time, started_ns, run_id, hostname, case_key, metric,
				magnitude, lo, hi, p, direction, kind, commit_from, commit_to,
				annotation AS text, kind || ',' || direction AS tags
			FROM change_points`,
	},
}

// SchemaVersion is the schema version this ipcbench writes.
var SchemaVersion = len(migrations)

// schemaTables are the tables the migrations create: a database holding
// one of them but no ipcbench_schema table is not a new store.
var schemaTables = []string{"hosts", "configs", "runs", "cases", "case_keys", "case_details", "repetitions", "histograms", "change_points"}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// prepareSchema reads the store's schema version without writing, and
// migrates only a store whose schema is behind this ipcbench's. A store
// that is up to date therefore opens for a role that may only read, or
// read and insert: it never needs CREATE.
func (s *Store) prepareSchema(ctx context.Context) error {
	have, err := s.schemaVersion(ctx, s.db)
	if err != nil || have == SchemaVersion {
		return err
	}
	return s.migrate(ctx)
}

// schemaVersion reads the store's schema version: 0 for a new, empty
// database. The ipcbench_schema table must hold one row for each version
// from 1 up, with no gap; a store newer than this ipcbench is refused, as
// it may hold what this one would misread.
func (s *Store) schemaVersion(ctx context.Context, q queryer) (int, error) {
	tables, err := s.existingTables(ctx, q)
	if err != nil {
		return 0, err
	}
	have := 0
	if tables["ipcbench_schema"] {
		if have, err = s.recordedVersion(ctx, q); err != nil {
			return 0, err
		}
	}
	var found []string
	for _, t := range schemaTables {
		if tables[t] {
			found = append(found, t)
		}
	}
	if have > 0 || len(found) == 0 {
		return have, nil
	}
	what := "has no ipcbench_schema table"
	if tables["ipcbench_schema"] {
		what = "records no version in its ipcbench_schema table"
	}
	return 0, fmt.Errorf("store %s %s, yet holds the tables %s: either ipcbench_schema was dropped or emptied "+
		"(put back one row per schema version applied: version 1 to %d, applied_ns 0), or the database holds another "+
		"program's tables of these names (give --store an empty database)", s.loc, what, strings.Join(found, ", "), SchemaVersion)
}

// recordedVersion reads the versions in ipcbench_schema, which must be
// 1, 2, … with no gap, and returns the last; it reads no further than
// one version past SchemaVersion.
func (s *Store) recordedVersion(ctx context.Context, q queryer) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM ipcbench_schema ORDER BY version`)
	if err != nil {
		return 0, s.errf("read the schema version", err)
	}
	defer rows.Close()
	want := int64(1)
	for ; rows.Next(); want++ {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return 0, s.errf("read the schema version", err)
		}
		switch {
		case v != want:
			return 0, fmt.Errorf("store %s: ipcbench_schema holds version %d where version %d belongs: it must hold one row "+
				"for each schema version applied, 1 up to the store's version, with no gap; it was changed outside ipcbench: "+
				"put its rows back, or restore the store from a backup", s.loc, v, want)
		case v > int64(SchemaVersion):
			return 0, fmt.Errorf("store %s: schema version %d or later is newer than this ipcbench's (%d): upgrade ipcbench", s.loc, v, SchemaVersion)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, s.errf("read the schema version", err)
	}
	return int(want - 1), nil
}

// existingTables says which of ipcbench_schema and schemaTables the
// database holds where the store's queries would find them. It asks in
// one statement, so that it sees one state of the database while another
// process migrates it, and needs no privilege on the tables.
func (s *Store) existingTables(ctx context.Context, q queryer) (map[string]bool, error) {
	names := append([]any{"ipcbench_schema"}, make([]any, len(schemaTables))...)
	for i, t := range schemaTables {
		names[i+1] = t
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	rows, err := q.QueryContext(ctx, s.d.q(fmt.Sprintf(s.d.tablesIn, marks)), names...)
	if err != nil {
		return nil, s.errf("list the store's tables", err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, s.errf("list the store's tables", err)
		}
		found[name] = true
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf("list the store's tables", err)
	}
	return found, nil
}

// migrate brings the store's schema up to SchemaVersion in one
// transaction that holds the store's write lock, so that processes
// opening a new store at once migrate it once. Under the lock it reads
// the version again: another process may have migrated meanwhile.
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
	have, err := s.schemaVersion(ctx, tx)
	if err != nil || have == SchemaVersion {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ipcbench_schema (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL)`); err != nil {
		return s.migrateErr(have, "create the schema table", err)
	}
	for v := have; v < SchemaVersion; v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, s.d.ddl(stmt)); err != nil {
				return s.migrateErr(have, fmt.Sprintf("migrate to schema version %d", v+1), err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO ipcbench_schema (version, applied_ns) VALUES (?, ?)`), v+1, time.Now().UnixNano()); err != nil {
			return s.migrateErr(have, "record the schema version", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.errf("commit the migration", err)
	}
	s.migratedFrom = have
	return nil
}

// migrateErr names a failed migration, and where the role may not create
// tables says who can migrate the store.
func (s *Store) migrateErr(have int, doing string, err error) error {
	if s.d.denied(err) {
		return fmt.Errorf("store %s: schema version %d is behind this ipcbench's %d, and this role may not migrate it (%s: %w): "+
			"run `ipcbench store migrate` as the store's owner (docs/store.md, Roles)", s.loc, have, SchemaVersion, doing, err)
	}
	return s.errf(doing, err)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

var _ scanner = (*sql.Row)(nil)
