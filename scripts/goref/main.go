// Command goref is the Go reference for ipcbench's pipe pingpong: two Go
// processes, set up as ipcbench sets up its workers (one locked thread,
// GOMAXPROCS=1, GC off, no preemption signal, every thread pinned), making
// the same raw read(2)/write(2) calls as scripts/cref/pipe_pingpong.c and
// timing them the same way. Side by side with the C program and ipcbench it
// splits the gap between them into what any Go process costs and what
// ipcbench's loop adds: -hist records each sample in an HDR histogram, and
// -verify checks each reply against its template, as ipcbench's loop does.
//
//	go build -o /tmp/goref ./scripts/goref
//	/tmp/goref -iters 100000 -size 1 -cpus 0,0 [-hist] [-verify]
//
// scripts/vs-c.sh runs it beside the C program and ipcbench.
//
// It prints the mean and median round trip in ns, as the C program does.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

const childEnv = "GOREF_CHILD"

func main() {
	iters := flag.Int("iters", 100000, "round trips measured, after a tenth as many to warm up")
	size := flag.Int("size", 1, "message size in bytes")
	cpus := flag.String("cpus", "", "CPUs of initiator and echoer, as in 0,1; empty: not pinned")
	hist := flag.Bool("hist", false, "record each round trip in an HDR histogram, as ipcbench does")
	verify := flag.Bool("verify", false, "compare each message with its template, as ipcbench does")
	flag.Parse()
	runtime.LockOSThread()
	debug.SetGCPercent(-1)
	if os.Getenv(childEnv) != "" {
		echo(*iters+*iters/10, *size, *verify)
		return
	}
	if err := run(*iters, *size, *cpus, *hist, *verify); err != nil {
		fmt.Fprintln(os.Stderr, "goref:", err)
		os.Exit(1)
	}
}

// pin pins the calling thread, and so every thread a process it then
// starts will have, to cpu (ipcbench's startPinned).
func pin(cpu string) error {
	n, err := strconv.Atoi(cpu)
	if err != nil {
		return fmt.Errorf("bad CPU %q", cpu)
	}
	var set unix.CPUSet
	set.Set(n)
	return unix.SchedSetaffinity(0, &set)
}

func run(iters, size int, cpus string, hist, verify bool) error {
	var ab, ba [2]int
	if err := unix.Pipe2(ab[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	if err := unix.Pipe2(ba[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	a, b, pinned := strings.Cut(cpus, ",")
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1", "GOMAXPROCS=1", "GOGC=off", "GODEBUG=asyncpreemptoff=1")
	cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(ab[0]), "ab"), os.NewFile(uintptr(ba[1]), "ba")} // fds 3, 4
	cmd.Stderr = os.Stderr
	if pinned {
		if err := pin(b); err != nil {
			return err
		}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if pinned {
		if err := pin(a); err != nil {
			return err
		}
	}
	rtt, err := initiate(ab[1], ba[0], iters, size, hist, verify)
	if werr := cmd.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	var sum int64
	for _, r := range rtt {
		sum += r
	}
	slices.Sort(rtt)
	fmt.Printf("go pipe pingpong size=%d iters=%d hist=%v verify=%v mean_rtt_ns=%.1f p50_rtt_ns=%d\n",
		size, iters, hist, verify, float64(sum)/float64(iters), rtt[iters/2])
	return nil
}

func full(trap uintptr, fd int, p []byte) error {
	for len(p) > 0 {
		n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		if n == 0 {
			return fmt.Errorf("pipe closed")
		}
		p = p[n:]
	}
	return nil
}

func templates(size int) [4][]byte {
	var t [4][]byte
	for v := range t {
		t[v] = make([]byte, size)
		for i := range t[v] {
			t[v][i] = byte(i*7 + v)
		}
	}
	return t
}

// initiate is the C program's loop, and ipcbench's: the next request goes
// out as soon as a reply is in, then the clock is read.
func initiate(wfd, rfd, iters, size int, hist, verify bool) ([]int64, error) {
	tmpl, buf := templates(size), make([]byte, size)
	h := hdrhistogram.New(1, 3600e9, 3)
	for i := range iters / 10 {
		if err := full(unix.SYS_WRITE, wfd, tmpl[i%4]); err != nil {
			return nil, err
		}
		if err := full(unix.SYS_READ, rfd, buf); err != nil {
			return nil, err
		}
	}
	rtt := make([]int64, iters)
	lastSent := nanotime()
	if err := full(unix.SYS_WRITE, wfd, tmpl[0]); err != nil {
		return nil, err
	}
	prev := nanotime()
	for i := range iters {
		if err := full(unix.SYS_READ, rfd, buf); err != nil {
			return nil, err
		}
		if i+1 < iters {
			if i+2 == iters {
				lastSent = nanotime()
			}
			if err := full(unix.SYS_WRITE, wfd, tmpl[(i+1)%4]); err != nil {
				return nil, err
			}
		}
		t := nanotime()
		if i+1 == iters {
			prev = lastSent
		}
		rtt[i] = t - prev
		prev = t
		if hist {
			_ = h.RecordValue(rtt[i])
		}
		if verify && !bytes.Equal(buf, tmpl[i%4]) {
			return nil, fmt.Errorf("reply %d corrupted", i)
		}
	}
	return rtt, nil
}

func echo(n, size int, verify bool) {
	tmpl, buf := templates(size), make([]byte, size)
	warm := n - n*10/11
	for i := range n {
		if err := full(unix.SYS_READ, 3, buf); err != nil {
			fmt.Fprintln(os.Stderr, "goref echo:", err)
			os.Exit(1)
		}
		if err := full(unix.SYS_WRITE, 4, buf); err != nil {
			fmt.Fprintln(os.Stderr, "goref echo:", err)
			os.Exit(1)
		}
		want := i % 4 // the warm-up's messages, then the measured ones from 0 again
		if i >= warm {
			want = (i - warm) % 4
		}
		if verify && !bytes.Equal(buf, tmpl[want]) {
			fmt.Fprintf(os.Stderr, "goref echo: message %d corrupted\n", i)
			os.Exit(1)
		}
	}
}
