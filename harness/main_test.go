package harness

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as its own worker: the harness re-execs
// the running binary with "worker --spec JSON".
func TestMain(m *testing.M) {
	if spec, ok := IsWorkerInvocation(os.Args); ok {
		os.Exit(WorkerMain(spec))
	}
	os.Exit(m.Run())
}
