// Package transports defines the Transport contract that every IPC mechanism
// implements, and the registry the CLI and the harness build on. Each mechanism
// lives in its own file and registers a Descriptor from init; the parent process
// creates the kernel objects with New, and each worker process attaches with Open.
package transports

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
)

// Side names one end of a workload. A initiates (pingpong) or produces (stream);
// B echoes or consumes.
type Side int

const (
	SideA Side = iota
	SideB
)

func (s Side) String() string {
	if s == SideA {
		return "a"
	}
	return "b"
}

// Conn is one worker's end of a transport. Send and Recv move exactly one
// message: Recv fills all of msg with one message of len(msg) bytes and fails
// if the peer sent a message of any other length. Neither may allocate.
type Conn interface {
	Send(msg []byte) error
	Recv(msg []byte) error
	Close() error
}

// Counters is what a Conn counts as it works: the syscalls it made and the
// bytes those syscalls copied across the user/kernel boundary, plus bytes it
// copied in user space.
type Counters struct {
	Syscalls            uint64 `json:"syscalls"`
	BytesToKernel       uint64 `json:"bytes_to_kernel"`
	BytesFromKernel     uint64 `json:"bytes_from_kernel"`
	BytesCopiedInUser   uint64 `json:"bytes_copied_in_user"`
	SyscallsInterrupted uint64 `json:"syscalls_interrupted"`
}

// Counting is implemented by a Conn that counts its own syscalls and copies.
type Counting interface {
	Counters() *Counters
}

// Headroom is implemented by a Conn that needs writable bytes in front of
// every message it is given, such as the mtype that System V msgsnd and msgrcv
// expect before the text. Callers allocate every buffer they pass to Send and
// Recv with NewBuffer, which reserves that room; the Conn may overwrite it.
type Headroom interface {
	HeadroomBytes() int
}

// NewBuffer allocates a message buffer of size bytes for c, with the headroom
// c needs in front of it.
func NewBuffer(c Conn, size int) []byte {
	h := 0
	if hr, ok := c.(Headroom); ok {
		h = hr.HeadroomBytes()
	}
	return make([]byte, h+size)[h:]
}

// InPlace is implemented by a Conn whose messages live in memory both
// processes map: the sender fills the slot itself and the receiver reads it
// where it lies, so no user-space copy is needed. Each call pairs with the
// next: SendSlot then SendCommit, RecvSlot then RecvRelease.
type InPlace interface {
	SendSlot() ([]byte, error) // waits until the outgoing slot is free
	SendCommit() error         // publishes the slot to the peer
	RecvSlot() ([]byte, error) // waits for a message and returns its slot
	RecvRelease() error        // gives the slot back to the sender
}

// Handoff is what the parent passes to one worker: open files (they become
// the worker's fds, in order) and string arguments (object names or ids).
type Handoff struct {
	Files []*os.File
	Args  []string
}

// Setup owns the kernel objects the parent created for one case.
type Setup interface {
	// Handoff returns what the worker for side needs to attach.
	Handoff(side Side) Handoff
	// Attached is called once both workers have attached, so that names can
	// be removed (unlink, IPC_RMID) and no crash can leak them.
	Attached() error
	// Close releases every object the setup created. It is safe to call
	// more than once and after Attached. The harness closes its copies of
	// the Handoff files once the workers hold them, so closing one of them
	// again here gives os.ErrClosed, which is not a failure.
	Close() error
}

// Framing says how a transport delimits messages.
type Framing int

const (
	// Stream transports carry bytes; the Conn reassembles partial reads.
	Stream Framing = iota
	// Datagram transports keep message boundaries; a size mismatch is an error.
	Datagram
)

func (f Framing) String() string {
	if f == Stream {
		return "stream"
	}
	return "message"
}

// CostModel is a transport's own account of what one message costs, to be set
// beside what the Conn counts while it works.
type CostModel struct {
	CopiesPerMsg   float64 `json:"copies_per_msg"`
	SyscallsPerMsg float64 `json:"syscalls_per_msg"`
	Note           string  `json:"note"`
}

// Limit is the largest message a transport carries on this host and where
// that figure comes from (a sysctl, a probe of the kernel, or the harness cap).
type Limit struct {
	Bytes  int    `json:"bytes"`
	Source string `json:"source"`
}

// Options configures the objects created for one case.
type Options struct {
	MessageBytes int
	// Writers is how many processes send on side a at once: more than one
	// in a fanin, for the transports that are MultiWriter.
	Writers int
	// SharedCPU says both workers are pinned to one CPU, where spinning
	// for a peer that cannot run is wasted: a spinning transport yields at
	// once instead.
	SharedCPU bool
	// Depth is run --depth: the messages in flight per direction that New
	// sets the transport to hold, exactly, or fails with ErrUnsupported
	// naming the limit; 0 keeps the transport's native buffering.
	Depth int
}

