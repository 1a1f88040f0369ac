// Package doctor reports what on this host affects ipcbench's results: the
// IPC limits and the message sizes they cap, the CPUs, the load right now,
// the clock and its cost, and whether hardware perf counters work. Each
// finding carries the command that changes it, where there is one.
package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/ipcbench/ipcbench/hostinfo"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"golang.org/x/sys/unix"
)

// Check collects every finding. sample is how long it watches the other
// processes' CPU use; zero skips that.
func Check(sample time.Duration) []results.Finding {
	var out []results.Finding
	out = append(out, limits()...)
	out = append(out, cpus()...)
	out = append(out, load(sample)...)
	out = append(out, clock()...)
	out = append(out, perf())
	out = append(out, creatorLedger())
	return out
}

// sysctls are the limits that shape a run; below want, the fix raises them
// to it (to 64 KiB messages, or 16 MiB, the largest size ipcbench runs).
var sysctls = []struct {
	name, effect string
	want         int
}{
	{"kernel.msgmax", "largest System V message (sysv-msg)", 65536},
	{"kernel.msgmnb", "bytes one System V queue holds (caps sysv-msg too)", 65536},
	{"kernel.shmmax", "largest System V segment (sysv-shm holds two messages)", 2 * (16 << 20)},
	{"kernel.sem", "semaphore limits SEMMSL SEMMNS SEMOPM SEMMNI", 0},
	{"fs.mqueue.msgsize_max", "largest POSIX queue message (posix-mq)", 65536},
	{"fs.mqueue.msg_max", "messages a POSIX queue holds", 0},
	{"fs.pipe-max-size", "largest pipe buffer an unprivileged F_SETPIPE_SZ may ask for", 0},
	{"net.core.wmem_max", "largest socket send buffer (caps unix-dgram and unix-seqpacket)", 16 << 20},
}

func limits() []results.Finding {
	var out []results.Finding
	for _, s := range sysctls {
		f := results.Finding{Topic: "limits", Name: s.name, Effect: s.effect}
		b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(s.name, ".", "/"))
		if err != nil {
			f.Value = "unreadable: " + err.Error()
		} else {
			f.Value = strings.Join(strings.Fields(string(b)), " ")
			if v, err := strconv.ParseUint(f.Value, 10, 64); err == nil && s.want > 0 && v < uint64(s.want) {
				f.Fix = fmt.Sprintf("sysctl -w %s=%d", s.name, s.want)
			}
		}
		out = append(out, f)
	}
	// What those limits mean: the largest message of each transport here.
	for _, d := range transports.All() {
		l, err := d.MaxMessage()
		f := results.Finding{Topic: "limits", Name: d.Name + " largest message"}
		switch {
		case err != nil:
			f.Value, f.Warn = "cannot run here: "+err.Error(), true
		default:
			f.Value = results.FormatBytes(l.Bytes)
			f.Effect = l.Source
			if l.Bytes < 64<<10 {
				f.Effect = "sizes above " + results.FormatBytes(l.Bytes) + " are skipped: " + l.Source
				f.Warn = true
			}
		}
		out = append(out, f)
	}
	return out
}

