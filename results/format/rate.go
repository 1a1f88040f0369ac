package format

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// HasDepth reports whether any case of f records its queue depth: files
// before --depth existed do not, and their tables keep their width.
func HasDepth(f *results.File) bool {
	return slices.ContainsFunc(f.Cases, func(c results.Case) bool { return c.DepthMsgs > 0 })
}

// Depth renders a case's messages in flight: "16" as --depth set it,
// "1024 (native)" where the transport kept its own buffering, "-" where the
// file records none.
func Depth(f *results.File, c results.Case) string {
	if c.DepthMsgs <= 0 {
		return "-"
	}
	s := strconv.Itoa(c.DepthMsgs)
	if nativeDepth(f, c) {
		s += " (native)"
	}
	return s
}

// nativeDepth reports whether c's depth is the transport's own buffering:
// no --depth, or one the transport could not take.
func nativeDepth(f *results.File, c results.Case) bool {
	return f.Config.Depth == 0 || strings.HasPrefix(c.DepthSource, "native")
}

// RateStatus renders the status of a case with an offered rate: what it
// achieved of it ("saturated: achieved 82.0k of 200.0k msgs/s") and how
// late its pacer sent ("sent p99 1.2µs late"), with its reason escaped for
// a terminal.
func RateStatus(c results.Case) string { return rateStatus(c, textsafe.Terminal) }

// rateStatus is RateStatus with the reason escaped by esc.
func rateStatus(c results.Case, esc escaper) string {
	s := fmt.Sprintf("%s: achieved %s of %s msgs/s", c.Status, Rate(c.AchievedRate), Rate(c.OfferedRate))
	if l := c.SendLateness; l != nil {
		s += fmt.Sprintf(", sent p99 %s late", Ns(float64(l.P99Ns)))
	}
	if c.Reason != "" {
		s += " (" + esc(c.Reason) + ")"
	}
	return s
}

// SaturationText reads "pipe: 200.0k msgs/s under a 1.00ms p99", or
// "pipe: none under a 1.00ms p99", then where it fails and why; with the
// workload and size where withCase, and what did not count: passes above
// the first failure, and rates not judged.
func SaturationText(s stats.Saturation, withCase bool) string {
	name := s.Transport
	if withCase {
		name += " " + s.Workload + " " + results.FormatBytes(s.SizeBytes)
	}
	rate := "none"
	if s.RatePerSec > 0 {
		rate = Rate(s.RatePerSec) + " msgs/s"
	}
	out := fmt.Sprintf("%s: %s under a %s p99", name, rate, Ns(float64(s.SLONs)))
	if s.FailedAt > 0 {
		out += fmt.Sprintf(", failing at %s (%s)", Rate(s.FailedAt), rateFailure(s.FailedWhy))
	}
	if len(s.PassedAbove) > 0 {
		out += fmt.Sprintf("; %s passed above it, not counted", rates(s.PassedAbove))
	}
	if len(s.Unjudged) > 0 {
		out += fmt.Sprintf("; %s not judged (no latency, or p99 on fewer than %d samples beyond it)", rates(s.Unjudged), results.MinTailSamples)
	}
	return out
}

// rateFailure words why a rate case failed: its status, "backlog growing,
// p50 up at least 1.2ms through the window" or "p99 3ms".
func rateFailure(f stats.RateFailure) string {
	switch {
	case f.Status != "":
		return f.Status
	case f.BacklogRiseNs > 0:
		return fmt.Sprintf("backlog growing, p50 up at least %v through the window", time.Duration(f.BacklogRiseNs).Round(time.Microsecond))
	}
	return fmt.Sprintf("p99 %v", time.Duration(f.P99Ns).Round(time.Microsecond))
}

// rates renders offered rates: "9.8k, 10.0k".
func rates(rs []float64) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = Rate(r)
	}
	return strings.Join(out, ", ")
}

// SaturationTexts renders stats.Saturations(f), naming workload and size only
// where f has rate cases at more than one.
func SaturationTexts(f *results.File) []string {
	sats := stats.Saturations(f)
	several := slices.ContainsFunc(sats, func(s stats.Saturation) bool {
		return s.Workload != sats[0].Workload || s.SizeBytes != sats[0].SizeBytes
	})
	var out []string
	for _, s := range sats {
		out = append(out, SaturationText(s, several))
	}
	return out
}

// depthNote says how a run's depths were set.
func depthNote(f *results.File) string {
	switch {
	case f.Config.Depth > 0:
		return fmt.Sprintf("--depth %d: each transport was set to hold %d messages in flight where it can; DEPTH is what each case held.\n", f.Config.Depth, f.Config.Depth)
	case HasDepth(f):
		return "DEPTH is the messages each case could hold in flight; (native): the transport's own buffering (no --depth).\n"
	}
	return ""
}

// workAndRateNotes say how a run's consumer work and offered rates were
// set, and each transport's saturation rate.
func workAndRateNotes(f *results.File) string {
	s := workNote(f)
	sats := SaturationTexts(f)
	if len(sats) == 0 {
		return s
	}
	s += "Rate cases send on a " + arrivals(f) + " schedule at the offered rate and time each message from its intended send time;\n" +
		"a case short of its offered rate, or whose latency grew through its window (a backlog), is saturated and shows no latency.\n" +
		"\"sent p99 late\" is the pacer's own lateness, inside the latency (LATE past a whole gap between sends);\n" +
		"cpu/msg leaves out the pacer's waiting for send times. Highest offered rate below which every rate passed, p99 under the SLO (--slo):\n"
	for _, t := range sats {
		s += "  " + t + "\n"
	}
	return s
}

// workNote says how much work the consumer did per message, or "".
func workNote(f *results.File) string {
	if w := f.Config.WorkNs; w > 0 {
		return fmt.Sprintf("--work %s: the consumer spun %s on every message; the figures include it.\n", Ns(float64(w)), Ns(float64(w)))
	}
	return ""
}

// arrivals names the schedule of a run's rate cases.
func arrivals(f *results.File) string {
	if f.Config.Arrivals == "" {
		return "fixed"
	}
	return f.Config.Arrivals
}
