package cli

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
)

func TestParseRates(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		want    []float64
		wantErr string
	}{
		{in: []string{"50k"}, want: []float64{50000}},
		{in: []string{"10k", "50k"}, want: []float64{10000, 50000}},
		{in: []string{"1500", "1.5M", "2e3"}, want: []float64{1500, 1.5e6, 2000}},
		{in: []string{"10k:200k:x2"}, want: []float64{1e4, 2e4, 4e4, 8e4, 16e4}},
		{in: []string{"10k:160k:x2"}, want: []float64{1e4, 2e4, 4e4, 8e4, 16e4}},
		{in: []string{"10k:12.1k:x1.1"}, want: []float64{1e4, 1.1e4, 1.21e4}},
		{in: []string{"10k:50k:+20k"}, want: []float64{1e4, 3e4, 5e4}},
		{in: []string{"5k:5k:x2"}, want: []float64{5000}},
		{in: []string{"1k", "2k:4k:x2"}, want: []float64{1e3, 2e3, 4e3}},
		{in: nil, wantErr: "no rate"},
		{in: []string{""}, wantErr: "not a rate"},
		{in: []string{"0"}, wantErr: "above 0"},
		{in: []string{"-5k"}, wantErr: "above 0"},
		{in: []string{"1G"}, wantErr: "not a rate"},
		{in: []string{"1e9"}, wantErr: "at most"},
		{in: []string{"inf"}, wantErr: "not a rate"},
		{in: []string{"NaN"}, wantErr: "not a rate"},
		{in: []string{"0x10"}, wantErr: "not a rate"},
		{in: []string{"10k", "10000"}, wantErr: "twice"},
		{in: []string{"10k:200k"}, wantErr: "sweep"},
		{in: []string{"200k:10k:x2"}, wantErr: "ends below"},
		{in: []string{"10k:200k:x1"}, wantErr: "factor"},
		{in: []string{"10k:200k:2"}, wantErr: "neither"},
		{in: []string{"10k:200k:+0"}, wantErr: "above 0"},
		{in: []string{"1:100M:+1"}, wantErr: "more than"},
	} {
		t.Run(strings.Join(tc.in, ","), func(t *testing.T) {
			got, err := parseRates(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "--rate") {
					t.Fatalf("parseRates(%q) = %v, %v; want an error naming --rate and %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("parseRates(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseRates checks that parseRates never panics, and that what it
// accepts is at most maxRates distinct rates in (0, harness.MaxRate].
func FuzzParseRates(f *testing.F) {
	for _, s := range []string{"50k", "10k,50k", "10k:200k:x2", "10k:50k:+20k", "1.5M", "0", "-1", "", "1:1e8:x1.0000001", "inf", "1:2:+", "::", "10k:x2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rates, err := parseRates(strings.Split(s, ","))
		if err != nil {
			if rates != nil {
				t.Fatalf("parseRates(%q) = %v with error %v", s, rates, err)
			}
			if !strings.Contains(err.Error(), "--rate") {
				t.Fatalf("parseRates(%q): error %q does not name --rate", s, err)
			}
			return
		}
		if len(rates) == 0 || len(rates) > maxRates {
			t.Fatalf("parseRates(%q): %d rates", s, len(rates))
		}
		seen := map[float64]bool{}
		for _, r := range rates {
			if !(r > 0 && r <= harness.MaxRate) || seen[r] {
				t.Fatalf("parseRates(%q) = %v: %g out of range or twice", s, rates, r)
			}
			seen[r] = true
		}
	})
}

// TestRunRateFlags parses run's rate and work flags through the command
// into a plan, and checks that each bad value's error names its flag.
func TestRunRateFlags(t *testing.T) {
	got := &RunOptions{}
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
	got = &RunOptions{}
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
			o := &RunOptions{}
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
