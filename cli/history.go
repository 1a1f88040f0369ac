package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/report"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/spf13/cobra"
)

// historyOptions configures ipcbench history.
type historyOptions struct {
	Paths  []string
	Metric string
	Cases  []string
	Plot   string
	// Force lets --plot replace a regular file that is not a plot
	// ipcbench wrote.
	Force bool
	// FailOnRegression makes history a gate: exit 1 on a flagged
	// regression, 3 on a step it could not test.
	FailOnRegression bool
	AllowUntested    bool
	// Gate picks what --fail-on-regression judges by (stats.Gates).
	Gate string
	significance
	// With --store, the runs come from the store, picked by its flags.
	runPick
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdHistory(stdout, stderr io.Writer) *cobra.Command {
	opts := &historyOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "history DIR|FILE... | --store [--host H] [--label L] [--since 30d]",
		Short: "Track one metric over many runs, flagging significant steps",
		Long: `History reads many results files (a directory stands for every *.json in
it), puts the runs in time order by their start time, and prints one metric of
each case per run with the run's commit. Each point is tested against the
case's previous point with a Mann-Whitney U test over their repetitions, as
compare does, and flagged ▲ regression or ▼ improvement when the change is
significant at --alpha and beyond --threshold. Beside the step tests, each
host's series of a case with 10 runs or more is searched for change points
as ipcbench changes searches it (E-divisive means, alpha 0.0002, 5 runs a
segment at least): the run that starts a new segment is marked in the
CHANGE POINT column with the change, its 95% interval, p-value and kind
(code or host). A shift that no single step shows, because each run's own
spread is wider than the step, shows there. --plot writes the trend as a
PNG or SVG through the report package: one line per case, 95% confidence
intervals as bars, flagged points ringed, and each segment between change
points as a band over its median's interval with the median as a line.
It replaces only a plot ipcbench
wrote (it carries ipcbench's mark), or with --force any regular file.

With --store, the runs come from a results store (docs/store.md) rather than
files, picked by --host, --label, --commit, --since and --last; only the
cases --case matches are read, and no histogram unless a case records no
sample count. Each run is named run:ID, a selector for it.

When the runs' hosts or configurations differ in a way that changes the
figures (CPU, kernel, Go version, duration, pinning, ...), a header says which
runs had which value and a warning goes to stderr.

--fail-on-regression makes history a gate. By default (--gate auto) each
run is judged by its change point where the search could place one there
(5 runs of its host's series either side of it), and by its step test
elsewhere: in a series shorter than 10 runs, and in the first and last 5
runs of a longer one. Exit 1 on a regression change point or a step
flagged ▲ regression, and 3 when a step judged by step test could not be
tested (too few repetitions, or a percentile with fewer than 100 samples
beyond it), there is none (a single run), or a run stopped early.
--gate steps judges every series by its step tests alone, --gate both by
both (a regression either finds fails). To gate on the
newest run only, give history the runs to judge, e.g. the last two files.
The flag column also shows the case's own flags in that run (NOISY,
OVERHEAD, DRIFT, AUTOCORR).

Metrics: ` + metricNames() + `.

Exit status:
  0  shown (and, with --fail-on-regression, every step tested and none flagged)
  1  with --fail-on-regression: a regression, as --gate judges
  2  bad flags or input files
  3  with --fail-on-regression: a step untested, or no step at all;
     --allow-untested makes it 0`,
		Example: `  ipcbench history ipcbench-results/
  ipcbench history nightly/ --metric p99 --case pipe/pingpong --plot p99.png
  ipcbench history nightly/*.json --metric throughput --format markdown
  ipcbench history $(ls nightly/*.json | tail -2) --fail-on-regression   # a CI gate on the newest run
  ipcbench history --store --case pipe/pingpong/64B --metric p99 --host node-03 --since 30d
  ipcbench history --store postgres://ipcbench@db/ipcbench --label main --last 2 --fail-on-regression`,
		Args: func(_ *cobra.Command, args []string) error {
			return opts.checkArgs("history", args)
		},
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Paths = args
			return historyRun(opts)
		},
	}
	f := cmd.Flags()
	addSeriesFlags(f, &opts.Metric, &opts.Cases)
	opts.significance.register(f, "smallest significant change that is flagged")
	f.StringVar(&opts.Plot, "plot", "", "also write the trend plot to this .png or .svg file; it replaces only a plot ipcbench wrote")
	f.BoolVar(&opts.Force, "force", false, "let --plot replace a regular file that is not a plot ipcbench wrote")
	f.BoolVar(&opts.FailOnRegression, "fail-on-regression", false, "exit 1 when a step is flagged as a regression, 3 when a step could not be tested")
	f.StringVar(&opts.Gate, "gate", stats.GateAuto, "what --fail-on-regression judges by: auto (a run's change point where the search can place one, its step test elsewhere), steps or both")
	f.BoolVar(&opts.AllowUntested, "allow-untested", false, "with --fail-on-regression, exit 0, not 3, when steps could not be tested")
	opts.runPick.register(f)
	return cmd
}

