package harness

import (
	"unsafe" // for go:linkname, and the clock_gettime argument

	"golang.org/x/sys/unix"
)

// nanotime is the runtime's vDSO read of CLOCK_MONOTONIC, in nanoseconds. It
// is the raw clock, shared by every process on the host, so a timestamp taken
// in one worker can be subtracted from one taken in another (time.Now's
// monotonic reading is relative to process start and cannot). It costs a few
// tens of nanoseconds and makes no syscall, unlike unix.ClockGettime.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// threadCPUNs is the CPU time this thread has run, in nanoseconds
// (CLOCK_THREAD_CPUTIME_ID, a system call): time spent waiting for a CPU
// is not in it, so a figure timed with it holds on a loaded host. A raw
// call: the worker's one locked thread keeps its P.
func threadCPUNs() int64 {
	var ts unix.Timespec
	unix.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_THREAD_CPUTIME_ID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}
