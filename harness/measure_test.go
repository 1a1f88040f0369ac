package harness

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// lag1Direct is the lag-1 autocorrelation by its definition, two passes.
func lag1Direct(xs []int64) float64 {
	var m float64
	for _, x := range xs {
		m += float64(x)
	}
	m /= float64(len(xs))
	var num, den float64
	for i, x := range xs {
		d := float64(x) - m
		den += d * d
		if i > 0 {
			num += d * (float64(xs[i-1]) - m)
		}
	}
	if den == 0 {
		return 0
	}
	return num / den
}

func TestLag1AutocorrFromRunningSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	series := map[string][]int64{
		"constant":    {500, 500, 500, 500, 500},
		"alternating": {100, 200, 100, 200, 100, 200, 100, 200},
		"ramp":        {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
	}
	noise, walk := make([]int64, 10000), make([]int64, 10000)
	w := int64(1e6)
	for i := range noise {
		noise[i] = 1e6 + rng.Int64N(1000) // a large mean and a small spread: cancellation
		w += rng.Int64N(201) - 100
		walk[i] = w
	}
	series["noise"], series["random walk"] = noise, walk
	for name, xs := range series {
		t.Run(name, func(t *testing.T) {
			for _, ref := range []float64{0, 1e6} { // no reference, and the previous phase's mean
				s := sampleStats{ref: ref}
				for _, x := range xs {
					s.add(x)
				}
				if got, want := s.lag1(), lag1Direct(xs); math.Abs(got-want) > 1e-6 {
					t.Errorf("ref %g: lag1 = %.9f, want %.9f", ref, got, want)
				}
			}
		})
	}
}

func TestSampleStatsResetTakesTheMeanAsReference(t *testing.T) {
	var s sampleStats
	for _, x := range []int64{10, 20, 30} {
		s.add(x)
	}
	s.reset()
	if s.ref != 20 || s.n != 0 || s.sum != 0 || s.prev != 0 {
		t.Errorf("after reset: %+v, want ref 20 and empty sums", s)
	}
}

func TestDrift(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second []int64
		want          float64
	}{
		{"stationary", []int64{100, 100, 100}, []int64{100, 100, 100}, 0},
		{"slower", []int64{100, 100, 100}, []int64{150, 150, 150}, 0.5},
		{"faster", []int64{200, 200}, []int64{100, 100}, -0.5},
		{"empty half", []int64{100}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h1, h2 := hdrhistogram.New(1, histMaxNs, 3), hdrhistogram.New(1, histMaxNs, 3)
			for _, x := range tc.first {
				h1.RecordValue(x)
			}
			for _, x := range tc.second {
				h2.RecordValue(x)
			}
			if got := drift(h1, h2); math.Abs(got-tc.want) > 0.01 {
				t.Errorf("drift = %.3f, want %.3f", got, tc.want)
			}
		})
	}
}

// TestRecordSplitsTheWindow: a count-bounded phase splits at half its
// samples, a timed one at half its duration; out-of-range samples are
// counted, not silently clamped.
func TestRecordSplitsTheWindow(t *testing.T) {
	wl, _ := workloads.Lookup("stream")
	l := newLoop(Spec{Case: Case{Workload: "stream", SizeBytes: 64, SampleEvery: 2}, Side: transports.SideB}, wl, nil)
	l.resetSamples(10) // 10 messages, every 2nd timed: 5 samples, 2 in the first half
	for i := range 5 {
		l.record(int64(i), 100)
	}
	if l.hist.TotalCount() != 2 || l.second.TotalCount() != 3 {
		t.Errorf("count split %d + %d, want 2 + 3", l.hist.TotalCount(), l.second.TotalCount())
	}
	l.resetSamples(0)
	l.splitTicks = 1050 // as phase sets it for a 100 ns phase from 1000 (CLOCK_MONOTONIC: 1 tick a ns)
	for _, now := range []int64{1010, 1049, 1050, 1090} {
		l.record(now, 100)
	}
	l.record(1095, 0)
	l.record(1096, 2*histMaxNs)
	if l.hist.TotalCount() != 2 || l.second.TotalCount() != 4 || l.histUnder != 1 || l.histOverflow != 1 {
		t.Errorf("time split %d + %d, under %d, over %d; want 2 + 4, 1, 1",
			l.hist.TotalCount(), l.second.TotalCount(), l.histUnder, l.histOverflow)
	}
}

