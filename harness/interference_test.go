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
	sample := func(stat string, atNs, wait, migrations int64) procSample {
		steal, total, err := parseStatSteal(procFixture(t, stat), all)
		if err != nil {
			t.Fatal(err)
		}
		return procSample{startNs: atNs, endNs: atNs + 10, runQueueWaitNs: wait, migrations: migrations, stealTicks: steal, totalTicks: total,
			waitOK: true, migrationsOK: true, stealOK: true}
	}
	before, after := sample("stat.before", 100, 1000, 2), sample("stat.after", 5100, 5000, 3)
	var rep Report
	addInterference(&rep, before, after)
	in := rep.Interference
	if share, ok := in.stealShare(); in.RunQueueWaitNs == nil || *in.RunQueueWaitNs != 4000 || in.Migrations == nil || *in.Migrations != 1 ||
		!ok || share != 0 || in.SpanNs != 5010 {
		t.Errorf("got %+v; want wait 4000 ns, 1 migration, steal 0 known, span 5010 ns", in)
	}
	if share, ok := in.runQueueShare(); !ok || share != 4000.0/5010 {
		t.Errorf("run-queue share %g, %v; want %g", share, ok, 4000.0/5010)
	}
	after.stealTicks += 22 // as if the hypervisor took 22 of the 222 ticks
	addInterference(&rep, before, after)
	if share, ok := rep.Interference.stealShare(); !ok || share != 22.0/float64(after.totalTicks-before.totalTicks) {
		t.Errorf("steal share %g, want %g", share, 22.0/float64(after.totalTicks-before.totalTicks))
	}
	addInterference(&rep, procSample{}, after)
	if in := rep.Interference; in.RunQueueWaitNs != nil || in.Migrations != nil || in.StealTicks != nil {
		t.Errorf("a sample /proc did not give was used: %+v", in)
	}
}

// TestSampleProcReadsEachCounterOnItsOwn: a kernel without
// CONFIG_SCHED_DEBUG has no /proc/thread-self/sched. It loses the
// migrations, which are unknown, and keeps the run-queue wait and the
// steal (all three read 0 when one file was missing).
func TestSampleProcReadsEachCounterOnItsOwn(t *testing.T) {
	files := map[string][]byte{
		"/proc/thread-self/schedstat": procFixture(t, "schedstat"),
		"/proc/thread-self/sched":     procFixture(t, "sched"),
		"/proc/stat":                  procFixture(t, "stat.after"),
	}
	for _, missing := range []string{"/proc/thread-self/schedstat", "/proc/thread-self/sched", "/proc/stat"} {
		t.Run(filepath.Base(missing), func(t *testing.T) {
			read := func(path string) ([]byte, error) {
				if path == missing {
					return nil, os.ErrNotExist
				}
				return files[path], nil
			}
			s := sampleProcWith(read)
			if s.waitOK == (missing == "/proc/thread-self/schedstat") || s.migrationsOK == (missing == "/proc/thread-self/sched") {
				t.Errorf("without %s: run-queue wait known %v, migrations known %v", missing, s.waitOK, s.migrationsOK)
			}
			if s.waitOK && s.runQueueWaitNs != 22582085 || s.migrationsOK && s.migrations != 77 {
				t.Errorf("without %s: wait %d ns, %d migrations; want the fixtures' 22582085 and 77", missing, s.runQueueWaitNs, s.migrations)
			}
			// The steal of this thread's own CPUs: known wherever /proc/stat
			// lists one of them (the fixture lists cpu0 and cpu1).
			if missing == "/proc/stat" && s.stealOK {
				t.Error("steal known without /proc/stat")
			}
			if s.startNs <= 0 || s.endNs < s.startNs {
				t.Errorf("reads bracketed from %d to %d ns", s.startNs, s.endNs)
			}
		})
	}
}

// workerIn is a worker's interference over a 1 s window: run-queue wait
// (ns), steal ticks of total ticks; a negative figure is unknown.
func workerIn(waitNs, stealTicks, totalTicks, migrations int64) Report {
	in := workerInterference{SpanNs: 1e9}
	if waitNs >= 0 {
		in.RunQueueWaitNs = new(waitNs)
	}
	if stealTicks >= 0 {
		in.StealTicks, in.TotalTicks = new(uint64(stealTicks)), uint64(totalTicks)
	}
	if migrations >= 0 {
		in.Migrations = new(migrations)
	}
	return Report{Interference: in}
}

