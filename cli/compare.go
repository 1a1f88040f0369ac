package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/results/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// compareOptions configures ipcbench compare.
type compareOptions struct {
	Base, New string
	Metrics   []string
	// metricsNamed says --metric was given: a percentile it names is
	// reported untested where its tail is thin, rather than left out.
	metricsNamed bool
	// AllowUntested lets a comparison that could not test every matched
	// case exit 0 instead of 3.
	AllowUntested bool
	// GateStreamLatency gates the latency of closed-loop one-way cases
	// (stream, stream-inplace, fanin) even at native or unequal depths.
	GateStreamLatency bool
	// Verbose prints each warning in full: a flagged case's flag details
	// from every file, and what a warning means.
	Verbose bool
	significance
	// store is --store: BASE and NEW are selectors of runs in it.
	store  storeFlag
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdCompare(stdout, stderr io.Writer) *cobra.Command {
	opts := &compareOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "compare BASE NEW | --store BASE-SELECTOR NEW-SELECTOR",
		Short: "Compare two runs with a significance test; exit 1 on a regression",
		Long: `Compare matches the cases of two runs by transport, workload and size and,
for each metric, prints the base and new medians across repetitions, the
change, and the p-value of a Mann-Whitney U test (golang.org/x/perf/benchmath,
as benchstat does). "~" means the change is not significant at --alpha.

A regression is a change for the worse beyond --threshold that stays
significant after the p-values of every metric × case test of the
comparison are corrected together by Benjamini-Hochberg (q < --alpha): an
A/A comparison then fails with probability at most --alpha, however many
cases it holds (docs/regression-gates.md says why not Holm).

BASE and NEW are results files or directories of them. With one file a
side, each repetition is one sample; where a side pools several files (the
rounds of ipcbench ab), each file's median is one sample, as
repetitions within one run are not independent. A U test needs at least 4
samples a side to reach p < 0.05, and 6 give a 95% confidence interval: run
with 6 rounds or more (run --rounds, 15 by default). With fewer, compare warns and prints no
p-value instead of a false one, and the case is untested. So is a
percentile with fewer than 100 samples beyond it ("tail n=13"): compare
does not gate on it: by default it leaves such a percentile out and says
so on one line (the rounds of a default run, 60 ms each, hold too few
samples for a p99), and where --metric names it the case is untested. A
case flagged (NOISY, OVERHEAD, DRIFT, AUTOCORR) on
either side is warned about on stderr, one short line a case naming its
flags and how many files carry each; -v prints each file's flag details
and each warning's explanation.

A case measured on both sides is tested when every metric got a p-value; one
that is ok on one side and failed on the other is untested. The last line
says "No regressions." only when every such case was tested; otherwise it
says how many were not, and compare exits 3, so that a CI job that forgot
one round does not pass. Cases skipped or failed on both sides are listed and
do not count.

When the two sides ran on different hosts or configurations (CPU, kernel,
Go version, duration, pinning, ...), a header lists the keys that differ and
a warning goes to stderr; commit and label are listed but expected to differ.
When the host interfered differently with the two runs (steal differing by
more than 2 points of the window, or run-queue wait by more than 5), a
warning says so and suggests ipcbench ab, which alternates the builds.

The latency of stream, stream-inplace and fanin cases is not compared by
default: a closed-loop one-way latency is the buffer's depth over the
throughput (Little's law), so it ranks buffers, not transports or builds.
It is compared when both sides ran with one --depth and recorded the same
depth, or with --gate-stream-latency; throughput and cpu are always compared.

With --store, BASE and NEW are selectors of runs in a results store
(docs/store.md), such as label:main,host:node-03,last:6 and label:pr-123:
` + store.SelectorSyntax + `.
Several runs a side pool as a directory of files does.

Metrics: ` + metricNames() + `.

Exit status:
  0  no regression, every matched case tested
  1  a regression (even with --allow-untested)
  2  bad flags or input files
  3  untested: no case measured on both sides, or some could not be tested
     (too few repetitions, a percentile with too few samples beyond it, or
     failed on one side); --allow-untested makes it 0`,
		Example: `  ipcbench run -o base.json && ipcbench run -o new.json          # 15 rounds each
  ipcbench compare base.json new.json
  ipcbench compare base/ new/ --metric p50,p999 --threshold 10%
  ipcbench compare base.json new.json --format markdown >> "$GITHUB_STEP_SUMMARY"
  ipcbench compare --store "label:main,host:$(hostname),last:6" "label:pr-123,host:$(hostname)"
  ipcbench compare --store postgres://ipcbench@db/ipcbench commit:1a2b3c commit:4d5e6f`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("compare takes BASE and NEW, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Base, opts.New = args[0], args[1]
			opts.metricsNamed = cmd.Flags().Changed("metric")
			return compareRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.Metrics, "metric", stats.DefaultCompareMetrics, "metrics to compare")
	f.BoolVar(&opts.AllowUntested, "allow-untested", false, "exit 0, not 3, when cases could not be tested (a regression still exits 1)")
	f.BoolVar(&opts.GateStreamLatency, "gate-stream-latency", false, "compare the latency of stream, stream-inplace and fanin cases even where it measures buffer depth")
	registerVerbose(f, &opts.Verbose)
	opts.significance.register(f, "smallest change for the worse that fails, e.g. 5% or 0.05")
	opts.store.register(f)
	return cmd
}

func metricNames() string {
	var names []string
	for _, m := range stats.Metrics {
		names = append(names, m.Name+" ("+m.Unit+")")
	}
	return strings.Join(names, ", ")
}

// significance holds the flags that compare and history share.
type significance struct {
	Threshold string
	Alpha     float64
	Format    string
}

func (s *significance) register(f *pflag.FlagSet, thresholdUsage string) {
	f.StringVar(&s.Threshold, "threshold", fmt.Sprintf("%g%%", 100*stats.DefaultThreshold), thresholdUsage)
	f.Float64Var(&s.Alpha, "alpha", stats.DefaultAlpha, "significance level of the Mann-Whitney U tests (compare: after the Benjamini-Hochberg correction)")
	f.StringVar(&s.Format, "format", "table", strings.Join(format.CompareFormats, ", "))
}

// parse checks the flags and returns the threshold as a fraction.
func (s *significance) parse() (float64, error) {
	threshold, err := parseFraction("--threshold", s.Threshold)
	if err != nil {
		return 0, err
	}
	if s.Alpha <= 0 || s.Alpha >= 1 {
		return 0, usagef("--alpha %g: want a level between 0 and 1, such as 0.05", s.Alpha)
	}
	return threshold, checkFormat(s.Format, format.CompareFormats)
}

// parseFraction reads "5%", "5" (percent) or "0.05".
func parseFraction(flag, s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || v < 0 {
		return 0, usagef("%s %q: want a percentage such as 5%% or a fraction such as 0.05", flag, s)
	}
	if pct || v >= 1 {
		v /= 100
	}
	return v, nil
}

// compareStored compares the runs two selectors pick in the store.
func compareStored(o *compareOptions) error {
	sels, err := parseSelectors([]string{o.Base, o.New})
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	base, baseNames, err := loadRuns(ctx, st, "BASE "+o.Base, sels[0], store.Load{})
	if err != nil {
		return err
	}
	newer, newNames, err := loadRuns(ctx, st, "NEW "+o.New, sels[1], store.Load{})
	if err != nil {
		return err
	}
	base, err = withoutNew(o.Stderr, base, baseNames, newNames)
	if err != nil {
		return err
	}
	return compareFiles(o, base, newer, false)
}

// withoutNew leaves the runs NEW picked out of BASE, saying so: a run is
// not its own baseline (label:main,last:6 against label:main,last:1 then
// compares the newest run with the five before it).
func withoutNew(stderr io.Writer, base []*results.File, baseNames, newNames []string) ([]*results.File, error) {
	inNew := map[string]bool{}
	for _, n := range newNames {
		inNew[n] = true
	}
	var kept []*results.File
	var left []string
	for i, f := range base {
		if inNew[baseNames[i]] {
			left = append(left, baseNames[i])
			continue
		}
		kept = append(kept, f)
	}
	if len(left) > 0 {
		fmt.Fprintf(stderr, "ipcbench: compare: %s picked by NEW too, left out of BASE\n", joinNames(left))
	}
	if len(kept) == 0 {
		return nil, usagef("BASE picks no run that NEW does not: nothing to compare with")
	}
	return kept, nil
}

// readResultsArgs reads results files named by the arguments; a directory
// stands for every *.json file in it.
func readResultsArgs(args []string) ([]*results.File, []string, error) {
	var paths []string
	for _, a := range args {
		p, err := resultsPaths(a)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, p...)
	}
	var files []*results.File
	for _, p := range paths {
		f, err := results.ReadFile(p)
		if err != nil {
			return nil, nil, usageError{err}
		}
		files = append(files, f)
	}
	return files, paths, nil
}

