package results

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
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
	of    func(f *File) string
}{
	{"hostname", true, func(f *File) string { return f.Host.Hostname }},
	{"cpu_model", true, func(f *File) string { return f.Host.CPUModel }},
	{"cpus", true, func(f *File) string { return nonZero(f.Host.CPUs) }},
	{"kernel", true, func(f *File) string { return f.Host.Kernel }},
	{"virtualization", true, func(f *File) string { return f.Host.Virtualization }},
	{"clock_source", true, func(f *File) string { return f.Host.ClockSource }},
	{"go_version", true, func(f *File) string { return f.Host.GoVersion }},
	{"duration", true, func(f *File) string { return durationOf(f.Config.DurationNs) }},
	{"count", true, func(f *File) string { return nonZero(int(f.Config.Count)) }},
	{"warmup", true, func(f *File) string { return durationOf(f.Config.WarmupNs) }},
	{"pinned_cpus", true, func(f *File) string { return fmt.Sprint(f.Config.CPUs) }},
	{"worker_design", true, func(f *File) string { return f.Config.WorkerDesign }},
	{"test_send_delay", true, func(f *File) string { return sendDelays(f.Config.TestSendDelayNs) }},
	{"ipcbench_version", false, func(f *File) string { return f.Host.Version }},
	{"ipcbench_commit", false, func(f *File) string { return f.Host.Commit }},
	{"label", false, func(f *File) string { return f.Config.Label }},
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
func Differences(groups [][]*File) []Difference {
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

// differenceText renders a comparison's differences as a header, one row
// per key with the base and new values; * marks those that change the
// figures.
func differenceText(ds []Difference, markdown bool) string {
	if len(ds) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("host and configuration differ between base and new (* changes the figures):\n")
	rows := [][]string{{"key", "base", "new"}}
	for _, d := range ds {
		key := d.Key
		if d.Skews {
			key += " *"
		}
		rows = append(rows, []string{key, d.Values[0], d.Values[1]})
	}
	if markdown {
		b.WriteString("\n| key | base | new |\n|---|---|---|\n")
		for _, r := range rows[1:] {
			b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		}
	} else {
		rows[0] = upper(rows[0])
		for i := range rows {
			rows[i][0] = "  " + rows[i][0]
		}
		writeAligned(&b, rows, 3, 2)
	}
	b.WriteString("\n")
	return b.String()
}

// historyDifferenceText renders a history's differences, each key with its
// values and the runs (numbered from 1) that had them.
func historyDifferenceText(ds []Difference) string {
	if len(ds) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("host and configuration differ between runs (their figures may not be comparable):\n")
	for _, d := range ds {
		var order []string
		runs := map[string][]int{}
		for i, v := range d.Values {
			if _, ok := runs[v]; !ok {
				order = append(order, v)
			}
			runs[v] = append(runs[v], i+1)
		}
		var parts []string
		for _, v := range order {
			parts = append(parts, v+" ("+runList(runs[v])+")")
		}
		fmt.Fprintf(&b, "  %s: %s\n", d.Key, strings.Join(parts, "; "))
	}
	b.WriteString("\n")
	return b.String()
}

// runList prints run numbers as "run 3" or "runs 1-2, 5".
func runList(runs []int) string {
	var parts []string
	for i := 0; i < len(runs); {
		j := i
		for j+1 < len(runs) && runs[j+1] == runs[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", runs[i], runs[j]))
		} else {
			parts = append(parts, strconv.Itoa(runs[i]))
		}
		i = j + 1
	}
	if len(runs) == 1 {
		return "run " + parts[0]
	}
	return "runs " + strings.Join(parts, ", ")
}
