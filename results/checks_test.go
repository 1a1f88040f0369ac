package results_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// TestChangeText: a change reads as a percentage up to a doubling or a
// halving, and as a factor beyond.
func TestChangeText(t *testing.T) {
	for _, tc := range []struct {
		r    float64
		want string
	}{
		{0.13, "+13 %"},
		{-0.15, "-15 %"},
		{0, "+0 %"},
		{1.0, "+100 %"},
		{1.01, "×2.01"},
		{11.3, "×12.3"},
		{1624.51, "×1626"},
		{-0.5, "-50 %"},
		{-0.75, "÷4"},
		{-0.999, "÷1000"},
		{-1, "-100 %"},
	} {
		if got := results.ChangeText(tc.r); got != tc.want {
			t.Errorf("ChangeText(%g) = %q, want %q", tc.r, got, tc.want)
		}
	}
	if got, want := results.DriftDetail(1624.51), "p50 ×1626 from the first half of the window to the second"; got != want {
		t.Errorf("DriftDetail: %q, want %q", got, want)
	}
}

// TestOlderRunQueueFlags: a file of an older ipcbench summed the workers'
// run-queue waits into its NOISY detail; read, it gives the larger
// worker's share and side, and drops the flag where neither worker waited
// beyond the limit.
func TestOlderRunQueueFlags(t *testing.T) {
	for _, tc := range []struct {
		name         string
		waitA, waitB int64 // ns, of a 1 ms window
		want         string
	}{
		{"summed beyond 100 %", 520_000, 510_000, " NOISY (run-queue wait 52 % (side a)) DRIFT (p50 +13 %)"},
		{"side b the larger", 100_000, 400_000, " NOISY (run-queue wait 40 % (side b)) DRIFT (p50 +13 %)"},
		{"each within the limit", 80_000, 70_000, " DRIFT (p50 +13 %)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := resultstest.File(time.Unix(1e9, 0), "abc", resultstest.Case("pipe", 64, 20000))
			c := &f.Cases[0]
			c.WindowNs = 1e6
			c.Interference = &results.Interference{RunQueueWaitNsPerMsg: new(float64(tc.waitA+tc.waitB) / float64(c.Messages))}
			c.Workers = []results.Worker{{Side: "a", RunQueueWaitNs: new(tc.waitA)}, {Side: "b", RunQueueWaitNs: new(tc.waitB)}}
			summed := 100 * float64(tc.waitA+tc.waitB) / 1e6
			c.Flags = []results.Flag{{Name: results.FlagNoisy, Detail: fmt.Sprintf("run-queue wait %.0f %%", summed)},
				{Name: results.FlagDrift, Detail: "p50 +13 %"}}
			var b bytes.Buffer
			if err := results.Encode(&b, f); err != nil {
				t.Fatal(err)
			}
			read, err := results.Parse("older.json", b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got := format.Flags(read.Cases[0].Flags); got != tc.want {
				t.Errorf("flags %q, want %q", got, tc.want)
			}
		})
	}
}
