//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// The ledger records what each ipcbench process created, because
// /proc/sysvipc names no creator for semaphore sets and message queues, a
// pid names no process for certain (it is reused, and means another process
// in another pid namespace), and `ipcbench clean` must remove only what
// ipcbench made and whose creator is gone.
//
// A process that creates an object first opens a ledger file of its own,
// <ledger dir>/<16 hex digits>, and holds an exclusive flock(2) on it for as
// long as the file lives. It appends one line per object (System V kind, key
// and id; a POSIX queue's name; a temp dir's path) and deletes the file once
// it has removed every object it recorded. The kernel drops the lock when
// the process exits, however it exits, so clean learns whether the creator
// lives by taking the lock without blocking: a lock it cannot take belongs
// to a live run, in any pid namespace; one it can take belongs to no live
// process, a zombie included. A pid is recorded for people to read, never
// trusted.

// ledgerBaseEnv overrides the base directory of the first ledger location.
// It is for tests, which squat a private base to check the fallback.
const ledgerBaseEnv = "IPCBENCH_LEDGER_BASE"

// LedgerLocations returns the directories ledgers may live in, in the order
// a creator tries them. The first is in /dev/shm, a tmpfs that, like the
// System V objects, is empty after a reboot, and that does not move with
// TMPDIR; another user can squat that name (the directory is shared and
// sticky), so the others are directories only this user controls:
// $XDG_RUNTIME_DIR, then the user's cache directory. Clean reads them all.
func LedgerLocations() []string {
	base := os.Getenv(ledgerBaseEnv)
	if base == "" {
		base = "/dev/shm"
		if st, err := os.Stat(base); err != nil || !st.IsDir() {
			base = os.TempDir()
		}
	}
	out := []string{filepath.Join(base, fmt.Sprintf(".ipcbench-ledger-%d", os.Geteuid()))}
	if x := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(x) {
		out = append(out, filepath.Join(x, "ipcbench-ledger"))
	}
	if c, err := os.UserCacheDir(); err == nil && filepath.IsAbs(c) {
		out = append(out, filepath.Join(c, "ipcbench-ledger"))
	}
	return out
}

// LedgerLocation says where this process's ledger goes: Dir, the first
// location that is (or can be made) a private directory of this user, and
// Skipped, why each location before it was passed over (another user owns
// it, it is open to others, a parent is not this user's).
type LedgerLocation struct {
	Dir     string
	Skipped []error
	Err     error // no location is usable
}

// Ledgers finds the location a new ledger would use, without creating
// anything.
func Ledgers() LedgerLocation {
	var loc LedgerLocation
	for _, dir := range LedgerLocations() {
		err := checkDir(dir, false)
		if err == nil {
			loc.Dir = dir
			return loc
		}
		loc.Skipped = append(loc.Skipped, err)
	}
	loc.Err = fmt.Errorf("no usable ledger directory: %w", errors.Join(loc.Skipped...))
	return loc
}