func historyRun(o *historyOptions) error {
	ms, err := stats.ParseMetrics([]string{o.Metric})
	if err != nil {
		return usagef("--metric: %v", err)
	}
	threshold, err := o.significance.parse()
	if err != nil {
		return err
	}
	if o.Plot != "" && !strings.HasSuffix(o.Plot, ".png") && !strings.HasSuffix(o.Plot, ".svg") {
		return usagef("--plot %s: want a file name ending in .png or .svg", o.Plot)
	}
	if !slices.Contains(stats.Gates, o.Gate) {
		return usagef("--gate %s: want one of %s", o.Gate, strings.Join(stats.Gates, ", "))
	}
	if o.Plot != "" {
		if err := checkPlotOut(o.Plot, o.Force); err != nil { // before the work, not after it
			return err
		}
	}
	files, paths, err := o.runs("history", o.Paths, o.Cases)
	if err != nil {
		return err
	}
	h := stats.BuildHistory(files, paths, ms[0], o.Cases, threshold, o.Alpha)
	if len(h.Series) == 0 {
		return usagef("history: no ok case with a %s value matches --case %q in %d files", o.Metric, o.Cases, len(files))
	}
	h.MarkChanges(files, paths, ms[0], o.Cases, stats.ChangeOptions{})
	if keys := h.Skewed(); keys != "" {
		fmt.Fprintf(o.Stderr, "ipcbench: warning: the runs differ in %s: their figures may not be comparable (see the header)\n", keys)
	}
	if err := format.WriteHistory(o.Stdout, o.Format, h); err != nil {
		return err
	}
	if o.Plot != "" {
		p, err := report.Trend(h)
		if err != nil {
			return err
		}
		save := report.SavePlot
		if o.Force {
			save = report.ReplacePlot
		}
		if err := save(p, o.Plot); err != nil {
			return plotRefusal(err)
		}
		fmt.Fprintf(o.Stderr, "plot: %s\n", o.Plot)
	}
	if !o.FailOnRegression {
		return nil
	}
	return historyExit(o.Stderr, h, o.Gate, o.AllowUntested)
}

// checkPlotOut checks before the work that --plot may write path: nothing
// is there, or a plot ipcbench wrote (it carries ipcbench's mark), or with
// force any regular file; never a device, FIFO, directory or symbolic link.
func checkPlotOut(path string, force bool) error {
	var proof safeout.Proof = report.ProvePlot
	if force {
		proof = nil
	}
	if _, err := safeout.CheckFileProved(path, proof); err != nil {
		return plotRefusal(err)
	}
	return writableDir("--plot", filepath.Dir(path))
}

// plotRefusal turns a failure to write --plot into a usage error with the
// way out where the path is what ipcbench will not replace; any other
// failure (a full disk) stays a failure.
func plotRefusal(err error) error {
	switch {
	case errors.Is(err, safeout.ErrNotOurs):
		return usagef("--plot: %v; give another --plot, or --force to replace it", err)
	case errors.Is(err, safeout.ErrNotRegular), errors.Is(err, safeout.ErrSymlink):
		return usagef("--plot: %v; give the path of a regular file", err)
	}
	return fmt.Errorf("--plot: %w", err)
}

// historyExit is --fail-on-regression's verdict under gate: 1 on a
// regression (a flagged step or a regression change point, as the gate
// picks), 3 when a step the gate tests went untested or there was none.
func historyExit(stderr io.Writer, h *stats.History, gate string, allowUntested bool) error {
	reg, tested, untested := h.Gated(gate)
	if reg > 0 {
		fmt.Fprintf(stderr, "ipcbench: history: %d regressions (%s; steps beyond %g%% at alpha %g, change points at alpha %g) (--fail-on-regression --gate %s)\n",
			reg, gateText(gate), h.Threshold*100, h.Alpha, h.ChangeAlpha, gate)
		return exitError{exitFailure}
	}
	searched := h.ChangeSearched() > 0 && gate != stats.GateSteps
	var why string
	switch {
	case len(h.IncompleteRuns()) > 0:
		why = fmt.Sprintf("history: %d runs stopped early (see the last line): the cases they did not reach were not tested.", len(h.IncompleteRuns()))
	case tested+untested == 0 && searched:
		return nil
	case tested+untested == 0 && len(h.Runs) < 2:
		why = "history: 1 run: nothing to test it against; --fail-on-regression needs at least two runs."
	case tested+untested == 0:
		why = fmt.Sprintf("history: no case appears in two of the %d runs: no step to test.", len(h.Runs))
	case untested > 0:
		why = fmt.Sprintf("history: %d of %d steps could not be tested: run with 6 rounds or more, and long enough that each percentile followed has %d samples beyond it.", untested, tested+untested, results.MinTailSamples)
	default:
		return nil
	}
	return untestedExit(stderr, why, allowUntested)
}

// gateText says what a gate judges by.
func gateText(gate string) string {
	switch gate {
	case stats.GateSteps:
		return "step tests"
	case stats.GateBoth:
		return "step tests and change points"
	}
	return "change points where the search could place one, step tests elsewhere"
}
