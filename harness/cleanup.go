package harness

import (
	"errors"
	"fmt"
	"sync"
)

// live holds the teardown of every case in flight, so that a runner that
// must exit at once (a second SIGINT) can still remove the kernel objects
// and files those cases created. Workers need no entry: Pdeathsig kills
// them when the runner's spawning thread dies.
var live struct {
	sync.Mutex
	next     int
	cleanups map[int]func()
}

// onAbort registers f to run if Abort is called before the returned
// function unregisters it.
func onAbort(f func()) (unregister func()) {
	live.Lock()
	defer live.Unlock()
	if live.cleanups == nil {
		live.cleanups = map[int]func(){}
	}
	id := live.next
	live.next++
	live.cleanups[id] = f
	return func() {
		live.Lock()
		defer live.Unlock()
		delete(live.cleanups, id)
	}
}

// Abort runs the teardown of every case in flight, for a runner about to
// exit without waiting for them. Teardowns are safe to run twice, so a case
// that finishes its own at the same moment does no harm.
func Abort() {
	live.Lock()
	fs := make([]func(), 0, len(live.cleanups))
	for _, f := range live.cleanups {
		fs = append(fs, f)
	}
	live.Unlock()
	for _, f := range fs {
		f()
	}
}

// joinTeardown adds the error of a case's teardown to the case's own: a case
// that failed and then could not remove what it made must say both, or the
// leftover goes unreported behind the first error.
func joinTeardown(err error, what string, teardownErr error) error {
	if teardownErr == nil {
		return err
	}
	return errors.Join(err, fmt.Errorf("%s: tear down: %w", what, teardownErr))
}
