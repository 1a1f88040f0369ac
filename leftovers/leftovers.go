// Package leftovers finds what ipcbench runs killed with SIGKILL left behind,
// and removes it: System V objects of ipcbench's key namespace, ipcbench-*
// POSIX queues and ipcbench-* temp directories, owned by this user, whose
// creating process is gone. It never touches an object outside the
// namespace, another user's, or one whose creator still runs.
package leftovers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ipcbench/ipcbench/internal/ipcls"
	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// MinAge is how old an object whose creator cannot be named must be before
// it counts as left behind: a live run records its objects within
// microseconds of creating them.
const MinAge = time.Minute

// Item is one object found.
type Item struct {
	What   string // e.g. "sysv sem key=0x4950ab12 id=3"
	Why    string // why it is left behind, or why it is kept
	remove func() error
}

// Remove removes the object.
func (i Item) Remove() error { return i.remove() }

// Scan is what Find saw.
type Scan struct {
	Stale    []Item   // left behind: creator gone
	Kept     []Item   // in the namespace and this user's, but its creator runs
	Warnings []string // what could not be checked, and why
}

// Find looks for leftovers without changing anything.
func Find() Scan {
	var s Scan
	now := time.Now()
	euid := os.Geteuid()
	self := os.Getpid()

	creators := map[string]int{} // "kind key id" → pid, from the ledgers
	ledgers, err := shm.ReadLedgers()
	if err != nil {
		s.Warnings = append(s.Warnings, "cannot read the ledger of creators: "+err.Error())
	}
	deadLedgers := map[int]bool{}
	for _, c := range ledgers {
		creators[fmt.Sprintf("%s %d %d", c.Kind, c.Key, c.ID)] = c.Pid
		if c.Pid != self && !alive(c.Pid) {
			deadLedgers[c.Pid] = true
		}
	}

	objs, err := ipcls.SysVObjects()
	if err != nil {
		s.Warnings = append(s.Warnings, err.Error())
	}
	for _, o := range objs {
		if !shm.InNamespace(o.Key()) || o.UID() != euid {
			continue
		}
		it := Item{What: fmt.Sprintf("sysv %s key=%#x id=%d", o.Kind, o.Key(), o.ID())}
		id := o.ID()
		switch o.Kind {
		case "shm":
			it.remove = func() error { return shm.SegRemove(id) }
		case "sem":
			it.remove = func() error { return shm.SemRemove(id) }
		default:
			it.remove = func() error { return shm.MsgRemove(id) }
		}
		pid, known := creators[fmt.Sprintf("%s %d %d", o.Kind, o.Key(), id)]
		if !known && o.Kind == "shm" {
			pid, known = o.Int("cpid"), true
		}
		switch {
		case known && (pid == self || alive(pid)):
			it.Why = fmt.Sprintf("its creator, pid %d, is running", pid)
			s.Kept = append(s.Kept, it)
		case known:
			it.Why = fmt.Sprintf("its creator, pid %d, is gone", pid)
			s.Stale = append(s.Stale, it)
		default:
			created := time.Unix(int64(o.Int("ctime")), 0)
			if age := now.Sub(created); age < MinAge {
				it.Why = fmt.Sprintf("no ledger names its creator and it is only %s old", age.Round(time.Second))
				s.Kept = append(s.Kept, it)
			} else {
				it.Why = "no ledger names a creator, and it is older than a minute"
				s.Stale = append(s.Stale, it)
			}
		}
	}

	queues, err := ipcls.Queues()
	if err != nil {
		s.Warnings = append(s.Warnings, "POSIX queues not checked: "+err.Error())
	}
	for _, q := range queues {
		if q.UID != euid {
			continue
		}
		name := q.Name
		it := Item{What: "posix mq " + name, remove: func() error { return shm.MqUnlink(name) }}
		s.classifyByPid(it, pidIn(strings.TrimPrefix(name, "ipcbench-")), self)
	}

	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "ipcbench-*"))
	for _, d := range dirs {
		st, err := os.Lstat(d)
		if err != nil || !st.IsDir() {
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != euid {
			continue
		}
		dir := d
		it := Item{What: "temp dir " + dir, remove: func() error { return os.RemoveAll(dir) }}
		// ipcbench-fifo-<pid>-<random>, ipcbench-relay-<pid>-<random>
		rest := strings.TrimPrefix(filepath.Base(dir), "ipcbench-")
		_, rest, _ = strings.Cut(rest, "-")
		if pid := pidIn(rest); pid > 0 {
			s.classifyByPid(it, pid, self)
		} else if age := now.Sub(st.ModTime()); age >= MinAge {
			it.Why = "no creator pid in its name, and it is older than a minute"
			s.Stale = append(s.Stale, it)
		}
	}

	for pid := range deadLedgers {
		p := pid
		s.Stale = append(s.Stale, Item{What: fmt.Sprintf("ledger %s", filepath.Join(shm.LedgerDir(), strconv.Itoa(p))),
			Why: fmt.Sprintf("its process, pid %d, is gone", p), remove: func() error { return shm.DropLedger(p) }})
	}
	return s
}

func (s *Scan) classifyByPid(it Item, pid, self int) {
	switch {
	case pid <= 0:
		it.Why = "no creator pid in its name"
		s.Kept = append(s.Kept, it)
	case pid == self || alive(pid):
		it.Why = fmt.Sprintf("its creator, pid %d, is running", pid)
		s.Kept = append(s.Kept, it)
	default:
		it.Why = fmt.Sprintf("its creator, pid %d, is gone", pid)
		s.Stale = append(s.Stale, it)
	}
}

// pidIn reads the decimal pid that starts s ("4711-..."), or 0.
func pidIn(s string) int {
	head, _, _ := strings.Cut(s, "-")
	pid, err := strconv.Atoi(head)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
