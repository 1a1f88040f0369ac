package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
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
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseSize(%q) = %d, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
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
			got, err := parsePositiveDuration("duration", tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parsePositiveDuration(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parsePositiveDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseSize checks that parseSize never panics, that what it accepts
// lies in 1 byte to 1 GiB, and that it reads back what FormatBytes prints.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64", "4K", "4 KiB", "1MiB", "1G", "1.5K", "-1", "", "99999999999999999999", "1e3", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("parseSize(%q) = %d with error %v; want 0", s, n, err)
			}
			return
		}
		if n < 1 || n > 1<<30 {
			t.Fatalf("parseSize(%q) = %d, outside 1 B to 1 GiB", s, n)
		}
		back, err := parseSize(results.FormatBytes(n))
		if err != nil || back != n {
			t.Fatalf("parseSize(FormatBytes(%d) = %q) = %d, %v", n, results.FormatBytes(n), back, err)
		}
	})
}

// FuzzParsePositiveDuration checks that parsePositiveDuration never panics
// and accepts only durations in (0, 1h].
func FuzzParsePositiveDuration(f *testing.F) {
	for _, s := range []string{"500ms", "1s", "1h", "0", "-1s", "1h1ns", "9223372036854775807ns", "5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parsePositiveDuration("duration", s)
		if err != nil {
			return
		}
		if d <= 0 || d > time.Hour {
			t.Fatalf("parsePositiveDuration(%q) = %v, outside (0, 1h]", s, d)
		}
	})
}

// TestRunHelpListsOptIns: run --help names every transport and workload
// that runs only when named, as the registries say.
func TestRunHelpListsOptIns(t *testing.T) {
	_, stdout, _ := runCLI("run", "--help")
	for _, reg := range []struct{ all, defaults []string }{
		{transports.Names(), transports.Defaults()},
		{workloads.Names(), workloads.Defaults()},
	} {
		for _, name := range reg.all {
			if !strings.Contains(stdout, name) {
				t.Errorf("run --help does not name %s", name)
			}
		}
		if len(reg.defaults) == len(reg.all) {
			t.Errorf("no opt-in member in %v", reg.all)
		}
	}
	if !strings.Contains(stdout, "opt-in, run only when named: rate, stream-inplace, fanin, relay") {
		t.Errorf("run --help does not list the opt-in workloads:\n%s", stdout)
	}
}
