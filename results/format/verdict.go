package format

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// VerdictWidth is the widest line WriteVerdict writes, in characters.
const VerdictWidth = 120

// VerdictValue prints a verdict's figure in its unit: "61.3µs" or
// "36.4k msgs/s".
func VerdictValue(v stats.Verdict, x float64) string {
	if v.Metric == stats.ByRoundTrip {
		return Ns(x)
	}
	return Rate(x) + " msgs/s"
}

// verdictMetrics names each verdict metric.
var verdictMetrics = map[stats.VerdictMetric]string{
	stats.ByThroughput: "throughput", stats.ByRoundTrip: "p50 round trip", stats.BySaturationRate: "saturation rate",
}

// VerdictMetric names v's metric, "p50 round trip", "saturation rate" or
// "throughput", and where the throughput ranks buffers as well, at what
// depth: "throughput at depth 16", "throughput at native depth".
func VerdictMetric(v stats.Verdict) string {
	switch name := verdictMetrics[v.Metric]; {
	case !v.Buffered:
		return name
	case v.Depth > 0:
		return fmt.Sprintf("%s at depth %d", name, v.Depth)
	default:
		return name + " at native depth"
	}
}

// FlagMark prints a standing's flags as codes, "[DO]", or "" where it
// has none.
func FlagMark(s stats.Standing) string {
	var b strings.Builder
	for _, name := range stats.VerdictFlags {
		if slices.Contains(s.Flags, name) {
			b.WriteString(flagCode(name))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "[" + b.String() + "]"
}

// ratioNumbers prints x and the ends of its interval with the digits that
// x's size calls for: "1.04", "3.1", "37".
func ratioNumbers(x float64, ends ...float64) []string {
	digits := 0
	switch {
	case x < 2:
		digits = 2
	case x < 10:
		digits = 1
	}
	out := []string{fmt.Sprintf("%.*f", digits, x)}
	for _, e := range ends {
		out = append(out, fmt.Sprintf("%.*f", digits, e))
	}
	return out
}

// RatioText prints a ratio with its 95 % interval, "3.1× (2.7–3.6)", or
// without one, "3.1×". Where how is set and the ratio is below 1, it is
// turned round and said "faster", else "slower": "2.0× faster (1.8–2.2)".
func RatioText(r stats.Ratio, how bool) string {
	x, lo, hi, word := r.Times, r.Lo, r.Hi, ""
	if how {
		word = " slower"
		if x < 1 {
			x, lo, hi, word = 1/x, 1/r.Hi, 1/r.Lo, " faster"
		}
	}
	if !r.Tested() {
		return ratioNumbers(x)[0] + "×" + word
	}
	n := ratioNumbers(x, lo, hi)
	return fmt.Sprintf("%s×%s (%s–%s)", n[0], word, n[1], n[2])
}

// Times prints a ratio as "1.80×", "12.3×" or "140×".
func Times(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f×", x)
	case x >= 10:
		return fmt.Sprintf("%.1f×", x)
	}
	return fmt.Sprintf("%.2f×", x)
}

// VerdictNote says how a verdict ranks and what its ratios and intervals
// are, for every rendering.
const VerdictNote = `Ranked by each workload's main metric: p50 round trip for pingpong (lower is better), throughput
in msgs/s for stream-like workloads and relay, the saturation rate for a workload at offered rates
(higher is better). A closed-loop one-way latency measures buffer depth, so it never ranks. A ratio
is the median of the two transports' per-round ratios, with its 95% interval (distribution-free,
from 6 rounds up); where their round counts differ, the ratio of their medians with the conservative
ends of their intervals. A ratio whose interval holds 1 is a tie; a winner beat every other significantly.
`

// WriteVerdict writes, for each workload and size of f, a verdict short
// enough for one screen: a head line; the winner with its figure, rounds
// won and cost, or the transports tied at the top, or that nothing was
// tested; a ranking wrapped at VerdictWidth, each transport with its
// ratio and interval, ≈ between ties and › where one is significantly
// behind; then a legend of what applies. The ratios are to the fastest,
// or to baseline where it was measured. It writes nothing where f has no
// ok case.
func WriteVerdict(w io.Writer, f *results.File, baseline string) error {
	vs := stats.Verdicts(f, baseline)
	if len(vs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nVerdict\n")
	for _, v := range vs {
		b.WriteString("\n" + verdictHead(v) + "\n")
		wrapPieces(&b, verdictLead(v), "  ", "    ")
		if len(v.Standings) > 1 {
			wrapPieces(&b, verdictRanking(v), "  ", "    ")
		}
	}
	b.WriteString("\n")
	for _, n := range verdictLegend(vs) {
		wrapPieces(&b, strings.Fields(n), "", "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// verdictHead reads "pingpong 64 B by p50 round trip (lower is better), 15
// rounds", and where a baseline is measured, ", against pipe".
func verdictHead(v stats.Verdict) string {
	better := "higher is better"
	if v.LowerBetter {
		better = "lower is better"
	}
	rounds := "1 round"
	if v.Rounds != 1 {
		rounds = fmt.Sprintf("%d rounds", v.Rounds)
	}
	head := fmt.Sprintf("%s %s by %s (%s), %s", v.Workload, results.FormatBytes(v.SizeBytes), VerdictMetric(v), better, rounds)
	if v.Baseline {
		head += ", against " + v.Reference + " (baseline)"
	}
	return head
}

// standingOf returns v's standing of transport t.
func standingOf(v stats.Verdict, t string) stats.Standing {
	i := slices.IndexFunc(v.Standings, func(s stats.Standing) bool { return s.Transport == t })
	return v.Standings[i]
}

// verdictLead is the verdict's second line, in pieces for wrap: the
// winner, the tie at the top, or the fastest where nothing was tested,
// with its figure, rounds won and cost.
func verdictLead(v stats.Verdict) []string {
	fast := standingOf(v, v.Fastest)
	name := fast.Transport + FlagMark(fast)
	figure := VerdictValue(v, fast.Value)
	of := fmt.Sprintf("%d of %d rounds", fast.RoundsWon, fast.Rounds)
	if fast.Rounds == 1 {
		of = fmt.Sprintf("%d of 1 round", fast.RoundsWon)
	}
	var out []string
	switch {
	case len(v.Standings) == 1:
		out = []string{"only " + name + " measured:", figure + ";"}
	case v.Metric == stats.BySaturationRate:
		out = []string{"highest " + name, figure + ",", "untested: a saturation rate has no interval;"}
	case v.Winner != "":
		out = []string{"winner " + name, figure + ",", "won " + of + ";"}
	case v.Untested:
		out = []string{"fastest " + name, figure + ",", "best in " + of + ",", "untested;"}
	default:
		var top []string
		for _, t := range v.Top {
			top = append(top, t+FlagMark(standingOf(v, t)))
		}
		out = []string{"no significant winner:", strings.Join(top, " ≈ ") + ";"}
		if len(v.NotTested) > 0 {
			out = append(out, "not tested against "+v.Fastest+":", strings.Join(v.NotTested, ", ")+";")
		}
		out = append(out, "fastest "+v.Fastest, figure+",", "won "+of+";")
	}
	out = append(out, cost(fast)...)
	if v.Cheapest != "" {
		out = append(out, fmt.Sprintf("%s ties and costs %.0f %% less CPU", v.Cheapest, 100*(1-v.CheapestCPU)))
	}
	last := &out[len(out)-1]
	*last = strings.TrimRight(*last, ";,")
	return out
}

// cost reads "CPU 1.2µs, 0.00 copies per message", or nothing where the
// standing has no CPU figure (a saturation rate).
func cost(s stats.Standing) []string {
	if s.CPUNsPerMsg <= 0 {
		return nil
	}
	return []string{"CPU " + Ns(s.CPUNsPerMsg) + ",", fmt.Sprintf("%.2f copies per message;", s.CopiesPerMsg)}
}

// verdictRanking is the ranking in pieces for wrap: each transport with
// its flags and ratio to the reference, after a separator that says how it
// stands against the one before it.
func verdictRanking(v stats.Verdict) []string {
	var out []string
	for i, s := range v.Standings {
		item := s.Transport + FlagMark(s)
		switch {
		case s.Transport != v.Reference:
			item += " " + RatioText(s.Ratio(), v.Baseline)
		case v.Baseline:
			item += " (baseline)"
		}
		if i > 0 {
			item = separator(s.Prev) + " " + item
		}
		out = append(out, item)
	}
	return out
}

// separator reads "›" where r shows the later one significantly behind,
// "≈" for a tie, "‹" where it is significantly ahead (the ranking's order,
// by ratio to the reference, and this pair's own ratio disagree) and ","
// where r has no interval.
func separator(r stats.Ratio) string {
	switch {
	case !r.Tested():
		return ","
	case r.Lo > 1:
		return "›"
	case r.Hi < 1:
		return "‹"
	}
	return "≈"
}

// wrapPieces writes pieces joined by spaces, first after indent and any further
// line after more, breaking lines before VerdictWidth characters. A
// separator piece "," stays at the end of its line; one that starts with
// "›", "≈" or "‹" starts the next.
func wrapPieces(b *strings.Builder, pieces []string, indent, more string) {
	line := indent
	for i, p := range pieces {
		if strings.HasPrefix(p, ", ") {
			line += ","
			p = p[2:]
		}
		start := i == 0
		if !start && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(p) > VerdictWidth {
			b.WriteString(line + "\n")
			line, start = more, true
		}
		if !start {
			line += " "
		}
		line += p
	}
	b.WriteString(line + "\n")
}

// verdictLegend is the notes under the verdicts, those that apply: what
// a ratio is, what the separators mean, the flags that appear, and why
// verdicts are untested.
func verdictLegend(vs []stats.Verdict) []string {
	fastest, baseline, tested, unpaired, untested, reversed := false, false, false, false, false, false
	flags := map[string]bool{}
	for _, v := range vs {
		fastest, baseline = fastest || !v.Baseline, baseline || v.Baseline
		for i, s := range v.Standings {
			for _, f := range s.Flags {
				flags[f] = true
			}
			tested = tested || s.Ratio().Tested() || s.Prev.Tested()
			unpaired = unpaired || s.Ratio().Tested() && !s.Paired
			reversed = reversed || i > 0 && separator(s.Prev) == "‹"
		}
		if v.Untested && v.Metric != stats.BySaturationRate {
			untested = true
		}
	}
	lohi, interval := " (lo–hi)", ", with its 95 % interval."
	if !tested {
		lohi, interval = "", "."
	}
	var out []string
	if fastest {
		out = append(out, "N×"+lohi+": how many times slower than the group's fastest: the median of per-round ratios"+interval)
	}
	if baseline {
		out = append(out, "N× faster or slower"+lohi+" than the baseline: the median of per-round ratios"+interval)
	}
	if tested {
		out = append(out, "› significantly behind the one before, ≈ no significant difference (a tie); a winner beat every other significantly.")
	}
	if reversed {
		out = append(out, "‹ significantly ahead of the one before: round by round it did better, though its ratio to the reference is larger.")
	}
	if unpaired {
		out = append(out, "Where rounds do not pair (counts differ): the ratio of the medians, with the conservative ends of their intervals.")
	}
	var codes []string
	for _, name := range stats.VerdictFlags {
		if flags[name] {
			codes = append(codes, fmt.Sprintf("[%s] %s", flagCode(name), strings.ToUpper(name)))
		}
	}
	if len(codes) > 0 {
		out = append(out, "Flagged: "+strings.Join(codes, ", ")+" (see the table): the figure says less than it seems.")
	}
	if untested {
		out = append(out, fmt.Sprintf("Untested: with fewer than %d rounds a ratio has no 95 %% interval: use --rounds %d or more.",
			stats.MinIntervalRounds, stats.MinIntervalRounds))
	}
	return out
}

// VerdictPhrase reads, for standing i of v other than the reference, with
// the reference as its subject, "174× faster than pipe (95% CI 150–200×)",
// or where that transport ran faster than a baseline, "1.20× slower than
// shm-slots"; ", a tie" where the interval holds 1, and the transport's
// flag codes.
func VerdictPhrase(v stats.Verdict, i int) string {
	s := v.Standings[i]
	times, lo, hi, how := s.Times, s.Lo, s.Hi, "faster"
	if times < 1 {
		times, lo, hi, how = 1/times, 1/s.Hi, 1/s.Lo, "slower"
	}
	p := fmt.Sprintf("%s %s than %s%s", Times(times), how, s.Transport, FlagMark(s))
	if s.Ratio().Tested() {
		p += fmt.Sprintf(" (95%% CI %s–%s", strings.TrimSuffix(Times(lo), "×"), Times(hi))
		if s.Tie {
			p += ", a tie"
		}
		p += ")"
	}
	return p
}
