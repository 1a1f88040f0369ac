package cli

import (
	"io"
	"strings"

	"github.com/ipcbench/ipcbench/hostinfo"
	"github.com/spf13/cobra"
)

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ipcbench",
		Short: "Benchmark Linux IPC mechanisms across separate processes",
		Long: `ipcbench runs the same producer/consumer workloads over pipes, FIFOs, Unix
sockets, TCP loopback and more, each side in its own process, and measures
latency, throughput, CPU time, syscalls and copies per message.

Exit status: 0 ok, 1 a failed case, a regression or a doctor problem, 2 bad
flags or input, 3 a gate (compare, history, changes --fail-on-regression) that
could not test all it was given; each command's help says which it uses.`,
		Example: `  ipcbench run                                  # every default transport, both workloads, 64 B and 64 KiB
  ipcbench run --transports pipe,tcp --sizes 1,4K --duration 2s
  ipcbench list                                 # transports, copy models, max sizes on this host
  ipcbench run --report                         # run, then write ./ipcbench-report/index.html
  ipcbench report a.json b.json -o cmp          # compare two runs in plots
  ipcbench compare base.json new.json           # significance-tested deltas; exit 1 on a regression
  ipcbench ab /tmp/base-bin /tmp/new-bin --workloads pingpong  # alternate two builds, then compare
  ipcbench history nightly/ --plot trend.png    # one metric over many runs, steps flagged
  ipcbench changes --store --since 90d          # change points per host, told apart as code or host
  ipcbench export --format benchfmt run.json    # the Go benchmark format, for benchstat
  ipcbench --version                            # version, commit (dirty or not), Go version`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// --version prints what ipcbench version does; cobra adds the flag
	// when Version is set. The template asks git (see hostinfo.Build) only
	// when --version is given, not on every start of a worker.
	root.Version = "devel"
	cobra.AddTemplateFunc("ipcbenchVersion", func() string { return versionText(hostinfo.Build()) })
	root.SetVersionTemplate(`{{ipcbenchVersion}}`)
	root.SetFlagErrorFunc(flagError)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newCmdRun(stdout, stderr), newCmdList(stdout), newCmdReport(stderr), newCmdCompare(stdout, stderr), newCmdAB(stdout, stderr), newCmdExport(stdout), newCmdHistory(stdout, stderr), newCmdChanges(stdout, stderr), newCmdStore(stdout, stderr), newCmdClean(stdout, stderr), newCmdDoctor(stdout, stderr), newCmdVersion(stdout), newCmdWorker())
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(flagError)
	}
	registerCompletions(root)
	for _, c := range root.Commands() {
		refuseUnknownSubcommands(c)
	}
	return root
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// refuseUnknownSubcommands makes a command that only groups others (store)
// refuse an unknown subcommand as a usage error with the nearest name,
// where cobra would print the group's help and exit 0; alone, it still
// prints its help.
func refuseUnknownSubcommands(c *cobra.Command) {
	if c.Runnable() || !c.HasSubCommands() {
		return
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return usagef("unknown command %q for %q%s; known: %s", args[0], cmd.CommandPath(), didYouMean(args[0], names), strings.Join(names, ", "))
	}
}
