package format

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// entrant is one transport of a made-up group: its figure in each round is
// the group's (a host that flips between two modes) times its ratio to the
// fastest in that round, taken in turn.
type entrant struct {
	transport string
	ratios    []float64
	cpuNs     float64
	flags     []string
}

// around returns ratios within 10 % of x by round, the cycle started at
// its k-th, so that two transports' noise differs round by round.
func around(x float64, k int) []float64 {
	cycle := []float64{1, 1.05, 0.95, 1.1, 0.9, 1.02, 0.98}
	out := make([]float64, len(cycle))
	for i := range out {
		out[i] = x * cycle[(i+k)%len(cycle)]
	}
	return out
}

// modeNs is the fastest's p50 by round: two modes, 2× apart.
var modeNs = []float64{1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000, 1000}

// groupCases aggregates one case per entrant over rounds rounds, as a run
// does: p50s for pingpong, msgs/s for a stream.
func groupCases(t *testing.T, workload string, sizeBytes, rounds int, es ...entrant) []results.Case {
	t.Helper()
	var out []results.Case
	for _, e := range es {
		var reps []results.Case
		for i := range rounds {
			x := modeNs[i%len(modeNs)] * e.ratios[i%len(e.ratios)]
			c := results.Case{Transport: e.transport, Workload: workload, SizeBytes: sizeBytes, Status: results.StatusOK,
				MsgsPerSec: 1e9 / x, CPUNsPerMsg: e.cpuNs, CopiesPerMsg: 2}
			c.Latency.P50Ns = int64(x)
			for _, f := range e.flags {
				c.Flags = append(c.Flags, results.Flag{Name: f, Detail: "x"})
			}
			reps = append(reps, c)
		}
		c, err := stats.Aggregate(reps)
		if err != nil {
			t.Fatal(err)
		}
		if rounds == 1 { // a run without rounds records none
			c.Repetitions, c.CI95 = nil, nil
		}
		out = append(out, c)
	}
	return out
}

var (
	shm    = entrant{"shm-ring-spin-futex", []float64{1}, 400, nil}
	pipe   = entrant{"pipe", around(2, 0), 1500, nil}
	fifo   = entrant{"fifo", around(2.05, 3), 1600, []string{results.FlagDrift}}
	unix   = entrant{"unix-stream", around(3.5, 5), 2500, []string{results.FlagNoisy, results.FlagOverhead}}
	splice = entrant{"pipe-splice", around(1, 2), 240, nil}
)

// TestWriteVerdictGolden pins the verdict's wording: a winner with its
// cost and rounds won; a tie at the top and the cheaper transport that
// ties; flags as codes with their legend; a run too short to test; a
// baseline. go test -run VerdictGolden -update rewrites the files.
func TestWriteVerdictGolden(t *testing.T) {
	tests := []struct {
		name     string
		cases    []results.Case
		baseline string
	}{
		{"winner", groupCases(t, "pingpong", 64, 10, shm, pipe, fifo, unix), ""},
		{"tie", groupCases(t, "stream", 65536, 10, shm, splice, pipe), ""},
		{"untested", append(groupCases(t, "pingpong", 64, 1, shm, pipe, fifo), groupCases(t, "stream", 64, 5, shm, pipe, fifo)...), ""},
		{"baseline", groupCases(t, "pingpong", 64, 10, shm, pipe, fifo, unix), "pipe"},
		{"one", groupCases(t, "pingpong", 64, 10, pipe), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteVerdict(&b, &results.File{Cases: tt.cases}, tt.baseline); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "verdict-"+tt.name+".golden")
			if updating() {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run VerdictGolden -update writes it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("verdict differs from %s:\n%s", path, b.String())
			}
		})
	}
}

