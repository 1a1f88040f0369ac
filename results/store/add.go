package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// Added says what Add did with a run.
type Added struct {
	RunID int64
	// Duplicate: the store already held a run with this content, whose id
	// RunID is; nothing was written.
	Duplicate bool
}

// ContentHash is the SHA-256 of a run's canonical JSON (encoding/json of
// the parsed file, map keys sorted), so that a run stored straight from
// ipcbench run and the results file it also wrote hash alike, however the
// file was indented. A field added to the results types must therefore
// be omitempty: one written when zero would change the hash of every run
// stored before it, and store verify would call them changed.
func ContentHash(f *results.File) (string, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encode the run: %w", err)
	}
	return sum(data), nil
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Add validates a run and stores it in one transaction: all of it, or,
// on any error, nothing. A run whose content the store already holds is
// not stored again; Added names the run that holds it.
func (s *Store) Add(ctx context.Context, f *results.File) (Added, error) {
	if err := results.Validate(f); err != nil {
		return Added{}, fmt.Errorf("store: refused, nothing stored: %w", err)
	}
	hash, err := ContentHash(f)
	if err != nil {
		return Added{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Added{}, s.errf("begin", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM runs WHERE sha256 = ?`), hash).Scan(&id)
	switch {
	case err == nil:
		return Added{RunID: id, Duplicate: true}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Added{}, s.errf("look the run up", err)
	}
	id, dup, err := s.insertRun(ctx, tx, f, hash)
	if err != nil || dup {
		return Added{RunID: id, Duplicate: dup}, err
	}
	if err := s.insertCases(ctx, tx, id, f.Cases); err != nil {
		return Added{}, err
	}
	if err := tx.Commit(); err != nil {
		return Added{}, s.errf("commit the run", err)
	}
	return Added{RunID: id}, nil
}

// insertRun stores the run's host, configuration and envelope (the file
// without its cases), and returns the run's id; dup when another writer
// stored the same content first.
func (s *Store) insertRun(ctx context.Context, tx *sql.Tx, f *results.File, hash string) (int64, bool, error) {
	h := f.Host
	hostID, err := s.upsert(ctx, tx, "hosts",
		[]string{"hostname", "kernel", "cpu_model", "cpus", "virtualization", "clock_source", "thp"},
		[]any{h.Hostname, h.Kernel, h.CPUModel, h.CPUs, h.Virtualization, h.ClockSource, h.THP})
	if err != nil {
		return 0, false, err
	}
	cfg := f.Config // what the run measured, not what it was called or how it was typed
	cfg.Label, cfg.CommandLine = "", nil
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return 0, false, fmt.Errorf("encode the run's configuration: %w", err)
	}
	configID, err := s.upsert(ctx, tx, "configs", []string{"config_json"}, []any{string(cfgJSON)})
	if err != nil {
		return 0, false, err
	}
	env := *f
	env.Cases = nil
	envJSON, err := json.Marshal(env)
	if err != nil {
		return 0, false, fmt.Errorf("encode the run: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, s.d.q(`INSERT INTO runs
		(sha256, host_id, config_id, started_ns, finished_ns, label, commit_id, ipcbench_version, go_version, incomplete, cases, envelope_json, added_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING RETURNING id`),
		hash, hostID, configID, unixNs(f.StartedAt), unixNs(f.FinishedAt), f.Config.Label, h.Commit, h.Version, h.GoVersion,
		f.Incomplete, len(f.Cases), string(envJSON), time.Now().UnixNano()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) { // stored by another writer since the look-up
		err = tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM runs WHERE sha256 = ?`), hash).Scan(&id)
		if err != nil {
			return 0, false, s.errf("look the run up", err)
		}
		return id, true, nil
	}
	if err != nil {
		return 0, false, s.errf("insert the run", err)
	}
	return id, false, nil
}

// upsert returns the id of the row of table whose content hash is that
// of vals, inserting it first where there is none.
func (s *Store) upsert(ctx context.Context, tx *sql.Tx, table string, cols []string, vals []any) (int64, error) {
	data, err := json.Marshal(vals)
	if err != nil {
		return 0, fmt.Errorf("encode a %s row: %w", table, err)
	}
	hash := sum(data)
	marks := strings.Repeat("?, ", len(cols)) + "?"
	if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`, sha256) VALUES (`+marks+`) ON CONFLICT (sha256) DO NOTHING`),
		append(vals, hash)...); err != nil {
		return 0, s.errf("insert into "+table, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM `+table+` WHERE sha256 = ?`), hash).Scan(&id); err != nil {
		return 0, s.errf("look up "+table, err)
	}
	return id, nil
}

var (
	caseCols = []string{"run_id", "ord", "case_key", "transport", "workload", "size_bytes", "offered_rate", "status",
		"p50_ns", "p90_ns", "p99_ns", "p999_ns", "mean_ns", "msgs_per_sec", "mb_per_sec", "cpu_ns_per_msg",
		"syscalls_per_msg", "copies_per_msg", "samples"}
	detailCols = []string{"run_id", "case_ord", "detail_json", "workers_json"}
	repCols    = []string{"run_id", "case_ord", "ord", "messages", "window_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns",
		"mean_ns", "min_ns", "max_ns", "stddev_ns", "msgs_per_sec", "mb_per_sec", "cpu_ns_per_msg",
		"syscalls_per_msg", "copies_per_msg", "samples", "flags_json", "round", "position", "interference_json"}
	histCols = []string{"run_id", "case_ord", "hdr"}
)

// insertCases stores a run's cases, their repetitions and histograms,
// many rows to a statement.
func (s *Store) insertCases(ctx context.Context, tx *sql.Tx, runID int64, cases []results.Case) error {
	var caseRows, detailRows, repRows, histRows [][]any
	keys := map[string]bool{}
	for i, c := range cases {
		detail := c
		detail.HistogramHDR, detail.Repetitions, detail.Workers = "", nil, nil
		d, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("encode case %s: %w", c.Key(), err)
		}
		w, err := json.Marshal(c.Workers)
		if err != nil {
			return fmt.Errorf("encode case %s's workers: %w", c.Key(), err)
		}
		l := c.Latency
		key := CaseKey(c.Key())
		keys[key] = true
		caseRows = append(caseRows, []any{runID, i, key, c.Transport, c.Workload, c.SizeBytes, c.OfferedRate, c.Status,
			l.P50Ns, l.P90Ns, l.P99Ns, l.P999Ns, l.MeanNs, c.MsgsPerSec, c.MBPerSec, c.CPUNsPerMsg,
			c.SyscallsPerMsg, c.CopiesPerMsg, int64(c.Samples)})
		detailRows = append(detailRows, []any{runID, i, string(d), string(w)})
		for j, r := range c.Repetitions {
			row, err := repetitionRow(runID, i, j, r)
			if err != nil {
				return fmt.Errorf("encode case %s's repetition %d: %w", c.Key(), j, err)
			}
			repRows = append(repRows, row)
		}
		if c.HistogramHDR != "" {
			histRows = append(histRows, []any{runID, i, c.HistogramHDR})
		}
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{{"cases", caseCols, caseRows}, {"case_details", detailCols, detailRows}, {"repetitions", repCols, repRows}, {"histograms", histCols, histRows}} {
		if err := s.insertRows(ctx, tx, t.table, t.cols, t.rows); err != nil {
			return err
		}
	}
	for k := range keys {
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO case_keys (case_key) VALUES (?) ON CONFLICT (case_key) DO NOTHING`), k); err != nil {
			return s.errf("insert into case_keys", err)
		}
	}
	return nil
}

