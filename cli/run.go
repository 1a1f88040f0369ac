package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/cli/flagval"
	"github.com/ipcbench/ipcbench/doctor"
	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/report"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/results/store"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// runOptions is what `ipcbench run` was asked to do, before validation.
type runOptions struct {
	Transports []string
	Workloads  []string
	Sizes      []string
	Duration   string
	Count      uint64
	// Rounds is --rounds: each case's --duration (or --count) split into
	// this many windows, one per round; Repeat is --repeat: that many
	// rounds of a whole --duration (or --count) each. Order is --order,
	// Seed --seed; flags says which were given.
	Rounds     int
	Repeat     int
	Order      string
	Seed       uint64
	flags      *pflag.FlagSet
	Producers  int
	PairMatrix bool
	CPUs       []string // two CPUs, or "none"
	KeepGoing  bool
	Label      string
	SendDelay  map[string]string // hidden, for tests: transport → delay
	Warmup     string
	Timeout    string
	Out        string
	Format     string
	Wide       bool // --wide: the full table
	Report     bool
	Force      bool
	// Baseline is --baseline: the transport the verdict measures others against.
	Baseline string
	// SampleEvery is --sample-every: time and body-check every Nth message.
	SampleEvery uint64
	// Clock is --clock: the clock the measured loops read.
	Clock string
	// Verify is --verify: sampled or full.
	Verify string
	// Depth is --depth: messages in flight per direction; 0 is native.
	Depth int
	// Rates, Arrivals and SLO are the rate workload's --rate (a list or a
	// sweep), --arrivals and --slo; Work is --work, the consumer's spin.
	Rates    []string
	Arrivals string
	SLO      string
	Work     string
	// store is --store: the run is also stored there.
	store storeFlag

	Stdout, Stderr io.Writer
	Terminal       bool // stderr is a terminal: draw a progress bar
	Args           []string
}

const defaultResultsDir = "ipcbench-results"

func newCmdRun(stdout, stderr io.Writer) *cobra.Command {
	opts := &runOptions{Stdout: stdout, Stderr: stderr}
	if f, ok := stderr.(*os.File); ok {
		opts.Terminal = term.IsTerminal(int(f.Fd()))
	}
	return runCommand(opts)
}

