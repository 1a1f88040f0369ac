package doctor

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/shm"
)

func byName(fs []results.Finding, name string) (results.Finding, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return results.Finding{}, false
}

func TestCheckCoversEveryTopic(t *testing.T) {
	fs := Check(0)
	for _, name := range []string{"kernel.msgmax", "kernel.msgmnb", "kernel.shmmax", "kernel.sem", "fs.mqueue.msgsize_max",
		"fs.mqueue.msg_max", "fs.pipe-max-size", "CPUs", "frequency governor", "load average", "clock source",
		"clock read cost", "hardware perf counters", "sysv-msg largest message", "pipe largest message"} {
		if _, ok := byName(fs, name); !ok {
			t.Errorf("no finding %q", name)
		}
	}
	// The fix for a limit appears exactly when the limit caps a 64 KiB message.
	msgmax, err := shm.Sysctl("kernel.msgmax")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := byName(fs, "kernel.msgmax")
	if hasFix := strings.Contains(f.Fix, "sysctl -w kernel.msgmax=65536"); hasFix != (msgmax < 65536) {
		t.Errorf("kernel.msgmax=%d: fix %q", msgmax, f.Fix)
	}
	m, _ := byName(fs, "sysv-msg largest message")
	if msgmax < 65536 && (!m.Warn || !strings.Contains(m.Effect, "kernel.msgmax")) {
		t.Errorf("sysv-msg finding does not name the sysctl that caps it: %+v", m)
	}
}

// TestLoadSeesABusyProcess spins a child process and checks that the
// sample names it with its pid.
func TestLoadSeesABusyProcess(t *testing.T) {
	spin := exec.Command("sh", "-c", "while :; do :; done")
	if err := spin.Start(); err != nil {
		t.Skipf("cannot start sh: %v", err)
	}
	defer func() { spin.Process.Kill(); spin.Wait() }()
	f, ok := byName(load(300*time.Millisecond), "busy processes")
	want := fmt.Sprintf("sh (pid %d)", spin.Process.Pid)
	if !ok || !strings.Contains(f.Value, want) || !f.Warn {
		t.Errorf("busy processes %+v; want %q flagged", f, want)
	}
}
