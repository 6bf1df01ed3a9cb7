package gen

import (
	"context"

	"github.com/gen-go/gen/internal/sysmsg"
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
// because Terminate panicked.
func Stop(ctx context.Context, rt *Runtime, to Dest, reason error) error {
	reason = orNormal(reason)
	fail := func(err error) error { return &CallError{Op: "stop", To: to, Request: reason, Err: err} }
	p, err := rt.resolve(to)
	if err != nil {
		return fail(err)
	}
	if p == processOf(ctx) {
		return fail(ErrCallingSelf)
	}
	ref := rt.MakeRef()
	ch := make(chan Down, 1)
	if !p.addMonitor(ref, monitor{ch: ch}) {
		return fail(ErrNoProc)
	}
	_ = p.push(envelope{kind: kSys, msg: &sysmsg.Msg{Kind: sysmsg.Terminate, Reason: reason}})
	select {
	case d := <-ch:
		if d.Reason == reason {
			return nil
		}
		return fail(&ExitError{PID: p.pid, Reason: d.Reason})
	case <-ctx.Done():
		p.removeMonitor(ref)
		return fail(ctx.Err())
	}
}
