// Package leftovers finds what ipcbench runs killed with SIGKILL (or cut off
// by a power loss) left behind, and removes it: System V objects, POSIX
// queues and temp dirs that a creator's ledger names, or (temp dirs) that
// carry ipcbench's marker, owned by this user, whose creator is gone. A
// creator is gone when no process holds the lock on its ledger; a pid, a
// name prefix or an age proves nothing, and an object nothing proves is
// never offered for removal.
package leftovers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/ipcbench/ipcbench/internal/ipcls"
	"github.com/ipcbench/ipcbench/shm"
)

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
	Stale    []Item   // left behind: named by a ledger (or marked), and its creator is gone
	Kept     []Item   // this user's, but its creator runs, or nothing proves it is gone
	Warnings []string // what could not be checked, and why
}

// finder holds what Find learned from the ledgers.
type finder struct {
	Scan
	euid    int
	boot    string
	ipcns   string
	ledgers []*shm.Ledger
	byPath  map[string]*shm.Ledger
	named   map[string][]*shm.Ledger // Entry.String() → the ledgers that name the object
}

// Find looks for leftovers without changing anything.
func Find() Scan {
	f := &finder{euid: os.Geteuid(), boot: shm.ThisBoot(), ipcns: shm.IPCNamespace(),
		byPath: map[string]*shm.Ledger{}, named: map[string][]*shm.Ledger{}}
	ls, errs := shm.ReadLedgers()
	for _, err := range errs {
		f.Warnings = append(f.Warnings, err.Error())
	}
	for i := range ls {
		l := &ls[i]
		f.ledgers = append(f.ledgers, l)
		f.byPath[l.Path] = l
		for _, e := range l.Entries {
			if e.Kind != "dir" && !f.sameKernel(l) {
				continue // a key, id or queue name of another boot or IPC namespace names another object here
			}
			f.named[e.String()] = append(f.named[e.String()], l)
		}
	}
	f.sysv()
	f.queues()
	f.dirs()
	f.dropLedgers()
	return f.Scan
}

// sameKernel reports whether a ledger's System V objects and queues are
// this boot's and this IPC namespace's. A legacy ledger says neither; its
// objects are only ever kept, so it may count.
func (f *finder) sameKernel(l *shm.Ledger) bool {
	return l.Legacy || l.Boot == f.boot && l.IPCNS == f.ipcns
}

// judge sorts an item by the ledgers that name it.
func (f *finder) judge(it Item, by []*shm.Ledger, byHand string) {
	var legacy *shm.Ledger
	for _, l := range by {
		if l.Live {
			it.Why = fmt.Sprintf("its creator is running: a live process (pid %d in its pid namespace) holds the lock on its ledger %s", l.Pid, l.Path)
			f.Kept = append(f.Kept, it)
			return
		}
		if l.Legacy {
			legacy = l
		}
	}
	switch {
	case len(by) == 0:
		it.Why = "no ledger names it, so nothing proves ipcbench made it or that its creator is gone; if it is a leftover of yours: " + byHand
		f.Kept = append(f.Kept, it)
	case legacy != nil:
		it.Why = fmt.Sprintf("only an old ledger without a lock names it (%s, pid %d), and a pid proves nothing; once no ipcbench runs: %s", legacy.Path, legacy.Pid, byHand)
		f.Kept = append(f.Kept, it)
	default:
		it.Why = fmt.Sprintf("its creator is gone: no process holds the lock on its ledger %s (it was pid %d in its pid namespace)", by[0].Path, by[0].Pid)
		f.Stale = append(f.Stale, it)
	}
}

func (f *finder) sysv() {
	objs, err := ipcls.SysVObjects()
	if err != nil {
		f.Warnings = append(f.Warnings, err.Error())
	}
	for _, o := range objs {
		if !shm.InNamespace(o.Key()) || o.UID() != f.euid || o.Int("cuid") != f.euid {
			continue
		}
		id := o.ID()
		it := Item{What: fmt.Sprintf("sysv %s key=%#x id=%d", o.Kind, o.Key(), id)}
		flag := map[string]string{"shm": "-m", "sem": "-s", "msg": "-q"}[o.Kind]
		e := shm.Entry{Kind: o.Kind, Key: o.Key(), ID: id}
		rm := map[string]func(int) error{"shm": shm.SegRemove, "sem": shm.SemRemove, "msg": shm.MsgRemove}[o.Kind]
		it.remove = func() error {
			// An id is reused once its object is gone: remove only the object
			// Find judged, still under its key and this user.
			if !f.sysvStillThere(e) {
				return fmt.Errorf("%s: no longer there under key %#x and uid %d: not removed", it.What, e.Key, f.euid)
			}
			return rm(id)
		}
		f.judge(it, f.named[e.String()], fmt.Sprintf("ipcrm %s %d", flag, id))
	}
}

