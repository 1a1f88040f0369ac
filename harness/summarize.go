package harness

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/workloads"
)

// summarize turns the workers' reports into the case's metrics, after
// checking that they agree on what was sent and received.
func summarize(c Case, wl workloads.Descriptor, workers []*worker, reps []Report, out *results.Case) error {
	histSide, err := countMessages(wl, reps, out)
	if err != nil {
		return err
	}
	if out.Messages == 0 || out.WindowNs <= 0 {
		return fmt.Errorf("empty measurement window: %d messages in %d ns", out.Messages, out.WindowNs)
	}
	out.LatencyKind = wl.Latency.String()
	if wl.Latency != workloads.NoLatency {
		if histSide.HistogramHDR == "" {
			return fmt.Errorf("no latency histogram in the reports")
		}
		h, err := results.DecodeHistogram(histSide.HistogramHDR)
		if err != nil {
			return err
		}
		out.HistogramHDR = histSide.HistogramHDR
		out.Latency = results.Summarize(h)
		out.Samples = uint64(h.TotalCount())
	}
	msgs := float64(out.Messages)
	secs := float64(out.WindowNs) / 1e9
	out.MsgsPerSec = msgs / secs
	out.MBPerSec = msgs * float64(c.SizeBytes) / secs / 1e6
	summarizeWorkers(c, wl, workers, reps, out)
	summarizeChecks(wl, histSide, reps, out)
	summarizeCPUsSeen(reps, out)
	summarizeInterference(c, reps, out)
	summarizeWork(c, reps, out)
	summarizeRate(c, reps, out)
	return nil
}

// countMessages checks the sides' counts against each other and sets the
// case's messages and window; it returns the report whose histogram is
// the case's latency.
func countMessages(wl workloads.Descriptor, reps []Report, out *results.Case) (histSide Report, err error) {
	a, b := reps[0], reps[len(reps)-1]
	switch {
	case wl.Latency == workloads.RoundTrip: // each request answered by MessagesPerOp-1 replies
		if a.Sent != b.Received || b.Sent != a.Received || a.Received != a.Sent*uint64(wl.MessagesPerOp-1) {
			return a, fmt.Errorf("message count mismatch: initiator sent %d and received %d, echoer received %d and sent %d",
				a.Sent, a.Received, b.Received, b.Sent)
		}
		out.RoundTrips = a.Sent
		out.Messages = a.Received + b.Received
		out.WindowNs = a.EndNs - a.StartNs
		return a, nil
	case wl.Writers:
		return b, countFanIn(reps[:len(reps)-1], b, out)
	case a.Sent != b.Received && wl.File:
		return b, fmt.Errorf("message count mismatch: file reader sent %d, file writer received %d", a.Sent, b.Received)
	case a.Sent != b.Received:
		return b, fmt.Errorf("message count mismatch: producer sent %d, consumer received %d", a.Sent, b.Received)
	}
	out.Messages = b.Received
	// From the producer's first send to the consumer's last receive, on
	// the host-wide CLOCK_MONOTONIC.
	out.WindowNs = b.EndNs - a.StartNs
	return b, nil
}

// countFanIn checks that the consumer received every producer's messages,
// and sets the case's counts, window and fairness.
func countFanIn(prods []Report, cons Report, out *results.Case) error {
	start := prods[0].StartNs
	var sent, sum, sumSq float64
	for i, p := range prods {
		start = min(start, p.StartNs)
		sent += float64(p.Sent)
		if i >= len(cons.PerProducer) || cons.PerProducer[i] != p.Sent {
			return fmt.Errorf("message count mismatch: producer %d sent %d, the consumer received %v from each", i, p.Sent, cons.PerProducer)
		}
		x := float64(cons.PerProducer[i])
		sum += x
		sumSq += x * x
	}
	if uint64(sent) != cons.Received {
		return fmt.Errorf("message count mismatch: producers sent %.0f, consumer received %d", sent, cons.Received)
	}
	out.Producers, out.PerProducerMsgs = len(prods), cons.PerProducer
	if sumSq > 0 {
		out.Fairness = sum * sum / (float64(len(prods)) * sumSq)
	}
	out.Messages = cons.Received
	out.WindowNs = cons.EndNs - start
	return nil
}

