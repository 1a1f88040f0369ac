package harness

import (
	"context"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// TestSummarizeWork: the case records the work its consumer (or echoer)
// did per message, as timed after the window, and is flagged WORK where
// that is off by more than results.WorkLimit from what was asked: the
// calibration on the fastest run made a 20 µs work run 20.1-21.4 µs,
// with only the 20 µs recorded.
func TestSummarizeWork(t *testing.T) {
	for _, tc := range []struct {
		name         string
		workNs       int64
		doneNs       float64
		wantMeasured float64
		flag         string
	}{
		{"no work", 0, 0, 0, ""},
		{"within the limit", 20_000, 20_100, 20_100, ""},
		{"longer than asked", 20_000, 21_400, 21_400, "work 21.4 µs per message for 20.0 µs asked (+7 %)"},
		{"shorter than asked", 20_000, 18_000, 18_000, "work 18.0 µs per message for 20.0 µs asked (-10 %)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out results.Case
			summarizeWork(Case{WorkNs: tc.workNs}, []Report{{}, {WorkDoneNs: tc.doneNs}}, &out)
			var flags []string
			for _, f := range out.Flags {
				if f.Name != results.FlagWork {
					t.Errorf("flag %q, want %q", f.Name, results.FlagWork)
				}
				flags = append(flags, f.Detail)
			}
			if out.WorkMeasuredNs != tc.wantMeasured || strings.Join(flags, "; ") != tc.flag {
				t.Errorf("work measured %g ns, flags %q; want %g, %q", out.WorkMeasuredNs, flags, tc.wantMeasured, tc.flag)
			}
		})
	}
}

// TestWorkIsTimedAfterTheWindow: a run with --work records the work as
// done, timed on the side that does it; a run without records none.
func TestWorkIsTimedAfterTheWindow(t *testing.T) {
	for _, tc := range []struct {
		workload string
		workNs   int64
	}{{"pingpong", 20_000}, {"stream", 20_000}, {"pingpong", 0}} {
		t.Run(tc.workload, func(t *testing.T) {
			r := RunCase(context.Background(), Case{Transport: "pipe", Workload: tc.workload, SizeBytes: 64, Count: 500, WorkNs: tc.workNs})
			if r.Status != results.StatusOK {
				t.Fatalf("status %s: %s", r.Status, r.Reason)
			}
			if (r.WorkMeasuredNs > 0) != (tc.workNs > 0) {
				t.Errorf("--work %d ns: work measured %g ns", tc.workNs, r.WorkMeasuredNs)
			}
		})
	}
}
