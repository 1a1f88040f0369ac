package leftovers_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/leftovers"
	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// The creator's temp dirs (kind "test") hold one FIFO, a2b, as a fifo
// transport's hold theirs.
func init() {
	shm.RegisterTempDir("test", shm.TempFiles{Names: []string{"a2b"}, Type: fs.ModeNamedPipe})
}

// TestCleanKeepsWhatIpcbenchDidNotWrite: a user's files inside a leftover
// temp dir went with it, unlisted. Clean must list each as kept, remove only
// the dir's own entries (the FIFO its kind makes, the marker) and leave the
// directory; a regular file under the FIFO's name is not ipcbench's either.
func TestCleanKeepsWhatIpcbenchDidNotWrite(t *testing.T) {
	isolateLedgers(t)
	c := startCreator(t, "creator-exit", "", nil)
	defer c.cmd.Wait()
	defer os.RemoveAll(c.dir)
	defer shm.MqUnlink(c.lines["mq"])
	defer shm.SemRemove(c.semID)
	if err := unix.Mkfifo(filepath.Join(c.dir, "a2b"), 0o600); err != nil {
		t.Fatal(err)
	}
	mine := []string{filepath.Join(c.dir, "notes.txt"), filepath.Join(c.dir, "sub", "more.txt")}
	os.Mkdir(filepath.Join(c.dir, "sub"), 0o700)
	for _, p := range mine {
		if err := os.WriteFile(p, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	s := leftovers.Find()
	for _, name := range []string{`"notes.txt" in temp dir ` + c.dir, `"sub" in temp dir ` + c.dir} {
		if it, ok := find(s.Kept, name); !ok || !strings.Contains(it.Why, "did not write") {
			t.Errorf("%s not listed as kept (%q); kept: %v", name, it.Why, s.Kept)
		}
	}
	it, ok := find(s.Stale, "ipcbench's entries in temp dir "+c.dir+" (a2b, .ipcbench-marker)")
	if !ok {
		t.Fatalf("the dead creator's entries in %s not offered for removal; stale: %v", c.dir, s.Stale)
	}
	if !strings.Contains(it.Why, `the directory stays, with what ipcbench did not write in it ("notes.txt", "sub"`) {
		t.Errorf("the removal does not say the directory stays: %s", it.Why)
	}
	if err := it.Remove(); err != nil {
		t.Fatalf("remove %s: %v", it.What, err)
	}
	for _, p := range mine {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("clean removed %s, which ipcbench did not write: %v", p, err)
		}
	}
	for _, name := range []string{"a2b", shm.MarkerName} {
		if _, err := os.Lstat(filepath.Join(c.dir, name)); !os.IsNotExist(err) {
			t.Errorf("ipcbench's own %s survived: %v", name, err)
		}
	}
	dropRest(t, s, c)
}

// TestCleanKeepsAFileUnderAnIpcbenchName: a regular file named as the
// kind's FIFO is not the FIFO ipcbench made.
func TestCleanKeepsAFileUnderAnIpcbenchName(t *testing.T) {
	isolateLedgers(t)
	c := startCreator(t, "creator-exit", "", nil)
	defer c.cmd.Wait()
	defer os.RemoveAll(c.dir)
	defer shm.MqUnlink(c.lines["mq"])
	defer shm.SemRemove(c.semID)
	p := filepath.Join(c.dir, "a2b")
	if err := os.WriteFile(p, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := leftovers.Find()
	if _, ok := find(s.Kept, `"a2b" in temp dir `+c.dir); !ok {
		t.Errorf("a regular a2b not listed as kept; kept: %v", s.Kept)
	}
	it, ok := find(s.Stale, "ipcbench's entries in temp dir "+c.dir+" (.ipcbench-marker)")
	if !ok {
		t.Fatalf("the marker of %s not offered for removal; stale: %v", c.dir, s.Stale)
	}
	if err := it.Remove(); err != nil {
		t.Fatalf("remove %s: %v", it.What, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("clean removed %s: %v", p, err)
	}
	dropRest(t, s, c)
}

// TestCleanSaysWhenAFileAppearedSinceItLooked: an entry put in the
// directory between Find and Remove (between clean --dry-run and clean) is
// kept too, and Remove says so rather than claim the directory went.
func TestCleanSaysWhenAFileAppearedSinceItLooked(t *testing.T) {
	isolateLedgers(t)
	c := startCreator(t, "creator-exit", "", nil)
	defer c.cmd.Wait()
	defer os.RemoveAll(c.dir)
	defer shm.MqUnlink(c.lines["mq"])
	defer shm.SemRemove(c.semID)
	s := leftovers.Find()
	it, ok := find(s.Stale, "temp dir "+c.dir)
	if !ok {
		t.Fatalf("%s not offered for removal; stale: %v", c.dir, s.Stale)
	}
	late := filepath.Join(c.dir, "late.txt")
	if err := os.WriteFile(late, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := it.Remove(); err == nil || !strings.Contains(err.Error(), `"late.txt"`) {
		t.Errorf("Remove with a file that appeared since Find: %v, want an error naming late.txt", err)
	}
	if _, err := os.Stat(late); err != nil {
		t.Errorf("clean removed %s: %v", late, err)
	}
	dropRest(t, s, c)
}

// dropRest removes the creator's semaphore set, queue and ledger through
// clean, as a clean run would after the temp dir.
func dropRest(t *testing.T, s leftovers.Scan, c *creator) {
	t.Helper()
	for _, what := range []string{fmt.Sprintf("key=%#x id=%d", c.semKey, c.semID), "posix mq " + c.lines["mq"], "ledger "} {
		if it, ok := find(s.Stale, what); !ok {
			t.Errorf("%s not offered for removal", what)
		} else if err := it.Remove(); err != nil {
			t.Errorf("remove %s: %v", it.What, err)
		}
	}
}
