package leakcheck

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/internal/ipcls"
	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// TestCheckSeesNewObjects leaks one of each object ipcbench makes after a
// snapshot: a segment, a semaphore set and a message queue under ipcbench's
// keys, a POSIX queue and an ipcbench-* temp directory. Check must name
// them all.
func TestCheckSeesNewObjects(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	before := Take()
	name := shm.NewName("leaktest", "").String()
	if err := os.Mkdir(filepath.Join(os.TempDir(), name), 0o700); err != nil {
		t.Fatal(err)
	}
	want := []string{name}
	for _, o := range []struct {
		kind   string
		create func() (id, key int, err error)
		remove func(id int) error
	}{
		{"shm", func() (int, int, error) { return shm.SegCreate(4096) }, shm.SegRemove},
		{"sem", func() (int, int, error) { return shm.SemCreate(1) }, shm.SemRemove},
		{"msg", shm.MsgCreate, shm.MsgRemove},
	} {
		id, _, err := o.create()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.remove(id) })
		want = append(want, fmt.Sprintf("sysv %s key=", o.kind), fmt.Sprintf("id=%d", id))
	}
	if _, err := ipcls.Queues(); err == nil {
		q := shm.NewName("mq", "leaktest").String()
		mqd, err := shm.MqOpen(q, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, shm.Mode, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(mqd); shm.MqUnlink(q) })
		want = append(want, "posix mq "+q)
	} else {
		t.Logf("POSIX queues not checked: this user cannot list them (%v)", err)
	}
	err := Check(before)
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Check = %v; want %q named", err, w)
		}
	}
}

// TestRunIgnoresForeignObjects creates, during a test run, what other
// programs on the host make: a System V segment, semaphore set and message
// queue under keys outside ipcbench's namespace (a PostgreSQL server's
// segment and semaphores), and a POSIX queue of another name. Run must
// pass, at once, with all of them still there.
func TestRunIgnoresForeignObjects(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // Run sets it for the binary
	code := Run(runFunc(func() int {
		makeForeign(t)
		return 0
	}))
	if code != 0 {
		t.Fatalf("Run = %d with only foreign objects new; want 0", code)
	}
}

type runFunc func() int

func (f runFunc) Run() int { return f() }

// makeForeign creates a System V object of each kind under a key outside
// ipcbench's namespace, and a POSIX queue whose name is not ipcbench-*;
// t.Cleanup removes them.
func makeForeign(t *testing.T) {
	t.Helper()
	for _, o := range []struct {
		kind   string
		get    func(key, flags int) (int, error)
		remove func(id int) error
	}{
		{"shm", func(key, flags int) (int, error) { return unix.SysvShmGet(key, 4096, flags) }, shm.SegRemove},
		{"sem", func(key, flags int) (int, error) { return sysvGet(unix.SYS_SEMGET, key, 1, flags) }, shm.SemRemove},
		{"msg", func(key, flags int) (int, error) { return sysvGet(unix.SYS_MSGGET, key, flags, 0) }, shm.MsgRemove},
	} {
		id, err := -1, error(unix.EEXIST)
		for err == unix.EEXIST {
			key := int(rand.Uint32() & 0x3fffffff) // positive, non-zero at most once in a billion
			if key == 0 || shm.InNamespace(key) {
				continue
			}
			id, err = o.get(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
		}
		if err != nil {
			t.Fatalf("create a foreign %s: %v", o.kind, err)
		}
		t.Cleanup(func() { o.remove(id) })
	}
	name := fmt.Sprintf("leakcheck-foreign-%d-%x", os.Getpid(), rand.Uint64())
	mqd, err := shm.MqOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600, nil)
	if err != nil {
		t.Fatalf("create a foreign POSIX queue: %v", err)
	}
	t.Cleanup(func() { unix.Close(mqd); shm.MqUnlink(name) })
}

// sysvGet calls semget or msgget.
func sysvGet(trap uintptr, key, a2, a3 int) (int, error) {
	r, _, errno := unix.Syscall(trap, uintptr(key), uintptr(a2), uintptr(a3))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// TestOursIsIpcbenchOfThisUser: a System V object counts only under a key
// of ipcbench's namespace, owned and created by this user; neither a
// PostgreSQL server's segment (key port*1000+n) nor another user's
// semaphore in ipcbench's namespace counts.
func TestOursIsIpcbenchOfThisUser(t *testing.T) {
	obj := func(key, uid, cuid int) ipcls.SysV {
		return ipcls.SysV{Kind: "sem", Fields: map[string]string{"key": fmt.Sprint(key), "semid": "7", "uid": fmt.Sprint(uid), "cuid": fmt.Sprint(cuid)}}
	}
	const me, other = 1000, 1001
	for _, tc := range []struct {
		what string
		o    ipcls.SysV
		want bool
	}{
		{"ipcbench's, this user's", obj(shm.KeyPrefix|0x1234, me, me), true},
		{"a PostgreSQL server's", obj(5432001, me, me), false},
		{"private (key 0)", obj(0, me, me), false},
		{"another user's, in the namespace", obj(shm.KeyPrefix|0x1234, other, other), false},
		{"given away to another user", obj(shm.KeyPrefix|0x1234, other, me), false},
		{"given to this user by another", obj(shm.KeyPrefix|0x1234, me, other), false},
	} {
		if got := ours(tc.o, me); got != tc.want {
			t.Errorf("%s: ours = %v, want %v", tc.what, got, tc.want)
		}
	}
}