// TestSummarizeInterference: the case takes the largest steal share and
// the largest run-queue wait of any worker, and sums migrations, each
// unknown where a worker's is. It is flagged NOISY where a worker's steal
// is beyond the limit by more than the tick its count may be off by, or
// a thread's run-queue wait is beyond the limit, except where the workers
// share a CPU.
func TestSummarizeInterference(t *testing.T) {
	pinned, shared := []int{0, 1}, []int{1, 1}
	for _, tc := range []struct {
		name  string
		cpus  []int
		reps  []Report
		steal float64 // -1: unknown
		wait  float64 // run-queue share; -1: unknown
		moves int64   // -1: unknown
		flags []string
	}{
		{"quiet", pinned, []Report{workerIn(1000, 0, 100, 1), workerIn(2000, 0, 100, 0)}, 0, 2e-6, 1, nil},
		{"steal", pinned, []Report{workerIn(0, 12, 100, 0), workerIn(0, 1, 100, 0)}, 0.12, 0, 0, []string{"steal 12 %, 12 of 100 ticks"}},
		// 200 ms on one CPU: 20 ticks; one stolen tick may be almost none.
		{"one stolen tick of 6 is not proof", pinned, []Report{workerIn(0, 1, 6, 0), workerIn(0, 0, 6, 0)}, 1.0 / 6, 0, 0, nil},
		{"2 of 20 ticks may be 1 tick stolen: 5 %", pinned, []Report{workerIn(0, 2, 20, 0), workerIn(0, 0, 20, 0)}, 0.1, 0, 0, nil},
		{"3 of 20 ticks are at least 2 stolen: 10 %", pinned, []Report{workerIn(0, 3, 20, 0), workerIn(0, 0, 20, 0)}, 0.15, 0, 0, []string{"steal 15 %, 3 of 20 ticks"}},
		{"run-queue wait", pinned, []Report{workerIn(100e6, 0, 100, 0), workerIn(50e6, 0, 100, 0)}, 0, 0.1, 0, nil},
		{"run-queue wait of the thread that waited most", pinned, []Report{workerIn(50e6, 0, 100, 0), workerIn(150e6, 0, 100, 0)}, 0, 0.15, 0, []string{"run-queue wait 15 % (side b)"}},
		{"both threads waiting 60 % is 60 %, not 120 %", pinned, []Report{workerIn(600e6, 0, 100, 0), workerIn(600e6, 0, 100, 0)}, 0, 0.6, 0, []string{"run-queue wait 60 % (side a)"}},
		{"run-queue wait on one CPU is the design", shared, []Report{workerIn(600e6, 0, 100, 0), workerIn(600e6, 0, 100, 0)}, 0, 0.6, 0, nil},
		{"6 of 100 ticks may be 5 stolen: 5 %", pinned, []Report{workerIn(0, 6, 100, 0), workerIn(0, 0, 100, 0)}, 0.06, 0, 0, nil},
		{"both", pinned, []Report{workerIn(300e6, 7, 100, 0), workerIn(0, 0, 100, 0)}, 0.07, 0.3, 0, []string{"steal 7 %, 7 of 100 ticks", "run-queue wait 30 % (side a)"}},
		{"no sched: migrations unknown", pinned, []Report{workerIn(1000, 0, 100, -1), workerIn(2000, 0, 100, 3)}, 0, 2e-6, -1, nil},
		{"no schedstat: run-queue wait unknown, never 0", pinned, []Report{workerIn(-1, 0, 100, 1), workerIn(-1, 0, 100, 1)}, 0, -1, 2, nil},
		{"one worker's wait is not the case's", pinned, []Report{workerIn(900e6, 0, 100, 1), workerIn(-1, 0, 100, 1)}, 0, -1, 2, nil},
		{"no /proc/stat: steal unknown", pinned, []Report{workerIn(0, -1, 0, 0), workerIn(0, 50, 100, 0)}, -1, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := results.Case{Messages: 1000, WindowNs: 1e9, Workers: []results.Worker{{Side: "a"}, {Side: "b"}},
				Interference: &results.Interference{SharedCPU: true}} // as the loop's getcpu samples may have set it
			summarizeInterference(Case{CPUs: tc.cpus}, tc.reps, &out)
			in := out.Interference
			if got := fmt.Sprintf("steal %s, wait %s, migrations %s, shared %v", optional(in.StealShare), optional(in.RunQueueShare), optional(in.Migrations), in.SharedCPU); got !=
				fmt.Sprintf("steal %s, wait %s, migrations %s, shared true", known(tc.steal), known(tc.wait), known(float64(tc.moves))) {
				t.Errorf("%s; want steal %s, wait %s, migrations %s, SharedCPU kept", got, known(tc.steal), known(tc.wait), known(float64(tc.moves)))
			}
			for i, r := range tc.reps {
				w, wi := out.Workers[i], r.Interference
				if optional(w.RunQueueWaitNs) != optional(wi.RunQueueWaitNs) || optional(w.Migrations) != optional(wi.Migrations) ||
					(w.StealShare != nil) != (wi.StealTicks != nil) || wi.StealTicks != nil && (w.StealTicks != *wi.StealTicks || w.TotalTicks != wi.TotalTicks) {
					t.Errorf("worker %d: %+v, want the report's figures %+v", i, w, wi)
				}
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

// optional prints a figure that may be unknown: "-" for nil.
func optional[T int64 | float64](p *T) string {
	if p == nil {
		return "-"
	}
	return known(float64(*p))
}

// known prints a figure, "-" for a negative one (unknown in the tables above).
func known(x float64) string {
	if x < 0 {
		return "-"
	}
	return fmt.Sprintf("%.6g", x)
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
	if s := r.Interference.StealShare; s == nil || *s < 0 || *s > 1 {
		t.Errorf("steal share %s, want 0 to 1", optional(s))
	}
	if s := r.Interference.RunQueueShare; s == nil || *s <= 0 || *s > 1 {
		t.Errorf("run-queue share %s, want above 0 and at most 1", optional(s))
	}
	// On one CPU each side waits for the other at every message.
	for _, w := range r.Workers {
		if w.RunQueueWaitNs == nil || *w.RunQueueWaitNs <= 0 {
			t.Errorf("side %s: run-queue wait %s ns on a CPU it shares with its peer, want above 0", w.Side, optional(w.RunQueueWaitNs))
		}
	}
	for _, f := range r.Flags {
		if strings.Contains(f.Detail, "run-queue") {
			t.Errorf("flagged %s %q: sharing the CPU on purpose is not interference", f.Name, f.Detail)
		}
	}
}
