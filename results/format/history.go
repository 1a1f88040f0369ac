package format

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/results/stats"
)

// WriteHistory renders h as a table (one block per case, one row per run),
// markdown or json.
func WriteHistory(w io.Writer, format string, h *stats.History) error {
	if err := Check(format, CompareFormats); err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(w, h)
	}
	m, _ := stats.MetricByName(h.Metric)
	var b strings.Builder
	if format == "table" {
		b.WriteString(historyDifferenceText(h.Differences))
	} else {
		b.WriteString(strings.ReplaceAll(historyDifferenceText(h.Differences), "\n  ", "\n- "))
	}
	for _, s := range h.Series {
		seriesTable(&b, h, s, m, format == "markdown")
	}
	reg, imp := h.Flagged()
	fmt.Fprintf(&b, "%d runs, %d cases. Each run is tested against the previous run of the same case (Mann-Whitney U, alpha %g); flagged when significant and beyond %g%%: %d regressions, %d improvements.\n",
		len(h.Runs), len(h.Series), h.Alpha, h.Threshold*100, reg, imp)
	if line := untestedLine(h); line != "" {
		b.WriteString(line + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// seriesTable writes one case's block: a row per run with its value and
// its change from the run before.
func seriesTable(b *strings.Builder, h *stats.History, s stats.Series, m stats.Metric, markdown bool) {
	var values []float64
	for _, p := range s.Points {
		values = append(values, p.Value.Median)
	}
	vf := newValueFormat(m, values)
	fmt.Fprintf(b, "%s, %s (%s)\n", s.Case, h.Metric, vf.unit)
	if markdown {
		b.WriteString("\n")
	}
	rows := [][]string{{"run", "started", "label", "ipcbench", h.Metric, "change", "p", "flag"}}
	for _, p := range s.Points {
		r := h.Runs[p.Run]
		row := []string{fmt.Sprint(p.Run + 1), r.Started.UTC().Format("2006-01-02 15:04"), orDash(r.Label), orDash(r.Commit), vf.summary(p.Value)}
		if p.Verdict == "" {
			row = append(row, "", "", "")
		} else {
			row = append(row, formatDelta(stats.Delta{DeltaPct: p.DeltaPct, Verdict: p.Verdict}), pValue(p.P), flags[p.Verdict])
		}
		rows = append(rows, row)
	}
	if markdown {
		b.WriteString("| " + strings.Join(rows[0], " | ") + " |\n|--:|---|---|---|--:|--:|--:|---|\n")
		for _, r := range rows[1:] {
			b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		}
	} else {
		rows[0] = upper(rows[0])
		writeAligned(b, rows, 4, len(rows[0])-1)
	}
	b.WriteString("\n")
}

// flags marks a history's points by verdict; the others have none.
var flags = map[string]string{
	stats.VerdictRegression:  "▲ regression",
	stats.VerdictImprovement: "▼ improvement",
	stats.VerdictUntested:    "untested",
}

// untestedLine says what the history could not test, or "" when it
// tested every step.
func untestedLine(h *stats.History) string {
	tested, untested := h.Steps()
	switch {
	case len(h.IncompleteRuns()) > 0:
		return fmt.Sprintf("Untested: %s stopped early (%s): the cases not reached there were not tested.", runList(h.IncompleteRuns()), h.Runs[h.IncompleteRuns()[0]-1].Incomplete)
	case len(h.Runs) == 1:
		return "Untested: 1 run: no step to test; history needs at least two runs."
	case tested+untested == 0:
		return fmt.Sprintf("Untested: no case appears in two of the %d runs: no step to test.", len(h.Runs))
	case untested > 0:
		return fmt.Sprintf("Untested: %d of %d steps had too few repetitions for the test to reach alpha %g: run with --repeat 6.", untested, tested+untested, h.Alpha)
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pValue(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *p)
}

// historyDifferenceText renders a history's differences, each key with its
// values and the runs (numbered from 1) that had them.
func historyDifferenceText(ds []stats.Difference) string {
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
