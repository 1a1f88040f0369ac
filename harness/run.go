package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/hostinfo"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
)

// Plan is a whole run: every transport × workload × size, in that order.
type Plan struct {
	Transports []string
	Workloads  []string
	SizesBytes []int
	Warmup     time.Duration
	Duration   time.Duration // per case, when Count is 0
	Count      uint64        // measured messages per case (round trips for pingpong)
	Timeout    time.Duration // per case; zero derives it
	// Rounds splits each case's measurement into this many windows of
	// Duration (or Count) each; zero means one. Each round runs every case
	// once, in the order Order says, so that the host's drift and its
	// modes land on every case alike and each case gets Rounds samples.
	Rounds int
	// Order is OrderShuffled (the default, "") or OrderSequential.
	Order string
	// Seed seeds the shuffle; 0 draws one at random. The seed used, and
	// where each case ran in each round, are recorded in the results.
	Seed uint64
	// SendDelay slows the named transports on purpose, for testing compare:
	// side A busy-waits this long before every send. Results record it.
	SendDelay map[string]time.Duration
	// Producers is the fanin workload's producer count.
	Producers int
	// CPUs pins side a and side b of every case to these two CPUs (run
	// --cpus); nil pins them to two distinct CPUs of this process's (see
	// DefaultCPUs), or leaves them to the scheduler where Unpinned is set
	// (--cpus none) or the process may use only one CPU.
	CPUs     []int
	Unpinned bool
	// SampleEvery is run --sample-every: every message's sequence number
	// is checked, but only every Nth message is timed and body-checked, so
	// that a fast transport is measured more than the harness; 0 or 1:
	// every message. fanin and relay time every message regardless.
	SampleEvery uint64
	// Verify is run --verify: results.VerifySampled (the default, also
	// "") checks a word of each page of a message over 4 KiB, and every
	// 64th whole; results.VerifyFull compares every byte of every message.
	Verify string
	// Rates are the rate workload's offered rates in msgs/s (run --rate),
	// each its own case; Arrivals their schedule, ArrivalsUniform or
	// ArrivalsPoisson; SLO the p99 bound recorded for finding the highest
	// rate under it (run --slo). Other workloads ignore them.
	Rates    []float64
	Arrivals string
	SLO      time.Duration
	// Work spins the consumer of stream and rate, and pingpong's echoer,
	// this long per message on a calibrated loop (run --work).
	Work time.Duration
	// StopOnFailure ends the run at the first failed case (run
	// --keep-going=false); by default a failed case is recorded and the
	// run goes on.
	StopOnFailure bool
	// Depth is run --depth: messages in flight per direction, set on every
	// transport that can hold exactly that many; 0 keeps native buffering.
	Depth int
	// Clock is run --clock, the clock the loops read: ClockAuto (or ""),
	// ClockTSC or ClockVDSO (see Plan.clock).
	Clock string
}

// Cases expands the plan in run order.
func (p Plan) Cases() []Case {
	cpus, _ := p.placement()
	clk, _, _ := p.clock()
	var cs []Case
	for _, t := range p.Transports {
		for _, w := range p.Workloads {
			for _, s := range p.SizesBytes {
				c := Case{Transport: t, Workload: w, SizeBytes: s,
					Warmup: p.Warmup, Duration: p.Duration, Count: p.Count, Timeout: p.Timeout, Hooks: Hooks{SendDelay: p.SendDelay[t]}, SampleEvery: p.SampleEvery, VerifyFull: p.Verify == results.VerifyFull, CPUs: cpus, Depth: p.Depth, Clock: clk}
				wl, _ := workloads.Lookup(w)
				if wl.Writers { // only a fan-in has several producers
					c.Producers = p.Producers
				}
				if b := loopsOf(wl, transports.SideB); b != nil && b.work != nil { // run --work applies to side b's loop
					c.WorkNs = int64(p.Work)
				}
				cs = append(cs, p.rateCases(wl, c)...)
			}
		}
	}
	return cs
}

// rateCases is c once per offered rate for an open-loop workload (rate),
// and c itself for any other. A rate case times every message: its producer
// stamps each one with its intended time.
func (p Plan) rateCases(wl workloads.Descriptor, c Case) []Case {
	if !wl.OpenLoop {
		return []Case{c}
	}
	cs := make([]Case, 0, len(p.Rates))
	for _, r := range p.Rates {
		rc := c
		rc.RateMsgsPerSec, rc.Arrivals, rc.SampleEvery = r, p.Arrivals, 0
		cs = append(cs, rc)
	}
	return cs
}

