package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/harness"
)

const sizeExamples = "want a whole number of bytes with an optional unit, such as 64, 4K, 4KiB or 1M"

// parseSize reads a message size: a positive count of bytes with an optional
// binary suffix, e.g. 64, 4K, 4KiB, 1M, 1MiB, 512B. K, M and G are powers of
// 1024. Fractions (1.5K) are refused: the count is written whole.
func parseSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, suffix := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult := int64(1)
	switch suffix {
	case "", "b":
	case "k", "kb", "kib":
		mult = 1 << 10
	case "m", "mb", "mib":
		mult = 1 << 20
	case "g", "gb", "gib":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("size %q: unknown unit %q; %s", s, suffix, sizeExamples)
	}
	digits := strings.TrimLeft(num, "+-")
	if strings.Trim(digits, ".") == "" || strings.Count(digits, ".") > 1 {
		return 0, fmt.Errorf("size %q: not a number; %s", s, sizeExamples)
	}
	if strings.Contains(digits, ".") {
		return 0, fractionError(s, num, mult)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("size %q: not a number; %s", s, sizeExamples)
	case n <= 0 && (err == nil || strings.HasPrefix(num, "-")):
		return 0, fmt.Errorf("size %q: must be at least 1 byte", s)
	case err != nil || n > harness.MaxSizeBytes/mult:
		return 0, fmt.Errorf("size %q: too large; the largest message ipcbench handles is 1 GiB (%d bytes)", s, harness.MaxSizeBytes)
	}
	return int(n * mult), nil
}

// fractionError says why a size with a decimal point is refused, and what
// to write instead where the value is a whole number of bytes after all.
func fractionError(s, num string, mult int64) error {
	v, err := strconv.ParseFloat(num, 64)
	bytes := v * float64(mult)
	if err == nil && bytes >= 1 && bytes <= harness.MaxSizeBytes && bytes == float64(int64(bytes)) {
		return fmt.Errorf("size %q: not a whole number of bytes as written; write the count whole, e.g. %d", s, int64(bytes))
	}
	return fmt.Errorf("size %q: not a whole number of bytes; %s", s, sizeExamples)
}

// parsePositiveDuration reads a duration flag that must be above zero and
// at most an hour.
func parsePositiveDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--%s %q: not a duration; want e.g. 500ms, 1s, 2m", flag, s)
	}
	if d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("--%s %q: must be above 0 and at most 1h", flag, s)
	}
	return d, nil
}

// planFlags names the run flag that sets each field of a harness.Plan.
var planFlags = map[string]string{
	"Transports": "--transports", "Workloads": "--workloads", "SizesBytes": "--sizes",
	"Duration": "--duration", "Warmup": "--warmup", "Producers": "--producers",
	"CPUs": "--cpus", "SendDelay": "--test-send-delay", "Repeat": "--repeat",
}

// planUsageError says what harness.Plan.Validate found wrong in the flags'
// terms, as a usage error.
func planUsageError(err error) error {
	var pe *harness.PlanError
	switch {
	case errors.Is(err, harness.ErrNothingToRun):
		return usagef("nothing to run: --transports, --workloads and --sizes each need at least one value")
	case errors.As(err, &pe) && pe.Value != "":
		return usagef("%s %s: %s", planFlags[pe.Field], pe.Value, pe.Reason)
	case errors.As(err, &pe):
		return usagef("%s: %s", planFlags[pe.Field], pe.Reason)
	}
	return usageError{err}
}

// registryHelp is the help of a flag that names members of a registry:
// which run only when named (the defaults are pflag's to print).
func registryHelp(what string, all, defaults []string) string {
	optIn := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return slices.Contains(defaults, n) })
	return fmt.Sprintf("%s to run, comma-separated (see ipcbench list); opt-in, run only when named: %s", what, strings.Join(optIn, ", "))
}
