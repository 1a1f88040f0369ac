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

	"github.com/ipcbench/ipcbench/internal/textsafe"
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

// storeOptions configures ipcbench store's subcommands.
type storeOptions struct {
	store  storeFlag
	Out    string
	Force  bool
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdStore(stdout, stderr io.Writer) *cobra.Command {
	opts := &storeOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Keep results in a database: add files, list and export runs",
		Long: `A results store keeps runs in a database, so that history and compare over
months of runs from many hosts read only the rows they need. By default it is
an embedded SQLite file of your own; give --store postgres://… for one that
many hosts share. run, history, compare and report take --store too.

--store alone means $` + store.EnvURL + ` when it is set, and otherwise
$XDG_DATA_HOME/ipcbench/results.db (~/.local/share/ipcbench/results.db).
A new store's schema is created, and an older one's migrated, when it is
opened by a role that may create tables; store migrate does it as the
store's owner, for writer and reader roles that may not.

Runs are picked by selectors: ` + store.SelectorSyntax + `.
The terms of one key match any of their values; different keys must all
match; last:N keeps the newest N. docs/store.md has the schema and the
queries.`,
		Example: `  ipcbench store add ipcbench-results/                 # every results file there
  ipcbench store ls
  ipcbench store ls label:main,host:node-03,since:30d
  ipcbench store export run:42 -o run-42.json
  ipcbench store verify                                # every run's content hash
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
	migrate := &cobra.Command{
		Use:   "migrate",
		Short: "Create or bring up to date the store's schema (as its owner)",
		Long: `Migrate creates the schema of a new store, or brings an older one up to
this ipcbench's version, and says which it did. Run it as the role that owns
the store: the writer and reader roles docs/store.md describes may not
create tables, and open only a store whose schema is up to date.`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error { return storeMigrate(opts) },
	}
	verify := &cobra.Command{
		Use:   "verify [SELECTOR]",
		Short: "Check that each stored run still hashes to its content hash",
		Long: `Verify reads back each run a selector picks (all runs by default), whole, and
checks that it still hashes to the content hash it was stored under, as
store export does. It lists each run that fails: its rows were changed after
it was stored, outside ipcbench. A writer that can also update the hash is not
caught: verify finds edits, not a forger with write access to the store.

Exit status: 0 every run verified, 1 a run failed or the store did, 2 a flag
or the selector is wrong.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return storeVerify(opts, args) },
	}
	cmd.AddCommand(add, ls, export, info, migrate, verify)
	return cmd
}

func storeAdd(o *storeOptions, args []string) error {
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
			fmt.Fprintf(o.Stderr, "refused  %s: %v\n", textsafe.Terminal(p), err)
			refused++
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", textsafe.Terminal(p), err)
		case a.Duplicate:
			fmt.Fprintf(o.Stdout, "run:%-6d already stored  %s\n", a.RunID, textsafe.Terminal(p))
			dup++
		default:
			fmt.Fprintf(o.Stdout, "run:%-6d added           %s\n", a.RunID, textsafe.Terminal(p))
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

func storeList(o *storeOptions, args []string) error {
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
		fmt.Fprintf(w, "run:%d\t%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Started.Format("2006-01-02 15:04:05"),
			textsafe.Terminal(r.Hostname), textsafe.Terminal(r.Label), textsafe.Terminal(results.ShortCommit(r.Commit)), cases)
	}
	w.Flush()
	fmt.Fprintf(o.Stderr, "%d runs in %s\n", len(runs), st.Location())
	return nil
}

func storeExport(o *storeOptions, arg string) error {
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
	write := results.WriteFile
	if o.Force {
		write = results.ReplaceFile
	}
	if err := write(o.Out, f); err != nil {
		return err
	}
	fmt.Fprintf(o.Stderr, "run:%d: %s\n", runs[0].ID, textsafe.Terminal(o.Out))
	return nil
}

func storeInfo(o *storeOptions) error {
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
		textsafe.Terminal(in.Location), in.SchemaVersion, in.Runs, in.Hosts, in.Cases, in.Repetitions, in.Histograms)
	return nil
}

func storeMigrate(o *storeOptions) error {
	st, err := o.store.open(context.Background())
	if err != nil {
		return err
	}
	defer st.Close()
	switch from, migrated := st.MigratedFrom(); {
	case !migrated:
		fmt.Fprintf(o.Stderr, "store %s: schema v%d, up to date: nothing to migrate\n", st.Location(), store.SchemaVersion)
	case from == 0:
		fmt.Fprintf(o.Stderr, "store %s: schema v%d created\n", st.Location(), store.SchemaVersion)
	default:
		fmt.Fprintf(o.Stderr, "store %s: schema migrated from v%d to v%d\n", st.Location(), from, store.SchemaVersion)
	}
	return nil
}

func storeVerify(o *storeOptions, args []string) error {
	sels, err := parseSelectors(args)
	if err != nil {
		return err
	}
	sel := store.Selector{}
	if len(sels) == 1 {
		sel = sels[0]
	}
	ctx := context.Background()
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	checked, bad, err := st.Verify(ctx, sel)
	if err != nil {
		return err
	}
	for _, m := range bad {
		fmt.Fprintf(o.Stdout, "run:%d\t%s\t%s\n", m.ID, textsafe.Terminal(m.Label), mismatchReason(m))
	}
	if len(bad) > 0 {
		fmt.Fprintf(o.Stderr, "store %s: %d of %d runs failed verification: their rows were changed after they were stored\n", st.Location(), len(bad), checked)
		return exitError{exitFailure}
	}
	fmt.Fprintf(o.Stderr, "store %s: %d runs verified\n", st.Location(), checked)
	return nil
}

// mismatchReason says why a run failed verification, in one line.
func mismatchReason(m store.Mismatch) string {
	if m.Actual != "" {
		return fmt.Sprintf("stored with content hash %.12s…, now hashes to %.12s…", textsafe.Terminal(m.Stored), m.Actual)
	}
	return "cannot be read back: " + textsafe.Terminal(m.Err.Error())
}

// joinNames lists run names for a message.
func joinNames(names []string) string { return strings.Join(names, ", ") }
