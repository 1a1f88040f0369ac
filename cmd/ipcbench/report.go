package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/ipcbench/ipcbench/report"
	"github.com/ipcbench/ipcbench/results"
	"github.com/spf13/cobra"
)

// ReportOptions configures ipcbench report.
type ReportOptions struct {
	Files  []string
	Dir    string
	Format string
	Stderr io.Writer
}

const defaultReportDir = "ipcbench-report"

func newCmdReport(runF func(*ReportOptions) error, stderr io.Writer) *cobra.Command {
	opts := &ReportOptions{Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "report [FILE...]",
		Short: "Render results files as plots and a self-contained HTML and/or Markdown report",
		Long: `Render one or more results files from ipcbench run as plots (PNG and SVG), a
self-contained index.html (plots inlined, no scripts) and a report.md with the
same tables. Several files overlay in every plot, one line style per file.
With no FILE, the newest file in ./` + defaultResultsDir + `/ is used.

The report is built beside DIR and moved into place when complete, so a bad
input leaves no partial report. Exit status: 0 written, 2 bad input.`,
		Example: `  ipcbench report                                   # newest results file → ./ipcbench-report/
  ipcbench report before.json after.json -o cmp      # overlay two runs
  ipcbench report run.json --format markdown         # report.md and PNGs for a pull request`,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Files = args
			if runF != nil {
				return runF(opts)
			}
			return reportRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "out", "o", defaultReportDir, "report directory")
	cmd.Flags().StringVar(&opts.Format, "format", report.Both, "html, markdown or both")
	return cmd
}

// newestResults finds the newest results file in dir.
func newestResults(dir string) (string, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(paths) == 0 {
		return "", usagef("no FILE given and no results in ./%s/; run ipcbench run first", dir)
	}
	sort.Slice(paths, func(i, j int) bool {
		a, _ := os.Stat(paths[i])
		b, _ := os.Stat(paths[j])
		return a.ModTime().After(b.ModTime())
	})
	return paths[0], nil
}

func reportRun(o *ReportOptions) error {
	if o.Format != report.HTML && o.Format != report.Markdown && o.Format != report.Both {
		return usagef("--format: unknown format %q; want html, markdown or both", o.Format)
	}
	files := o.Files
	if len(files) == 0 {
		f, err := newestResults(defaultResultsDir)
		if err != nil {
			return err
		}
		files = []string{f}
	}
	if err := writableDir("--out", filepath.Dir(filepath.Clean(o.Dir))); err != nil {
		return err
	}
	labels := report.Labels(files)
	var in []report.Input
	for i, path := range files {
		f, err := results.Read(path)
		if err != nil { // missing, unreadable, corrupt or another schema: bad input
			return usageError{err}
		}
		in = append(in, report.Input{Label: labels[i], File: f})
	}
	if err := report.Write(o.Dir, in, o.Format); err != nil {
		return err
	}
	fmt.Fprintf(o.Stderr, "report: %s\n", describeReport(o.Dir, o.Format))
	return nil
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
