// Package stats is the statistics of ipcbench results: the metrics a case
// is judged by, the aggregation of repetitions into medians with confidence
// intervals, the comparison of two sets of runs and the history of many
// (benchmath's Mann-Whitney U test), and the warnings that a host was noisy.
package stats

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ipcbench/ipcbench/results"
)

// Metric is one figure of a case that repetitions, compare and history work on.
type Metric struct {
	Name         string
	Unit         string
	HigherBetter bool
	Of           func(results.Repetition) float64
}

// Metrics lists every metric by name, in display order.
var Metrics = []Metric{
	{"p50", "ns", false, func(r results.Repetition) float64 { return r.P50Ns }},
	{"p90", "ns", false, func(r results.Repetition) float64 { return r.P90Ns }},
	{"p99", "ns", false, func(r results.Repetition) float64 { return r.P99Ns }},
	{"p999", "ns", false, func(r results.Repetition) float64 { return r.P999Ns }},
	{"mean", "ns", false, func(r results.Repetition) float64 { return r.MeanNs }},
	{"throughput", "msgs/s", true, func(r results.Repetition) float64 { return r.MsgsPerSec }},
	{"mbps", "MB/s", true, func(r results.Repetition) float64 { return r.MBPerSec }},
	{"cpu", "ns/msg", false, func(r results.Repetition) float64 { return r.CPUNsPerMsg }},
	{"syscalls", "syscalls/msg", false, func(r results.Repetition) float64 { return r.SyscallsPerMsg }},
	{"copies", "copies/msg", false, func(r results.Repetition) float64 { return r.CopiesPerMsg }},
}

// MetricByName finds a metric.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Samples returns metric m over a case's repetitions (one value for a case
// recorded without them).
func Samples(c results.Case, m Metric) []float64 {
	reps := c.Repetitions
	if len(reps) == 0 && c.Status == results.StatusOK {
		reps = []results.Repetition{results.RepetitionOf(c)}
	}
	v := make([]float64, 0, len(reps))
	for _, r := range reps {
		v = append(v, m.Of(r))
	}
	return v
}

// ParseMetrics reads a comma-separated list of metric names.
func ParseMetrics(list []string) ([]Metric, error) {
	var out []Metric
	for _, name := range list {
		m, ok := MetricByName(strings.TrimSpace(name))
		if !ok {
			names := make([]string, len(Metrics))
			for i, m := range Metrics {
				names[i] = m.Name
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown metric %q; want one of %s", name, strings.Join(names, ", "))
		}
		out = append(out, m)
	}
	return out, nil
}
