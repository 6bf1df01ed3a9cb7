package gen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/gen-go/gen/internal/sysmsg"
)

const (
	alive uint8 = iota
	dead
)

type actKind uint8

const (
	actNone actKind = iota
	actTimeout
	actHibernate
	actContinue
)

// A Process is the handle of a running process, given to every callback. It
// is also the process's [context.Context]: Done is closed and Err returns
// [context.Canceled] once the process has died, and passing it (or a context
// derived from it) to [Call], [StartLink] or [Stop] tells them which process
// is calling.
//
// Self, Runtime, Alive and the context methods may be used from any
// goroutine. The other methods act for the process and belong on its own
// goroutine, inside callbacks.
type Process struct {
	// The first 128 bytes hold what a caller and the process goroutine
	// both touch on every call: when they run on different cores, a call
	// moves these two cache lines and no others (a Process is 512 bytes,
	// so its allocations are cache-line aligned). The first line is what
	// senders write under the lock; the goroutine reads it only to park
	// or to take the queue.
	mu       spinLock      // guards the fields marked (mu); holds the park state
	state    uint8         // (mu)
	hib      bool          // (mu) no goroutine: the next message starts one
	inline   bool          // WithInlineCalls (set at start)
	trap     bool          // (mu)
	limit    int32         // (mu)
	q        []envelope    // (mu)
	watchers *callSlot     // (mu) callers waiting on this process (intrusive list)
	wake     chan struct{} // (mu)
	rt       *Runtime
	// The second line: the batch the goroutine works through, which a
	// sender writes only when it claims the parked goroutine.
	batch []envelope // the process goroutine's, or the sender's that claimed the park
	bi    int
	pid   PID

	reason   error            // (mu)
	done     chan struct{}    // (mu) made on first use of Done
	links    map[PID]struct{} // (mu)
	monitors []monitor        // (mu) monitors others hold on this process
	held     map[Ref]*Process // (mu) monitors this process holds, by target (nil: fired at once)
	name     Name             // (mu)
	via      *Via             // (mu)

	// Read by the process goroutine at every step, written once: away
	// from the first cache line, which senders write.
	dead atomic.Bool // set with state = dead, for cheap checks

	// Owned by the process goroutine.
	act            actKind
	suspended      bool
	exiting        bool     // terminate ran; run calls exit with exitReason
	timeoutDue     bool     // the callback timeout passed: deliver Timeout next
	fromHib        bool     // the next goroutine is a wake from hibernation
	overflow       Overflow // (mu)
	yielded        bool
	srv            Server
	callH          CallHandler // srv's callbacks, looked up once (see setServer)
	castH          CastHandler
	infoH          InfoHandler
	parent         PID
	actArg         any
	deadline       int64 // rt.mono() time, for actTimeout
	parkWait       time.Duration
	timer          *time.Timer
	hibernateAfter time.Duration
	started        From // Start waiting for Init, until Init has returned
	replyTo        From // a reply made by HandleCall, sent at the next lock
	replyVal       any  //
	exitReason     error
	last           any         // the message being handled, for crash reports
	lastFrom       *Process    // its caller, when it is a call from a process
	dbg            *debugState // sys debugging; nil (the usual case) when off
	ins            *procIns    // instrumentation; nil unless the runtime asks for it
	handover       *handover   // an inline call's result for the goroutine to act on
	born           int64       // rt.mono() time of the start; set before the process is published
}

// Self returns the process's PID.
func (p *Process) Self() PID { return p.pid }

// Runtime returns the runtime the process belongs to.
func (p *Process) Runtime() *Runtime { return p.rt }

// Alive reports whether the process has not yet exited.
func (p *Process) Alive() bool { return !p.dead.Load() }

