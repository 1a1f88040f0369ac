package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
)

// session is one case whose workers and kernel objects stay alive from
// its first round to its last, so that a round boundary costs a short
// warm-up rather than two process starts (about 55 ms on a 2-vCPU VM).
type session struct {
	r      *caseRun
	base   results.Case // what is known before any round: the model, the depth
	rounds int          // rounds started
	err    error        // why the session ended early; every later round fails with it
	closed bool
}

// openCase checks that c can run here, then prepares its kernel objects
// and spawns its workers. A case that cannot run comes back as its result,
// skipped or failed, with no session.
func openCase(c Case) (*session, results.Case) {
	out := results.Case{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes}
	desc, ok := transports.Lookup(c.Transport)
	if !ok {
		out.Status, out.Reason = results.StatusFailed, fmt.Sprintf("unknown transport %q", c.Transport)
		return nil, out
	}
	wl, ok := workloads.Lookup(c.Workload)
	if !ok {
		out.Status, out.Reason = results.StatusFailed, fmt.Sprintf("unknown workload %q", c.Workload)
		return nil, out
	}
	out.ModelCopies, out.ModelSyscalls = desc.Model.CopiesPerMsg, desc.Model.SyscallsPerMsg
	if skip := skipReason(desc, wl, c); skip != "" {
		out.Status, out.Reason = results.StatusSkipped, skip
		return nil, out
	}
	s := &session{r: &caseRun{c: c, tr: desc, wl: wl}}
	err := s.r.prepare()
	if err == nil {
		recordDepth(s.r.setup, &out)
		err = s.r.spawn()
	}
	if err != nil {
		if s.r.reaped != nil {
			stopAll(s.r.workers, s.r.reaped)
		}
		return nil, withError(out, s.r.tearDown(err))
	}
	s.base = out
	return s, out
}

// withError is out failed with err, or skipped where err says the host
// cannot run the case; a failure keeps no figure.
func withError(out results.Case, err error) results.Case {
	if errors.Is(err, transports.ErrUnsupported) {
		out.Status, out.Reason = results.StatusSkipped, err.Error()
		return out
	}
	return results.Case{Transport: out.Transport, Workload: out.Workload, SizeBytes: out.SizeBytes,
		Status: results.StatusFailed, Reason: err.Error()}
}

// round runs one measured window of the case and returns its result.
// After a failure the session is over: its workers are stopped, and this
// and every later round return that failure.
func (s *session) round(ctx context.Context) results.Case {
	if s.err != nil {
		return withError(s.base, s.err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.r.c.timeout())
	defer cancel()
	out := s.base
	if err := s.measure(ctx, &out); err != nil {
		s.err = err
		stopAll(s.r.workers, s.r.reaped)
		return withError(out, err)
	}
	if out.Status == "" { // summarizeRate may have found it saturated
		out.Status = results.StatusOK
	}
	return out
}

// measure starts a round (the first is started by the spawn), releases
// the workers together from the start barrier, and collects and checks
// their reports.
func (s *session) measure(ctx context.Context, out *results.Case) error {
	r := s.r
	if s.rounds > 0 {
		if err := r.nextRound(); err != nil {
			return err
		}
	}
	s.rounds++
	if err := r.barrier(ctx, s.rounds == 1); err != nil {
		return err
	}
	defer r.scheduleStall()() // a test's stalled consumer (Hooks.StallNs); always resumed
	reps, err := r.collect(ctx)
	if err != nil {
		return err
	}
	if r.relay != nil {
		if err := r.relay.verify(); err != nil {
			return err
		}
	}
	return summarize(r.c, r.wl, r.workers, reps, out)
}

// onceOnly reports whether the session, still good, cannot run another
// round: a relay's files are transferred once, so each of its rounds is a
// fresh session.
func (s *session) onceOnly() bool { return s.err == nil && s.r.wl.File }

// close ends the workers and removes every object the session made; a
// failure to do either is the error.
func (s *session) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.err == nil {
		err = s.r.awaitExit()
	}
	stopAll(s.r.workers, s.r.reaped)
	return s.r.tearDown(err)
}

// finish closes the session after its last round, out; a failure to end
// or clean up fails out.
func (s *session) finish(out results.Case) results.Case {
	if err := s.close(); err != nil && out.Status != results.StatusFailed {
		return withError(out, err)
	}
	return out
}
