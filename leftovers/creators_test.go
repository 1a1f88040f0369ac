package leftovers_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/leftovers"
	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// childEnv names the role a re-executed test binary plays (see TestMain).
const childEnv = "LEFTOVERS_TEST_CHILD"

// child plays a role in a separate process:
//
//	creator-exit   create a semaphore set, a POSIX queue and a temp dir,
//	               print them, and exit without removing them (as SIGKILL would)
//	creator-block  the same, then wait for stdin to close, remove them, exit
//	nsinit         pid 1 of a new pid namespace: make the next pid arg, and
//	               run creator-block as it
func child(role, arg string) error {
	switch role {
	case "creator-exit", "creator-block":
		semID, semKey, err := shm.SemCreate(1)
		if err != nil {
			return err
		}
		dir, err := shm.MkdirTemp("test")
		if err != nil {
			shm.SemRemove(semID)
			return err
		}
		mq := shm.NewName("mq", "test").String()
		mqd, err := shm.MqOpen(mq, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, shm.Mode, nil)
		if err != nil {
			return errors.Join(err, shm.SemRemove(semID), shm.RemoveTemp(dir))
		}
		unix.Close(mqd)
		fmt.Printf("sem %#x %d\nmq %s\ndir %s\n", semKey, semID, mq, dir)
		os.Stdout.Sync()
		if role == "creator-exit" {
			os.Exit(0)
		}
		io.Copy(io.Discard, os.Stdin)
		return errors.Join(shm.SemRemove(semID), shm.MqUnlink(mq), shm.RemoveTemp(dir))
	case "nsinit":
		want, _ := strconv.Atoi(arg)
		// os/exec's first start probes the kernel with a child of its own:
		// let it, before the pid is chosen.
		if err := exec.Command("true").Run(); err != nil {
			return err
		}
		// ns_last_pid is the pid namespace's last pid handed out, so that the
		// creator gets a pid of this namespace that no host process has.
		if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(want-1)), 0); err != nil {
			return fmt.Errorf("set ns_last_pid: %w", err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=creator-block")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		fmt.Printf("pid %d\n", cmd.Process.Pid)
		return cmd.Wait()
	}
	return fmt.Errorf("unknown role %q", role)
}

// creator is a child process that made objects: its semaphore set and dir.
type creator struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  map[string]string // "sem" → "<key> <id>", "dir" → path, "pid" → ...
	semKey int
	semID  int
	dir    string
}

func startCreator(t *testing.T, role, arg string, attr *syscall.SysProcAttr) *creator {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", arg)
	cmd.Env = append(os.Environ(), childEnv+"="+role)
	cmd.SysProcAttr = attr
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start the creator (%v): %v", attr, err)
	}
	c := &creator{cmd: cmd, stdin: stdin, lines: map[string]string{}}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		c.lines[k] = v
		if k == "dir" {
			break
		}
	}
	if _, err := fmt.Sscanf(c.lines["sem"], "%v %d", &c.semKey, &c.semID); err != nil {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("creator said %q: %v", c.lines, err)
	}
	c.dir = c.lines["dir"]
	if role == "creator-exit" {
		io.Copy(io.Discard, stdout) // until it has exited: a zombie, not yet waited for
	}
	return c
}

// isolateLedgers points the ledgers at a private base, so that a clean run
// by another test binary cannot take this test's objects.
func isolateLedgers(t *testing.T) {
	t.Setenv("IPCBENCH_LEDGER_BASE", t.TempDir())
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

// TestCleanTellsZombieCreatorIsGone: a creator that has exited but not been
// waited for is a zombie; kill(pid, 0) still succeeds for it, but it holds
// no lock on its ledger, so its objects are left behind.
func TestCleanTellsZombieCreatorIsGone(t *testing.T) {
	isolateLedgers(t)
	c := startCreator(t, "creator-exit", "", nil)
	defer c.cmd.Wait()
	s := leftovers.Find()
	for _, what := range []string{fmt.Sprintf("key=%#x id=%d", c.semKey, c.semID), "posix mq " + c.lines["mq"], c.dir} {
		it, ok := find(s.Stale, what)
		if !ok {
			t.Errorf("%s of a zombie creator is not listed as left behind; kept: %v", what, s.Kept)
			continue
		}
		if err := it.Remove(); err != nil {
			t.Errorf("remove %s: %v", it.What, err)
		}
	}
	if it, ok := find(s.Stale, "ledger "); !ok {
		t.Errorf("the zombie's ledger is not listed as left behind")
	} else if err := it.Remove(); err != nil {
		t.Errorf("remove %s: %v", it.What, err)
	}
	// Whatever the test failed to remove must not outlive it.
	shm.SemRemove(c.semID)
	shm.MqUnlink(c.lines["mq"])
	os.RemoveAll(c.dir)
}

// TestCleanKeepsObjectsOfARunInAnotherPidNamespace runs a creator as a pid
// of a new pid namespace that no host process has, and checks that a host
// clean keeps its objects while it runs and finds them once it is gone.
func TestCleanKeepsObjectsOfARunInAnotherPidNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a new pid namespace needs root (CAP_SYS_ADMIN)")
	}
	isolateLedgers(t)
	hostDead := deadPid(t) // a host pid no process has now
	c := startCreator(t, "nsinit", strconv.Itoa(hostDead),
		&syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID, Pdeathsig: syscall.SIGKILL})
	defer os.RemoveAll(c.dir)
	defer shm.MqUnlink(c.lines["mq"])
	defer shm.SemRemove(c.semID)
	defer c.cmd.Wait()
	defer c.stdin.Close()
	if c.lines["pid"] != strconv.Itoa(hostDead) {
		t.Logf("the creator is pid %s in its namespace, not %d (ns_last_pid raced)", c.lines["pid"], hostDead)
	}

	s := leftovers.Find()
	for _, what := range []string{fmt.Sprintf("key=%#x id=%d", c.semKey, c.semID), "posix mq " + c.lines["mq"], c.dir} {
		if it, ok := find(s.Stale, what); ok {
			t.Errorf("a live run in another pid namespace: %s offered for removal: %s", it.What, it.Why)
		}
		if _, ok := find(s.Kept, what); !ok {
			t.Errorf("%s of a live run in another pid namespace is not listed as kept", what)
		}
	}

	c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("creator: %v", err)
	}
	if _, err := os.Lstat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the creator did not remove %s: %v", c.dir, err)
	}
	after := leftovers.Find()
	for _, items := range [][]leftovers.Item{after.Stale, after.Kept} {
		if it, ok := find(items, fmt.Sprintf("key=%#x id=%d", c.semKey, c.semID)); ok {
			t.Errorf("after the creator removed it: %s listed: %s", it.What, it.Why)
		}
	}
}