// Deadline returns no deadline: a process lives until it exits.
func (p *Process) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done returns a channel closed when the process dies, however it dies. A
// callback that blocks on something else should also watch Done, so that a
// killed process's goroutine can return.
func (p *Process) Done() <-chan struct{} {
	p.mu.Lock()
	if p.done == nil {
		p.done = make(chan struct{})
		if p.state == dead {
			close(p.done)
		}
	}
	d := p.done
	p.mu.Unlock()
	return d
}

// Err returns nil while the process is alive and context.Canceled after.
func (p *Process) Err() error {
	if p.dead.Load() {
		return context.Canceled
	}
	return nil
}

// ctxKey is the package's one context key. Its value is the *Process a
// context comes from, or a *ctxMark left by NoDeadline: one Value lookup
// tells Call both the calling process and whether a deadline applies.
type ctxKey struct{}

// ctxMark is NoDeadline's value under ctxKey.
type ctxMark struct {
	proc *Process // the process the marked context comes from, or nil
}

// Value returns p for the package's own key and nil for every other key.
func (p *Process) Value(key any) any {
	if key == (ctxKey{}) {
		return p
	}
	return nil
}

// String names the process for logs: "process <node.id.serial>".
func (p *Process) String() string { return "process " + p.pid.String() }

// ProcessOf returns the process ctx is, or was derived from (with
// context.WithTimeout, WithValue, [NoDeadline] and the like), or nil when
// ctx comes from no process: a plain goroutine's context, or nil. It is how
// a package that takes a ctx, as [Call] does, learns which process calls.
// The *Process's methods other than Self, Runtime, Alive and the
// [context.Context] ones still belong on that process's own goroutine.
func ProcessOf(ctx context.Context) *Process {
	if p, ok := ctx.(*Process); ok {
		return p
	}
	if ctx == nil {
		return nil
	}
	p, _ := fromCtx(ctx)
	return p
}

// fromCtx returns the process ctx comes from (or nil), and whether
// NoDeadline marked ctx.
func fromCtx(ctx context.Context) (p *Process, noDeadline bool) {
	switch v := ctx.Value(ctxKey{}).(type) {
	case *Process:
		return v, false
	case *ctxMark:
		return v.proc, true
	}
	return nil, false
}

// Continue asks for HandleContinue(arg) to run as soon as the current
// callback returns, before any other message: Erlang's {continue, Arg}.
func (p *Process) Continue(arg any) { p.act, p.actArg = actContinue, arg }

// SetTimeout asks for a [Timeout] message if d passes with no message
// arriving after the current callback returns: Erlang's Timeout in a
// callback's result. Any message cancels it; d <= 0 fires at once when the
// mailbox is empty.
func (p *Process) SetTimeout(d time.Duration) {
	p.act, p.actArg = actTimeout, nil
	p.deadline = p.rt.mono() + int64(d)
}

// Hibernate asks the process to give up its goroutine, and so its stack, once
// the current callback returns and its mailbox is empty. The next message
// starts a fresh goroutine. State is kept.
func (p *Process) Hibernate() { p.act, p.actArg = actHibernate, nil }

// TrapExit sets whether exit signals from linked processes and [Runtime.Exit]
// arrive as [ExitSignal] messages instead of ending the process, and returns
// the previous setting. [ErrKill] is never trapped.
func (p *Process) TrapExit(on bool) bool {
	p.mu.Lock()
	old := p.trap
	p.trap = on
	p.mu.Unlock()
	return old
}

