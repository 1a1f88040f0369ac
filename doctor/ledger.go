package doctor

import (
	"fmt"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/shm"
)

// creatorLedger says where this user's runs record what they create, for
// ipcbench clean, and why, when the first location was passed over: another
// user can squat /dev/shm/.ipcbench-ledger-<uid>, and runs then keep their
// ledgers in a directory only this user controls.
func creatorLedger() results.Finding {
	loc := shm.Ledgers()
	f := results.Finding{Topic: "ipcbench", Name: "creator ledger", Value: loc.Dir,
		Effect: "runs record the objects they create here; clean reads every ledger location"}
	if loc.Err != nil {
		f.Value = "none usable"
		f.Effect = "System V and POSIX queue transports and temp dirs cannot be created: " + loc.Err.Error()
		f.Warn = true
		return f
	}
	if len(loc.Skipped) == 0 {
		return f
	}
	var why []string
	for _, err := range loc.Skipped {
		why = append(why, err.Error())
	}
	f.Value = loc.Dir + " (a fallback)"
	f.Effect = fmt.Sprintf("runs record their objects in %s, since %s; clean reads every location", loc.Dir, strings.Join(why, "; "))
	// Not a warning: runs and clean work as well from the fallback, and a
	// warning fails doctor. The value and the fix say what happened.
	f.Fix = fmt.Sprintf("as root or the owner: rm -r %s", shm.LedgerLocations()[0])
	return f
}
