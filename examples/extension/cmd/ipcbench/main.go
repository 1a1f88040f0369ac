// Command ipcbench is ipcbench with the pipe-lenprefix example transport
// registered beside the built-ins. Its workers are this binary too, so
// the transport runs in them as the built-ins do.
package main

import (
	"os"

	"github.com/ipcbench/ipcbench/cli"
	_ "github.com/ipcbench/ipcbench/examples/extension/lenprefix" // registers pipe-lenprefix
)

func main() { os.Exit(cli.Main()) }