func compareRun(o *compareOptions) error {
	if o.store.given() {
		return compareStored(o)
	}
	base, _, err := readResultsArgs([]string{o.Base})
	if err != nil {
		return err
	}
	newer, _, err := readResultsArgs([]string{o.New})
	if err != nil {
		return err
	}
	return compareFiles(o, base, newer, false)
}

// compareFiles compares two sides already read, prints the comparison and
// its warnings, and returns compare's exit status. interleaved says the
// sides ran in alternating rounds (ipcbench ab), so that a difference in
// host load between them is the host's noise, not drift between two runs.
func compareFiles(o *compareOptions, base, newer []*results.File, interleaved bool) error {
	metrics, err := stats.ParseMetrics(o.Metrics)
	if err != nil {
		return usagef("--metric: %v", err)
	}
	threshold, err := o.significance.parse()
	if err != nil {
		return err
	}
	c := stats.Compare(base, newer, stats.CompareOptions{Metrics: metrics, Threshold: threshold, Alpha: o.Alpha,
		GateQueueLatency: o.GateStreamLatency, LeaveOutThinTails: !o.metricsNamed})
	compareWarnings(o.Stderr, c, interleaved, o.Verbose)
	if err := format.WriteComparison(o.Stdout, o.Format, c); err != nil {
		return err
	}
	return compareExit(o.Stderr, c, threshold, o.AllowUntested)
}

