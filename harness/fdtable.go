package harness

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// privateFdTable gives the calling (locked, measuring) thread its own copy of
// the process's fd table, and says what it got: "private", or "shared: why".
//
// A Go process is multi-threaded, so every thread shares one fd table, and the
// kernel then takes the reference-counting path of fdget on each read and
// write (an atomic get and put on the struct file) where a single-threaded C
// process borrows the file. perf showed fdget_pos at 0.22 µs per pipe round
// trip for ipcbench against 0.09 µs for the C reference. With a private
// table the measuring thread makes its syscalls as a C process would.
//
// The netpoller starts first, so that its epoll and wake-up fds are in both
// tables. After this, fds this thread opens or closes are its own; the
// worker's other threads (the runtime's) use none of them.
func privateFdTable() string {
	r, w, err := os.Pipe() // os.Pipe registers with the netpoller, starting it
	if err != nil {
		return "shared: os.Pipe: " + err.Error()
	}
	r.Close()
	w.Close()
	if err := unix.Unshare(unix.CLONE_FILES); err != nil {
		return "shared: unshare(CLONE_FILES): " + err.Error()
	}
	return fdTableOf(unix.Gettid())
}

// fdTableOf reports whether thread tid of this process has an fd table of its
// own, comparing it with every other thread of the process (kcmp KCMP_FILES).
func fdTableOf(tid int) string {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return "unknown: " + err.Error()
	}
	for _, t := range tasks {
		other, err := strconv.Atoi(t.Name())
		if err != nil || other == tid {
			continue
		}
		same, err := sameFiles(tid, other)
		if err != nil {
			return "unknown: " + err.Error()
		}
		if same {
			return fmt.Sprintf("shared with thread %d", other)
		}
	}
	return "private"
}

// kcmpFiles is KCMP_FILES (linux/kcmp.h); x/sys/unix does not name it.
const kcmpFiles = 2

func sameFiles(tid1, tid2 int) (bool, error) {
	r, _, e := unix.Syscall6(unix.SYS_KCMP, uintptr(tid1), uintptr(tid2), kcmpFiles, 0, 0, 0)
	if e != 0 {
		return false, fmt.Errorf("kcmp(%d, %d, KCMP_FILES): %w", tid1, tid2, e)
	}
	return r == 0, nil
}
