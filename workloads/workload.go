// Package workloads describes what ipcbench can ask two processes to do over
// a transport: a round trip, a stream, a fan-in, a file relay. Each workload
// is one file that registers a Descriptor; the harness, the results formats
// and the report ask the registry what a workload's sides do and what its
// figures mean, instead of comparing names.
package workloads

import (
	"fmt"
	"sort"
)

// Role is what one side of a workload does; it names the side in errors and
// in the results file, and the harness runs the loops registered for it
// (harness/loop.go). The workload that introduces a role declares it.
type Role string

// Latency says what a case's latency figures measure.
type Latency int

const (
	NoLatency Latency = iota // the workload times no message (relay)
	RoundTrip                // request sent to answer received
	OneWay                   // send stamp to receipt, queueing included
)

func (l Latency) String() string {
	switch l {
	case RoundTrip:
		return "round trip"
	case OneWay:
		return "one way"
	}
	return "none"
}

// StampBytes is what a stamped message carries before its payload: an 8 B
// sequence number and an 8 B send time.
const StampBytes = 16

// Descriptor is a registered workload.
type Descriptor struct {
	Name    string
	Doc     string  // one line for help and list
	Order   int     // run order and the order of tables and plots
	Default bool    // run without --workloads
	Roles   [2]Role // what side a and side b do
	Latency Latency // what its latency figures measure
	// MessagesPerOp is how many messages one measured operation delivers:
	// 2 for a round trip (both directions count), 1 otherwise.
	MessagesPerOp int
	Stamped       bool // every message carries StampBytes of sequence and send time
	InPlace       bool // the sides write and verify messages in the transport's slots (transports.InPlace)
	Writers       bool // side a is --producers processes writing into one transport
	File          bool // moves a file: no warm-up, no latency, copies counted by where bytes moved
	// OpenLoop: side a sends on a schedule (run --rate), not when the
	// transport takes the next message, so a one-way latency is the
	// transport's and not the depth of its queue; each offered rate is a
	// case of its own.
	OpenLoop bool
}

// MinBytes is the smallest message the workload can carry.
func (d Descriptor) MinBytes() int {
	if d.Stamped {
		return StampBytes
	}
	return 1
}

var registry = map[string]Descriptor{}

// Register adds a workload; each workload's file calls it from init.
// Registering a name twice panics.
func Register(d Descriptor) {
	if _, dup := registry[d.Name]; dup {
		panic(fmt.Sprintf("workloads: %q registered twice", d.Name))
	}
	if d.MessagesPerOp < 1 {
		panic(fmt.Sprintf("workloads: %q: MessagesPerOp must be at least 1", d.Name))
	}
	registry[d.Name] = d
}

// Lookup finds a workload by name.
func Lookup(name string) (Descriptor, bool) {
	d, ok := registry[name]
	return d, ok
}

// All returns every workload in Order.
func All() []Descriptor {
	out := make([]Descriptor, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// Names returns every workload's name in Order.
func Names() []string {
	var out []string
	for _, d := range All() {
		out = append(out, d.Name)
	}
	return out
}

// Defaults returns the names of the workloads run without --workloads.
func Defaults() []string {
	var out []string
	for _, d := range All() {
		if d.Default {
			out = append(out, d.Name)
		}
	}
	return out
}
