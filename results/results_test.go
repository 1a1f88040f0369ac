package results_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "r.json")
	f := resultstest.Mixed()
	if err := results.WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cases) != 3 || got.Cases[0].Latency != f.Cases[0].Latency {
		t.Fatalf("round trip changed the file: %+v", got.Cases)
	}
	h, err := results.DecodeHistogram(got.Cases[0].HistogramHDR)
	if err != nil || results.Summarize(h) != f.Cases[0].Latency {
		t.Fatalf("histogram did not survive: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("Write left temp files: %v", entries)
	}
}

func TestReadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(func() string {
		p := filepath.Join(dir, "good.json")
		if err := results.WriteFile(p, resultstest.Mixed()); err != nil {
			t.Fatal(err)
		}
		return p
	}())
	for name, tc := range map[string]struct {
		data string
		want string
	}{
		"empty":       {"", "empty file"},
		"truncated":   {string(good[:len(good)/2]), "unexpected end"},
		"no schema":   {`{"cases": []}`, `no "schema"`},
		"newer":       {`{"schema": "ipcbench/results/v2"}`, `schema "ipcbench/results/v2"`},
		"wrong shape": {`{"schema": "` + results.Schema + `", "cases": {"a": 1}}`, "cannot unmarshal"},
		"array":       {`[1,2]`, "cannot unmarshal"},
		"bad status":  {`{"schema": "` + results.Schema + `", "cases": [{"status": "great"}]}`, "unknown status"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
			os.WriteFile(p, []byte(tc.data), 0o600)
			_, err := results.ReadFile(p)
			if !errors.Is(err, results.ErrSchema) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("Read = %v, want ErrSchema naming the file and %q", err, tc.want)
			}
		})
	}
	if _, err := results.ReadFile(filepath.Join(dir, "missing.json")); err == nil || !os.IsNotExist(errors.Unwrap(err)) {
		t.Errorf("missing file: %v", err)
	}
}

// TestCaseKeyKeepsRatesApart: two rates of one transport are two cases to
// compare and history, never one pool.
func TestCaseKeyKeepsRatesApart(t *testing.T) {
	a := results.Case{Transport: "pipe", Workload: "rate", SizeBytes: 64, OfferedRate: 10_000}
	b := a
	b.OfferedRate = 50_000
	if a.Key() == b.Key() {
		t.Errorf("rates 10k and 50k share the key %v", a.Key())
	}
	if got := b.Key().String(); got != "pipe/rate@50k/64 B" {
		t.Errorf("key %q", got)
	}
	if got := (results.Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64}).Key().String(); got != "pipe/pingpong/64 B" {
		t.Errorf("closed-loop key %q", got)
	}
}
