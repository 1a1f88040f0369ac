//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

// Package shm wraps the System V and POSIX IPC calls that golang.org/x/sys/unix
// lacks: semaphores (semget, semop, semtimedop, semctl), message queues
// (msgget, msgsnd, msgrcv, msgctl), POSIX message queues (mq_open,
// mq_timedsend, mq_timedreceive, mq_getsetattr, mq_unlink) and futexes on
// shared memory (FUTEX_WAIT, FUTEX_WAKE), plus the key namespace every
// ipcbench object is created in. Segments use x/sys's SysvShm*.
//
// Every call retries EINTR: Go's preemption signals interrupt these calls and
// SA_RESTART never restarts System V IPC calls. The calls that block on the
// measured path (semop, msgsnd, msgrcv, mq_timedsend, mq_timedreceive,
// FUTEX_WAIT) are raw syscalls: they block the OS thread without telling the
// Go runtime, which is what a benchmark worker on one locked thread wants and
// what a program with other goroutines to run does not.
//
// Each call keeps its own retry loop rather than sharing a helper: a pointer
// converted to uintptr stays valid only inside the syscall call expression
// itself, so the conversion cannot be passed through another function.
package shm
