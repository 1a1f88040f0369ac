package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteCandidate is candidate written straight from Matteson and James's
// definition, every sum recomputed for every (tau, kappa).
func bruteCandidate(z []float64, minSeg int) int {
	within := func(a, b int) float64 {
		sum := 0.0
		for i := a; i < b; i++ {
			for j := i + 1; j < b; j++ {
				sum += math.Abs(z[i] - z[j])
			}
		}
		return sum
	}
	best, bestTau := math.Inf(-1), 0
	for tau := minSeg; tau <= len(z)-minSeg; tau++ {
		for kappa := tau + minSeg; kappa <= len(z); kappa++ {
			n, m := float64(tau), float64(kappa-tau)
			cross := 0.0
			for i := 0; i < tau; i++ {
				for j := tau; j < kappa; j++ {
					cross += math.Abs(z[i] - z[j])
				}
			}
			q := 2/(n+m)*cross - 2*m/((n+m)*(n-1))*within(0, tau) - 2*n/((n+m)*(m-1))*within(tau, kappa)
			if q > best {
				best, bestTau = q, tau
			}
		}
	}
	return bestTau
}

// TestCandidateMatchesDefinition checks the one-pass statistic against
// the definition, on intervals at the start of a series and inside it.
func TestCandidateMatchesDefinition(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		z := make([]float64, 40)
		for i := range z {
			z[i] = rng.NormFloat64()
			if i > 25 {
				z[i] += 0.5
			}
		}
		want := bruteCandidate(z, 5)
		for _, offset := range []int{0, 7} {
			d := divider{values: append(make([]float64, offset), z...), alpha: DefaultChangeAlpha, minSeg: 5}
			if got, _ := d.candidate(offset, offset+len(z)); got != want+offset {
				t.Errorf("seed %d, offset %d: candidate %d, want %d", seed, offset, got, want+offset)
			}
		}
	}
}
