//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// CheckOwned reads an object's permissions (IPC_STAT) and refuses it unless
// it is what ipcbench creates: a key of the namespace, owned and created by
// this user, mode 0600. Workers call it before they use an id they were
// given, so that a stale or forged id never leads them into another user's
// object that happens to hold the same key or id. kind is shm, sem or msg.
func CheckOwned(kind string, id int) error {
	var perm unix.SysvIpcPerm
	var err error
	switch kind {
	case "shm":
		var ds unix.SysvShmDesc
		_, err = unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
		perm = ds.Perm
	case "msg":
		var ds MsqidDS
		ds, err = MsgStat(id)
		perm = ds.Perm
	case "sem":
		// struct semid64_ds starts with the same ipc64_perm; 128 B holds it all.
		var buf [128]byte
		e := unix.EINTR // the pointer goes to Syscall6 itself (see sysRetry)
		for e == unix.EINTR {
			_, _, e = unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), 0, unix.IPC_STAT, uintptr(unsafe.Pointer(&buf[0])), 0, 0)
		}
		if e != 0 {
			err = e
		}
		perm = *(*unix.SysvIpcPerm)(unsafe.Pointer(&buf[0]))
	default:
		return fmt.Errorf("check owner: unknown kind %q", kind)
	}
	if err != nil {
		return fmt.Errorf("%s id=%d: IPC_STAT: %w", kind, id, err)
	}
	euid := uint32(os.Geteuid())
	// A segment marked IPC_RMID has the private key 0 until its last detach.
	keyOK := InNamespace(int(perm.Key)) || kind == "shm" && perm.Key == 0
	if !keyOK || perm.Uid != euid || perm.Cuid != euid || perm.Mode&0o777 != Mode {
		return fmt.Errorf("%s id=%d is not an ipcbench object of this user (key %#x, owner uid %d, creator uid %d, mode %#o; want key %#x-%#x, uid %d, mode %#o): refusing to use it",
			kind, id, uint32(perm.Key), perm.Uid, perm.Cuid, perm.Mode&0o777, KeyPrefix, KeyPrefix|KeyMask, euid, Mode)
	}
	return nil
}

// CheckOwnedQueue refuses an open POSIX queue unless it is an ipcbench
// queue of this user with mode 0600 (a queue descriptor is a file on Linux).
func CheckOwnedQueue(mqd int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstat(mqd, &st); err != nil {
		return fmt.Errorf("mq %q: fstat: %w", name, err)
	}
	euid := uint32(os.Geteuid())
	if _, err := ParseName(name); err != nil || st.Uid != euid || st.Mode&0o777 != Mode {
		return fmt.Errorf("mq %q is not an ipcbench queue of this user (owner uid %d, mode %#o; want a name from NewName, uid %d, mode %#o): refusing to use it",
			name, st.Uid, st.Mode&0o777, euid, Mode)
	}
	return nil
}
