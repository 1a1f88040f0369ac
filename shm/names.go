//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// NamePrefix begins the name of every POSIX queue and temp dir ipcbench
// makes. The lister, the leak check and clean look only at names with it;
// the ledger and a temp dir's marker, never the name, prove that ipcbench
// made an object.
const NamePrefix = "ipcbench-"

// Name is the name of a POSIX queue or temp dir ipcbench makes:
//
//	ipcbench-<kind>-<pid>-<16 hex digits>[-<role>]
//
// for example ipcbench-mq-4711-9f86d081884c7d65-a2b. Kind and Role are
// lowercase letters and digits. Pid is the creator's pid in its own pid
// namespace, for people to read: a pid is reused, so it proves nothing.
type Name struct {
	Kind   string // what made it: mq, fifo, relay
	Pid    int
	Random uint64 // makes the name unique
	Role   string // optional: which of a creator's objects (a2b, b2a)
}

// NewName returns a fresh name of kind for this process.
func NewName(kind, role string) Name {
	return Name{Kind: kind, Pid: os.Getpid(), Random: rand.Uint64(), Role: role}
}

func (n Name) String() string {
	s := fmt.Sprintf("%s%s-%d-%016x", NamePrefix, n.Kind, n.Pid, n.Random)
	if n.Role != "" {
		s += "-" + n.Role
	}
	return s
}

// ParseName parses a name that NewName made; it accepts only the canonical
// form, so that a parsed name prints back as s.
func ParseName(s string) (Name, error) {
	var n Name
	fields := strings.Split(strings.TrimPrefix(s, NamePrefix), "-")
	if !strings.HasPrefix(s, NamePrefix) || len(fields) < 3 || len(fields) > 4 {
		return n, fmt.Errorf("%q is not an ipcbench name (%s<kind>-<pid>-<16 hex digits>[-<role>])", s, NamePrefix)
	}
	n.Kind = fields[0]
	pid, err1 := strconv.Atoi(fields[1])
	random, err2 := strconv.ParseUint(fields[2], 16, 64)
	n.Pid, n.Random = pid, random
	if len(fields) == 4 {
		n.Role = fields[3]
	}
	if err1 != nil || err2 != nil || pid <= 0 || !lowerAlnum(n.Kind) || len(fields) == 4 && !lowerAlnum(n.Role) || n.String() != s {
		return n, fmt.Errorf("%q is not an ipcbench name (%s<kind>-<pid>-<16 hex digits>[-<role>])", s, NamePrefix)
	}
	return n, nil
}

func lowerAlnum(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
}
