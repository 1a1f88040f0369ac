//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// MarkerName is the entry MkdirTemp plants in each temp dir it makes: a
// symlink whose target names the creator's ledger and boot (see Marker). A
// symlink, because making, reading and removing one needs no file
// descriptor, so a process at its RLIMIT_NOFILE can still mark and clean up.
const MarkerName = ".ipcbench-marker"

// Marker is what a temp dir's marker says: the ledger of the process that
// made the dir, and the boot it was made in.
type Marker struct {
	Ledger string
	Boot   string
}

const markerMagic = "ipcbench-marker 1"

// String is the marker's symlink target.
func (m Marker) String() string {
	return fmt.Sprintf("%s boot=%s ledger=%s", markerMagic, m.Boot, strconv.Quote(m.Ledger))
}

// ParseMarker parses a marker's symlink target.
func ParseMarker(s string) (Marker, error) {
	var m Marker
	rest, ok := strings.CutPrefix(s, markerMagic+" boot=")
	boot, quoted, ok2 := strings.Cut(rest, " ledger=")
	if !ok || !ok2 || boot == "" || strings.ContainsAny(boot, " \n") {
		return m, fmt.Errorf("marker %q is not %q boot=<id> ledger=<quoted path>", s, markerMagic)
	}
	ledger, err := strconv.Unquote(quoted)
	if err != nil || !filepath.IsAbs(ledger) || filepath.Clean(ledger) != ledger || strings.ContainsRune(ledger, 0) {
		return m, fmt.Errorf("marker %q: ledger is not a quoted absolute clean path", s)
	}
	m.Boot, m.Ledger = boot, ledger
	if m.String() != s {
		return m, fmt.Errorf("marker %q is not in its canonical form", s)
	}
	return m, nil
}

// TempFiles is what a kind of temp dir holds besides its marker: the
// entries its maker creates there, all of one type. Anything else in such
// a directory, ipcbench did not write, and neither RemoveTemp nor clean
// removes it.
type TempFiles struct {
	Names []string
	Type  fs.FileMode // fs.ModeNamedPipe, or 0 for regular files
}

var tempKinds = map[string]TempFiles{}

// RegisterTempDir declares what the temp dirs of kind hold besides the
// marker. The package that makes them calls it from an init function;
// registering a kind twice panics.
func RegisterTempDir(kind string, files TempFiles) {
	if _, dup := tempKinds[kind]; dup {
		panic("shm: temp dir kind " + kind + " registered twice")
	}
	tempKinds[kind] = files
}

// TempDirFiles is what a temp dir named by MkdirTemp holds besides its
// marker, by the kind in its name; nothing for a kind none registered.
func TempDirFiles(dir string) TempFiles {
	kind, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), NamePrefix), "-")
	return tempKinds[kind]
}

// ErrForeignFiles means a temp dir holds entries its maker did not write
// there; RemoveTemp leaves them, and the directory.
var ErrForeignFiles = errors.New("holds what ipcbench did not write")

// ReadMarker reads the marker of dir, which must not be a symlink itself.
func ReadMarker(dir string) (Marker, error) {
	target, err := os.Readlink(filepath.Join(dir, MarkerName))
	if err != nil {
		return Marker{}, fmt.Errorf("read marker of %s: %w", dir, err)
	}
	return ParseMarker(target)
}

// MkdirTemp makes a private (0700) directory in the temp dir, named
// NewName(kind, ""). It records the path in this process's ledger before the
// directory exists, and plants a marker in it, so that clean can prove
// ipcbench made it and tell whether its creator lives. Remove it with
// RemoveTemp.
func MkdirTemp(kind string) (string, error) {
	prefix := fmt.Sprintf("%s%s-%d-", NamePrefix, kind, os.Getpid())
	if !lowerAlnum(kind) {
		return "", fmt.Errorf("mkdir temp %s*: kind %q is not lowercase letters and digits", prefix, kind)
	}
	tmp, err := filepath.Abs(os.TempDir())
	if err != nil {
		return "", fmt.Errorf("mkdir temp %s*: %w (set TMPDIR to an absolute writable directory)", prefix, err)
	}
	for range 16 {
		dir := filepath.Join(tmp, NewName(kind, "").String())
		if err := ValidTempDir(dir); err != nil {
			return "", fmt.Errorf("mkdir temp: %w", err)
		}
		e := Entry{Kind: "dir", Name: dir}
		if err := recordEntry(e); err != nil {
			return "", fmt.Errorf("mkdir temp %s: %w", dir, err)
		}
		err := unix.Mkdir(dir, 0o700)
		if errors.Is(err, unix.EEXIST) {
			forgetEntry(e)
			continue
		}
		if err != nil {
			forgetEntry(e)
			return "", fmt.Errorf("mkdir %s: %w (set TMPDIR to a writable directory)", dir, err)
		}
		ledger.Lock()
		m := Marker{Ledger: ledger.path, Boot: ThisBoot()}
		ledger.Unlock()
		if err := unix.Symlink(m.String(), filepath.Join(dir, MarkerName)); err != nil {
			return "", errors.Join(fmt.Errorf("symlink marker in %s: %w", dir, err), RemoveTemp(dir))
		}
		return dir, nil
	}
	return "", fmt.Errorf("mkdir temp %s*: 16 random names were taken in %s", prefix, tmp)
}

// foreignFiles is the error for a temp dir that is not empty once its own
// entries are gone: it names what is left (escaped: a name may hold any
// byte but / and NUL).
func foreignFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%w, which could not be listed: %w", ErrForeignFiles, err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strconv.Quote(e.Name())
	}
	return fmt.Errorf("%w: %s; left it and the directory", ErrForeignFiles, strings.Join(names, ", "))
}

// RemoveTemp removes a directory from MkdirTemp: the named entries in it,
// its marker, then the directory, each by name, which needs no file
// descriptor. Anything else in it ipcbench did not write: it stays, with
// the directory, and the error (wrapping ErrForeignFiles) names it. A
// directory already gone is no error. Once it is gone, it is dropped from
// the ledger; while it stays, the ledger keeps it for clean.
func RemoveTemp(dir string, names ...string) error {
	var errs []error
	for _, n := range append(names, MarkerName) {
		if err := unix.Unlink(filepath.Join(dir, n)); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unlink %s: %w", filepath.Join(dir, n), err))
		}
	}
	err := unix.Rmdir(dir)
	if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
		err = foreignFiles(dir)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("rmdir %s: %w", dir, err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove temp dir: %w (remove it by hand: rm -r %s; or run ipcbench clean once this process has ended)", errors.Join(errs...), dir)
	}
	forgetEntry(Entry{Kind: "dir", Name: dir})
	return nil
}
