package gen

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gen-go/gen/internal/sysmsg"
)

// A callSlot is where one caller waits for one reply. Slots are pooled per
// runtime and reused, so a call allocates no channel and no timer. state holds
// the sequence number of the call waiting on the slot, or 0; whoever swaps it
// to 0 first (the reply, the callee's death, the deadline, the caller giving
// up) owns the outcome, so a late reply is dropped and never seen.
type callSlot struct {
	state atomic.Uint64
	seq   uint64 // owned by the caller between calls
	ch    chan struct{}
	reply any
	err   error
	timer *time.Timer

	// Membership in the callee's watcher list, guarded by owner.mu.
	owner      *Process
	prev, next *callSlot
	wseq       uint64
}

func newCallSlot() any { return &callSlot{ch: make(chan struct{}, 1)} }

// deliver completes call seq with a reply or an error. It reports false when
// the call was already complete or abandoned.
func (s *callSlot) deliver(seq uint64, reply any, err error) bool {
	if seq == 0 || !s.state.CompareAndSwap(seq, 0) {
		return false
	}
	s.reply, s.err = reply, err
	s.ch <- struct{}{}
	return true
}

type watcher struct {
	slot *callSlot
	seq  uint64
}

// watchLocked puts a waiting caller on p's watcher list, so that p's death
// fails the call at once. p.mu must be held.
func (p *Process) watchLocked(f From) {
	s := f.slot
	s.owner, s.wseq = p, f.seq
	s.prev, s.next = nil, p.watchers
	if p.watchers != nil {
		p.watchers.prev = s
	}
	p.watchers = s
}

func (p *Process) unwatch(s *callSlot) {
	p.mu.Lock()
	if s.owner == p {
		if s.prev != nil {
			s.prev.next = s.next
		} else {
			p.watchers = s.next
		}
		if s.next != nil {
			s.next.prev = s.prev
		}
		s.owner, s.prev, s.next = nil, nil, nil
	}
	p.mu.Unlock()
}

func (p *Process) takeWatchersLocked() []watcher {
	var out []watcher
	for s := p.watchers; s != nil; {
		next := s.next
		out = append(out, watcher{s, s.wseq})
		s.owner, s.prev, s.next = nil, nil, nil
		s = next
	}
	p.watchers = nil
	return out
}

// Reply completes a call that HandleCall answered with [NoReply]. It may be
// called from any goroutine, once per From; it does nothing when the caller
// has given up or the From was already answered, so it never fails.
func Reply(from From, reply any) {
	if from.slot != nil {
		from.slot.deliver(from.seq, reply, nil)
	}
}

type noDeadlineKey struct{}

// NoDeadline returns a context from which [Call] applies no default deadline,
// so a call waits until it is answered, the callee dies or ctx is done:
// Erlang's infinity timeout.
func NoDeadline(ctx context.Context) context.Context {
	return context.WithValue(ctx, noDeadlineKey{}, true)
}

// Call sends req to the server at to and waits for its reply.
//
// ctx bounds only the wait. When ctx has no deadline the runtime's default
// applies (5 s unless [Options.CallTimeout] says otherwise, none under
// [NoDeadline]). Giving up does not cancel the request: the server still
// handles it, and its late reply is dropped.
//
// The caller watches the callee for the duration of the call, so Call fails
// at once, never by timeout, when the callee is not there (ErrNoProc), is the
// caller itself (ErrCallingSelf), is on an unreachable node (a
// *NodeDownError), or exits before replying (an *ExitError with its reason).
// Every failure is a *[CallError] that wraps the reason.
//
// Call works from any goroutine. From inside a callback, pass the *Process
// (or a context derived from it) as ctx. A reply whose dynamic type is error
// is returned as Call's error; any other reply must be assignable to R.
func Call[R any](ctx context.Context, rt *Runtime, to Dest, req any) (R, error) {
	var zero R
	v, err := rt.call(ctx, to, req)
	if err != nil {
		return zero, err
	}
	if v == nil {
		return zero, nil
	}
	if r, ok := v.(R); ok {
		return r, nil
	}
	if e, ok := v.(error); ok {
		return zero, e
	}
	return zero, fmt.Errorf("gen: call %s: reply of type %T is not %T", destString(to), v, zero)
}

