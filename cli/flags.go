package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// registryHelp is the help of a flag that names members of a registry:
// which run only when named (the defaults are pflag's to print).
func registryHelp(what string, all, defaults []string) string {
	optIn := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return slices.Contains(defaults, n) })
	return fmt.Sprintf("%s to run, comma-separated (see ipcbench list); opt-in, run only when named: %s", what, strings.Join(optIn, ", "))
}

// addWideFlag registers --wide, the full table, on a command that prints
// the run table (run, export).
func addWideFlag(f *pflag.FlagSet, wide *bool) {
	f.BoolVar(wide, "wide", false, "table format: every column and every flag in words, one table for all workloads, instead of a table per workload that fits 120 columns")
}