// summarizeWorkers records each worker's figures, and the case's CPU,
// syscalls and copies per message summed over them.
func summarizeWorkers(c Case, wl workloads.Descriptor, workers []*worker, reps []Report, out *results.Case) {
	msgs := float64(out.Messages)
	var cpuNs, minflt int64
	var syscalls uint64
	var moved struct{ fileToUser, toKernel, fromKernel, inUser, toFile uint64 }
	for i, r := range reps {
		w := workers[i]
		ownNs := cpuNetOfWaiting(r)
		cpuNs += ownNs
		minflt += r.MinFlt
		syscalls += r.Counters.Syscalls + r.FileIO.Syscalls
		moved.fileToUser += r.FileIO.BytesFromKernel
		moved.toKernel += r.Counters.BytesToKernel
		moved.fromKernel += r.Counters.BytesFromKernel
		moved.inUser += r.Counters.BytesCopiedInUser
		moved.toFile += r.FileIO.BytesToKernel
		ws := results.Worker{
			Side: w.side.String(), Role: string(wl.Roles[w.side]), Pid: w.cmd.Process.Pid, CPUsAllowed: r.CPUsAllowed, FdTable: r.FdTable,
			Messages: r.Received, WindowNs: r.EndNs - r.StartNs,
			CPUUserNs: r.UserNs, CPUSysNs: r.SysNs,
			CPUNsPerMsg:     float64(ownNs) / msgs,
			PacerWaitNs:     r.PacerWaitNs,
			VolCtxSwPerMsg:  float64(r.Nvcsw) / msgs,
			InvCtxSwPerMsg:  float64(r.Nivcsw) / msgs,
			MinorFaults:     r.MinFlt,
			Syscalls:        r.Counters.Syscalls,
			SyscallsEINTR:   r.Counters.SyscallsInterrupted,
			BytesToKernel:   r.Counters.BytesToKernel,
			BytesFromKernel: r.Counters.BytesFromKernel,
			BytesCopiedUser: r.Counters.BytesCopiedInUser,
			FileReadBytes:   r.FileIO.BytesFromKernel,
			FileWriteBytes:  r.FileIO.BytesToKernel,
			FileSyscalls:    r.FileIO.Syscalls,
			TimerNs:         r.TimerNs,
			LoopOverheadNs:  r.LoopOverheadNs,
			TSCHz:           r.TSCHz,
			TSCErrorPPM:     r.TSCErrorPPM,
			CPUsSeen:        r.CPUsSeen,
		}
		ws.MaxRSSKiB = w.maxRSSKiB()
		out.Workers = append(out.Workers, ws)
	}
	out.CPUNsPerMsg = float64(cpuNs) / msgs
	out.SyscallsPerMsg = float64(syscalls) / msgs
	out.MinorFaultsPerMsg = float64(minflt) / msgs
	payload := msgs * float64(c.SizeBytes)
	out.Copies = results.Copies{
		FileToUser:   float64(moved.fileToUser) / payload,
		UserToKernel: float64(moved.toKernel) / payload,
		KernelToUser: float64(moved.fromKernel) / payload,
		UserToUser:   float64(moved.inUser) / payload,
		UserToFile:   float64(moved.toFile) / payload,
	}
	out.CopiesPerMsg = out.Copies.FileToUser + out.Copies.UserToKernel + out.Copies.KernelToUser + out.Copies.UserToUser + out.Copies.UserToFile
}

// cpuNetOfWaiting is a worker's user+sys CPU less a pacer's waiting for
// intended send times (its spin and its sleeps' CPU), so that a rate
// case's CPU per message is what its sends and receives cost, not how
// long its pacer waited. The spin is wall time, at least the CPU it took
// (more where the pacer was descheduled mid-spin): never below 0.
func cpuNetOfWaiting(r Report) int64 {
	return max(0, r.UserNs+r.SysNs-r.PacerWaitNs)
}