// runCommand binds run's flags to opts; tests parse flags through it.
func runCommand(opts *runOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run transports × workloads × sizes, each case in two fresh worker processes",
		Long: `Run every selected transport with every workload and message size. Each case
runs in two fresh worker processes: a warm-up, a start barrier, then a measured
window of --duration (or --count messages). Messages are verified by sequence
number and content; a case that goes wrong prints an error, never a number.

Results go to a versioned JSON file (--out) and a table on stdout (--format).
--out replaces only a regular file that holds ipcbench results (--force: any
regular file), checked before the run; if the file cannot be written at the
end, the table is still printed and ipcbench says that nothing was saved.

Exit status: 0 all cases ran, 1 a case failed or the results were not saved,
2 bad flags, 128+n ended by signal n (SIGINT 130, SIGTERM 143, SIGHUP 129,
SIGQUIT 131), with the cases finished saved, marked incomplete.`,
		Example: `  ipcbench run
  ipcbench run --transports pipe,unix-stream --workloads pingpong --sizes 1,64,4KiB
  ipcbench run --sizes 1M --duration 3s --format markdown
  ipcbench run --count 100000 --out pipe.json --transports pipe
  ipcbench run --workloads relay --sizes 64,4K,8K,64K   # the tutorials' copy claim, measured
  ipcbench run --report                                 # and write ./ipcbench-report/index.html`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Args = os.Args
			return runRun(opts)
		},
	}
	f := cmd.Flags()
	opts.flags = f
	f.StringSliceVar(&opts.Transports, "transports", transports.Defaults(), registryHelp("transports", transports.Names(), transports.Defaults()))
	f.StringSliceVar(&opts.Workloads, "workloads", workloads.Defaults(), registryHelp("workloads", workloads.Names(), workloads.Defaults()))
	// Two sizes, small and large, and 900 ms a case in 15 rounds of 60 ms
	// keep the default run under a minute on 2 vCPUs: 52 cases took 60.6
	// and 61.1 s at 1 s a case on 2026-12-07, of which 52 s measured and
	// the rest the first round's process starts and warm-ups (about 105 ms
	// a case) and the later rounds' boundaries (about 5 ms each).
	f.StringSliceVar(&opts.Sizes, "sizes", []string{"64", "64K"}, "message sizes in bytes; units K, KiB, M, MiB, G, GiB, all powers of 1024 (KB, MB and GB are refused as ambiguous)")
	f.StringVar(&opts.Duration, "duration", "900ms", "measured time per case, split over --rounds (60 ms rounds by default); with --repeat, per round")
	f.Uint64Var(&opts.Count, "count", 0, "measure this many messages (round trips for pingpong) per case instead of --duration")
	f.IntVar(&opts.Rounds, "rounds", harness.DefaultRounds, "split each case's --duration (or --count) into N rounds; each round runs every case once, in --order; figures are medians of the rounds with 95% intervals")
	f.StringVar(&opts.Order, "order", harness.OrderShuffled, "order of the cases within a round: shuffled (afresh every round, seed recorded) or sequential (each case's rounds back to back, in plan order; one round unless --rounds)")
	f.Uint64Var(&opts.Seed, "seed", 0, "seed of the shuffle, to repeat a run's order (recorded as order_seed); 0 draws one")
	f.IntVar(&opts.Repeat, "repeat", 0, "run N rounds of a whole --duration (or --count) each: --rounds N with N times the time")
	f.IntVar(&opts.Producers, "producers", 2, "fanin: producers streaming into the one consumer")
	f.IntVar(&opts.Depth, "depth", 0, "messages in flight per direction, set on each transport that can hold exactly that many (pipe size, SO_SNDBUF, mq_maxmsg, msg_qbytes, slots); the others are skipped with the limit named; 0 keeps native buffering (recorded either way)")
	f.Uint64Var(&opts.SampleEvery, "sample-every", 1, "time and body-check every Nth message only, still checking every sequence number, so that a fast transport is measured more than the harness (pingpong, stream, stream-inplace; recorded)")
	f.StringVar(&opts.Clock, "clock", harness.ClockAuto, "the clock the measured loops read: tsc (the CPU's time-stamp counter, calibrated against CLOCK_MONOTONIC; refused where it is not invariant or not the kernel's clocksource), vdso (CLOCK_MONOTONIC), or auto, tsc where it may be used (recorded, with why)")
	f.StringVar(&opts.Verify, "verify", results.VerifySampled, "how message bodies over 4 KiB are checked: sampled (a word of every 4 KiB page of every message, the whole of every 64th; sizes, sequence numbers and messages up to 4 KiB always whole) or full (every byte of every message; the harness then costs up to a third of a 64 KiB message); recorded")
	f.StringSliceVar(&opts.Rates, "rate", []string{"10k"}, "rate workload: offered msgs/s, each its own case: a list (10k,50k) or a sweep start:end:xFACTOR or +STEP (10k:200k:x2); k=10^3, M=10^6")
	f.StringVar(&opts.Arrivals, "arrivals", harness.ArrivalsUniform, "rate workload: the send schedule, uniform or poisson")
	f.StringVar(&opts.SLO, "slo", time.Duration(stats.DefaultSLONs).String(), "rate workload: the p99 latency bound to find the highest rate under (recorded)")
	f.StringVar(&opts.Work, "work", "0", "spin the consumer (stream, rate) or echoer (pingpong) this long per message on a calibrated CPU loop, e.g. 20us (recorded)")
	f.BoolVar(&opts.PairMatrix, "pair-matrix", false, "run each case on every pair of CPUs and print a core-to-core matrix of p50 latency")
	f.StringSliceVar(&opts.CPUs, "cpus", nil, "pin side a and side b to these two CPUs, e.g. 0,1 (0,0 shares one), or none for the scheduler's choice; default: two distinct CPUs, recorded")
	f.BoolVar(&opts.KeepGoing, "keep-going", true, "after a failed case, go on with the next (false: stop the run there, results marked incomplete)")
	f.StringVar(&opts.Label, "label", "", "name this run, e.g. the commit or kernel under test; history and benchfmt show it")
	opts.store.register(f)
	opts.store.stderr = opts.Stderr
	f.StringVar(&opts.Warmup, "warmup", "50ms", "warm-up per case, discarded (0 for none)")
	f.StringVar(&opts.Timeout, "timeout", "", "limit per case (default 10s + 2×(warmup+duration), or 60s with --count)")
	f.StringVarP(&opts.Out, "out", "o", "", "results file (default ./"+defaultResultsDir+"/<timestamp>.json)")
	f.StringVar(&opts.Format, "format", "table", "stdout format: "+strings.Join(format.RunFormats, ", "))
	f.StringVar(&opts.Baseline, "baseline", "", "measure every transport in the verdict against this one rather than the fastest (the table format and --report)")
	addWideFlag(f, &opts.Wide)
	f.BoolVar(&opts.Report, "report", false, "write an HTML and Markdown report to ./"+defaultReportDir+"/ after the run")
	f.BoolVar(&opts.Force, "force", false, "replace an --out file that holds no ipcbench results, and a ./"+defaultReportDir+"/ that ipcbench did not write")
	f.StringToStringVar(&opts.SendDelay, "test-send-delay", nil, "for testing compare: slow TRANSPORT's every send by DELAY, e.g. pipe=5us (recorded in the results)")
	f.MarkHidden("test-send-delay")
	return cmd
}

