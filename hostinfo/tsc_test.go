package hostinfo

import (
	"strings"
	"testing"
)

// TestTSCEligible: the TSC is used only on amd64 with constant_tsc,
// nonstop_tsc and clocksource tsc, and the reason names what is missing.
func TestTSCEligible(t *testing.T) {
	const good = "processor\t: 0\nflags\t\t: fpu tsc constant_tsc rdtscp nonstop_tsc hypervisor\n"
	for _, c := range []struct {
		name, goarch, cpuinfo, source string
		ok                            bool
		reason                        string // a part of the reason
	}{
		{"eligible", "amd64", good, "tsc", true, "clocksource tsc"},
		{"arm64", "arm64", good, "tsc", false, "GOARCH is arm64"},
		{"no constant_tsc", "amd64", "flags : tsc nonstop_tsc\n", "tsc", false, "lack constant_tsc (/proc/cpuinfo)"},
		{"no flags at all", "amd64", "processor : 0\n", "tsc", false, "lack constant_tsc and nonstop_tsc"},
		{"kvm-clock", "amd64", good, "kvm-clock", false, "clocksource is kvm-clock, not tsc (" + ClockSourcePath + ")"},
		{"hpet", "amd64", good, "hpet", false, "clocksource is hpet"},
		{"unreadable clocksource", "amd64", good, "", false, "clocksource unknown"},
	} {
		ok, reason := tscEligible(c.goarch, cpuFlags(c.cpuinfo), c.source)
		if ok != c.ok || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: %v %q, want %v and a reason holding %q", c.name, ok, reason, c.ok, c.reason)
		}
	}
}