// summarizeChecks sets the case's self-checks and flags the ones it
// fails: the harness's overhead share, and the drift and lag-1
// autocorrelation of the samples of histSide, the side that timed them.
func summarizeChecks(wl workloads.Descriptor, histSide Report, reps []Report, out *results.Case) {
	out.OverheadShare = overheadShare(reps, out.WindowNs)
	if out.OverheadShare > results.OverheadLimit {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagOverhead,
			Detail: fmt.Sprintf("harness %.0f %% of the time per message", 100*out.OverheadShare)})
	}
	if wl.Latency == workloads.NoLatency {
		return
	}
	out.Drift, out.Lag1Autocorr = histSide.Drift, histSide.Lag1Autocorr
	if math.Abs(out.Drift) > results.DriftLimit {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagDrift,
			Detail: results.DriftDetail(out.Drift)})
	}
	// One-way samples queue behind each other, so successive ones are
	// correlated by construction (0.5 to 1.0 on every stream case of a
	// default run): recorded, but flagged only where samples should be
	// independent, the round trips of a closed loop.
	if wl.Latency == workloads.RoundTrip && math.Abs(out.Lag1Autocorr) > results.AutocorrLimit {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagAutocorr,
			Detail: fmt.Sprintf("lag-1 autocorrelation %.2f", out.Lag1Autocorr)})
	}
}

// overheadShare is the share of the window that the busier worker spent
// on the harness's own work: max over workers of LoopOverheadNs × its loop
// iterations / WindowNs. An iteration is one message for a producer or a
// consumer, so for stream this is LoopOverheadNs over the time per message
// (WindowNs / Messages); it is one round trip for the initiator and the
// echoer, so for pingpong it is LoopOverheadNs over the round-trip time,
// the same as half of it (the iteration's cost per message) over the
// time per message. A relay measures no loop overhead: 0.
func overheadShare(reps []Report, windowNs int64) float64 {
	if windowNs <= 0 {
		return 0
	}
	var share float64
	for i, r := range reps {
		iterations := r.Sent // side a: initiator, producers
		if i == len(reps)-1 {
			iterations = r.Received // side b: echoer, consumer
		}
		share = max(share, r.LoopOverheadNs*float64(iterations)/float64(windowNs))
	}
	return share
}

// summarizeCPUsSeen records the CPUs each side's measuring thread was
// seen on (a fan-in's producers together as side a), and whether the two
// sides were seen on one CPU. The rest of Interference is interference.go's.
func summarizeCPUsSeen(reps []Report, out *results.Case) {
	var sides [2]map[int]bool
	for i, r := range reps {
		side := 0
		if i == len(reps)-1 {
			side = 1
		}
		for _, cpu := range r.CPUsSeen {
			if sides[side] == nil {
				sides[side] = map[int]bool{}
			}
			sides[side][cpu] = true
		}
	}
	if sides[0] == nil && sides[1] == nil {
		return
	}
	if out.Interference == nil {
		out.Interference = &results.Interference{}
	}
	out.Interference.CPUsSeen = [][]int{sortedCPUs(sides[0]), sortedCPUs(sides[1])}
	out.Interference.SharedCPU = false
	for cpu := range sides[0] {
		if sides[1][cpu] {
			out.Interference.SharedCPU = true
		}
	}
}

func sortedCPUs(set map[int]bool) []int {
	cpus := make([]int, 0, len(set))
	for cpu := range set {
		cpus = append(cpus, cpu)
	}
	slices.Sort(cpus)
	return cpus
}

// SaturationMargin is how far a rate case's achieved rate may fall below
// the rate its schedule offered before the case is saturated: 5 %. The
// offered rate it is held to is the schedule's own (messages sent over the
// span of their intended times), so a Poisson schedule's natural spread in
// its count of arrivals is not taken for saturation.
const SaturationMargin = 0.05

