package cli

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunRateFlags parses run's rate and work flags through the command
// into a plan, and checks that each bad value's error names its flag.
func TestRunRateFlags(t *testing.T) {
	got := &runOptions{}
	if err := runCommand(got).ParseFlags([]string{"--workloads", "rate,stream", "--rate", "10k:40k:x2,100k", "--arrivals", "poisson", "--slo", "2ms", "--work", "20us"}); err != nil {
		t.Fatal(err)
	}
	p, err := got.plan()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Rates, []float64{1e4, 2e4, 4e4, 1e5}) || p.Arrivals != "poisson" || p.SLO != 2*time.Millisecond || p.Work != 20*time.Microsecond {
		t.Errorf("plan rates %v arrivals %q slo %v work %v", p.Rates, p.Arrivals, p.SLO, p.Work)
	}
	got = &runOptions{}
	if err := runCommand(got).ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if p, err = got.plan(); err != nil || !slices.Equal(p.Rates, []float64{1e4}) || p.Arrivals != "uniform" || p.SLO != time.Millisecond || p.Work != 0 {
		t.Errorf("defaults: rates %v arrivals %q slo %v work %v, %v", p.Rates, p.Arrivals, p.SLO, p.Work, err)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"--rate", "fast"}},
		{[]string{"--arrivals", "bursty"}},
		{[]string{"--slo", "0"}},
		{[]string{"--work", "-1us"}},
		{[]string{"--work", "2s"}},
		{[]string{"--work", "1us", "--sample-every", "8"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o := &runOptions{}
			if err := runCommand(o).ParseFlags(tc.args); err != nil {
				t.Fatal(err)
			}
			_, err := o.plan()
			if err == nil || !strings.Contains(err.Error(), tc.args[0]) {
				t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.args[0])
			}
		})
	}
}
