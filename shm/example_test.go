//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm_test

import (
	"fmt"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// The lifecycle of a segment, from create to IPC_RMID, as ipcbench uses it:
// create, attach everywhere, mark for removal at once, and detach.
func ExampleSegCreate() {
	id, _, err := shm.SegCreate(4096)
	if err != nil {
		fmt.Println(err)
		return
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		shm.SegRemove(id)
		fmt.Println(err)
		return
	}
	// Once every process has attached, mark it: it now goes away with the
	// last detach, even if every process is killed.
	if err := shm.SegRemove(id); err != nil {
		fmt.Println(err)
	}
	copy(mem, "hello")
	d, _ := shm.SegStat(id)
	fmt.Println(string(mem[:5]), "attached:", d.Nattch)
	unix.SysvShmDetach(mem)
	_, err = shm.SegStat(id)
	fmt.Println("after detach:", err != nil)
	// Output:
	// hello attached: 1
	// after detach: true
}
