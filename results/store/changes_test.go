package store

import (
	"context"
	"testing"
	"time"
)

// storedChanges reads the change_annotations view as a dashboard would:
// host, case, metric, run and text, in key order.
func storedChanges(t *testing.T, s *Store) [][5]string {
	t.Helper()
	rows, err := s.db.Query(`SELECT hostname, case_key, metric, run_id, text FROM change_annotations ORDER BY hostname, case_key, metric, run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][5]string
	for rows.Next() {
		var r [5]string
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3], &r[4]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Change points are recorded once per host, case, metric and run: the
// same search recorded again adds nothing, and a point found again with
// other figures keeps those first recorded. They leave the runs' content,
// and so store verify, as it was, and go with their run.
func TestRecordChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		a, err := s.Add(ctx, withRounds(t))
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 3, 4, 5, 6, 0, time.UTC)
		point := func(host, metric, text string) ChangePoint {
			return ChangePoint{RunID: a.RunID, Started: at, Host: host, Case: "pipe/pingpong/64 B", Metric: metric,
				Magnitude: 0.1, Lo: 0.08, Hi: 0.12, P: 1e-5, Direction: "regression", Kind: "code", CommitFrom: "abc", CommitTo: "def", Text: text}
		}
		first := []ChangePoint{point("h1", "p50", "first"), point("h2", "p50", "first"), point("h1", "p99", "first")}
		for _, tc := range []struct {
			name   string
			points []ChangePoint
			added  int
		}{
			{"new", first, 3},
			{"the same again", first, 0},
			{"one found again with other figures, one new", []ChangePoint{point("h1", "p50", "second"), point("h3", "p50", "second")}, 1},
			{"none", nil, 0},
		} {
			if added, err := s.RecordChanges(ctx, tc.points); err != nil || added != tc.added {
				t.Errorf("%s: RecordChanges = %d, %v; want %d added", tc.name, added, err, tc.added)
			}
		}
		run := "1"
		want := [][5]string{{"h1", "pipe/pingpong/64 B", "p50", run, "first"}, {"h1", "pipe/pingpong/64 B", "p99", run, "first"},
			{"h2", "pipe/pingpong/64 B", "p50", run, "first"}, {"h3", "pipe/pingpong/64 B", "p50", run, "second"}}
		if got := storedChanges(t, s); len(got) != len(want) {
			t.Errorf("change_annotations = %q, want %q", got, want)
		} else {
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("change_annotations row %d = %q, want %q", i, got[i], want[i])
				}
			}
		}
		var when time.Time
		if s.d.name == "postgres" {
			if err := s.db.QueryRow(`SELECT time FROM change_annotations LIMIT 1`).Scan(&when); err != nil || !when.Equal(at) {
				t.Errorf("change_annotations time = %v, %v; want %v", when, err, at)
			}
		}
		if checked, bad, err := s.Verify(ctx, Selector{}); err != nil || checked != 1 || len(bad) != 0 {
			t.Errorf("verify with change points recorded = %d checked, failed %+v, %v; want the run verified", checked, bad, err)
		}
		if _, err := s.RecordChanges(ctx, []ChangePoint{{RunID: a.RunID + 1, Host: "h1", Case: "c", Metric: "p50"}}); err == nil {
			t.Error("RecordChanges of a run the store does not hold: no error")
		}
		if _, err := s.db.Exec(`DELETE FROM runs`); err != nil {
			t.Fatal(err)
		}
		if got := storedChanges(t, s); len(got) != 0 {
			t.Errorf("change_annotations after the run was deleted = %q, want none", got)
		}
	})
}

// A store of schema version 2 migrates to one with the change_points
// table, its runs untouched.
func TestSchemaV2StoreMigrates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		func() {
			defer func(v int) { SchemaVersion = v }(SchemaVersion)
			SchemaVersion = 2
			s := open(t, url)
			defer s.Close()
			if _, err := s.Add(context.Background(), withRounds(t)); err != nil {
				t.Fatal(err)
			}
		}()
		s := open(t, url)
		if from, migrated := s.MigratedFrom(); !migrated || from != 2 {
			t.Errorf("MigratedFrom = %d, %v; want a migration from version 2", from, migrated)
		}
		ctx := context.Background()
		if checked, bad, err := s.Verify(ctx, Selector{}); err != nil || checked != 1 || len(bad) != 0 {
			t.Errorf("verify after the migration = %d checked, failed %+v, %v; want the run verified", checked, bad, err)
		}
		p := ChangePoint{RunID: 1, Host: "h1", Case: "c", Metric: "p50", Direction: "regression", Kind: "host", Text: "t"}
		if added, err := s.RecordChanges(ctx, []ChangePoint{p}); err != nil || added != 1 {
			t.Errorf("RecordChanges on the migrated store = %d, %v; want 1 added", added, err)
		}
	})
}

func TestRunIDOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   int64
		ok   bool
	}{
		{"run:12", 12, true},
		{"run:0", 0, false},
		{"run:x", 0, false},
		{"nightly/a.json", 0, false},
		{"12", 0, false},
	} {
		if id, ok := RunIDOf(tc.name); id != tc.id && tc.ok || ok != tc.ok {
			t.Errorf("RunIDOf(%q) = %d, %v; want %d, %v", tc.name, id, ok, tc.id, tc.ok)
		}
	}
}
