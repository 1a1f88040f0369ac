package results

import (
	"fmt"
	"strconv"
)

// CaseKey names a case by what compare, history, tables and error messages
// match it on: transport, workload, message size and, for the open-loop
// rate workload, the offered rate, so that two rates are never pooled.
type CaseKey struct {
	Transport string
	Workload  string
	SizeBytes int
	Rate      float64 // offered msgs/s; 0 for a closed-loop workload
}

// Key returns the case's key.
func (c Case) Key() CaseKey {
	return CaseKey{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes, Rate: c.OfferedRate}
}

// Key returns the key of the case the matrix ran.
func (m PairMatrix) Key() CaseKey {
	return CaseKey{Transport: m.Transport, Workload: m.Workload, SizeBytes: m.SizeBytes}
}

// String prints the key as transport/workload/size, pipe/pingpong/64 B,
// with the offered rate after the workload where there is one:
// pipe/rate@50k/64 B.
func (k CaseKey) String() string {
	wl := k.Workload
	if k.Rate > 0 {
		wl += "@" + formatRate(k.Rate)
	}
	return k.Transport + "/" + wl + "/" + FormatBytes(k.SizeBytes)
}

// formatRate prints msgs/s as --rate takes it: 500, 50k, 1.5M.
func formatRate(r float64) string {
	switch {
	case r >= 1e6:
		return strconv.FormatFloat(r/1e6, 'g', -1, 64) + "M"
	case r >= 1e3:
		return strconv.FormatFloat(r/1e3, 'g', -1, 64) + "k"
	}
	return strconv.FormatFloat(r, 'g', -1, 64)
}

// exact prints the size in bytes, as any number may be before validation.
func (k CaseKey) exact() string { return fmt.Sprintf("%s/%s/%d", k.Transport, k.Workload, k.SizeBytes) }

// FormatBytes prints a size: 64 B, 4 KiB, 1 MiB. It lives with the schema
// because a case's key, --sizes and every table name sizes this way.
func FormatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