// run is the body of the process goroutine: Init when the process is new,
// then one step at a time until the process dies or hibernates. All blocking
// happens here, in the goroutine's first frame, so that the runtime's own
// deep paths (sudog allocation in a channel receive) start from a shallow
// stack and a process's goroutine stays within its first 2 KiB.
func (p *Process) run() {
	if !p.rt.passPanic {
		defer p.recoverCrash()
	}
	if p.started.slot != nil {
		if !p.boot() || p.lazyAfterBoot() {
			return
		}
	} else if p.fromHib {
		// Woken from hibernation: go back to it after system messages,
		// as OTP does; any other message cancels this.
		p.fromHib = false
		p.act = actHibernate
	}
	for {
		switch p.step() {
		case stepAgain:
			continue
		case stepPark:
			// Whoever sent the token moved the park state off parkOpen
			// (to parkClaimed or parkRunning, which mean the same while
			// the goroutine runs), so there is nothing to store here.
			<-p.wake
			continue
		case stepParkTimed:
			p.waitTimed()
			continue
		case stepHibernated:
			// A sender may already be starting the next goroutine: this
			// one must not touch p any more.
			return
		}
		break
	}
	if p.exiting {
		// The exit runs here, with the callbacks' frames unwound.
		p.exit(p.exitReason)
	} else if p.dead.Load() {
		p.dropBatch()
	}
}

// recoverCrash is the one place a callback panic is recovered: the process
// terminates with a *PanicError.
func (p *Process) recoverCrash() {
	r := recover()
	if r == nil {
		return
	}
	pe := &PanicError{Value: r, Stack: debug.Stack()}
	if p.started.slot != nil {
		p.initFailed(pe, true)
		return
	}
	if p.dead.Load() {
		return
	}
	p.terminate(pe, nil)
	p.exit(p.exitReason)
}

// runContinue runs HandleContinue with the pending argument. It reports
// false when the process ended.
//
//go:noinline
func (p *Process) runContinue() bool {
	if p.ins != nil {
		p.enteredContinue()
	}
	arg := p.actArg
	p.act, p.actArg = actNone, nil
	h, ok := p.srv.(ContinueHandler)
	if !ok {
		p.missing("HandleContinue")
		return false
	}
	p.last = arg
	if err := h.HandleContinue(p, arg); err != nil && !p.dead.Load() {
		p.terminate(err, nil)
		return false
	}
	if p.dead.Load() {
		return false
	}
	if p.dbg != nil {
		p.debugContinued()
	}
	return true
}

func (p *Process) dropBatch() {
	clear(p.batch[p.bi:])
	p.batch, p.bi = nil, 0
}

type stepResult uint8

const (
	stepAgain      stepResult = iota // call step again
	stepPark                         // wait for the wake token, then step again
	stepParkTimed                    // wait with a timer (parkWait), then step again
	stepEnd                          // the process died
	stepHibernated                   // the process hibernated: hands off p at once
)

// step does one unit of work without blocking: a continue, a message, a
// system message or a timeout; or it takes the queue into the batch; or it
// parks the process and asks run to wait. It also sends the reply HandleCall
// left in replyTo, after unlinking the caller's slot under a lock it takes
// anyway.
func (p *Process) step() stepResult {
	if p.dead.Load() {
		return stepEnd
	}
	if h := p.handover; h != nil {
		// A call ran on its caller's goroutine and left the rest to us.
		p.handover = nil
		if !p.afterCall(h.from, h.reply, h.err) {
			return stepEnd
		}
		return stepAgain
	}
	if p.act == actContinue {
		if !p.runContinue() {
			return stepEnd
		}
		return stepAgain
	}
	if p.timeoutDue {
		p.timeoutDue = false
		p.act = actNone
		if p.dbg != nil {
			return p.handleDebug(envelope{kind: kInfo, msg: Timeout{}})
		}
		return p.handle(envelope{kind: kInfo, msg: Timeout{}})
	}
	// The batch's messages, one after another without going back to run
	// while nothing else is due: no continue, no death, no suspension. A
	// handover or a due timeout cannot arrive meanwhile: an inline call
	// needs the goroutine parked, and only the goroutine sets timeoutDue.
	for p.bi < len(p.batch) && !p.suspended {
		if p.replyTo.slot != nil {
			p.flushReply()
		}
		at := &p.batch[p.bi]
		p.bi++
		if at.kind >= kSys || p.dbg != nil {
			e := *at
			*at = envelope{}
			if e.kind >= kSys {
				if !p.system(e) {
					return stepEnd
				}
				return stepAgain
			}
			p.act = actNone
			return p.handleDebug(e)
		}
		// Read the envelope into registers and clear its place, so that
		// the batch holds no reference to a handled message.
		kind, msg, from := at.kind, at.msg, at.from
		*at = envelope{}
		p.act = actNone
		if !p.dispatchMsg(kind, msg, from) {
			return stepEnd
		}
		if p.act == actContinue || p.dead.Load() {
			return stepAgain // step handles both first
		}
	}
	// The batch is done (or the process is suspended, which refill
	// handles): go on to refill without another step.
	return p.refillStep()
}

