//go:build linux

// Package safeout writes what ipcbench creates without destroying what it
// did not create: a file is replaced only if a regular file stands there
// (never a device, FIFO, socket, directory or symbolic link), it is
// replaced atomically, and the directories ipcbench makes by default are
// never followed through a symbolic link planted in their place.
package safeout

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ErrNotRegular means something other than a regular file stands where a
// file was to be written.
var ErrNotRegular = errors.New("not a regular file")

// ErrSymlink means a symbolic link stands where ipcbench was to create or
// replace something; ipcbench does not follow it.
var ErrSymlink = errors.New("a symbolic link, which ipcbench does not follow")

// ErrNotOwned means a directory ipcbench would write into by default
// belongs to another user, who could then control what is written there.
var ErrNotOwned = errors.New("owned by another user")

// ErrNotOurs means a regular file stands where ipcbench was to write, and
// nothing in it proves that ipcbench wrote it.
var ErrNotOurs = errors.New("ipcbench cannot prove it wrote it")

// Proof reads the regular file open as f, which stands where a new file is
// to be written, and returns nil if it proves that ipcbench wrote it (a
// marker of ipcbench's in its first bytes), or an error saying what it
// lacks. It must not read far: f may be any size.
type Proof func(f *os.File) error

// Describe names the kind of file mode m is, for error messages.
func Describe(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "a regular file"
	case fs.ModeDir:
		return "a directory"
	case fs.ModeSymlink:
		return "a symbolic link"
	case fs.ModeNamedPipe:
		return "a FIFO"
	case fs.ModeSocket:
		return "a socket"
	case fs.ModeDevice | fs.ModeCharDevice:
		return "a character device"
	case fs.ModeDevice:
		return "a block device"
	}
	return "not a regular file"
}

// CheckFile reports whether path may be replaced by WriteFile: nothing is
// there (exists false) or a regular file is. It does not follow a
// symbolic link at path: a link is an error wrapping ErrSymlink, anything
// else not a regular file an error wrapping ErrNotRegular.
func CheckFile(path string) (exists bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, checkMode(path, fi.Mode())
}

// CheckFileProved is CheckFile that also refuses, with an error wrapping
// ErrNotOurs, a regular file that proof does not accept. A nil proof
// accepts any regular file (a --force).
func CheckFileProved(path string, proof Proof) (exists bool, err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if name == "" {
		return false, fmt.Errorf("%s names a directory, not a file: %w", path, ErrNotRegular)
	}
	dfd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return false, nil // made before the write
	}
	if err != nil {
		return false, fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	return checkAt(dfd, name, path, proof)
}

func checkMode(path string, m fs.FileMode) error {
	switch {
	case m.Type() == fs.ModeSymlink:
		return fmt.Errorf("%s is %w", path, ErrSymlink)
	case !m.IsRegular():
		return fmt.Errorf("%s is %s: %w", path, Describe(m), ErrNotRegular)
	}
	return nil
}

// MkdirOwn makes the directory path (its parent must exist) or accepts
// one already there, provided it is a real directory, not a symbolic
// link, and the caller's own. It is for the directories ipcbench creates
// by default in the current directory, which may be a shared one.
func MkdirOwn(path string, perm fs.FileMode) error {
	err := unix.Mkdir(path, uint32(perm.Perm()))
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create directory %s: %w", path, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fmt.Errorf("lstat %s: %w", path, err)
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return fmt.Errorf("%s is %w", path, ErrSymlink)
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("%s exists and is not a directory: %w", path, fs.ErrExist)
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s is %w (uid %d, not %d)", path, ErrNotOwned, st.Uid, os.Geteuid())
	}
	return nil
}

// WriteFile stores data at path atomically, with mode perm: it writes a
// new temporary file beside path, syncs it and renames it into place, so
// a reader never sees a partial file and a failed write (a full disk)
// leaves nothing behind. It replaces only a regular file: a device, FIFO,
// socket, directory or symbolic link at path is an error, checked again
// just before the rename, and where nothing stood the rename refuses to
// replace anything that appeared since.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return WriteFileProved(path, data, perm, nil)
}

