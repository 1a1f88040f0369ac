//go:build !linux

package uring

// ipcbench measures Linux IPC: System V shared memory, semaphores and
// message queues, POSIX message queues, futexes, pipes and sockets, through
// Linux system calls. It builds only for Linux. On macOS or Windows, run it
// in a Linux VM or container, for example:
//
//	docker run --rm -v "$PWD":/src -w /src golang:1.26 go run ./cmd/ipcbench run
//
// The undefined name below is the build error that says so.
var _ = ipcbench_measures_Linux_IPC__build_and_run_it_on_Linux_or_in_a_Linux_VM_or_container
