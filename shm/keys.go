//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"golang.org/x/sys/unix"
)

// ipcbench creates every System V object under a key in one namespace: a
// fixed high prefix plus random low bits. A `clean` command can then find the
// leftovers of a killed run, and nothing that belongs to anyone else.
const (
	KeyPrefix = 0x49500000 // "IP" in the high 16 bits
	KeyMask   = 0x0000FFFF
)

// InNamespace reports whether key is one of ipcbench's.
func InNamespace(key int) bool { return key&^KeyMask == KeyPrefix }

// Mode is the permission of every object ipcbench creates: owner only.
const Mode = 0o600

// createExcl calls create with fresh keys from the namespace, with
// IPC_CREAT|IPC_EXCL|Mode, until one is free, and records the new object of
// kind (shm, sem, msg) in this process's ledger; if it cannot, it removes
// the object again with remove.
func createExcl(what, kind string, create func(key, flags int) (int, error), remove func(id int) error) (id, key int, err error) {
	for range 64 {
		key = KeyPrefix | int(rand.Uint32()&KeyMask)
		id, err = create(key, unix.IPC_CREAT|unix.IPC_EXCL|Mode)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return id, key, err
		}
		if lerr := record(kind, key, id); lerr != nil {
			remove(id)
			return -1, 0, fmt.Errorf("%s: %w", what, lerr)
		}
		return id, key, nil
	}
	return -1, 0, fmt.Errorf("%s: 64 keys in the ipcbench namespace %#x were taken (run ipcbench clean): %w", what, KeyPrefix, err)
}
