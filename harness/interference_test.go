package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// The fixtures in testdata/proc are real: /proc/stat read twice a second
// apart on the 2-vCPU guest (kernel 6.18) with one CPU busy in between,
// and /proc/1/schedstat and /proc/1/sched of the same guest.
func procFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "proc", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSchedstat(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64
		err      bool
	}{
		{"fixture", string(procFixture(t, "schedstat")), 22582085, false},
		{"new thread", "0 0 1\n", 0, false},
		{"two fields", "205799645 22582085\n", 0, true},
		{"not a number", "1 x 3\n", 0, true},
		{"empty", "", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSchedstat([]byte(tc.in))
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("parseSchedstat(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestParseSchedMigrations(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64
		err      bool
	}{
		{"fixture", string(procFixture(t, "sched")), 77, false},
		{"one line", "se.nr_migrations                             :                    3\n", 3, false},
		{"nr_migrations alone is not it", "nr_migrations : 3\n", 0, true},
		{"no such line", "se.vruntime : 181.440570\n", 0, true},
		{"not a number", "se.nr_migrations : many\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSchedMigrations([]byte(tc.in))
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("parseSchedMigrations = %d, %v; want %d, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestParseStatSteal(t *testing.T) {
	cpu := func(cpus ...int) func(int) bool {
		return func(c int) bool {
			for _, x := range cpus {
				if x == c {
					return true
				}
			}
			return false
		}
	}
	// cpu0 91934 28 36113 165897 186 0 86 117 0 0 and
	// cpu1 95764 114 34460 163134 663 0 324 123 0 0 (guest columns left out).
	const cpu0Total, cpu1Total = 91934 + 28 + 36113 + 165897 + 186 + 0 + 86 + 117, 95764 + 114 + 34460 + 163134 + 663 + 0 + 324 + 123
	for _, tc := range []struct {
		name         string
		in           []byte
		use          func(int) bool
		steal, total uint64
		err          bool
	}{
		{"cpu0", procFixture(t, "stat.after"), cpu(0), 117, cpu0Total, false},
		{"cpu1", procFixture(t, "stat.after"), cpu(1), 123, cpu1Total, false},
		{"both, not the cpu total line", procFixture(t, "stat.after"), cpu(0, 1), 240, cpu0Total + cpu1Total, false},
		{"only CPUs listed count", procFixture(t, "stat.after"), cpu(1, 7), 123, cpu1Total, false},
		{"none listed", procFixture(t, "stat.after"), cpu(7), 0, 0, true},
		{"old kernel without steal", []byte("cpu0 1 2 3 4 5 6 7\n"), cpu(0), 0, 0, true},
		{"not a number", []byte("cpu0 1 2 3 4 5 6 7 x 0 0\n"), cpu(0), 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steal, total, err := parseStatSteal(tc.in, tc.use)
			if (err != nil) != tc.err || steal != tc.steal || total != tc.total {
				t.Errorf("parseStatSteal = %d, %d, %v; want %d, %d, error %v", steal, total, err, tc.steal, tc.total, tc.err)
			}
		})
	}
}

// TestAddInterference takes the difference of the two real /proc/stat
// samples: a second in which cpu1 was busy and nothing was stolen.
func TestAddInterference(t *testing.T) {
	all := func(int) bool { return true }
	sample := func(stat string, wait, migrations int64) procSample {
		steal, total, err := parseStatSteal(procFixture(t, stat), all)
		if err != nil {
			t.Fatal(err)
		}
		return procSample{runQueueWaitNs: wait, migrations: migrations, stealTicks: steal, totalTicks: total, ok: true}
	}
	before, after := sample("stat.before", 1000, 2), sample("stat.after", 5000, 3)
	var rep Report
	addInterference(&rep, before, after)
	if rep.RunQueueWaitNs != 4000 || rep.Migrations != 1 || rep.StealShare != 0 {
		t.Errorf("got wait %d ns, %d migrations, steal %g; want 4000, 1, 0", rep.RunQueueWaitNs, rep.Migrations, rep.StealShare)
	}
	after.stealTicks += 22 // as if the hypervisor took 22 of the 222 ticks
	rep = Report{}
	addInterference(&rep, before, after)
	if want := 22.0 / float64(after.totalTicks-before.totalTicks); rep.StealShare != want {
		t.Errorf("steal share %g, want %g", rep.StealShare, want)
	}
	rep = Report{}
	addInterference(&rep, procSample{}, after)
	if rep.RunQueueWaitNs != 0 || rep.Migrations != 0 || rep.StealShare != 0 {
		t.Errorf("a sample /proc did not give was used: %+v", rep)
	}
}

// TestSummarizeInterference: the case sums wait and migrations over its
// workers, takes the largest steal share, and is flagged NOISY above the
// limits, except for run-queue wait where the workers share a CPU.
func TestSummarizeInterference(t *testing.T) {
	pinned, shared := []int{0, 1}, []int{1, 1}
	for _, tc := range []struct {
		name  string
		cpus  []int
		reps  []Report
		flags []string
	}{
		{"quiet", pinned, []Report{{RunQueueWaitNs: 1000, Migrations: 1}, {RunQueueWaitNs: 2000}}, nil},
		{"steal", pinned, []Report{{StealShare: 0.12}, {StealShare: 0.01}}, []string{"steal 12 %"}},
		{"run-queue wait", pinned, []Report{{RunQueueWaitNs: 100e6}, {RunQueueWaitNs: 50e6}}, []string{"run-queue wait 15 %"}},
		{"run-queue wait on one CPU is the design", shared, []Report{{RunQueueWaitNs: 100e6}, {RunQueueWaitNs: 50e6}}, nil},
		{"both", pinned, []Report{{RunQueueWaitNs: 300e6, StealShare: 0.06}, {}}, []string{"steal 6 %", "run-queue wait 30 %"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := results.Case{Messages: 1000, WindowNs: 1e9, Workers: make([]results.Worker, len(tc.reps)),
				Interference: &results.Interference{SharedCPU: true}} // as the loop's getcpu samples may have set it
			summarizeInterference(Case{CPUs: tc.cpus}, tc.reps, &out)
			in := out.Interference
			var wait, migrations int64
			var steal float64
			for i, r := range tc.reps {
				wait += r.RunQueueWaitNs
				migrations += r.Migrations
				steal = max(steal, r.StealShare)
				if w := out.Workers[i]; w.RunQueueWaitNs != r.RunQueueWaitNs || w.Migrations != r.Migrations || w.StealShare != r.StealShare {
					t.Errorf("worker %d: %+v, want the report's figures", i, w)
				}
			}
			if in.RunQueueWaitNsPerMsg != float64(wait)/1000 || in.Migrations != migrations || in.StealShare != steal || !in.SharedCPU {
				t.Errorf("interference %+v; want wait %g ns/msg, %d migrations, steal %g, SharedCPU kept", in, float64(wait)/1000, migrations, steal)
			}
			var got []string
			for _, f := range out.Flags {
				if f.Name != results.FlagNoisy {
					t.Errorf("flag %q, want %q", f.Name, results.FlagNoisy)
				}
				got = append(got, f.Detail)
			}
			if strings.Join(got, "; ") != strings.Join(tc.flags, "; ") {
				t.Errorf("flags %q, want %q", got, tc.flags)
			}
		})
	}
}

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0\n", "[0]"},
		{"0-3,8,10-11", "[0 1 2 3 8 10 11]"},
		{"0,64", "[0 64]"},
		{"", "[]"},
		{"3-1,x,5", "[5]"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := fmt.Sprint(parseCPUList(tc.in)); got != tc.want {
				t.Errorf("parseCPUList(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestMeasuredWindowRecordsInterference runs a case and checks that the
// workers read their counters: a pingpong's measuring threads run, so
// their schedstat moved, and steal shares are shares.
func TestMeasuredWindowRecordsInterference(t *testing.T) {
	if _, err := os.Stat("/proc/thread-self/schedstat"); err != nil {
		t.Skipf("no schedstat on this kernel (CONFIG_SCHED_INFO): %v", err)
	}
	r := RunCase(context.Background(), Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Duration: 100 * time.Millisecond, CPUs: []int{0, 0}})
	if r.Status != results.StatusOK {
		t.Fatalf("%s %s", r.Status, r.Reason)
	}
	if r.Interference == nil {
		t.Fatal("no interference recorded")
	}
	if r.Interference.StealShare < 0 || r.Interference.StealShare > 1 {
		t.Errorf("steal share %g, want 0 to 1", r.Interference.StealShare)
	}
	// On one CPU each side waits for the other at every message.
	for _, w := range r.Workers {
		if w.RunQueueWaitNs <= 0 {
			t.Errorf("side %s: run-queue wait %d ns on a CPU it shares with its peer, want above 0", w.Side, w.RunQueueWaitNs)
		}
	}
	for _, f := range r.Flags {
		if strings.Contains(f.Detail, "run-queue") {
			t.Errorf("flagged %s %q: sharing the CPU on purpose is not interference", f.Name, f.Detail)
		}
	}
}
