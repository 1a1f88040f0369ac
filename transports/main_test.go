package transports

import (
	"os"
	"testing"

	"github.com/ipcbench/ipcbench/internal/leakcheck"
)

// TestMain fails the run if a test left a FIFO directory or IPC object behind.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
