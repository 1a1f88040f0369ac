package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/report"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/store"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/spf13/cobra"
)

// reportOptions configures ipcbench report.
type reportOptions struct {
	Files  []string
	Dir    string
	Format string
	Force  bool
	// Baseline is --baseline: the transport the verdict measures others against.
	Baseline string
	// store is --store: the FILE arguments are selectors of runs in it,
	// and Label picks the newest run of a label.
	store  storeFlag
	Label  string
	Stderr io.Writer
}

const defaultReportDir = "ipcbench-report"

func newCmdReport(stderr io.Writer) *cobra.Command {
	opts := &reportOptions{Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "report [FILE...] | --store [SELECTOR...] [--label L]",
		Short: "Render results files as plots and a self-contained HTML and/or Markdown report",
		Long: `Render one or more results files from ipcbench run as plots (PNG and SVG), a
self-contained index.html (plots inlined, no scripts) and a report.md with the
same tables. Several files overlay in every plot, one line style per file.
With no FILE, the newest file in ./` + defaultResultsDir + `/ is used.

The report is built beside DIR and moved into place when complete, so a bad
input or a signal leaves no partial report. It replaces DIR only if an
earlier report wrote it (its .ipcbench-report marker lists the files, and
nothing else is there); --force replaces any directory. A symbolic link, a
file, or the current directory is never replaced.

With --store, the arguments are selectors of runs in a results store
(docs/store.md): each stands for its newest run, or its newest N with
last:N; --label L is label:L. With neither, the store's newest run is
reported. Runs are named run:ID in the report.

Exit status: 0 written, 1 write failed, 2 bad input or an --out ipcbench will
not replace, 128+n ended by signal n (nothing written).`,
		Example: `  ipcbench report                                   # newest results file → ./ipcbench-report/
  ipcbench report before.json after.json -o cmp      # overlay two runs
  ipcbench report run.json --format markdown         # report.md and PNGs for a pull request
  ipcbench report run.json --baseline pipe           # verdict: every transport against pipe
  ipcbench report --store --label main               # the newest run labelled main, from the store
  ipcbench report --store label:main label:pr-123 -o pr-123   # overlay the newest of each`,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Files = args
			return reportRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "out", "o", defaultReportDir, "report directory")
	cmd.Flags().StringVar(&opts.Format, "format", report.Both, "html, markdown or both")
	cmd.Flags().StringVar(&opts.Baseline, "baseline", "", "measure every transport in the verdict against this one rather than the fastest")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace --out even if it is a directory that ipcbench did not write")
	opts.store.register(cmd.Flags())
	cmd.Flags().StringVar(&opts.Label, "label", "", "with --store: the newest run with this label")
	return cmd
}

// newestResults finds the newest results file in dir. Entries that are
// not regular files (a dangling symlink, a directory named *.json) are
// passed over.
func newestResults(dir string) (string, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	newest, newestAt := "", time.Time{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if newest == "" || fi.ModTime().After(newestAt) {
			newest, newestAt = p, fi.ModTime()
		}
	}
	if newest == "" {
		return "", usagef("no FILE given and no results in ./%s/; run ipcbench run first", dir)
	}
	return newest, nil
}

