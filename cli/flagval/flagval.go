// Package flagval reads the values of ipcbench run's flags that are more
// than a word: message sizes (64, 4KiB, 1M), bounded durations and offered
// rates with sweeps (10k:200k:x2). Each error names the flag and shows what
// to write. It is apart from cli so that its fuzz targets link only what
// they test: a fuzzed binary snapshots the coverage of every package it
// links on each execution, and cli links the results store.
package flagval

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

const sizeExamples = "want a whole number of bytes with an optional unit B, K, KiB, M, MiB, G or GiB (powers of 1024), such as 64, 4K, 4KiB or 1M"

// ParseSize reads a message size: a positive count of bytes with an optional
// binary suffix, e.g. 64, 4K, 4KiB, 1M, 1MiB, 512B. K, M and G (any case)
// are powers of 1024, as KiB, MiB and GiB are. KB, MB and GB (any case) are
// refused: kB is 1000 bytes in SI and 1024 to many tools, and a size read
// the other way measures another case. Fractions (1.5K) are refused: the
// count is written whole.
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
	case "k", "kib":
		mult = 1 << 10
	case "m", "mib":
		mult = 1 << 20
	case "g", "gib":
		mult = 1 << 30
	case "kb", "mb", "gb":
		return 0, ambiguousUnit(s, num, t[i:])
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
	case err != nil || n > results.MaxSizeBytes/mult:
		return 0, fmt.Errorf("size %q: too large; the largest message ipcbench handles is 1 GiB (%d bytes)", s, results.MaxSizeBytes)
	}
	return int(n * mult), nil
}

// ambiguousUnit refuses a decimal-looking unit (KB, MB, GB), naming both
// readings of the size and how to write each.
func ambiguousUnit(s, num, unit string) error {
	unit = strings.TrimSpace(unit)
	binary := strings.ToUpper(unit[:1])
	return fmt.Errorf("size %q: unit %q is ambiguous (1000 or 1024 bytes); write %s%s or %s%siB for powers of 1024, or the count of bytes in full; accepted units: B, K, KiB, M, MiB, G, GiB",
		s, unit, num, binary, num, binary)
}

// fractionError says why a size with a decimal point is refused, and what
// to write instead where the value is a whole number of bytes after all.
func fractionError(s, num string, mult int64) error {
	v, err := strconv.ParseFloat(num, 64)
	bytes := v * float64(mult)
	if err == nil && bytes >= 1 && bytes <= results.MaxSizeBytes && bytes == float64(int64(bytes)) {
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

const rateExamples = "want rates in msgs/s such as 50k, a list 10k,50k, or a sweep start:end:xFACTOR or start:end:+STEP such as 10k:200k:x2"

// MaxRates bounds the cases one --rate makes.
const MaxRates = 1000

// ParseRates reads run --rate: each value a rate in messages per second
// with an optional SI suffix (k = 10^3, M = 10^6; 1.5k is 1500), or a
// sweep start:end:xFACTOR (geometric) or start:end:+STEP (arithmetic)
// from start up to end inclusive. Every rate lies in (0, results.MaxRate],
// none twice.
func ParseRates(values []string) ([]float64, error) {
	var out []float64
	seen := map[float64]bool{}
	for _, v := range values {
		rates, err := parseRateValue(v)
		if err != nil {
			return nil, err
		}
		for _, r := range rates {
			if seen[r] {
				return nil, fmt.Errorf("--rate %q: %g msgs/s given twice", v, r)
			}
			seen[r] = true
			if out = append(out, r); len(out) > MaxRates {
				return nil, fmt.Errorf("--rate %q: more than %d rates", v, MaxRates)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--rate: no rate; %s", rateExamples)
	}
	return out, nil
}

// parseRateValue reads one --rate value: a rate or a sweep.
func parseRateValue(v string) ([]float64, error) {
	parts := strings.Split(strings.TrimSpace(v), ":")
	switch len(parts) {
	case 1:
		r, err := parseRate(v, parts[0])
		return []float64{r}, err
	case 3:
	default:
		return nil, fmt.Errorf("--rate %q: %s", v, rateExamples)
	}
	start, err := parseRate(v, parts[0])
	if err != nil {
		return nil, err
	}
	end, err := parseRate(v, parts[1])
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, fmt.Errorf("--rate %q: the sweep ends below its start", v)
	}
	by := strings.TrimSpace(parts[2])
	if len(by) < 2 || by[0] != 'x' && by[0] != '+' {
		return nil, fmt.Errorf("--rate %q: the sweep's step %q is neither xFACTOR nor +STEP; %s", v, by, rateExamples)
	}
	var next func(i int) float64
	if by[0] == 'x' {
		f, err := strconv.ParseFloat(by[1:], 64)
		if err != nil || !(f > 1 && f <= 1e3) {
			return nil, fmt.Errorf("--rate %q: factor %q, want a number above 1 and at most 1000", v, by)
		}
		next = func(i int) float64 { return start * math.Pow(f, float64(i)) }
	} else {
		step, err := parseRate(v, by[1:])
		if err != nil {
			return nil, err
		}
		next = func(i int) float64 { return start + step*float64(i) }
	}
	var out []float64
	for i := 0; ; i++ {
		r := math.Round(next(i)*1e6) / 1e6 // 10k×1.1² is 12100, not 12100.000000000002
		if r > end*(1+1e-9) {
			return out, nil
		}
		if len(out) == MaxRates {
			return nil, fmt.Errorf("--rate %q: the sweep makes more than %d rates", v, MaxRates)
		}
		out = append(out, r)
	}
}

// parseRate reads one rate of the --rate value v.
func parseRate(v, s string) (float64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			mult, t = 1e3, t[:n-1]
		case 'M':
			mult, t = 1e6, t[:n-1]
		}
	}
	r, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "xXpPiInN_") { // decimal only: no hex, inf, nan or digit separators
		return 0, fmt.Errorf("--rate %q: %q is not a rate; %s", v, s, rateExamples)
	}
	r *= mult
	if !(r > 0 && r <= results.MaxRate) {
		return 0, fmt.Errorf("--rate %q: %s msgs/s, want above 0 and at most %g", v, strings.TrimSpace(s), results.MaxRate)
	}
	return r, nil
}