func (rt *Runtime) call(ctx context.Context, to Dest, req any) (any, error) {
	kind := kCall
	if _, ok := req.(*sysmsg.Msg); ok {
		kind = kSys
	}
	caller := processOf(ctx)
	p, err := rt.resolve(to)
	if err != nil {
		return nil, &CallError{Op: "call", To: to, Request: req, Err: err}
	}
	if p == caller {
		return nil, &CallError{Op: "call", To: to, Request: req, Err: ErrCallingSelf}
	}
	s := rt.slots.Get().(*callSlot)
	s.seq++
	s.state.Store(s.seq)
	from := From{slot: s, seq: s.seq}
	if caller != nil {
		from.pid = caller.pid
	}
	if err := p.pushCall(envelope{kind: kind, msg: req, from: from}); err != nil {
		s.state.Store(0)
		rt.slots.Put(s)
		return nil, &CallError{Op: "call", To: to, Request: req, Err: err}
	}
	var timerC <-chan time.Time
	if _, ok := ctx.Deadline(); !ok && rt.callWait > 0 && ctx.Value(noDeadlineKey{}) == nil {
		if s.timer == nil {
			s.timer = time.NewTimer(rt.callWait)
		} else {
			s.timer.Reset(rt.callWait)
		}
		timerC = s.timer.C
	}
	var cause error
	select {
	case <-s.ch:
	case <-timerC:
		cause = errDeadline
	case <-ctx.Done():
		cause = ctx.Err()
	}
	if timerC != nil {
		s.timer.Stop()
	}
	if cause != nil {
		if s.state.CompareAndSwap(from.seq, 0) {
			s.reply, s.err = nil, cause
		} else {
			<-s.ch // the winner's token is on its way
		}
	}
	p.unwatch(s)
	reply, err := s.reply, s.err
	s.reply, s.err = nil, nil
	rt.slots.Put(s)
	if err != nil {
		return nil, &CallError{Op: "call", To: to, Request: req, Err: err}
	}
	return reply, nil
}

// Cast sends msg to the server at to for its HandleCast and returns at once.
// Like Erlang's cast it gives no guarantee of delivery: a dead or unknown
// destination drops msg and Cast still returns nil. The one error is
// [ErrMailboxFull] from a bounded mailbox.
func Cast(rt *Runtime, to Dest, msg any) error {
	return rt.send(to, envelope{kind: kCast, msg: msg})
}

// Send sends msg to the process at to for its HandleInfo and returns at once,
// like Erlang's ! operator. A dead destination drops msg; an unregistered name
// drops it too (Erlang raises badarg there). The one error is
// [ErrMailboxFull] from a bounded mailbox.
func Send(rt *Runtime, to Dest, msg any) error {
	return rt.send(to, envelope{kind: kInfo, msg: msg})
}

func (rt *Runtime) send(to Dest, e envelope) error {
	if pid, ok := to.(PID); ok {
		if p := rt.lookup(pid); p != nil {
			return p.push(e)
		}
		if !pid.IsZero() && !rt.isLocal(pid) {
			rt.remoteSend(pid, e)
		}
		return nil
	}
	p, err := rt.resolve(to)
	if err != nil {
		return nil
	}
	return p.push(e)
}

func (rt *Runtime) remoteSend(to Dest, e envelope) {
	if rt.transport == nil {
		return
	}
	_ = rt.transport.Deliver(Signal{Kind: SignalSend, To: to, Msg: e.msg, Cast: e.kind == kCast})
}

// resolve finds the live local process at d. It returns ErrNoProc when there
// is none and a *NodeDownError for a remote destination that cannot be
// reached.
func (rt *Runtime) resolve(d Dest) (*Process, error) {
	switch d := d.(type) {
	case PID:
		if p := rt.lookup(d); p != nil {
			return p, nil
		}
		if d.IsZero() || rt.isLocal(d) {
			return nil, ErrNoProc
		}
		return nil, &NodeDownError{Node: d.Node}
	case Name:
		if p := rt.whereis(d); p != nil {
			return p, nil
		}
		return nil, ErrNoProc
	case RemoteName:
		if d.Node == rt.node {
			return rt.resolve(d.Name)
		}
		return nil, &NodeDownError{Node: d.Node}
	case Via:
		if d.Registrar == nil {
			return nil, ErrNoProc
		}
		if pid, ok := d.Registrar.WhereisName(d.Key); ok {
			return rt.resolve(pid)
		}
		return nil, ErrNoProc
	}
	return nil, ErrNoProc
}
