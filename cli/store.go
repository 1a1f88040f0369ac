package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/store"
	"github.com/spf13/cobra"
)

// parseSelectors reads store selectors given as arguments, naming the
// argument that is wrong.
func parseSelectors(args []string) ([]store.Selector, error) {
	var out []store.Selector
	for _, a := range args {
		sel, err := store.ParseSelector(a, time.Now())
		if err != nil {
			return nil, usagef("%v", err)
		}
		out = append(out, sel)
	}
	return out, nil
}

// loadRuns reads the runs a selector picks, saying so when it picks none.
func loadRuns(ctx context.Context, st *store.Store, arg string, sel store.Selector, opt store.Load) ([]*results.File, []string, error) {
	files, names, err := st.Load(ctx, sel, opt)
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, usagef("%s: no run in %s matches (ipcbench store ls lists them)", arg, st.Location())
	}
	return files, names, nil
}

// StoreOptions configures ipcbench store's subcommands.
type StoreOptions struct {
	store  storeFlag
	Out    string
	Force  bool
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdStore(stdout, stderr io.Writer) *cobra.Command {
	opts := &StoreOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Keep results in a database: add files, list and export runs",
		Long: `A results store keeps runs in a database, so that history and compare over
months of runs from many hosts read only the rows they need. By default it is
an embedded SQLite file of your own; give --store postgres://… for one that
many hosts share. run, history, compare and report take --store too.

--store alone means $` + store.EnvURL + ` when it is set, and otherwise
$XDG_DATA_HOME/ipcbench/results.db (~/.local/share/ipcbench/results.db).
The schema is created, or migrated, when a store is opened.

Runs are picked by selectors: ` + store.SelectorSyntax + `.
The terms of one key match any of their values; different keys must all
match; last:N keeps the newest N. docs/store.md has the schema and the
queries.`,
		Example: `  ipcbench store add ipcbench-results/                 # every results file there
  ipcbench store ls
  ipcbench store ls label:main,host:node-03,since:30d
  ipcbench store export run:42 -o run-42.json
  ipcbench store info --store postgres://ipcbench@db/ipcbench`,
	}
	opts.store.register(cmd.PersistentFlags())
	opts.store.stderr = stderr
	add := &cobra.Command{
		Use:   "add FILE|DIR...",
		Short: "Store results files (each run once, all of it or nothing)",
		Long: `Add stores results files in the store, each in one transaction. A file
whose run the store already holds (the same content, whatever its name or
indentation) is not stored again. A file that is not a valid results file is
refused with the reason and stores nothing; the others are still stored.

Exit status: 0 all stored (or already there), 1 the store failed, 2 a file
was refused or a flag is wrong.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("store add needs results files or directories")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error { return storeAdd(opts, args) },
	}
	ls := &cobra.Command{
		Use:   "ls [SELECTOR]",
		Short: "List the runs a selector picks (all runs by default)",
		Args:  cobra.MaximumNArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return storeList(opts, args) },
	}
	export := &cobra.Command{
		Use:   "export SELECTOR",
		Short: "Write one stored run back to a results file",
		Long: `Export writes the run a selector picks (it must pick exactly one: run:ID,
or a selector with last:1) as the results file it was stored from.
-o replaces only a regular file that holds ipcbench results, or anything
regular with --force; without -o the file goes to stdout.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return storeExport(opts, args[0]) },
	}
	export.Flags().StringVarP(&opts.Out, "out", "o", "", "results file to write (default stdout)")
	export.Flags().BoolVar(&opts.Force, "force", false, "replace -o even if it does not hold ipcbench results")
	info := &cobra.Command{
		Use:   "info",
		Short: "Say where the store is, its schema version and what it holds",
		Args:  cobra.NoArgs,
		RunE:  func(_ *cobra.Command, _ []string) error { return storeInfo(opts) },
	}
	cmd.AddCommand(add, ls, export, info)
	return cmd
}