func readTrim(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

func cpus() []results.Finding {
	h := hostinfo.Collect()
	out := []results.Finding{
		{Topic: "cpu", Name: "CPUs", Value: fmt.Sprintf("%d (%s)", runtime.NumCPU(), h.CPUModel),
			Effect: "two workers need two CPUs to run without sharing one; ipcbench run pins them to two distinct CPUs by default (--cpus), recorded in the results"},
		{Topic: "cpu", Name: "virtualization", Value: h.Virtualization},
	}
	if runtime.NumCPU() < 2 {
		out[0].Warn = true
		out[0].Effect = "one CPU: the two workers always share it, and every hand-off is a context switch"
	}
	if strings.HasPrefix(h.Virtualization, "virtual") {
		out[1].Effect = "a guest's vCPUs can be descheduled by the host, and waking an idle vCPU is slow: expect bimodal latency unless pinned"
		out[1].Warn = true
	}
	if v, ok := readTrim("/sys/devices/system/cpu/smt/active"); ok {
		f := results.Finding{Topic: "cpu", Name: "SMT", Value: map[string]string{"1": "on", "0": "off"}[v]}
		if v == "1" {
			f.Effect = "two workers on sibling hyperthreads share a core's caches and pipelines"
			f.Fix = "echo off > /sys/devices/system/cpu/smt/control (or pin to distinct cores)"
		}
		out = append(out, f)
	}
	gov, ok := readTrim("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
	f := results.Finding{Topic: "cpu", Name: "frequency governor", Value: gov}
	switch {
	case !ok:
		f.Value = "not exposed (common in VMs)"
	case gov != "performance":
		f.Effect, f.Fix, f.Warn = "the clock speed follows load, so short cases run slower", "cpupower frequency-set -g performance", true
	}
	return append(out, f)
}

// load reports the load average and the processes that used CPU while it
// watched for sample.
func load(sample time.Duration) []results.Finding {
	var out []results.Finding
	if v, ok := readTrim("/proc/loadavg"); ok {
		f := results.Finding{Topic: "load", Name: "load average", Value: strings.Join(strings.Fields(v)[:3], " ")}
		if l1, err := strconv.ParseFloat(strings.Fields(v)[0], 64); err == nil && l1 > 0.25*float64(runtime.NumCPU()) {
			f.Effect, f.Warn = "the machine was busy in the last minute (earlier runs count too): results may be noisy", true
		}
		out = append(out, f)
	}
	if sample <= 0 {
		return out
	}
	before := cpuTimes()
	time.Sleep(sample)
	after := cpuTimes()
	hz := 100.0 // USER_HZ on Linux
	var busy []string
	for pid, t1 := range after {
		t0, ok := before[pid]
		if !ok || pid == os.Getpid() {
			continue
		}
		pct := float64(t1.ticks-t0.ticks) / hz / sample.Seconds() * 100
		if pct >= 5 {
			busy = append(busy, fmt.Sprintf("%s (pid %d) %.0f%%", t1.name, pid, pct))
		}
	}
	sort.Strings(busy)
	f := results.Finding{Topic: "load", Name: "busy processes", Value: "none above 5% CPU over " + sample.String()}
	if len(busy) > 0 {
		f.Value = strings.Join(busy, ", ")
		f.Effect, f.Warn = "they compete with the workers for CPU time", true
	}
	return append(out, f)
}

type procTime struct {
	name  string
	ticks int64
}

func cpuTimes() map[int]procTime {
	out := map[int]procTime{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		f := strings.Fields(s[close+1:])
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = procTime{name: s[open+1 : close], ticks: utime + stime}
	}
	return out
}

func clock() []results.Finding {
	src, _ := readTrim("/sys/devices/system/clocksource/clocksource0/current_clocksource")
	f := results.Finding{Topic: "clock", Name: "clock source", Value: src}
	if src != "tsc" && src != "kvm-clock" && src != "arch_sys_counter" {
		f.Effect, f.Warn = "reading the clock may need a syscall, which inflates every latency", true
		if avail, ok := readTrim("/sys/devices/system/clocksource/clocksource0/available_clocksource"); ok && strings.Contains(avail, "tsc") {
			f.Fix = "echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource"
		}
	}
	const n = 200000
	start := time.Now()
	for range n {
		_ = time.Now()
	}
	cost := float64(time.Since(start).Nanoseconds()) / n
	t := results.Finding{Topic: "clock", Name: "clock read cost", Value: fmt.Sprintf("%.0f ns", cost),
		Effect: "taken once or twice per message; results record it per worker"}
	if cost > 200 {
		t.Warn = true
	}
	return []results.Finding{f, t}
}

func perf() results.Finding {
	f := results.Finding{Topic: "perf", Name: "hardware perf counters"}
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_HARDWARE, Config: unix.PERF_COUNT_HW_CPU_CYCLES, Bits: unix.PerfBitDisabled | unix.PerfBitExcludeKernel}
	attr.Size = uint32(unsafe.Sizeof(attr))
	fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		f.Value = "not available (" + err.Error() + ")"
		f.Effect = "perf stat cannot count cycles or cache misses here; ipcbench counts syscalls and copies itself"
		if p, ok := readTrim("/proc/sys/kernel/perf_event_paranoid"); ok && p != "-1" && os.Geteuid() != 0 {
			f.Fix = "sysctl -w kernel.perf_event_paranoid=-1"
		}
		return f
	}
	unix.Close(fd)
	f.Value = "available"
	return f
}