// TestCleanNeverOffersDirsIpcbenchDidNotMake plants, in the temp dir, old
// directories with ipcbench-* names that ipcbench's run and report write, or
// a user chose, and a FIFO-like name with a dead pid but no marker: clean
// must offer none of them for removal.
func TestCleanNeverOffersDirsIpcbenchDidNotMake(t *testing.T) {
	isolateLedgers(t)
	tmp := os.TempDir()
	old := time.Now().Add(-time.Hour)
	var dirs []string
	for _, name := range []string{"ipcbench-results", "ipcbench-report", "ipcbench-src",
		shm.Name{Kind: "fifo", Pid: deadPid(t), Random: 0x123}.String(), shm.Name{Kind: "relay", Pid: deadPid(t), Random: 0x456}.String()} {
		d := filepath.Join(tmp, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(d)
		if err := os.WriteFile(filepath.Join(d, "main.go"), []byte("package main\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	s := leftovers.Find()
	for _, d := range dirs {
		if it, ok := find(s.Stale, d); ok {
			t.Errorf("%s offered for removal: %s", it.What, it.Why)
		}
	}
}

// TestCleanTrustsNoPidOfAnOldLedger: a ledger an older ipcbench wrote is
// named by its creator's pid and holds no lock. That pid may be another
// process now, or one of another pid namespace, so the objects it names are
// kept; once none of them exists, the ledger itself may go.
func TestCleanTrustsNoPidOfAnOldLedger(t *testing.T) {
	isolateLedgers(t)
	key := shm.KeyPrefix | 0xFFF3
	r, _, errno := unix.Syscall(unix.SYS_SEMGET, uintptr(key), 1, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if errno != 0 {
		t.Fatalf("semget: %v", errno)
	}
	semID := int(r)
	defer unix.Syscall(unix.SYS_SEMCTL, r, 0, unix.IPC_RMID)
	dir := shm.LedgerLocations()[0]
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, strconv.Itoa(deadPid(t)))
	if err := os.WriteFile(old, []byte(fmt.Sprintf("sem %d %d\n", key, semID)), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(old)

	s := leftovers.Find()
	sem := fmt.Sprintf("key=%#x id=%d", key, semID)
	if it, ok := find(s.Stale, sem); ok {
		t.Errorf("%s offered for removal on the word of an old ledger's pid: %s", it.What, it.Why)
	}
	if it, ok := find(s.Stale, "ledger "+old); ok {
		t.Errorf("an old ledger naming a live object offered for removal: %s", it.Why)
	}

	unix.Syscall(unix.SYS_SEMCTL, r, 0, unix.IPC_RMID)
	it, ok := find(leftovers.Find().Stale, "ledger "+old)
	if !ok {
		t.Fatalf("an old ledger naming nothing that exists is not offered for removal")
	}
	if err := it.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("%s survived its removal: %v", old, err)
	}
}

// TestCleanRemovesOnlyTheDirItJudged: between Find and Remove (a user reads
// clean --dry-run, then runs clean) the path of a left-behind temp dir may
// come to hold another directory; Remove must leave that one alone.
func TestCleanRemovesOnlyTheDirItJudged(t *testing.T) {
	isolateLedgers(t)
	c := startCreator(t, "creator-exit", "", nil)
	defer c.cmd.Wait()
	defer shm.MqUnlink(c.lines["mq"])
	defer shm.SemRemove(c.semID)
	s := leftovers.Find()
	it, ok := find(s.Stale, c.dir)
	if !ok {
		t.Fatalf("%s of a dead creator not found", c.dir)
	}
	if err := shm.RemoveTemp(c.dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(c.dir)
	mine := filepath.Join(c.dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := it.Remove(); err == nil {
		t.Errorf("Remove of a path that now holds another directory: no error")
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("Remove deleted a directory it had not judged: %v", err)
	}
	for _, what := range []string{fmt.Sprintf("key=%#x id=%d", c.semKey, c.semID), "posix mq " + c.lines["mq"], "ledger "} {
		if it, ok := find(s.Stale, what); ok {
			it.Remove()
		}
	}
}
