// Package format renders ipcbench results for people and tools: a run as
// an aligned table, CSV, Markdown, JSON or the Go benchmark format, and a
// comparison or history from results/stats as text, Markdown or JSON. It
// also prints the units every rendering shares: durations, rates, intervals.
package format

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/results"
)

// Check reports whether name is one of the formats known, naming them
// when it is not.
func Check(name string, known []string) error {
	if slices.Contains(known, name) {
		return nil
	}
	return unknown(name, known)
}

func unknown(name string, known []string) error {
	return fmt.Errorf("unknown format %q; want one of %s", name, strings.Join(known, ", "))
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Ns prints a duration in ns with a unit that keeps 3 significant digits.
func Ns(ns float64) string {
	switch {
	case ns >= 1e9:
		return strconv.FormatFloat(ns/1e9, 'f', 2, 64) + "s"
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + "ms"
	case ns >= 1e3:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + "µs"
	}
	return strconv.FormatFloat(ns, 'f', 0, 64) + "ns"
}

// Rate prints a per-second rate with k/M suffixes.
func Rate(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// Interval prints ci around center as benchstat does: " ±3%", the larger
// of its two sides; "" where center is zero.
func Interval(ci results.Interval, center float64) string {
	if center == 0 {
		return ""
	}
	return fmt.Sprintf(" ±%.0f%%", 100*max(ci.Hi/center-1, 1-ci.Lo/center))
}

// CaseInterval prints the case's 95 % interval of metric around center, or
// "" where the case has none (fewer than six repetitions).
func CaseInterval(c results.Case, metric string, center float64) string {
	ci, ok := c.CI95[metric]
	if !ok {
		return ""
	}
	return Interval(ci, center)
}
