package format_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// defaultTransports are the transports of the default run, the longest
// name among them 19 characters.
var defaultTransports = []string{"pipe", "fifo", "unix-stream", "unix-seqpacket", "unix-dgram", "tcp", "sysv-shm", "sysv-msg",
	"posix-mq", "pipe-splice", "shm-ring-spin-futex", "cma", "unix-fdpass", "io-uring"}

// defaultRun is a run of the default's shape, every default transport ×
// pingpong, stream × 64 B, 64 KiB over 15 repetitions, with the widest
// figure each column takes on a real host: a p50 of 999.9µs ±1000 %,
// 10.38M msgs/s, 14758.8 MB/s, tcp's depth of 63608, every flag, a thin
// tail, the skips of a kernel at its default message limits, a busy host
// and a run that stopped early.
func defaultRun() *results.File {
	hdr := resultstest.Mixed().Cases[0].HistogramHDR
	f := &results.File{Schema: results.Schema, Incomplete: "interrupted (SIGINT) after 51 of 56 cases",
		Config: results.Config{Transports: defaultTransports, Workloads: []string{"pingpong", "stream"}, SizesBytes: []int{64, 65536}, Repeat: 15},
		Host: results.Host{Findings: []results.Finding{{Topic: "load", Name: "load average", Value: "0.70 1.55 2.35", Warn: true,
			Effect: "the machine was busy in the last minute (earlier runs count too): results may be noisy"}}}}
	var flags []results.Flag
	for _, name := range []string{results.FlagNoisy, results.FlagOverhead, results.FlagDrift, results.FlagAutocorr, results.FlagWork, results.FlagLate} {
		flags = append(flags, results.Flag{Name: name, Detail: "p50 -66 % from the first half of the window to the second, 3 of 15 repetitions"})
	}
	for _, tr := range defaultTransports {
		for _, wl := range []string{"pingpong", "stream"} {
			for _, size := range []int{64, 65536} {
				c := results.Case{Transport: tr, Workload: wl, SizeBytes: size, Status: results.StatusOK, HistogramHDR: hdr,
					Latency:    results.Latency{P50Ns: 999_900, P99Ns: 9_999_000, P999Ns: 19_990_000, MaxNs: 99_990_000},
					MsgsPerSec: 10.38e6, MBPerSec: 14758.8, CPUNsPerMsg: 185_000, SyscallsPerMsg: 13, CopiesPerMsg: 13,
					DepthMsgs: 63608, DepthSource: "native", Flags: flags,
					CI95: map[string]results.Interval{"p50": {Lo: 99_990, Hi: 10_998_900}, "throughput": {Lo: 1e6, Hi: 114.18e6}}}
				for range 15 {
					c.Repetitions = append(c.Repetitions, results.Repetition{P50Ns: 999_900 * float64(1+len(c.Repetitions)%2), Samples: 3000})
				}
				if size == 65536 && (tr == "sysv-msg" || tr == "posix-mq") {
					c = results.Case{Transport: tr, Workload: wl, SizeBytes: size, Status: results.StatusSkipped,
						Reason: "repetition 1 of 15: 64 KiB exceeds the largest " + tr + " message on this host, 8192 B " +
							"(sysctl fs.mqueue.msgsize_max=8192; raise with sysctl -w fs.mqueue.msgsize_max=N)"}
				}
				f.Cases = append(f.Cases, c)
			}
		}
	}
	return f
}

// TestTableFitsWidth: the default table of the widest default run, and of
// one at a --depth some transports cannot take, is no wider than
// TableWidth, title, legend and notes included.
func TestTableFitsWidth(t *testing.T) {
	atDepth := defaultRun()
	atDepth.Config.Depth = 16
	for name, f := range map[string]*results.File{"native depths": defaultRun(), "--depth 16": atDepth} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := format.WriteTable(&b, f); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(b.String(), "\n") {
				if n := utf8.RuneCountInString(line); n > format.TableWidth {
					t.Errorf("line %d is %d characters, over %d:\n%s", i+1, n, format.TableWidth, line)
				}
			}
		})
	}
}

