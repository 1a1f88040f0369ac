package transports

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCMAPtraceScope points New at a Yama policy file of its own and checks
// its decision: go ahead, go ahead with PR_SET_PTRACER in each worker, or
// skip naming kernel.yama.ptrace_scope and the fix.
func TestCMAPtraceScope(t *testing.T) {
	dir := t.TempDir()
	oldPath, oldCap := yamaScopePath, hasPtraceCap
	t.Cleanup(func() { yamaScopePath, hasPtraceCap = oldPath, oldCap })
	for _, tc := range []struct {
		name       string
		scope      string // "" for no Yama: the file is absent
		capPtrace  bool
		setTracer  bool
		skipReason string // empty where New succeeds
	}{
		{name: "absent"},
		{name: "0", scope: "0\n"},
		{name: "1", scope: "1\n", setTracer: true},
		{name: "2 without CAP_SYS_PTRACE", scope: "2\n", skipReason: "kernel.yama.ptrace_scope=2"},
		{name: "2 with CAP_SYS_PTRACE", scope: "2\n", capPtrace: true},
		{name: "3", scope: "3\n", skipReason: "kernel.yama.ptrace_scope=3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yamaScopePath = filepath.Join(dir, "absent")
			if tc.scope != "" {
				yamaScopePath = filepath.Join(dir, "ptrace_scope-"+strings.TrimSpace(tc.scope))
				if err := os.WriteFile(yamaScopePath, []byte(tc.scope), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			hasPtraceCap = func() bool { return tc.capPtrace }
			setup, err := newCMASetup(Options{MessageBytes: 64})
			if tc.skipReason != "" {
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.skipReason) ||
					!strings.Contains(err.Error(), "sysctl -w kernel.yama.ptrace_scope=1") {
					t.Fatalf("New = %v; want a skip naming %s and the fix sysctl -w kernel.yama.ptrace_scope=1", err, tc.skipReason)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer setup.Close()
			for _, side := range []Side{SideA, SideB} {
				if got := slices.Contains(setup.Handoff(side).Args, cmaSetPtracerArg); got != tc.setTracer {
					t.Errorf("side %s is asked to set PR_SET_PTRACER: %v, want %v", side, got, tc.setTracer)
				}
			}
		})
	}
}

// TestCMADepth: only the one message in flight that the design holds.
func TestCMADepth(t *testing.T) {
	setup, err := newCMASetup(Options{MessageBytes: 64, Depth: 1})
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if d := setup.(DepthReporter).Depth(); d.Msgs != 1 {
		t.Errorf("depth %+v, want 1 message", d)
	}
	if _, err := newCMASetup(Options{MessageBytes: 64, Depth: 2}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("depth 2: %v, want ErrUnsupported", err)
	}
}

// TestCMARefusedCallIsASkip: where a seccomp profile or an LSM refuses
// process_vm_readv itself (a read of oneself always passes the ptrace
// check), cma is skipped with the reason and the fix, not failed; on this
// host the real self-read succeeds.
func TestCMARefusedCallIsASkip(t *testing.T) {
	if err := cmaSelfRead(); err != nil {
		t.Fatalf("process_vm_readv of this process's own memory: %v", err)
	}
	real := cmaReadSelf
	t.Cleanup(func() { cmaReadSelf = real })
	for _, errno := range []unix.Errno{unix.EPERM, unix.ENOSYS} {
		cmaReadSelf = func() error { return errno }
		setup, err := newCMASetup(Options{MessageBytes: 64})
		if err == nil {
			setup.Close()
		}
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "--transports") {
			t.Errorf("%v: New = %v; want a skip that says how to leave cma out", errno, err)
		}
	}
}
