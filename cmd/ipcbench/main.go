// Command ipcbench benchmarks Linux inter-process communication across
// separate processes: latency, throughput, CPU, syscalls and copies per
// message. The command line lives in package cli, so that extensions can
// build an ipcbench of their own (docs/extending.md).
package main

import (
	"os"

	"github.com/ipcbench/ipcbench/cli"
)

func main() { os.Exit(cli.Main()) }
