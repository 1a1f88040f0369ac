// Package resultstest builds synthetic results files with known
// distributions, for tests of aggregation, compare, history and the
// renderings, and seeds for the fuzz targets that read results files.
package resultstest

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
)

// Case returns an ok pingpong case whose repetitions have the given p50
// latencies in ns; the other metrics follow from p50 (throughput is the
// inverse of p50, p99 twice p50, cpu per message half of it), so that a
// slowdown shows in every metric the same way.
func Case(transport string, sizeBytes int, p50Ns ...float64) results.Case {
	c := results.Case{Transport: transport, Workload: "pingpong", SizeBytes: sizeBytes, Status: results.StatusOK,
		SyscallsPerMsg: 2, CopiesPerMsg: 2}
	for _, p := range p50Ns {
		c.Repetitions = append(c.Repetitions, results.Repetition{
			Messages: 1000, WindowNs: int64(1000 * p),
			P50Ns: p, P90Ns: 1.5 * p, P99Ns: 2 * p, P999Ns: 4 * p, MeanNs: 1.1 * p,
			MsgsPerSec: 2e9 / p, MBPerSec: 2e9 / p * float64(sizeBytes) / 1e6,
			CPUNsPerMsg: p / 2, SyscallsPerMsg: 2, CopiesPerMsg: 2,
		})
	}
	if len(p50Ns) > 0 {
		r := c.Repetitions[len(p50Ns)/2]
		c.Latency = results.Latency{P50Ns: int64(r.P50Ns), P90Ns: int64(r.P90Ns), P99Ns: int64(r.P99Ns),
			P999Ns: int64(r.P999Ns), MeanNs: r.MeanNs}
		c.MsgsPerSec, c.MBPerSec, c.CPUNsPerMsg = r.MsgsPerSec, r.MBPerSec, r.CPUNsPerMsg
	}
	return c
}

// Noisy returns n values around center with a relative spread of ±spread,
// drawn from a generator seeded with seed, so that tests are repeatable.
func Noisy(seed uint64, n int, center, spread float64) []float64 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	v := make([]float64, n)
	for i := range v {
		v[i] = center * (1 + spread*(2*r.Float64()-1))
	}
	return v
}

// File wraps cases into a results file started at the given time.
func File(started time.Time, commit string, cases ...results.Case) *results.File {
	return &results.File{Schema: results.Schema, StartedAt: started, FinishedAt: started.Add(time.Minute),
		Host:   results.Host{Hostname: "synthetic", Kernel: "Linux test", Commit: commit},
		Config: results.Config{Repeat: len(cases[0].Repetitions), Label: "L" + commit}, Cases: cases}
}

// Mixed returns a small file of every status: an ok pipe pingpong case
// with a latency histogram, a skipped case whose reason holds a "|", and a
// failed case.
func Mixed() *results.File {
	h := hdrhistogram.New(1, 3600e9, 3)
	for v := int64(20000); v < 30000; v += 7 {
		h.RecordValue(v)
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		panic(err)
	}
	return &results.File{Schema: results.Schema, Host: results.Host{Kernel: "Linux test"}, Cases: []results.Case{
		{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK, Messages: 100,
			Latency: results.Summarize(h), HistogramHDR: string(enc), MsgsPerSec: 90000, CopiesPerMsg: 2, SyscallsPerMsg: 2},
		{Transport: "pipe", Workload: "stream", SizeBytes: 1, Status: results.StatusSkipped, Reason: "too small | really"},
		{Transport: "tcp", Workload: "stream", SizeBytes: 64, Status: results.StatusFailed, Reason: "side b died"},
	}}
}

// FuzzSeeds adds results files for a fuzzer to start from: a valid file,
// one with pair matrices and repetitions, and the shapes of issue 12's
// defect 8 (negative latency, garbage histogram).
func FuzzSeeds(f *testing.F) {
	good := Mixed()
	good.Cases[1].Reason = "side b died [stderr: panic: boom]"
	data, _ := json.Marshal(good)
	f.Add(data)
	// Found by FuzzBenchfmtExport: a reason's newline forged a result line.
	good.Cases[1].Reason = "side b died [stderr: panic: boom\nBenchmarkX 1 1 ns/op\ngoroutine 1 [running]:]"
	data, _ = json.Marshal(good)
	f.Add(data)
	reps := Mixed()
	reps.Config.Repeat = 2
	reps.Cases[0].Repetitions = []results.Repetition{results.RepetitionOf(reps.Cases[0]), results.RepetitionOf(reps.Cases[0])}
	reps.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0, 1}, P50Ns: [][]float64{{1, 0}, {2, 3}}}}
	data, _ = json.Marshal(reps)
	f.Add(data)
	f.Add([]byte(strings.Replace(string(data), `"p50_ns":`, `"p50_ns":-`, 1)))
	f.Add([]byte(`{"schema":"` + results.Schema + `","cases":[{"transport":"pipe","workload":"pingpong","size_bytes":64,"status":"ok","histogram_hdr":"HISTFAAAAB"}]}`))
	f.Add([]byte(`{"schema":"` + results.Schema + `"}`))
	f.Add([]byte(``))
}
