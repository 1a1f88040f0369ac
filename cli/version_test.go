package cli

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: ipcbench version and --version print the version, the
// commit (with dirty) and the Go version; a build without VCS stamps, such
// as go run or this test binary, still names the checkout's commit.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := runCLI(args...)
		if code != exitOK || !strings.Contains(out, "ipcbench ") || !strings.Contains(out, "commit: ") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errOut)
		}
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			continue // no git or no checkout: "unknown" is the truth
		}
		if !strings.Contains(out, "commit: "+strings.TrimSpace(string(head))) {
			t.Errorf("%q does not name the checkout's commit %s:\n%s", args, head, out)
		}
	}
}
