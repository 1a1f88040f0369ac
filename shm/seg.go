//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// SegCreate creates a shared memory segment of size bytes under a fresh key of
// the ipcbench namespace, mode 0600 and IPC_EXCL. Attach with
// unix.SysvShmAttach; mark it for removal with SegRemove once every user has
// attached, so that no crash can leak it.
func SegCreate(size int) (id, key int, err error) {
	id, key, err = createExcl("shmget", "shm", func(key, flags int) (int, error) {
		return unix.SysvShmGet(key, size, flags)
	}, SegRemove)
	if err != nil {
		switch err {
		case unix.EINVAL:
			return -1, 0, fmt.Errorf("shmget size=%d: %w (sysctl kernel.shmmax caps one segment)", size, err)
		case unix.ENOSPC:
			return -1, 0, fmt.Errorf("shmget size=%d: %w (sysctl kernel.shmall, kernel.shmmni)", size, err)
		}
		return -1, 0, fmt.Errorf("shmget size=%d: %w", size, err)
	}
	return id, key, nil
}

// SegStat reads the segment's state (shmctl IPC_STAT), attach count included.
func SegStat(id int) (unix.SysvShmDesc, error) {
	var d unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &d); err != nil {
		return d, fmt.Errorf("shmctl IPC_STAT shmid=%d: %w", id, err)
	}
	return d, nil
}

// SegRemove marks the segment for removal (shmctl IPC_RMID): it goes when the
// last process detaches, and no new process can attach.
func SegRemove(id int) error {
	defer forget("shm", id) // marked now, or gone already
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		return fmt.Errorf("shmctl IPC_RMID shmid=%d: %w", id, err)
	}
	return nil
}