// MaxSampleEvery bounds Plan.SampleEvery: beyond it a 1 s window holds too
// few samples for any percentile.
const MaxSampleEvery = 1 << 20

// Arrival schedules (run --arrivals).
const (
	ArrivalsUniform = "uniform" // every 1/rate seconds
	ArrivalsPoisson = "poisson" // exponential gaps of mean 1/rate: a Poisson process
)

// MaxWork bounds run --work.
const MaxWork = time.Second

// ErrNothingToRun is Validate's answer to a plan without a transport, a
// workload or a size.
var ErrNothingToRun = errors.New("nothing to run: a plan needs at least one transport, workload and size")

// PlanError says what is wrong with one field of a Plan; the CLI names
// the flag that sets the field.
type PlanError struct {
	Field  string // the Plan field, e.g. "SizesBytes"
	Value  string // the value at fault, where the reason does not quote it
	Reason string
}

func (e *PlanError) Error() string {
	if e.Value == "" {
		return e.Field + ": " + e.Reason
	}
	return e.Field + " " + e.Value + ": " + e.Reason
}

func planErrorf(field, value, format string, a ...any) *PlanError {
	return &PlanError{Field: field, Value: value, Reason: fmt.Sprintf(format, a...)}
}

// Validate reports the first thing wrong with the plan: ErrNothingToRun
// or a *PlanError.
func (p Plan) Validate() error {
	if len(p.Transports) == 0 || len(p.Workloads) == 0 || len(p.SizesBytes) == 0 {
		return ErrNothingToRun
	}
	for _, t := range p.Transports {
		if _, ok := transports.Lookup(t); !ok {
			return planErrorf("Transports", "", "unknown transport %q; known: %v (see ipcbench list)", t, transports.Names())
		}
	}
	for _, w := range p.Workloads {
		if _, ok := workloads.Lookup(w); !ok {
			return planErrorf("Workloads", "", "unknown workload %q; known: %v", w, workloads.Names())
		}
	}
	for _, s := range p.SizesBytes {
		if s <= 0 || s > results.MaxSizeBytes {
			return planErrorf("SizesBytes", "", "%d B is out of range 1 B to 1 GiB", s)
		}
	}
	if err := p.once(); err != nil {
		return err
	}
	if p.Count == 0 && p.Duration <= 0 {
		return planErrorf("Duration", "", "must be above 0 (or set --count)")
	}
	if p.Warmup < 0 {
		return planErrorf("Warmup", "", "must not be negative")
	}
	for _, w := range p.Workloads {
		if wl, _ := workloads.Lookup(w); wl.Writers && (p.Producers < 1 || p.Producers > MaxProducers) {
			return planErrorf("Producers", fmt.Sprint(p.Producers), "want 1 to %d", MaxProducers)
		}
	}
	if p.Unpinned && p.CPUs != nil {
		return planErrorf("CPUs", fmt.Sprint(p.CPUs), "CPUs given with Unpinned: pin the sides or leave them to the scheduler, not both")
	}
	if p.Depth < 0 || p.Depth > transports.MaxDepth {
		return planErrorf("Depth", fmt.Sprint(p.Depth), "want 1 to %d messages, or 0 for native buffering", transports.MaxDepth)
	}
	if p.SampleEvery > MaxSampleEvery {
		return planErrorf("SampleEvery", fmt.Sprint(p.SampleEvery), "want 1 to %d", MaxSampleEvery)
	}
	if p.Verify != "" && p.Verify != results.VerifySampled && p.Verify != results.VerifyFull {
		return planErrorf("Verify", p.Verify, "want %s or %s", results.VerifySampled, results.VerifyFull)
	}
	if err := p.validateRate(); err != nil {
		return err
	}
	if _, _, err := p.clock(); err != nil {
		return err
	}
	if err := validCPUs(p.CPUs); err != nil {
		return err
	}
	for _, s := range p.SizesBytes {
		if largest, ok := fitsNone(p.Transports, s); ok {
			return planErrorf("SizesBytes", results.FormatBytes(s), "above the largest message every selected transport carries here (at most %s); see ipcbench list",
				results.FormatBytes(largest))
		}
	}
	for t, d := range p.SendDelay {
		if _, ok := transports.Lookup(t); !ok || d < 0 || d > time.Second {
			return planErrorf("SendDelay", fmt.Sprintf("%s=%v", t, d), "want a known transport and a delay from 0 to 1s")
		}
	}
	if p.Rounds < 0 || p.Rounds > MaxRounds {
		return planErrorf("Rounds", fmt.Sprint(p.Rounds), "want 1 to %d", MaxRounds)
	}
	if p.Order != "" && p.Order != OrderShuffled && p.Order != OrderSequential {
		return planErrorf("Order", p.Order, "want %s or %s", OrderShuffled, OrderSequential)
	}
	return nil
}

