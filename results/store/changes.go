package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ChangePoint is a change point in one host's series of one case and
// metric, as the change_points table keeps it: keyed by host, case,
// metric and the run the change starts at.
type ChangePoint struct {
	RunID   int64     // the first run after the change
	Started time.Time // that run's start: the annotation's time
	Host    string
	Case    string // the case's key, as case_latency's case_key
	Metric  string // p50, p99, msgs_per_sec, …
	// Magnitude is the new level over the old, less 1; Lo and Hi its 95 %
	// interval, P the change point's p-value.
	Magnitude, Lo, Hi, P float64
	Direction            string // regression or improvement
	Kind                 string // code or host
	// CommitFrom and CommitTo are the commits of the last run before the
	// change and of the first run after it.
	CommitFrom, CommitTo string
	// Text is the annotation a dashboard shows.
	Text string
}

// RunIDOf reads the store's name for a run, "run:N", as Load names the
// runs it reads; ok is false for any other name (a results file's path).
func RunIDOf(name string) (id int64, ok bool) {
	digits, found := strings.CutPrefix(name, "run:")
	if !found {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, err == nil && id > 0
}

// RecordChanges stores change points in one transaction, each once: a
// point whose host, case, metric and run the store already holds is left
// as first recorded, so that recording the same search again adds
// nothing, and a writer needs only INSERT. It returns how many points
// were new.
func (s *Store) RecordChanges(ctx context.Context, points []ChangePoint) (added int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.errf("begin", err)
	}
	defer tx.Rollback()
	now := time.Now().UnixNano()
	for _, p := range points {
		res, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO change_points
			(run_id, hostname, case_key, metric, started_ns, magnitude, lo, hi, p, direction, kind, commit_from, commit_to, annotation, recorded_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (hostname, case_key, metric, run_id) DO NOTHING`),
			p.RunID, p.Host, p.Case, p.Metric, unixNs(p.Started), p.Magnitude, p.Lo, p.Hi, p.P,
			p.Direction, p.Kind, p.CommitFrom, p.CommitTo, p.Text, now)
		if err != nil {
			return 0, s.errf(fmt.Sprintf("record the change point of %s %s %s at run:%d", p.Host, p.Case, p.Metric, p.RunID), err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, s.errf("count the change points recorded", err)
		}
		added += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.errf("commit the change points", err)
	}
	return added, nil
}
