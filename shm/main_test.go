//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/ipcbench/ipcbench/internal/leakcheck"
	"github.com/ipcbench/ipcbench/shm"
)

// TestMain runs the child halves of the two-process tests when the test
// binary is re-executed with SHM_TEST_CHILD set, and checks for leaks. It
// lives in package shm_test because leakcheck imports shm.
func TestMain(m *testing.M) {
	if role := os.Getenv("SHM_TEST_CHILD"); role != "" {
		if err := shm.Child(role, os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(leakcheck.Run(m))
}
