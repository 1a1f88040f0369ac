package harness

// This file is what the host did to a worker in its measured window, read
// from /proc before and after the window (never inside it): the measuring
// thread's run-queue wait (schedstat) and migrations (sched), and the
// steal time of the CPUs it may run on (/proc/stat). summarizeInterference
// turns the workers' figures into the case's, and flags a noisy case. A
// figure /proc did not give is unknown, never 0.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// procSample is one reading of the counters a worker brackets its window
// with. Each counter is read on its own and is unknown (its ok false)
// where /proc did not give it: a kernel without CONFIG_SCHED_INFO has no
// schedstat (run-queue wait), one without CONFIG_SCHED_DEBUG no sched
// (migrations), and losing one loses nothing else.
type procSample struct {
	// startNs and endNs bracket the reads on CLOCK_MONOTONIC: the wait
	// between two samples lies within the first's start and the last's end.
	startNs, endNs int64
	runQueueWaitNs int64  // schedstat: time runnable but waiting for a CPU
	migrations     int64  // sched: se.nr_migrations
	stealTicks     uint64 // /proc/stat: steal of the allowed CPUs, in USER_HZ
	totalTicks     uint64 // /proc/stat: all time of the allowed CPUs, in USER_HZ

	waitOK, migrationsOK, stealOK bool // which of them /proc gave
}

// sampleProc reads the calling thread's counters; the worker calls it on
// its measuring thread just before and just after the window.
func sampleProc() procSample { return sampleProcWith(os.ReadFile) }

// sampleProcWith is sampleProc reading /proc with read.
func sampleProcWith(read func(path string) ([]byte, error)) (s procSample) {
	s.startNs = nanotime()
	defer func() { s.endNs = nanotime() }() // after every read, whichever returns
	if b, err := read("/proc/thread-self/schedstat"); err == nil {
		s.runQueueWaitNs, err = parseSchedstat(b)
		s.waitOK = err == nil
	}
	if b, err := read("/proc/thread-self/sched"); err == nil {
		s.migrations, err = parseSchedMigrations(b)
		s.migrationsOK = err == nil
	}
	var allowed unix.CPUSet
	if unix.SchedGetaffinity(0, &allowed) != nil {
		return s
	}
	if b, err := read("/proc/stat"); err == nil {
		s.stealTicks, s.totalTicks, err = parseStatSteal(b, allowed.IsSet)
		s.stealOK = err == nil
	}
	return s
}

// workerInterference is what /proc says the host did to one worker's
// measuring thread in its window, the difference of two procSamples; a
// nil figure is one /proc did not give.
type workerInterference struct {
	RunQueueWaitNs *int64 `json:"run_queue_wait_ns,omitempty"`
	// SpanNs is from the first reading to the last: the wait lies within it.
	SpanNs     int64   `json:"span_ns,omitempty"`
	Migrations *int64  `json:"migrations,omitempty"`
	StealTicks *uint64 `json:"steal_ticks,omitempty"`
	TotalTicks uint64  `json:"total_ticks,omitempty"`
}

// addInterference puts the difference between two samples into rep.
func addInterference(rep *Report, before, after procSample) {
	in := workerInterference{SpanNs: after.endNs - before.startNs}
	if before.waitOK && after.waitOK {
		in.RunQueueWaitNs = new(after.runQueueWaitNs - before.runQueueWaitNs)
	}
	if before.migrationsOK && after.migrationsOK {
		in.Migrations = new(after.migrations - before.migrations)
	}
	if before.stealOK && after.stealOK && after.totalTicks > before.totalTicks {
		in.StealTicks = new(after.stealTicks - before.stealTicks)
		in.TotalTicks = after.totalTicks - before.totalTicks
	}
	rep.Interference = in
}

// stealShare is the share of its CPUs' time stolen, and whether it is known.
func (w workerInterference) stealShare() (float64, bool) {
	if w.StealTicks == nil || w.TotalTicks == 0 {
		return 0, false
	}
	return float64(*w.StealTicks) / float64(w.TotalTicks), true
}

// runQueueShare is the share of its window the measuring thread spent
// runnable but waiting for a CPU, at most 1, and whether it is known.
func (w workerInterference) runQueueShare() (float64, bool) {
	if w.RunQueueWaitNs == nil || w.SpanNs <= 0 {
		return 0, false
	}
	return min(1, float64(*w.RunQueueWaitNs)/float64(w.SpanNs)), true
}

// parseSchedstat reads /proc/<pid>/task/<tid>/schedstat: time on the CPU,
// time runnable but waiting for one (both ns), and timeslices. It returns
// the wait.
func parseSchedstat(b []byte) (int64, error) {
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return 0, fmt.Errorf("schedstat %q: want 3 fields", b)
	}
	wait, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("schedstat run-queue wait: %w", err)
	}
	return wait, nil
}

// parseSchedMigrations reads se.nr_migrations from /proc/<pid>/task/<tid>/sched.
func parseSchedMigrations(b []byte) (int64, error) {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "se.nr_migrations" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("sched se.nr_migrations: %w", err)
		}
		return n, nil
	}
	return 0, errors.New("sched: no se.nr_migrations line")
}

