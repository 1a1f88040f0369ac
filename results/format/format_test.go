package format_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

func TestFormats(t *testing.T) {
	f := resultstest.Mixed()
	for _, name := range format.RunFormats {
		var b bytes.Buffer
		if err := format.WriteRun(&b, name, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		for _, want := range []string{"pipe", "tcp", "side b died"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", name, want, out)
			}
		}
	}
	var b bytes.Buffer
	format.WriteTable(&b, f)
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[1], "25.0µs") || !strings.Contains(lines[3], "failed: side b died") || strings.Contains(lines[3], "µs") {
		t.Errorf("table rows wrong:\n%s", b.String())
	}
	if err := format.WriteRun(&b, "xml", f); err == nil {
		t.Error("unknown format accepted")
	}
}
