package gen

import (
	"context"
	"runtime/debug"
)

// Inline calls (WithInlineCalls).
//
// A call to a process that waits with an empty mailbox costs two goroutine
// switches, and on an otherwise idle machine each switch wakes an idle OS
// thread, which is most of a request's cost in a one-connection server. A
// process started with WithInlineCalls lets a caller that finds it waiting
// claim it (park state parkOpen -> parkInline) and run HandleCall on the
// caller's own goroutine: the process's goroutine stays parked, senders
// queue meanwhile, and the claim ends with the process waiting again (or
// woken, when messages came). Only the plainest state qualifies: no debug
// options, no callback timeout or hibernate_after pending, no pprof labels.
// A result other than a plain reply (NoReply, a stop, Continue, Hibernate,
// SetTimeout) is handed to the process's goroutine, and the caller waits for
// the reply as usual.

// WithInlineCalls lets callers run the process's HandleCall on their own
// goroutine when they find the process waiting with an empty mailbox, which
// spares two goroutine switches per call. The process's semantics stay: its
// callbacks never run concurrently, messages keep their order, a crash or a
// kill ends the process as usual. What differs is timing: while a HandleCall
// runs inline, its caller can return only when it has returned, so a caller
// whose deadline passes (or whose callee is killed) meanwhile learns so
// when the callback returns, not at once; the reply is then dropped as a
// late one. Use it for servers whose HandleCall is short and never blocks,
// such as a bucket of data; see the kv package.
func WithInlineCalls() StartOption {
	return func(c *startConfig) { c.inline = true }
}

// handover is an inline call's result that the process's goroutine acts on.
type handover struct {
	from  From
	reply any
	err   error
}

type inlineResult uint8

const (
	inlineNot    inlineResult = iota // not run: push the call as usual
	inlineDone                       // answered: reply and err are the call's
	inlineHanded                     // handed to the goroutine: wait on the slot
)

// callInline runs the call from f with request req on the calling
// goroutine. The caller has moved p's park state from parkOpen to
// parkInline, so it owns p: p's goroutine is parked on p.wake.
func (p *Process) callInline(ctx context.Context, f From, req any) (any, error, inlineResult) {
	if p.act != actNone || p.hibernateAfter > 0 || p.dbg != nil || p.callH == nil ||
		(p.ins != nil && p.ins.profile) {
		p.releaseInline(false)
		return nil, nil, inlineNot
	}
	p.last, p.lastFrom = req, f.caller
	if p.ins != nil {
		p.enteredMsg(kCall, req)
	}
	reply, err, crash := p.handleInline(f, req)
	switch {
	case p.dead.Load():
		// Killed meanwhile (or it exited itself): the result is dropped,
		// as on the goroutine, and the goroutine is woken to end.
		p.releaseInline(false)
		p.failInline(f)
	case crash != nil:
		// A panic: the process ends here, as its goroutine would end it.
		p.terminate(crash, nil)
		p.exit(p.exitReason)
		p.releaseInline(false)
		p.failInline(f)
	case err == nil && p.act == actNone:
		p.releaseInline(false)
		s := f.slot
		if s.state.CompareAndSwap(f.seq, 0) {
			if done := ctx.Done(); done != nil && ctx.Err() != nil {
				return nil, ctx.Err(), inlineDone // too late: dropped, as a late reply is
			}
			return reply, nil, inlineDone
		}
		// Answered already (a Reply(f) in the callback) or timed out.
	default:
		// NoReply, a stop, or an action for after the callback: the
		// goroutine does the rest; the caller waits for the reply.
		p.mu.Lock()
		if p.state == alive {
			p.watchLocked(f)
		}
		p.mu.Unlock()
		p.handover = &handover{from: f, reply: reply, err: err}
		p.releaseInline(true)
		return nil, nil, inlineHanded
	}
	s := f.slot
	<-s.ch
	reply, err = s.reply, s.err
	s.reply, s.err, s.unlinked = nil, nil, false
	return reply, err, inlineDone
}

// handleInline runs HandleCall, recovering a panic into crash unless the
// runtime passes panics through.
func (p *Process) handleInline(f From, req any) (reply any, err error, crash *PanicError) {
	if !p.rt.passPanic {
		defer func() {
			if r := recover(); r != nil {
				crash = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
	} else {
		// The panic goes on up the caller's goroutine; the process must
		// not stay claimed behind it.
		defer func() {
			if r := recover(); r != nil {
				p.exit(&PanicError{Value: r, Stack: debug.Stack()})
				p.releaseInline(false)
				panic(r)
			}
		}()
	}
	reply, err = p.callH.HandleCall(p, f, req)
	return reply, err, nil
}

// failInline completes the inline call from f with the exit reason of p,
// which is dead, unless it was completed already.
func (p *Process) failInline(f From) {
	p.mu.Lock()
	reason := p.reason
	p.mu.Unlock()
	f.slot.complete(f.seq, nil, &ExitError{PID: p.pid, Reason: reason}, true)
}

// releaseInline ends an inline claim on p. The goroutine stays parked when
// nothing waits for it; it is woken (with the one token, which nobody else
// sends while the claim lasts) when messages came meanwhile, when p died
// (an exit during the claim sends none), or for a handover.
func (p *Process) releaseInline(handover bool) {
	p.mu.Lock()
	wake := handover || p.state != alive || len(p.q) > 0
	if wake {
		p.mu.park = parkRunning
	} else {
		p.mu.park = parkOpen
	}
	p.mu.Unlock()
	if wake {
		p.wake <- struct{}{}
	}
}
