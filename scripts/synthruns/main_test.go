package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/scripts/internal/truth"
)

// TestInject writes a fleet twice from one seed, without and with changes,
// and checks each run's figures against its twin: a code change shows on
// every host from its night on, a host change on its host only, with the
// kernel string changed there.
func TestInject(t *testing.T) {
	const from, hosts, nights = "../../results/format/testdata/run6.json", 3, 10
	dir := t.TempDir()
	base, changed := filepath.Join(dir, "base"), filepath.Join(dir, "changed")
	if err := run(from, base, options{n: hosts * nights, hosts: hosts, seed: 7}); err != nil {
		t.Fatal(err)
	}
	specs := []string{"code:6:pipe/pingpong/64B:+10", "host:node-01:4:unix-stream/pingpong:-5"}
	o := options{n: hosts * nights, hosts: hosts, seed: 7, specs: specs, truthPath: changed + ".truth.json"}
	if err := run(from, changed, o); err != nil {
		t.Fatal(err)
	}
	tr, err := truth.Read(o.truthPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Changes) != 2 || tr.Changes[1].Case != "unix-stream/pingpong/64 B" || tr.Changes[0].CommitFrom == tr.Changes[0].CommitTo {
		t.Fatalf("truth: %+v", tr.Changes)
	}
	for i := range hosts * nights {
		name := fmt.Sprintf("run-%05d.json", i+1)
		a, b := read(t, filepath.Join(base, name)), read(t, filepath.Join(changed, name))
		host, night := a.Host.Hostname, tr.NightOf(a.StartedAt)
		if night != i/hosts+1 {
			t.Fatalf("%s: night %d, want %d", name, night, i/hosts+1)
		}
		wantPipe, wantUnix := 1.0, 1.0
		if night >= 6 {
			wantPipe = 1.10
		}
		if host == "node-01" && night >= 4 {
			wantUnix = 0.95
		}
		for k, c := range b.Cases {
			want := map[string]float64{"pipe/pingpong/64 B": wantPipe, "unix-stream/pingpong/64 B": wantUnix}[c.Key().String()]
			if want == 0 {
				want = 1
			}
			got := float64(c.Latency.P50Ns) / float64(a.Cases[k].Latency.P50Ns)
			gotRep := c.Repetitions[0].P50Ns / a.Cases[k].Repetitions[0].P50Ns
			if math.Abs(got-want) > 1e-3 || math.Abs(gotRep-want) > 1e-9 {
				t.Errorf("%s %s night %d %s: p50 × %.4f, repetition × %.4f, want × %g", name, host, night, c.Key(), got, gotRep, want)
			}
		}
		if kernelChanged := strings.Contains(b.Host.Kernel, "host-change-4"); kernelChanged != (wantUnix != 1) {
			t.Errorf("%s %s night %d: kernel %q", name, host, night, b.Host.Kernel)
		}
	}
}

func read(t *testing.T, path string) *results.File {
	t.Helper()
	f, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
