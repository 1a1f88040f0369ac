package hostinfo

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// ClockSourcePath is where the kernel names the clock source behind
// CLOCK_MONOTONIC.
const ClockSourcePath = "/sys/devices/system/clocksource/clocksource0/current_clocksource"

// TSC says whether the measured loops may read the CPU's time-stamp
// counter instead of CLOCK_MONOTONIC, and why: the counter must tick at a
// constant rate whatever the CPU's frequency (constant_tsc), keep ticking
// in deep idle states (nonstop_tsc), and be what the kernel itself keeps
// time with (clocksource tsc), which it chooses only once it has found the
// counters synchronized across CPUs. A stream's producer stamps on one CPU
// and its consumer subtracts on another, so the last matters most.
// Reason names what is missing, or what was found.
func TSC() (ok bool, reason string) {
	info, _ := os.ReadFile("/proc/cpuinfo")
	return tscEligible(runtime.GOARCH, cpuFlags(string(info)), readClockSource())
}

// tscEligible decides TSC from the architecture, the CPU flags
// (/proc/cpuinfo) and the current clock source.
func tscEligible(goarch string, flags map[string]bool, clockSource string) (bool, string) {
	if goarch != "amd64" {
		return false, fmt.Sprintf("GOARCH is %s: the TSC is read on amd64 only", goarch)
	}
	var missing []string
	for _, f := range []string{"constant_tsc", "nonstop_tsc"} {
		if !flags[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return false, fmt.Sprintf("the CPU flags lack %s (/proc/cpuinfo): the TSC may change rate or stop", strings.Join(missing, " and "))
	}
	switch clockSource {
	case "tsc":
		return true, "constant_tsc, nonstop_tsc and clocksource tsc"
	case "":
		return false, fmt.Sprintf("clocksource unknown (%s unreadable): the TSC may not be synchronized across CPUs", ClockSourcePath)
	}
	return false, fmt.Sprintf("clocksource is %s, not tsc (%s): the kernel does not trust the TSC across CPUs", clockSource, ClockSourcePath)
}

// readClockSource is the current clock source's name, "" where unreadable.
func readClockSource() string {
	b, err := os.ReadFile(ClockSourcePath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// cpuFlags is the set of flags on /proc/cpuinfo's first "flags" line.
func cpuFlags(cpuinfo string) map[string]bool {
	for line := range strings.Lines(cpuinfo) {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "flags" {
			continue
		}
		set := map[string]bool{}
		for _, f := range strings.Fields(v) {
			set[f] = true
		}
		return set
	}
	return nil
}
