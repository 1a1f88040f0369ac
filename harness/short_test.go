package harness

import (
	"testing"

	"github.com/ipcbench/ipcbench/transports"
)

// eachTransport is every registered transport, or under -short the first
// (pipe): a test that checks one feature on every transport checks it on
// one, while TestEveryTransportCarriesVerifiedMessages still carries a case
// over each transport. The full lane (.ci/run) checks every transport.
func eachTransport() []transports.Descriptor {
	all := transports.All()
	if testing.Short() {
		return all[:1]
	}
	return all
}
