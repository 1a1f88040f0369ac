package shm

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The ledger records which process created each System V object of the
// namespace, because /proc/sysvipc names no creator for semaphore sets and
// message queues, and `ipcbench clean` must remove only objects whose
// creator is gone. Each creating process appends "kind key id" lines to its
// own file, LedgerDir()/<pid>, and deletes the file once it has removed
// every object it created. A runner killed with SIGKILL leaves its file for
// clean to read.

// LedgerDir is the per-user directory of ledger files, mode 0700. It lives
// in /dev/shm, a tmpfs that, like the System V objects, is empty after a
// reboot, and that does not move with TMPDIR, so a clean run under another
// TMPDIR still finds the creators; without /dev/shm, in the temp directory.
func LedgerDir() string {
	base := "/dev/shm"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	return filepath.Join(base, fmt.Sprintf(".ipcbench-ledger-%d", os.Geteuid()))
}

var ledger struct {
	sync.Mutex
	ids map[string]bool // "kind id" of objects this process created and has not removed
}

// ownedDir creates dir 0700 if needed and checks that it is a directory of
// this user that no one else can write: a ledger anyone could write would
// let them direct clean at another's objects.
func ownedDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok || int(sys.Uid) != os.Geteuid() || st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is not a private directory of this user (want owner uid %d, mode 0700): remove it", dir, os.Geteuid())
	}
	return nil
}

// record appends a new object to this process's ledger.
func record(kind string, key, id int) error {
	ledger.Lock()
	defer ledger.Unlock()
	dir := LedgerDir()
	if err := ownedDir(dir); err != nil {
		return fmt.Errorf("ipcbench ledger: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("ipcbench ledger: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s %d %d\n", kind, key, id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ipcbench ledger: %w", err)
	}
	if ledger.ids == nil {
		ledger.ids = map[string]bool{}
	}
	ledger.ids[fmt.Sprint(kind, " ", id)] = true
	return nil
}

// forget notes that an object is gone; once none is left, the process's
// ledger file goes too.
func forget(kind string, id int) {
	ledger.Lock()
	defer ledger.Unlock()
	k := fmt.Sprint(kind, " ", id)
	if !ledger.ids[k] {
		return
	}
	delete(ledger.ids, k)
	if len(ledger.ids) == 0 {
		os.Remove(filepath.Join(LedgerDir(), strconv.Itoa(os.Getpid())))
	}
}

// Creator is an object of a ledger: its kind (shm, sem, msg), key and id,
// and the pid of the process that created it.
type Creator struct {
	Kind    string
	Key, ID int
	Pid     int
}

// ReadLedgers returns every object recorded in this user's ledger files.
func ReadLedgers() ([]Creator, error) {
	dir := LedgerDir()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := ownedDir(dir); err != nil {
		return nil, err
	}
	var out []Creator
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var c Creator
			if _, err := fmt.Sscanf(strings.TrimSpace(sc.Text()), "%s %d %d", &c.Kind, &c.Key, &c.ID); err == nil {
				c.Pid = pid
				out = append(out, c)
			}
		}
		f.Close()
	}
	return out, nil
}

// DropLedger deletes a dead process's ledger file once clean has dealt with
// its objects.
func DropLedger(pid int) error {
	err := os.Remove(filepath.Join(LedgerDir(), strconv.Itoa(pid)))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}