func storeAdd(o *StoreOptions, args []string) error {
	var paths []string
	for _, a := range args {
		p, err := resultsPaths(a)
		if err != nil {
			return err
		}
		paths = append(paths, p...)
	}
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var added, dup, refused int
	for _, p := range paths {
		f, err := results.ReadFile(p)
		if err != nil {
			fmt.Fprintf(o.Stderr, "refused  %v\n", err)
			refused++
			continue
		}
		a, err := st.Add(ctx, f)
		var invalid *results.InvalidError
		switch {
		case errors.As(err, &invalid):
			fmt.Fprintf(o.Stderr, "refused  %s: %v\n", p, err)
			refused++
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", p, err)
		case a.Duplicate:
			fmt.Fprintf(o.Stdout, "run:%-6d already stored  %s\n", a.RunID, p)
			dup++
		default:
			fmt.Fprintf(o.Stdout, "run:%-6d added           %s\n", a.RunID, p)
			added++
		}
	}
	fmt.Fprintf(o.Stderr, "store %s: %d added, %d already stored, %d refused\n", st.Location(), added, dup, refused)
	if refused > 0 {
		return exitError{exitUsage}
	}
	return nil
}

// resultsPaths expands a results file argument: a directory stands for
// every *.json in it.
func resultsPaths(arg string) ([]string, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if !fi.IsDir() {
		return []string{arg}, nil
	}
	in, _ := filepath.Glob(filepath.Join(arg, "*.json"))
	if len(in) == 0 {
		return nil, usagef("%s: no results files (*.json) in this directory", arg)
	}
	sort.Strings(in)
	return in, nil
}

func storeList(o *StoreOptions, args []string) error {
	var sel store.Selector
	if len(args) == 1 {
		sels, err := parseSelectors(args)
		if err != nil {
			return err
		}
		sel = sels[0]
	}
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := st.Runs(ctx, sel)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(o.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "RUN\tSTARTED (UTC)\tHOST\tLABEL\tCOMMIT\tCASES\t")
	for _, r := range runs {
		cases := strconv.Itoa(r.Cases)
		if r.Incomplete != "" {
			cases += " (incomplete)"
		}
		fmt.Fprintf(w, "run:%d\t%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Started.Format("2006-01-02 15:04:05"), r.Hostname, r.Label, short(r.Commit), cases)
	}
	w.Flush()
	fmt.Fprintf(o.Stderr, "%d runs in %s\n", len(runs), st.Location())
	return nil
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func storeExport(o *StoreOptions, arg string) error {
	sels, err := parseSelectors([]string{arg})
	if err != nil {
		return err
	}
	if o.Out != "" {
		if err := checkResultsOut("--out", o.Out, o.Force); err != nil {
			return err
		}
	}
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := st.Runs(ctx, sels[0])
	if err != nil {
		return err
	}
	if len(runs) != 1 {
		return usagef("%s picks %d runs in %s; export takes one: give run:ID or add last:1", arg, len(runs), st.Location())
	}
	f, err := st.Export(ctx, runs[0].ID)
	if err != nil {
		return err
	}
	if o.Out == "" {
		return results.Encode(o.Stdout, f)
	}
	if err := results.WriteFile(o.Out, f); err != nil {
		return err
	}
	fmt.Fprintf(o.Stderr, "run:%d: %s\n", runs[0].ID, o.Out)
	return nil
}

func storeInfo(o *StoreOptions) error {
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	in, err := st.Info(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "store:        %s\nschema:       v%d\nruns:         %d\nhosts:        %d\ncases:        %d\nrepetitions:  %d\nhistograms:   %d\n",
		in.Location, in.SchemaVersion, in.Runs, in.Hosts, in.Cases, in.Repetitions, in.Histograms)
	return nil
}

// joinNames lists run names for a message.
func joinNames(names []string) string { return strings.Join(names, ", ") }
