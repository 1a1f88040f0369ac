package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// writeFleet writes nights runs of each host into dir, night n on commit
// cNN, the pipe case's p50 scaled by scale(host, night) and the kernel
// kernel(host, night); nil functions leave both as they are.
func writeFleet(t *testing.T, dir string, hosts []string, nights int, scale func(host string, night int) float64, kernel func(host string, night int) string) {
	t.Helper()
	for n := range nights {
		for h, host := range hosts {
			s := 1.0
			if scale != nil {
				s = scale(host, n)
			}
			writeRuns(t, dir, fmt.Sprintf("%s-%02d", host, n), uint64(10*n+h), 3, s, func(f *results.File) {
				f.Host.Hostname, f.Host.Commit = host, fmt.Sprintf("c%02d", n)
				if kernel != nil {
					f.Host.Kernel = kernel(host, n)
				}
			})
		}
	}
}

// changesJSON is the part of changes --format json the tests read.
type changesJSON struct {
	Groups []struct {
		Kind, CommitFrom, CommitTo, Case, Metric, Direction string
		Hosts                                               []string
	}
	Points []struct {
		Host, Kind, Direction, RunID, CommitFrom, CommitTo string
		HostDifferences                                    []string
	}
	Series, UntestedSeries int
}

func TestChangesAttribution(t *testing.T) {
	hosts := []string{"h1", "h2", "h3"}
	code, host := t.TempDir(), t.TempDir()
	writeFleet(t, code, hosts, 20, func(_ string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[n >= 10] }, nil)
	after := func(h string, n int) bool { return h == "h2" && n >= 8 }
	writeFleet(t, host, hosts, 20, func(h string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[after(h, n)] },
		func(h string, n int) string {
			return map[bool]string{true: "Linux 6.2", false: "Linux 6.1"}[after(h, n)]
		})
	for _, tc := range []struct {
		dir      string
		kind     string
		from, to string
		hosts    []string
		diff     string
	}{
		{code, "code", "c09", "c10", hosts, ""},
		{host, "host", "c07", "c08", []string{"h2"}, "kernel Linux 6.1 → Linux 6.2"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			exit, out, errOut := runCLI("changes", tc.dir, "--case", "pipe", "--format", "json")
			if exit != exitOK {
				t.Fatalf("exit %d\n%s%s", exit, out, errOut)
			}
			var c changesJSON
			if err := json.Unmarshal([]byte(strings.ReplaceAll(out, "_", "")), &c); err != nil {
				t.Fatalf("changes --format json: %v\n%s", err, out)
			}
			if len(c.Groups) != 1 || c.Groups[0].Kind != tc.kind || c.Groups[0].CommitFrom != tc.from || c.Groups[0].CommitTo != tc.to ||
				!slices.Equal(c.Groups[0].Hosts, tc.hosts) || c.Groups[0].Direction != "regression" || c.Series != 3 || c.UntestedSeries != 0 {
				t.Fatalf("got %+v, want one %s group %s..%s on %v", c, tc.kind, tc.from, tc.to, tc.hosts)
			}
			for _, p := range c.Points {
				if p.Kind != tc.kind || (tc.diff != "" && !slices.Contains(p.HostDifferences, tc.diff)) {
					t.Errorf("point %+v: want kind %s, host differences with %q", p, tc.kind, tc.diff)
				}
			}
			exit, out, _ = runCLI("changes", tc.dir, "--case", "pipe")
			want := []string{tc.kind, tc.from + ".." + tc.to, "▲ regression", "Change points by host"}
			if tc.diff != "" {
				want = append(want, "h2: "+tc.diff)
			}
			for _, w := range want {
				if exit != exitOK || !strings.Contains(out, w) {
					t.Errorf("changes: exit %d; want %q in\n%s", exit, w, out)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				// A run's path is the test's temporary directory: long, and
				// never broken.
				if n := len([]rune(line)); n > 120 && !strings.Contains(line, tc.dir) {
					t.Errorf("a line of %d columns, over 120: %q", n, line)
				}
			}
		})
	}
}

