package leftovers_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/internal/leakcheck"
	"github.com/ipcbench/ipcbench/leftovers"
	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func find(items []leftovers.Item, what string) (leftovers.Item, bool) {
	for _, it := range items {
		if strings.Contains(it.What, what) {
			return it, true
		}
	}
	return leftovers.Item{}, false
}

// TestFindSortsByCreatorAndOwner plants one object of each case clean must
// tell apart, and checks where Find puts each, then removes the stale ones
// through it.
func TestFindSortsByCreatorAndOwner(t *testing.T) {
	dead := deadPid(t)

	// Live creator: a semaphore set this process made (the ledger names it).
	semID, semKey, err := shm.SemCreate(1)
	if err != nil {
		t.Fatal(err)
	}
	defer shm.SemRemove(semID)

	// Another user's object in the namespace: a segment handed to nobody.
	foreignKey := shm.KeyPrefix | 0xFFF1
	segID, err := unix.SysvShmGet(foreignKey, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmCtl(segID, unix.IPC_RMID, nil)
	var desc unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(segID, unix.IPC_STAT, &desc); err != nil {
		t.Fatal(err)
	}
	desc.Perm.Uid = 65534
	if _, err := unix.SysvShmCtl(segID, unix.IPC_SET, &desc); err != nil {
		t.Skipf("cannot give a segment to another user (needs root): %v", err)
	}

	// Outside the namespace: a private queue.
	r, _, errno := unix.Syscall(unix.SYS_MSGGET, 0, unix.IPC_CREAT|0o600, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	privateID := int(r)
	defer unix.Syscall(unix.SYS_MSGCTL, r, unix.IPC_RMID, 0)

	// Dead creators: a POSIX queue and a FIFO directory named with a dead pid.
	qName := fmt.Sprintf("ipcbench-%d-0badf00d-a2b", dead)
	mqd, err := shm.MqOpen(qName, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(mqd)
	defer shm.MqUnlink(qName)
	deadDir := filepath.Join(os.TempDir(), fmt.Sprintf("ipcbench-fifo-%d-123", dead))
	liveDir := filepath.Join(os.TempDir(), fmt.Sprintf("ipcbench-fifo-%d-456", os.Getpid()))
	for _, d := range []string{deadDir, liveDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(d)
	}

	s := leftovers.Find()
	if it, ok := find(s.Kept, fmt.Sprintf("key=%#x id=%d", semKey, semID)); !ok || !strings.Contains(it.Why, "is running") {
		t.Errorf("live creator's semaphore set: kept %v (%q); stale %v", ok, it.Why, s.Stale)
	}
	for _, items := range [][]leftovers.Item{s.Kept, s.Stale} {
		if it, ok := find(items, fmt.Sprintf("%#x", foreignKey)); ok {
			t.Errorf("another user's segment was listed: %+v", it)
		}
		if it, ok := find(items, fmt.Sprintf("id=%d", privateID)); ok && strings.Contains(it.What, "msg") {
			t.Errorf("a queue outside the namespace was listed: %+v", it)
		}
	}
	if it, ok := find(s.Kept, liveDir); !ok {
		t.Errorf("the live creator's temp dir is not kept: %+v", it)
	}
	for _, what := range []string{qName, deadDir} {
		it, ok := find(s.Stale, what)
		if !ok || !strings.Contains(it.Why, fmt.Sprintf("pid %d, is gone", dead)) {
			t.Errorf("%s: stale %v, why %q; want it found with its dead creator", what, ok, it.Why)
			continue
		}
		if err := it.Remove(); err != nil {
			t.Errorf("remove %s: %v", what, err)
		}
	}
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		t.Errorf("dead creator's dir survived removal: %v", err)
	}
	if _, ok := find(leftovers.Find().Stale, qName); ok {
		t.Errorf("queue %s survived removal", qName)
	}
}