func TestOverheadShare(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reps     []Report
		windowNs int64
		want     float64
	}{
		// 1000 messages in 100 µs: 100 ns a message; the consumer's 60 ns loop is 60 %.
		{"stream", []Report{{Sent: 1000, LoopOverheadNs: 30}, {Received: 1000, LoopOverheadNs: 60}}, 100e3, 0.6},
		// 100 round trips in 100 µs: 1 µs each; the initiator's 200 ns loop is 20 %.
		{"pingpong", []Report{{Sent: 100, Received: 100, LoopOverheadNs: 200}, {Sent: 100, Received: 100, LoopOverheadNs: 50}}, 100e3, 0.2},
		// Two producers of 500 each, 100 ns a message each over 100 µs: 50 %.
		{"fanin", []Report{{Sent: 500, LoopOverheadNs: 100}, {Sent: 500, LoopOverheadNs: 80}, {Received: 1000, LoopOverheadNs: 20}}, 100e3, 0.5},
		{"relay", []Report{{Sent: 1000}, {Received: 1000}}, 100e3, 0},
		{"empty window", []Report{{Sent: 1, LoopOverheadNs: 10}, {Received: 1}}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := overheadShare(tc.reps, tc.windowNs); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("overheadShare = %g, want %g", got, tc.want)
			}
		})
	}
}

func TestSummarizeChecksFlags(t *testing.T) {
	stream, _ := workloads.Lookup("stream")
	pingpong, _ := workloads.Lookup("pingpong")
	relay, _ := workloads.Lookup("relay")
	for _, tc := range []struct {
		name  string
		wl    workloads.Descriptor
		reps  []Report
		flags []string
	}{
		{"clean", stream, []Report{{Sent: 100, LoopOverheadNs: 5}, {Received: 100, LoopOverheadNs: 5, Drift: 0.05, Lag1Autocorr: 0.1}}, nil},
		{"all three", pingpong, []Report{{Sent: 100, LoopOverheadNs: 54}, {Received: 100, LoopOverheadNs: 5, Drift: -0.2, Lag1Autocorr: 0.9}},
			[]string{"overhead: harness 54 % of the time per message", "drift: p50 -20 % from the first half of the window to the second", "autocorr: lag-1 autocorrelation 0.90"}},
		{"a stream's queued samples are correlated by design", stream, []Report{{Sent: 100, LoopOverheadNs: 5}, {Received: 100, LoopOverheadNs: 5, Lag1Autocorr: 0.99}}, nil},
		{"relay has no samples", relay, []Report{{Sent: 100}, {Received: 100, Drift: 1, Lag1Autocorr: 1}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := results.Case{WindowNs: 10000, Messages: 100}
			summarizeChecks(tc.wl, tc.reps[len(tc.reps)-1], tc.reps, &out)
			var got []string
			for _, f := range out.Flags {
				got = append(got, f.Name+": "+f.Detail)
			}
			if !slices.Equal(got, tc.flags) {
				t.Errorf("flags %q, want %q", got, tc.flags)
			}
		})
	}
}

func TestSummarizeCPUsSeen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		seen   [][]int // per report: producers..., consumer
		want   [][]int
		shared bool
	}{
		{"pinned apart", [][]int{{0}, {1}}, [][]int{{0}, {1}}, false},
		{"migrated onto the peer's", [][]int{{0, 1}, {1}}, [][]int{{0, 1}, {1}}, true},
		{"fan-in producers together", [][]int{{2}, {0}, {1}}, [][]int{{0, 2}, {1}}, false},
		{"not sampled", [][]int{nil, nil}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reps := make([]Report, len(tc.seen))
			for i, s := range tc.seen {
				reps[i].CPUsSeen = s
			}
			out := results.Case{Interference: &results.Interference{Migrations: new(int64(7))}} // interference.go's, kept
			summarizeCPUsSeen(reps, &out)
			if fmt.Sprint(out.Interference.CPUsSeen) != fmt.Sprint(tc.want) || out.Interference.SharedCPU != tc.shared || *out.Interference.Migrations != 7 {
				t.Errorf("got %+v, want CPUs %v shared %v and the migrations kept", *out.Interference, tc.want, tc.shared)
			}
		})
	}
}

