package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"

	"github.com/ipcbench/ipcbench/internal/textsafe"
)

// Limits on what a results file may hold; Validate refuses anything beyond.
const (
	// MaxSizeBytes is the largest message size a case may carry (1 GiB,
	// the largest run --sizes takes).
	MaxSizeBytes = 1 << 30
	// MaxRounds caps config.repeat and so a repetition's round (run
	// --rounds). MaxPosition caps a repetition's place in its round: a
	// round runs each case once, and no plan comes near a million cases.
	MaxRounds   = 1000
	MaxPosition = 1 << 20
	// MaxCount caps message and round-trip counts at 2^53, the largest
	// integer a float64 holds exactly: the benchfmt export divides them.
	MaxCount = 1 << 53
	// MaxNameBytes caps transport and workload names.
	MaxNameBytes = 64
	// MaxLabelBytes caps a run's label (run --label, config.label). A
	// label names the run in every table, plot legend and store listing:
	// a commit id, branch or kernel version fits with room to spare, and
	// a longer one (1 MB was once accepted) swamps every line it is in.
	MaxLabelBytes = 256
	// MaxLineBytes caps the other one-line strings of a file: host name,
	// kernel, CPU model and the configuration's words. The longest
	// ipcbench records, the kernel's uname fields, are under 200 bytes.
	MaxLineBytes = 1024
	// MaxHistogramBuckets caps one histogram's bucket count: decoding
	// allocates 8 bytes per bucket before reading a single count, so a
	// 100-byte histogram_hdr could otherwise ask for gigabytes. ipcbench's
	// own (1 ns to 1 h, 3 digits) have 32768.
	MaxHistogramBuckets = 1 << 20
	// MaxFileHistogramBuckets caps the buckets of all of a file's histograms
	// together (512 MiB of counts decoded one at a time), so that a file of
	// many small histograms cannot keep a reader busy for hours.
	MaxFileHistogramBuckets = 1 << 26
)

// MaxRate bounds an offered rate (run --rate) in msgs/s: 100M, a message
// every 10 ns, is beyond any transport and any clock read. The harness
// refuses a plan or a worker's spec beyond it.
const MaxRate = 1e8

// InvalidError is a results file that decodes but holds a value no reader
// may trust: a negative latency, a NaN, a histogram that does not decode.
type InvalidError struct {
	Path    string // JSON path of the value: cases[3].latency.p50_ns
	Case    string // transport/workload/size of the case, where in one
	Problem string // what is wrong and the limit
}

// Error names the path, the case and the problem, escaped for a terminal:
// the case's names are the file's, which may be what is wrong with it.
func (e *InvalidError) Error() string {
	if e.Case != "" {
		return textsafe.Terminal(fmt.Sprintf("%s (%s): %s", e.Path, e.Case, e.Problem))
	}
	return textsafe.Terminal(e.Path + ": " + e.Problem)
}

// Unwrap makes errors.Is(err, ErrSchema) true: such a file is not a valid
// results file of this schema.
func (e *InvalidError) Unwrap() error { return ErrSchema }

// field is a named value of a file, to check in a loop.
type field[T any] struct {
	key string
	val T
}

// validator collects the first problem in a file.
type validator struct {
	err     error
	caseKey string
	buckets int64 // histogram buckets so far, against MaxFileHistogramBuckets
}

func (v *validator) fail(path, format string, args ...any) {
	if v.err == nil {
		v.err = &InvalidError{Path: path, Case: v.caseKey, Problem: fmt.Sprintf(format, args...)}
	}
}

// float checks a figure that must be finite and 0 or more.
func (v *validator) float(path string, x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		v.fail(path, "%v, want a finite number, 0 or more", x)
	}
}

// int checks a count or duration that must be 0 or more.
func (v *validator) int(path string, x int64) {
	if x < 0 {
		v.fail(path, "%d, want 0 or more", x)
	}
}

// count checks a count a reader divides by or turns into a float.
func (v *validator) count(path string, x uint64) {
	if x > MaxCount {
		v.fail(path, "%d, want at most 2^53 (%d)", x, uint64(MaxCount))
	}
}