// registerVerbose registers -v, --verbose, which compare and ab share.
func registerVerbose(f *pflag.FlagSet, v *bool) {
	f.BoolVarP(v, "verbose", "v", false, "print warnings in full: each file's flag details, and what each warning means")
}

// maxFlaggedLines is how many flagged cases compare names on stderr, one
// line each, before it counts the rest (-v names them all).
const maxFlaggedLines = 5

// compareWarnings writes the comparison's warnings to stderr, one short
// line each; verbose adds the details: each file's flag details and what
// a warning means. interleaved says the sides ran in alternating rounds
// (ipcbench ab), where a difference in host load is the host's noise.
func compareWarnings(stderr io.Writer, c *stats.Comparison, interleaved, verbose bool) {
	more := func(s string) string {
		if verbose {
			return s
		}
		return ""
	}
	if keys := c.Skewed(); keys != "" {
		fmt.Fprintf(stderr, "ipcbench: warning: base and new differ in %s%s\n", keys,
			more(": their figures may not be comparable (see the header)"))
	}
	if skew := c.LoadSkew(); skew != "" && !interleaved {
		fmt.Fprintf(stderr, "ipcbench: warning: the host interfered differently with base and new (%s); ipcbench ab alternates them%s\n", skew,
			more(": two runs one after the other see different hosts, and ipcbench ab BASE_BIN NEW_BIN runs the builds in alternating rounds"))
	}
	for i, cf := range c.FlagCounts {
		if verbose { // quotes the files' flag details
			fmt.Fprintf(stderr, "ipcbench: warning: flagged, its figures say less than they seem: %s\n", textsafe.Terminal(c.Flagged[i]))
			continue
		}
		if i == maxFlaggedLines {
			fmt.Fprintf(stderr, "ipcbench: warning: %d more flagged cases (-v names them)\n", len(c.FlagCounts)-i)
			break
		}
		fmt.Fprintf(stderr, "ipcbench: warning: flagged: %s\n", format.FlagCountsLine(cf))
	}
	if len(c.FlagCounts) > 0 && !verbose {
		fmt.Fprintln(stderr, "ipcbench: flagged figures say less than they seem; -v prints each file's flag details")
	}
}