// checkDir checks that dir is a directory of this user that no one else can
// write, under a parent that only this user or root can write: a ledger
// anyone could write would let them direct clean at another's objects.
// With create, it makes a missing dir 0700 (and a missing cache parent);
// without, a missing dir under a good parent passes.
func checkDir(dir string, create bool) error {
	euid := os.Geteuid()
	parent := filepath.Dir(dir)
	if create && !strings.HasPrefix(filepath.Base(dir), ".ipcbench-ledger-") {
		os.MkdirAll(parent, 0o700) // a fresh user's ~/.cache
	}
	var pst unix.Stat_t
	if err := unix.Stat(parent, &pst); err != nil {
		return fmt.Errorf("ledger dir %s: stat parent: %w", dir, err)
	}
	sharedSticky := pst.Mode&unix.S_ISVTX != 0 // /dev/shm, /tmp: others may add names, not replace ours
	if int(pst.Uid) != euid && pst.Uid != 0 || pst.Mode&0o022 != 0 && !sharedSticky {
		return fmt.Errorf("ledger dir %s: its parent (owner uid %d, mode %#o) can be written by others: use a private parent", dir, pst.Uid, pst.Mode&0o7777)
	}
	var st unix.Stat_t
	err := unix.Lstat(dir, &st)
	if errors.Is(err, unix.ENOENT) {
		if !create {
			return nil
		}
		if err := unix.Mkdir(dir, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("ledger dir %s: mkdir: %w", dir, err)
		}
		err = unix.Lstat(dir, &st)
	}
	if err != nil {
		return fmt.Errorf("ledger dir %s: lstat: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != euid || st.Mode&0o077 != 0 {
		return fmt.Errorf("ledger dir %s is not a private directory of this user (owner uid %d, mode %#o; want uid %d, a directory of mode 0700): ipcbench uses the next location; its owner or root can remove it: rm -r %s",
			dir, st.Uid, st.Mode&0o7777, euid, dir)
	}
	return nil
}

// Entry is one object of a ledger. Kind is shm, sem or msg (Key and ID
// set), mq (Name is the queue's name) or dir (Name is the absolute path of a
// temp dir made by MkdirTemp).
type Entry struct {
	Kind    string
	Key, ID int
	Name    string
}

// String is the entry's line in a ledger file.
func (e Entry) String() string {
	switch e.Kind {
	case "mq", "dir":
		return e.Kind + " " + strconv.Quote(e.Name)
	}
	return fmt.Sprintf("%s %d %d", e.Kind, e.Key, e.ID)
}

// key identifies the object within one ledger.
func (e Entry) key() string {
	if e.Kind == "mq" || e.Kind == "dir" {
		return e.Kind + " " + e.Name
	}
	return fmt.Sprintf("%s %d", e.Kind, e.ID)
}

var ledger struct {
	sync.Mutex
	f    *os.File        // this process's ledger, flocked; nil while it records nothing
	path string          // its path
	ids  map[string]bool // Entry.key of objects this process created and has not removed
}

// ledgerMagic starts the header line of a ledger file.
const ledgerMagic = "ipcbench-ledger 2"

// openLedger creates this process's ledger file and takes its lock, if it
// has none. The caller holds ledger's mutex.
func openLedger() error {
	if ledger.f != nil {
		return nil
	}
	var skipped []error
	for _, dir := range LedgerLocations() {
		if err := checkDir(dir, true); err != nil {
			skipped = append(skipped, err)
			continue
		}
		for range 16 {
			f, err := createLocked(filepath.Join(dir, fmt.Sprintf("%016x", rand.Uint64())))
			if errors.Is(err, errRetry) {
				continue
			}
			if err != nil {
				return err
			}
			ledger.f, ledger.path = f, f.Name()
			return nil
		}
		return fmt.Errorf("ipcbench ledger: 16 fresh names in %s were taken or lost", dir)
	}
	return fmt.Errorf("ipcbench ledger: no usable directory (run ipcbench doctor): %w", errors.Join(skipped...))
}

var errRetry = errors.New("retry with another name")

// createLocked creates a ledger file, locks it and writes its header. A
// clean that takes the lock of the new, empty file before its creator does
// may delete it; the creator then finds the path no longer names its file,
// and tries another name.
func createLocked(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, errRetry
	}
	if err != nil {
		return nil, fmt.Errorf("ipcbench ledger: create %s: %w", path, err)
	}
	if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errRetry
		}
		return nil, fmt.Errorf("ipcbench ledger: flock %s: %w", path, err)
	}
	var fst, pst unix.Stat_t
	if unix.Fstat(int(f.Fd()), &fst) != nil || unix.Lstat(path, &pst) != nil || fst.Ino != pst.Ino || fst.Dev != pst.Dev {
		f.Close()
		return nil, errRetry
	}
	h := fmt.Sprintf("%s pid=%d boot=%s ipcns=%s pidns=%s\n", ledgerMagic, os.Getpid(), ThisBoot(), nsID("ipc"), nsID("pid"))
	if _, err := f.WriteString(h); err != nil {
		os.Remove(path)
		f.Close()
		return nil, fmt.Errorf("ipcbench ledger: write %s: %w", path, err)
	}
	return f, nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

// ThisBoot returns the kernel's boot id: the objects a ledger of another
// boot names died with it.
func ThisBoot() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// nsID returns this process's namespace of a kind, as ipc:[4026531839].
func nsID(kind string) string {
	s, err := os.Readlink("/proc/self/ns/" + kind)
	if err != nil || strings.ContainsAny(s, " \n") {
		return "unknown"
	}
	return s
}

