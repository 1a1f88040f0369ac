package store

import (
	"context"
	"os"
	"strings"
	"testing"
)

// schemaV1 holds the rows of a run stored by the ipcbench before schema
// version 2, content hash and all.
const schemaV1 = "testdata/schema-v1.sql"

// A store of the previous schema version, migrated, still verifies its
// runs, gives each repetition round 0, position 0 and no interference,
// knows the file it was stored from as already stored, and takes runs
// with rounds.
func TestSchemaV1StoreMigratesAndVerifies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		loadSchemaV1(t, url)
		s := open(t, url)
		if from, migrated := s.MigratedFrom(); !migrated || from != 1 {
			t.Errorf("MigratedFrom = %d, %v; want a migration from version 1", from, migrated)
		}
		ctx := context.Background()
		verify := func(want int) {
			t.Helper()
			checked, bad, err := s.Verify(ctx, Selector{})
			if err != nil || checked != want || len(bad) != 0 {
				t.Fatalf("verify = %d checked, failed %+v, %v; want %d runs verified", checked, bad, err, want)
			}
		}
		verify(1)
		old, err := s.Export(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range old.Cases {
			for j, r := range c.Repetitions {
				if r.Round != 0 || r.Position != 0 || r.Interference != nil {
					t.Errorf("%s repetition %d: round %d position %d interference %+v; want 0, 0, none", c.Key(), j, r.Round, r.Position, r.Interference)
				}
			}
		}
		if a, err := s.Add(ctx, old); err != nil || !a.Duplicate || a.RunID != 1 {
			t.Errorf("adding the stored run again = %+v, %v; want it found as run 1", a, err)
		}
		if _, err := s.Add(ctx, withRounds(t)); err != nil {
			t.Fatal(err)
		}
		verify(2)
	})
}

// loadSchemaV1 makes the store at url one of schema version 1 holding
// the run in schemaV1.
func loadSchemaV1(t *testing.T, url string) {
	t.Helper()
	dump, err := os.ReadFile(schemaV1)
	if err != nil {
		t.Fatal(err)
	}
	defer func(v int) { SchemaVersion = v }(SchemaVersion)
	SchemaVersion = 1
	s := open(t, url)
	defer s.Close()
	for _, stmt := range strings.Split(string(dump), "\n") {
		if stmt == "" || strings.HasPrefix(stmt, "--") {
			continue
		}
		if _, err := s.db.Exec(stmt); err != nil {
			t.Fatalf("%s: %.80s: %v", schemaV1, stmt, err)
		}
	}
	if s.d.name != "postgres" {
		return
	}
	// Rows inserted with their ids leave the identity sequences behind.
	for _, table := range []string{"hosts", "configs", "runs"} {
		if _, err := s.db.Exec(`SELECT setval(pg_get_serial_sequence('` + table + `', 'id'), (SELECT MAX(id) FROM ` + table + `))`); err != nil {
			t.Fatal(err)
		}
	}
}
