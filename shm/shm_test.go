//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Child runs the child half named role of a two-process test; TestMain,
// in package shm_test, calls it in a re-executed test binary.
var Child = child

// spawn starts the test binary as the child half named role, with arg.
func spawn(t *testing.T, role, arg string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", arg)
	cmd.Env = append(os.Environ(), "SHM_TEST_CHILD="+role)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

func child(role, arg string) error {
	switch role {
	case "sem-echo": // wait on sem 0, post sem 1, three times
		id, _ := strconv.Atoi(arg)
		for range 3 {
			if _, err := SemOp(id, []Sembuf{{Num: 0, Op: -1}}); err != nil {
				return err
			}
			if _, err := SemOp(id, []Sembuf{{Num: 1, Op: 1}}); err != nil {
				return err
			}
		}
	case "sem-wait-eintr": // block until posted, and say how many EINTRs were retried
		id, _ := strconv.Atoi(arg)
		eintr, err := SemOp(id, []Sembuf{{Num: 0, Op: -1}})
		if err != nil {
			return err
		}
		fmt.Println("eintr", eintr)
	case "msg-echo": // echo type-1 messages back as type 2
		id, _ := strconv.Atoi(arg)
		buf := make([]byte, MsgTypeBytes+64)
		for range 3 {
			n, _, err := MsgRcv(id, buf, 1, 0)
			if err != nil {
				return err
			}
			PutMsgType(buf, 2)
			if _, err := MsgSnd(id, buf[:MsgTypeBytes+n], 0); err != nil {
				return err
			}
		}
	case "mq-echo": // open both queues by name, echo three messages
		names := strings.Split(arg, ",")
		in, err := MqOpen(names[0], unix.O_RDONLY, 0, nil)
		if err != nil {
			return err
		}
		out, err := MqOpen(names[1], unix.O_WRONLY, 0, nil)
		if err != nil {
			return err
		}
		buf := make([]byte, 128)
		for range 3 {
			n, _, err := MqTimedReceive(in, buf, nil, nil)
			if err != nil {
				return err
			}
			if _, err := MqTimedSend(out, buf[:n], 0, nil); err != nil {
				return err
			}
		}
	case "seg-write": // attach, write a pattern, detach
		id, _ := strconv.Atoi(arg)
		b, err := unix.SysvShmAttach(id, 0, 0)
		if err != nil {
			return err
		}
		for i := range b {
			b[i] = byte(i * 7)
		}
		return unix.SysvShmDetach(b)
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	return nil
}

// semTimedOp is SemOp with a timeout: unix.EAGAIN when it passes.
func semTimedOp(id int, ops []Sembuf, timeout unix.Timespec) error {
	for {
		_, _, e := unix.Syscall6(unix.SYS_SEMTIMEDOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])), uintptr(len(ops)),
			uintptr(unsafe.Pointer(&timeout)), 0, 0)
		if e == 0 {
			return nil
		} else if e != unix.EINTR {
			return e
		}
	}
}

func msgType(buf []byte) int64 { return int64(binary.NativeEndian.Uint64(buf)) }

func wait(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
}

