package report

import (
	"fmt"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
)

// side is one side of a report's comparison: a run, or consecutive runs
// that share a --label, pooled as compare pools a directory of files.
type side struct {
	Label string
	Files []*results.File
}

// sides groups the inputs into sides: consecutive inputs whose runs carry
// the same non-empty label (run --label) form one side, every other
// input a side of its own.
func sides(in []Input) []side {
	var out []side
	for i, input := range in {
		l := input.File.Config.Label
		if i > 0 && l != "" && l == in[i-1].File.Config.Label {
			s := &out[len(out)-1]
			s.Files = append(s.Files, input.File)
			continue
		}
		label := input.Label
		if l != "" && i+1 < len(in) && in[i+1].File.Config.Label == l {
			label = l
		}
		out = append(out, side{Label: label, Files: []*results.File{input.File}})
	}
	return out
}

// comparison is one later side compared with the first, as ipcbench
// compare would compare them with its defaults.
type comparison struct {
	Base, New string
	C         *stats.Comparison
	Tables    []compareTable
	Figure    string // the dot plot's figure name
}

// compareTable is format's table of one metric with two columns added: the
// change's interval and the flags of the case on either side.
type compareTable struct {
	Title string
	Head  []string
	Rows  []compareRow
}

type compareRow struct {
	Case    string
	Figures []string // compare's columns after the case, the interval inserted
	Flags   string
	Verdict string // stats.Verdict*, for the row's class
}

// changePrefix starts the name of every comparison's dot plot.
const changePrefix = "change-"

// intervalColumn and flagsColumn are the columns the report adds to
// compare's tables, after "delta" and at the end.
const (
	intervalColumn = "95 % interval"
	flagsColumn    = "flags"
)

// comparisons compares every side after the first with the first, with
// compare's defaults: the report of two or more runs opens with them.
func comparisons(in []Input) []comparison {
	ss := sides(in)
	if len(ss) < 2 {
		return nil
	}
	var out []comparison
	for i, s := range ss[1:] {
		c := stats.Compare(ss[0].Files, s.Files, stats.DefaultCompareOptions())
		out = append(out, comparison{Base: ss[0].Label, New: s.Label, C: c, Tables: compareTables(c), Figure: fmt.Sprintf("%s%d", changePrefix, i+1)})
	}
	return out
}

// compareTables adds the interval and flags columns to format's tables.
func compareTables(c *stats.Comparison) []compareTable {
	flagged := map[string]string{}
	for _, f := range c.Flagged {
		if k, why, ok := strings.Cut(f, ": "); ok {
			flagged[k] = why
		}
	}
	var out []compareTable
	for _, t := range format.CompareTables(c) {
		at := deltaColumn(t.Rows[0])
		ct := compareTable{Title: t.Title, Head: withColumn(t.Rows[0], at, intervalColumn, flagsColumn)}
		for i, r := range t.Rows[1:] {
			d := t.Deltas[i]
			cells := withColumn(r, at, "", "")
			row := compareRow{Case: cells[0], Figures: cells[1 : len(cells)-1]}
			if d != nil {
				row.Verdict = d.Verdict
				row.Figures[at] = changeInterval(*d)
				row.Flags = flagged[d.Case]
			}
			ct.Rows = append(ct.Rows, row)
		}
		out = append(out, ct)
	}
	return out
}

// deltaColumn is the place of "delta" in a header.
func deltaColumn(head []string) int {
	for i, h := range head {
		if h == "delta" {
			return i
		}
	}
	return len(head) - 1
}

// withColumn returns row with after inserted after column at, and last
// appended.
func withColumn(row []string, at int, after, last string) []string {
	out := append([]string{}, row[:at+1]...)
	out = append(out, after)
	out = append(out, row[at+1:]...)
	return append(out, last)
}

// changeInterval prints a delta's interval, "-1.2 to +7.6 %", or "-"
// where a side has none.
func changeInterval(d stats.Delta) string {
	_, lo, hi, ok := d.ChangeInterval()
	if !ok {
		return "-"
	}
	return signed(lo) + " to " + signed(hi) + " %"
}

// signed prints a per cent with its sign, as compare prints a delta.
func signed(pct float64) string { return fmt.Sprintf("%+.1f", pct) }

// compareIntervalNote says what the interval column is.
const compareIntervalNote = "95 % interval: the change's interval, from the ends of the two medians' 95 % intervals taken the conservative way round (wider than an exact interval); the verdict is the U test's. flags: the case's flags on either side, whose figures say less than they seem."
