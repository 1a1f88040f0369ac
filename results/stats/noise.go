package stats

import (
	"fmt"

	"github.com/ipcbench/ipcbench/results"
	mstats "github.com/montanaflynn/stats"
)

// NoisyCV is the coefficient of variation of a case's p50 across
// repetitions above which a run counts as taken on a noisy host.
const NoisyCV = 0.10

// NoiseWarnings says why a run's figures may be noisy: busy-host findings
// taken before it, and cases whose p50 varied across repetitions by more
// than NoisyCV.
func NoiseWarnings(f *results.File) []string {
	var out []string
	for _, h := range f.Host.Findings {
		if h.Topic == "load" && h.Warn {
			out = append(out, fmt.Sprintf("host before the run: %s %s (%s)", h.Name, h.Value, h.Effect))
		}
	}
	p50, _ := MetricByName("p50")
	for _, c := range f.Cases {
		if c.Status != results.StatusOK || len(c.Repetitions) < 3 {
			continue
		}
		v := Samples(c, p50)
		mean, _ := mstats.Mean(v)
		sd, _ := mstats.StandardDeviationSample(v)
		if mean > 0 && sd/mean > NoisyCV {
			out = append(out, fmt.Sprintf("%s: p50 varied %.0f%% (coefficient of variation) across %d repetitions", c.Key(), 100*sd/mean, len(v)))
		}
	}
	return out
}