// once refuses a transport, workload or size named twice: each case would
// run twice, and a results file holding two cases of one key is refused by
// every reader (results.Validate), since they would be pooled as one.
func (p Plan) once() error {
	sizes := make([]string, len(p.SizesBytes))
	for i, s := range p.SizesBytes {
		sizes[i] = results.FormatBytes(s)
	}
	for _, l := range []struct {
		field string
		items []string
	}{{"Transports", p.Transports}, {"Workloads", p.Workloads}, {"SizesBytes", sizes}} {
		seen := map[string]bool{}
		for _, it := range l.items {
			if seen[it] {
				return planErrorf(l.field, it, "given twice; each case runs once a round (more: --rounds)")
			}
			seen[it] = true
		}
	}
	return nil
}

// openLoop is the first of workloads that is open-loop (rate), if any.
func openLoop(names []string) (string, bool) {
	for _, w := range names {
		if wl, _ := workloads.Lookup(w); wl.OpenLoop {
			return w, true
		}
	}
	return "", false
}

// validateRate checks the rate, arrivals, SLO and work of a plan.
func (p Plan) validateRate() error {
	for _, r := range p.Rates {
		if !(r > 0 && r <= results.MaxRate) {
			return planErrorf("Rates", fmt.Sprint(r), "want above 0 and at most %g msgs/s", results.MaxRate)
		}
	}
	if w, open := openLoop(p.Workloads); open && len(p.Rates) == 0 {
		return planErrorf("Rates", "", "the %s workload needs at least one rate", w)
	}
	if p.Arrivals != "" && p.Arrivals != ArrivalsUniform && p.Arrivals != ArrivalsPoisson {
		return planErrorf("Arrivals", p.Arrivals, "want %s or %s", ArrivalsUniform, ArrivalsPoisson)
	}
	if p.SLO < 0 || p.SLO > time.Hour {
		return planErrorf("SLO", p.SLO.String(), "want above 0 and at most 1h")
	}
	if p.Work < 0 || p.Work > MaxWork {
		return planErrorf("Work", p.Work.String(), "want 0 to %v", MaxWork)
	}
	if p.Work > 0 && p.SampleEvery > 1 {
		return planErrorf("Work", p.Work.String(), "times and checks every message: drop --sample-every")
	}
	return nil
}

// Progress hears about each run of a case as it starts and ends; i counts
// runs across rounds, of n in all.
type Progress interface {
	Start(i, n int, c Case)
	Done(i, n int, r results.Case)
}

