package cli

import (
	"slices"
	"strings"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/report"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// formatsOf lists the --format values of each command that has the flag,
// by command name, for shell completion; a test checks that every command
// with --format is here.
var formatsOf = map[string][]string{
	"run":     format.RunFormats,
	"export":  format.RunFormats,
	"compare": format.CompareFormats,
	"history": format.CompareFormats,
	"changes": format.ChangesFormats,
	"ab":      format.CompareFormats,
	"report":  {report.HTML, report.Markdown, report.Both},
	"list":    listFormats,
	"doctor":  listFormats,
}

// valuesOf lists the values of the flags that take names, whichever
// command has them: the registries, the metrics, the orders.
func valuesOf(flag string) []string {
	switch flag {
	case "transports", "baseline":
		return transports.Names()
	case "workloads":
		return workloads.Names()
	case "metric":
		names := make([]string, len(stats.Metrics))
		for i, m := range stats.Metrics {
			names[i] = m.Name
		}
		return names
	case "order":
		return []string{harness.OrderShuffled, harness.OrderSequential}
	case "arrivals":
		return []string{harness.ArrivalsUniform, harness.ArrivalsPoisson}
	}
	return nil
}

// registerCompletions makes the shell complete the values of every flag
// that takes names (ipcbench completion bash|zsh|fish; docs/completion.md),
// on cmd and the commands below it.
func registerCompletions(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		values := valuesOf(f.Name)
		if f.Name == "format" {
			values = formatsOf[cmd.Name()]
		}
		if values != nil {
			cmd.RegisterFlagCompletionFunc(f.Name, completeValues(values, strings.HasSuffix(f.Value.Type(), "Slice")))
		}
	})
	for _, c := range cmd.Commands() {
		registerCompletions(c)
	}
}

// completeValues completes one of values, or with list the item after the
// last comma of a comma-separated list, leaving out the items already
// given and adding no space, so that another item can follow.
func completeValues(values []string, list bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done, prefix := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); list && i >= 0 {
			done, prefix = toComplete[:i+1], toComplete[i+1:]
		}
		given := strings.Split(done, ",")
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, prefix) && !slices.Contains(given, v) {
				out = append(out, done+v)
			}
		}
		if !list {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}
