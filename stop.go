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
//
// A process that has no goroutine at the time (it waits for its first
// message, or hibernates) and no Terminate is stopped on the calling
// goroutine, since no callback has to run: the stop then costs no goroutine
// and no mailbox.
func Stop[D Dest](ctx context.Context, rt *Runtime, to D, reason error) error {
	reason = orNormal(reason)
	p, err := resolve(rt, to)
	if err == nil && p == ProcessOf(ctx) {
		err = ErrCallingSelf
	}
	if err == nil {
		if ok, reached := p.stopIdle(reason); ok {
			if reached == reason {
				return nil
			}
			err = &ExitError{PID: p.pid, Reason: reached}
		}
	}
	if err == nil {
		// A stop is a call whose answer is the exit: the caller's slot is on
		// the process's watcher list, which its exit completes with an
		// *ExitError after every linked and monitoring process is told.
		s := rt.slots.Get().(*callSlot)
		from := From{slot: s, seq: s.begin(0)}
		if caller := ProcessOf(ctx); caller != nil {
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

// stopIdle stops p on the calling goroutine when that takes no callback: p
// has no goroutine (it waits for its first message, or hibernates) and so no
// message to handle first, its server has no Terminate, the reason calls for
// no crash report, and nothing watches its callbacks (debugging, metrics).
// Stopping such a process through its mailbox would start a goroutine only
// to exit it. The claim (hib cleared under the lock) makes senders queue
// meanwhile, and the exit drops what they queued, as it arrived after the
// stop. It reports whether it stopped p, and then the reason p exited with:
// reason, unless another exit came first.
func (p *Process) stopIdle(reason error) (bool, error) {
	if IsAbnormal(reason) {
		return false, nil
	}
	p.mu.Lock()
	// With hib set no goroutine runs p: what the last one wrote (the
	// server, after a state replacement; the debug options) was written
	// before its Unlock.
	if p.state != alive || !p.hib || p.dbg != nil || p.ins != nil {
		p.mu.Unlock()
		return false, nil
	}
	if _, ok := p.srv.(Terminator); ok {
		p.mu.Unlock()
		return false, nil
	}
	p.hib = false
	p.mu.Unlock()
	if !p.exit(reason) {
		p.mu.Lock()
		reason = p.reason
		p.mu.Unlock()
	}
	return true, reason
}
