// Command ipcbench-worker runs one side of an ipcbench case. ipcbench starts
// it in place of re-executing itself where it lies beside ipcbench, built
// from the same source (harness.WorkerExeName says when): a 5 MB binary
// instead of ipcbench's 39 MB. Side by side on one shared CPU, ipcbench's
// 1-byte pipe round trip took 1.069 (median of 30 shuffled rounds) of
// the same run with this worker, which came out at 0.99 of a C program
// making the same calls. Build both together:
//
//	go build -o bin/ ./cmd/ipcbench ./cmd/ipcbench-worker
package main

import (
	"fmt"
	"os"

	"github.com/ipcbench/ipcbench/harness"
)

func main() {
	// The arguments ipcbench gives every worker: worker --spec JSON.
	if len(os.Args) != 4 || os.Args[1] != "worker" || os.Args[2] != "--spec" {
		fmt.Fprintln(os.Stderr, "ipcbench-worker: ipcbench run starts this for each side of a case; it is not run by hand")
		os.Exit(2)
	}
	os.Exit(harness.WorkerMain(os.Args[3]))
}