// planFlags names the run flag that sets each harness.Plan field, so that
// an error of Plan.Validate names the flag to fix; a test checks that
// every field of Plan is here.
var planFlags = map[string]string{
	"Transports": "--transports", "Workloads": "--workloads", "SizesBytes": "--sizes", "Warmup": "--warmup",
	"Duration": "--duration", "Count": "--count", "Timeout": "--timeout", "Rounds": "--rounds", "Order": "--order", "Seed": "--seed",
	"SendDelay": "--test-send-delay", "Producers": "--producers", "CPUs": "--cpus", "Unpinned": "--cpus",
	"SampleEvery": "--sample-every", "Verify": "--verify", "Rates": "--rate", "Arrivals": "--arrivals", "SLO": "--slo", "Work": "--work",
	"StopOnFailure": "--keep-going", "Depth": "--depth", "Clock": "--clock",
}

// planUsageError says what harness.Plan.Validate found wrong in the flags'
// terms, as a usage error.
func planUsageError(err error) error {
	var pe *harness.PlanError
	switch {
	case errors.Is(err, harness.ErrNothingToRun):
		return usagef("nothing to run: --transports, --workloads and --sizes each need at least one value")
	case errors.As(err, &pe) && pe.Value != "":
		return usagef("%s %s: %s", planFlags[pe.Field], pe.Value, pe.Reason)
	case errors.As(err, &pe):
		return usagef("%s: %s", planFlags[pe.Field], pe.Reason)
	}
	return usageError{err}
}

// maxCount bounds --count: 10^10 round trips take days.
const maxCount = 1e10

