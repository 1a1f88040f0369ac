package harness

// This file is what the host did to a worker in its measured window, read
// from /proc before and after the window (never inside it): the measuring
// thread's run-queue wait (schedstat) and migrations (sched), and the
// steal time of the CPUs it may run on (/proc/stat). summarizeInterference
// turns the workers' figures into the case's, and flags a noisy case.

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
// with. ok is false where /proc lacked one of them (a kernel without
// CONFIG_SCHED_INFO or CONFIG_SCHED_DEBUG): the worker then reports zero.
type procSample struct {
	runQueueWaitNs int64  // schedstat: time runnable but waiting for a CPU
	migrations     int64  // sched: se.nr_migrations
	stealTicks     uint64 // /proc/stat: steal of the allowed CPUs, in USER_HZ
	totalTicks     uint64 // /proc/stat: all time of the allowed CPUs, in USER_HZ
	ok             bool
}

// sampleProc reads the calling thread's counters; the worker calls it on
// its measuring thread just before and just after the window.
func sampleProc() procSample {
	var s procSample
	var allowed unix.CPUSet
	if unix.SchedGetaffinity(0, &allowed) != nil {
		return s
	}
	schedstat, err1 := os.ReadFile("/proc/thread-self/schedstat")
	sched, err2 := os.ReadFile("/proc/thread-self/sched")
	stat, err3 := os.ReadFile("/proc/stat")
	if err := errors.Join(err1, err2, err3); err != nil {
		return s
	}
	var err error
	if s.runQueueWaitNs, err = parseSchedstat(schedstat); err != nil {
		return s
	}
	if s.migrations, err = parseSchedMigrations(sched); err != nil {
		return s
	}
	if s.stealTicks, s.totalTicks, err = parseStatSteal(stat, allowed.IsSet); err != nil {
		return s
	}
	s.ok = true
	return s
}

// addInterference puts the difference between two samples into rep.
func addInterference(rep *Report, before, after procSample) {
	if !before.ok || !after.ok {
		return
	}
	rep.RunQueueWaitNs = after.runQueueWaitNs - before.runQueueWaitNs
	rep.Migrations = after.migrations - before.migrations
	if total := after.totalTicks - before.totalTicks; total > 0 {
		rep.StealShare = float64(after.stealTicks-before.stealTicks) / float64(total)
	}
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
// (appended in the order of reps) and the case's in out.Interference: the
// largest steal share of any worker's CPUs (the sides may share CPUs, so
// shares do not add), run-queue wait summed over the workers per message,
// and migrations summed. It flags the case NOISY above results.StealLimit,
// or above results.RunQueueLimit where every worker had a CPU of its own:
// workers that share a CPU wait for each other by design.
func summarizeInterference(c Case, reps []Report, out *results.Case) {
	if len(out.Workers) < len(reps) || out.Messages == 0 || out.WindowNs <= 0 {
		return
	}
	in := out.Interference
	if in == nil {
		in = &results.Interference{}
	}
	workers := out.Workers[len(out.Workers)-len(reps):]
	var waitNs int64
	for i, r := range reps {
		workers[i].RunQueueWaitNs, workers[i].Migrations, workers[i].StealShare = r.RunQueueWaitNs, r.Migrations, r.StealShare
		waitNs += r.RunQueueWaitNs
		in.Migrations += r.Migrations
		in.StealShare = max(in.StealShare, r.StealShare)
	}
	in.RunQueueWaitNsPerMsg = float64(waitNs) / float64(out.Messages)
	out.Interference = in
	if in.StealShare > results.StealLimit {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagNoisy, Detail: fmt.Sprintf("steal %.0f %%", 100*in.StealShare)})
	}
	// Run-queue wait per message over time per message: the share of the
	// window the measuring threads spent waiting for a CPU.
	if waitShare := float64(waitNs) / float64(out.WindowNs); waitShare > results.RunQueueLimit && !sharesCPUs(c, len(reps)) {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagNoisy, Detail: fmt.Sprintf("run-queue wait %.0f %%", 100*waitShare)})
	}
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