// repetitionRow is repetition j of case i as a row of repCols. Its
// interference is NULL where the file has none.
func repetitionRow(runID int64, i, j int, r results.Repetition) ([]any, error) {
	flags, err := json.Marshal(r.Flags)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	var interference sql.NullString
	if r.Interference != nil {
		data, err := json.Marshal(r.Interference)
		if err != nil {
			return nil, fmt.Errorf("interference: %w", err)
		}
		interference = sql.NullString{String: string(data), Valid: true}
	}
	return []any{runID, i, j, int64(r.Messages), r.WindowNs, r.P50Ns, r.P90Ns, r.P99Ns, r.P999Ns,
		r.MeanNs, r.MinNs, r.MaxNs, r.StddevNs, r.MsgsPerSec, r.MBPerSec, r.CPUNsPerMsg,
		r.SyscallsPerMsg, r.CopiesPerMsg, int64(r.Samples), string(flags), r.Round, r.Position, interference}, nil
}

// maxParams keeps a statement's placeholders well under SQLite's limit
// (32766) and PostgreSQL's (65535).
const maxParams = 8000

// insertRows inserts rows into table, as many to a statement as
// maxParams allows.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	per := max(maxParams/len(cols), 1)
	row := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, n*len(cols))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, s.d.q(b.String()), args...); err != nil {
			return s.errf("insert into "+table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// CaseKey is the key a case is stored and matched under: its
// results.CaseKey as printed, without spaces (pipe/pingpong/64B), as
// history's --case matches it.
func CaseKey(k results.CaseKey) string { return strings.ReplaceAll(k.String(), " ", "") }

func unixNs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
