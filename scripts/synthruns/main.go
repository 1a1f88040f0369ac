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
//
// With -inject or -aa it also writes the fleet's known truth as JSON
// (scripts/internal/truth) to -truth, by default DIR.truth.json beside DIR
// (not in it, so that a command reading DIR's *.json reads only runs):
//
//	-inject code:NIGHT:CASE:PCT         every host, from night NIGHT on (a new commit that night)
//	-inject host:HOST:NIGHT:CASE:PCT    one host (node-07 or 7) from NIGHT on; its kernel string changes too
//	-inject drift:NIGHT:LEN:CASE:PCT    every host, a linear ramp over LEN nights from NIGHT
//	-aa                                 no change, and a truth file that says so
//
// Nights count from 1, the oldest; CASE is a case key as history's --case
// takes it (pipe/pingpong/64B); PCT is signed (+10 is 10 % slower). The
// change scales every latency figure of the case and of its repetitions by
// 1+PCT/100 after the jitter, and divides its throughputs by it. Several
// specs are comma-separated or repeat -inject.
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/scripts/internal/truth"
)

const writers = 2

func main() {
	from := flag.String("from", "", "a real results file to copy (required)")
	n := flag.Int("n", 10000, "runs to write")
	hosts := flag.Int("hosts", 30, "hosts the runs are spread over")
	out := flag.String("o", "", "directory to write run-NNNNN.json into (required)")
	seed := flag.Uint64("seed", 1, "seed of the jitter")
	var specs []string
	flag.Func("inject", "changes to inject, comma-separated: code:NIGHT:CASE:PCT, host:HOST:NIGHT:CASE:PCT, drift:NIGHT:LEN:CASE:PCT", func(v string) error {
		specs = append(specs, strings.Split(v, ",")...)
		return nil
	})
	aa := flag.Bool("aa", false, "inject no change and write a truth file that says so (A/A)")
	truthPath := flag.String("truth", "", "where -inject or -aa writes the truth (default DIR.truth.json)")
	flag.Parse()
	if *from == "" || *out == "" || *n < 1 || *hosts < 1 || flag.NArg() > 0 || (*aa && len(specs) > 0) {
		fmt.Fprintln(os.Stderr, "usage: synthruns -from FILE.json -n N -hosts H -o DIR [-seed S] [-inject SPEC,... | -aa] [-truth FILE]")
		os.Exit(2)
	}
	if *truthPath == "" {
		*truthPath = filepath.Clean(*out) + ".truth.json"
	}
	o := options{n: *n, hosts: *hosts, seed: *seed, specs: specs, aa: *aa, truthPath: *truthPath}
	if err := run(*from, *out, o); err != nil {
		fmt.Fprintln(os.Stderr, "synthruns:", err)
		os.Exit(1)
	}
}

// options are synthruns' flags, checked.
type options struct {
	n, hosts  int
	seed      uint64
	specs     []string
	aa        bool
	truthPath string
}

// fleet is what every run is made from: the source, the calendar and the
// changes to inject.
type fleet struct {
	src      *results.File
	hosts    int
	first    time.Time
	duration time.Duration
	seed     uint64
	changes  []truth.Change
	codeDays []int // the days (from 0) on which a code change brings a new commit
}