// Descriptor describes and constructs one transport.
type Descriptor struct {
	Name string
	// Order places the transport in runs, tables and list: ascending, ties
	// broken by name. The well-known mechanisms come first, the fast paths
	// after them.
	Order    int
	Doc      string // one line
	DataPath string // how the bytes travel
	Framing  Framing
	Model    CostModel
	// MaxMessage reports the largest message this host lets the transport carry.
	MaxMessage func() (Limit, error)
	// New runs in the parent and creates the kernel objects for one case.
	// It returns an error wrapping ErrUnsupported when the host lacks the mechanism.
	New func(Options) (Setup, error)
	// MultiWriter says several processes may send on side a's end at once,
	// each message arriving whole (the fanin workload); AtomicWriteBytes,
	// when not zero, is the largest message for which that holds (PIPE_BUF
	// for pipes).
	MultiWriter      bool
	AtomicWriteBytes int
	// InPlace says the Conn implements InPlace: messages live in memory
	// both workers map, so the stream-inplace workload can run on it.
	InPlace bool
	// ZeroCopySend says Send copies nothing into the kernel: the one copy is
	// the receiver's, out of the sender's pages (vmsplice, process_vm_readv).
	ZeroCopySend bool
	// DropsUnderOverload says the sender never waits: a message the
	// receiver's queue cannot hold is lost, and the case fails.
	DropsUnderOverload bool
	// NotInTaskIO says /proc/PID/io sees neither the calls nor the bytes of
	// this Stream transport (io_uring's SEND and RECV).
	NotInTaskIO bool
	// IgnoresSARestart says a signal interrupts blocking calls with EINTR
	// whatever SA_RESTART says (System V IPC); the Conn retries and counts.
	IgnoresSARestart bool
	// OptIn leaves the transport out of a run without --transports: the
	// ring's other wait strategies, which a default run need not repeat.
	OptIn bool
	// Open runs in a worker: fds are the Handoff's files, in order, as
	// descriptors of the worker process; args are the Handoff's args.
	Open func(side Side, fds []int, args []string, opts Options) (Conn, error)
}

// ErrUnsupported, wrapped with a reason, means the case is skipped on this
// host; it never counts as a failure.
var ErrUnsupported = errors.New("unsupported on this host")

// StreamCapBytes caps messages on stream transports, which have no kernel
// limit of their own: the harness holds a few buffers of this size per worker.
const StreamCapBytes = 16 << 20

var (
	registryMu sync.Mutex
	registry   = map[string]Descriptor{}
)

// Register adds a transport. Registering a name twice panics.
func Register(d Descriptor) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if d.Name == "" || d.New == nil || d.Open == nil || d.MaxMessage == nil {
		panic(fmt.Sprintf("transports: incomplete descriptor %q", d.Name))
	}
	if _, dup := registry[d.Name]; dup {
		panic("transports: Register called twice for " + d.Name)
	}
	registry[d.Name] = d
}

// Lookup returns the transport registered under name.
func Lookup(name string) (Descriptor, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	d, ok := registry[name]
	return d, ok
}

// All returns every registered transport by Order, then by name.
func All() []Descriptor {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Descriptor, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Names returns the registered names in the order of All.
func Names() []string {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
	}
	return names
}

// Defaults lists the transports a run takes without --transports: all but
// the opt-in ones.
func Defaults() []string {
	var names []string
	for _, d := range All() {
		if !d.OptIn {
			names = append(names, d.Name)
		}
	}
	return names
}

// copyChunkBytes keeps each copy below 1 MiB, where Go's memmove on amd64
// switches to non-temporal stores (runtime/memmove_amd64.s): those send the
// message to DRAM instead of leaving it in cache for the peer core to read.
// Measured on a 2-vCPU EPYC guest: 1 MiB in-place streaming through
// shm-ring went from 15-16 GB/s to 27-37 GB/s once copies were split.
const copyChunkBytes = 512 << 10

// CopyCached copies src to dst like copy, in chunks that stay in cache;
// transports whose user-space copies feed another core use it.
func CopyCached(dst, src []byte) int {
	n := min(len(dst), len(src))
	if n <= copyChunkBytes {
		return copy(dst, src)
	}
	for off := 0; off < n; off += copyChunkBytes {
		end := min(off+copyChunkBytes, n)
		copy(dst[off:end], src[off:end])
	}
	return n
}