// TestChangesJSONShape: the keys the evaluation scripts read.
func TestChangesJSONShape(t *testing.T) {
	dir := t.TempDir()
	writeFleet(t, dir, []string{"h1"}, 20, func(_ string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[n >= 10] }, nil)
	_, out, _ := runCLI("changes", dir, "--format", "json")
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		t.Fatal(err)
	}
	var groups, points []map[string]any
	if json.Unmarshal(top["groups"], &groups) != nil || json.Unmarshal(top["points"], &points) != nil || len(groups) == 0 || len(points) == 0 {
		t.Fatalf("want groups and points:\n%s", out)
	}
	for _, want := range []struct {
		obj  map[string]any
		keys []string
	}{
		{groups[0], []string{"kind", "commit_from", "commit_to", "case", "metric", "hosts", "direction", "magnitude"}},
		{points[0], []string{"host", "case", "metric", "index", "run_started", "run_id", "commit_from", "commit_to", "magnitude", "lo", "hi", "p", "direction", "kind"}},
	} {
		for _, k := range want.keys {
			if _, ok := want.obj[k]; !ok {
				t.Errorf("no %q in %v", k, want.obj)
			}
		}
	}
	for _, k := range []string{"series", "untested_series"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no %q at the top:\n%s", k, out)
		}
	}
}

// TestChangesGate: exit 1 on a regression change point, 3 when no series
// was long enough to search, 2 on bad flags.
func TestChangesGate(t *testing.T) {
	steady, step, better, short := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	hosts := []string{"h1", "h2"}
	writeFleet(t, steady, hosts, 20, nil, nil)
	writeFleet(t, step, hosts, 20, func(_ string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[n >= 10] }, nil)
	writeFleet(t, better, hosts, 20, func(_ string, n int) float64 { return map[bool]float64{true: 0.8, false: 1}[n >= 10] }, nil)
	writeFleet(t, short, hosts, 6, nil, nil)
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{step}, exitOK, ""},
		{[]string{step, "--fail-on-regression"}, exitFailure, "regressions found"},
		{[]string{step, "--fail-on-regression", "--min-magnitude", "50%"}, exitOK, ""},
		{[]string{better, "--fail-on-regression"}, exitOK, ""},
		{[]string{steady, "--fail-on-regression"}, exitOK, ""},
		{[]string{short, "--fail-on-regression"}, exitUntested, "--allow-untested"},
		{[]string{short, "--fail-on-regression", "--allow-untested"}, exitOK, ""},
		{[]string{short}, exitOK, ""},
		{[]string{steady, "--host", "h1"}, exitUsage, "give --store"},
		{[]string{steady, "--min-magnitude", "lots"}, exitUsage, "--min-magnitude"},
		{[]string{steady, "--alpha", "2"}, exitUsage, "--alpha"},
		{[]string{steady, "--metric", "p42"}, exitUsage, "--metric"},
		{[]string{steady, "--format", "xml"}, exitUsage, "xml"},
		{[]string{steady, "--case", "carrier-pigeon"}, exitUsage, "no ok case"},
	} {
		code, out, errOut := runCLI(append([]string{"changes"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%q: exit %d, want %d; stderr %q, want %q\n%s", tc.args, code, tc.code, errOut, tc.inStderr, out)
		}
	}
}

// TestChangesStore: the runs come from a store as history picks them.
func TestChangesStore(t *testing.T) {
	dir := t.TempDir()
	writeFleet(t, dir, []string{"h1", "h2"}, 20, func(_ string, n int) float64 { return map[bool]float64{true: 1.2, false: 1}[n >= 10] }, nil)
	db := "sqlite:" + t.TempDir() + "/s.db"
	if code, out, errOut := runCLI("store", "add", dir, "--store="+db); code != exitOK {
		t.Fatalf("store add: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI("changes", "--store="+db, "--host", "h1", "--format", "json")
	var c changesJSON
	if code != exitOK || json.Unmarshal([]byte(strings.ReplaceAll(out, "_", "")), &c) != nil {
		t.Fatalf("changes --store: exit %d\n%s%s", code, out, errOut)
	}
	if c.Series != 2 || len(c.Points) != 1 || c.Points[0].Host != "h1" || !strings.HasPrefix(c.Points[0].RunID, "run:") {
		t.Errorf("changes --store --host h1: %+v, want h1's two series and its one change, named run:N", c)
	}
}