// size checks a message size.
func (v *validator) size(path string, x int) {
	if x < 1 || x > MaxSizeBytes {
		v.fail(path, "%d, want a message size from 1 B to 1 GiB (%d)", x, MaxSizeBytes)
	}
}

// name checks a transport or workload name: it becomes part of a benchfmt
// benchmark name, a plot label and a file name, so it is a short word of
// letters, digits and . _ + -.
func (v *validator) name(path, s string) {
	if s == "" || len(s) > MaxNameBytes {
		v.fail(path, "%q, want a name of 1 to %d bytes", s, MaxNameBytes)
		return
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '+' || r == '-') {
			v.fail(path, "%q, want letters, digits and . _ + - only", s)
			return
		}
	}
}

// line checks a host string (kernel, CPU model, host name): one line of
// at most MaxLineBytes with no control character. The benchfmt export
// writes them as configuration lines, where a newline would forge a
// result, and tables print them to a terminal, where an escape sequence
// would act.
func (v *validator) line(path, s string) {
	if len(s) > MaxLineBytes {
		v.fail(path, "%d bytes, want at most %d", len(s), MaxLineBytes)
		return
	}
	if !oneLine(s) {
		v.fail(path, "%q, want one line without control characters", s)
	}
}

// oneLine says whether s is one line that a terminal prints as it is: no
// control character, line or paragraph separator, or bidirectional
// override (everything textsafe.Terminal would escape).
func oneLine(s string) bool {
	return textsafe.Terminal(s) == s && !strings.ContainsAny(s, "\u2028\u2029")
}

// CheckLabel says what is wrong with a run's label, or nil: a label is one
// line of at most MaxLabelBytes without control characters, since every
// table, plot legend and store listing prints it. Validate and run --label
// both apply it.
func CheckLabel(label string) error {
	if len(label) > MaxLabelBytes {
		return fmt.Errorf("%d bytes, want at most %d (results.MaxLabelBytes)", len(label), MaxLabelBytes)
	}
	if !oneLine(label) {
		return fmt.Errorf("%q holds a control character or line break, want one line of text", label)
	}
	return nil
}

// Validate checks what a reader of f later trusts: statuses are known,
// names are plain words, host strings and the label are one short line,
// sizes are 1 B to 1 GiB, counts fit a float64 exactly, every figure is
// finite and not negative (drift may fall to -1, a depth holds a byte per
// message, a saturated case has an offered rate, a lag-1 autocorrelation
// lies in [-1, 1]), a measured case delivered messages, no two cases (or
// pair matrices) share a key, flags are known names with a one-line
// detail, CPU numbers are plausible, histograms decode within
// MaxHistogramBuckets, fan-in counts match the producers, and pair
// matrices are square over their CPUs. It returns an *InvalidError naming
// the first value that is not. It leaves a file of no case alone: a run
// loaded from the store by case may hold none (Parse refuses such a file).
func Validate(f *File) error {
	v := &validator{}
	v.int("host.cpus", int64(f.Host.CPUs))
	h := &f.Host
	for _, x := range []struct{ key, val string }{
		{"hostname", h.Hostname}, {"kernel", h.Kernel}, {"cpu_model", h.CPUModel}, {"go_version", h.GoVersion},
		{"ipcbench_version", h.Version}, {"ipcbench_commit", h.Commit}, {"virtualization", h.Virtualization}, {"clock_source", h.ClockSource},
		{"thp", h.THP},
	} {
		v.line("host."+x.key, x.val)
	}
	v.config(&f.Config)
	for i := range f.Cases {
		v.kase(fmt.Sprintf("cases[%d]", i), &f.Cases[i])
	}
	v.caseKey = ""
	for i := range f.PairMatrices {
		v.matrix(fmt.Sprintf("pair_matrices[%d]", i), &f.PairMatrices[i])
	}
	v.unique("cases", len(f.Cases), func(i int) CaseKey { return f.Cases[i].Key() })
	v.unique("pair_matrices", len(f.PairMatrices), func(i int) CaseKey { return f.PairMatrices[i].Key() })
	return v.err
}