// Run runs every case of the plan for Rounds rounds and returns the
// results file with one aggregated case per case (see stats.Aggregate),
// each round a repetition. A case's workers and kernel objects live from
// its first round to its last (see session). Run stops early when ctx
// ends, keeping each case's finished rounds.
func Run(ctx context.Context, p Plan, progress Progress) *results.File {
	f := newResultsFile(p)
	cases := p.Cases()
	sched := p.schedule(len(cases), f.Config.OrderSeed)
	h, last := newHeld(cases), lastRuns(sched, len(cases))
	defer h.closeAll()
	runs := make([][]results.Case, len(cases))
	slots := make([][]slot, len(cases))
	n, done := len(sched), 0
	for k, sl := range sched {
		if ctx.Err() != nil {
			f.Incomplete = fmt.Sprintf("interrupted (%v) after %d of %d case runs", context.Cause(ctx), done, n)
			break
		}
		if progress != nil {
			progress.Start(k, n, cases[sl.caseIdx])
		}
		r := h.run(ctx, sl)
		if k == last[sl.caseIdx] {
			r = h.finish(sl.caseIdx, r)
		}
		if ctx.Err() != nil && r.Status == results.StatusFailed {
			// A case cut short by the interrupt is not a result.
			f.Incomplete = fmt.Sprintf("interrupted (%v) after %d of %d case runs", context.Cause(ctx), done, n)
			break
		}
		done++
		runs[sl.caseIdx] = append(runs[sl.caseIdx], r)
		slots[sl.caseIdx] = append(slots[sl.caseIdx], sl)
		if progress != nil {
			progress.Done(k, n, r)
		}
		if p.StopOnFailure && r.Status == results.StatusFailed {
			f.Incomplete = fmt.Sprintf("stopped at the first failure (--keep-going=false) after %d of %d case runs", done, n)
			break
		}
	}
	f.Cases = aggregate(runs, slots, max(1, p.Rounds), f.Incomplete == "")
	f.FinishedAt = time.Now().UTC()
	return f
}

// newResultsFile is the results file of a run of p, before its cases.
func newResultsFile(p Plan) *results.File {
	f := &results.File{
		Schema:    results.Schema,
		StartedAt: time.Now().UTC(),
		Host:      hostinfo.Collect(),
		Config: results.Config{
			Transports: p.Transports, Workloads: p.Workloads, SizesBytes: p.SizesBytes,
			DurationNs: int64(p.Duration), Count: p.Count, WarmupNs: int64(p.Warmup),
			TimeoutNs: int64(p.Timeout), Repeat: max(1, p.Rounds),
			WorkerGODEBUG: WorkerGODEBUG(),
		},
	}
	f.Config.Clock, f.Config.ClockReason, _ = p.clock()
	f.Config.WorkerDesign = WorkerDesign + clockDesign[f.Config.Clock]
	if exe, err := chosenWorkerExe(); err == nil {
		f.Config.WorkerExe, f.Config.WorkerExeReason = exe.name, exe.reason
		if exe.name != WorkerExeSelf { // another binary: other figures, which compare must see
			f.Config.WorkerDesign += "; worker binary " + exe.name
		}
	}
	f.Config.CPUs, f.Config.Placement = p.placement()
	f.Config.Depth = p.Depth
	f.Config.Order, f.Config.OrderSeed = p.order(), p.Seed
	if f.Config.Order == OrderShuffled && f.Config.OrderSeed == 0 {
		f.Config.OrderSeed = rand.Uint64() | 1 // never 0, which means "draw one"
	}
	if p.SampleEvery > 1 {
		f.Config.SampleEvery = p.SampleEvery
	}
	f.Config.Verify = cmp.Or(p.Verify, results.VerifySampled)
	p.recordRate(&f.Config)
	for t, d := range p.SendDelay {
		if f.Config.TestSendDelayNs == nil {
			f.Config.TestSendDelayNs = map[string]int64{}
		}
		f.Config.TestSendDelayNs[t] = int64(d)
	}
	return f
}

// recordRate puts the plan's rates, arrivals and SLO (when it runs an
// open-loop workload) and its work in the results' config.
func (p Plan) recordRate(c *results.Config) {
	if _, open := openLoop(p.Workloads); open {
		c.Rates, c.Arrivals, c.SLONs = p.Rates, p.Arrivals, int64(p.SLO)
		if c.Arrivals == "" {
			c.Arrivals = ArrivalsUniform
		}
	}
	c.WorkNs = int64(p.Work)
}

// aggregate gives each case one result (see stats.Aggregate), its
// repetitions marked with the round and the place in it where each ran:
// in a complete run, each case whose every round ran or any of which
// failed; in a run that ended early, each case with a round done, since a
// shuffled order finishes no case before its last round.
func aggregate(runs [][]results.Case, slots [][]slot, rounds int, complete bool) []results.Case {
	var out []results.Case
	for i, reps := range runs {
		if len(reps) == 0 || complete && len(reps) < rounds && !anyFailed(reps) {
			continue // not run, or not every round: no median to give
		}
		agg, err := stats.Aggregate(reps)
		if err != nil {
			agg = reps[0]
			agg.Status, agg.Reason = results.StatusFailed, "aggregate rounds: "+err.Error()
		}
		for j := range agg.Repetitions {
			agg.Repetitions[j].Round, agg.Repetitions[j].Position = slots[i][j].round, slots[i][j].position
		}
		out = append(out, agg)
	}
	return out
}

