package harness

// tscReadable: this architecture has a TSC the loops can read (rdtsc).
const tscReadable = true

// rdtsc reads the time-stamp counter with a plain RDTSC: about 13 ns here,
// against 27 ns with an LFENCE before it, 26 ns for RDTSCP and 32 ns for
// the vDSO's CLOCK_MONOTONIC (which fences its own read). Unfenced, RDTSC
// may execute a few tens of cycles before an earlier load completes. In
// the loops it follows a Recv whose exit branch depends on that load (the
// ring's head, the length read(2) returned), so a read runs early by at
// most the few nanoseconds the branch takes to resolve: an error well
// below one message's latency, and the same on every message.

func rdtsc() int64
