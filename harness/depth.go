package harness

import (
	"fmt"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
)

// setupDepth is what the transport's setup says it holds in flight; zero
// where it says nothing.
func setupDepth(s transports.Setup) transports.Depth {
	if d, ok := s.(transports.DepthReporter); ok {
		return d.Depth()
	}
	return transports.Depth{}
}

// checkDepth makes sure a transport asked for depth messages holds exactly
// that many: one that ignores --depth is skipped, not measured at another.
func checkDepth(name string, s transports.Setup, depth int) error {
	if depth == 0 {
		return nil
	}
	if got := setupDepth(s); got.Msgs != depth {
		return fmt.Errorf("%s: --depth %d: the transport holds %d messages (%s): %w", name, depth, got.Msgs, got.Source, transports.ErrUnsupported)
	}
	return nil
}

// recordDepth writes the setup's effective depth into the case.
func recordDepth(s transports.Setup, out *results.Case) {
	d := setupDepth(s)
	out.DepthMsgs, out.DepthBytes, out.DepthSource = d.Msgs, d.Bytes, d.Source
}
