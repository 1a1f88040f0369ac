package transports_test

import (
	"os"
	"testing"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/internal/leakcheck"
)

// TestMain serves as an ipcbench worker when the benchmarks re-exec the
// test binary, and otherwise fails the run if a test left a FIFO directory
// or IPC object behind.
func TestMain(m *testing.M) {
	if spec, ok := harness.IsWorkerInvocation(os.Args); ok {
		os.Exit(harness.WorkerMain(spec))
	}
	os.Exit(leakcheck.Run(m))
}
