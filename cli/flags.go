package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ipcbench/ipcbench/harness"
)

// planUsageError says what harness.Plan.Validate found wrong in the flags'
// terms, as a usage error.
func planUsageError(err error) error {
	var pe *harness.PlanError
	switch {
	case errors.Is(err, harness.ErrNothingToRun):
		return usagef("nothing to run: --transports, --workloads and --sizes each need at least one value")
	case errors.As(err, &pe) && pe.Value != "":
		return usagef("%s %s: %s", planFlags[pe.Field], pe.Value, pe.Reason)
	case errors.As(err, &pe):
		return usagef("%s: %s", planFlags[pe.Field], pe.Reason)
	}
	return usageError{err}
}

// registryHelp is the help of a flag that names members of a registry:
// which run only when named (the defaults are pflag's to print).
func registryHelp(what string, all, defaults []string) string {
	optIn := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return slices.Contains(defaults, n) })
	return fmt.Sprintf("%s to run, comma-separated (see ipcbench list); opt-in, run only when named: %s", what, strings.Join(optIn, ", "))
}
