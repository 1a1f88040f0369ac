package harness

import _ "unsafe" // for go:linkname

// nanotime is the runtime's vDSO read of CLOCK_MONOTONIC, in nanoseconds. It
// is the raw clock, shared by every process on the host, so a timestamp taken
// in one worker can be subtracted from one taken in another (time.Now's
// monotonic reading is relative to process start and cannot). It costs a few
// tens of nanoseconds and makes no syscall, unlike unix.ClockGettime.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
