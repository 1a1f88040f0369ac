package harness

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The measured loop's self-checks (after Lancet, USENIX ATC 2019, which
// refuses to report until samples are stationary and independent): the
// lag-1 autocorrelation of successive samples, from running sums, and the
// CPUs the measuring thread was found on. Both cost the loop a few adds
// and multiplies a sample, or one getcpu every 1024 messages.

// sampleStats keeps running sums of successive samples for their lag-1
// autocorrelation, in O(1) time and space a sample. Samples are taken
// less ref, the previous phase's mean, so that the sums of squares do not
// cancel in float64 where the spread is small against the mean.
type sampleStats struct {
	ref                float64
	n                  uint64
	first, prev        float64 // d_1 and d_n
	sum, sumSq, sumLag float64 // Σd_i, Σd_i², Σd_i·d_{i-1}
}

func (s *sampleStats) add(ns int64) {
	d := float64(ns) - s.ref
	if s.n == 0 {
		s.first = d
	}
	s.n++
	s.sum += d
	s.sumSq += d * d
	s.sumLag += d * s.prev // prev is 0 before the first sample
	s.prev = d
}

// reset empties the sums for a phase, taking the last phase's mean as the
// new reference.
func (s *sampleStats) reset() {
	ref := s.ref
	if s.n > 0 {
		ref += s.sum / float64(s.n)
	}
	*s = sampleStats{ref: ref}
}

// lag1 is the lag-1 autocorrelation, Σ(d_i−m)(d_{i−1}−m) / Σ(d_i−m)²
// over i, with m the mean: near 0 for independent samples, near 1 where
// each sample follows the last (a queue building up), negative where
// they alternate. It is 0 for fewer than 3 samples or no spread.
func (s *sampleStats) lag1() float64 {
	if s.n < 3 {
		return 0
	}
	n := float64(s.n)
	m := s.sum / n
	den := s.sumSq - n*m*m
	if den <= 0 {
		return 0
	}
	// Σ_{i≥2} d_i·d_{i−1} − m·(Σ_{i≥2} d_i + Σ_{i<n} d_i) + (n−1)·m²
	num := s.sumLag - m*(2*s.sum-s.first-s.prev) + (n-1)*m*m
	return num / den
}

// cpuSet is the CPUs a measuring thread was found on, as a bitmap of the
// first 1024 (a CPU above is not recorded).
type cpuSet struct {
	bits [1024 / 64]uint64
	cpu  uint32 // getcpu's answer
}

// note adds the CPU this thread runs on. It is a raw getcpu(2): about
// 0.1–0.3 µs once in 1024 messages, with no hand-off of the P.
func (c *cpuSet) note() {
	_, _, e := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&c.cpu)), 0, 0)
	if e == 0 && c.cpu < 1024 {
		c.bits[c.cpu/64] |= 1 << (c.cpu % 64)
	}
}

// list is the CPUs noted, in order.
func (c *cpuSet) list() []int {
	var out []int
	for i, w := range c.bits {
		for b := range 64 {
			if w&(1<<b) != 0 {
				out = append(out, i*64+b)
			}
		}
	}
	return out
}