// plan validates the options into a harness.Plan; every error names its flag.
func (o *runOptions) plan() (harness.Plan, error) {
	p := harness.Plan{Transports: o.Transports, Workloads: o.Workloads, Count: o.Count, Order: o.Order, Seed: o.Seed,
		StopOnFailure: !o.KeepGoing, Producers: o.Producers}
	if err := o.checkNamed(); err != nil {
		return p, err
	}
	if o.PairMatrix && (len(o.CPUs) > 0 || o.given("repeat") && o.Repeat > 1 || o.given("rounds") && o.Rounds > 1) {
		return p, usagef("--pair-matrix chooses the CPUs itself and runs each pair once: drop --cpus, --rounds and --repeat")
	}
	if len(o.CPUs) == 1 && o.CPUs[0] == "none" {
		p.Unpinned = true
	} else if o.CPUs != nil {
		p.CPUs = []int{}
		for _, s := range o.CPUs {
			n, err := strconv.Atoi(s)
			if err != nil {
				return p, usagef("--cpus %s: want two CPU numbers, e.g. 0,1, or none", strings.Join(o.CPUs, ","))
			}
			p.CPUs = append(p.CPUs, n)
		}
	}
	if o.SampleEvery == 0 { // 0 is every message to a Plan; above the limit, Validate says
		return p, usagef("--sample-every 0: want 1 to %d", harness.MaxSampleEvery)
	}
	p.SampleEvery, p.Depth, p.Clock = o.SampleEvery, o.Depth, o.Clock
	if o.Verify != results.VerifySampled && o.Verify != results.VerifyFull {
		return p, usagef("--verify %s: want %s or %s", o.Verify, results.VerifySampled, results.VerifyFull)
	}
	p.Verify = o.Verify
	if o.Count > maxCount {
		return p, usagef("--count %d: want at most %d messages a case", o.Count, uint64(maxCount))
	}
	for _, s := range o.Sizes {
		n, err := flagval.ParseSize(s)
		if err != nil {
			return p, usagef("--sizes: %v", err)
		}
		p.SizesBytes = append(p.SizesBytes, n)
	}
	var err error
	if p.Duration, err = flagval.ParsePositiveDuration("duration", o.Duration); err != nil {
		return p, usageError{err}
	}
	if err := o.rounds(&p); err != nil {
		return p, err
	}
	if o.Warmup != "0" {
		if p.Warmup, err = flagval.ParsePositiveDuration("warmup", o.Warmup); err != nil {
			return p, usageError{err}
		}
	}
	if o.Timeout != "" {
		if p.Timeout, err = flagval.ParsePositiveDuration("timeout", o.Timeout); err != nil {
			return p, usageError{err}
		}
	}
	if err := o.ratePlan(&p); err != nil {
		return p, err
	}
	for t, d := range o.SendDelay {
		if p.SendDelay == nil {
			p.SendDelay = map[string]time.Duration{}
		}
		if p.SendDelay[t], err = flagval.ParsePositiveDuration("test-send-delay", d); err != nil {
			return p, usageError{err}
		}
	}
	if err := p.Validate(); err != nil {
		return p, planUsageError(err)
	}
	return p, nil
}

// checkNamed checks the names given (transports, workloads, the baseline,
// the label) and that no flag is one the run would ignore.
func (o *runOptions) checkNamed() error {
	if err := checkNames("--transports", "transport", o.Transports, transports.Names()); err != nil {
		return err
	}
	if err := checkNames("--workloads", "workload", o.Workloads, workloads.Names()); err != nil {
		return err
	}
	if err := checkBaseline(o.Baseline); err != nil {
		return err
	}
	if err := results.CheckLabel(o.Label); err != nil { // before the run, not at its first reading
		return usagef("--label: %v", err)
	}
	return o.conflicts()
}

// conflicts refuses flags that the run would otherwise ignore without a
// word: two that say the same thing, or one that only a workload or format
// not selected reads. Each error names both flags and the fix.
func (o *runOptions) conflicts() error {
	switch {
	case o.given("count") && o.given("duration"):
		return usagef("--count and --duration: give one; --count measures that many messages a case, --duration that long")
	case o.given("seed") && o.Order == harness.OrderSequential:
		return usagef("--seed with --order sequential: a sequential run is not shuffled; drop --seed")
	case o.Wide && o.Format != "table":
		return usagef("--wide with --format %s: --wide shapes the table format only; drop one", o.Format)
	case o.Baseline != "" && o.Format != "table" && !o.Report:
		return usagef("--baseline with --format %s: the verdict it sets is printed by --format table and written by --report; drop --baseline or add --report", o.Format)
	}
	needs := []struct {
		flags []string
		of    func(workloads.Descriptor) bool
	}{
		{[]string{"rate", "arrivals", "slo"}, func(w workloads.Descriptor) bool { return w.OpenLoop }},
		{[]string{"producers"}, func(w workloads.Descriptor) bool { return w.Writers }},
	}
	for _, n := range needs {
		readers, selected := o.workloadsWhere(n.of)
		for _, flag := range n.flags {
			if o.given(flag) && !selected {
				return usagef("--%s with --workloads %s: only the %s workload reads it; add it to --workloads, or drop --%s",
					flag, strings.Join(o.Workloads, ","), strings.Join(readers, " or "), flag)
			}
		}
	}
	return nil
}