// unique checks that no two of the n entries of list share a key: a run
// measures each case once, and compare, history and the store, which
// match cases by key, would pool two as the repetitions of one.
func (v *validator) unique(list string, n int, key func(int) CaseKey) {
	first := make(map[CaseKey]int, n)
	for i := range n {
		k := key(i)
		if j, dup := first[k]; dup {
			v.caseKey = k.exact()
			v.fail(fmt.Sprintf("%s[%d]", list, i), "the same case as %s[%d] (transport, workload, size and offered rate), want each case once", list, j)
			return
		}
		first[k] = i
	}
}

func (v *validator) config(c *Config) {
	if err := CheckLabel(c.Label); err != nil {
		v.fail("config.label", "%v", err)
	}
	for i, t := range c.Transports {
		v.name(fmt.Sprintf("config.transports[%d]", i), t)
	}
	for i, w := range c.Workloads {
		v.name(fmt.Sprintf("config.workloads[%d]", i), w)
	}
	v.line("config.worker_design", c.WorkerDesign)
	for i, s := range c.SizesBytes {
		v.size(fmt.Sprintf("config.sizes_bytes[%d]", i), s)
	}
	v.int("config.duration_ns", c.DurationNs)
	v.count("config.count", c.Count)
	v.int("config.warmup_ns", c.WarmupNs)
	v.int("config.timeout_ns", c.TimeoutNs)
	if v.int("config.repeat", int64(c.Repeat)); c.Repeat > MaxRounds {
		v.fail("config.repeat", "%d rounds, want at most %d", c.Repeat, MaxRounds)
	}
	if c.Order != "" && c.Order != OrderShuffled && c.Order != OrderSequential {
		v.fail("config.order", "%q, want %s or %s", c.Order, OrderShuffled, OrderSequential)
	}
	for t, d := range c.TestSendDelayNs {
		v.name(fmt.Sprintf("config.test_send_delay_ns[%q]", t), t)
		v.int(fmt.Sprintf("config.test_send_delay_ns[%q]", t), d)
	}
	for i, cpu := range c.CPUs {
		v.int(fmt.Sprintf("config.cpus[%d]", i), int64(cpu))
	}
	v.line("config.placement", c.Placement)
	v.line("config.worker_godebug", c.WorkerGODEBUG)
	v.count("config.sample_every", c.SampleEvery)
	if c.Verify != "" && c.Verify != VerifySampled && c.Verify != VerifyFull {
		v.fail("config.verify", "%q, want %s or %s", c.Verify, VerifySampled, VerifyFull)
	}
	v.int("config.depth", int64(c.Depth))
	for i, r := range c.Rates {
		v.float(fmt.Sprintf("config.rates[%d]", i), r)
	}
	v.line("config.arrivals", c.Arrivals)
	v.int("config.slo_ns", c.SLONs)
	v.int("config.work_ns", c.WorkNs)
	if c.Clock != "" && c.Clock != ClockTSC && c.Clock != ClockVDSO {
		v.fail("config.clock", "%q, want %s or %s", c.Clock, ClockTSC, ClockVDSO)
	}
	v.line("config.clock_reason", c.ClockReason)
	if c.WorkerExe != "" && c.WorkerExe != WorkerExeSelf && c.WorkerExe != WorkerExeSmall {
		v.fail("config.worker_exe", "%q, want %s or %s", c.WorkerExe, WorkerExeSelf, WorkerExeSmall)
	}
	v.line("config.worker_exe_reason", c.WorkerExeReason)
}

// MaxCPU caps a CPU number a file names (Linux's NR_CPUS is at most 8192).
const MaxCPU = 1 << 16

// MaxFlagDetailBytes caps a flag's detail, which a table prints in a cell.
const MaxFlagDetailBytes = 200

// knownFlags are the flag names a case or repetition may carry.
var knownFlags = map[string]bool{FlagNoisy: true, FlagOverhead: true, FlagDrift: true, FlagAutocorr: true, FlagLate: true, FlagWork: true}

