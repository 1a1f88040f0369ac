package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results/store"
	"github.com/spf13/pflag"
)

// storeDefault is --store's value when given alone: the default store.
const storeDefault = "default"

// storeFlag is --store[=URL] and --store-timeout, shared by run, history,
// compare, report and store's subcommands.
type storeFlag struct {
	url     string
	timeout time.Duration
	flags   *pflag.FlagSet
	// stderr takes the warning that --store holds a password; nil is
	// os.Stderr.
	stderr io.Writer
}

const storeUsage = `results store: postgres://… (shared; the password in PGPASSWORD or ~/.pgpass), sqlite:PATH or PATH.db; alone, $` + store.EnvURL + ` or the per-user SQLite file (docs/store.md)`

func (s *storeFlag) register(f *pflag.FlagSet) {
	s.flags = f
	f.StringVar(&s.url, "store", "", storeUsage)
	f.Lookup("store").NoOptDefVal = storeDefault
	f.DurationVar(&s.timeout, "store-timeout", store.DefaultTimeout, "give up on the store after waiting this long to connect, for a lock or for a statement (docs/store.md)")
}

// given says whether --store was given, with a value or alone.
func (s *storeFlag) given() bool { return s.changed("store") }

func (s *storeFlag) changed(name string) bool {
	return s.flags != nil && s.flags.Changed(name)
}

// checkUnused refuses --store-timeout without --store, for a command that
// uses a store only when --store is given.
func (s *storeFlag) checkUnused() error {
	if !s.given() && s.changed("store-timeout") {
		return usagef("--store-timeout bounds the waits on a store: give --store too, or drop it")
	}
	return nil
}

// source returns the store URL to open and what gave it, for messages:
// --store URL, $IPCBENCH_STORE (--store alone, or no --store where a
// command always opens a store), or the per-user default file.
func (s *storeFlag) source() (raw, from string, err error) {
	switch {
	case s.url == "" && s.given():
		return "", "", usagef("--store is empty: give %s, or --store alone for $%s or the per-user SQLite file", store.AcceptedForms, store.EnvURL)
	case s.url != "" && s.url != storeDefault:
		return s.url, "--store", nil
	}
	if env := os.Getenv(store.EnvURL); env != "" {
		return env, "$" + store.EnvURL, nil
	}
	u, err := store.DefaultURL()
	if err != nil {
		return "", "", usageError{err}
	}
	return u, "the default store", nil
}

// open opens the store --store names, the default one for "--store"
// alone. A URL that cannot be read is a usage error naming where it came
// from; a server that cannot be reached or a store this ipcbench cannot
// use is a failure. Each wait is bounded by --store-timeout, and the
// whole open by twice that, so that the wait that ran out is the one
// named.
func (s *storeFlag) open(ctx context.Context) (*store.Store, error) {
	raw, from, err := s.source()
	if err != nil {
		return nil, err
	}
	loc, err := store.ParseURL(raw)
	if err != nil {
		return nil, usagef("%s: %v", from, err)
	}
	if s.timeout <= 0 {
		return nil, usagef("--store-timeout %s: want a duration above 0, e.g. 30s", s.timeout)
	}
	if from == "--store" && loc.HasPassword() {
		s.warnPassword()
	}
	ctx, cancel := context.WithTimeout(ctx, 2*s.timeout)
	defer cancel()
	st, err := store.OpenWith(ctx, raw, store.Options{Timeout: s.timeout})
	if errors.Is(err, safeout.ErrSymlink) || errors.Is(err, safeout.ErrNotRegular) || errors.Is(err, safeout.ErrNotOwned) || errors.Is(err, store.ErrShared) {
		return nil, usagef("%s: %v", from, err)
	}
	return st, err
}

// warnPassword says, without the password, that --store put one where
// every user of the host can read it, and how to give it instead.
func (s *storeFlag) warnPassword() {
	w := s.stderr
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "ipcbench: warning: --store holds a password, and ps shows a command line to every user of this host: give the password in PGPASSWORD or ~/.pgpass, or the whole URL in $%s with --store alone (docs/store.md)\n", store.EnvURL)
}

// laterCommand is a command that stores the results file at path in this
// store later, with no password on it: --store alone where the URL came
// from $IPCBENCH_STORE or is the default, else the URL with its password
// left out, to be given in PGPASSWORD or ~/.pgpass.
func (s *storeFlag) laterCommand(loc store.Location, path string) string {
	cmd := "ipcbench store add " + shellQuote(path) + " --store"
	switch _, from, _ := s.source(); from {
	case "$" + store.EnvURL:
		return textsafe.Terminal(cmd) + " (with $" + store.EnvURL + " set as it is now)"
	case "--store":
		cmd += "=" + shellQuote(loc.WithoutPassword())
		if loc.HasPassword() {
			return textsafe.Terminal(cmd) + " (with the password in PGPASSWORD or ~/.pgpass)"
		}
	}
	return textsafe.Terminal(cmd)
}

// shellSafe matches a word a POSIX shell takes as it is.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

// shellQuote writes s as one word for a POSIX shell.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// joinStoreURL lets "--store URL" be written with a space, as every other
// flag is, although "--store" alone means the default store: a --store
// followed by what can only be a store URL (postgres://…, sqlite:…, a
// path ending .db, .sqlite or .sqlite3) takes it as its value.
func joinStoreURL(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--store" && i+1 < len(args) && store.LooksLikeURL(args[i+1]) {
			out = append(out, "--store="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}
