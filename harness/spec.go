// Package harness runs ipcbench's workloads across separate processes. The
// parent creates a transport's kernel objects, re-execs its own binary as two
// `ipcbench worker` processes, releases them together from a start barrier,
// collects one report from each after the measured window, and always tears
// the objects down. Workers measure into pre-allocated state and never send
// per-message data to the parent while measuring.
package harness

import (
	"fmt"

	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// MaxProducers bounds a fan-in: the control block holds a slot for each.
const MaxProducers = 64

// Worker fds: the worker's ExtraFiles start at 3.
const (
	fdGo        = 3 // read end of the start barrier pipe: the handshake token, then one byte to start
	fdReport    = 4 // write end of the report pipe: "ready\n", then one JSON report
	fdControl   = 5 // memfd holding the shared controlBlock
	fdTransport = 6 // the transport's own fds start here
)

// Spec is everything a worker needs; the parent passes it as JSON.
type Spec struct {
	Transport  string          `json:"transport"`
	Workload   string          `json:"workload"`
	Side       transports.Side `json:"side"`
	SizeBytes  int             `json:"size_bytes"`
	WarmupNs   int64           `json:"warmup_ns"`
	DurationNs int64           `json:"duration_ns"`
	Count      uint64          `json:"count"`
	NumFds     int             `json:"num_fds"`
	Args       []string        `json:"args"`
	// Fault injects one error on side A's sends, for tests:
	// "lose", "dup" or "corrupt" message FaultAt of the measured window, or
	// "die" (SIGKILL itself) when about to send it.
	Fault   string `json:"fault,omitempty"`
	FaultAt uint64 `json:"fault_at,omitempty"`
	// SendDelayNs, for tests, busy-waits this long before each of side A's
	// sends: a deliberately slowed transport.
	SendDelayNs int64 `json:"send_delay_ns,omitempty"`
	// KillAt, for tests, has side KillSide SIGKILL itself at a stage (see
	// KillStages).
	KillAt   string          `json:"kill_at,omitempty"`
	KillSide transports.Side `json:"kill_side,omitempty"`
	// CPU pins the worker's measuring thread to this CPU; -1 leaves it to
	// the scheduler.
	CPU int `json:"cpu"`
	// Producers and Producer: a fanin's producer count, and which one
	// this side a worker is.
	Producers int `json:"producers,omitempty"`
	Producer  int `json:"producer,omitempty"`
	// SharedCPU says both sides are pinned to the same CPU.
	SharedCPU bool `json:"shared_cpu,omitempty"`
	// RelayFile is the input (side A) or output (side B) file of a relay.
	RelayFile string `json:"relay_file,omitempty"`
}

// Report is what a worker sends back after its window closes.
type Report struct {
	Error    string `json:"error,omitempty"`
	Sent     uint64 `json:"sent"`
	Received uint64 `json:"received"`
	StartNs  int64  `json:"start_ns"` // CLOCK_MONOTONIC at the barrier
	EndNs    int64  `json:"end_ns"`   // CLOCK_MONOTONIC when its last message was done

	UserNs int64 `json:"user_ns"`
	SysNs  int64 `json:"sys_ns"`
	Nvcsw  int64 `json:"nvcsw"`
	Nivcsw int64 `json:"nivcsw"`

	Counters     transports.Counters `json:"counters"`
	FileIO       transports.Counters `json:"file_io"` // relay: the file reads and writes
	HistogramHDR string              `json:"histogram_hdr,omitempty"`

	CPUsAllowed    string   `json:"cpus_allowed"`
	FdTable        string   `json:"fd_table"`               // the measuring thread's: "private", or why not
	PerProducer    []uint64 `json:"per_producer,omitempty"` // fanin consumer: messages from each producer
	TimerNs        float64  `json:"timer_ns"`
	LoopOverheadNs float64  `json:"loop_overhead_ns"`
}

func (s Spec) validate() error {
	if _, ok := transports.Lookup(s.Transport); !ok {
		return fmt.Errorf("unknown transport %q", s.Transport)
	}
	wl, ok := workloads.Lookup(s.Workload)
	if !ok {
		return fmt.Errorf("unknown workload %q", s.Workload)
	}
	if s.SizeBytes < wl.MinBytes() {
		return fmt.Errorf("size %d below the %s minimum %d", s.SizeBytes, s.Workload, wl.MinBytes())
	}
	if s.Count == 0 && s.DurationNs <= 0 {
		return fmt.Errorf("neither count nor duration set")
	}
	// The spec comes in on the command line: bound everything it sizes.
	const day = 24 * 3600 * 1e9
	switch {
	case s.Side != transports.SideA && s.Side != transports.SideB:
		return fmt.Errorf("side %d is neither a nor b", s.Side)
	case s.SizeBytes > transports.StreamCapBytes:
		return fmt.Errorf("size %d above ipcbench's cap %d", s.SizeBytes, transports.StreamCapBytes)
	case s.NumFds < 0 || s.NumFds > 8:
		return fmt.Errorf("%d transport fds, want 0 to 8", s.NumFds)
	case len(s.Args) > 8:
		return fmt.Errorf("%d transport args, want at most 8", len(s.Args))
	case s.DurationNs < 0 || s.DurationNs > day || s.WarmupNs < 0 || s.WarmupNs > day || s.SendDelayNs < 0 || s.SendDelayNs > 1e9:
		return fmt.Errorf("duration, warm-up or delay out of range")
	case s.CPU < -1 || s.CPU >= 1<<16:
		return fmt.Errorf("cpu %d out of range", s.CPU)
	case wl.Writers && (s.Producers < 1 || s.Producers > MaxProducers || s.Producer < 0 || s.Producer >= s.Producers):
		return fmt.Errorf("fanin producer %d of %d, want 1 to %d producers", s.Producer, s.Producers, MaxProducers)
	case s.Count > 1e12:
		return fmt.Errorf("count %d above 10^12", s.Count)
	}
	return nil
}