// workloadsWhere returns the registered workloads for which of is true,
// and whether --workloads selects any of them.
func (o *runOptions) workloadsWhere(of func(workloads.Descriptor) bool) (names []string, selected bool) {
	for _, w := range workloads.All() {
		if of(w) {
			names = append(names, w.Name)
			selected = selected || slices.Contains(o.Workloads, w.Name)
		}
	}
	return names, selected
}

// given reports whether the run flag name was set on the command line.
func (o *runOptions) given(name string) bool { return o.flags != nil && o.flags.Changed(name) }

// minRoundWindow is the shortest measured window --rounds may cut a
// --duration into: below it a round's p50 rests on a few hundred samples
// of a slow transport.
const minRoundWindow = 5 * time.Millisecond

// rounds sets p's rounds from --rounds or --repeat and splits --duration
// and --count over them. --repeat N is N rounds of a whole --duration
// each; without either flag, one round where a sequential order, a
// --count or a --pair-matrix asks for one window per case, else
// harness.DefaultRounds.
func (o *runOptions) rounds(p *harness.Plan) error {
	roundsSet, repeatSet := o.given("rounds"), o.given("repeat")
	switch {
	case repeatSet && roundsSet:
		return usagef("--repeat and --rounds: give one (--repeat N is --rounds N with N times the --duration)")
	case repeatSet && (o.Repeat < 1 || o.Repeat > harness.MaxRounds):
		return usagef("--repeat %d: want 1 to %d", o.Repeat, harness.MaxRounds)
	case repeatSet:
		p.Rounds = o.Repeat
		return nil
	case roundsSet && (o.Rounds < 1 || o.Rounds > harness.MaxRounds):
		return usagef("--rounds %d: want 1 to %d", o.Rounds, harness.MaxRounds)
	case !roundsSet && (o.Order == harness.OrderSequential || o.Count > 0 || o.PairMatrix):
		p.Rounds = 1
		return nil
	}
	p.Rounds = o.Rounds
	if o.Count > 0 {
		p.Count = (o.Count + uint64(p.Rounds) - 1) / uint64(p.Rounds)
		return nil
	}
	if p.Duration /= time.Duration(p.Rounds); p.Duration < minRoundWindow {
		return usagef("--duration %s over %d rounds: each round's window would be %v, under %v; give a longer --duration or fewer --rounds",
			o.Duration, p.Rounds, p.Duration, minRoundWindow)
	}
	return nil
}

// ratePlan reads --rate, --arrivals, --slo and --work into p.
func (o *runOptions) ratePlan(p *harness.Plan) error {
	var err error
	if p.Rates, err = flagval.ParseRates(o.Rates); err != nil {
		return usageError{err}
	}
	if o.Arrivals != harness.ArrivalsUniform && o.Arrivals != harness.ArrivalsPoisson {
		return usagef("--arrivals %q: want %s or %s", o.Arrivals, harness.ArrivalsUniform, harness.ArrivalsPoisson)
	}
	p.Arrivals = o.Arrivals
	if p.SLO, err = flagval.ParsePositiveDuration("slo", o.SLO); err != nil {
		return usageError{err}
	}
	if o.Work != "0" {
		if p.Work, err = flagval.ParsePositiveDuration("work", o.Work); err != nil {
			return usageError{err}
		}
	}
	return nil
}

func (o *runOptions) validateFormat() error {
	return checkFormat(o.Format, format.RunFormats)
}

// outPath returns where the results go, and checks before the run that
// the file can be written there and that whatever it would replace is
// ipcbench's to replace, so that a run never ends in a file it cannot
// write or in a user's file destroyed.
func (o *runOptions) outPath(now time.Time) (string, error) {
	if o.Out == "" {
		if err := safeout.MkdirOwn(defaultResultsDir, 0o755); err != nil {
			return "", usagef("results directory: %w; remove it, or give --out", err)
		}
		return filepath.Join(defaultResultsDir, now.Format("2006-01-02T15-04-05")+".json"), nil
	}
	return o.Out, checkResultsOut("--out", o.Out, o.Force)
}