func reportRun(o *reportOptions) error {
	if err := checkFormat(o.Format, report.Formats); err != nil {
		return err
	}
	if err := checkBaseline(o.Baseline); err != nil {
		return err
	}
	if o.Label != "" && !o.store.given() {
		return usagef("--label picks a run in a store: give --store, or name results files")
	}
	if err := checkReportDir("--out", o.Dir, o.Force); err != nil {
		return err
	}
	in, err := o.inputs()
	if err != nil {
		return err
	}
	ctx, interrupted := stopOnSignals(o.Stderr, "stopping the report; nothing is written")
	defer interrupted.stop()
	if beforeReport != nil {
		beforeReport(ctx)
	}
	err = report.WriteDir(ctx, o.Dir, in, o.Format, o.Force, report.Options{Baseline: o.Baseline})
	if sig := interrupted.signal(); sig != nil {
		fmt.Fprintf(o.Stderr, "ipcbench: %s: no report written\n", signalName(sig))
		return exitError{signalExit(sig)}
	}
	if errors.Is(err, report.ErrNotReport) { // the directory changed while the report was rendered
		return usagef("--out: %w; give another -o, or --force to replace it", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Stderr, "report: %s\n", describeReport(o.Dir, o.Format))
	return nil
}

// maxReportRuns is the most runs one report overlays.
const maxReportRuns = 12

// inputs reads the files given (the newest in ./ipcbench-results/ with
// none), or with --store the runs the selectors pick.
func (o *reportOptions) inputs() ([]report.Input, error) {
	if o.store.given() {
		return o.storedInputs()
	}
	files := o.Files
	if len(files) == 0 {
		f, err := newestResults(defaultResultsDir)
		if err != nil {
			return nil, err
		}
		files = []string{f}
	}
	labels := report.Labels(files)
	var in []report.Input
	for i, path := range files {
		f, err := results.ReadFile(path)
		if err != nil { // missing, unreadable, corrupt or another schema: bad input
			return nil, usageError{err}
		}
		in = append(in, report.Input{Label: labels[i], File: f})
	}
	return in, nil
}

func (o *reportOptions) storedInputs() ([]report.Input, error) {
	args := o.Files
	if o.Label != "" {
		args = append(args, "label:"+o.Label)
	}
	if len(args) == 0 {
		args = []string{"last:1"}
	}
	sels, err := parseSelectors(args)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var in []report.Input
	for i, sel := range sels {
		if sel.Last == 0 {
			sel.Last = 1
		}
		files, names, err := loadRuns(ctx, st, args[i], sel, store.Load{Full: true})
		if err != nil {
			return nil, err
		}
		for j, f := range files {
			label := names[j]
			if f.Config.Label != "" {
				label += " " + f.Config.Label
			}
			in = append(in, report.Input{Label: label, File: f})
		}
	}
	if len(in) > maxReportRuns {
		return nil, usagef("the selectors pick %d runs; a report overlays at most %d: use last:N", len(in), maxReportRuns)
	}
	return in, nil
}

// checkReportDir checks before any work that a report can be written to
// dir and may replace what is there, naming flag and the way out.
func checkReportDir(flag, dir string, force bool) error {
	if dir == "" {
		return usagef("%s is empty: give the report's directory, e.g. -o %s", flag, defaultReportDir)
	}
	if err := report.CheckDir(dir, force); err != nil {
		forceHelps := report.CheckDir(dir, true) == nil
		switch {
		case flag == "--report" && forceHelps:
			return usagef("%s: %w; remove ./%s, give --force, or run without --report and use ipcbench report -o DIR", flag, err, dir)
		case flag == "--report":
			return usagef("%s: %w; remove ./%s, or run without --report and use ipcbench report -o DIR", flag, err, dir)
		case forceHelps:
			return usagef("%s: %w; give another -o, or --force to replace it", flag, err)
		}
		return usagef("%s: %w; give another -o", flag, err)
	}
	return writableDir(flag, filepath.Dir(filepath.Clean(dir)))
}

func describeReport(dir, format string) string {
	switch format {
	case report.HTML:
		return filepath.Join(dir, "index.html")
	case report.Markdown:
		return filepath.Join(dir, "report.md")
	}
	return filepath.Join(dir, "index.html") + " and " + filepath.Join(dir, "report.md")
}

// checkBaseline refuses a --baseline that names no transport, which would
// otherwise rank against the fastest without a word.
func checkBaseline(name string) error {
	if _, ok := transports.Lookup(name); name != "" && !ok {
		return usagef("--baseline: unknown transport %q; known: %s (see ipcbench list)", name, strings.Join(transports.Names(), ", "))
	}
	return nil
}