// flags checks that each flag is a known name with a one-line detail.
func (v *validator) flags(p string, fs []Flag) {
	for i, f := range fs {
		q := fmt.Sprintf("%s[%d]", p, i)
		if !knownFlags[f.Name] {
			v.fail(q+".name", "unknown flag %q, want %s, %s, %s, %s, %s or %s", f.Name, FlagNoisy, FlagOverhead, FlagDrift, FlagAutocorr, FlagLate, FlagWork)
		}
		if len(f.Detail) > MaxFlagDetailBytes {
			v.fail(q+".detail", "%d bytes, want at most %d", len(f.Detail), MaxFlagDetailBytes)
		}
		v.line(q+".detail", f.Detail)
	}
}

// finite checks a figure that may be negative but must be a number.
func (v *validator) finite(path string, x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		v.fail(path, "%v, want a finite number", x)
	}
}

// cpus checks a list of CPU numbers.
func (v *validator) cpus(p string, cpus []int) {
	for i, c := range cpus {
		if c < 0 || c >= MaxCPU {
			v.fail(fmt.Sprintf("%s[%d]", p, i), "%d, want a CPU number from 0 to %d", c, MaxCPU-1)
		}
	}
}

// selfChecks checks a case's sample count, overhead share, drift, lag-1
// autocorrelation, interference and flags.
func (v *validator) selfChecks(p string, c *Case) {
	v.count(p+".samples", c.Samples)
	v.float(p+".overhead_share", c.OverheadShare)
	v.finite(p+".drift", c.Drift)
	if c.Drift < -1 {
		v.fail(p+".drift", "%v, want -1 or more (a ratio of two p50s, minus one)", c.Drift)
	}
	if v.finite(p+".lag1_autocorr", c.Lag1Autocorr); math.Abs(c.Lag1Autocorr) > 1 {
		v.fail(p+".lag1_autocorr", "%v, want a correlation from -1 to 1", c.Lag1Autocorr)
	}
	v.float(p+".work_measured_ns", c.WorkMeasuredNs)
	v.caseInterference(p+".interference", c.Interference)
	v.flags(p+".flags", c.Flags)
}

// caseInterference checks a case's or a repetition's interference.
func (v *validator) caseInterference(q string, in *Interference) {
	if in == nil {
		return
	}
	v.interference(q, in.StealShare, in.StealTicks, in.TotalTicks, in.RunQueueShare, in.Migrations)
	if in.RunQueueWaitNsPerMsg != nil {
		v.float(q+".run_queue_wait_ns_per_msg", *in.RunQueueWaitNsPerMsg)
	}
	if len(in.CPUsSeen) > 2 {
		v.fail(q+".cpus_seen", "%d sides, want at most 2 (a and b)", len(in.CPUsSeen))
	}
	for i, side := range in.CPUsSeen {
		v.cpus(fmt.Sprintf("%s.cpus_seen[%d]", q, i), side)
	}
}