func run(from, out string, o options) error {
	start := time.Now()
	src, err := results.ReadFile(from)
	if err != nil {
		return err
	}
	// The newest night is today's; run 0 is the oldest.
	days := (o.n + o.hosts - 1) / o.hosts
	if days > 365 {
		fmt.Fprintf(os.Stderr, "synthruns: %d runs over %d hosts take %d nights, more than 365\n", o.n, o.hosts, days)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	fl := &fleet{src: src, hosts: o.hosts, first: today.AddDate(0, 0, -(days - 1)), duration: src.FinishedAt.Sub(src.StartedAt), seed: o.seed}
	for _, spec := range o.specs {
		c, err := resolve(spec, src, o.hosts, days)
		if err != nil {
			return err
		}
		fl.changes = append(fl.changes, c)
		if c.Kind == truth.KindCode {
			fl.codeDays = append(fl.codeDays, c.Night-1)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := write(fl, out, o.n); err != nil {
		return err
	}
	if len(o.specs) > 0 || o.aa {
		if err := writeTruth(fl, o, days); err != nil {
			return err
		}
	}
	fmt.Printf("synthruns: %d runs of %s over %d hosts and %d nights (%s to %s) in %s, %d changes injected, %.1fs\n",
		o.n, from, o.hosts, days, fl.first.Format("2006-01-02"), today.Format("2006-01-02"), out, len(fl.changes), time.Since(start).Seconds())
	return nil
}

// write writes the n runs of fl into out, with a few writers.
func write(fl *fleet, out string, n int) error {
	jobs := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f := fl.synth(i)
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
	return failed
}

// writeTruth writes the truth file, with each code change's commit range.
func writeTruth(fl *fleet, o options, days int) error {
	t := &truth.Fleet{Hosts: o.hosts, Nights: days, FirstNight: fl.first, AA: o.aa, Changes: []truth.Change{}}
	for _, c := range fl.changes {
		if c.Kind == truth.KindCode {
			c.CommitFrom, c.CommitTo = fl.commit(c.Night-2), fl.commit(c.Night-1)
		}
		t.Changes = append(t.Changes, c)
	}
	if err := truth.Write(o.truthPath, t); err != nil {
		return err
	}
	fmt.Printf("synthruns: truth: %s\n", o.truthPath)
	return nil
}

// resolve parses an injection spec and checks its case, host and night
// against the source file and the fleet's size.
func resolve(spec string, src *results.File, hosts, days int) (truth.Change, error) {
	c, err := truth.Parse(spec)
	if err != nil {
		return c, err
	}
	var keys, found []string
	for _, k := range src.Cases {
		key := k.Key().String()
		keys = append(keys, strings.ReplaceAll(key, " ", ""))
		if strings.ReplaceAll(key, " ", "") == strings.ReplaceAll(c.Case, " ", "") {
			found = []string{key}
			break
		}
		if strings.Contains(strings.ReplaceAll(key, " ", ""), strings.ReplaceAll(c.Case, " ", "")) {
			found = append(found, key)
		}
	}
	if len(found) != 1 {
		return c, fmt.Errorf("-inject %q: case %q matches %d of the source's cases (%s); name one", spec, c.Case, len(found), strings.Join(keys, ", "))
	}
	c.Case = found[0]
	if c.Night > days {
		return c, fmt.Errorf("-inject %q: night %d is past the fleet's last night, %d", spec, c.Night, days)
	}
	if c.Kind == truth.KindHost {
		h, err := strconv.Atoi(strings.TrimPrefix(c.Host, "node-"))
		if err != nil || h < 0 || h >= hosts {
			return c, fmt.Errorf("-inject %q: host %q is not one of node-00 to node-%02d", spec, c.Host, hosts-1)
		}
		c.Host = hostName(h)
	}
	return c, nil
}

func hostName(h int) string { return fmt.Sprintf("node-%02d", h) }

// synth returns run i: a copy of src that shares nothing mutable with it
// but the histograms (strings), workers and findings, which it leaves alone.
func (fl *fleet) synth(i int) *results.File {
	rng := rand.New(rand.NewPCG(fl.seed, uint64(i)))
	src := fl.src
	f := *src
	host, day := i%fl.hosts, i/fl.hosts
	// Night-ish: 01:00 plus a few minutes per host, plus up to 2 minutes.
	at := fl.first.AddDate(0, 0, day).Add(time.Hour + time.Duration(host)*3*time.Minute + time.Duration(rng.IntN(120))*time.Second)
	f.StartedAt = at
	f.FinishedAt = at.Add(fl.duration)
	f.Host.Hostname = hostName(host)
	f.Host.Commit = fl.commit(day)
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
		f.Cases[k] = fl.inject(c, host, day)
	}
	if night := fl.hostChange(host, day); night > 0 {
		f.Host.Kernel = fmt.Sprintf("%s +host-change-%d", f.Host.Kernel, night)
	}
	return &f
}

// inject applies the changes on host and day to case c (already a copy).
func (fl *fleet) inject(c results.Case, host, day int) results.Case {
	x := 1.0
	key := c.Key().String()
	for _, ch := range fl.changes {
		if ch.Case == key && (ch.Kind != truth.KindHost || ch.Host == hostName(host)) {
			x *= ch.Factor(day + 1)
		}
	}
	if x == 1 {
		return c
	}
	c.Latency = latency(c.Latency, x)
	c.MsgsPerSec /= x
	c.MBPerSec /= x
	for j := range c.Repetitions {
		r := &c.Repetitions[j]
		for _, v := range []*float64{&r.P50Ns, &r.P90Ns, &r.P99Ns, &r.P999Ns, &r.MeanNs, &r.MinNs, &r.MaxNs, &r.StddevNs} {
			*v *= x
		}
		r.MsgsPerSec /= x
		r.MBPerSec /= x
	}
	return c
}

// hostChange returns the night of the latest host change on host by day,
// or 0: the host's kernel string names it.
func (fl *fleet) hostChange(host, day int) int {
	night := 0
	for _, ch := range fl.changes {
		if ch.Kind == truth.KindHost && ch.Host == hostName(host) && ch.Night <= day+1 && ch.Night > night {
			night = ch.Night
		}
	}
	return night
}

// commit is day's fake commit: a new one every 7 days, and one on each
// day a code change starts.
func (fl *fleet) commit(day int) string {
	latest := -1
	for _, d := range fl.codeDays {
		if d <= day && d > latest && d/7 == day/7 && d%7 != 0 {
			latest = d
		}
	}
	if latest < 0 {
		return commit(fl.seed, day/7)
	}
	sum := sha1.Sum(fmt.Appendf(nil, "synthruns %d night %d", fl.seed, latest+1))
	return hex.EncodeToString(sum[:])
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