func TestCPUSetNotesThisCPU(t *testing.T) {
	var c cpuSet
	c.note()
	if got := c.list(); len(got) != 1 || got[0] < 0 || got[0] >= runtime.NumCPU()+1024 {
		t.Errorf("cpus noted %v, want the one this thread ran on", got)
	}
}

// TestLoopOverheadUsesTheLoopsOwnMemory: timing the loop allocates no
// message-sized buffer (it allocated 9 of them, which GC off kept: 236 MB
// of RSS at 16 MiB), and the loop's buffers are what its role needs.
func TestLoopOverheadUsesTheLoopsOwnMemory(t *testing.T) {
	const size = 1 << 20
	for _, tc := range []struct {
		workload  string
		side      transports.Side
		templates bool // four message-sized templates
		buf       bool // one message-sized receive buffer
	}{
		{"pingpong", transports.SideA, true, true},
		{"pingpong", transports.SideB, false, true},
		{"stream", transports.SideA, true, false},
		{"stream", transports.SideB, false, true},
		{"stream-inplace", transports.SideA, true, true},
		{"stream-inplace", transports.SideB, false, true},
	} {
		t.Run(tc.workload+"/"+tc.side.String(), func(t *testing.T) {
			wl, _ := workloads.Lookup(tc.workload)
			l := newLoop(Spec{Case: Case{Workload: tc.workload, SizeBytes: size}, Side: tc.side}, wl, nil)
			if (l.msgs.tmpl[0] != nil) != tc.templates || (l.buf != nil) != tc.buf {
				t.Errorf("templates %v, buf %v; want %v, %v", l.msgs.tmpl[0] != nil, l.buf != nil, tc.templates, tc.buf)
			}
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			if _, err := loopOverheadNs(l, size); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&m1)
			if grew := m1.TotalAlloc - m0.TotalAlloc; grew >= size/2 {
				t.Errorf("timing the loop allocated %d B, want well under the %d B message", grew, size)
			}
		})
	}
}

// TestLoopbackReadsNoClock: the loopback stamps every message with one
// time, so the timed loop reads the clock exactly as often as the real
// one, whose peer stamps on its own CPU.
func TestLoopbackReadsNoClock(t *testing.T) {
	wl, _ := workloads.Lookup("stream")
	l := newLoop(Spec{Case: Case{Workload: "stream", SizeBytes: 64}, Side: transports.SideB}, wl, nil)
	c := l.loopback()
	a, b := make([]byte, 64), make([]byte, 64)
	c.Recv(a)
	for t0 := nanotime(); nanotime()-t0 < int64(time.Microsecond); { // the state: the clock has moved
	}
	c.Recv(b)
	if l.msgs.timestamp(a) != l.msgs.timestamp(b) || l.msgs.check(a, 0) != nil || l.msgs.check(b, 1) != nil {
		t.Errorf("loopback messages stamped %d and %d, or unverified", l.msgs.timestamp(a), l.msgs.timestamp(b))
	}
}

func TestCheckSeqChecksOnlyTheSequence(t *testing.T) {
	tx, rx := newMessages(64, true, true, nil), newMessages(64, true, false, nil)
	b := append([]byte(nil), tx.stamp(5, 1)...)
	b[40] ^= 1
	for _, tc := range []struct {
		seq  uint64
		want string
	}{{5, ""}, {4, "lost"}, {6, "duplicated or reordered"}} {
		err := rx.checkSeq(b, tc.seq)
		if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("checkSeq(seq %d) = %v, want %q", tc.seq, err, tc.want)
		}
	}
	if rx.check(b, 5) == nil {
		t.Error("check passed a corrupted body")
	}
}

