//go:build linux && !(amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

// ipcbench builds for Linux on amd64, arm64, riscv64, loong64 and mips64:
// golang.org/x/sys has no direct semop(2) on 386, arm, mips, ppc64le or
// s390x, and the limits ipcbench reads do not fit a 32-bit int. Build with
// GOARCH=amd64 or arm64, or run it in such a VM or container.
//
// The undefined name below is the build error that says so.
var _ = ipcbench_builds_for_Linux_on_amd64_arm64_riscv64_loong64_or_mips64__build_with_GOARCH_amd64_or_arm64
