package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

// realRun is a results file of a real run (the CLI's golden input).
const realRun = "../../cli/testdata/golden/run.json"

// fixtures are files of every shape the schema has: a real run, every
// status, self-checks and interference, depths and rates, and shuffled
// rounds.
func fixtures(t *testing.T) map[string]*results.File {
	t.Helper()
	real, err := results.ReadFile(realRun)
	if err != nil {
		t.Fatal(err)
	}
	mixed := resultstest.Mixed()
	mixed.StartedAt = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	return map[string]*results.File{"real": real, "mixed": mixed, "selfchecked": resultstest.SelfChecked(), "loaded": resultstest.Loaded(),
		"rounds": withRounds(t)}
}

// withRounds returns the real run as shuffled rounds write it: repetition
// j of case i ran in round j at position (i+j) mod the case count, with
// interference recorded in even rounds only, and an order seed beyond
// 2^53 that a float would round.
func withRounds(t *testing.T) *results.File {
	t.Helper()
	f, err := results.ReadFile(realRun)
	if err != nil {
		t.Fatal(err)
	}
	f.Config.Order, f.Config.OrderSeed = "shuffled", 0xfedcba9876543211
	for i := range f.Cases {
		for j := range f.Cases[i].Repetitions {
			r := &f.Cases[i].Repetitions[j]
			r.Round, r.Position = j, (i+j)%len(f.Cases)
			if j%2 == 0 {
				r.Interference = &results.Interference{StealShare: new(0.01 * float64(j+1)), StealTicks: uint64(j + 1), TotalTicks: 400,
					RunQueueShare: new(0.002), RunQueueWaitNsPerMsg: new(float64(10 * i)), Migrations: new(int64(i)), CPUsSeen: [][]int{{0}, {1}}}
			}
		}
	}
	return f
}

// History and compare read repetitions without the rest of a run's
// detail: they get each one's round and position, and the full load
// (export, verify) its interference too.
func TestRoundsAreLoaded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		want := withRounds(t)
		a, err := s.Add(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		for _, full := range []bool{false, true} {
			files, _, err := s.Load(ctx, Selector{RunIDs: []int64{a.RunID}}, Load{Full: full})
			if err != nil || len(files) != 1 {
				t.Fatalf("load (full %v) = %d files, %v; want the run", full, len(files), err)
			}
			got := files[0]
			if got.Config.Order != want.Config.Order || got.Config.OrderSeed != want.Config.OrderSeed {
				t.Errorf("order %q seed %d, want %q seed %d", got.Config.Order, got.Config.OrderSeed, want.Config.Order, want.Config.OrderSeed)
			}
			for i, c := range want.Cases {
				for j, r := range c.Repetitions {
					g := got.Cases[i].Repetitions[j]
					wantIn := r.Interference
					if !full {
						wantIn = nil
					}
					if g.Round != r.Round || g.Position != r.Position || !reflect.DeepEqual(g.Interference, wantIn) {
						t.Errorf("full %v: %s repetition %d: round %d position %d interference %+v; want %d, %d, %+v",
							full, c.Key(), j, g.Round, g.Position, g.Interference, r.Round, r.Position, wantIn)
					}
				}
			}
		}
	})
}

func canonical(t *testing.T, f *results.File) string {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExportGivesBackWhatWasAdded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		for name, f := range fixtures(t) {
			a, err := s.Add(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, err := s.Export(ctx, a.RunID)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if canonical(t, got) != canonical(t, f) {
				t.Errorf("%s: the exported run differs from the one added:\n got %.600s\nwant %.600s", name, canonical(t, got), canonical(t, f))
			}
		}
	})
}

func TestSameRunIsStoredOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		f, err := results.ReadFile(realRun)
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.Add(ctx, f)
		if err != nil || first.Duplicate {
			t.Fatalf("first add: %+v, %v", first, err)
		}
		// The same run, written with other indentation, is the same content.
		data, _ := json.Marshal(f)
		again, err := results.Parse("compact.json", data)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Add(ctx, again)
		if err != nil || !second.Duplicate || second.RunID != first.RunID {
			t.Fatalf("second add = %+v, %v; want a duplicate of run %d", second, err, first.RunID)
		}
		in, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if in.Runs != 1 || in.Cases != int64(len(f.Cases)) {
			t.Errorf("info = %+v, want 1 run of %d cases", in, len(f.Cases))
		}
		// Another label is another run.
		f.Config.Label = "other"
		if third, err := s.Add(ctx, f); err != nil || third.Duplicate {
			t.Errorf("relabelled add = %+v, %v; want a new run", third, err)
		}
	})
}

func TestMalformedRunStoresNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		f := resultstest.Mixed()
		f.Cases[0].Latency.P50Ns = -1
		if _, err := s.Add(ctx, f); err == nil || !strings.Contains(err.Error(), "p50_ns") {
			t.Fatalf("add of a negative latency = %v, want a refusal naming p50_ns", err)
		}
		assertEmpty(t, s)
	})
}

