package stats

import (
	"math"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

func TestChangeInterval(t *testing.T) {
	ci := func(lo, hi float64) *results.Interval { return &results.Interval{Lo: lo, Hi: hi} }
	for _, c := range []struct {
		name      string
		base, new SummaryInterval
		lo, hi    float64
		ok        bool
	}{
		{"both intervals", SummaryInterval{Median: 100, CI95: ci(90, 110)}, SummaryInterval{Median: 120, CI95: ci(108, 132)}, 108.0/110 - 1, 132.0/90 - 1, true},
		{"no change", SummaryInterval{Median: 10, CI95: ci(10, 10)}, SummaryInterval{Median: 10, CI95: ci(10, 10)}, 0, 0, true},
		{"base without interval", SummaryInterval{Median: 100}, SummaryInterval{Median: 120, CI95: ci(108, 132)}, 0, 0, false},
		{"new without interval", SummaryInterval{Median: 100, CI95: ci(90, 110)}, SummaryInterval{Median: 120}, 0, 0, false},
		{"base interval at zero", SummaryInterval{Median: 0, CI95: ci(0, 0)}, SummaryInterval{Median: 1, CI95: ci(1, 1)}, 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Delta{Base: c.base, New: c.new, DeltaPct: 7}
			pct, lo, hi, ok := d.ChangeInterval()
			if pct != 7 || ok != c.ok || math.Abs(lo-100*c.lo) > 1e-9 || math.Abs(hi-100*c.hi) > 1e-9 {
				t.Errorf("ChangeInterval() = %g, %g, %g, %v; want 7, %g, %g, %v", pct, lo, hi, ok, 100*c.lo, 100*c.hi, c.ok)
			}
		})
	}
}

func TestDefaultCompareOptions(t *testing.T) {
	o := DefaultCompareOptions()
	if len(o.Metrics) != len(DefaultCompareMetrics) || !o.LeaveOutThinTails || o.Threshold != 0.05 || o.Alpha != 0.05 {
		t.Errorf("DefaultCompareOptions() = %+v", o)
	}
}
