package transports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
)

// BenchmarkIPC runs every transport across two worker processes, as
// ipcbench run does, for b.N round trips (pingpong) or messages (stream).
// Names and units match ipcbench export --format benchfmt, so benchstat can
// set go test output beside exported runs:
//
//	go test -run '^$' -bench IPC -count 6 ./transports > new.txt
//	go test -run '^$' -bench 'IPC/transport=pipe/' -benchtime 20000x ./transports
//
// ns/op is the measured window over b.N, without the processes' start-up,
// which go test's own clock would include. A size a transport cannot carry
// on this host is skipped with the reason, as ipcbench run does.
func BenchmarkIPC(b *testing.B) {
	for _, d := range transports.All() {
		for _, wl := range []string{"pingpong", "stream"} {
			for _, size := range []int{64, 4096, 65536} {
				name := fmt.Sprintf("transport=%s/workload=%s/size=%d", d.Name, wl, size)
				b.Run(name, func(b *testing.B) {
					benchCase(b, harness.Case{Transport: d.Name, Workload: wl, SizeBytes: size,
						Count: uint64(b.N), Warmup: 20 * time.Millisecond})
				})
			}
		}
	}
}

func benchCase(b *testing.B, c harness.Case) {
	r := harness.RunCase(context.Background(), c)
	switch r.Status {
	case results.StatusSkipped:
		b.Skip(r.Reason)
	case results.StatusFailed:
		b.Fatal(r.Reason)
	}
	b.ReportMetric(float64(r.WindowNs)/float64(b.N), "ns/op")
	b.ReportMetric(float64(r.Latency.P50Ns), "p50-ns")
	b.ReportMetric(float64(r.Latency.P99Ns), "p99-ns")
	b.ReportMetric(r.MBPerSec, "MB/s")
	b.ReportMetric(r.CPUNsPerMsg, "cpu-ns/msg")
	b.ReportMetric(r.SyscallsPerMsg, "syscalls/msg")
	b.ReportMetric(r.CopiesPerMsg, "copies/msg")
}