// refillStep refills the batch, or parks, and says what run does next.
func (p *Process) refillStep() stepResult {
	switch p.refill() {
	case refillEnd:
		return stepEnd
	case refillHibernated:
		return stepHibernated
	case refillTimeout:
		p.timeoutDue = true
	case refillSys:
		// The system message a suspended process took, alone in the batch.
		e := p.batch[0]
		p.batch[0] = envelope{}
		p.batch = p.batch[:0]
		if !p.system(e) {
			return stepEnd
		}
	case refillPark:
		return stepPark
	case refillParkTimed:
		return stepParkTimed
	}
	return stepAgain
}

func (p *Process) handle(e envelope) stepResult {
	if !p.dispatch(e) {
		return stepEnd
	}
	return stepAgain
}

type refillResult uint8

const (
	refillAgain      refillResult = iota // the batch has messages, or look again
	refillEnd                            // died: the goroutine returns
	refillHibernated                     // hibernated: the goroutine returns without touching p
	refillTimeout                        // deliver Timeout
	refillSys                            // a suspended process took a system message
	refillPark                           // parked: wait for the wake token
	refillParkTimed                      // parked: wait for the token or parkWait
)

func (p *Process) flushReply() {
	p.mu.Lock()
	p.unlinkReplyLocked()
	p.mu.Unlock()
	p.sendReply()
}

// unlinkReplyLocked takes the caller of the pending reply off the watcher
// list, if the call is still pending. Once someone else has completed it
// (an exit, the caller's deadline), the caller may reuse its slot for another
// call, so the slot is not touched. p.mu must be held: any other completer
// takes it to unlink, so a pending call stays ours meanwhile.
func (p *Process) unlinkReplyLocked() {
	if s := p.replyTo.slot; s != nil && s.state.Load() == p.replyTo.seq {
		p.unlinkLocked(s)
	}
}

