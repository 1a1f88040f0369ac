package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"

	"golang.org/x/perf/benchfmt"
)

// BenchName is a case's name in the Go benchmark format, without the
// "Benchmark" prefix: IPC/transport=pipe/workload=pingpong/size=64, the
// sub-benchmark keys that benchstat can filter and group by.
func BenchName(c results.Case) string {
	return fmt.Sprintf("IPC/transport=%s/workload=%s/size=%d", c.Transport, c.Workload, c.SizeBytes)
}

// benchUnits are the units of a line, in order; an op is what the
// workload's MessagesPerOp says: a round trip, or one message.
var benchUnits = []struct {
	unit string
	of   func(r results.Repetition, ops float64) float64
}{
	{"ns/op", func(r results.Repetition, ops float64) float64 { return float64(r.WindowNs) / ops }},
	{"p50-ns", func(r results.Repetition, _ float64) float64 { return r.P50Ns }},
	{"p99-ns", func(r results.Repetition, _ float64) float64 { return r.P99Ns }},
	{"msgs/s", func(r results.Repetition, _ float64) float64 { return r.MsgsPerSec }},
	{"MB/s", func(r results.Repetition, _ float64) float64 { return r.MBPerSec }},
	{"cpu-ns/msg", func(r results.Repetition, _ float64) float64 { return r.CPUNsPerMsg }},
	{"syscalls/msg", func(r results.Repetition, _ float64) float64 { return r.SyscallsPerMsg }},
	{"copies/msg", func(r results.Repetition, _ float64) float64 { return r.CopiesPerMsg }},
}

// WriteBenchfmt writes f in the Go benchmark format with x/perf's benchfmt
// writer: file configuration first, then one line per repetition of every
// ok case, so that benchstat reads it unchanged.
//
// The file configuration holds only what describes the host (goos, cpu,
// kernel): benchstat puts results whose file configuration differs in
// separate tables and compares nothing across them, so a value that
// changes from run to run on one host (start time, commit, label, a CI
// runner's host name) there would keep "benchstat old.txt new.txt" from
// comparing anything. Those go in "# key: value" comment lines at the top,
// which benchfmt readers ignore. Skipped and failed cases have no numbers:
// they are listed at the end as "# not measured" comment lines.
func WriteBenchfmt(w io.Writer, f *results.File) error {
	if err := writeBenchNotes(w, f); err != nil {
		return err
	}
	bw := benchfmt.NewWriter(w)
	for _, u := range []struct{ unit, key, value string }{
		{"msgs/s", "better", "higher"},
		{"MB/s", "better", "higher"},
	} {
		m := &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.unit, Key: u.key}, OrigUnit: u.unit, Value: u.value}
		if err := bw.Write(m); err != nil {
			return err
		}
	}
	var config []benchfmt.Config
	for _, c := range []benchfmt.Config{
		{Key: "goos", Value: []byte("linux"), File: true},
		{Key: "cpu", Value: []byte(oneLine(f.Host.CPUModel)), File: true},
		{Key: "kernel", Value: []byte(oneLine(f.Host.Kernel)), File: true},
	} {
		if len(c.Value) > 0 {
			config = append(config, c)
		}
	}
	var notMeasured []string
	for _, c := range f.Cases {
		if c.Status != results.StatusOK {
			notMeasured = append(notMeasured, fmt.Sprintf("# not measured: %s %s: %s\n", BenchName(c), c.Status, oneLine(c.Reason)))
			continue
		}
		for _, res := range benchResults(c, config) {
			if err := bw.Write(res); err != nil {
				return err
			}
		}
	}
	if len(notMeasured) > 0 {
		if _, err := io.WriteString(w, "\n"+strings.Join(notMeasured, "")); err != nil {
			return err
		}
	}
	return nil
}

// writeBenchNotes writes the "# key: value" comment lines that name the run.
func writeBenchNotes(w io.Writer, f *results.File) error {
	var notes strings.Builder
	for _, n := range []struct{ key, value string }{
		{"ipcbench-commit", f.Host.Commit},
		{"ipcbench-version", f.Host.Version},
		{"label", f.Config.Label},
		{"host", f.Host.Hostname},
		{"started", startedOf(f)},
	} {
		if v := oneLine(n.value); v != "" {
			fmt.Fprintf(&notes, "# %s: %s\n", n.key, v)
		}
	}
	if notes.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(w, notes.String()+"\n")
	return err
}

// benchResults returns one result per repetition of an ok case that
// delivered any message, an op being what its workload's MessagesPerOp says.
func benchResults(c results.Case, config []benchfmt.Config) []*benchfmt.Result {
	perOp := 1 // a workload this ipcbench does not know counts one message an op
	if d, ok := workloads.Lookup(c.Workload); ok {
		perOp = d.MessagesPerOp
	}
	reps := c.Repetitions
	if len(reps) == 0 {
		reps = []results.Repetition{results.RepetitionOf(c)}
	}
	var out []*benchfmt.Result
	for _, r := range reps {
		ops := float64(r.Messages) / float64(perOp)
		if ops == 0 {
			continue
		}
		res := &benchfmt.Result{Config: config, Name: benchfmt.Name(BenchName(c)), Iters: int(ops)}
		for _, u := range benchUnits {
			v := u.of(r, ops)
			if v == 0 && (u.unit == "p50-ns" || u.unit == "p99-ns") {
				continue // relay measures no latency
			}
			res.Values = append(res.Values, benchfmt.Value{Value: v, Unit: u.unit})
		}
		out = append(out, res)
	}
	return out
}

func startedOf(f *results.File) string {
	if f.StartedAt.IsZero() {
		return ""
	}
	return f.StartedAt.UTC().Format("2006-01-02T15:04:05Z")
}

// oneLine keeps a value from a results file on its comment line: a newline
// in a label would otherwise start a line that benchfmt reads, and an
// escape sequence would act on the terminal it is printed to.
func oneLine(s string) string {
	return textsafe.Terminal(strings.Join(strings.Fields(s), " "))
}
