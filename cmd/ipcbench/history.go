package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ipcbench/ipcbench/report"
	"github.com/ipcbench/ipcbench/results"
	"github.com/spf13/cobra"
)

// HistoryOptions configures ipcbench history.
type HistoryOptions struct {
	Paths  []string
	Metric string
	Cases  []string
	Plot   string
	significance
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdHistory(runF func(*HistoryOptions) error, stdout, stderr io.Writer) *cobra.Command {
	opts := &HistoryOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "history DIR|FILE...",
		Short: "Track one metric over many runs, flagging significant steps",
		Long: `History reads many results files (a directory stands for every *.json in
it), puts the runs in time order by their start time, and prints one metric of
each case per run with the run's commit. Each point is tested against the
case's previous point with a Mann-Whitney U test over their repetitions, as
compare does, and flagged ▲ regression or ▼ improvement when the change is
significant at --alpha and beyond --threshold. --plot writes the trend as a
PNG or SVG through the report package: one line per case, 95% confidence
intervals as bars, flagged points ringed.

Metrics: ` + metricNames() + `.

Exit status: 0 shown, 2 bad flags or input files.`,
		Example: `  ipcbench history ipcbench-results/
  ipcbench history nightly/ --metric p99 --case pipe/pingpong --plot p99.png
  ipcbench history nightly/*.json --metric throughput --format markdown`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("history needs results files or directories")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(opts)
			}
			return historyRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Metric, "metric", "p50", "the metric to follow")
	f.StringSliceVar(&opts.Cases, "case", nil, "cases to follow, as transport/workload/size or any part of it, e.g. pipe/pingpong/64B (default all)")
	opts.significance.register(f, "smallest significant change that is flagged")
	f.StringVar(&opts.Plot, "plot", "", "also write the trend plot to this .png or .svg file")
	return cmd
}

func historyRun(o *HistoryOptions) error {
	ms, err := results.ParseMetrics([]string{o.Metric})
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
	if o.Plot != "" {
		if err := writableDir("--plot", filepath.Dir(o.Plot)); err != nil {
			return err
		}
	}
	files, paths, err := readResultsArgs(o.Paths)
	if err != nil {
		return err
	}
	h := results.BuildHistory(files, paths, ms[0], o.Cases, threshold, o.Alpha)
	if len(h.Series) == 0 {
		return usagef("history: no ok case with a %s value matches --case %q in %d files", o.Metric, o.Cases, len(files))
	}
	if err := results.WriteHistory(o.Stdout, o.Format, h); err != nil {
		return err
	}
	if o.Plot != "" {
		p, err := report.Trend(h)
		if err != nil {
			return err
		}
		if err := report.SavePlot(p, o.Plot); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(o.Stderr, "plot: %s\n", o.Plot)
	}
	return nil
}