// refill moves queued messages to the batch, or parks the process: run then
// waits on the wake channel, with a timer for a callback timeout or
// hibernate_after.
func (p *Process) refill() refillResult {
	p.mu.Lock()
	p.unlinkReplyLocked()
	if p.state != alive {
		p.mu.Unlock()
		p.sendReply()
		return refillEnd
	}
	if p.suspended {
		if e, ok := p.takeSysLocked(); ok {
			p.mu.Unlock()
			p.batch, p.bi = append(p.batch[:0], e), 0 // ours while running
			p.sendReply()
			return refillSys
		}
	} else if len(p.q) > 0 && p.takeLocked() {
		p.mu.Unlock()
		p.sendReply()
		return refillAgain
	}
	// Nothing to handle.
	var wait time.Duration
	timed := false
	switch {
	case p.suspended:
	case p.act == actHibernate:
		// Once hib is set and the lock released, a sender may start the
		// next goroutine: this one must not touch p after Unlock.
		f, v := p.replyTo, p.replyVal
		p.replyTo, p.replyVal = From{}, nil
		p.hibernateLocked()
		p.mu.Unlock()
		if f.slot != nil {
			f.slot.complete(f.seq, v, nil, true)
		}
		return refillHibernated
	case p.act == actTimeout:
		wait, timed = time.Duration(p.deadline-p.rt.mono()), true
		if wait <= 0 {
			p.mu.Unlock()
			p.sendReply()
			return refillTimeout
		}
	case p.hibernateAfter > 0:
		wait, timed = p.hibernateAfter, true
	}
	if p.wake == nil {
		// The goroutine's first park. Nothing may allocate under the lock
		// (an allocation can park the goroutine for a GC assist while the
		// lock's waiters spin), so make the channel outside it and look
		// again. Senders read it only once a park state published by an
		// Unlock says the goroutine waits on it. A pending reply waits for
		// that look too, so that its caller finds the process parked; its
		// caller goes back on the watcher list meanwhile, so that an exit
		// in between fails the call instead of leaving it unanswered.
		if f := p.replyTo; f.slot != nil && f.slot.state.Load() == f.seq {
			p.watchLocked(f)
		}
		p.mu.Unlock()
		p.wake = make(chan struct{}, 1)
		return refillAgain
	}
	// After a burst (a last batch of a quarter of a pooled buffer or more),
	// give a big buffer back: a fresh mailbox's burst can reuse it. After
	// small batches keep it, so that a process that parks often does not
	// trade buffers with the pool on every wake.
	if len(p.batch) >= qPooled/4 && (cap(p.q) == qPooled || cap(p.batch) == qPooled) {
		p.batch = p.batch[:0]
		p.giveQ()
	}
	p.batch, p.bi = p.batch[:0], 0
	if p.suspended {
		p.mu.park = parkClosed
	} else {
		p.mu.park = parkOpen
	}

	p.mu.Unlock()
	p.sendReply()
	if !timed {
		return refillPark
	}
	p.parkWait = wait
	return refillParkTimed
}

// waitTimed waits, parked, for the wake token or p.parkWait. When the time
// passes first it delivers the timeout or starts hibernation.
func (p *Process) waitTimed() {
	if p.timer == nil {
		p.timer = time.NewTimer(p.parkWait)
	} else {
		p.timer.Reset(p.parkWait)
	}
	select {
	case <-p.wake:
		// The sender of the token moved the park state (see run).
		p.timer.Stop()
		return
	case <-p.timer.C:
	}
	if !p.mu.movePark(parkOpen, parkRunning) && !p.mu.movePark(parkClosed, parkRunning) {
		// A sender or exit moved the state and is giving us a token.
		<-p.wake
		return
	}
	if p.act == actTimeout {
		p.timeoutDue = true
		return
	}
	p.act = actHibernate
}

// sendReply delivers the reply HandleCall left for after the next lock,
// under which the caller's slot was unlinked.
//
//go:noinline
func (p *Process) sendReply() {
	if f := p.replyTo; f.slot != nil {
		v := p.replyVal
		p.replyTo, p.replyVal = From{}, nil
		f.slot.complete(f.seq, v, nil, true)
	}
}

// giveQ gives the empty big buffers of a parking process back to the
// runtime. p.mu must be held.
//
//go:noinline
func (p *Process) giveQ() {
	if cap(p.q) == qPooled {
		p.rt.qpool.Put((*[qPooled]envelope)(p.q[:qPooled]))
		p.q = nil
	}
	if cap(p.batch) == qPooled {
		p.rt.qpool.Put((*[qPooled]envelope)(p.batch[:qPooled]))
		p.batch = nil
	}
}

// hibernateLocked drops the goroutine's resources; the next message starts a
// new goroutine. p.mu must be held and the mailbox empty.
//
//go:noinline
func (p *Process) hibernateLocked() {
	p.hib, p.fromHib = true, true
	p.act = actNone
	p.q = nil
	p.batch, p.bi = nil, 0
	p.wake = nil
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.last, p.lastFrom = nil, nil
	if p.ins != nil {
		p.left()
		p.taken(0)
	}
}

// dispatch runs the callback for e. It returns false when the process has
// ended.
func (p *Process) dispatch(e envelope) bool {
	return p.dispatchMsg(e.kind, e.msg, e.from)
}