// A failure halfway through a run's rows (here a trigger on the last table
// written) leaves nothing of the run behind.
func TestRunIsStoredInOneTransaction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		trigger := []string{`CREATE TRIGGER refuse BEFORE INSERT ON histograms BEGIN SELECT RAISE(ABORT, 'injected failure'); END`}
		if s.Location().Postgres {
			trigger = []string{
				`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
				`CREATE TRIGGER refuse BEFORE INSERT ON histograms FOR EACH ROW EXECUTE FUNCTION refuse()`,
			}
		}
		for _, q := range trigger {
			if _, err := s.db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		f, err := results.ReadFile(realRun)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Add(ctx, f); err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("add = %v, want the injected failure", err)
		}
		assertEmpty(t, s)
	})
}

func assertEmpty(t *testing.T, s *Store) {
	t.Helper()
	in, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if in.Runs+in.Hosts+in.Cases+in.Repetitions+in.Histograms != 0 {
		t.Errorf("the store holds %+v after a refused run, want nothing", in)
	}
}

func TestSelectorsPickRuns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		day := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		add := func(label, host, commit string, started time.Time) int64 {
			f := resultstest.File(started, commit, resultstest.Case("pipe", 64, 100, 110, 120), resultstest.Case("unix-stream", 64, 200, 210, 220))
			f.Config.Label, f.Host.Hostname = label, host
			a, err := s.Add(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return a.RunID
		}
		m1 := add("main", "h1", "aaaa1111", day)
		m2 := add("main", "h1", "aaaa2222", day.Add(24*time.Hour))
		m3 := add("main", "h2", "aaaa2222", day.Add(48*time.Hour))
		pr := add("pr-1", "h1", "bbbb3333", day.Add(72*time.Hour))
		now := day.Add(96 * time.Hour)
		for _, c := range []struct {
			sel  string
			want []int64
		}{
			{"label:main", []int64{m1, m2, m3}},
			{"label:main,host:h1", []int64{m1, m2}},
			{"label:main,last:2", []int64{m2, m3}},
			{"label:main,host:h1,last:1", []int64{m2}},
			{"commit:aaaa2", []int64{m2, m3}},
			{"commit:bbbb3333", []int64{pr}},
			{"label:pr-1,label:main,last:1", []int64{pr}},
			{"since:2026-11-02", []int64{m2, m3, pr}},
			{"since:2d", []int64{m3, pr}},
			{"date:2026-11-02", []int64{m2}},
			{"until:2026-11-02", []int64{m1}},
			{"run:" + itoa(m3), []int64{m3}},
			{itoa(m1), []int64{m1}},
			{"host:nobody", nil},
		} {
			sel, err := ParseSelector(c.sel, now)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := s.Runs(ctx, sel)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range runs {
				got = append(got, r.ID)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s picked %v, want %v", c.sel, got, c.want)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestParseSelectorRefuses(t *testing.T) {
	for _, s := range []string{"", "label:", "colour:red", "run:0", "run:x", "last:0", "since:yesterday", "date:11/02", "main"} {
		if _, err := ParseSelector(s, time.Now()); err == nil {
			t.Errorf("ParseSelector(%q) took it", s)
		}
	}
}

// A history from the store is the history from the files it was fed.
func TestHistoryFromStoreMatchesFiles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		var files []*results.File
		for i := range 6 {
			scale := 1.0
			if i == 5 {
				scale = 1.3 // a regression in the last run
			}
			f := resultstest.Table(uint64(i+1), 4, 6, scale, 0.02)
			f.StartedAt = time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC)
			f.Host.Commit = "c" + itoa(int64(i))
			if _, err := s.Add(ctx, f); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		m, _ := stats.ParseMetrics([]string{"p99"})
		match := []string{"t1/pingpong", "t3"}
		stored, names, err := s.Load(ctx, Selector{}, Load{Cases: match})
		if err != nil {
			t.Fatal(err)
		}
		want := stats.BuildHistory(files, names, m[0], match, 0.05, 0.05)
		got := stats.BuildHistory(stored, names, m[0], match, 0.05, 0.05)
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if !bytes.Equal(wj, gj) {
			t.Errorf("history from the store differs from the files':\n got %s\nwant %s", gj, wj)
		}
		if reg, _ := got.Flagged(); reg == 0 {
			t.Errorf("the 30%% slowdown of the last run was not flagged: %s", gj)
		}
		for _, f := range stored {
			for _, c := range f.Cases {
				if c.HistogramHDR != "" || c.Workers != nil {
					t.Errorf("a history load read %s's histogram or workers", c.Key())
				}
			}
		}
	})
}

func TestSQLiteFileIsTheUsersOwn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new", "results.db")
	s := open(t, "sqlite:"+path)
	s.Close()
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode(), want)
		}
	}
	target := filepath.Join(dir, "target.db")
	os.WriteFile(target, nil, 0o600)
	link := filepath.Join(dir, "link.db")
	os.Symlink(target, link)
	if _, err := Open(context.Background(), link); !errors.Is(err, safeout.ErrSymlink) {
		t.Errorf("open of a symlinked store = %v, want it refused as a symlink", err)
	}
	if _, err := Open(context.Background(), "sqlite:"+dir); err == nil {
		t.Errorf("open of a directory as a store worked")
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(dir, "other.db")
		os.WriteFile(other, nil, 0o666)
		os.Chown(other, 65534, 65534)
		if _, err := Open(context.Background(), other); !errors.Is(err, safeout.ErrNotOwned) {
			t.Errorf("open of another user's store = %v, want it refused", err)
		}
	}
	fifo := filepath.Join(dir, "fifo.db")
	syscall.Mkfifo(fifo, 0o600)
	if _, err := Open(context.Background(), fifo); !errors.Is(err, safeout.ErrNotRegular) {
		t.Errorf("open of a FIFO as a store = %v, want it refused", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		s := open(t, url)
		if _, err := s.db.Exec(s.d.q(`INSERT INTO ipcbench_schema (version, applied_ns) VALUES (?, 0)`), SchemaVersion+1); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := Open(context.Background(), url); err == nil || !strings.Contains(err.Error(), "upgrade ipcbench") {
			t.Errorf("open of a newer store = %v, want a refusal saying to upgrade", err)
		}
	})
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]Location{
		"sqlite:/a/b.db":                   {Path: "/a/b.db"},
		"sqlite:///a/b.db":                 {Path: "/a/b.db"},
		"sqlite:rel.db":                    {Path: "rel.db"},
		"x/results.db":                     {Path: "x/results.db"},
		"postgres://u:secret@h:5432/d":     {Postgres: true, DSN: "postgres://u:secret@h:5432/d"},
		"postgresql://u@h/d?sslmode=allow": {Postgres: true, DSN: "postgresql://u@h/d?sslmode=allow"},
	} {
		got, err := ParseURL(in)
		if err != nil || got != want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "sqlite:", "mysql://h/d"} {
		if _, err := ParseURL(in); err == nil {
			t.Errorf("ParseURL(%q) took it", in)
		}
	}
	if l, _ := ParseURL("postgres://u:secret@h/d"); strings.Contains(l.String(), "secret") {
		t.Errorf("%s shows the password", l)
	}
}
