package cli

import (
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestRunHelpListsOptIns: run --help names every transport and workload
// that runs only when named, as the registries say.
func TestRunHelpListsOptIns(t *testing.T) {
	_, stdout, _ := runCLI("run", "--help")
	for _, reg := range []struct{ all, defaults []string }{
		{transports.Names(), transports.Defaults()},
		{workloads.Names(), workloads.Defaults()},
	} {
		for _, name := range reg.all {
			if !strings.Contains(stdout, name) {
				t.Errorf("run --help does not name %s", name)
			}
		}
		if len(reg.defaults) == len(reg.all) {
			t.Errorf("no opt-in member in %v", reg.all)
		}
	}
	if !strings.Contains(stdout, "opt-in, run only when named: rate, stream-inplace, fanin, relay") {
		t.Errorf("run --help does not list the opt-in workloads:\n%s", stdout)
	}
}