// dispatchMsg is dispatch with the envelope's fields apart.
func (p *Process) dispatchMsg(kind envKind, msg any, from From) bool {
	p.last, p.lastFrom = msg, from.caller
	if p.ins != nil {
		p.enteredMsg(kind, msg)
	}
	switch kind {
	case kCall:
		h := p.callH
		if h == nil {
			p.missing("HandleCall")
			return false
		}
		reply, err := h.HandleCall(p, from, msg)
		if err == nil && p.act != actContinue && !p.dead.Load() {
			// The usual result: sent at the next lock (see afterCall).
			p.replyTo, p.replyVal = from, reply
			return true
		}
		return p.afterCall(from, reply, err)
	case kCast:
		h := p.castH
		if h == nil {
			p.missing("HandleCast")
			return false
		}
		if err := h.HandleCast(p, msg); err != nil && !p.dead.Load() {
			p.terminate(err, nil)
			return false
		}
	case kExit:
		sig := msg.(ExitSignal)
		if !p.parent.IsZero() && sig.From == p.parent {
			p.terminate(sig.Reason, nil)
			return false
		}
		return p.info(sig)
	default:
		return p.info(msg)
	}
	return !p.dead.Load()
}

// afterCall acts on HandleCall's result for the call from f. It reports
// false when the process has ended.
func (p *Process) afterCall(f From, reply any, err error) bool {
	if p.dead.Load() {
		return false
	}
	switch {
	case err == nil:
		if p.act == actContinue {
			Reply(f, reply)
			if p.dbg != nil {
				p.debugReplied(reply)
			}
		} else {
			// Sent by receive, which unlinks the caller's slot under the
			// lock it takes to park or to take the next messages.
			p.replyTo, p.replyVal = f, reply
		}
	case err == NoReply:
	default:
		p.stopCall(f, reply, err)
		return false
	}
	return !p.dead.Load()
}

func (p *Process) info(msg any) bool {
	h := p.infoH
	if h == nil {
		p.rt.log.Warn("gen: unexpected message", "pid", p.pid.String(), "server", typeName(p.srv),
			"message", fmt.Sprintf("%v", msg))
		return true
	}
	if err := h.HandleInfo(p, msg); err != nil && !p.dead.Load() {
		p.terminate(err, nil)
		return false
	}
	return !p.dead.Load()
}

//go:noinline
func (p *Process) missing(callback string) {
	p.terminate(&MissingCallbackError{Server: typeName(p.srv), Callback: callback}, nil)
}

// stopCall ends the process after HandleCall returned a stop error, replying
// first for StopWithReply.
//
//go:noinline
func (p *Process) stopCall(from From, reply any, err error) {
	if sr, ok := err.(*stopReply); ok {
		p.terminate(sr.reason, func() { Reply(from, reply) })
		return
	}
	p.terminate(err, nil)
}

// terminate runs Terminate with reason, then after (a reply, for
// StopWithReply), logs a crash report for an abnormal reason, and marks the
// process exiting: every caller returns up to run, which calls exit.
//
//go:noinline
func (p *Process) terminate(reason error, after func()) {
	reason = orNormal(reason)
	if t, ok := p.srv.(Terminator); ok {
		if p.ins != nil {
			p.entered(CallbackTerminate, nil, false)
		}
		if perr := p.safeTerminate(t, reason); perr != nil {
			reason = perr
		}
	}
	if after != nil {
		after()
	}
	if IsAbnormal(reason) {
		p.crashReport(reason)
	}
	p.exiting, p.exitReason = true, reason
}