// compareExit says on stderr why a comparison did not pass, and returns
// its exit status: a regression first, then what went untested.
func compareExit(stderr io.Writer, c *stats.Comparison, threshold float64, allowUntested bool) error {
	if n := c.Regressions(); n > 0 {
		fmt.Fprintf(stderr, "ipcbench: %d regressions beyond %g%% at alpha %g\n", n, threshold*100, c.Alpha)
		return exitError{exitFailure}
	}
	if !c.Untested() {
		return nil
	}
	why := "compare: " + strings.TrimPrefix(format.CompareVerdict(c), "Untested: ")
	if c.MatchedCases > 0 {
		why += untestedHints(c)
	}
	return untestedExit(stderr, why, allowUntested)
}

// untestedHints says what would let compare test what it could not, by
// why the deltas went untested.
func untestedHints(c *stats.Comparison) string {
	reasons := map[string]bool{}
	for _, d := range c.Deltas {
		if d.Verdict == stats.VerdictUntested {
			reasons[d.Reason] = true
		}
	}
	var s string
	if reasons[stats.ReasonFewSamples] {
		if c.Unit == stats.UnitFile {
			s += " Each results file of a side pooling several is one sample: compare at least 4 files (rounds) a side, 6 for confidence intervals."
		} else {
			s += " Run both sides with 6 rounds or more, as run does by default (a Mann-Whitney U test needs 4 repetitions a side to reach p < 0.05)."
		}
	}
	if reasons[stats.ReasonCorrection] {
		more := "use more repetitions, or compare fewer metrics or cases"
		if c.NeedSamples > 0 {
			more = fmt.Sprintf("%d %ss a side would test every case (ab --rounds, or run --rounds), or compare fewer metrics or cases", c.NeedSamples, c.Unit)
		}
		s += fmt.Sprintf(" After the Benjamini-Hochberg correction over %d tests, a regression confined to one case could not have been flagged: %s.", c.Tests, more)
	}
	if reasons[stats.ReasonInterval] {
		s += " Base and new timed latency over different intervals (run --sample-every): run both sides alike."
	}
	delete(reasons, stats.ReasonFewSamples)
	delete(reasons, stats.ReasonCorrection)
	delete(reasons, stats.ReasonInterval)
	delete(reasons, "")
	if len(reasons) > 0 {
		s += fmt.Sprintf(" Percentiles with fewer than %d samples beyond them are not gated on: run longer (--duration) or leave them out of --metric.", results.MinTailSamples)
	}
	if s == "" {
		return " The cases are listed above."
	}
	return s + " The cases are listed above."
}

// untestedExit says on stderr why what was compared went untested, and
// exits 3 unless --allow-untested accepts it.
func untestedExit(stderr io.Writer, why string, allowUntested bool) error {
	if allowUntested {
		fmt.Fprintf(stderr, "ipcbench: %s Accepted: --allow-untested.\n", why)
		return nil
	}
	fmt.Fprintf(stderr, "ipcbench: %s Exit 3; --allow-untested accepts this.\n", why)
	return exitError{exitUntested}
}
