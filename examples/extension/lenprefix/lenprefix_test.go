package lenprefix_test

import (
	"testing"

	"github.com/ipcbench/ipcbench/examples/extension/lenprefix"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/transports/transporttest"
)

// The conformance suite every built-in transport passes.
func TestConformance(t *testing.T) {
	d, ok := transports.Lookup(lenprefix.Name)
	if !ok {
		t.Fatalf("%s is not registered", lenprefix.Name)
	}
	transporttest.Run(t, d)
}
