package cli

import (
	"fmt"
	"slices"
	"strings"
)

// registryHelp is the help of a flag that names members of a registry:
// which run only when named (the defaults are pflag's to print).
func registryHelp(what string, all, defaults []string) string {
	optIn := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return slices.Contains(defaults, n) })
	return fmt.Sprintf("%s to run, comma-separated (see ipcbench list); opt-in, run only when named: %s", what, strings.Join(optIn, ", "))
}
