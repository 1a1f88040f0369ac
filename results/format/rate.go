package format

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
)

// DefaultSLONs is the p99 bound of the saturation verdict where a file
// records none (run --slo's default, 1 ms).
const DefaultSLONs = 1_000_000

// SLONs is the p99 bound f's rate cases are judged against.
func SLONs(f *results.File) int64 {
	if f.Config.SLONs > 0 {
		return f.Config.SLONs
	}
	return DefaultSLONs
}

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
	if f.Config.Depth == 0 || strings.HasPrefix(c.DepthSource, "native") {
		s += " (native)"
	}
	return s
}

// RateStatus renders the status of a case with an offered rate: what it
// achieved of it ("saturated: achieved 82.0k of 200.0k msgs/s"), with its
// reason escaped for a terminal.
func RateStatus(c results.Case) string { return rateStatus(c, textsafe.Terminal) }

// rateStatus is RateStatus with the reason escaped by esc.
func rateStatus(c results.Case, esc escaper) string {
	s := fmt.Sprintf("%s: achieved %s of %s msgs/s", c.Status, Rate(c.AchievedRate), Rate(c.OfferedRate))
	if c.Reason != "" {
		s += " (" + esc(c.Reason) + ")"
	}
	return s
}

// Saturation is the highest offered rate at which one transport kept its
// p99 under the SLO without saturating, at one workload and size.
type Saturation struct {
	Transport, Workload string
	SizeBytes           int
	// RatePerSec is the highest such offered rate, 0 where none was.
	RatePerSec float64
	SLONs      int64
}

// Saturations lists, for every transport, workload and size of f with
// cases at an offered rate, in the order of f's cases, the highest offered
// rate whose case is ok (not saturated) with its p99 under the SLO.
func Saturations(f *results.File) []Saturation {
	var out []Saturation
	at := map[[3]string]int{}
	slo := SLONs(f)
	for _, c := range f.Cases {
		if c.OfferedRate <= 0 {
			continue
		}
		k := [3]string{c.Transport, c.Workload, strconv.Itoa(c.SizeBytes)}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Saturation{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes, SLONs: slo})
		}
		if c.Status == results.StatusOK && c.HistogramHDR != "" && c.Latency.P99Ns < slo && c.OfferedRate > out[i].RatePerSec {
			out[i].RatePerSec = c.OfferedRate
		}
	}
	return out
}

// Text reads "pipe: 200.0k msgs/s under a 1.00ms p99", or "pipe: none
// under a 1.00ms p99"; with the workload and size where withCase.
func (s Saturation) Text(withCase bool) string {
	name := s.Transport
	if withCase {
		name += " " + s.Workload + " " + results.FormatBytes(s.SizeBytes)
	}
	rate := "none"
	if s.RatePerSec > 0 {
		rate = Rate(s.RatePerSec) + " msgs/s"
	}
	return fmt.Sprintf("%s: %s under a %s p99", name, rate, Ns(float64(s.SLONs)))
}

// SaturationTexts renders Saturations(f), naming workload and size only
// where f has rate cases at more than one.
func SaturationTexts(f *results.File) []string {
	sats := Saturations(f)
	several := slices.ContainsFunc(sats, func(s Saturation) bool {
		return s.Workload != sats[0].Workload || s.SizeBytes != sats[0].SizeBytes
	})
	var out []string
	for _, s := range sats {
		out = append(out, s.Text(several))
	}
	return out
}

// loadNotes says how a run's depth, consumer work and offered rates were
// set, and each transport's saturation rate.
func loadNotes(f *results.File) string {
	var s string
	cfg := f.Config
	switch {
	case cfg.Depth > 0:
		s += fmt.Sprintf("--depth %d: each transport was set to hold %d messages in flight where it can; DEPTH is what each case held.\n", cfg.Depth, cfg.Depth)
	case HasDepth(f):
		s += "DEPTH is the messages each case could hold in flight; (native): the transport's own buffering (no --depth).\n"
	}
	if cfg.WorkNs > 0 {
		s += fmt.Sprintf("--work %s: the consumer spun %s on every message; the figures include it.\n", Ns(float64(cfg.WorkNs)), Ns(float64(cfg.WorkNs)))
	}
	sats := SaturationTexts(f)
	if len(sats) == 0 {
		return s
	}
	arrivals := cfg.Arrivals
	if arrivals == "" {
		arrivals = "fixed"
	}
	s += "Rate cases send on a " + arrivals + " schedule at the offered rate and time each message from its intended send time;\n" +
		"a case short of its offered rate is saturated and shows no latency. Highest offered rate with p99 under the SLO (--slo):\n"
	for _, t := range sats {
		s += "  " + t + "\n"
	}
	return s
}
