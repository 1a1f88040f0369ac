package cli

import (
	"fmt"
	"io"
	"runtime"

	"github.com/ipcbench/ipcbench/hostinfo"
	"github.com/spf13/cobra"
)

// versionOptions configures ipcbench version.
type versionOptions struct {
	Out io.Writer
}

func newCmdVersion(stdout io.Writer) *cobra.Command {
	opts := &versionOptions{Out: stdout}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this ipcbench",
		Long: `Version prints what every results file records as ipcbench_version and
ipcbench_commit, and the Go version. The commit comes from the build's VCS
stamp (go build, go install); go run and go test stamp none, so then it is
read from the checkout the binary was compiled from (git rev-parse HEAD, and
git status --porcelain for "dirty"), and "unknown" where neither says.
ipcbench --version prints the same.`,
		Example: "  ipcbench version\n  ipcbench --version",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			return versionRun(opts)
		},
	}
}

func versionRun(o *versionOptions) error {
	_, err := io.WriteString(o.Out, versionText(hostinfo.Build()))
	return err
}

func versionText(b hostinfo.BuildInfo) string {
	dirty := "no"
	if b.Dirty {
		dirty = "yes: the tree had uncommitted changes"
	}
	from := "the build's VCS stamp"
	switch b.From {
	case "":
		from, dirty = "neither the build nor a checkout says", "unknown"
	case "build":
	default:
		from = "the checkout at " + b.From + " (this build carries no VCS stamp)"
	}
	return fmt.Sprintf("ipcbench %s\ncommit: %s\ndirty: %s\nfrom: %s\ngo: %s %s/%s\n",
		b.Version, b.Commit, dirty, from, b.GoVersion, runtime.GOOS, runtime.GOARCH)
}
