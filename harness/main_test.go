package harness

import (
	"os"
	"testing"

	"github.com/ipcbench/ipcbench/internal/leakcheck"
)

// TestMain lets the test binary serve as its own worker (the harness re-execs
// the running binary with "worker --spec JSON"), and fails the run if any
// test left a System V object or an ipcbench temp directory behind.
func TestMain(m *testing.M) {
	if spec, ok := IsWorkerInvocation(os.Args); ok {
		os.Exit(WorkerMain(spec))
	}
	os.Exit(leakcheck.Run(m))
}
