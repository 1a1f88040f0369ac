package results_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// FuzzParse checks that Parse never panics, that what it accepts passes
// Validate and survives a round trip, and that every rendering of it
// succeeds.
func FuzzParse(f *testing.F) {
	resultstest.FuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := results.Parse("fuzz.json", data)
		if err != nil {
			if file != nil {
				t.Fatalf("Parse returned a file with error %v", err)
			}
			return
		}
		if err := results.Validate(file); err != nil {
			t.Fatalf("Parse accepted a file Validate refuses: %v", err)
		}
		again, err := json.Marshal(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := results.Parse("again.json", again); err != nil {
			t.Fatalf("Parse refused its own file re-encoded: %v", err)
		}
		for _, name := range format.RunFormats {
			if err := format.WriteRun(&bytes.Buffer{}, name, file); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	})
}
