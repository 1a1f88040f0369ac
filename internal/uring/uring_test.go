//go:build linux

package uring

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestLayout checks the structures against include/uapi/linux/io_uring.h.
func TestLayout(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof io_uring_params", unsafe.Sizeof(params{}), 120},
		{"io_uring_params.sq_off", unsafe.Offsetof(params{}.SQOff), 40},
		{"io_uring_params.cq_off", unsafe.Offsetof(params{}.CQOff), 80},
		{"sizeof io_sqring_offsets", unsafe.Sizeof(sqringOffsets{}), 40},
		{"sizeof io_cqring_offsets", unsafe.Sizeof(cqringOffsets{}), 40},
		{"sizeof io_uring_sqe", unsafe.Sizeof(sqe{}), 64},
		{"io_uring_sqe.fd", unsafe.Offsetof(sqe{}.Fd), 4},
		{"io_uring_sqe.addr", unsafe.Offsetof(sqe{}.Addr), 16},
		{"io_uring_sqe.len", unsafe.Offsetof(sqe{}.Len), 24},
		{"io_uring_sqe.msg_flags", unsafe.Offsetof(sqe{}.OpFlags), 28},
		{"io_uring_sqe.user_data", unsafe.Offsetof(sqe{}.UserData), 32},
		{"io_uring_sqe.buf_index", unsafe.Offsetof(sqe{}.BufIndex), 40},
		{"io_uring_sqe.addr3", unsafe.Offsetof(sqe{}.Addr3), 48},
		{"sizeof io_uring_cqe", unsafe.Sizeof(cqe{}), 16},
		{"io_uring_cqe.res", unsafe.Offsetof(cqe{}.Res), 8},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestDo sends and receives over a socket pair through one ring, one
// io_uring_enter per operation.
func TestDo(t *testing.T) {
	r, err := Setup(8)
	if err == unix.ENOSYS || err == unix.EPERM {
		t.Skipf("io_uring_setup: %v (kernel without io_uring, kernel.io_uring_disabled, or a seccomp filter)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	out, in := []byte("hello, ring"), make([]byte, 11)
	var calls, eintr uint64
	for i := range 20 { // more than the ring's 8 entries: slots are reused
		if n, err := r.Do(OpSend, fds[0], out, unix.MSG_NOSIGNAL, &calls, &eintr); err != nil || n != int32(len(out)) {
			t.Fatalf("round %d: send = %d, %v", i, n, err)
		}
		if n, err := r.Do(OpRecv, fds[1], in, unix.MSG_WAITALL, &calls, &eintr); err != nil || n != int32(len(in)) || string(in) != string(out) {
			t.Fatalf("round %d: recv = %d %q, %v", i, n, in, err)
		}
	}
	if calls != 40+eintr {
		t.Errorf("%d io_uring_enter calls (%d interrupted) for 40 operations", calls, eintr)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
