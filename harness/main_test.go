package harness

import (
	"fmt"
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
	before := leakcheck.Take()
	code := m.Run()
	if err := leakcheck.Check(before); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		code = 1
	}
	os.Exit(code)
}