func (v *validator) kase(p string, c *Case) {
	v.caseKey = c.Key().exact()
	switch c.Status {
	case StatusOK, StatusSkipped, StatusFailed, StatusSaturated:
	default:
		v.fail(p+".status", "unknown status %q, want %s, %s, %s or %s", c.Status, StatusOK, StatusSkipped, StatusFailed, StatusSaturated)
	}
	v.name(p+".transport", c.Transport)
	v.name(p+".workload", c.Workload)
	v.size(p+".size_bytes", c.SizeBytes)
	v.count(p+".messages", c.Messages)
	if (c.Status == StatusOK || c.Status == StatusSaturated) && c.Messages == 0 {
		v.fail(p+".messages", "0 in a case with status %s, want the messages it delivered (ipcbench fails a case whose window delivered none)", c.Status)
	}
	v.count(p+".round_trips", c.RoundTrips)
	v.int(p+".producers", int64(c.Producers))
	if n := len(c.PerProducerMsgs); n > 0 && n != c.Producers {
		v.fail(p+".per_producer_msgs", "%d counts for %d producers", n, c.Producers)
	}
	for i, m := range c.PerProducerMsgs {
		v.count(fmt.Sprintf("%s.per_producer_msgs[%d]", p, i), m)
	}
	if v.float(p+".fairness", c.Fairness); c.Fairness > 1 {
		v.fail(p+".fairness", "%v, want at most 1 (Jain's index)", c.Fairness)
	}
	v.int(p+".window_ns", c.WindowNs)
	v.latency(p+".latency", &c.Latency)
	v.histogram(p+".histogram_hdr", c.HistogramHDR)
	for _, x := range []field[float64]{
		{"msgs_per_sec", c.MsgsPerSec}, {"mb_per_sec", c.MBPerSec}, {"cpu_ns_per_msg", c.CPUNsPerMsg},
		{"syscalls_per_msg", c.SyscallsPerMsg}, {"copies_per_msg", c.CopiesPerMsg},
		{"minor_faults_per_msg", c.MinorFaultsPerMsg},
		{"model_copies_per_msg", c.ModelCopies}, {"model_syscalls_per_msg", c.ModelSyscalls},
		{"copies.file_to_user", c.Copies.FileToUser}, {"copies.user_to_kernel", c.Copies.UserToKernel},
		{"copies.kernel_to_user", c.Copies.KernelToUser}, {"copies.user_to_user", c.Copies.UserToUser},
		{"copies.user_to_file", c.Copies.UserToFile},
	} {
		v.float(p+"."+x.key, x.val)
	}
	v.depthAndRate(p, c)
	v.selfChecks(p, c)
	for i := range c.Workers {
		v.worker(fmt.Sprintf("%s.workers[%d]", p, i), &c.Workers[i])
	}
	for i := range c.Repetitions {
		v.repetition(fmt.Sprintf("%s.repetitions[%d]", p, i), &c.Repetitions[i])
	}
	for name, ci := range c.CI95 {
		q := fmt.Sprintf("%s.ci95[%q]", p, name)
		v.float(q+".lo", ci.Lo)
		v.float(q+".hi", ci.Hi)
		if ci.Lo > ci.Hi {
			v.fail(q, "lo %v above hi %v", ci.Lo, ci.Hi)
		}
	}
}

// MaxDepthSourceBytes caps a case's depth_source, which a table prints.
const MaxDepthSourceBytes = 200

// depthAndRate checks a case's queue depth and offered and achieved rates:
// a depth is never negative and holds at least a byte per message, its
// source is one short line, rates are finite and not negative, and a
// saturated case names the rate it could not carry.
func (v *validator) depthAndRate(p string, c *Case) {
	v.int(p+".depth_msgs", int64(c.DepthMsgs))
	v.int(p+".depth_bytes", int64(c.DepthBytes))
	if c.DepthMsgs > 0 && c.DepthBytes < c.DepthMsgs {
		v.fail(p+".depth_bytes", "%d bytes for %d messages, want at least a byte per message", c.DepthBytes, c.DepthMsgs)
	}
	if len(c.DepthSource) > MaxDepthSourceBytes {
		v.fail(p+".depth_source", "%d bytes, want at most %d", len(c.DepthSource), MaxDepthSourceBytes)
	}
	v.line(p+".depth_source", c.DepthSource)
	v.float(p+".offered_rate", c.OfferedRate)
	v.float(p+".achieved_rate", c.AchievedRate)
	if c.Status == StatusSaturated && !(c.OfferedRate > 0) {
		v.fail(p+".offered_rate", "%v in a saturated case, want the rate it could not carry, above 0", c.OfferedRate)
	}
	if l := c.SendLateness; l != nil {
		for _, x := range []field[int64]{{"p50_ns", l.P50Ns}, {"p99_ns", l.P99Ns}, {"max_ns", l.MaxNs}} {
			v.int(p+".send_lateness."+x.key, x.val)
		}
		if !(l.SendsShare >= 0 && l.SendsShare <= 1) {
			v.fail(p+".send_lateness.sends_share", "%v, want a share in [0, 1]", l.SendsShare)
		}
	}
}

func (v *validator) latency(p string, l *Latency) {
	for _, x := range []field[int64]{{"min_ns", l.MinNs}, {"p50_ns", l.P50Ns}, {"p90_ns", l.P90Ns}, {"p99_ns", l.P99Ns}, {"p999_ns", l.P999Ns}, {"max_ns", l.MaxNs}} {
		v.int(p+"."+x.key, x.val)
	}
	v.float(p+".mean_ns", l.MeanNs)
	v.float(p+".stddev_ns", l.StddevNs)
}

