//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sembuf is struct sembuf: one operation on one semaphore of a set.
type Sembuf struct {
	Num uint16 // semaphore index in the set
	Op  int16  // >0 adds, <0 waits then subtracts, 0 waits for zero
	Flg int16  // IPC_NOWAIT, SEM_UNDO
}

const semSETVAL = 16 // semctl command x/sys does not define

// SemCreate creates a set of n semaphores, all 0, under a fresh key of the
// ipcbench namespace with mode 0600 and IPC_EXCL. Remove it with SemRemove.
func SemCreate(n int) (id, key int, err error) {
	id, key, err = createExcl("semget", "sem", func(key, flags int) (int, error) {
		return sysRetry(unix.SYS_SEMGET, uintptr(key), uintptr(n), uintptr(flags), 0)
	}, SemRemove)
	if err != nil {
		return -1, 0, semgetError(n, err)
	}
	return id, key, nil
}

func semgetError(n int, err error) error {
	if err == unix.ENOSPC || err == unix.EINVAL {
		return fmt.Errorf("semget nsems=%d: %w (limits in sysctl kernel.sem: SEMMSL SEMMNS SEMOPM SEMMNI)", n, err)
	}
	return fmt.Errorf("semget nsems=%d: %w", n, err)
}

// SemOp performs ops atomically, blocking as they require. It retries EINTR
// and returns how many times it did, so that callers can count every call.
// It blocks the OS thread without telling the Go runtime (see the package doc).
func SemOp(id int, ops []Sembuf) (eintr int, err error) {
	for {
		_, _, e := unix.RawSyscall(unix.SYS_SEMOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])), uintptr(len(ops)))
		switch e {
		case 0:
			return eintr, nil
		case unix.EINTR:
			eintr++
			continue
		}
		return eintr, semopError("semop", id, e)
	}
}

func semopError(call string, id int, e unix.Errno) error {
	switch e {
	case unix.EIDRM:
		return fmt.Errorf("%s semid=%d: the set was removed under us: %w", call, id, e)
	case unix.E2BIG:
		return fmt.Errorf("%s semid=%d: too many operations in one call: %w (sysctl kernel.sem SEMOPM)", call, id, e)
	}
	return fmt.Errorf("%s semid=%d: %w", call, id, e)
}

// sysRetry makes a setup or teardown call that takes no pointer, retrying
// EINTR. Its arguments must not come from unsafe.Pointer: a Go wrapper does
// not keep their memory in place.
func sysRetry(trap, a1, a2, a3, a4 uintptr) (int, error) {
	for {
		r, _, e := unix.Syscall6(trap, a1, a2, a3, a4, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(r), nil
	}
}

// SemSetVal sets semaphore num of set id to val (semctl SETVAL).
func SemSetVal(id, num, val int) error {
	if _, err := sysRetry(unix.SYS_SEMCTL, uintptr(id), uintptr(num), semSETVAL, uintptr(val)); err != nil {
		return fmt.Errorf("semctl SETVAL semid=%d num=%d val=%d: %w", id, num, val, err)
	}
	return nil
}

// SemRemove removes the set at once (semctl IPC_RMID); blocked waiters get EIDRM.
func SemRemove(id int) error {
	defer forget("sem", id) // removed now, or gone already
	if _, err := sysRetry(unix.SYS_SEMCTL, uintptr(id), 0, unix.IPC_RMID, 0); err != nil {
		return fmt.Errorf("semctl IPC_RMID semid=%d: %w", id, err)
	}
	return nil
}
