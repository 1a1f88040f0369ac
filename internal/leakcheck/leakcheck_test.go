package leakcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// TestCheckSeesNewObjects creates a System V message queue and an
// ipcbench-* temp directory after a snapshot; Check must name both.
func TestCheckSeesNewObjects(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	before := Take()
	name := shm.NewName("leaktest", "").String()
	dir := filepath.Join(os.TempDir(), name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	id, _, errno := unix.Syscall(unix.SYS_MSGGET, 0 /* IPC_PRIVATE */, unix.IPC_CREAT|0o600, 0)
	if errno != 0 {
		t.Fatalf("msgget: %v", errno)
	}
	defer unix.Syscall(unix.SYS_MSGCTL, id, unix.IPC_RMID, 0)
	err := Check(before)
	if err == nil || !strings.Contains(err.Error(), "sysv msg") || !strings.Contains(err.Error(), name) {
		t.Fatalf("Check = %v, want both the queue and the directory named", err)
	}
}
