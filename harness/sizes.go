package harness

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseSize reads a message size: a positive count of bytes with an optional
// binary suffix, e.g. 64, 4K, 4KiB, 1M, 1MiB, 512B. K, M and G are powers of 1024.
func ParseSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRightFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	suffix := strings.ToLower(strings.TrimSpace(t[len(num):]))
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
		return 0, fmt.Errorf("size %q: unknown unit %q; want a byte count such as 64, 4K, 4KiB or 1M", s, suffix)
	}
	if num == "" {
		return 0, fmt.Errorf("size %q: not a number; want a byte count such as 64, 4K, 4KiB or 1M", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt32/mult {
		return 0, fmt.Errorf("size %q: too large; the largest message ipcbench handles is 1 GiB", s)
	}
	if n <= 0 {
		return 0, fmt.Errorf("size %q: must be at least 1 byte", s)
	}
	return int(n * mult), nil
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
