package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// envWriter makes the test binary a writer process: it opens the store
// the variable names and adds the runs writerRuns gives for its number.
const envWriter = "IPCBENCH_STORE_TEST_WRITER"

// writerRuns are what writer w adds: runs every writer shares (so that
// they race to store the same content), then two of its own.
func writerRuns(w int) []*results.File {
	var out []*results.File
	for i := range 5 {
		f := resultstest.Table(uint64(100+i), 8, 6, 1, 0.05)
		f.StartedAt = time.Date(2026, 10, 1+i, 0, 0, 0, 0, time.UTC)
		out = append(out, f)
	}
	for i := range 2 {
		f := resultstest.Table(uint64(1000*(w+1)+i), 8, 6, 1, 0.05)
		f.StartedAt = time.Date(2026, 11, 1+i, w, 0, 0, 0, time.UTC)
		f.Host.Hostname = "writer-" + strconv.Itoa(w)
		out = append(out, f)
	}
	return out
}

func writerMain() int {
	url, num, _ := strings.Cut(os.Getenv(envWriter), " ")
	w, _ := strconv.Atoi(num)
	// Every writer starts at the same moment, so that they also race to
	// create and migrate a new store.
	start, _ := strconv.ParseInt(os.Getenv("START_NS"), 10, 64)
	time.Sleep(time.Until(time.Unix(0, start)))
	ctx := context.Background()
	s, err := Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	for _, f := range writerRuns(w) {
		if _, err := s.Add(ctx, f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// Writers in separate processes, all opening a new store and adding the
// same runs at once, store each run once, and every run whole.
func TestConcurrentWriters(t *testing.T) {
	const writers = 6
	forEachBackend(t, func(t *testing.T, url string) {
		start := time.Now().Add(500 * time.Millisecond).UnixNano()
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), envWriter+"="+url+" "+strconv.Itoa(w), "START_NS="+strconv.FormatInt(start, 10))
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[w] = fmt.Errorf("writer %d: %v: %s", w, err, out)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		s := open(t, url)
		ctx := context.Background()
		runs, err := s.Runs(ctx, Selector{})
		if err != nil {
			t.Fatal(err)
		}
		if want := 5 + 2*writers; len(runs) != want {
			t.Errorf("the store holds %d runs, want %d (5 shared, 2 of each writer's own)", len(runs), want)
		}
		want := map[string]bool{}
		for w := range writers {
			for _, f := range writerRuns(w) {
				want[canonical(t, f)] = true
			}
		}
		for _, r := range runs {
			f, err := s.Export(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !want[canonical(t, f)] {
				t.Errorf("run %d is not one of the runs written", r.ID)
			}
			delete(want, canonical(t, f))
		}
		if len(want) != 0 {
			t.Errorf("%d runs written are missing", len(want))
		}
		in, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if in.SchemaVersion != SchemaVersion || in.Hosts != 1+writers {
			t.Errorf("info = %+v, want schema %d and %d hosts", in, SchemaVersion, 1+writers)
		}
	})
}
