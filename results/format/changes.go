package format

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// ChangesFormats lists the renderings of stats.Changes.
var ChangesFormats = CompareFormats

// WriteChanges renders c as a table (the groups, then each host's points),
// markdown or json.
func WriteChanges(w io.Writer, format string, c *stats.Changes) error {
	if err := Check(format, ChangesFormats); err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(w, c)
	}
	markdown := format == "markdown"
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s (%d %s) in %d %s, over %d series of one host and case each.\n",
		c.Metric, len(c.Points), plural(len(c.Points), "change point"), c.Regressions(), plural(c.Regressions(), "regression"),
		len(c.Groups), plural(len(c.Groups), "group"), c.Series)
	fmt.Fprintf(&b, "Each series searched for shifts in level: E-divisive means, alpha %g, at least %d runs a side.\n", c.Alpha, c.MinSegment)
	if c.MinMagnitude > 0 {
		fmt.Fprintf(&b, "Changes below %s%% left out (--min-magnitude).\n", strconv.FormatFloat(100*c.MinMagnitude, 'g', 4, 64))
	}
	if c.UntestedSeries > 0 {
		fmt.Fprintf(&b, "Untested: %d of %d series have fewer than %d runs.\n", c.UntestedSeries, c.Series, 2*c.MinSegment)
	}
	if len(c.Points) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n")
	changeGroups(&b, c, markdown)
	b.WriteString("\n")
	changePoints(&b, c, markdown)
	_, err := io.WriteString(w, b.String())
	return err
}

// changeGroups writes one row per group: code changes name the commit
// range, host changes the hosts and what changed on them.
func changeGroups(b *strings.Builder, c *stats.Changes, markdown bool) {
	esc := escapeFor(markdown)
	rows := [][]string{{"case", "kind", "hosts", "commits", "change", "direction"}}
	var details []string
	for _, g := range c.Groups {
		hosts := fmt.Sprintf("%d of %d", len(g.Hosts), g.HostsRan)
		if g.Kind == stats.ChangeHost {
			hosts = clip(esc(hostNames(g.Hosts)), hostWidth, markdown) + " (" + hosts + ")"
		}
		rows = append(rows, []string{g.Case, g.Kind, hosts, commitRange(g.CommitFrom, g.CommitTo, esc), deltaPct(100 * g.Magnitude), flags[g.Direction]})
		var what []string
		if g.Kind == stats.ChangeHost {
			for _, i := range g.Points {
				if p := c.Points[i]; len(p.HostDifferences) > 0 {
					what = append(what, esc(p.Host)+": "+esc(strings.Join(p.HostDifferences, "; ")))
				}
			}
		}
		details = append(details, strings.Join(what, "; "))
	}
	writeDetailedRows(b, "Changes by commit range (code: most hosts that ran the case; host: too few)",
		rows, details, "what changed", "|---|---|---|---|--:|---|---|", 4, markdown)
}

// changePoints writes each host's change points, with the first run after
// each and, where they differ, the host's rows either side.
func changePoints(b *strings.Builder, c *stats.Changes, markdown bool) {
	esc := escapeFor(markdown)
	rows := [][]string{{"host", "case", "first run after", "change [95% CI]", "p", "kind"}}
	var details []string
	for _, p := range c.Points {
		rows = append(rows, []string{clip(esc(p.Host), hostWidth, markdown), p.Case, p.RunStarted.UTC().Format("2006-01-02 15:04"),
			changeInterval(p), changeP(p.P), p.Kind})
		details = append(details, "commits "+commitRange(p.CommitFrom, p.CommitTo, esc)+", first run after "+esc(p.RunID))
		if len(p.HostDifferences) > 0 {
			details[len(details)-1] += "\n" + strings.Join(escAll(p.HostDifferences, esc), "; ")
		}
	}
	writeDetailedRows(b, "Change points by host", rows, details, "commits, run; what changed on the host",
		"|---|---|---|--:|--:|---|---|", 3, markdown)
}

// writeDetailedRows writes a titled table whose row i carries details[i]:
// in Markdown as a last column (its lines joined by "; "), in text as
// wrapped, indented lines under the row.
func writeDetailedRows(b *strings.Builder, title string, rows [][]string, details []string, detailHead, rule string, left int, markdown bool) {
	if markdown {
		rows[0] = append(rows[0], detailHead)
		for i := range details {
			rows[i+1] = append(rows[i+1], strings.ReplaceAll(details[i], "\n", "; "))
		}
		b.WriteString(title + "\n\n")
		writeMarkdown(b, rows, rule)
		return
	}
	b.WriteString(title + "\n")
	rows[0] = upper(rows[0])
	var lines strings.Builder
	writeAligned(&lines, rows, left, len(rows[0])-1)
	for i, line := range strings.SplitAfter(strings.TrimSuffix(lines.String(), "\n"), "\n") {
		b.WriteString(strings.TrimSuffix(line, "\n") + "\n")
		if i == 0 {
			continue
		}
		for _, d := range strings.Split(details[i-1], "\n") {
			if d != "" {
				b.WriteString(wrapIndented(d, "    ", 120))
			}
		}
	}
}

// hostWidth is the most columns a host name takes in the table: the
// points' rows fit 120 columns with it.
const hostWidth = 24

// clip shortens s to width columns with an ellipsis, in the table only.
func clip(s string, width int, markdown bool) string {
	r := []rune(s)
	if markdown || len(r) <= width {
		return s
	}
	return string(r[:width-1]) + "…"
}

// wrapIndented writes s as indented lines of at most width columns,
// broken after "; " where it can be; a single item longer than a line
// (a long path) keeps its own line.
func wrapIndented(s, indent string, width int) string {
	var b, line strings.Builder
	line.WriteString(indent)
	for i, item := range strings.Split(s, "; ") {
		if i > 0 {
			item = "; " + item
		}
		if line.Len() > len(indent) && utf8.RuneCountInString(line.String()+item) > width {
			b.WriteString(line.String() + ";\n")
			line.Reset()
			line.WriteString(indent)
			item = strings.TrimPrefix(item, "; ")
		}
		line.WriteString(item)
	}
	return b.String() + line.String() + "\n"
}

func escAll(ss []string, esc escaper) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = esc(s)
	}
	return out
}

// hostNames lists up to three hosts, and how many more.
func hostNames(hosts []string) string {
	if len(hosts) <= 3 {
		return strings.Join(hosts, ", ")
	}
	return strings.Join(hosts[:3], ", ") + fmt.Sprintf(" +%d", len(hosts)-3)
}

// commitRange prints the short commits either side, "abc1234..def5678", or
// the one commit where both runs had it.
func commitRange(from, to string, esc escaper) string {
	from, to = orDash(esc(results.ShortCommit(from))), orDash(esc(results.ShortCommit(to)))
	if from == to {
		return from
	}
	return from + ".." + to
}

// changeInterval prints a change with its 95 % interval, where it has one.
func changeInterval(p stats.HostChange) string {
	s := deltaPct(100 * p.Magnitude)
	if p.Lo == 0 && p.Hi == 0 {
		return s
	}
	return fmt.Sprintf("%s [%s, %s]", s, deltaPct(100*p.Lo), deltaPct(100*p.Hi))
}

// changeP prints a change point's p-value.
func changeP(p float64) string {
	if p < 1e-4 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}
