package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/store"
	"github.com/spf13/pflag"
)

// runPick is how history and changes pick their runs: results files and
// directories, or with --store the runs of a store that --host, --label,
// --commit, --since and --last select.
type runPick struct {
	store                         storeFlag
	Hosts, Labels, Since, Commits []string
	Last                          int
	// caseFigures: each case's own figures suffice, no rounds or
	// histograms (store.Load.CaseFigures); changes sets it.
	caseFigures bool
}

// addSeriesFlags registers --metric and --case, which history and
// changes take alike: the metric to follow, and the cases whose series.
func addSeriesFlags(f *pflag.FlagSet, metric *string, cases *[]string) {
	f.StringVar(metric, "metric", "p50", "the metric to follow")
	f.StringSliceVar(cases, "case", nil, "cases to follow, as transport/workload/size or any part of it, e.g. pipe/pingpong/64B (default all)")
}

// register adds --store and the flags that select runs in a store.
func (p *runPick) register(f *pflag.FlagSet) {
	p.store.register(f)
	f.StringSliceVar(&p.Hosts, "host", nil, "with --store: runs taken on these host names")
	f.StringSliceVar(&p.Labels, "label", nil, "with --store: runs with these labels (run --label)")
	f.StringSliceVar(&p.Commits, "commit", nil, "with --store: runs of ipcbench commits starting with these")
	f.StringSliceVar(&p.Since, "since", nil, "with --store: runs started since an age (30d, 2w, 12h) or date (2026-11-01)")
	f.IntVar(&p.Last, "last", 0, "with --store: the newest N runs of those picked")
}

// checkArgs refuses files with --store, neither, and the store's
// selectors without --store; command names the command in the message.
func (p *runPick) checkArgs(command string, args []string) error {
	switch {
	case p.store.given() && len(args) > 0:
		return usagef("%s --store reads runs from the store, not %s: pick runs with --host, --label, --commit, --since or --last", command, args[0])
	case !p.store.given() && len(args) == 0:
		return usagef("%s needs results files or directories, or --store", command)
	case !p.store.given() && len(p.Hosts)+len(p.Labels)+len(p.Since)+len(p.Commits)+p.Last > 0:
		return usagef("--host, --label, --commit, --since and --last pick runs in a store: give --store")
	}
	return nil
}

// runs reads the files given, or with --store the runs the flags pick,
// with only the cases that match cases; command names the command in
// messages.
func (p *runPick) runs(command string, paths, cases []string) ([]*results.File, []string, error) {
	if !p.store.given() {
		return readResultsArgs(paths)
	}
	var terms []string
	for _, t := range []struct {
		key  string
		vals []string
	}{{"host", p.Hosts}, {"label", p.Labels}, {"commit", p.Commits}, {"since", p.Since}} {
		for _, v := range t.vals {
			terms = append(terms, t.key+":"+v)
		}
	}
	if p.Last != 0 {
		terms = append(terms, fmt.Sprintf("last:%d", p.Last))
	}
	sel := store.Selector{}
	if len(terms) > 0 {
		sels, err := parseSelectors([]string{strings.Join(terms, ",")})
		if err != nil {
			return nil, nil, err
		}
		sel = sels[0]
	}
	ctx := context.Background()
	st, err := p.store.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	return loadRuns(ctx, st, command+" --store", sel, store.Load{Cases: cases, CaseFigures: p.caseFigures})
}
