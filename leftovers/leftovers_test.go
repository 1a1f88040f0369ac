package leftovers_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/ipcbench/ipcbench/internal/leakcheck"
	"github.com/ipcbench/ipcbench/leftovers"
	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		if err := child(role, os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(leakcheck.Run(m))
}

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
// tell apart, and checks where Find puts each. (Objects of a dead creator:
// see TestCleanTellsZombieCreatorIsGone.)
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

	// Names that carry a dead pid, in no ledger: a pid proves nothing, so
	// both are kept (the queue) or not listed at all (the unmarked dir).
	qName := shm.Name{Kind: "mq", Pid: dead, Random: 0x0badf00d, Role: "a2b"}.String()
	qPtr, err := unix.BytePtrFromString(qName)
	if err != nil {
		t.Fatal(err)
	}
	mqd, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(qPtr)), // not shm.MqOpen, which would ledger it
		unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600, 0, 0, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	unix.Close(int(mqd))
	defer shm.MqUnlink(qName)
	deadDir := filepath.Join(os.TempDir(), shm.Name{Kind: "fifo", Pid: dead, Random: 0x123}.String())
	if err := os.Mkdir(deadDir, 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(deadDir)
	// A live creator's temp dir: this process made it.
	liveDir, err := shm.MkdirTemp("fifo")
	if err != nil {
		t.Fatal(err)
	}
	defer shm.RemoveTemp(liveDir)

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
		if it, ok := find(items, deadDir); ok {
			t.Errorf("a dir without ipcbench's marker was listed: %+v", it)
		}
	}
	if it, ok := find(s.Kept, liveDir); !ok || !strings.Contains(it.Why, "is running") {
		t.Errorf("the live creator's temp dir is not kept: %+v", it)
	}
	if it, ok := find(s.Stale, qName); ok {
		t.Errorf("a queue no ledger names, with a dead pid in its name, was offered for removal: %s", it.Why)
	}
	if it, ok := find(s.Kept, qName); !ok || !strings.Contains(it.Why, "no ledger names it") {
		t.Errorf("queue %s: kept %v, why %q; want kept, as no ledger names it", qName, ok, it.Why)
	}
}
