package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// TestListMarksOptIn checks that list shows every registered transport and
// workload on a line of its own, marked opt-in exactly when a run leaves it
// out by default.
func TestListMarksOptIn(t *testing.T) {
	var out bytes.Buffer
	if err := listRun(&listOptions{Out: &out}); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // first field → the whole row
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = l
		}
	}
	type unit struct {
		name  string
		optIn bool
	}
	var units []unit
	for _, d := range transports.All() {
		units = append(units, unit{d.Name, d.OptIn})
	}
	for _, w := range workloads.All() {
		units = append(units, unit{w.Name, !w.Default})
	}
	for _, u := range units {
		row, ok := rows[u.name]
		if !ok {
			t.Errorf("list has no row for %s", u.name)
			continue
		}
		if marked := strings.HasPrefix(row, u.name+optInMark); marked != u.optIn {
			t.Errorf("%s: marked opt-in %v, want %v: %q", u.name, marked, u.optIn, row)
		}
	}
	for _, head := range []string{"TRANSPORT", "WORKLOAD"} {
		if _, ok := rows[head]; !ok {
			t.Errorf("list lacks the %s header:\n%s", head, out.String())
		}
	}
}
