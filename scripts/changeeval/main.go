// Command changeeval scores change-point detection against a synthetic
// fleet's known truth: it reads a directory that scripts/synthruns wrote
// with -inject or -aa and its truth file, builds one series per host ×
// case of the case's figure for -metric (its p50 by default) in time
// order, and runs on each both stats.ChangePoints (the detector behind
// ipcbench changes) and stats.BuildHistory (ipcbench history's step
// tests, at its default threshold and alpha). It prints, per method,
// Markdown tables of recall and precision per change size, false alarms
// per 10,000 points, and the detector's attribution: code changes grouped
// (the same commit range on more than half the hosts) and host changes
// kept on their host.
//
//	go run ./scripts/changeeval -dir /tmp/fleet [-truth /tmp/fleet.truth.json] [-tolerance 2] [-v]
//
// A detection counts for a change when it is on a series the change
// touched, in the same direction, and within ±tolerance nights of it (of
// any night of a drift's ramp). It uses only the Go API, so it runs before
// and beside the command.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/scripts/internal/truth"
)

func main() {
	dir := flag.String("dir", "", "a directory synthruns wrote (required)")
	truthPath := flag.String("truth", "", "its truth file (default DIR.truth.json)")
	metric := flag.String("metric", "p50", "the case figure to follow: p50, p90, p99, p999 or mean")
	tolerance := flag.Int("tolerance", 2, "nights a detection may be off by and still count")
	verbose := flag.Bool("v", false, "also list each change and where each method found it")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: changeeval -dir DIR [-truth FILE] [-metric p50] [-tolerance 2] [-v]")
		os.Exit(2)
	}
	if *truthPath == "" {
		*truthPath = filepath.Clean(*dir) + ".truth.json"
	}
	if err := run(os.Stdout, *dir, *truthPath, *metric, *tolerance, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "changeeval:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, dir, truthPath, metric string, tolerance int, verbose bool) error {
	start := time.Now()
	fig, ok := figures[metric]
	m, _ := stats.MetricByName(metric)
	if !ok {
		return fmt.Errorf("-metric %q: want p50, p90, p99, p999 or mean", metric)
	}
	t, err := truth.Read(truthPath)
	if err != nil {
		return err
	}
	paths, files, err := readDir(dir)
	if err != nil {
		return err
	}
	read := time.Since(start)
	fleet := buildFleet(t, paths, files, fig)
	built := time.Since(start)
	methods := []method{
		{Name: "changes (stats.ChangePoints)", Detect: detectChanges},
		{Name: "history (step tests)", Detect: func(h *hostRuns) []Detection { return detectHistory(h, m) }},
	}
	fmt.Fprintf(w, "## %s: %d runs, %d hosts, %d series, %d points, %d changes injected%s\n\n",
		dir, len(files), len(fleet.hosts), fleet.seriesCount(), fleet.points(), len(t.Changes), aaNote(t))
	var timings []string
	for _, me := range methods {
		t0 := time.Now()
		dets := fleet.detect(me.Detect)
		timings = append(timings, fmt.Sprintf("%s %.2fs", me.Name, time.Since(t0).Seconds()))
		sc := Score(t, fleet.instances(t), dets, fleet.points(), tolerance)
		writeScore(w, me.Name, t, sc, verbose)
	}
	fmt.Fprintf(w, "Time: read %.2fs, series %.2fs, %s; total %.2fs.\n\n",
		read.Seconds(), (built - read).Seconds(), strings.Join(timings, ", "), time.Since(start).Seconds())
	return nil
}

func aaNote(t *truth.Fleet) string {
	if t.AA {
		return " (A/A)"
	}
	return ""
}

// figures reads a case's own figure for each metric changeeval follows.
var figures = map[string]func(results.Latency) float64{
	"p50":  func(l results.Latency) float64 { return float64(l.P50Ns) },
	"p90":  func(l results.Latency) float64 { return float64(l.P90Ns) },
	"p99":  func(l results.Latency) float64 { return float64(l.P99Ns) },
	"p999": func(l results.Latency) float64 { return float64(l.P999Ns) },
	"mean": func(l results.Latency) float64 { return l.MeanNs },
}

// readDir reads every *.json in dir with results.ReadFile, in parallel,
// in the order of their names.
func readDir(dir string) ([]string, []*results.File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		return nil, nil, fmt.Errorf("read %s: no *.json in it (%v); give a directory synthruns wrote", dir, err)
	}
	sort.Strings(paths)
	files := make([]*results.File, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				files[i], errs[i] = results.ReadFile(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return paths, files, nil
}

// parallel runs f(i) for i in [0, n) on every CPU.
func parallel(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
