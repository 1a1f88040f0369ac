package harness

import (
	"context"
	"regexp"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// limitNamed matches a skip reason that names what limits the depth: a
// sysctl, a kernel constant or the layout that cannot hold it.
var limitNamed = regexp.MustCompile(`sysctl|SEMVMX|whole pages|at most 2 messages|exactly 1 message|SO_SNDBUF|net\.`)

// TestDepthSet runs a stream case at --depth 16 on every transport: each
// records exactly 16 messages in flight, or is skipped saying what limits it.
func TestDepthSet(t *testing.T) {
	for _, size := range []int{64, 4096} {
		for _, d := range eachTransport() {
			t.Run(d.Name, func(t *testing.T) {
				r := RunCase(context.Background(), Case{Transport: d.Name, Workload: "stream", SizeBytes: size, Count: 2000, Depth: 16})
				switch r.Status {
				case results.StatusOK:
					if r.DepthMsgs != 16 || r.DepthBytes <= 0 || r.DepthSource == "" {
						t.Errorf("%d B: depth %d msgs %d B (%q), want 16 messages", size, r.DepthMsgs, r.DepthBytes, r.DepthSource)
					}
				case results.StatusSkipped:
					if !limitNamed.MatchString(r.Reason) {
						t.Errorf("%d B: skipped without naming the limit: %q", size, r.Reason)
					}
					t.Logf("%d B: skipped: %s", size, r.Reason)
				default:
					t.Errorf("%d B: %s: %s", size, r.Status, r.Reason)
				}
			})
		}
	}
}

// TestDepthNative: without --depth every case records the buffering it had.
func TestDepthNative(t *testing.T) {
	for _, d := range eachTransport() {
		r := RunCase(context.Background(), Case{Transport: d.Name, Workload: "stream", SizeBytes: 64, Count: 500})
		if r.Status == results.StatusSkipped {
			continue
		}
		if r.Status != results.StatusOK || r.DepthMsgs < 1 || r.DepthBytes < 1 || r.DepthSource == "" {
			t.Errorf("%s: %s %q, depth %d msgs %d B (%q); want a native depth recorded", d.Name, r.Status, r.Reason, r.DepthMsgs, r.DepthBytes, r.DepthSource)
		}
	}
}

// TestDepthSysvShm: the bounded buffer carries verified messages at depth 1
// (the lock-step design) and 8, in both directions and in place.
func TestDepthSysvShm(t *testing.T) {
	for _, depth := range []int{1, 8} {
		for _, wl := range []string{"stream", "pingpong", "stream-inplace"} {
			r := RunCase(context.Background(), Case{Transport: "sysv-shm", Workload: wl, SizeBytes: 100, Count: 3000, Depth: depth})
			if r.Status != results.StatusOK || r.Messages < 3000 || r.DepthMsgs != depth {
				t.Errorf("depth %d %s: %s %q, %d messages, depth %d; want at least 3000 verified at depth %d", depth, wl, r.Status, r.Reason, r.Messages, r.DepthMsgs, depth)
			}
		}
	}
}