// checkResultsOut checks before the work that a results file can be
// written at path: it replaces only a regular file of ipcbench results,
// or with force any regular file, and its directory must be writable.
func checkResultsOut(flag, path string, force bool) error {
	exists, err := safeout.CheckFile(path)
	switch {
	case err != nil:
		return usagef("%s: %w; give the path of a regular file", flag, err)
	case exists && !force && !results.IsResultsFile(path):
		return usagef("%s %s: exists and holds no ipcbench results; give another %s, or --force to replace it", flag, path, flag)
	case strings.HasSuffix(path, "/"):
		return usagef("%s %s: names a directory; give a file path, e.g. %sr.json", flag, path, path)
	}
	return writableDir(flag, filepath.Dir(path))
}

// writableDir creates dir if needed and checks that a file can be made in
// it, so that a command fails before its work, not after, naming flag.
func writableDir(flag, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("%s: cannot create directory %s: %w", flag, dir, err)
	}
	probe, err := os.CreateTemp(dir, ".ipcbench-write-test-*")
	if err != nil {
		return usagef("%s: directory %s is not writable: %w", flag, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// saveResults writes the results file, replacing only a results file
// unless force; tests replace it to make the write fail as a full disk
// does.
var saveResults = func(path string, f *results.File, force bool) error {
	if force {
		return results.ReplaceFile(path, f)
	}
	return results.WriteFile(path, f)
}

// beforeReport, when set, runs just before a report is rendered, with the
// context a signal cancels; tests use it to signal a command in its report
// phase.
var beforeReport func(context.Context)

func runRun(o *runOptions) error {
	p, err := o.plan()
	if err != nil {
		return err
	}
	if err := o.validateFormat(); err != nil {
		return err
	}
	if o.Report {
		if err := checkReportDir("--report", defaultReportDir, o.Force); err != nil {
			return err
		}
	}
	path, err := o.outPath(time.Now())
	if err != nil {
		return err
	}
	if err := o.store.checkUnused(); err != nil {
		return err
	}
	var st *store.Store
	if o.store.given() { // before the run, so that a wrong URL costs no run
		if st, err = o.store.open(context.Background()); err != nil {
			return err
		}
		defer st.Close()
	}
	warnLeftovers(o.Stderr)
	findings := doctor.Check(sampleLoad)
	ctx, interrupted := stopOnSignals(o.Stderr, "stopping the workers and removing kernel objects")
	defer interrupted.stop()

	var f *results.File
	if o.PairMatrix {
		f = harness.RunPairMatrix(ctx, p, newProgress(o.Stderr, o.Terminal, p))
	} else {
		f = harness.Run(ctx, p, newProgress(o.Stderr, o.Terminal, p))
	}
	f.Host.Findings = findings
	// A password given in --store never reaches the results file, nor
	// the store through it.
	f.Config.CommandLine = store.RedactArgs(o.Args)
	f.Config.Label = o.Label
	saveErr := o.saveAndPrint(path, f, interrupted)
	if st != nil && interrupted.signal() == nil {
		if err := o.storePhase(ctx, st, f, path, saveErr == nil, interrupted); err != nil && (saveErr == nil || interrupted.signal() != nil) {
			return err
		}
	}
	if saveErr != nil {
		return saveErr
	}
	if o.Report {
		if err := o.reportPhase(ctx, path, f, interrupted); err != nil {
			return err
		}
	}
	if err := reportFailures(o.Stderr, f); err != nil {
		return err
	}
	if sig := interrupted.signal(); sig != nil { // came after the run's wind-down
		return exitError{signalExit(sig)}
	}
	return nil
}

// saveAndPrint writes the results file and prints the table, the table
// even when the file cannot be written (a full disk): it is then the only
// copy of the run, and ipcbench says that nothing was saved.
func (o *runOptions) saveAndPrint(path string, f *results.File, interrupted *interruption) error {
	saveErr := interrupted.write(path, func() error { return saveResults(path, f, o.Force) })
	tableErr := format.WriteRunWith(o.Stdout, o.Format, f, format.TableOptions{Wide: o.Wide})
	if tableErr == nil && o.Format == "table" {
		tableErr = format.WriteVerdict(o.Stdout, f, o.Baseline)
	}
	where := path
	if saveErr != nil {
		fmt.Fprintf(o.Stderr, "ipcbench: nothing was saved, the table above is all that is left of this run: %v\n", saveErr)
		where = "the table above only (no results file)"
	}
	if sig := interrupted.signal(); sig != nil {
		finished := fmt.Sprintf("the rounds finished of %d cases are", len(f.Cases))
		if len(f.Cases) == 1 {
			finished = "the rounds finished of 1 case are"
		}
		fmt.Fprintf(o.Stderr, "ipcbench: %s: workers stopped and kernel objects removed; %s in %s, marked incomplete\n",
			f.Incomplete, finished, where)
		return exitError{signalExit(sig)}
	}
	if saveErr != nil {
		return exitError{exitFailure}
	}
	if tableErr != nil {
		return tableErr
	}
	fmt.Fprintf(o.Stderr, "results: %s\n", path)
	return nil
}

// storePhase adds the run to the store. Each wait is bounded by
// --store-timeout, and a signal stops the phase at once, ending the run
// with 128+n. Where the run is not stored the results file still holds it
// (saved), and ipcbench prints a command that stores it later.
func (o *runOptions) storePhase(ctx context.Context, st *store.Store, f *results.File, path string, saved bool, interrupted *interruption) error {
	interrupted.setStopping("stopping the store step; the results file is kept")
	a, err := st.Add(ctx, f)
	sig := interrupted.signal()
	switch {
	case err == nil && a.Duplicate:
		fmt.Fprintf(o.Stderr, "store: %s already holds this run as run:%d\n", st.Location(), a.RunID)
	case err == nil:
		fmt.Fprintf(o.Stderr, "store: run:%d in %s\n", a.RunID, st.Location())
	default:
		why := err.Error()
		if sig != nil {
			why = signalName(sig)
		}
		later := "the table above is all that is left of it"
		if saved {
			later = "store it later with: " + o.store.laterCommand(st.Location(), path)
		}
		fmt.Fprintf(o.Stderr, "ipcbench: the run was not stored: %s; %s\n", why, later)
	}
	switch {
	case sig != nil:
		return exitError{signalExit(sig)}
	case err != nil:
		return exitError{exitFailure}
	}
	return nil
}

// reportPhase writes ./ipcbench-report/ for run --report. A signal stops
// it, leaving no partial report, and ends the run with 128+n.
func (o *runOptions) reportPhase(ctx context.Context, path string, f *results.File, interrupted *interruption) error {
	interrupted.setStopping("stopping the report; the results are saved")
	if beforeReport != nil {
		beforeReport(ctx)
	}
	in := []report.Input{{Label: report.Labels([]string{path})[0], File: f}}
	err := report.WriteDir(ctx, defaultReportDir, in, report.Both, o.Force, report.Options{Baseline: o.Baseline})
	if sig := interrupted.signal(); sig != nil {
		fmt.Fprintf(o.Stderr, "ipcbench: %s: no report written; the results are in %s\n", signalName(sig), path)
		return exitError{signalExit(sig)}
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(o.Stderr, "report: %s\n", describeReport(defaultReportDir, report.Both))
	return nil
}

// reportFailures lists the failed cases; any is exit 1.
func reportFailures(stderr io.Writer, f *results.File) error {
	failed := 0
	for _, c := range f.Cases {
		if c.Status == results.StatusFailed {
			failed++
			fmt.Fprintf(stderr, "FAILED %s: %s\n", c.Key(), c.Reason)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "ipcbench: %d of %d cases failed\n", failed, len(f.Cases))
		return exitError{exitFailure}
	}
	return nil
}
