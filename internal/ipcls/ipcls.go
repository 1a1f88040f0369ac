// Package ipcls lists the kernel IPC objects that ipcbench creates, as the
// kernel shows them: System V objects from /proc/sysvipc and POSIX message
// queues from an mqueue file system. The leak check and `ipcbench clean`
// both read them through it.
package ipcls

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// SysV is one System V object: its kind (shm, sem, msg), and the columns
// of its /proc/sysvipc line by header name (key, shmid/semid/msqid, uid,
// cpid for segments, ctime, ...).
type SysV struct {
	Kind   string
	Fields map[string]string
}

// Key returns the object's key.
func (o SysV) Key() int { return o.Int("key") }

// ID returns the object's id (shmid, semid or msqid).
func (o SysV) ID() int {
	return o.Int(map[string]string{"shm": "shmid", "sem": "semid", "msg": "msqid"}[o.Kind])
}

// UID returns the object's owner.
func (o SysV) UID() int { return o.Int("uid") }

// Int reads a numeric column by name, -1 where it is absent or not a number.
func (o SysV) Int(name string) int {
	v, err := strconv.Atoi(o.Fields[name])
	if err != nil {
		return -1
	}
	return v
}

// SysVObjects lists every System V shm, sem and msg object.
func SysVObjects() ([]SysV, error) {
	var out []SysV
	for _, kind := range []string{"shm", "sem", "msg"} {
		b, err := os.ReadFile("/proc/sysvipc/" + kind)
		if err != nil {
			return nil, fmt.Errorf("read /proc/sysvipc/%s: %w", kind, err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		header := strings.Fields(lines[0])
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			if len(f) < len(header) {
				continue
			}
			o := SysV{Kind: kind, Fields: map[string]string{}}
			for i, h := range header {
				o.Fields[h] = f[i]
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// Queue is a POSIX message queue as its mqueue file shows it.
type Queue struct {
	Name string // without the leading slash
	UID  int
}

// Queues lists the ipcbench-* POSIX message queues of this IPC namespace.
// Queues are visible only through an mqueue file system; where none is
// mounted, Queues mounts one on a private temporary directory for the
// moment it takes to list it, which needs root (CAP_SYS_ADMIN).
func Queues() ([]Queue, error) {
	dir := ""
	if b, err := os.ReadFile("/proc/self/mounts"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[2] == "mqueue" {
				dir = f[1]
				break
			}
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", ".ipcbench-mqueue-")
		if err != nil {
			return nil, fmt.Errorf("list POSIX queues: %w", err)
		}
		defer os.Remove(tmp)
		if err := unix.Mount("mqueue", tmp, "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return nil, fmt.Errorf("list POSIX queues: mount mqueue: %w (mount one with: mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)", err)
		}
		defer unix.Unmount(tmp, 0)
		dir = tmp
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list POSIX queues in %s: %w", dir, err)
	}
	var out []Queue
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), shm.NamePrefix) {
			continue
		}
		q := Queue{Name: e.Name(), UID: -1}
		if info, err := e.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				q.UID = int(st.Uid)
			}
		}
		out = append(out, q)
	}
	return out, nil
}
