package stats

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// Difference is a host or configuration key whose value is not the same in
// every run compared, as benchstat shows the file configuration keys that
// differ between its inputs.
type Difference struct {
	Key string `json:"key"`
	// Values holds the key's value on each side of a comparison (base,
	// new) or in each run of a history; a side pooling files that differ
	// among themselves lists their values joined by ", ".
	Values []string `json:"values"`
	// Skews is true where the difference changes the figures (another CPU,
	// kernel, toolchain or run configuration), false where it only names
	// what is being compared (commit, version, label).
	Skews bool `json:"skews"`
}

// runKeys are the keys compared, in display order.
var runKeys = []struct {
	name  string
	skews bool
	of    func(f *results.File) string
}{
	{"hostname", true, func(f *results.File) string { return f.Host.Hostname }},
	{"cpu_model", true, func(f *results.File) string { return f.Host.CPUModel }},
	{"cpus", true, func(f *results.File) string { return nonZero(f.Host.CPUs) }},
	{"kernel", true, func(f *results.File) string { return f.Host.Kernel }},
	{"virtualization", true, func(f *results.File) string { return f.Host.Virtualization }},
	{"clock_source", true, func(f *results.File) string { return f.Host.ClockSource }},
	{"go_version", true, func(f *results.File) string { return f.Host.GoVersion }},
	{"duration", true, func(f *results.File) string { return durationOf(f.Config.DurationNs) }},
	{"count", true, func(f *results.File) string { return nonZero(int(f.Config.Count)) }},
	{"warmup", true, func(f *results.File) string { return durationOf(f.Config.WarmupNs) }},
	{"pinned_cpus", true, func(f *results.File) string { return fmt.Sprint(f.Config.CPUs) }},
	{"worker_design", true, func(f *results.File) string { return f.Config.WorkerDesign }},
	{"test_send_delay", true, func(f *results.File) string { return sendDelays(f.Config.TestSendDelayNs) }},
	{"ipcbench_version", false, func(f *results.File) string { return f.Host.Version }},
	{"ipcbench_commit", false, func(f *results.File) string { return f.Host.Commit }},
	{"label", false, func(f *results.File) string { return f.Config.Label }},
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func durationOf(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Duration(ns).String()
}

func sendDelays(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+time.Duration(m[k]).String())
	}
	return strings.Join(parts, ",")
}

// Differences lists the keys whose values are not the same across groups
// of runs (the sides of a comparison, or the runs of a history). An
// unrecorded value, as in a file from an older ipcbench, reads "-".
func Differences(groups [][]*results.File) []Difference {
	var out []Difference
	for _, k := range runKeys {
		values := make([]string, len(groups))
		distinct := map[string]bool{}
		for i, g := range groups {
			var seen []string
			for _, f := range g {
				v := k.of(f)
				if v == "" || v == "[]" {
					v = "-"
				}
				distinct[v] = true
				if !slices.Contains(seen, v) {
					seen = append(seen, v)
				}
			}
			values[i] = strings.Join(seen, ", ")
		}
		if len(distinct) > 1 {
			out = append(out, Difference{Key: k.name, Values: values, Skews: k.skews})
		}
	}
	return out
}

// skewed names the differences that change the figures, joined by ", ".
func skewed(ds []Difference) string {
	var names []string
	for _, d := range ds {
		if d.Skews {
			names = append(names, d.Key)
		}
	}
	return strings.Join(names, ", ")
}
