package harness

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxSizeBytes is the largest message ipcbench handles: 1 GiB.
const MaxSizeBytes = 1 << 30

const sizeExamples = "want a whole number of bytes with an optional unit, such as 64, 4K, 4KiB or 1M"

// ParseSize reads a message size: a positive count of bytes with an optional
// binary suffix, e.g. 64, 4K, 4KiB, 1M, 1MiB, 512B. K, M and G are powers of
// 1024. Fractions (1.5K) are refused: the count is written whole.
func ParseSize(s string) (int, error) {
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
	case err != nil || n > MaxSizeBytes/mult:
		return 0, fmt.Errorf("size %q: too large; the largest message ipcbench handles is 1 GiB (%d bytes)", s, MaxSizeBytes)
	}
	return int(n * mult), nil
}

// fractionError says why a size with a decimal point is refused, and what
// to write instead where the value is a whole number of bytes after all.
func fractionError(s, num string, mult int64) error {
	v, err := strconv.ParseFloat(num, 64)
	bytes := v * float64(mult)
	if err == nil && bytes >= 1 && bytes <= MaxSizeBytes && bytes == float64(int64(bytes)) {
		return fmt.Errorf("size %q: not a whole number of bytes as written; write the count whole, e.g. %d", s, int64(bytes))
	}
	return fmt.Errorf("size %q: not a whole number of bytes; %s", s, sizeExamples)
}

// ParsePositiveDuration reads a duration flag that must be above zero and
// at most an hour.
func ParsePositiveDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--%s %q: not a duration; want e.g. 500ms, 1s, 2m", flag, s)
	}
	if d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("--%s %q: must be above 0 and at most 1h", flag, s)
	}
	return d, nil
}