func (p *Process) safeTerminate(t Terminator, reason error) (perr error) {
	if !p.rt.passPanic {
		defer func() {
			if r := recover(); r != nil {
				perr = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
	}
	t.Terminate(p, reason)
	return nil
}

//go:noinline
func (p *Process) crashReport(reason error) {
	attrs := []any{
		slog.String("pid", p.pid.String()),
		slog.String("server", typeName(p.srv)),
		slog.String("reason", reason.Error()),
	}
	p.mu.Lock()
	name := p.name
	p.mu.Unlock()
	if name != "" {
		attrs = append(attrs, slog.String("name", string(name)))
	}
	st := p.formatStatus(Status{State: p.srv, Message: p.last, Reason: reason, Log: p.debugLog()})
	attrs = append(attrs, slog.String("last_message", fmt.Sprintf("%v", st.Message)),
		slog.String("state", fmt.Sprintf("%+v", st.State)))
	if len(st.Log) > 0 {
		attrs = append(attrs, slog.Any("log", p.debugLines(st.Log)))
	}
	if p.lastFrom != nil {
		attrs = append(attrs, slog.String("client", p.lastFrom.pid.String()))
	}
	var pe *PanicError
	if errors.As(reason, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
	}
	p.rt.log.Error("gen: process terminating", attrs...)
}

// formatStatus applies the server's FormatStatus, with a placeholder for the
// state when it panics.
//
//go:noinline
func (p *Process) formatStatus(s Status) (out Status) {
	f, ok := p.srv.(StatusFormatter)
	if !ok {
		return s
	}
	defer func() {
		if r := recover(); r != nil {
			out = s
			out.State = typeName(p.srv) + ".FormatStatus panicked"
		}
	}()
	return f.FormatStatus(s)
}

// exit ends p with reason, from any goroutine; the first call wins and later
// ones report false. p is dead to the world when exit returns: its name is
// released, waiting callers have failed, and its links and monitors have
// been signalled.
func (p *Process) exit(reason error) bool {
	reason = orNormal(reason)
	p.mu.Lock()
	if p.state == dead {
		p.mu.Unlock()
		return false
	}
	p.state = dead
	p.reason = reason
	p.dead.Store(true)
	links, mons, name, via := p.links, p.monitors, p.name, p.via
	p.links, p.monitors, p.name, p.via = nil, nil, "", nil
	hasWatchers := p.watchers != nil
	clear(p.q)
	p.q = nil
	old := p.mu.park
	p.mu.park = parkRunning
	wake := old == parkOpen || old == parkClosed
	p.hib = false
	done := p.done
	p.mu.Unlock()
	if wake {
		p.wake <- struct{}{}
	}
	p.signalExit(reason, links, mons, name, via, hasWatchers, done)
	return true
}

// system handles a system message. It returns false when the process ended.
func (p *Process) system(e envelope) bool {
	if p.ins != nil {
		p.entered(CallbackSystem, nil, true)
	}
	if e.kind == kStop {
		reason, _ := e.msg.(error)
		p.terminate(reason, nil)
		return false
	}
	m := e.msg.(*sysmsg.Msg)
	var res sysmsg.Result
	switch m.Kind {
	case sysmsg.GetState:
		res.Value = snapshot(p.srv)
	case sysmsg.ReplaceState:
		res.Value, res.Err = p.replaceState(m.Replace)
		if res.Err == nil {
			res.Value = snapshot(res.Value)
		}
	case sysmsg.GetStatus:
		res.Value = p.status()
	case sysmsg.Suspend:
		if !p.suspended {
			p.suspended = true
			p.mu.Lock()
			p.unreadLocked()
			p.mu.Unlock()
		}
	case sysmsg.Resume:
		p.suspended = false
	case sysmsg.ChangeCode:
		if !p.suspended {
			res.Err = ErrNotSuspended
			break
		}
		res.Err = p.codeChange(m.OldVsn, m.Extra)
	case sysmsg.Terminate:
		// The caller waits on the process like a Stop: the exit answers.
		p.terminate(m.Reason, nil)
		return false
	default:
		res = p.debugCmd(m)
	}
	Reply(e.from, res)
	return true
}

// signalExit is the second half of exit, outside the lock: release the names,
// leave the table, and tell everyone.
func (p *Process) signalExit(reason error, links map[PID]struct{}, mons []monitor, name Name, via *Via,
	hasWatchers bool, done chan struct{}) {
	rt := p.rt
	if name != "" {
		rt.unregisterOwned(name, p)
	}
	if via != nil {
		via.Registrar.UnregisterName(via.Key, p.pid)
	}
	rt.remove(p)
	if p.ins != nil && rt.instrument {
		// After remove: Messages, which reads msgsGone before it walks
		// the table, counts p at most once.
		rt.msgsGone.Add(wordMsgs(p.ins.word.Load()))
	}
	// Processes first (links, then monitors), then plain goroutines: failed
	// callers, Done, and waiters in Stop or Watch. So when any of those
	// returns, every linked or monitoring process has its signal queued.
	if len(links) > 0 {
		p.signalLinks(links, reason)
	}
	if len(mons) > 0 {
		p.signalMonitors(mons, reason, true)
	}
	if hasWatchers {
		p.failWatchers(&ExitError{PID: p.pid, Reason: reason})
	}
	if done != nil {
		close(done)
	}
	if len(mons) > 0 {
		p.signalMonitors(mons, reason, false)
	}
	if h := rt.hooks; h != nil && h.Exit != nil {
		h.Exit(p.pid, reason)
	}
}

//go:noinline
func (p *Process) status() sysmsg.Status {
	st := p.formatStatus(Status{State: p.srv, Log: p.debugLog()})
	if t := reflect.TypeOf(st.State); t != nil && t == reflect.TypeOf(p.srv) && t.Comparable() && st.State == p.srv {
		st.State = snapshot(p.srv) // the live server never leaves the process
	}
	s := sysmsg.Status{Suspended: p.suspended, State: st.State, Log: st.Log, Server: typeName(p.srv),
		Parent: p.pid}
	p.mu.Lock()
	s.Name = string(p.name)
	p.mu.Unlock()
	if !p.parent.IsZero() {
		s.Parent = p.parent
	}
	return s
}

//go:noinline
func (p *Process) signalLinks(links map[PID]struct{}, reason error) {
	// The parent hears last. A supervisor's children that do not trap
	// exits then die (and release their names) before its own supervisor
	// learns of its exit and starts a replacement, whose children would
	// otherwise race the dying ones for their names.
	_, parent := links[p.parent]
	for to := range links {
		if to != p.parent {
			p.rt.linkSignal(p.pid, to, reason)
		}
	}
	if parent {
		p.rt.linkSignal(p.pid, p.parent, reason)
	}
}

// signalMonitors fires the monitors held by processes (owners) or by plain
// goroutines (!owners).
//
//go:noinline
func (p *Process) signalMonitors(mons []monitor, reason error, owners bool) {
	for _, m := range mons {
		if (m.owner != nil) == owners {
			m.fire(Down{Ref: m.ref, PID: p.pid, Name: m.name, Reason: reason})
		}
	}
}

// ErrNotSuspended is the result of a code change sent to a process that is
// not suspended (Erlang's {error, {unknown_system_msg, ...}}).
var ErrNotSuspended = errors.New("gen: process not suspended")

func (p *Process) replaceState(f func(any) any) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	p.setServer(f(p.srv))
	return p.srv, nil
}

func (p *Process) codeChange(oldVsn, extra any) (err error) {
	c, ok := p.srv.(CodeChanger)
	if !ok {
		return &MissingCallbackError{Server: typeName(p.srv), Callback: "CodeChange"}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	next, err := c.CodeChange(p, oldVsn, extra)
	if err != nil {
		return err
	}
	p.setServer(next)
	return nil
}

// setServer installs srv and looks up its message callbacks once, so that
// dispatch does not assert interfaces per message.
func (p *Process) setServer(srv Server) {
	p.srv = srv
	p.callH, _ = srv.(CallHandler)
	p.castH, _ = srv.(CastHandler)
	p.infoH, _ = srv.(InfoHandler)
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
