// Package cli is ipcbench's command line: the cobra commands, each parsing
// its flags into an options struct and calling the packages that do the
// work. Main is its one exported name, and cmd/ipcbench's main calls it
// and nothing else, so that an
// out-of-tree module can build its own ipcbench with transports and
// workloads of its own registered beside the built-in ones
// (docs/extending.md): the workers it re-executes are that binary too.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results/store"
	_ "github.com/ipcbench/ipcbench/transports"
	"github.com/spf13/cobra"
)

// Exit codes, as hyperfine and benchstat users expect.
const (
	exitOK      = 0
	exitFailure = 1 // a case failed, a regression, or doctor found a problem
	exitUsage   = 2
	// exitUntested: a gate (compare, history --fail-on-regression) could
	// not test all it was given, e.g. one repetition a side; it did not
	// pass. --allow-untested turns it into 0.
	exitUntested = 3
)

// usageError marks an error in what the user asked for: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// exitError carries an exit code with a message already printed (or none).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Main runs ipcbench on the process's arguments and returns its exit
// status: 0 ok, 1 a failure or regression, 2 a usage error, 3 untested,
// 128+n ended by signal n. Register transports and workloads (from init
// functions) before calling it.
func Main() int {
	return run(os.Args[1:], os.Stdout, os.Stderr)
}

// run executes the command line and returns the exit status. A command
// whose output could not be written (stdout on a full disk, > /dev/full)
// did not succeed, whatever it returned: it exits 1 and says why.
func run(args []string, stdout, stderr io.Writer) int {
	out := &stdoutWriter{w: stdout}
	root := newRootCmd(out, stderr)
	root.SetArgs(joinStoreURL(args))
	cmd, err := root.ExecuteC()
	if out.err != nil {
		if err == nil || errors.Is(err, out.err) {
			err = fmt.Errorf("write stdout: %w", out.err)
		} else { // the command failed too: its own status stands
			fmt.Fprintf(stderr, "ipcbench: write stdout: %v\n", out.err)
		}
	}
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case strings.HasPrefix(err.Error(), "unknown command"): // cobra's error is untyped
		fmt.Fprintf(stderr, "ipcbench: %s\nRun '%s --help' for usage.\n", printable(errors.New(oneLine(err.Error()))), helpPath(cmd, root))
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ipcbench: %s\nRun '%s --help' for usage.\n", printable(err), helpPath(cmd, root))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "ipcbench: %s\n", printable(err))
		return exitFailure
	}
}

// helpPath is the command whose --help a usage error points to: the one
// that failed, or ipcbench itself where none was found.
func helpPath(cmd, root *cobra.Command) string {
	if cmd == nil {
		cmd = root
	}
	return cmd.CommandPath()
}

// oneLine folds cobra's unknown-command error, whose suggestions follow
// on lines of their own ("\n\nDid you mean this?\n\trun\n"), into one
// line: unknown command "rn" for "ipcbench" (did you mean ab or run?).
func oneLine(msg string) string {
	first, rest, _ := strings.Cut(msg, "\n")
	var near []string
	for _, l := range strings.Split(rest, "\n") {
		if strings.HasPrefix(l, "\t") {
			near = append(near, strings.TrimSpace(l))
		}
	}
	if len(near) > 0 {
		first += " (did you mean " + strings.Join(near, " or ") + "?)"
	}
	return first
}

// printable is an error's text with what could act on a terminal escaped
// (textsafe.Terminal) line by line: errors quote file names and contents
// that anyone who could write them chose. Any password is masked
// (store.Redact): an error may quote a store URL given as an argument.
func printable(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = textsafe.Terminal(store.Redact(l))
	}
	return strings.Join(lines, "\n")
}

// stdoutWriter is the stdout every command writes to. It remembers the
// first write error, so that run fails a command whose output was lost
// even where the command, printing with fmt.Fprintf, never looked. After
// an error it writes nothing more: no later line lands after a gap.
type stdoutWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (s *stdoutWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	s.err = err
	return n, err
}
