package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

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

// VerdictHead reads "pingpong 64 B, by p50 round trip (lower is better):
// shm-slots 9.1µs" for a verdict's first line, naming the reference as
// fastest or as the baseline.
func VerdictHead(v stats.Verdict) string {
	better := "higher is better"
	if v.LowerBetter {
		better = "lower is better"
	}
	role := "fastest"
	if v.Baseline {
		role = "baseline"
	}
	if len(v.Standings) == 1 {
		role = "only one measured"
	}
	if v.Baseline && v.Standings[0].Transport == v.Reference && len(v.Standings) > 1 && !ahead(v, 1) {
		role = "baseline, fastest"
	}
	return fmt.Sprintf("%s %s, by %s (%s): %s %s (%s)", v.Workload, results.FormatBytes(v.SizeBytes), VerdictMetric(v), better,
		v.Reference, VerdictValue(v, v.Standings[0].Value), role)
}

// ahead reports whether standing i ran faster than the reference.
func ahead(v stats.Verdict, i int) bool { return v.Standings[i].Times < 1 }

// VerdictLine reads, for standing i > 0 of v, "shm-slots ran 6.72× faster
// than pipe (95% CI 5.9–7.6×)", or where the other ran faster than a
// baseline, "pipe ran 1.20× faster than sysv-msg (baseline)".
func VerdictLine(v stats.Verdict, i int) string {
	s := v.Standings[i]
	ref := v.Reference
	if v.Baseline {
		ref += " (baseline)"
	}
	times, lo, hi := s.Times, s.Lo, s.Hi
	a, b := ref, s.Transport
	if times < 1 {
		a, b = s.Transport, ref
		times, lo, hi = 1/times, 1/s.Hi, 1/s.Lo
	}
	line := fmt.Sprintf("%s ran %s faster than %s", a, Times(times), b)
	if s.Lo > 0 && s.Hi > 0 {
		line += fmt.Sprintf(" (95%% CI %s–%s)", strings.TrimSuffix(Times(lo), "×"), Times(hi))
	}
	return line
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

// VerdictNote says how a verdict ranks and what its interval is, for
// every rendering.
const VerdictNote = `Ranked by each workload's main metric: p50 round trip for pingpong (lower is better), throughput
in msgs/s for stream-like workloads and relay, the saturation rate for a workload at offered rates
(higher is better). A closed-loop one-way latency measures buffer depth, so it never ranks. With 6 or
more repetitions the ratio carries a 95% interval from each median's interval, the conservative ends.
`

// WriteVerdict writes, for each workload and size of f, which transport
// ran fastest (or baseline, where measured) and how many times faster than
// each other, as hyperfine does: a block per workload and size, then
// VerdictNote. It writes nothing where f has no ok case.
func WriteVerdict(w io.Writer, f *results.File, baseline string) error {
	vs := stats.Verdicts(f, baseline)
	if len(vs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nVerdict\n")
	for _, v := range vs {
		b.WriteString("\n" + VerdictHead(v) + "\n")
		for i := range v.Standings[1:] {
			b.WriteString("  " + VerdictLine(v, i+1) + "\n")
		}
	}
	b.WriteString("\n" + VerdictNote)
	_, err := io.WriteString(w, b.String())
	return err
}

// VerdictPhrase reads, for standing i > 0 of v with the reference as its
// subject, "174× faster than pipe (95% CI 150–200×)", or where that
// transport ran faster than a baseline, "1.20× slower than shm-slots".
func VerdictPhrase(v stats.Verdict, i int) string {
	s := v.Standings[i]
	times, lo, hi, how := s.Times, s.Lo, s.Hi, "faster"
	if times < 1 {
		times, lo, hi, how = 1/times, 1/s.Hi, 1/s.Lo, "slower"
	}
	p := fmt.Sprintf("%s %s than %s", Times(times), how, s.Transport)
	if s.Lo > 0 && s.Hi > 0 {
		p += fmt.Sprintf(" (95%% CI %s–%s)", strings.TrimSuffix(Times(lo), "×"), Times(hi))
	}
	return p
}
