package transports

import (
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/shm"
)

// TestSysvShmAttachedTwice reads IPC_STAT while both ends are attached and
// after the parent has marked the segment: nattch is 2, then the key is gone.
func TestSysvShmAttachedTwice(t *testing.T) {
	d, _ := Lookup("sysv-shm")
	setup, err := d.New(Options{MessageBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	shmid := setup.(*sysvShmSetup).shmid
	var conns []Conn
	for _, side := range []Side{SideA, SideB} {
		c, err := d.Open(side, nil, setup.Handoff(side).Args, Options{MessageBytes: 64})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	st, err := shm.SegStat(shmid)
	if err != nil || st.Nattch != 2 {
		t.Fatalf("nattch = %d, %v; want 2", st.Nattch, err)
	}
	if err := setup.Attached(); err != nil {
		t.Fatal(err)
	}
	if st, err := shm.SegStat(shmid); err != nil || st.Perm.Key != 0 {
		t.Errorf("after Attached: key %#x, %v; want the segment marked for removal", st.Perm.Key, err)
	}
	// The marked segment still carries messages.
	msg := []byte(strings.Repeat("x", 64))
	if err := conns[0].Send(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 64)
	if err := conns[1].Recv(got); err != nil || string(got) != string(msg) {
		t.Fatalf("recv after IPC_RMID: %q, %v", got, err)
	}
	for _, c := range conns {
		c.Close()
	}
	if _, err := shm.SegStat(shmid); err == nil {
		t.Error("segment still exists after both detached")
	}
}
