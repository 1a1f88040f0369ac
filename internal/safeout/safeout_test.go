//go:build linux

package safeout

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWriteFileReplacesOnlyARegularFile puts each kind of file at the
// target: WriteFile must replace a regular file, create a missing one, and
// refuse the rest, leaving them as they were and no temporary file behind.
func TestWriteFileReplacesOnlyARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string) // nil: nothing there
		want error                           // nil: written
	}{
		{"absent", nil, nil},
		{"regular", func(t *testing.T, p string) { os.WriteFile(p, []byte("old"), 0o644) }, nil},
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) }, ErrNotRegular},
		{"fifo", func(t *testing.T, p string) { unix.Mkfifo(p, 0o600) }, ErrNotRegular},
		{"socket", func(t *testing.T, p string) {
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Skipf("unix socket: %v", err)
			}
			t.Cleanup(func() { l.Close() })
		}, ErrNotRegular},
		{"symlink", func(t *testing.T, p string) { os.Symlink(filepath.Join(filepath.Dir(p), "target"), p) }, ErrSymlink},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "r.json")
			if tc.make != nil {
				tc.make(t, path)
			}
			before, _ := os.Lstat(path)
			err := WriteFile(path, []byte("new\n"), 0o644)
			if !errors.Is(err, tc.want) {
				t.Fatalf("WriteFile: %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				if b, _ := os.ReadFile(path); string(b) != "new\n" {
					t.Errorf("wrote %q", b)
				}
				if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
					t.Errorf("mode %v, want 0644", fi.Mode())
				}
			} else if after, _ := os.Lstat(path); after.Mode() != before.Mode() {
				t.Errorf("%s changed from %v to %v", tc.name, before.Mode(), after.Mode())
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "r.json" {
					t.Errorf("left %s behind", e.Name())
				}
			}
		})
	}
}

// TestWriteFileRefusesADevice checks a character device without touching
// it: the check comes before any temporary file is made beside it.
func TestWriteFileRefusesADevice(t *testing.T) {
	if err := WriteFile("/dev/null", []byte("x"), 0o644); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("WriteFile(/dev/null): %v, want ErrNotRegular", err)
	}
	if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", fi.Mode(), err)
	}
}

func TestMkdirOwnRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.Mkdir(target, 0o755)
	link := filepath.Join(dir, "ipcbench-results")
	os.Symlink(target, link)
	if err := MkdirOwn(link, 0o755); !errors.Is(err, ErrSymlink) {
		t.Fatalf("MkdirOwn over a symlink: %v, want ErrSymlink", err)
	}
	real := filepath.Join(dir, "real")
	for range 2 { // creates, then accepts its own
		if err := MkdirOwn(real, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if err := MkdirOwn(file, 0o755); err == nil {
		t.Fatal("MkdirOwn accepted a regular file")
	}
}

func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("a"), 0o644)
	os.WriteFile(b, []byte("b"), 0o644)
	if err := RenameNoReplace(a, b); !errors.Is(err, os.ErrExist) {
		t.Fatalf("RenameNoReplace over a file: %v, want ErrExist", err)
	}
	os.Remove(b)
	if err := RenameNoReplace(a, b); err != nil {
		t.Fatal(err)
	}
}

func TestMkdirOwnRefusesAnotherUsersDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root")
	}
	dir := filepath.Join(t.TempDir(), "ipcbench-results")
	os.Mkdir(dir, 0o777)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := MkdirOwn(dir, 0o755); !errors.Is(err, ErrNotOwned) {
		t.Fatalf("MkdirOwn over another user's directory: %v, want ErrNotOwned", err)
	}
}

// proveMine accepts a file that starts with "mine:".
func proveMine(f *os.File) error {
	head := make([]byte, 5)
	if n, _ := f.Read(head); string(head[:n]) != "mine:" {
		return errors.New(`no "mine:" at its start`)
	}
	return nil
}

// TestWriteFileProvedReplacesOnlyWhatItProves: a regular file is replaced
// only if the proof accepts it, checked before and at the write; a nil
// proof (a --force) accepts any regular file, never a symlink.
func TestWriteFileProvedReplacesOnlyWhatItProves(t *testing.T) {
	for _, tc := range []struct {
		name  string
		old   string // "": nothing there
		proof Proof
		want  error
	}{
		{"absent", "", proveMine, nil},
		{"proved", "mine: old\n", proveMine, nil},
		{"user's file", "notes\n", proveMine, ErrNotOurs},
		{"user's file, no proof", "notes\n", nil, nil},
		{"empty", "\x00", proveMine, ErrNotOurs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "plot.svg")
			if tc.old != "" {
				os.WriteFile(path, []byte(tc.old), 0o644)
			}
			if _, err := CheckFileProved(path, tc.proof); !errors.Is(err, tc.want) {
				t.Errorf("CheckFileProved: %v, want %v", err, tc.want)
			}
			err := WriteFileProved(path, []byte("mine: new\n"), 0o644, tc.proof)
			if !errors.Is(err, tc.want) {
				t.Fatalf("WriteFileProved: %v, want %v", err, tc.want)
			}
			want := "mine: new\n"
			if tc.want != nil {
				want = tc.old
			}
			if b, _ := os.ReadFile(path); string(b) != want {
				t.Errorf("%s holds %q, want %q", path, b, want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("left %v behind", entries)
			}
		})
	}
}

// TestWriteFileProvedFollowsNoLink: a symbolic link to a file the proof
// accepts is still a link, refused with or without a proof.
func TestWriteFileProvedFollowsNoLink(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link.svg")
	os.WriteFile(target, []byte("mine: old\n"), 0o644)
	os.Symlink(target, link)
	for _, proof := range []Proof{proveMine, nil} {
		if _, err := CheckFileProved(link, proof); !errors.Is(err, ErrSymlink) {
			t.Errorf("CheckFileProved: %v, want ErrSymlink", err)
		}
		if err := WriteFileProved(link, []byte("x"), 0o644, proof); !errors.Is(err, ErrSymlink) {
			t.Errorf("WriteFileProved: %v, want ErrSymlink", err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "mine: old\n" {
		t.Errorf("wrote through the link: %q", b)
	}
}

// TestCheckFileProvedMissingDir: a path whose directory is not there yet
// holds nothing to replace.
func TestCheckFileProvedMissingDir(t *testing.T) {
	if exists, err := CheckFileProved(filepath.Join(t.TempDir(), "new", "plot.svg"), proveMine); exists || err != nil {
		t.Errorf("CheckFileProved: %v %v, want false, nil", exists, err)
	}
	if _, err := CheckFileProved(t.TempDir()+"/", nil); !errors.Is(err, ErrNotRegular) {
		t.Errorf("CheckFileProved(DIR/): %v, want ErrNotRegular", err)
	}
}
