package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
)

// ErrTampered means a stored run no longer hashes to the content hash it
// was stored under: its rows were changed after it was stored.
var ErrTampered = errors.New("changed since it was stored")

// Mismatch is a stored run that failed verification.
type Mismatch struct {
	ID    int64
	Label string
	// Stored is the content hash the run was stored under; Actual the
	// hash of what its rows hold now, empty where they could not be read
	// back as a valid results file (Err says why).
	Stored, Actual string
	Err            error
}

// verifyBatch is how many runs Verify reads back at a time: enough to
// keep the queries few, few enough to keep the runs in memory small.
const verifyBatch = 64

// Verify reads back, whole, every run sel picks and checks that each
// still hashes to the content hash it was stored under, as Export does.
// It returns how many runs it checked and those that failed; err is a
// failure to read the store, not a run that fails.
func (s *Store) Verify(ctx context.Context, sel Selector) (checked int, bad []Mismatch, err error) {
	runs, err := s.storedHashes(ctx, sel)
	if err != nil {
		return 0, nil, err
	}
	for len(runs) > 0 {
		batch := runs[:min(verifyBatch, len(runs))]
		runs = runs[len(batch):]
		failed, err := s.verifyBatch(ctx, batch)
		if err != nil {
			return checked, bad, err
		}
		checked += len(batch)
		bad = append(bad, failed...)
	}
	return checked, bad, nil
}

// storedHashes lists the runs sel picks, each with its label and the
// content hash it was stored under.
func (s *Store) storedHashes(ctx context.Context, sel Selector) ([]Mismatch, error) {
	cond, args := sel.where()
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT r.id, r.label, r.sha256 FROM runs r JOIN hosts h ON h.id = r.host_id
		WHERE `+cond+` ORDER BY r.started_ns, r.id`), args...)
	if err != nil {
		return nil, s.errf("list runs", err)
	}
	defer rows.Close()
	var out []Mismatch
	for rows.Next() {
		var m Mismatch
		if err := rows.Scan(&m.ID, &m.Label, &m.Stored); err != nil {
			return nil, s.errf("list runs", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf("list runs", err)
	}
	return out, nil
}

// verifyBatch checks a few runs read back together; where one of them
// cannot be read back, it reads each alone to say which.
func (s *Store) verifyBatch(ctx context.Context, batch []Mismatch) ([]Mismatch, error) {
	sel := Selector{}
	for _, m := range batch {
		sel.RunIDs = append(sel.RunIDs, m.ID)
	}
	files, names, err := s.Load(ctx, sel, Load{Full: true})
	if err != nil && len(batch) > 1 {
		var bad []Mismatch
		for _, m := range batch {
			failed, err := s.verifyBatch(ctx, []Mismatch{m})
			if err != nil {
				return nil, err
			}
			bad = append(bad, failed...)
		}
		return bad, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		m := batch[0]
		m.Err = err
		return []Mismatch{m}, nil
	}
	byName := make(map[string]*results.File, len(files))
	for i, f := range files {
		byName[names[i]] = f
	}
	var bad []Mismatch
	for _, m := range batch {
		f := byName["run:"+strconv.FormatInt(m.ID, 10)]
		if f == nil { // deleted since it was listed
			continue
		}
		actual, err := s.checkContent(m.ID, m.Stored, f)
		if err != nil {
			m.Actual, m.Err = actual, err
			bad = append(bad, m)
		}
	}
	return bad, nil
}

// checkContent compares the content hash of a run read back with the one
// it was stored under, and returns the hash of what was read.
func (s *Store) checkContent(runID int64, stored string, f *results.File) (string, error) {
	actual, err := ContentHash(f)
	if err != nil {
		return "", err
	}
	if actual != stored {
		return actual, fmt.Errorf("store %s: run:%d is %w: it was stored with content hash %.12s…, but its rows now hash to %.12s…: "+
			"a row was changed outside ipcbench; `ipcbench store verify` lists every such run", s.loc, runID, ErrTampered, textsafe.Terminal(stored), actual)
	}
	return actual, nil
}
