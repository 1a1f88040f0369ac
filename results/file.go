package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"golang.org/x/sys/unix"
)

// WriteFile stores f at path atomically: it writes a temporary file in the same
// directory, syncs it and renames it over path, so that a reader never sees a
// partial file and a failed write leaves nothing behind. It replaces only a
// regular file: a device, FIFO, socket, directory or symbolic link at path
// is an error wrapping safeout.ErrNotRegular or safeout.ErrSymlink.
//
// A regular file already at path is replaced only if it holds ipcbench
// results (IsResultsFile), checked again on whatever stands there just
// before the rename, so that a file put at path while a run measured is
// not destroyed either. ReplaceFile replaces any regular file.
func WriteFile(path string, f *File) error {
	return writeFile(path, f, ProveResults)
}

// ReplaceFile is WriteFile that replaces any regular file at path (run
// --force): still never a directory, device, FIFO or symbolic link.
func ReplaceFile(path string, f *File) error {
	return writeFile(path, f, nil)
}

// ProveResults accepts an open file that holds ipcbench results, as
// IsResultsFile says, and refuses any other: a safeout.Proof.
func ProveResults(file *os.File) error {
	if !holdsResults(file) {
		return errors.New("it holds no ipcbench results; give another path, or --force to replace it")
	}
	return nil
}

func writeFile(path string, f *File, proof safeout.Proof) error {
	data, err := marshal(f)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create results directory %s: %w", dir, err)
		}
	}
	if err := safeout.WriteFileProved(path, data, 0o644, proof); err != nil {
		return fmt.Errorf("write results to %s: %w", path, err)
	}
	return nil
}

// Encode writes f to w as WriteFile writes it to a file.
func Encode(w io.Writer, f *File) error {
	data, err := marshal(f)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

func marshal(f *File) ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return append(data, '\n'), nil
}

// IsResultsFile reports whether path is a regular file that WriteFile wrote,
// of any schema version: its first JSON key is "schema" and its value
// starts with "ipcbench/results/". It reads no more than the head of the
// file and does not follow a symbolic link.
func IsResultsFile(path string) bool {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	file := os.NewFile(uintptr(fd), path)
	defer file.Close()
	return holdsResults(file)
}

// holdsResults says whether the open file is a regular file whose head
// is that of a results file (see IsResultsFile).
func holdsResults(file *os.File) bool {
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	dec := json.NewDecoder(io.LimitReader(file, 4096))
	var toks []json.Token
	for range 3 {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		toks = append(toks, tok)
	}
	if d, ok := toks[0].(json.Delim); !ok || d != '{' || toks[1] != "schema" {
		return false
	}
	s, ok := toks[2].(string)
	return ok && strings.HasPrefix(s, "ipcbench/results/")
}
