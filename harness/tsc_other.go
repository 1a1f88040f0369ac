//go:build !amd64

package harness

// tscReadable: the loops read the TSC on amd64 only; hostinfo.TSC refuses
// it elsewhere, so rdtsc is never called.
const tscReadable = false

func rdtsc() int64 { panic("harness: rdtsc on a host without the TSC") }