// TestTableKeepsLatencyKindsApart: a round trip and a one-way latency
// never share a column: each workload has its own table, whose title and
// latency headers say which latency it holds.
func TestTableKeepsLatencyKindsApart(t *testing.T) {
	hdr := resultstest.Mixed().Cases[0].HistogramHDR
	f := &results.File{Schema: results.Schema}
	for _, wl := range []struct {
		name  string
		p50Ns int64
	}{{"pingpong", 11_100}, {"stream", 77_700}, {"stream-inplace", 77_700}, {"fanin", 77_700}, {"pingpong", 11_100}} {
		f.Cases = append(f.Cases, results.Case{Transport: "pipe", Workload: wl.name, SizeBytes: 64, Status: results.StatusOK,
			HistogramHDR: hdr, Latency: results.Latency{P50Ns: wl.p50Ns, P99Ns: wl.p50Ns}})
	}
	var b bytes.Buffer
	format.WriteTable(&b, f)
	tables := strings.Split(b.String(), "\n\n")
	if len(tables) != 5 { // pingpong, stream, stream-inplace, fanin, then the notes
		t.Fatalf("%d blocks, want a table per workload and the notes:\n%s", len(tables), b.String())
	}
	for _, table := range tables[:4] {
		lines := strings.Split(table, "\n")
		title, head := lines[0], lines[1]
		roundTrip := strings.HasPrefix(title, "pingpong: ")
		for _, cell := range strings.Split(head, "  ") {
			if cell = strings.TrimSpace(cell); strings.HasPrefix(cell, "P50") || strings.HasPrefix(cell, "P99") {
				if want := map[bool]string{true: " RTT", false: " 1-WAY"}[roundTrip]; !strings.HasSuffix(cell, want) {
					t.Errorf("header %q does not end in %q:\n%s", cell, want, table)
				}
			}
		}
		other, kind := "11.1µs", "one way"
		if roundTrip {
			other, kind = "77.7µs", "round trip"
		}
		if strings.Contains(table, other) || !strings.Contains(title, kind) {
			t.Errorf("table titled %q holds %s or does not say %q:\n%s", title, other, kind, table)
		}
	}
	if strings.Count(tables[0], "11.1µs") != 4 {
		t.Errorf("pingpong's two cases are not in one table:\n%s", b.String())
	}
}

// TestTableFlagCodes: each flag a letter in the FLAGS cell, in one order,
// T where a percentile shown rests on too few samples, a status other
// than ok before them, and a legend naming only the codes that appear.
func TestTableFlagCodes(t *testing.T) {
	hdr := resultstest.Mixed().Cases[0].HistogramHDR
	flag := func(names ...string) []results.Flag {
		var out []results.Flag
		for _, n := range names {
			out = append(out, results.Flag{Name: n, Detail: "a detail --wide words"})
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		flags      []results.Flag
		samples    uint64 // per repetition; 2000 leaves 20 beyond p99
		status     string
		wantCell   string
		wantLegend string // "" for no legend
	}{
		{"clean", nil, 1e6, results.StatusOK, "", ""},
		{"drift and overhead", flag(results.FlagDrift, results.FlagOverhead), 1e6, results.StatusOK, "O D",
			"Flags: O harness overhead, D drift within the window."},
		{"thin tail", nil, 2000, results.StatusOK, "T", "Flags: T thin tail (P50 or P99 on < 100 samples beyond it)."},
		{"noisy, autocorrelated, thin", flag(results.FlagAutocorr, results.FlagNoisy), 2000, results.StatusOK, "N A T",
			"Flags: N noisy host, A autocorrelated samples, T thin tail"},
		{"work and late", flag(results.FlagLate, results.FlagWork), 1e6, results.StatusOK, "W L",
			"Flags: W --work off target, L pacer sent late."},
		{"saturated, no latency to be thin", flag(results.FlagLate), 2000, results.StatusSaturated, "saturated L",
			"Flags: L pacer sent late."},
		{"a flag this build does not know", flag("steal"), 1e6, results.StatusOK, "STEAL", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := resultstest.Case("pipe", 64, 1000, 1100, 1200)
			c.HistogramHDR, c.Flags, c.Status = hdr, tc.flags, tc.status
			for i := range c.Repetitions {
				c.Repetitions[i].Samples = tc.samples
			}
			var b bytes.Buffer
			format.WriteTable(&b, &results.File{Schema: results.Schema, Cases: []results.Case{c}})
			lines := strings.Split(b.String(), "\n")
			if cell := strings.TrimSpace(lines[2][strings.Index(lines[1], "FLAGS"):]); cell != tc.wantCell {
				t.Errorf("FLAGS cell %q, want %q:\n%s", cell, tc.wantCell, b.String())
			}
			legend := lines[4]
			if !strings.HasPrefix(legend, "Flags: ") {
				legend = ""
			}
			if !strings.HasPrefix(legend, tc.wantLegend) || (tc.wantLegend == "") != (legend == "") {
				t.Errorf("legend %q, want %q:\n%s", legend, tc.wantLegend, b.String())
			}
		})
	}
}

// TestTableGolden pins the run table of three files, narrow and wide: the
// wide table is the table as it was before the narrow one, unchanged.
// go test -run TableGolden -update rewrites the files; review the diff.
func TestTableGolden(t *testing.T) {
	run6, err := results.ReadFile(filepath.Join("testdata", "run6.json"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*results.File{"run6": run6, "loaded": resultstest.Loaded(), "selfchecked": resultstest.SelfChecked(), "default": defaultRun()}
	for name, f := range files {
		for _, wide := range []bool{false, true} {
			if wide && name == "default" {
				continue
			}
			golden := name + map[bool]string{false: ".golden", true: ".wide.golden"}[wide]
			t.Run(golden, func(t *testing.T) {
				var b bytes.Buffer
				if err := format.WriteTableWith(&b, f, format.TableOptions{Wide: wide}); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", golden)
				if *update {
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (go test -run TableGolden -update creates it)", err)
				}
				if got := b.String(); got != string(want) {
					t.Errorf("%s differs from %s:\n%s", golden, path, got)
				}
			})
		}
	}
}
