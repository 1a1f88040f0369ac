package transports

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipcbench/ipcbench/shm"
	"golang.org/x/sys/unix"
)

// TestCreatedObjectsArePrivate creates each transport's objects as the
// parent does and checks their permissions: FIFO directories 0700 with 0600
// FIFOs, System V objects 0600 in the namespace, POSIX queues 0600, and
// nothing anyone else can write.
func TestCreatedObjectsArePrivate(t *testing.T) {
	for _, name := range []string{"fifo", "sysv-shm", "sysv-msg", "posix-mq"} {
		t.Run(name, func(t *testing.T) {
			d, _ := Lookup(name)
			s, err := d.New(Options{MessageBytes: 64})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			args := s.Handoff(SideA).Args
			switch name {
			case "fifo":
				dir := filepath.Dir(args[0])
				if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
					t.Errorf("FIFO dir %s: %v, mode %v; want 0700", dir, err, st.Mode().Perm())
				}
				for _, p := range args {
					if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 || st.Mode().Perm()&0o077 != 0 {
						t.Errorf("FIFO %s: %v, mode %v; want a FIFO no one else can open", p, err, st.Mode())
					}
				}
			case "sysv-shm", "sysv-msg":
				kinds := map[string][]string{"sysv-shm": {"shm", "sem"}, "sysv-msg": {"msg"}}[name]
				for i, kind := range kinds {
					id, _ := strconv.Atoi(args[i])
					if err := shm.CheckOwned(kind, id); err != nil {
						t.Error(err)
					}
				}
			case "posix-mq":
				for _, q := range args {
					mqd, err := shm.MqOpen(q, unix.O_RDONLY, 0, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := shm.CheckOwnedQueue(mqd, q); err != nil {
						t.Error(err)
					}
					unix.Close(mqd)
				}
			}
		})
	}
}
