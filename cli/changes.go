package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/spf13/cobra"
)

// changesOptions configures ipcbench changes.
type changesOptions struct {
	Paths        []string
	Metric       string
	Cases        []string
	Alpha        float64
	MinMagnitude string
	Format       string
	// FailOnRegression makes changes a gate: exit 1 on a regression
	// change point, 3 when no series was long enough to test.
	FailOnRegression bool
	AllowUntested    bool
	// Record writes the change points found into the store's
	// change_points table (with --store only).
	Record bool
	// With --store, the runs come from the store, picked by its flags.
	runPick
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdChanges(stdout, stderr io.Writer) *cobra.Command {
	opts := &changesOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "changes DIR|FILE... | --store [--host H] [--label L] [--since 30d]",
		Short: "Find the change points in every host's series, as code or host changes",
		Long: `Changes reads many runs (results files, a directory standing for every *.json
in it, or with --store the runs of a results store), and follows one metric of
every case on every host: one series per host and case, in order of the runs'
start times, each point the case's figure (its median over the rounds). It
searches each series for shifts in level (hierarchical E-divisive means with a
significance test per candidate; at least 5 runs a side, so a series needs 10).

Each change point is grouped with those of the same case, metric and direction
on other hosts whose commit ranges overlap (the commit of the run before the
change to that of the first run after it). A change that more than half of the
hosts that ran the case show is a code change, named by its commit range;
otherwise it is a host change, named by its hosts and what differs in their
host or configuration rows either side (kernel, CPU, THP, governor, placement,
the interference figures). The groups come first, then each host's points.
With --store, --record keeps the points shown in the store's change_points
table, once each, for a dashboard to mark (docs/fleet.md#grafana).
Method and output: docs/regression-tracking.md#changes.

Metrics: ` + metricNames() + `.

Exit status:
  0  shown (and, with --fail-on-regression, no regression change point)
  1  with --fail-on-regression: a regression change point at least
     --min-magnitude
  2  bad flags or input files
  3  with --fail-on-regression: no series had enough runs to test;
     --allow-untested makes it 0`,
		Example: `  ipcbench changes nightly/ --metric p50
  ipcbench changes nightly/ --case pipe/pingpong --min-magnitude 5% --format markdown
  ipcbench changes --store --since 90d --min-magnitude 3% --fail-on-regression
  ipcbench changes --store --host node-03 --metric p99 --format json
  ipcbench changes --store --since 90d --record     # keep them for dashboards`,
		Args: func(_ *cobra.Command, args []string) error {
			return opts.checkArgs("changes", args)
		},
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Paths = args
			return changesRun(opts)
		},
	}
	f := cmd.Flags()
	addSeriesFlags(f, &opts.Metric, &opts.Cases)
	f.Float64Var(&opts.Alpha, "alpha", stats.DefaultChangeAlpha, "significance level a change point must reach")
	f.StringVar(&opts.MinMagnitude, "min-magnitude", "0", "leave out changes smaller than this, e.g. 3% or 0.03")
	f.StringVar(&opts.Format, "format", "table", strings.Join(format.ChangesFormats, ", "))
	f.BoolVar(&opts.FailOnRegression, "fail-on-regression", false, "exit 1 when a regression change point is found, 3 when no series had enough runs to test")
	f.BoolVar(&opts.AllowUntested, "allow-untested", false, "with --fail-on-regression, exit 0, not 3, when no series could be tested")
	f.BoolVar(&opts.Record, "record", false, "with --store: keep the change points shown in the store's change_points table, for dashboards (each once)")
	opts.runPick.register(f)
	opts.caseFigures = true // it follows each run's median
	return cmd
}

func changesRun(o *changesOptions) error {
	ms, err := stats.ParseMetrics([]string{o.Metric})
	if err != nil {
		return usagef("--metric: %v", err)
	}
	minMagnitude, err := parseFraction("--min-magnitude", o.MinMagnitude)
	if err != nil {
		return err
	}
	if o.Alpha <= 0 || o.Alpha >= 1 {
		return usagef("--alpha %g: want a level between 0 and 1, such as 0.0002", o.Alpha)
	}
	if err := checkFormat(o.Format, format.ChangesFormats); err != nil {
		return err
	}
	if o.Record && !o.runPick.store.given() {
		return usagef("--record keeps change points in a store: give --store")
	}
	files, ids, err := o.runs("changes", o.Paths, o.Cases)
	if err != nil {
		return err
	}
	series := stats.ChangeSeriesOf(files, ids, ms[0], o.Cases)
	if len(series) == 0 {
		return usagef("changes: no ok case with a %s value matches --case %q in %d runs", o.Metric, o.Cases, len(files))
	}
	c := stats.FindChanges(series, stats.ChangeOptions{Alpha: o.Alpha}, minMagnitude)
	if err := format.WriteChanges(o.Stdout, o.Format, c); err != nil {
		return err
	}
	if o.Record {
		if err := recordChanges(o.Stderr, &o.runPick.store, c); err != nil {
			return err
		}
	}
	if !o.FailOnRegression {
		return nil
	}
	return changesExit(o.Stderr, c, o.AllowUntested)
}

// changesExit is --fail-on-regression's verdict: 1 on a regression change
// point, 3 when no series had enough runs to test.
func changesExit(stderr io.Writer, c *stats.Changes, allowUntested bool) error {
	if reg := c.Regressions(); reg > 0 {
		fmt.Fprintf(stderr, "ipcbench: changes: %d regressions found (change points at alpha %g, changes of %g%% or more) (--fail-on-regression)\n", reg, c.Alpha, 100*c.MinMagnitude)
		return exitError{exitFailure}
	}
	if c.UntestedSeries < c.Series {
		return nil
	}
	why := fmt.Sprintf("changes: none of the %d series has the %d runs a search needs.", c.Series, 2*c.MinSegment)
	return untestedExit(stderr, why, allowUntested)
}
