// Package resultstest builds synthetic results files with known
// distributions, for tests of aggregation, compare, history and the
// renderings, and seeds for the fuzz targets that read results files.
package resultstest

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
)

// RepetitionSamples is the latency samples each repetition of Case times:
// enough that even p99.9 rests on more than results.MinTailSamples.
const RepetitionSamples = 500_000

// Case returns an ok pingpong case whose repetitions have the given p50
// latencies in ns; the other metrics follow from p50 (throughput is the
// inverse of p50, p99 twice p50, cpu per message half of it), so that a
// slowdown shows in every metric the same way. Each repetition times
// RepetitionSamples round trips.
func Case(transport string, sizeBytes int, p50Ns ...float64) results.Case {
	c := results.Case{Transport: transport, Workload: "pingpong", SizeBytes: sizeBytes, Status: results.StatusOK,
		SyscallsPerMsg: 2, CopiesPerMsg: 2, Samples: uint64(len(p50Ns)) * RepetitionSamples}
	for _, p := range p50Ns {
		c.Repetitions = append(c.Repetitions, results.Repetition{
			Messages: 2 * RepetitionSamples, WindowNs: int64(RepetitionSamples * p), Samples: RepetitionSamples,
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
		c.Messages, c.WindowNs = r.Messages, r.WindowNs
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

// Table returns a results file of cases pingpong cases (transports
// t0, t1, ...) of reps repetitions each, whose p50s are drawn around
// 20 µs × (case+1) × scale with a relative spread of ±spread, from seed.
// Two Tables of different seeds and scale 1 are an A/A pair.
func Table(seed uint64, cases, reps int, scale, spread float64) *results.File {
	var cs []results.Case
	for i := range cases {
		v := Noisy(seed*1_000_003+uint64(i), reps, 20000*float64(i+1)*scale, spread)
		cs = append(cs, Case("t"+strconv.Itoa(i), 64, v...))
	}
	return File(time.Unix(1e9, 0), "c", cs...)
}

// File wraps cases into a results file started at the given time.
func File(started time.Time, commit string, cases ...results.Case) *results.File {
	return &results.File{Schema: results.Schema, StartedAt: started, FinishedAt: started.Add(time.Minute),
		Host:   results.Host{Hostname: "synthetic", Kernel: "Linux test", Commit: commit},
		Config: results.Config{Repeat: len(cases[0].Repetitions), Label: "L" + commit}, Cases: cases}
}

// histogram encodes an HdrHistogram of n values spread evenly from lo to
// hi ns, for cases whose renderings need one.
func histogram(lo, hi int64, n int) string {
	h := hdrhistogram.New(1, 3600e9, 3)
	for i := range n {
		h.RecordValue(lo + (hi-lo)*int64(i)/int64(max(n-1, 1)))
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		panic(err)
	}
	return string(enc)
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

// SelfChecked returns Mixed with issue 14's fields filled as a run writes
// them: sample counts, overhead share, drift, lag-1 autocorrelation,
// interference, flags, placement, worker GODEBUG, sample-every and THP.
func SelfChecked() *results.File {
	f := Mixed()
	f.Host.THP = "always [madvise] never"
	f.Config.Placement, f.Config.CPUs, f.Config.WorkerGODEBUG, f.Config.SampleEvery = "pinned", []int{0, 1}, "asyncpreemptoff=1", 16
	c := &f.Cases[0]
	c.Samples, c.OverheadShare, c.Drift, c.Lag1Autocorr = 1429, 0.54, -0.12, -0.31
	c.Interference = &results.Interference{StealShare: new(0.12), StealTicks: 12, TotalTicks: 100, RunQueueShare: new(0.02),
		RunQueueWaitNsPerMsg: new(830.0), Migrations: new(int64(3)), CPUsSeen: [][]int{{0}, {1, 0}}, SharedCPU: true}
	c.Flags = []results.Flag{{Name: results.FlagNoisy, Detail: "steal 12 %"}, {Name: results.FlagOverhead, Detail: "54 %"},
		{Name: results.FlagDrift, Detail: "-12 %"}}
	c.Workers = []results.Worker{{Side: "a", Role: "pinger", RunQueueWaitNs: new(int64(4000)), Migrations: new(int64(2)),
		StealShare: new(0.1), StealTicks: 10, TotalTicks: 100, CPUsSeen: []int{0}}}
	r := results.RepetitionOf(*c)
	c.Repetitions = []results.Repetition{r}
	return f
}

// streamDepths are the stream cases of DepthRun by --depth (0: native):
// the depth each transport held, how it was set, and its msgs/s.
var streamDepths = map[int][2]struct {
	depth      int
	source     string
	msgsPerSec float64
}{
	0:   {{1024, "native: pipe buffer 65536 B", 1.8e6}, {1, "native: one slot", 17.5e3}},
	16:  {{16, "F_SETPIPE_SZ 4096 B", 0.9e6}, {16, "16 slots", 0.6e6}},
	256: {{256, "F_SETPIPE_SZ 16384 B", 1.6e6}, {256, "256 slots", 1.1e6}},
}

// DepthRun returns a run of stream cases of pipe and sysv-shm at 64 B, as
// run --depth depth writes it: 0 (native buffering), 16 or 256.
func DepthRun(depth int) *results.File {
	f := &results.File{Schema: results.Schema, Host: results.Host{Kernel: "Linux test"},
		Config: results.Config{Transports: []string{"pipe", "sysv-shm"}, Workloads: []string{"stream"}, SizesBytes: []int{64}, Depth: depth}}
	for i, tr := range []string{"pipe", "sysv-shm"} {
		d := streamDepths[depth][i]
		c := Case(tr, 64)
		c.Workload, c.DepthMsgs, c.DepthBytes, c.DepthSource = "stream", d.depth, 64*d.depth, d.source
		p50 := int64(float64(d.depth) * 1e9 / d.msgsPerSec)
		c.Messages, c.WindowNs = uint64(d.msgsPerSec), 1e9
		c.MsgsPerSec, c.MBPerSec = d.msgsPerSec, d.msgsPerSec*64/1e6
		c.Latency, c.HistogramHDR = results.Latency{P50Ns: p50, P99Ns: 2 * p50, P999Ns: 3 * p50, MaxNs: 4 * p50}, histogram(p50/2, 4*p50, 100)
		f.Cases = append(f.Cases, c)
	}
	return f
}

// Loaded returns a file with depths and a rate sweep as a run fills them: run
// --depth 16 over stream cases of pipe and sysv-shm (DepthRun(16)) and a
// rate sweep of both at 64 B from 10k to 400k msgs/s, in which pipe's p99
// crosses the 1 ms SLO at 400k and sysv-shm saturates at 200k. Its config
// records the rates, poisson arrivals, the SLO and 20 µs of consumer work.
func Loaded() *results.File {
	f := DepthRun(16)
	f.Config.Workloads = []string{"stream", "rate"}
	f.Config.Rates, f.Config.Arrivals, f.Config.SLONs, f.Config.WorkNs = []float64{10e3, 50e3, 200e3, 400e3}, "poisson", 1e6, 20e3
	rate := func(tr string, offered, achieved float64, p99Ns int64) results.Case {
		c := Case(tr, 64)
		c.Workload, c.OfferedRate, c.AchievedRate, c.MsgsPerSec, c.MBPerSec = "rate", offered, achieved, achieved, achieved*64/1e6
		c.Messages, c.WindowNs = uint64(achieved), 1e9
		c.DepthMsgs, c.DepthBytes, c.DepthSource = 16, 1024, "16 slots"
		c.Latency = results.Latency{P50Ns: p99Ns / 4, P90Ns: p99Ns / 2, P99Ns: p99Ns, P999Ns: 2 * p99Ns, MaxNs: 4 * p99Ns}
		c.HistogramHDR = histogram(p99Ns/8, 4*p99Ns, 100)
		c.Samples = uint64(achieved) // a 1 s window times every message
		if achieved < 0.95*offered {
			c.Status, c.Latency, c.HistogramHDR = results.StatusSaturated, results.Latency{}, ""
		}
		return c
	}
	f.Cases = append(f.Cases,
		rate("pipe", 10e3, 10e3, 40e3), rate("pipe", 50e3, 50e3, 90e3), rate("pipe", 200e3, 199.8e3, 600e3), rate("pipe", 400e3, 399e3, 3e6),
		rate("sysv-shm", 10e3, 10e3, 60e3), rate("sysv-shm", 50e3, 49.9e3, 300e3), rate("sysv-shm", 200e3, 82e3, 0), rate("sysv-shm", 400e3, 80e3, 0))
	return f
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
	data, _ = json.Marshal(SelfChecked())
	f.Add(data)
	f.Add([]byte(strings.Replace(string(data), `"lag1_autocorr":-0.31`, `"lag1_autocorr":1.31`, 1)))
	f.Add([]byte(strings.Replace(string(data), `"name":"noisy"`, `"name":"NOISY\n"`, 1)))
	f.Add([]byte(strings.Replace(string(data), `"samples":1429`, `"samples":1`, 1)))
	data, _ = json.Marshal(Loaded())
	f.Add(data)
	f.Add([]byte(strings.Replace(string(data), `"depth_bytes":1024`, `"depth_bytes":6`, 1)))
	f.Add([]byte(strings.Replace(string(data), `"offered_rate":200000`, `"offered_rate":-200000`, 1)))
	f.Add([]byte(strings.Replace(string(data), `"depth_source":"16 slots"`, `"depth_source":"16\nBenchmarkX 1 1 ns/op"`, 1)))
	f.Add([]byte(`{"schema":"` + results.Schema + `"}`))
	f.Add([]byte(``))
	// A case twice, an ok case that delivered nothing, and a label that
	// drives a terminal: files a reader must refuse.
	forged := Mixed()
	forged.Cases = append(forged.Cases, forged.Cases[0])
	data, _ = json.Marshal(forged)
	f.Add(data)
	forged = Mixed()
	forged.Cases[0].Messages = 0
	forged.Config.Label = "\n| forged | row |\x1b]0;pwned\x07<script>"
	data, _ = json.Marshal(forged)
	f.Add(data)
}
