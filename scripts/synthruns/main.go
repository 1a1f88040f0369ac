// Command synthruns makes a synthetic fleet history out of one real results
// file, to measure the results store (results/store) and the file-based
// history and compare commands at fleet scale: N runs over the last 365
// days, one per host per night, each a copy of the input with its host,
// commit, label and times rewritten and every figure jittered by a seeded
// factor of about ±3 %. The HDR histograms are kept as they are.
//
//	go run ./scripts/synthruns -from run.json -n 10000 -hosts 30 -o /tmp/synth [-seed 1]
//
// Run i is on host node-NN with NN = i % hosts, on day i / hosts (counted
// back from now, the newest last); its commit changes every 7 days; its
// label is "main", or "pr-<i>" for every 50th run. All of one case's
// latency figures (and of one repetition's) share one factor, so that
// min ≤ p50 ≤ … ≤ max still holds. Each file passes results.Validate
// before it is written as DIR/run-00001.json, DIR/run-00002.json, ….
package main

import (
	"crypto/sha1"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

const writers = 2

func main() {
	from := flag.String("from", "", "a real results file to copy (required)")
	n := flag.Int("n", 10000, "runs to write")
	hosts := flag.Int("hosts", 30, "hosts the runs are spread over")
	out := flag.String("o", "", "directory to write run-NNNNN.json into (required)")
	seed := flag.Uint64("seed", 1, "seed of the jitter")
	flag.Parse()
	if *from == "" || *out == "" || *n < 1 || *hosts < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: synthruns -from FILE.json -n N -hosts H -o DIR [-seed S]")
		os.Exit(2)
	}
	if err := run(*from, *out, *n, *hosts, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synthruns:", err)
		os.Exit(1)
	}
}

func run(from, out string, n, hosts int, seed uint64) error {
	start := time.Now()
	src, err := results.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// The newest night is today's; run 0 is the oldest.
	days := (n + hosts - 1) / hosts
	if days > 365 {
		fmt.Fprintf(os.Stderr, "synthruns: %d runs over %d hosts take %d nights, more than 365\n", n, hosts, days)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(days - 1))
	duration := src.FinishedAt.Sub(src.StartedAt)

	jobs := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f := synth(src, i, hosts, first, duration, seed)
				if err := results.Validate(f); err != nil {
					errs <- fmt.Errorf("run %d: %w", i+1, err)
					return
				}
				if err := results.WriteFile(filepath.Join(out, fmt.Sprintf("run-%05d.json", i+1)), f); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var failed error
feed:
	for i := range n {
		select {
		case jobs <- i:
		case failed = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if failed == nil {
		select {
		case failed = <-errs:
		default:
		}
	}
	if failed != nil {
		return failed
	}
	fmt.Printf("synthruns: %d runs of %s over %d hosts and %d nights (%s to %s) in %s, %.1fs\n",
		n, from, hosts, days, first.Format("2006-01-02"), today.Format("2006-01-02"), out, time.Since(start).Seconds())
	return nil
}

// synth returns run i: a copy of src that shares nothing mutable with it
// but the histograms (strings), workers and findings, which it leaves alone.
func synth(src *results.File, i, hosts int, first time.Time, duration time.Duration, seed uint64) *results.File {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	f := *src
	host, day := i%hosts, i/hosts
	// Night-ish: 01:00 plus a few minutes per host, plus up to 2 minutes.
	at := first.AddDate(0, 0, day).Add(time.Hour + time.Duration(host)*3*time.Minute + time.Duration(rng.IntN(120))*time.Second)
	f.StartedAt = at
	f.FinishedAt = at.Add(duration)
	f.Host.Hostname = fmt.Sprintf("node-%02d", host)
	f.Host.Commit = commit(seed, day/7)
	f.Config.Label = "main"
	if i%50 == 49 {
		f.Config.Label = fmt.Sprintf("pr-%d", i/50+1)
	}
	f.Cases = make([]results.Case, len(src.Cases))
	for k, c := range src.Cases {
		c.Latency = latency(c.Latency, factor(rng))
		c.MsgsPerSec *= factor(rng)
		c.MBPerSec *= factor(rng)
		c.CPUNsPerMsg *= factor(rng)
		if c.Repetitions != nil {
			reps := make([]results.Repetition, len(c.Repetitions))
			for j, r := range c.Repetitions {
				x := factor(rng)
				r.P50Ns *= x
				r.P90Ns *= x
				r.P99Ns *= x
				r.P999Ns *= x
				r.MeanNs *= x
				r.MinNs *= x
				r.MaxNs *= x
				r.StddevNs *= x
				r.MsgsPerSec *= factor(rng)
				r.MBPerSec *= factor(rng)
				r.CPUNsPerMsg *= factor(rng)
				reps[j] = r
			}
			c.Repetitions = reps
		}
		f.Cases[k] = c
	}
	return &f
}

// factor is a lognormal multiplier with σ = 1 %, clamped to ±3 %.
func factor(rng *rand.Rand) float64 {
	return math.Exp(max(-0.03, min(0.03, rng.NormFloat64()*0.01)))
}

// latency scales every figure of l by x, the integers rounded; rounding
// each of an ordered list by one monotone function keeps the order.
func latency(l results.Latency, x float64) results.Latency {
	scale := func(v int64) int64 { return int64(math.Round(float64(v) * x)) }
	return results.Latency{
		MinNs: scale(l.MinNs), P50Ns: scale(l.P50Ns), P90Ns: scale(l.P90Ns), P99Ns: scale(l.P99Ns),
		P999Ns: scale(l.P999Ns), MaxNs: scale(l.MaxNs), MeanNs: l.MeanNs * x, StddevNs: l.StddevNs * x,
	}
}

// commit is a fake 40-hex commit for the given week.
func commit(seed uint64, week int) string {
	sum := sha1.Sum(fmt.Appendf(nil, "synthruns %d week %d", seed, week))
	return hex.EncodeToString(sum[:])
}