// fitsNone reports whether size exceeds the limit of every named transport
// that can run here, and the largest of those limits.
func fitsNone(names []string, size int) (largest int, none bool) {
	for _, n := range names {
		d, ok := transports.Lookup(n)
		if !ok {
			continue
		}
		l, err := d.MaxMessage()
		if err != nil {
			continue
		}
		if size <= l.Bytes {
			return 0, false
		}
		largest = max(largest, l.Bytes)
	}
	return largest, largest > 0
}

// placement is where the plan puts side a and side b, and how that was
// decided, for Config.Placement.
func (p Plan) placement() (cpus []int, how string) {
	switch {
	case p.Unpinned:
		return nil, "scheduler (--cpus none)"
	case p.CPUs != nil:
		return p.CPUs, fmt.Sprintf("pinned: side a on CPU %d, side b on CPU %d (--cpus)", p.CPUs[0], p.CPUs[1])
	}
	if cpus = DefaultCPUs(); cpus == nil {
		return nil, "scheduler (this process may run on one CPU only)"
	}
	return cpus, fmt.Sprintf("pinned: side a on CPU %d, side b on CPU %d (default: the first two CPUs this process may use; --cpus none for the scheduler)", cpus[0], cpus[1])
}

// DefaultCPUs is where a run pins side a and side b unless told otherwise:
// the first CPU this process may use, and the next one on another core of
// the same package (an SMT sibling shares the core's caches and pipeline,
// a second socket adds the interconnect), or simply the next one where
// topology says nothing; nil where the process may use one CPU. Pinned, a
// pipe round trip on the 2-core VM of 2026-11-23 is one figure; unpinned
// it was about 5 µs or about 50 µs depending on whether the scheduler put
// both sides on one CPU, and nothing recorded which. On most hosts this
// is CPUs 0,1, as the C references pin (scripts/cref).
func DefaultCPUs() []int {
	cpus := allowedCPUs()
	if len(cpus) < 2 {
		return nil
	}
	siblings, pkg := topology(cpus[0])
	for _, c := range cpus[1:] {
		if theirs, theirPkg := topology(c); siblings != nil && theirs != nil && !siblings[c] && theirPkg == pkg {
			return []int{cpus[0], c}
		}
	}
	return cpus[:2]
}

// topology reads cpu's SMT siblings and package from sysfs; nil siblings
// where sysfs does not say.
func topology(cpu int) (siblings map[int]bool, pkg string) {
	dir := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/", cpu)
	list, err := os.ReadFile(dir + "thread_siblings_list")
	if err != nil {
		return nil, ""
	}
	p, _ := os.ReadFile(dir + "physical_package_id")
	siblings = map[int]bool{}
	for _, c := range parseCPUList(string(list)) {
		siblings[c] = true
	}
	return siblings, strings.TrimSpace(string(p))
}

// parseCPUList reads the kernel's CPU list format ("0-3,8,10-11"); it
// skips what it cannot read.
func parseCPUList(s string) []int {
	var cpus []int
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b-a > 1<<16 {
				continue
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// validCPUs checks a CPU pair (Plan.CPUs) against the CPUs this process may use.
func validCPUs(cpus []int) error {
	if cpus == nil {
		return nil
	}
	if len(cpus) != 2 {
		return planErrorf("CPUs", fmt.Sprint(cpus), "want two CPUs, for side a and side b, e.g. --cpus 0,1")
	}
	var allowed unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		return planErrorf("CPUs", "", "sched_getaffinity: %v", err)
	}
	for _, c := range cpus {
		if c < 0 || c >= 1024 || !allowed.IsSet(c) {
			return planErrorf("CPUs", fmt.Sprint(cpus), "CPU %d is not one this process may run on (see Cpus_allowed_list in /proc/self/status; %d CPUs online)", c, runtime.NumCPU())
		}
	}
	return nil
}

func anyFailed(cs []results.Case) bool {
	for _, c := range cs {
		if c.Status == results.StatusFailed {
			return true
		}
	}
	return false
}