// summarizeRate records a rate case's offered and achieved rate and its
// pacer's send lateness, flags a late pacer (LATE), and marks the case
// saturated, its latency dropped, when the achieved rate falls more than
// SaturationMargin short of what its schedule offered, or when its
// backlog grew through the window (stats.Backlog): either way its latency
// measures a queue that grows with the window, not the transport.
func summarizeRate(c Case, reps []Report, out *results.Case) {
	if c.RateMsgsPerSec <= 0 {
		return
	}
	a := reps[0]
	out.OfferedRate = c.RateMsgsPerSec
	out.AchievedRate = out.MsgsPerSec
	out.SendLateness = a.SendLateness
	late := lateness(c.RateMsgsPerSec, a)
	if late != "" {
		out.Flags = append(out.Flags, results.Flag{Name: results.FlagLate, Detail: late})
	}
	scheduled := c.RateMsgsPerSec
	if span := a.IntendedEndNs - a.StartNs; span > 0 && a.Sent > 0 {
		scheduled = float64(a.Sent) / (float64(span) / 1e9)
	}
	rise, growing := stats.Backlog(*out)
	switch {
	case out.AchievedRate < scheduled*(1-SaturationMargin):
		out.Reason = fmt.Sprintf("achieved %.0f msgs/s of %.0f offered (%.0f on this schedule), more than %.0f %% short: %s, so its latency is not a figure",
			out.AchievedRate, c.RateMsgsPerSec, scheduled, 100*SaturationMargin, whoseFault(late, a))
	case growing:
		out.Reason = fmt.Sprintf("backlog growing: %s, up at least %s (%.0f gaps between sends): %s, so its latency grows with --duration and is not a figure",
			results.DriftDetail(out.Drift), shortDuration(rise), rise*c.RateMsgsPerSec/1e9, whoseFault(late, a))
	default:
		return
	}
	out.Status = results.StatusSaturated
	out.Latency, out.HistogramHDR, out.Samples = results.Latency{}, "", 0
}

// lateness is the LATE flag's detail for a pacer whose p99 send went out
// more than results.LateLimit of the mean gap after its intended time, or
// "" for one that kept its schedule. It says whose delay it was (fault):
// the consumer side's, the pacer's CPU's, or its own, the load
// generator's, which the latency figures then hold.
func lateness(rateMsgsPerSec float64, a Report) string {
	l := a.SendLateness
	gapNs := 1e9 / rateMsgsPerSec
	if l == nil || float64(l.P99Ns) <= results.LateLimit*gapNs {
		return ""
	}
	s := fmt.Sprintf("p99 send %s after its intended time, %.0f %% of the %s gap; %.0f %% of it from sends: ",
		shortDuration(float64(l.P99Ns)), 100*float64(l.P99Ns)/gapNs, shortDuration(gapNs), 100*l.SendsShare)
	switch fault(a) {
	case sendsFault:
		return s + "the consumer side fell behind (transport, consumer or host), not the pacer"
	case cpuFault:
		share, _ := a.Interference.runQueueShare()
		return s + fmt.Sprintf("the pacer waited for a CPU %.0f %% of its window, in its sends too (load generator or host, not transport)", 100*share)
	}
	return s + "the pacer woke late or waited for a CPU (load generator, not transport)"
}

// Whose a pacer's lateness was.
const (
	ownFault   = iota // its own: it woke late, or waited for a CPU between sends
	sendsFault        // its sends': they blocked on a full queue, or were slow
	cpuFault          // its CPU's: it waited for one even inside its sends
)

// fault says whose the delays a pacer met were, by the larger share
// (waitUntil): its sends running past the next message's time, or its
// own. Delays its sends made while the pacer waited for a CPU more than
// results.RunQueueLimit of its window (where /proc gives it) were the
// CPU's: a pacer sharing its CPU with the consumer (--cpus 0,0, 11-43 %
// of the window at 20k msgs/s) is preempted inside the send that wakes
// the consumer. Otherwise they were the consumer side's: a send blocked
// on a full queue or was slow (the transport, its consumer, or the host
// stalling either).
func fault(a Report) int {
	l := a.SendLateness
	if l == nil || l.SendsShare < 0.5 {
		return ownFault
	}
	if share, ok := a.Interference.runQueueShare(); ok && share > results.RunQueueLimit {
		return cpuFault
	}
	return sendsFault
}

// whoseFault says who could not carry a saturated case's rate: the pacer
// where it was late (late is its LATE detail) by its own or its CPU's
// delays, else the transport or its consumer.
func whoseFault(late string, a Report) string {
	if late != "" && fault(a) != sendsFault {
		return "the pacer fell behind its schedule (LATE): the load generator, not the transport, could not keep this rate"
	}
	return "the transport or the consumer cannot carry this rate"
}

// shortDuration renders ns to about four figures: "26.59ms", "502.5µs".
func shortDuration(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		d = d.Round(100 * time.Nanosecond)
	}
	return d.String()
}