func TestSemaphoresAcrossProcesses(t *testing.T) {
	id, key, err := SemCreate(2)
	if err != nil {
		t.Fatal(err)
	}
	defer SemRemove(id)
	if !InNamespace(key) {
		t.Errorf("key %#x outside the ipcbench namespace", key)
	}
	cmd, out := spawn(t, "sem-echo", strconv.Itoa(id))
	for range 3 {
		if _, err := SemOp(id, []Sembuf{{Num: 0, Op: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := semTimedOp(id, []Sembuf{{Num: 1, Op: -1}}, unix.NsecToTimespec(int64(10*time.Second))); err != nil {
			t.Fatalf("no echo from the child: %v\n%s", err, out)
		}
	}
	wait(t, cmd, out)
	if err := SemSetVal(id, 0, 5); err != nil {
		t.Fatal(err)
	}
	if err := semTimedOp(id, []Sembuf{{Num: 1, Op: -1}}, unix.NsecToTimespec(int64(time.Millisecond))); err != unix.EAGAIN {
		t.Errorf("semtimedop on an empty semaphore: %v, want EAGAIN", err)
	}
}

// TestSemOpRetriesEINTR stops and continues a child blocked in semop,
// which interrupts the semop with EINTR whether or not a handler runs
// (signal(7)); the child must retry and finish once posted, and report
// that it was interrupted.
func TestSemOpRetriesEINTR(t *testing.T) {
	id, _, err := SemCreate(1)
	if err != nil {
		t.Fatal(err)
	}
	defer SemRemove(id)
	cmd, out := spawn(t, "sem-wait-eintr", strconv.Itoa(id))
	waitForWaiter(t, id, 0, out)
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var info unix.Siginfo // waitid returns once the child stopped: its semop was interrupted
	if err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WSTOPPED, nil); err != nil {
		t.Fatalf("waitid WSTOPPED: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if _, err := SemOp(id, []Sembuf{{Num: 0, Op: 1}}); err != nil {
		t.Fatal(err)
	}
	wait(t, cmd, out)
	var n int
	if _, err := fmt.Sscanf(out.String(), "eintr %d", &n); err != nil || n == 0 {
		t.Errorf("child reported %q; want at least one EINTR retried", out)
	}
}

// waitForWaiter waits until a process blocks on semaphore num of set id.
// Nothing signals that, so it polls the kernel's count of waiters (semctl
// GETNCNT).
func waitForWaiter(t *testing.T, id, num int, out *bytes.Buffer) {
	t.Helper()
	const semGETNCNT = 14 // semctl command x/sys does not define
	// A poll, not a sleep for a state: the kernel gives no event when a
	// process blocks in semop, only this count, so the loop reads it every
	// millisecond; a busy loop would take the CPU the waiter needs.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) { // the state is GETNCNT, read each pass
		n, err := sysRetry(unix.SYS_SEMCTL, uintptr(id), uintptr(num), semGETNCNT, 0)
		if err != nil {
			t.Fatalf("semctl GETNCNT semid=%d: %v", id, err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatalf("no process blocked on semaphore %d of semid=%d within a minute:\n%s", num, id, out)
}

func TestMessageQueueAcrossProcesses(t *testing.T) {
	id, _, err := MsgCreate()
	if err != nil {
		t.Fatal(err)
	}
	defer MsgRemove(id)
	cmd, out := spawn(t, "msg-echo", strconv.Itoa(id))
	buf := make([]byte, MsgTypeBytes+64)
	for i := range 3 {
		PutMsgType(buf, 1)
		msg := fmt.Appendf(nil, "message %d", i)
		copy(buf[MsgTypeBytes:], msg)
		if _, err := MsgSnd(id, buf[:MsgTypeBytes+len(msg)], 0); err != nil {
			t.Fatal(err)
		}
		n, _, err := MsgRcv(id, buf, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		if msgType(buf) != 2 || string(buf[MsgTypeBytes:MsgTypeBytes+n]) != string(msg) {
			t.Errorf("echo %d: type %d %q", i, msgType(buf), buf[MsgTypeBytes:MsgTypeBytes+n])
		}
	}
	wait(t, cmd, out)
	ds, err := MsgStat(id)
	if err != nil || ds.Qnum != 0 || ds.Perm.Mode&0o777 != Mode {
		t.Errorf("IPC_STAT: %+v, %v; want an empty queue with mode 0600", ds, err)
	}

	max, err := Sysctl("kernel.msgmax")
	if err != nil {
		t.Skip(err)
	}
	big := make([]byte, MsgTypeBytes+max+1)
	PutMsgType(big, 1)
	if _, err := MsgSnd(id, big, unix.IPC_NOWAIT); err == nil || !strings.Contains(err.Error(), "sysctl kernel.msgmax") {
		t.Errorf("oversize msgsnd: %v, want an error naming kernel.msgmax", err)
	}
	// A receive buffer too small fails and leaves the message queued.
	PutMsgType(buf, 3)
	MsgSnd(id, buf[:MsgTypeBytes+10], 0)
	if _, _, err := MsgRcv(id, buf[:MsgTypeBytes+4], 3, 0); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("short msgrcv: %v, want E2BIG", err)
	}
	if n, _, err := MsgRcv(id, buf, 3, 0); err != nil || n != 10 {
		t.Errorf("message not kept after E2BIG: %d, %v", n, err)
	}
}

func TestPosixQueueAcrossProcesses(t *testing.T) {
	a2b, b2a := NewName("mq", "a2b").String(), NewName("mq", "b2a").String()
	attr := &MqAttr{Maxmsg: 4, Msgsize: 128}
	var mqds []int
	for _, name := range []string{a2b, b2a} {
		mqd, err := MqOpen(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, Mode, attr)
		if err != nil {
			t.Fatal(err)
		}
		defer MqUnlink(name)
		defer unix.Close(mqd)
		mqds = append(mqds, mqd)
	}
	if n, err := ParseName(a2b); err != nil || n.Kind != "mq" || n.Pid != os.Getpid() || n.Role != "a2b" {
		t.Errorf("queue name %q: %+v, %v; want kind mq, this pid and role a2b", a2b, n, err)
	}
	cmd, out := spawn(t, "mq-echo", a2b+","+b2a)
	buf := make([]byte, 128)
	for i := range 3 {
		msg := fmt.Appendf(nil, "posix %d", i)
		if _, err := MqTimedSend(mqds[0], msg, 1, nil); err != nil {
			t.Fatal(err)
		}
		n, _, err := MqTimedReceive(mqds[1], buf, nil, nil)
		if err != nil || string(buf[:n]) != string(msg) {
			t.Errorf("echo %d: %q, %v", i, buf[:n], err)
		}
	}
	wait(t, cmd, out)
	if _, err := MqTimedSend(mqds[0], make([]byte, 129), 0, nil); err == nil || !strings.Contains(err.Error(), "fs.mqueue.msgsize_max") {
		t.Errorf("oversize mq_timedsend: %v", err)
	}
	tooBig := &MqAttr{Maxmsg: 1, Msgsize: 1 << 30}
	if _, err := MqOpen(NewName("mq", "big").String(), unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, Mode, tooBig); err == nil || !strings.Contains(err.Error(), "fs.mqueue.msgsize_max") {
		t.Errorf("mq_open beyond limits: %v, want an error naming the sysctl", err)
	}
}

func TestSegmentAcrossProcesses(t *testing.T) {
	id, key, err := SegCreate(4096)
	if err != nil {
		t.Fatal(err)
	}
	b, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		SegRemove(id)
		t.Fatal(err)
	}
	defer unix.SysvShmDetach(b)
	cmd, out := spawn(t, "seg-write", strconv.Itoa(id))
	wait(t, cmd, out)
	for i := range b {
		if b[i] != byte(i*7) {
			t.Fatalf("byte %d = %d, the child's write did not arrive", i, b[i])
		}
	}
	d, err := SegStat(id)
	if err != nil || d.Nattch != 1 || d.Perm.Mode&0o777 != Mode || int(d.Perm.Key) != key {
		t.Errorf("IPC_STAT: nattch %d mode %o key %#x, %v", d.Nattch, d.Perm.Mode, d.Perm.Key, err)
	}
	if err := SegRemove(id); err != nil {
		t.Fatal(err)
	}
	// Marked, the segment keeps its attachments but loses its key (Linux
	// still lets a process attach by id, so the mark is made only once both
	// sides have attached).
	const shmDest = 0o1000
	if d, err := SegStat(id); err != nil || d.Perm.Mode&shmDest == 0 || d.Perm.Key != 0 {
		t.Errorf("after IPC_RMID: mode %o key %#x, %v; want SHM_DEST and key 0", d.Perm.Mode, d.Perm.Key, err)
	}
}

func TestSysctl(t *testing.T) {
	for _, name := range []string{"kernel.msgmax", "kernel.msgmnb", "fs.mqueue.msgsize_max", "fs.mqueue.msg_max", "kernel.shmmax"} {
		if v, err := Sysctl(name); err != nil || v <= 0 {
			t.Errorf("%s = %d, %v", name, v, err)
		}
	}
	if _, err := Sysctl("kernel.no_such_thing"); err == nil || !strings.Contains(err.Error(), "kernel.no_such_thing") {
		t.Errorf("missing sysctl: %v", err)
	}
}

// TestCheckOwnedRefusesForeignObjects: an object of this user in the
// namespace passes; one outside it, or handed to another user, is refused
// with a message naming what is wrong.
func TestCheckOwnedRefusesForeignObjects(t *testing.T) {
	id, _, err := MsgCreate()
	if err != nil {
		t.Fatal(err)
	}
	defer MsgRemove(id)
	if err := CheckOwned("msg", id); err != nil {
		t.Errorf("own queue refused: %v", err)
	}
	sem, _, err := SemCreate(2)
	if err != nil {
		t.Fatal(err)
	}
	defer SemRemove(sem)
	if err := CheckOwned("sem", sem); err != nil {
		t.Errorf("own semaphore set refused: %v", err)
	}

	r, _, errno := unix.Syscall(unix.SYS_MSGGET, 0, unix.IPC_CREAT|0o600, 0) // IPC_PRIVATE
	if errno != 0 {
		t.Fatal(errno)
	}
	defer unix.Syscall(unix.SYS_MSGCTL, r, unix.IPC_RMID, 0)
	if err := CheckOwned("msg", int(r)); err == nil || !strings.Contains(err.Error(), "not an ipcbench object") {
		t.Errorf("private queue: %v", err)
	}

	seg, _, err := SegCreate(4096)
	if err != nil {
		t.Fatal(err)
	}
	defer SegRemove(seg)
	var ds unix.SysvShmDesc
	unix.SysvShmCtl(seg, unix.IPC_STAT, &ds)
	ds.Perm.Uid = 65534
	if _, err := unix.SysvShmCtl(seg, unix.IPC_SET, &ds); err != nil {
		t.Skipf("cannot hand a segment to another user (needs root): %v", err)
	}
	if err := CheckOwned("shm", seg); err == nil || !strings.Contains(err.Error(), "owner uid 65534") {
		t.Errorf("segment of uid 65534: %v", err)
	}
}