// TestVerdictWording: what each golden file must say, so that a careless
// -update cannot drop it.
func TestVerdictWording(t *testing.T) {
	tests := []struct {
		name     string
		cases    []results.Case
		baseline string
		want     []string
	}{
		{"winner", groupCases(t, "pingpong", 64, 10, shm, pipe, fifo, unix), "", []string{
			"winner shm-ring-spin-futex 1.5µs, won 10 of 10 rounds; CPU 400ns, 2.00 copies per message\n",
			"shm-ring-spin-futex › pipe 2.0× (1.9–2.1) ≈ fifo[D] 2.1× (1.8–2.3) › unix-stream[NO] 3.5× (3.3–3.7)",
			"[N] NOISY, [D] DRIFT, [O] OVERHEAD"}},
		{"tie", groupCases(t, "stream", 65536, 10, shm, splice, pipe), "", []string{
			"no significant winner: shm-ring-spin-futex ≈ pipe-splice;", "pipe-splice ties and costs 40 % less CPU",
			"shm-ring-spin-futex ≈ pipe-splice 0.99× (0.90–1.10) › pipe 2.0×"}},
		{"untested", groupCases(t, "pingpong", 64, 5, shm, pipe), "", []string{
			"fastest shm-ring-spin-futex 1.0µs, best in 5 of 5 rounds, untested;", "shm-ring-spin-futex, pipe 2.0×",
			"Untested: with fewer than 6 rounds a ratio has no 95 % interval: use --rounds 6 or more."}},
		{"one round", groupCases(t, "pingpong", 64, 1, shm, pipe), "", []string{"best in 1 of 1 round, untested", "Untested: with fewer than 6"}},
		{"baseline", groupCases(t, "pingpong", 64, 10, shm, pipe, fifo), "pipe", []string{
			", against pipe (baseline)", "shm-ring-spin-futex 2.0× faster (",
			"› pipe (baseline) ≈ fifo[D] 1.08× slower (0.88–1.13)", "N× faster or slower"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteVerdict(&b, &results.File{Cases: tt.cases}, tt.baseline); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("verdict lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
	var b strings.Builder
	if err := WriteVerdict(&b, &results.File{}, ""); err != nil || b.Len() != 0 {
		t.Errorf("no cases, yet %q (%v)", b.String(), err)
	}
}

// TestVerdictFitsOneScreen: the verdict of the default run, its 14
// transports by pingpong and stream at 64 B and 64 KiB, every one flagged
// three ways and with an interval, fits 40 lines of 120 characters, also
// against a baseline.
func TestVerdictFitsOneScreen(t *testing.T) {
	names := []string{"pipe", "fifo", "unix-stream", "unix-seqpacket", "unix-dgram", "tcp", "sysv-shm", "sysv-msg",
		"posix-mq", "pipe-splice", "shm-ring-spin-futex", "cma", "unix-fdpass", "io-uring"}
	all := []string{results.FlagNoisy, results.FlagDrift, results.FlagOverhead}
	var es []entrant
	for i, n := range names {
		es = append(es, entrant{n, around(1+27.3*float64(i), i), 1000 + 1000*float64(i), all})
	}
	var cases []results.Case
	for _, w := range []string{"pingpong", "stream"} {
		for _, size := range []int{64, 65536} {
			cases = append(cases, groupCases(t, w, size, 15, es...)...)
		}
	}
	for _, baseline := range []string{"", "unix-seqpacket"} {
		var b strings.Builder
		if err := WriteVerdict(&b, &results.File{Cases: cases}, baseline); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) > 40 {
			t.Errorf("baseline %q: %d lines, want at most 40:\n%s", baseline, len(lines), b.String())
		}
		for _, l := range lines {
			if n := utf8.RuneCountInString(l); n > VerdictWidth {
				t.Errorf("baseline %q: a line of %d characters, want at most %d:\n%s", baseline, n, VerdictWidth, l)
			}
		}
	}
}

// TestVerdictSeparator: how a standing stands against the one before it.
func TestVerdictSeparator(t *testing.T) {
	for _, tt := range []struct {
		r    stats.Ratio
		want string
	}{
		{stats.Ratio{Times: 2}, ","},
		{stats.Ratio{Times: 2, Lo: 1.5, Hi: 2.5, Paired: true}, "›"},
		{stats.Ratio{Times: 1.1, Lo: 0.9, Hi: 1.3, Paired: true}, "≈"},
		{stats.Ratio{Times: 1.1, Lo: 1, Hi: 1.3}, "≈"},
		{stats.Ratio{Times: 0.8, Lo: 0.7, Hi: 0.9, Paired: true}, "‹"},
	} {
		if got := separator(tt.r); got != tt.want {
			t.Errorf("separator(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

// TestVerdictSaysTheDepth: a stream ranked without --depth says so, since
// each transport then kept its own buffering; with --depth it names it.
func TestVerdictSaysTheDepth(t *testing.T) {
	f := &results.File{Cases: []results.Case{
		{Transport: "pipe", Workload: "stream", SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: 1e6},
		{Transport: "shm", Workload: "stream", SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: 2e6},
		{Transport: "pipe", Workload: "relay", SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: 1e6},
	}}
	for depth, want := range map[int]string{0: "throughput at native depth", 16: "throughput at depth 16"} {
		f.Config.Depth = depth
		for _, v := range stats.Verdicts(f, "") {
			if got := VerdictMetric(v); v.Workload == "stream" && got != want || v.Workload == "relay" && got != "throughput" {
				t.Errorf("depth %d: %s ranked by %q", depth, v.Workload, got)
			}
		}
	}
}

// updating reports whether -update was given: the flag is registered by
// the external test package (table_test.go), which shares this binary.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}