// IPCNamespace returns this process's IPC namespace: System V keys and ids
// and POSIX queue names mean objects of one IPC namespace only.
func IPCNamespace() string { return nsID("ipc") }

// recordEntry appends an object to this process's ledger.
func recordEntry(e Entry) error {
	if _, err := ParseEntry(e.String()); err != nil {
		return fmt.Errorf("ipcbench ledger: %w", err)
	}
	ledger.Lock()
	defer ledger.Unlock()
	if err := openLedger(); err != nil {
		return err
	}
	if _, err := ledger.f.WriteString(e.String() + "\n"); err != nil {
		if len(ledger.ids) == 0 {
			closeLedger()
		}
		return fmt.Errorf("ipcbench ledger: append to %s: %w", ledger.path, err)
	}
	if ledger.ids == nil {
		ledger.ids = map[string]bool{}
	}
	ledger.ids[e.key()] = true
	return nil
}

// record appends a new System V object to this process's ledger.
func record(kind string, key, id int) error {
	return recordEntry(Entry{Kind: kind, Key: key, ID: id})
}

// forget notes that an object is gone; once none is left, the process's
// ledger file goes too.
func forget(kind string, id int) { forgetEntry(Entry{Kind: kind, ID: id}) }

func forgetEntry(e Entry) {
	ledger.Lock()
	defer ledger.Unlock()
	k := e.key()
	if !ledger.ids[k] {
		return
	}
	delete(ledger.ids, k)
	if len(ledger.ids) == 0 {
		closeLedger()
	}
}

// closeLedger deletes the ledger file, then drops its lock.
func closeLedger() {
	if ledger.f == nil {
		return
	}
	os.Remove(ledger.path)
	ledger.f.Close()
	ledger.f, ledger.path = nil, ""
}

// Ledger is one ledger file as clean reads it.
type Ledger struct {
	Path    string
	Pid     int    // the creator's pid in its own pid namespace: for people, never trusted
	Boot    string // the boot it was written in
	IPCNS   string // the IPC namespace its System V objects and queues live in
	PidNS   string
	Entries []Entry
	Live    bool // a live process holds its lock
	Legacy  bool // written by an ipcbench before the lock: nothing proves its creator gone
}

// maxLedgerBytes caps what ReadLedgers reads of one file: a run records a
// few lines per case.
const maxLedgerBytes = 1 << 20

// ParseLedger reads a ledger file: a header line, then one Entry per line.
// Without the header it is a legacy ledger of "kind key id" lines. An entry
// that is not what ipcbench writes (a System V key outside the namespace, a
// queue name or path that is not an ipcbench one) is an error, with its line.
func ParseLedger(r io.Reader) (Ledger, error) {
	var l Ledger
	sc := bufio.NewScanner(io.LimitReader(r, maxLedgerBytes))
	sc.Buffer(make([]byte, 0, 4096), 8192)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			if rest, ok := strings.CutPrefix(line, ledgerMagic+" "); ok {
				if err := l.parseHeader(rest); err != nil {
					return l, fmt.Errorf("line 1: %w", err)
				}
				continue
			}
			l.Legacy = true
		}
		e, err := ParseEntry(line)
		if err != nil {
			return l, fmt.Errorf("line %d: %w", n, err)
		}
		l.Entries = append(l.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return l, fmt.Errorf("read: %w", err)
	}
	return l, nil
}

func (l *Ledger) parseHeader(s string) error {
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "pid":
			l.Pid, _ = strconv.Atoi(v)
		case "boot":
			l.Boot = v
		case "ipcns":
			l.IPCNS = v
		case "pidns":
			l.PidNS = v
		}
	}
	if l.Boot == "" || l.IPCNS == "" {
		return fmt.Errorf("header %q lacks boot= or ipcns=", s)
	}
	return nil
}

