package flagval

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int
		wantErr string
	}{
		{in: "64", want: 64},
		{in: "4K", want: 4096},
		{in: "4 KiB", want: 4096},
		{in: "1MiB", want: 1 << 20},
		{in: "512B", want: 512},
		{in: "1G", want: 1 << 30},
		{in: "1.5K", wantErr: "not a whole number of bytes"},
		{in: "0.5", wantErr: "not a whole number of bytes"},
		{in: "1.", wantErr: "not a whole number of bytes"},
		{in: "2G", wantErr: "too large"},
		{in: "2000000000", wantErr: "too large"}, // above 1 GiB, below MaxInt32: accepted before
		{in: "1073741824", want: 1 << 30},
		{in: "-99999999999999999999", wantErr: "at least 1 byte"},
		{in: "99999999999999999999", wantErr: "too large"},
		{in: "0", wantErr: "at least 1 byte"},
		{in: "-5", wantErr: "at least 1 byte"},
		{in: "", wantErr: "not a number"},
		{in: "K", wantErr: "not a number"},
		{in: "1e3", wantErr: "unknown unit"},
		{in: "4X", wantErr: "unknown unit"},
		{in: "1..5K", wantErr: "not a number"},
		{in: "4k", want: 4096},
		{in: "4kib", want: 4096},
		{in: "2GiB", wantErr: "too large"},
		{in: "1m", want: 1 << 20},
		{in: "64kb", wantErr: `unit "kb" is ambiguous (1000 or 1024 bytes); write 64K or 64KiB`},
		{in: "64KB", wantErr: `unit "KB" is ambiguous`},
		{in: "64 kB", wantErr: `unit "kB" is ambiguous`},
		{in: "1MB", wantErr: "write 1M or 1MiB"},
		{in: "1gb", wantErr: "accepted units: B, K, KiB, M, MiB, G, GiB"},
		{in: "4Kb", wantErr: "ambiguous"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseSize(%q) = %d, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParsePositiveDuration(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "1h", want: time.Hour},
		{in: "0s", wantErr: "above 0"},
		{in: "-1s", wantErr: "above 0"},
		{in: "61m", wantErr: "at most 1h"},
		{in: "5", wantErr: "not a duration"},
		{in: "", wantErr: "not a duration"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePositiveDuration("duration", tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParsePositiveDuration(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePositiveDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseSize checks that ParseSize never panics, that what it accepts
// lies in 1 byte to 1 GiB, and that it reads back what FormatBytes prints.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64", "4K", "4 KiB", "1MiB", "1G", "1.5K", "-1", "", "99999999999999999999", "1e3", "0x10", "64kb", "1 MB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("ParseSize(%q) = %d with error %v; want 0", s, n, err)
			}
			return
		}
		if n < 1 || n > 1<<30 {
			t.Fatalf("ParseSize(%q) = %d, outside 1 B to 1 GiB", s, n)
		}
		back, err := ParseSize(results.FormatBytes(n))
		if err != nil || back != n {
			t.Fatalf("ParseSize(FormatBytes(%d) = %q) = %d, %v", n, results.FormatBytes(n), back, err)
		}
	})
}

// FuzzParsePositiveDuration checks that ParsePositiveDuration never panics
// and accepts only durations in (0, 1h].
func FuzzParsePositiveDuration(f *testing.F) {
	for _, s := range []string{"500ms", "1s", "1h", "0", "-1s", "1h1ns", "9223372036854775807ns", "5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParsePositiveDuration("duration", s)
		if err != nil {
			return
		}
		if d <= 0 || d > time.Hour {
			t.Fatalf("ParsePositiveDuration(%q) = %v, outside (0, 1h]", s, d)
		}
	})
}

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
			got, err := ParseRates(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "--rate") {
					t.Fatalf("ParseRates(%q) = %v, %v; want an error naming --rate and %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseRates(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseRates checks that ParseRates never panics, and that what it
// accepts is at most MaxRates distinct rates in (0, results.MaxRate].
func FuzzParseRates(f *testing.F) {
	for _, s := range []string{"50k", "10k,50k", "10k:200k:x2", "10k:50k:+20k", "1.5M", "0", "-1", "", "1:1e8:x1.0000001", "inf", "1:2:+", "::", "10k:x2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rates, err := ParseRates(strings.Split(s, ","))
		if err != nil {
			if rates != nil {
				t.Fatalf("ParseRates(%q) = %v with error %v", s, rates, err)
			}
			if !strings.Contains(err.Error(), "--rate") {
				t.Fatalf("ParseRates(%q): error %q does not name --rate", s, err)
			}
			return
		}
		if len(rates) == 0 || len(rates) > MaxRates {
			t.Fatalf("ParseRates(%q): %d rates", s, len(rates))
		}
		seen := map[float64]bool{}
		for _, r := range rates {
			if !(r > 0 && r <= results.MaxRate) || seen[r] {
				t.Fatalf("ParseRates(%q) = %v: %g out of range or twice", s, rates, r)
			}
			seen[r] = true
		}
	})
}
