// Package results defines the versioned results file that `ipcbench run`
// writes and every later command reads, with atomic writing and strict,
// validating reading. Statistics over results files live in results/stats,
// and their renderings (tables, CSV, Markdown, benchfmt) in results/format.
package results

import "time"

// Schema names this version of the results format. Readers refuse any other.
const Schema = "ipcbench/results/v1"

// File is one run of ipcbench.
type File struct {
	Schema     string    `json:"schema"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Host       Host      `json:"host"`
	Config     Config    `json:"config"`
	Cases      []Case    `json:"cases"`
	// PairMatrices are the core-to-core matrices of run --pair-matrix.
	PairMatrices []PairMatrix `json:"pair_matrices,omitempty"`
	// Incomplete says why a run stopped before its last case (an
	// interrupt, or a failure without --keep-going); empty when it ran all.
	Incomplete string `json:"incomplete,omitempty"`
}

// Host describes the machine a run was taken on.
type Host struct {
	Hostname       string `json:"hostname"`
	Kernel         string `json:"kernel"`
	CPUModel       string `json:"cpu_model"`
	CPUs           int    `json:"cpus"`
	GoVersion      string `json:"go_version"`
	Version        string `json:"ipcbench_version"`
	Commit         string `json:"ipcbench_commit"`
	Virtualization string `json:"virtualization"`
	ClockSource    string `json:"clock_source"`
	// THP is /sys/kernel/mm/transparent_hugepage/enabled, e.g. "always
	// [madvise] never": whether a large message's pages may be huge.
	THP string `json:"thp,omitempty"`
	// Findings are ipcbench doctor's facts about the host, taken just
	// before the run: limits, CPU, load, clock, perf counters.
	Findings []Finding `json:"findings,omitempty"`
}

// PairMatrix is one case run over every pair of CPUs: P50Ns[i][j] is its
// p50 latency with side a on CPUs[i] and side b on CPUs[j], 0 where the
// case did not run (see Failures). The diagonal shares one CPU.
type PairMatrix struct {
	Transport string      `json:"transport"`
	Workload  string      `json:"workload"`
	SizeBytes int         `json:"size_bytes"`
	CPUs      []int       `json:"cpus"`
	P50Ns     [][]float64 `json:"p50_ns"`
	Failures  []string    `json:"failures,omitempty"`
}

// Finding is one fact about the host that affects results, and what to do
// about it where something can be done.
type Finding struct {
	Topic  string `json:"topic"`            // limits, cpu, load, clock, perf
	Name   string `json:"name"`             // e.g. kernel.msgmax
	Value  string `json:"value"`            // what the host has
	Effect string `json:"effect,omitempty"` // what it does to a run
	Fix    string `json:"fix,omitempty"`    // a command that changes it
	Warn   bool   `json:"warn,omitempty"`   // worth acting on before trusting results
}

// Clocks the measured loops read (Config.Clock).
const (
	ClockTSC  = "tsc"  // the CPU's time-stamp counter, calibrated against CLOCK_MONOTONIC
	ClockVDSO = "vdso" // CLOCK_MONOTONIC through the vDSO
)

// Orders of the cases within a round (Config.Order).
const (
	OrderShuffled   = "shuffled"
	OrderSequential = "sequential"
)

// Config is the full configuration of a run.
type Config struct {
	Transports []string `json:"transports"`
	Workloads  []string `json:"workloads"`
	SizesBytes []int    `json:"sizes_bytes"`
	DurationNs int64    `json:"duration_ns"`
	Count      uint64   `json:"count"`
	WarmupNs   int64    `json:"warmup_ns"`
	TimeoutNs  int64    `json:"timeout_ns"`
	// Repeat is the number of rounds (run --rounds): each case's
	// measurement is split into this many windows of DurationNs (or
	// Count messages), each a repetition of the case.
	Repeat int `json:"repeat,omitempty"`
	// Order is how the cases ran within a round: "shuffled" (every round
	// in an order of its own, drawn from OrderSeed) or "sequential" (each
	// case's rounds back to back). Files of an older ipcbench have none:
	// their repetitions ran in plan order, interleaved.
	Order     string `json:"order,omitempty"`
	OrderSeed uint64 `json:"order_seed,omitempty"`
	// TestSendDelayNs names transports slowed on purpose (run's hidden
	// --test-send-delay): their figures are not the transport's own.
	TestSendDelayNs map[string]int64 `json:"test_send_delay_ns,omitempty"`
	CommandLine     []string         `json:"command_line,omitempty"`
	// Label is the user's name for the run (run --label), such as the
	// commit or kernel under test; history and benchfmt carry it.
	Label string `json:"label,omitempty"`
	// CPUs pins side a and side b to these CPUs (run --cpus); empty when
	// the scheduler placed them.
	CPUs []int `json:"cpus,omitempty"`
	// Placement says how the sides were placed: pinned to distinct CPUs
	// by default where the host has two, by --cpus, or left to the
	// scheduler (--cpus none).
	Placement    string `json:"placement,omitempty"`
	WorkerDesign string `json:"worker_design"`
	// WorkerGODEBUG is the GODEBUG the workers ran with (asyncpreemptoff=1,
	// so that Go's preemption signal never lands in a measured call).
	WorkerGODEBUG string `json:"worker_godebug,omitempty"`
	// SampleEvery is run --sample-every: every message's sequence number
	// is checked, but only 1 in N is timed and body-checked; 0 or 1: all.
	SampleEvery uint64 `json:"sample_every,omitempty"`
	// Verify is run --verify: "sampled" checked each message over 4 KiB
	// by one word in every 4 KiB page of its body and every 64th whole; "full"
	// compared every byte of every message, as files without the field
	// did.
	Verify string `json:"verify,omitempty"`
	// Depth is run --depth: messages in flight each transport was set to
	// hold; 0 kept every transport's native buffering (recorded per case).
	Depth int `json:"depth,omitempty"`
	// Rates are run --rate's offered rates in msgs/s for the open-loop
	// rate workload, Arrivals their schedule (uniform or poisson), and
	// SLONs the p99 bound (run --slo) the saturation verdict uses.
	Rates    []float64 `json:"rates,omitempty"`
	Arrivals string    `json:"arrivals,omitempty"`
	SLONs    int64     `json:"slo_ns,omitempty"`
	// WorkNs is run --work: the consumer (or echoer) spins this long on a
	// calibrated CPU loop for every message, as a real consumer works.
	WorkNs int64 `json:"work_ns,omitempty"`
	// Clock is the clock every case's loops read, ClockTSC or ClockVDSO
	// (run --clock), and ClockReason why: the flag, or what auto found on
	// the host. Files of an older ipcbench have neither: they read vdso.
	Clock       string `json:"clock,omitempty"`
	ClockReason string `json:"clock_reason,omitempty"`
	// WorkerExe is the binary the workers ran: "ipcbench-worker", the
	// small one found beside ipcbench and shown to be the same build, or
	// "self" (ipcbench re-executed); WorkerExeReason says why.
	WorkerExe       string `json:"worker_exe,omitempty"`
	WorkerExeReason string `json:"worker_exe_reason,omitempty"`
}

// ClockErrorLimitPPM bounds a worker's TSCErrorPPM: a window whose TSC
// rate lay further from its calibration fails, since its latencies are
// off by as much.
const ClockErrorLimitPPM = 200

// Case statuses.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped"
	StatusFailed  = "failed"
	// StatusSaturated is a rate case whose transport could not carry the
	// offered rate: its achieved rate is recorded, its latency is not.
	StatusSaturated = "saturated"
)

// Case is one transport × workload × size.
type Case struct {
	Transport string `json:"transport"`
	Workload  string `json:"workload"`
	SizeBytes int    `json:"size_bytes"`
	Status    string `json:"status"`
	// Reason says why a case was skipped or how it failed.
	Reason string `json:"reason,omitempty"`

	// DepthMsgs and DepthBytes are the messages and bytes the transport
	// could hold in flight in this case, and DepthSource how that was set
	// or read ("F_SETPIPE_SZ 4096 B", "native: pipe buffer 65536 B").
	DepthMsgs   int    `json:"depth_msgs,omitempty"`
	DepthBytes  int    `json:"depth_bytes,omitempty"`
	DepthSource string `json:"depth_source,omitempty"`
	// OfferedRate and AchievedRate are a rate case's messages per second
	// asked for and delivered; latency runs from each message's intended
	// send time, so a stall counts for every message it delays.
	OfferedRate  float64 `json:"offered_rate,omitempty"`
	AchievedRate float64 `json:"achieved_rate,omitempty"`
	// SendLateness is how late a rate case's pacer sent its messages
	// after their intended times (first repetition).
	SendLateness *SendLateness `json:"send_lateness,omitempty"`
	// Messages counts messages delivered one way; a pingpong round trip is two.
	Messages   uint64 `json:"messages"`
	RoundTrips uint64 `json:"round_trips,omitempty"`
	// Fan-in: the producer count, each producer's delivered messages, and
	// Jain's fairness index over them (1 when every producer got the same
	// share, 1/n when one got all).
	Producers       int      `json:"producers,omitempty"`
	PerProducerMsgs []uint64 `json:"per_producer_msgs,omitempty"`
	Fairness        float64  `json:"fairness,omitempty"`
	WindowNs        int64    `json:"window_ns"`

	// Latency is the round trip for pingpong and the one-way send-to-receive
	// time for stream.
	Latency      Latency `json:"latency"`
	LatencyKind  string  `json:"latency_kind"`
	HistogramHDR string  `json:"histogram_hdr,omitempty"` // HdrHistogram V2 compressed, base64
	// Samples is how many latency samples the histogram holds: a
	// percentile q rests on (1-q)·Samples samples beyond it.
	Samples uint64 `json:"samples,omitempty"`

	MsgsPerSec float64 `json:"msgs_per_sec"`
	MBPerSec   float64 `json:"mb_per_sec"` // 10^6 bytes of payload per second

	// CPUNsPerMsg is both workers' user+sys; a rate case's leaves out its
	// pacer's waiting for intended send times (each worker's
	// PacerWaitNs), so that it moves with what a send costs.
	CPUNsPerMsg    float64 `json:"cpu_ns_per_msg"`
	SyscallsPerMsg float64 `json:"syscalls_per_msg"`
	// MinorFaultsPerMsg is both workers' minor page faults in the window
	// (getrusage ru_minflt) per message: what mapping each message costs,
	// where a transport hands memory over rather than copying it.
	MinorFaultsPerMsg float64 `json:"minor_faults_per_msg,omitempty"`
	CopiesPerMsg      float64 `json:"copies_per_msg"` // bytes copied (user↔kernel and in user space) / payload
	Copies            Copies  `json:"copies"`         // CopiesPerMsg by where the bytes moved
	ModelCopies       float64 `json:"model_copies_per_msg"`
	ModelSyscalls     float64 `json:"model_syscalls_per_msg"`

	// OverheadShare is the harness's own loop overhead (the larger side's
	// LoopOverheadNs) as a share of the time per message: above
	// OverheadLimit, the figure measures ipcbench more than the transport.
	OverheadShare float64 `json:"overhead_share,omitempty"`
	// Self-checks of the samples (after Lancet, USENIX ATC 2019): Drift
	// is the second half of the window's p50 over the first half's, minus
	// one; Lag1Autocorr the lag-1 autocorrelation of successive samples.
	Drift        float64 `json:"drift,omitempty"`
	Lag1Autocorr float64 `json:"lag1_autocorr,omitempty"`
	// WorkMeasuredNs is run --work as done: the mean length of the
	// consumer's (or echoer's) spin per message, timed once at the end of
	// the window; config.work_ns is what was asked (see WorkLimit).
	WorkMeasuredNs float64 `json:"work_measured_ns,omitempty"`
	// Interference is what else the host did to the workers in the window.
	Interference *Interference `json:"interference,omitempty"`
	// Flags are checks the case failed: its figures stand, but say less
	// than they seem to (NOISY, OVERHEAD, DRIFT, AUTOCORR).
	Flags []Flag `json:"flags,omitempty"`

	Workers []Worker `json:"workers,omitempty"` // from the first repetition

	// Repetitions holds each repetition's figures; the case's own figures
	// are their medians, and CI95 gives a 95 % confidence interval of each
	// median by metric name (see Metrics).
	Repetitions []Repetition        `json:"repetitions,omitempty"`
	CI95        map[string]Interval `json:"ci95,omitempty"`
}

// SendLateness is how long after its intended time a rate case's pacer
// sent each message: actual − intended send time, in nanoseconds. The
// latency, timed from the intended time, holds it.
type SendLateness struct {
	P50Ns int64 `json:"p50_ns"`
	P99Ns int64 `json:"p99_ns"`
	MaxNs int64 `json:"max_ns"`
	// SendsShare is the share of the delays the pacer met that its sends
	// made, running past the next message's intended time: a send that
	// blocked on a full queue or was slow, the consumer side's doing. The
	// rest it made itself: it woke late or waited for a CPU.
	SendsShare float64 `json:"sends_share"`
}

// Flag is a check a case failed, e.g. {"noisy", "steal 12 %"}.
type Flag struct {
	Name   string `json:"name"`
	Detail string `json:"detail"`
}

// Interference is what the host did to the workers of a case in the
// measured window, from /proc: steal time of the CPUs they ran on, time
// spent runnable but waiting for a CPU, and migrations between CPUs. A
// figure /proc did not give is nil, absent from the file: unknown, never
// 0 (the run-queue wait needs CONFIG_SCHED_INFO, migrations
// CONFIG_SCHED_DEBUG). Files of an older ipcbench wrote 0 for unknown.
type Interference struct {
	// StealShare is the largest steal share of any worker's CPUs (steal
	// over all their time); StealTicks and TotalTicks are the counts
	// behind it, in /proc/stat's USER_HZ ticks (10 ms), which decide
	// NOISY (see StealBeyondLimit). Older files have no counts.
	StealShare *float64 `json:"steal_share,omitempty"`
	StealTicks uint64   `json:"steal_ticks,omitempty"`
	TotalTicks uint64   `json:"total_ticks,omitempty"`
	// RunQueueShare is the largest share of its window that a measuring
	// thread spent runnable but waiting for a CPU, at most 1, and
	// RunQueueWaitNsPerMsg that thread's wait per message. Older files
	// have no share, and summed the wait over the workers.
	RunQueueShare        *float64 `json:"run_queue_share,omitempty"`
	RunQueueWaitNsPerMsg *float64 `json:"run_queue_wait_ns_per_msg,omitempty"`
	// Migrations is the workers' moves between CPUs, summed.
	Migrations *int64 `json:"migrations,omitempty"`
	// CPUsSeen are the CPUs the measuring threads were found on (sampled
	// with getcpu every 1024th message), per side; SharedCPU says the two
	// sides were seen on one CPU.
	CPUsSeen  [][]int `json:"cpus_seen,omitempty"`
	SharedCPU bool    `json:"shared_cpu,omitempty"`
}

// Repetition is one repetition of a case, run in fresh processes.
type Repetition struct {
	Messages       uint64  `json:"messages"`
	WindowNs       int64   `json:"window_ns"`
	P50Ns          float64 `json:"p50_ns"`
	P90Ns          float64 `json:"p90_ns"`
	P99Ns          float64 `json:"p99_ns"`
	P999Ns         float64 `json:"p999_ns"`
	MeanNs         float64 `json:"mean_ns"`
	MsgsPerSec     float64 `json:"msgs_per_sec"`
	MBPerSec       float64 `json:"mb_per_sec"`
	CPUNsPerMsg    float64 `json:"cpu_ns_per_msg"`
	SyscallsPerMsg float64 `json:"syscalls_per_msg"`
	CopiesPerMsg   float64 `json:"copies_per_msg"`
	// MinNs, MaxNs and StddevNs are this repetition's own, so that the
	// case's figures can all be medians across repetitions (absent in
	// files of an older ipcbench, whose case min and max are those of the
	// merged histogram).
	MinNs    float64 `json:"min_ns,omitempty"`
	MaxNs    float64 `json:"max_ns,omitempty"`
	StddevNs float64 `json:"stddev_ns,omitempty"`
	// Samples is how many latency samples this repetition timed: its
	// percentile q rests on TailSamples(Samples, q) samples beyond it.
	Samples uint64 `json:"samples,omitempty"`
	Flags   []Flag `json:"flags,omitempty"`
	// Round is the round this repetition ran in (from 0; the same round
	// for every case's repetition at that index), and Position its place
	// in that round's order (from 0). Interference is what the host did
	// to the workers in this round's window.
	Round        int           `json:"round,omitempty"`
	Position     int           `json:"position,omitempty"`
	Interference *Interference `json:"interference,omitempty"`
}

// Interval is a confidence interval [Lo, Hi].
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Copies splits copies per message by where the bytes moved; each figure is
// bytes moved that way divided by the payload delivered.
type Copies struct {
	FileToUser   float64 `json:"file_to_user"`   // relay: read(2) of the input file
	UserToKernel float64 `json:"user_to_kernel"` // write, send, msgsnd, mq_send
	KernelToUser float64 `json:"kernel_to_user"` // read, recv, msgrcv, mq_receive
	UserToUser   float64 `json:"user_to_user"`   // memcpy into or out of shared memory
	UserToFile   float64 `json:"user_to_file"`   // relay: write(2) of the output file
}

// Latency summarises a latency histogram, in nanoseconds.
type Latency struct {
	MinNs    int64   `json:"min_ns"`
	P50Ns    int64   `json:"p50_ns"`
	P90Ns    int64   `json:"p90_ns"`
	P99Ns    int64   `json:"p99_ns"`
	P999Ns   int64   `json:"p999_ns"`
	MaxNs    int64   `json:"max_ns"`
	MeanNs   float64 `json:"mean_ns"`
	StddevNs float64 `json:"stddev_ns"`
}

// Worker is what one worker process reported about its measured window.
type Worker struct {
	Side string `json:"side"`
	Role string `json:"role"`
	Pid  int    `json:"pid"`
	// CPUsAllowed is the measuring thread's Cpus_allowed_list, as the
	// worker read it from /proc: where it was pinned, or every CPU.
	CPUsAllowed string `json:"cpus_allowed"`
	// FdTable says whether the measuring thread had an fd table of its own
	// ("private"), as a single-threaded process has, or why not.
	FdTable  string `json:"fd_table,omitempty"`
	Messages uint64 `json:"messages"` // messages this worker received
	WindowNs int64  `json:"window_ns"`

	CPUUserNs int64 `json:"cpu_user_ns"`
	CPUSysNs  int64 `json:"cpu_sys_ns"`
	// CPUNsPerMsg is CPUUserNs+CPUSysNs less PacerWaitNs, per message.
	CPUNsPerMsg float64 `json:"cpu_ns_per_msg"`
	// PacerWaitNs is a rate case's pacer's waiting for intended send
	// times: the time it spun on the clock (wall time, at least the CPU it
	// took) and the CPU its sleeps took. Left out of CPUNsPerMsg.
	PacerWaitNs     int64   `json:"pacer_wait_ns,omitempty"`
	VolCtxSwPerMsg  float64 `json:"voluntary_ctx_switches_per_msg"`
	InvCtxSwPerMsg  float64 `json:"involuntary_ctx_switches_per_msg"`
	MinorFaults     int64   `json:"minor_faults,omitempty"` // in the window, from getrusage
	Syscalls        uint64  `json:"syscalls"`
	SyscallsEINTR   uint64  `json:"syscalls_eintr"`
	BytesToKernel   uint64  `json:"bytes_to_kernel"`
	BytesFromKernel uint64  `json:"bytes_from_kernel"`
	BytesCopiedUser uint64  `json:"bytes_copied_in_user"`
	FileReadBytes   uint64  `json:"file_read_bytes,omitempty"`
	FileWriteBytes  uint64  `json:"file_write_bytes,omitempty"`
	FileSyscalls    uint64  `json:"file_syscalls,omitempty"`

	// Harness overhead, measured in the worker before its window, as lmbench does.
	TimerNs        float64 `json:"timer_ns"`         // one read of the loops' clock
	LoopOverheadNs float64 `json:"loop_overhead_ns"` // one iteration against an in-memory loopback
	// TSCHz is the rate a TSC clock's ticks were converted to ns at,
	// calibrated against CLOCK_MONOTONIC from the worker's start to the
	// end of its warm-up; TSCErrorPPM how far the measured window's own
	// rate lay from it, in parts per million (signed; beyond
	// ClockErrorLimitPPM the case fails). Absent for config.clock vdso.
	TSCHz       float64 `json:"tsc_hz,omitempty"`
	TSCErrorPPM float64 `json:"tsc_error_ppm,omitempty"`
	MaxRSSKiB   int64   `json:"max_rss_kib"` // whole process, from wait4
	// Interference in the window, from /proc/thread-self/schedstat and
	// sched: run-queue wait of the measuring thread and its migrations;
	// steal of the CPUs it may run on, from /proc/stat, with its counts
	// in USER_HZ ticks; CPUsSeen by getcpu. nil (absent): /proc did not
	// give it (files of an older ipcbench left out zeros too).
	RunQueueWaitNs *int64   `json:"run_queue_wait_ns,omitempty"`
	Migrations     *int64   `json:"migrations,omitempty"`
	StealShare     *float64 `json:"steal_share,omitempty"`
	StealTicks     uint64   `json:"steal_ticks,omitempty"`
	TotalTicks     uint64   `json:"total_ticks,omitempty"`
	CPUsSeen       []int    `json:"cpus_seen,omitempty"`
}

// RepetitionOf reads one run's figures off an ok case.
func RepetitionOf(c Case) Repetition {
	return Repetition{
		Messages: c.Messages, WindowNs: c.WindowNs,
		P50Ns: float64(c.Latency.P50Ns), P90Ns: float64(c.Latency.P90Ns), P99Ns: float64(c.Latency.P99Ns),
		P999Ns: float64(c.Latency.P999Ns), MeanNs: c.Latency.MeanNs,
		MsgsPerSec: c.MsgsPerSec, MBPerSec: c.MBPerSec, CPUNsPerMsg: c.CPUNsPerMsg,
		SyscallsPerMsg: c.SyscallsPerMsg, CopiesPerMsg: c.CopiesPerMsg,
		MinNs: float64(c.Latency.MinNs), MaxNs: float64(c.Latency.MaxNs), StddevNs: c.Latency.StddevNs,
		Samples: c.Samples, Flags: c.Flags, Interference: c.Interference,
	}
}

// The verification modes of config.verify (run --verify).
const (
	VerifySampled = "sampled"
	VerifyFull    = "full"
)

// VerifyMode is how the run checked message bodies: Verify, or
// VerifyFull for a file from before the field, which compared every byte.
func (c Config) VerifyMode() string {
	if c.Verify == "" {
		return VerifyFull
	}
	return c.Verify
}

// The worker binaries of config.worker_exe: ipcbench re-executed, or the
// small ipcbench-worker found beside it.
const (
	WorkerExeSelf  = "self"
	WorkerExeSmall = "ipcbench-worker"
)
