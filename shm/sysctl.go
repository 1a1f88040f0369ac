//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Sysctl reads an integer sysctl such as "kernel.msgmax" from /proc/sys.
func Sysctl(name string) (int, error) {
	path := "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read sysctl %s: %w", name, err)
	}
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// kernel.shmmax and kernel.shmall can exceed int64 (ULONG_MAX minus a bit).
		if u, uerr := strconv.ParseUint(s, 10, 64); uerr == nil && u > 1<<62 {
			return 1 << 62, nil
		}
		return 0, fmt.Errorf("parse sysctl %s=%q: %w", name, s, err)
	}
	return int(v), nil
}
