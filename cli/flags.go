package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
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

// maxSuggestDistance is how far a typed name may be from a known one and
// still be suggested: cobra's default for mistyped commands.
const maxSuggestDistance = 2

// suggest returns the known names nearest to typed, ignoring case: those
// at the smallest edit distance (a transposition counts as one edit) when
// that is at most maxSuggestDistance, else those that typed begins, for a
// name cut short. It returns none when nothing is near.
func suggest(typed string, known []string) []string {
	t := strings.ToLower(typed)
	best, out := maxSuggestDistance+1, []string(nil)
	for _, k := range known {
		switch d := editDistance(t, strings.ToLower(k)); {
		case d > maxSuggestDistance:
		case d < best:
			best, out = d, []string{k}
		case d == best:
			out = append(out, k)
		}
	}
	if out != nil || len(t) < 3 {
		return out
	}
	for _, k := range known {
		if strings.HasPrefix(strings.ToLower(k), t) {
			out = append(out, k)
		}
	}
	return out
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two adjacent bytes.
func editDistance(a, b string) int {
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// didYouMean is " (did you mean X?)", or "X or Y", for the names near
// typed, or "" when none is.
func didYouMean(typed string, known []string) string {
	near := suggest(typed, known)
	if len(near) == 0 {
		return ""
	}
	if len(near) > 3 {
		near = near[:3]
	}
	return " (did you mean " + strings.Join(near, " or ") + "?)"
}

// checkNames refuses a name of a --transports or --workloads list that the
// registry does not hold, suggesting the nearest, so that a typo is named
// before harness.Plan.Validate lists every name.
func checkNames(flag, what string, given, known []string) error {
	for _, n := range given {
		if !slices.Contains(known, n) {
			return usagef("%s: unknown %s %q%s; known: %s (see ipcbench list)", flag, what, n, didYouMean(n, known), strings.Join(known, ", "))
		}
	}
	return nil
}

// flagError turns pflag's parse errors into usage errors, adding the
// nearest flag name to an unknown one: pflag suggests nothing itself.
func flagError(cmd *cobra.Command, err error) error {
	const prefix = "unknown flag: --"
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return usageError{err}
	}
	var names []string
	visit := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	near := suggest(strings.TrimPrefix(msg, prefix), names)
	if len(near) == 0 {
		return usageError{err}
	}
	for i, n := range near {
		near[i] = "--" + n
	}
	return usagef("%s; did you mean %s?", msg, strings.Join(near, " or "))
}