// ParseEntry parses one ledger line.
func ParseEntry(line string) (Entry, error) {
	kind, rest, _ := strings.Cut(line, " ")
	e := Entry{Kind: kind}
	switch kind {
	case "shm", "sem", "msg":
		key, id, ok := strings.Cut(rest, " ")
		var err1, err2 error
		e.Key, err1 = strconv.Atoi(key)
		e.ID, err2 = strconv.Atoi(id)
		if !ok || err1 != nil || err2 != nil || e.ID < 0 || !InNamespace(e.Key) || e.String() != line {
			return e, fmt.Errorf("%q is not a %s key in %#x-%#x and an id", line, kind, KeyPrefix, KeyPrefix|KeyMask)
		}
	case "mq", "dir":
		name, err := strconv.Unquote(rest)
		if err != nil {
			return e, fmt.Errorf("%q: %s name is not a quoted string: %w", line, kind, err)
		}
		e.Name = name
		check := ValidMqName
		if kind == "dir" {
			check = ValidTempDir
		}
		if err := check(name); err != nil {
			return e, err
		}
	default:
		return e, fmt.Errorf("%q: unknown kind %q (want shm, sem, msg, mq or dir)", line, kind)
	}
	return e, nil
}

// ValidMqName checks that name could be a queue name ipcbench makes:
// NamePrefix, then letters, digits and dashes, at most NAME_MAX bytes. It is
// looser than ParseName, so that the ledgers of older versions still read.
func ValidMqName(name string) error {
	if !strings.HasPrefix(name, NamePrefix) || len(name) > 255 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return fmt.Errorf("%q is not an ipcbench queue name (ipcbench- then letters, digits and dashes)", name)
	}
	return nil
}

// ValidTempDir checks that path could be one MkdirTemp makes: absolute and
// clean, its last element NamePrefix then lowercase letters, digits and
// dashes (looser than ParseName, like ValidMqName).
func ValidTempDir(path string) error {
	base := filepath.Base(path)
	if !filepath.IsAbs(path) || filepath.Clean(path) != path || strings.ContainsAny(path, "\x00\n") || len(path) > 4095 ||
		!strings.HasPrefix(base, NamePrefix) || strings.Trim(base, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return fmt.Errorf("%q is not an ipcbench temp dir (an absolute, clean path ending in ipcbench- then lowercase letters, digits and dashes)", path)
	}
	return nil
}

// ReadLedgers reads every ledger of this user in every location, and says
// whether a live process holds each. The errors are what it could not
// read: a location that is not a private directory of this user, a file it
// could not open or parse.
func ReadLedgers() ([]Ledger, []error) {
	var out []Ledger
	var errs []error
	for _, dir := range LedgerLocations() {
		if _, err := os.Lstat(dir); os.IsNotExist(err) {
			continue
		}
		if err := checkDir(dir, false); err != nil {
			errs = append(errs, fmt.Errorf("not read: %w", err))
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("read ledger dir %s: %w", dir, err))
			continue
		}
		for _, de := range entries {
			l, err := readLedger(filepath.Join(dir, de.Name()))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, l)
		}
	}
	return out, errs
}

// readLedger opens a ledger file of this user, tests its lock, and parses it.
func readLedger(path string) (Ledger, error) {
	l := Ledger{Path: path}
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return l, fmt.Errorf("open ledger %s: %w", path, err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return l, fmt.Errorf("fstat ledger %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || int(st.Uid) != os.Geteuid() {
		return l, fmt.Errorf("ledger %s is not a regular file of this user (mode %#o, owner uid %d): not read; remove it", path, st.Mode, st.Uid)
	}
	err = flock(f, unix.LOCK_EX|unix.LOCK_NB)
	switch {
	case errors.Is(err, unix.EWOULDBLOCK):
		l.Live = true
	case err != nil:
		return l, fmt.Errorf("flock ledger %s: %w", path, err)
	}
	parsed, err := ParseLedger(f)
	if err != nil {
		return l, fmt.Errorf("ledger %s: %w", path, err)
	}
	parsed.Path, parsed.Live = path, l.Live
	if parsed.Legacy {
		if pid, err := strconv.Atoi(filepath.Base(path)); err == nil {
			parsed.Pid = pid
		}
	}
	return parsed, nil
}

// Drop deletes a ledger whose creator is gone, once clean has removed every
// object it names. It takes the lock again first, so it never deletes the
// ledger of a live process.
func (l Ledger) Drop() error {
	f, err := os.OpenFile(l.Path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open ledger %s: %w", l.Path, err)
	}
	defer f.Close()
	if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return fmt.Errorf("flock ledger %s: %w (a live process holds it: kept)", l.Path, err)
	}
	if err := os.Remove(l.Path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove ledger %s: %w", l.Path, err)
	}
	return nil
}