func (v *validator) repetition(p string, r *Repetition) {
	v.count(p+".messages", r.Messages)
	v.int(p+".window_ns", r.WindowNs)
	for _, x := range []field[float64]{
		{"p50_ns", r.P50Ns}, {"p90_ns", r.P90Ns}, {"p99_ns", r.P99Ns}, {"p999_ns", r.P999Ns}, {"mean_ns", r.MeanNs},
		{"msgs_per_sec", r.MsgsPerSec}, {"mb_per_sec", r.MBPerSec}, {"cpu_ns_per_msg", r.CPUNsPerMsg},
		{"syscalls_per_msg", r.SyscallsPerMsg}, {"copies_per_msg", r.CopiesPerMsg},
		{"min_ns", r.MinNs}, {"max_ns", r.MaxNs}, {"stddev_ns", r.StddevNs},
	} {
		v.float(p+"."+x.key, x.val)
	}
	v.count(p+".samples", r.Samples)
	v.flags(p+".flags", r.Flags)
	if r.Round < 0 || r.Round >= MaxRounds {
		v.fail(p+".round", "%d, want 0 to %d", r.Round, MaxRounds-1)
	}
	if r.Position < 0 || r.Position > MaxPosition {
		v.fail(p+".position", "%d, want 0 to %d", r.Position, MaxPosition)
	}
	v.caseInterference(p+".interference", r.Interference)
}

func (v *validator) worker(p string, w *Worker) {
	v.int(p+".pid", int64(w.Pid))
	v.count(p+".messages", w.Messages)
	v.int(p+".window_ns", w.WindowNs)
	v.int(p+".cpu_user_ns", w.CPUUserNs)
	v.int(p+".cpu_sys_ns", w.CPUSysNs)
	v.int(p+".max_rss_kib", w.MaxRSSKiB)
	v.int(p+".minor_faults", w.MinorFaults)
	v.int(p+".pacer_wait_ns", w.PacerWaitNs)
	for _, x := range []field[float64]{
		{"cpu_ns_per_msg", w.CPUNsPerMsg}, {"voluntary_ctx_switches_per_msg", w.VolCtxSwPerMsg},
		{"involuntary_ctx_switches_per_msg", w.InvCtxSwPerMsg}, {"timer_ns", w.TimerNs}, {"loop_overhead_ns", w.LoopOverheadNs},
	} {
		v.float(p+"."+x.key, x.val)
	}
	v.float(p+".tsc_hz", w.TSCHz)
	if e := w.TSCErrorPPM; math.IsNaN(e) || math.Abs(e) > ClockErrorLimitPPM {
		v.fail(p+".tsc_error_ppm", "%v, want a number from -%d to %d", e, ClockErrorLimitPPM, ClockErrorLimitPPM)
	}
	v.interference(p, w.StealShare, w.StealTicks, w.TotalTicks, nil, w.Migrations)
	if w.RunQueueWaitNs != nil {
		v.int(p+".run_queue_wait_ns", *w.RunQueueWaitNs)
	}
	v.cpus(p+".cpus_seen", w.CPUsSeen)
}

// interference checks the figures of a case's or a worker's
// interference that it recorded (nil: unknown): shares from 0 to 1, no
// more steal ticks than ticks, migrations ≥ 0.
func (v *validator) interference(p string, steal *float64, stealTicks, totalTicks uint64, runQueue *float64, migrations *int64) {
	for _, x := range []field[*float64]{{"steal_share", steal}, {"run_queue_share", runQueue}} {
		if x.val == nil {
			continue
		}
		if v.float(p+"."+x.key, *x.val); *x.val > 1 {
			v.fail(p+"."+x.key, "%v, want a share from 0 to 1", *x.val)
		}
	}
	v.count(p+".steal_ticks", stealTicks)
	v.count(p+".total_ticks", totalTicks)
	if stealTicks > totalTicks {
		v.fail(p+".steal_ticks", "%d of %d ticks, want no more than all", stealTicks, totalTicks)
	}
	if migrations != nil {
		v.int(p+".migrations", *migrations)
	}
}

