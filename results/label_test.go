package results_test

import (
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// TestLabelCheck: run --label and Validate share one rule.
func TestLabelCheck(t *testing.T) {
	for _, ok := range []string{"", "main", "pr-123 on 6.8.0-1015-aws", "<script>alert(1)</script>", strings.Repeat("x", results.MaxLabelBytes)} {
		if err := results.CheckLabel(ok); err != nil {
			t.Errorf("CheckLabel(%.40q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{strings.Repeat("x", results.MaxLabelBytes+1), "a\nb", "\x1b]0;pwned\x07", "\x1b[2J", "tab\there", "rtl\u202eevil", "ls\u2028"} {
		if err := results.CheckLabel(bad); err == nil {
			t.Errorf("CheckLabel(%.40q) = nil, want a refusal", bad)
		} else if strings.ContainsAny(err.Error(), "\n\x1b\x07\t\u202e\u2028") {
			t.Errorf("CheckLabel(%.40q) = %q echoes a control character", bad, err)
		}
	}
}