func (f *finder) queues() {
	queues, err := ipcls.Queues()
	if err != nil {
		f.Warnings = append(f.Warnings, "POSIX queues not checked: "+err.Error())
	}
	for _, q := range queues {
		if q.UID != f.euid || shm.ValidMqName(q.Name) != nil {
			continue
		}
		name := q.Name
		it := Item{What: "posix mq " + name, remove: func() error { return shm.MqUnlink(name) }}
		e := shm.Entry{Kind: "mq", Name: name}
		f.judge(it, f.named[e.String()], "rm /dev/mqueue/"+name)
	}
}

// dirs looks at the temp dirs the ledgers name, wherever they are, and at
// the ipcbench-* entries of this temp dir; it lists only those that carry
// ipcbench's marker. The marker names its creator's ledger, which settles
// whether the creator lives, or its boot, which settles that a creator of an
// earlier boot is gone.
func (f *finder) dirs() {
	paths := map[string]bool{}
	for _, l := range f.ledgers {
		for _, e := range l.Entries {
			if e.Kind == "dir" {
				paths[e.Name] = true
			}
		}
	}
	if tmp, err := filepath.Abs(os.TempDir()); err == nil {
		globbed, _ := filepath.Glob(filepath.Join(tmp, shm.NamePrefix+"*"))
		for _, p := range globbed {
			paths[p] = true
		}
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, dir := range sorted {
		f.dir(dir)
	}
}

func (f *finder) dir(dir string) {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return // gone, or a symlink or file: nothing ipcbench made
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != f.euid {
		return
	}
	m, err := shm.ReadMarker(dir)
	if err != nil {
		if e := (shm.Entry{Kind: "dir", Name: dir}); len(f.named[e.String()]) > 0 {
			f.Kept = append(f.Kept, Item{What: "temp dir " + dir,
				Why: "a ledger names it, but it carries no ipcbench marker, so it may not be the directory ipcbench made: not removed"})
		}
		return // no marker: ipcbench did not make it (ipcbench-results, a user's ipcbench-src, ...)
	}
	own, foreign := f.contents(dir)
	it := Item{What: "temp dir " + dir, remove: func() error {
		// The path must still hold the directory Find judged.
		if now, err := shm.ReadMarker(dir); err != nil || now != m {
			return fmt.Errorf("temp dir %s: its marker changed since clean looked (%v): not removed", dir, err)
		}
		err := shm.RemoveTemp(dir, own...)
		if errors.Is(err, shm.ErrForeignFiles) && len(foreign) > 0 && onlyThese(dir, foreign) {
			return nil // the directory stays, with what Find listed as kept
		}
		return err
	}}
	keeps := ""
	if len(foreign) > 0 {
		it.What = fmt.Sprintf("ipcbench's entries in temp dir %s (%s)", dir, strings.Join(append(own[:len(own):len(own)], shm.MarkerName), ", "))
		keeps = fmt.Sprintf("; the directory stays, with what ipcbench did not write in it (%s: kept, above)", quoteNames(foreign))
		f.keepForeign(dir, foreign)
	}
	l := f.byPath[m.Ledger]
	stale := len(f.Stale)
	switch {
	case m.Boot != f.boot:
		it.Why = "its creator is gone: its marker says it was made before the last reboot"
		f.Stale = append(f.Stale, it)
	case l != nil:
		f.judge(it, []*shm.Ledger{l}, "rm -r "+dir)
	default:
		it.Why = fmt.Sprintf("its marker names the ledger %s, which is gone or unreadable, so nothing proves its creator gone; once no ipcbench runs: rm -r %s", m.Ledger, dir)
		f.Kept = append(f.Kept, it)
	}
	if len(f.Stale) > stale {
		f.Stale[stale].Why += keeps
	}
}

// contents sorts the entries of a marked temp dir, besides its marker:
// own are those its kind's maker writes there (by name and type, see
// shm.RegisterTempDir), foreign everything else, which ipcbench did not
// write and clean leaves alone.
func (f *finder) contents(dir string) (own, foreign []string) {
	files := shm.TempDirFiles(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Warnings = append(f.Warnings, fmt.Sprintf("temp dir %s: %v: removing only %s and its marker", dir, err, strings.Join(files.Names, ", ")))
		return files.Names, nil
	}
	for _, e := range entries {
		switch {
		case e.Name() == shm.MarkerName:
		case slices.Contains(files.Names, e.Name()) && e.Type() == files.Type:
			own = append(own, e.Name())
		default:
			foreign = append(foreign, e.Name())
		}
	}
	return own, foreign
}

// keepForeign lists as kept each entry of a temp dir that ipcbench did not
// write there.
func (f *finder) keepForeign(dir string, foreign []string) {
	holds := "only its marker"
	if files := shm.TempDirFiles(dir); len(files.Names) > 0 {
		holds = fmt.Sprintf("only %s and its marker", strings.Join(files.Names, ", "))
	}
	for _, name := range foreign {
		f.Kept = append(f.Kept, Item{What: fmt.Sprintf("%s in temp dir %s", strconv.Quote(name), dir),
			Why: fmt.Sprintf("ipcbench did not write it (it writes %s there), so clean leaves it, and the directory; once you no longer need it: rm -r %s", holds, dir)})
	}
}

// quoteNames lists names for a message, quoted, the first three only.
func quoteNames(names []string) string {
	var q []string
	for i, n := range names {
		if i == 3 {
			q = append(q, fmt.Sprintf("and %d more", len(names)-3))
			break
		}
		q = append(q, strconv.Quote(n))
	}
	return strings.Join(q, ", ")
}

// onlyThese reports whether dir holds exactly the entries names.
func onlyThese(dir string, names []string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != len(names) {
		return false
	}
	for _, e := range entries {
		if !slices.Contains(names, e.Name()) {
			return false
		}
	}
	return true
}

// dropLedgers lists each ledger whose creator is gone, to be removed after
// its objects: its Remove refuses while any object it names is still there.
func (f *finder) dropLedgers() {
	for _, l := range f.ledgers {
		it := Item{What: "ledger " + l.Path}
		switch {
		case l.Live:
			continue // its objects say so
		case l.Legacy && len(f.stillThere(l)) > 0:
			it.Why = fmt.Sprintf("an old ledger without a lock (pid %d): nothing proves its creator gone; once no ipcbench runs: rm %s", l.Pid, l.Path)
			f.Kept = append(f.Kept, it)
			continue
		case l.Legacy:
			it.Why = "an old ledger without a lock, and nothing it names exists any more"
			it.remove = func() error {
				if left := f.stillThere(l); len(left) > 0 {
					return fmt.Errorf("ledger %s names %v, which exists again: kept it", l.Path, left)
				}
				return l.Drop()
			}
			f.Stale = append(f.Stale, it)
			continue
		case l.Boot == f.boot && l.IPCNS != f.ipcns:
			it.Why = fmt.Sprintf("its creator is gone, but its objects are in another IPC namespace (%s): run ipcbench clean there", l.IPCNS)
			f.Kept = append(f.Kept, it)
			continue
		}
		it.Why = fmt.Sprintf("its process (pid %d in its pid namespace) is gone: no one holds its lock", l.Pid)
		it.remove = func() error {
			if left := f.stillThere(l); len(left) > 0 {
				return fmt.Errorf("ledger %s still names %v, which could not be removed: kept it, so that clean can try again", l.Path, left)
			}
			return l.Drop()
		}
		f.Stale = append(f.Stale, it)
	}
}

// sysvStillThere reports whether a System V object of this user exists now
// under the entry's kind, key and id.
func (f *finder) sysvStillThere(e shm.Entry) bool {
	objs, _ := ipcls.SysVObjects()
	for _, o := range objs {
		if o.Kind == e.Kind && o.Key() == e.Key && o.ID() == e.ID && o.UID() == f.euid {
			return true
		}
	}
	return false
}

// stillThere lists the objects of a ledger that exist now.
func (f *finder) stillThere(l *shm.Ledger) []string {
	var left []string
	objs, _ := ipcls.SysVObjects()
	queues, _ := ipcls.Queues()
	exists := map[string]bool{}
	for _, o := range objs {
		exists[shm.Entry{Kind: o.Kind, Key: o.Key(), ID: o.ID()}.String()] = true
	}
	for _, q := range queues {
		exists[shm.Entry{Kind: "mq", Name: q.Name}.String()] = true
	}
	for _, e := range l.Entries {
		switch {
		case e.Kind == "dir":
			if m, err := shm.ReadMarker(e.Name); err == nil && m.Ledger == l.Path {
				left = append(left, e.String()) // a directory without its marker is not ours to wait for
			}
		case f.sameKernel(l) && exists[e.String()]:
			left = append(left, e.String())
		}
	}
	return left
}