func (v *validator) matrix(p string, m *PairMatrix) {
	v.caseKey = m.Key().exact()
	v.name(p+".transport", m.Transport)
	v.name(p+".workload", m.Workload)
	v.size(p+".size_bytes", m.SizeBytes)
	for i, cpu := range m.CPUs {
		v.int(fmt.Sprintf("%s.cpus[%d]", p, i), int64(cpu))
	}
	if len(m.P50Ns) != len(m.CPUs) {
		v.fail(p+".p50_ns", "%d rows for %d CPUs, want one per CPU", len(m.P50Ns), len(m.CPUs))
	}
	for i, row := range m.P50Ns {
		if len(row) != len(m.CPUs) {
			v.fail(fmt.Sprintf("%s.p50_ns[%d]", p, i), "%d columns for %d CPUs, want one per CPU", len(row), len(m.CPUs))
		}
		for j, x := range row {
			v.float(fmt.Sprintf("%s.p50_ns[%d][%d]", p, i, j), x)
		}
	}
}

// histogram checks that an HdrHistogram decodes, reading its geometry
// first so that a header asking for a huge counts array is refused before
// the decoder allocates it.
func (v *validator) histogram(p, encoded string) {
	if encoded == "" || v.err != nil {
		return
	}
	n, err := histogramBuckets(encoded)
	if err != nil {
		v.fail(p, "%v", err)
		return
	}
	if n > MaxHistogramBuckets {
		v.fail(p, "a histogram of %d buckets, want at most %d", n, MaxHistogramBuckets)
		return
	}
	if v.buckets += n; v.buckets > MaxFileHistogramBuckets {
		v.fail(p, "the file's histograms hold more than %d buckets together", MaxFileHistogramBuckets)
		return
	}
	h, err := DecodeHistogram(encoded)
	if err != nil {
		v.fail(p, "%v", err)
		return
	}
	if h.Min() < 0 || h.TotalCount() < 0 {
		v.fail(p, "a histogram with min %d and %d values, want neither negative", h.Min(), h.TotalCount())
	}
}

// histogramBuckets reads the geometry in the header of an HdrHistogram V2
// compressed encoding (base64 of cookie, length, zlib of a 40-byte header
// and the counts) and returns how many buckets decoding it allocates.
func histogramBuckets(encoded string) (int64, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) < 8 {
		return 0, fmt.Errorf("decode latency histogram: not base64 of an HdrHistogram V2 compressed encoding")
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return 0, fmt.Errorf("decode latency histogram: %w", err)
	}
	var header struct {
		Cookie, PayloadLength, NormalizingOffset, SignificantDigits int32
		Lowest, Highest                                             int64
	}
	if err := binary.Read(io.LimitReader(z, 32), binary.BigEndian, &header); err != nil {
		return 0, fmt.Errorf("decode latency histogram: header: %w", err)
	}
	if header.SignificantDigits < 1 || header.SignificantDigits > 5 || header.Lowest < 1 || header.Highest < 2*header.Lowest {
		return 0, fmt.Errorf("decode latency histogram: header: %d significant digits over %d to %d, want 1 to 5 digits over 1 ≤ lowest, 2 × lowest ≤ highest",
			header.SignificantDigits, header.Lowest, header.Highest)
	}
	return countsLen(header.Lowest, header.Highest, int(header.SignificantDigits)), nil
}

// countsLen is HdrHistogram's counts array length for a geometry.
func countsLen(lowest, highest int64, digits int) int64 {
	largestSingleUnit := 2 * int64(math.Pow10(digits))
	subBucketCountMag := bits.Len64(uint64(largestSingleUnit - 1)) // ceil(log2)
	subBucketHalfCountMag := max(subBucketCountMag, 1) - 1
	unitMag := bits.Len64(uint64(lowest)) - 1
	if unitMag+subBucketHalfCountMag+1 > 62 {
		return math.MaxInt64
	}
	subBucketCount := int64(1) << (subBucketHalfCountMag + 1)
	smallestUntrackable := uint64(subBucketCount) << unitMag
	buckets := int64(1)
	for smallestUntrackable <= uint64(highest) {
		if smallestUntrackable > math.MaxInt64/2 {
			buckets++
			break
		}
		smallestUntrackable <<= 1
		buckets++
	}
	return (buckets + 1) * (subBucketCount / 2)
}
