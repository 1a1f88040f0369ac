package cli

import (
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/doctor"
	"github.com/ipcbench/ipcbench/results"
)

// TestDoctorExit: doctor exits 1 when a finding skews or breaks runs, and
// 0 when its only marks are facts of the host a user cannot change for a
// run (virtualization, limits that skip sizes, the past minute's load).
func TestDoctorExit(t *testing.T) {
	fact := results.Finding{Topic: "cpu", Name: "virtualization", Value: "virtual machine", Warn: true}
	limit := results.Finding{Topic: "limits", Name: "sysv-msg largest message", Value: "8 KiB", Warn: true}
	busy := results.Finding{Topic: "load", Name: "busy processes", Value: "yes (pid 1) 90%", Warn: true}
	unknown := results.Finding{Topic: "ledger", Name: "a check added later", Value: "bad", Warn: true}
	for _, tc := range []struct {
		name     string
		findings []results.Finding
		code     int
		inStderr string
	}{
		{"facts only", []results.Finding{fact, limit}, exitOK, ""},
		{"busy", []results.Finding{fact, busy}, exitFailure, "busy processes"},
		{"an unknown warning counts", []results.Finding{unknown}, exitFailure, "a check added later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			err := doctorRun(&doctorOptions{Check: func() []results.Finding { return tc.findings }, Stdout: &out, Stderr: &errOut})
			code := exitOK
			if ee, ok := err.(exitError); ok {
				code = ee.code
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.Contains(errOut.String(), tc.inStderr) {
				t.Errorf("exit %d, want %d; stderr %q\n%s", code, tc.code, errOut.String(), out.String())
			}
		})
	}
	// The findings doctor excuses must exist, or a rename in package doctor
	// would quietly turn them into failures (or the reverse).
	names := map[string]bool{}
	for _, f := range doctor.Check(0) {
		names[f.Topic+"/"+f.Name] = true
	}
	for key := range informational {
		if !names[key] && !strings.HasPrefix(key, "limits/") {
			t.Errorf("doctor excuses %q, which package doctor no longer reports", key)
		}
	}
}
