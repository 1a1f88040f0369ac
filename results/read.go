package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrSchema means a file is not an ipcbench results file of this version.
var ErrSchema = errors.New("not an ipcbench results file of schema " + Schema)

// MaxFileBytes caps what ReadFile and Parse load: 64 MiB. A run of every
// transport, workload and size with histograms and six repetitions writes
// well under 1 MiB, so anything larger is not a results file, and a reader
// must not hold gigabytes (history /dev/zero once grew to 3.4 GB).
const MaxFileBytes = 64 << 20

// ReadFile loads and validates a results file. It reads regular files only: a
// FIFO, socket, device or directory at path is refused without reading it,
// so that `history /dev/zero` or a named pipe with no writer never hangs.
func ReadFile(path string) (*File, error) {
	data, err := readRegular(path, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readRegular reads the regular file at path, refusing anything else and
// anything over limit bytes. It checks the type with stat before opening
// (opening a FIFO for reading blocks until a writer comes, and opening some
// devices has effects), opens with O_NONBLOCK in case the path was swapped
// in between, and checks the opened file again with fstat.
func readRegular(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if err := regular(path, st, limit); err != nil {
		return nil, err
	}
	fd, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer fd.Close()
	opened, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if !os.SameFile(st, opened) {
		return nil, fmt.Errorf("read results %s: the file changed while it was being opened", path)
	}
	if err := regular(path, opened, limit); err != nil {
		return nil, err
	}
	// The size was checked, but a file may grow, and some regular files
	// (in /proc) report 0: read one byte past the limit to tell.
	data, err := io.ReadAll(io.LimitReader(fd, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, limit)
	}
	return data, nil
}

// regular refuses a file that is not a regular file or is over limit bytes.
func regular(path string, st fs.FileInfo, limit int64) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("read results %s: not a regular file (%s); ipcbench reads results only from regular files", path, fileKind(st.Mode()))
	}
	if st.Size() > limit {
		return tooLarge(path, limit)
	}
	return nil
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("read results %s: larger than %d MiB, the most a results file may hold (results.MaxFileBytes): %w", path, limit>>20, ErrSchema)
}

// fileKind names the type of a file that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "mode " + m.String()
}

// Parse decodes and validates a results file; name is used in errors. It
// refuses data over MaxFileBytes, anything but one JSON object of this
// schema with no unknown fields, values no reader may trust (see
// Validate), and a file of no case that does not say why (Incomplete).
// Each refusal names name:line (name:line:col for a decoding error).
func Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxFileBytes {
		return nil, tooLarge(name, MaxFileBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file: %w", name, ErrSchema)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", at(name, data, err), err, ErrSchema)
	}
	if head.Schema == nil {
		return nil, fmt.Errorf("%s: no \"schema\" field: %w", name, ErrSchema)
	}
	if *head.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, this ipcbench reads %q: %w", name, *head.Schema, Schema, ErrSchema)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", at(name, data, err), err, ErrSchema)
	}
	err := Validate(&f)
	if err == nil && len(f.Cases) == 0 && len(f.PairMatrices) == 0 && f.Incomplete == "" {
		err = &InvalidError{Path: "cases", Problem: "none, in a run not marked incomplete: want the cases it ran (a run records each, skipped and failed ones too)"}
	}
	var invalid *InvalidError
	if errors.As(err, &invalid) {
		return nil, fmt.Errorf("%s:%d: %w", name, lineOf(data, invalid.Path), err)
	}
	upgradeRunQueueFlags(&f)
	return &f, nil
}

// at names the line and column of a JSON decoding error, name:line:col,
// where the error carries an offset; name alone otherwise.
func at(name string, data []byte, err error) string {
	var offset int64
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	default:
		return name
	}
	offset = min(max(offset, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - int64(bytes.LastIndexByte(data[:offset], '\n'))
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}