// TestSampleEvery runs each workload it applies to with every 4th
// message timed: all 400 messages verified by sequence, 100 samples; a
// lost or duplicated message is still caught, and a corrupted body of a
// timed message (40) too.
func TestSampleEvery(t *testing.T) {
	for _, tc := range []struct {
		transport, workload string
		messages            uint64
		copies              float64
		fault, want         string // at message 41
	}{
		{"pipe", "pingpong", 800, 2, "dup", "duplicated or reordered"},
		{"pipe", "stream", 400, 2, "lose", "lost"},
		{"shm-ring-spin-futex", "stream", 400, 2, "dup", "duplicated or reordered"},
		// The in-place producer fills every 4th slot whole, a copy.
		{"shm-ring-spin-futex", "stream-inplace", 400, 0.25, "", ""},
	} {
		t.Run(tc.transport+"/"+tc.workload, func(t *testing.T) {
			c := Case{Transport: tc.transport, Workload: tc.workload, SizeBytes: 64, Count: 400, SampleEvery: 4}
			r := RunCase(context.Background(), c)
			if r.Status != results.StatusOK || r.Messages != tc.messages || r.Samples != 100 || r.CopiesPerMsg != tc.copies {
				t.Errorf("%s %q: %d messages, %d samples, %.2f copies/msg; want %d, 100, %.2f",
					r.Status, r.Reason, r.Messages, r.Samples, r.CopiesPerMsg, tc.messages, tc.copies)
			}
			if tc.fault == "" {
				return
			}
			for _, f := range []struct {
				hooks Hooks
				want  string
			}{{Hooks{Fault: tc.fault, FaultAt: 41}, tc.want}, {Hooks{Fault: "corrupt", FaultAt: 40}, "corrupted"}} {
				c.Hooks = f.hooks
				if r := RunCase(context.Background(), c); r.Status != results.StatusFailed || !strings.Contains(r.Reason, f.want) {
					t.Errorf("%s at %d: %s %q, want failed saying %q", f.hooks.Fault, f.hooks.FaultAt, r.Status, r.Reason, f.want)
				}
			}
		})
	}
}

// TestSelfChecksAndCPUsRecorded: a default case records its sample count,
// where each side ran, and its self-checks.
func TestSelfChecksAndCPUsRecorded(t *testing.T) {
	r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "stream", SizeBytes: 64, Count: 3000})
	if r.Status != results.StatusOK || r.Samples != 3000 {
		t.Fatalf("%s %q: %d samples, want 3000", r.Status, r.Reason, r.Samples)
	}
	if r.Interference == nil || len(r.Interference.CPUsSeen) != 2 || len(r.Interference.CPUsSeen[0]) == 0 || len(r.Interference.CPUsSeen[1]) == 0 {
		t.Errorf("CPUs seen %+v, want some for each side", r.Interference)
	}
	if r.OverheadShare <= 0 || len(r.Workers) != 2 || len(r.Workers[1].CPUsSeen) == 0 {
		t.Errorf("overhead share %g, workers %+v: want both recorded", r.OverheadShare, r.Workers)
	}
}

// TestRelayRunsForItsWindow: a relay goes over its file again and again,
// counting every copy once, for a count above the file's length and for
// a duration, with a warm-up; the output hash still checks.
func TestRelayRunsForItsWindow(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Case
		min  uint64
	}{
		{"count beyond the file", Case{Count: 5000, SizeBytes: 16 << 10}, 5000},                                      // a file of 1024 messages
		{"duration", Case{Duration: 30 * time.Millisecond, Warmup: 10 * time.Millisecond, SizeBytes: 64 << 10}, 256}, // at least the file once
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Transport, tc.c.Workload = "pipe", "relay"
			r := RunCase(context.Background(), tc.c)
			want := results.Copies{FileToUser: 1, UserToKernel: 1, KernelToUser: 1, UserToFile: 1}
			if r.Status != results.StatusOK || r.Messages < tc.min || r.Copies != want {
				t.Errorf("%s %q: %d messages, copies %+v; want at least %d and %+v", r.Status, r.Reason, r.Messages, r.Copies, tc.min, want)
			}
			if tc.c.Count > 0 && r.Messages != tc.c.Count {
				t.Errorf("%d messages, want %d", r.Messages, tc.c.Count)
			}
		})
	}
}
