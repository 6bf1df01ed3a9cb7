package gen

import (
	"context"
	"errors"
)

// Stop asks the server at to to stop with reason (nil means [ErrNormal]) and
// waits until it has exited: Terminate runs with reason, and the process's
// name is released before Stop returns. The request is a system message, so
// it is handled after the messages already queued, and also while the server
// is suspended.
//
// ctx bounds the wait only; with no deadline Stop waits as long as it takes
// (Erlang's infinity). Stop fails with a *[CallError] wrapping [ErrNoProc]
// when there is no such process, [ErrCallingSelf] when a process stops
// itself, ctx.Err() when ctx is done first (the server keeps stopping), or an
// [*ExitError] when the process exited with another reason, for example
// because Terminate panicked. D is inferred from to, as in [Call].
func Stop[D Dest](ctx context.Context, rt *Runtime, to D, reason error) error {
	reason = orNormal(reason)
	p, err := resolve(rt, to)
	if err == nil && p == processOf(ctx) {
		err = ErrCallingSelf
	}
	if err == nil {
		// A stop is a call whose answer is the exit: the caller's slot is on
		// the process's watcher list, which its exit completes with an
		// *ExitError after every linked and monitoring process is told.
		s := rt.slots.Get().(*callSlot)
		from := From{slot: s, seq: s.begin(0)}
		if caller := processOf(ctx); caller != nil {
			from.caller = caller
		}
		if err = p.pushCall(&envelope{kind: kStop, msg: reason, from: from}); err != nil {
			s.state.Store(0)
			rt.slots.Put(s)
		} else {
			err = s.wait(ctx, p, from.seq)
			rt.slots.Put(s)
			var ee *ExitError
			if errors.As(err, &ee) && ee.Reason == reason {
				return nil
			}
		}
	}
	return &CallError{Op: "stop", To: Dest(to), Request: reason, Err: err}
}
