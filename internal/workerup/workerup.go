// Package workerup lets a test wait until a worker process of its own test
// binary has started, by reading a line rather than sleeping: the test names
// a FIFO in the environment, which runners and workers inherit, and each
// worker writes its pid and spec there as it starts. A worker starts only
// after its runner handles signals and has made the case's kernel objects
// and recorded them in its ledger, so the line says that those exist.
package workerup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// env names the FIFO.
const env = "IPCBENCH_TEST_WORKER_UP"

// pipeBuf is PIPE_BUF on Linux: a write of at most this many bytes to a
// FIFO lands whole, never interleaved with another's.
const pipeBuf = 4096

// Announce writes "<pid> <spec>\n" to the FIFO that the environment names,
// if any. A test binary calls it from an init function of a test file when
// it runs as a worker, so that no product code knows of it. It uses raw
// system calls, so that the worker's file table and runtime stay as they
// would be, and a line shorter than PIPE_BUF, which the kernel writes
// whole. A test that stopped listening makes open fail (ENXIO) rather
// than block the worker.
func Announce(spec string) {
	path := os.Getenv(env)
	if path == "" {
		return
	}
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	line := fmt.Sprintf("%d %s", os.Getpid(), spec)
	unix.Write(fd, []byte(line[:min(len(line), pipeBuf-1)]+"\n"))
	unix.Close(fd)
}

// Listener reads the lines of the workers started while its test runs.
type Listener struct {
	f *os.File
	r *bufio.Reader
}

// Listen makes a FIFO in t's temp dir and names it in the environment
// (t.Setenv) until t ends.
func Listen(t *testing.T) *Listener {
	t.Helper()
	path := filepath.Join(t.TempDir(), "workers")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo %s: %v", path, err)
	}
	// Read and write: the open does not wait for a writer, and a read
	// waits for the next worker instead of seeing EOF after the last.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	t.Setenv(env, path)
	return &Listener{f: f, r: bufio.NewReader(f)}
}

// waitLimit bounds Wait: it matters only when no such worker ever starts.
const waitLimit = 2 * time.Minute

// Wait reads workers' lines until one's spec contains want, such as
// `"transport":"sysv-shm"`, and returns that worker's pid.
func (l *Listener) Wait(t *testing.T, want string) int {
	t.Helper()
	l.f.SetReadDeadline(time.Now().Add(waitLimit))
	var seen []string
	for {
		line, err := l.r.ReadString('\n')
		if err != nil {
			t.Fatalf("no worker whose spec holds %s started within %s (%v); workers seen: %q", want, waitLimit, err, seen)
		}
		pid, spec, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		if strings.Contains(spec, want) {
			n, _ := strconv.Atoi(pid)
			return n
		}
		seen = append(seen, spec)
	}
}