// parseStatSteal sums, over the CPUs for which use is true, the steal
// ticks of /proc/stat and all ticks (user, nice, system, idle, iowait,
// irq, softirq, steal; guest time is already inside user and nice).
func parseStatSteal(b []byte, use func(cpu int) bool) (steal, total uint64, err error) {
	found := false
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		cpu, err := strconv.Atoi(f[0][3:])
		if err != nil || !use(cpu) {
			continue
		}
		if len(f) < 9 {
			return 0, 0, fmt.Errorf("/proc/stat %s: %d fields, want user to steal (8)", f[0], len(f)-1)
		}
		for i, s := range f[1:9] {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("/proc/stat %s field %d: %w", f[0], i+1, err)
			}
			total += n
			if i == 7 {
				steal += n
			}
		}
		found = true
	}
	if !found {
		return 0, 0, errors.New("/proc/stat: none of the allowed CPUs listed")
	}
	return steal, total, nil
}

// summarizeInterference records each worker's interference in out.Workers
// (appended in the order of reps) and the case's in out.Interference. A
// case's figure is known only where every worker's is (a figure of some
// of the workers is not the case's). It flags the case NOISY where a
// worker's steal is proven beyond results.StealLimit
// (results.StealBeyondLimit), or where a measuring thread waited for a
// CPU for more than results.RunQueueLimit of its window and every worker
// had a CPU of its own: workers that share a CPU wait for each other by
// design.
func summarizeInterference(c Case, reps []Report, out *results.Case) {
	if len(out.Workers) < len(reps) || out.Messages == 0 || out.WindowNs <= 0 {
		return
	}
	in := out.Interference
	if in == nil {
		in = &results.Interference{}
	}
	out.Interference = in
	workers := out.Workers[len(out.Workers)-len(reps):]
	for i, r := range reps {
		w, wi := &workers[i], r.Interference
		w.RunQueueWaitNs, w.Migrations = wi.RunQueueWaitNs, wi.Migrations
		if share, ok := wi.stealShare(); ok {
			w.StealShare, w.StealTicks, w.TotalTicks = new(share), *wi.StealTicks, wi.TotalTicks
		}
	}
	if noisy := caseSteal(in, workers); noisy != nil {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagNoisy,
			Detail: fmt.Sprintf("steal %.0f %%, %d of %d ticks", 100**noisy.StealShare, noisy.StealTicks, noisy.TotalTicks)})
	}
	side := caseRunQueue(in, workers, reps, out.Messages)
	if in.RunQueueShare != nil && *in.RunQueueShare > results.RunQueueLimit && !sharesCPUs(c, len(reps)) {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagNoisy,
			Detail: results.RunQueueDetail(*in.RunQueueShare, side)})
	}
	in.Migrations = nil
	var migrations int64
	for _, w := range workers {
		if w.Migrations == nil {
			return
		}
		migrations += *w.Migrations
	}
	in.Migrations = new(migrations)
}

// caseSteal sets the case's steal to the largest share of any worker's
// CPUs (the sides may share CPUs, so shares do not add), with that
// worker's ticks, and returns the worker with the largest share whose
// steal is proven beyond the limit, or nil.
func caseSteal(in *results.Interference, workers []results.Worker) (noisy *results.Worker) {
	var largest *results.Worker
	for i := range workers {
		w := &workers[i]
		if w.StealShare == nil {
			in.StealShare, in.StealTicks, in.TotalTicks = nil, 0, 0
			return nil
		}
		if largest == nil || *w.StealShare > *largest.StealShare {
			largest = w
		}
		if results.StealBeyondLimit(w.StealTicks, w.TotalTicks) && (noisy == nil || *w.StealShare > *noisy.StealShare) {
			noisy = w
		}
	}
	in.StealShare, in.StealTicks, in.TotalTicks = new(*largest.StealShare), largest.StealTicks, largest.TotalTicks
	return noisy
}

// caseRunQueue sets the case's run-queue wait to that of the measuring
// thread that waited the largest share of its window (each thread's own
// share: the case's never exceeds 1, as a sum over workers did), and its
// wait per message; it returns that worker's side.
func caseRunQueue(in *results.Interference, workers []results.Worker, reps []Report, messages uint64) (side string) {
	in.RunQueueShare, in.RunQueueWaitNsPerMsg = nil, nil
	largest, i := -1.0, -1
	for j, r := range reps {
		share, ok := r.Interference.runQueueShare()
		if !ok {
			return ""
		}
		if share > largest {
			largest, i = share, j
		}
	}
	if i < 0 {
		return ""
	}
	in.RunQueueShare = new(largest)
	in.RunQueueWaitNsPerMsg = new(float64(*reps[i].Interference.RunQueueWaitNs) / float64(messages))
	return workers[i].Side
}

// sharesCPUs says whether n workers of case c had fewer CPUs than
// workers: pinned to one CPU (--cpus 0,0), fan-in producers pinned
// together, or more workers than this process's CPUs.
func sharesCPUs(c Case, n int) bool {
	if len(c.CPUs) == 2 {
		return c.CPUs[0] == c.CPUs[1] || n > 2
	}
	return n > len(allowedCPUs())
}