// WriteFileProved is WriteFile that replaces a regular file only if proof
// accepts it (see CheckFileProved), checked before the write and again on
// the file that stands at path just before the rename, so that a file put
// there while ipcbench worked is not replaced either. A nil proof accepts
// any regular file.
func WriteFileProved(path string, data []byte, perm fs.FileMode, proof Proof) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if name == "" {
		return fmt.Errorf("%s names a directory, not a file: %w", path, ErrNotRegular)
	}
	dfd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	if _, err := checkAt(dfd, name, path, proof); err != nil {
		return err
	}
	tmp, err := writeTemp(dfd, dir, name, data, perm)
	if err != nil {
		return err
	}
	exists, err := checkAt(dfd, name, path, proof) // again: what stands there now
	if err == nil {
		err = renameAt(dfd, tmp, name, exists)
	}
	if err != nil {
		unix.Unlinkat(dfd, tmp, 0)
		return fmt.Errorf("rename %s to %s: %w", filepath.Join(dir, tmp), path, err)
	}
	if err := unix.Fsync(dfd); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// statAt is CheckFile on name in the directory dfd.
func statAt(dfd int, name, path string) (exists bool, err error) {
	var st unix.Stat_t
	err = unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lstat %s: %w", path, err)
	}
	return true, checkMode(path, typeOf(st.Mode))
}

// checkAt is statAt, then proof on the regular file that stands at name,
// opened without following a link or blocking (it was checked regular,
// but may have been swapped since).
func checkAt(dfd int, name, path string, proof Proof) (exists bool, err error) {
	exists, err = statAt(dfd, name, path)
	if !exists || err != nil || proof == nil {
		return exists, err
	}
	fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) {
		return true, fmt.Errorf("%s is %w", path, ErrSymlink)
	}
	if err != nil {
		return true, fmt.Errorf("open %s to check who wrote it: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return true, err
	}
	if err := checkMode(path, fi.Mode()); err != nil {
		return true, err
	}
	if err := proof(f); err != nil {
		return true, fmt.Errorf("%s exists and %w: %v", path, ErrNotOurs, err)
	}
	return true, nil
}

// typeOf is the fs.FileMode type bits of a stat mode.
func typeOf(mode uint32) fs.FileMode {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}

// writeTemp writes data to a new file beside name and returns its name.
// O_EXCL|O_NOFOLLOW: a file or link planted under that name is an error,
// never written through.
func writeTemp(dfd int, dir, name string, data []byte, perm fs.FileMode) (string, error) {
	var fd int
	var tmp string
	for range 100 {
		tmp = "." + name + "." + randomSuffix() + ".tmp"
		var err error
		fd, err = unix.Openat(dfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create a temporary file in %s: %w", dir, err)
		}
		break
	}
	f := os.NewFile(uintptr(fd), filepath.Join(dir, tmp))
	fail := func(err error) (string, error) { // err names the call and the file
		f.Close()
		unix.Unlinkat(dfd, tmp, 0)
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm.Perm()); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		unix.Unlinkat(dfd, tmp, 0)
		return "", err
	}
	return tmp, nil
}

// renameAt moves tmp to name in dfd; where nothing stood at name, it
// refuses to replace whatever may have appeared there since.
func renameAt(dfd int, tmp, name string, exists bool) error {
	if !exists {
		return renameNoReplace(dfd, tmp, dfd, name)
	}
	return unix.Renameat(dfd, tmp, dfd, name)
}

// RenameNoReplace renames oldpath to newpath unless something exists at
// newpath, which it leaves alone (renameat2 RENAME_NOREPLACE).
func RenameNoReplace(oldpath, newpath string) error {
	if err := renameNoReplace(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

func renameNoReplace(olddfd int, oldname string, newdfd int, newname string) error {
	err := unix.Renameat2(olddfd, oldname, newdfd, newname, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		// A filesystem without RENAME_NOREPLACE: check, then rename.
		var st unix.Stat_t
		if err := unix.Fstatat(newdfd, newname, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
			return unix.EEXIST
		}
		return unix.Renameat(olddfd, oldname, newdfd, newname)
	}
	return err
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
