package gen

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

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

	// The default deadline (see deadline.go). A timer, once armed, is
	// not reset per call: it stays armed across calls and, when it fires,
	// either ends the waiting call whose deadline has passed or re-arms for
	// the time left.
	rt       *Runtime
	deadline atomic.Int64 // rt.mono() time; noDeadline, or dogPending for the watchdog's
	armed    atomic.Bool
	timerMu  sync.Mutex // guards timer (see arm)
	timer    *time.Timer
	// The watchdog's, under rt.dog.mu: whether it knows the slot, and the
	// call it last saw waiting with its deadline.
	watched bool
	dogSeq  uint64
	dogDue  int64

	// Membership in the callee's watcher list, guarded by owner.mu.
	owner      *Process
	prev, next *callSlot
	wseq       uint64
	// unlinked is set by whoever completes the call when it has already
	// taken the slot off the callee's list, so the caller need not lock.
	unlinked bool

	// For Hooks.Call, owned by the caller. Last, so that the fields above
	// keep their offsets (and short encodings) in the hot paths.
	timed bool   // the call is reported to Hooks.Call
	sent  int64  // rt.mono() time of the start of a timed call
	rnd   uint64 // xorshift state, for Hooks.CallSampling
}

const noDeadline = math.MaxInt64

// bgType is the dynamic type of context.Background(), which calls from
// plain goroutines mostly pass: callCtx knows its answers without asking it.
// Its type is an empty struct, so the type alone identifies it, and
// comparing type words spares the runtime's interface comparison.
var bgType = ifaceType(context.Background())

func ifaceType(ctx context.Context) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&ctx))[0]
}

func isBackground(ctx context.Context) bool { return ifaceType(ctx) == bgType }

// spareSlots keeps a few idle call slots where a caller finds its own again
// without sync.Pool, whose Get and Put (pinning to the P, then per-P lists)
// were about a tenth of Gen's own work in a call round trip. A caller picks
// a cell by the address of its stack frame, so a goroutine calling in a loop
// meets the slot it used last, and goroutines with different stacks mostly
// use different cells; a cell is one atomic word on a cache line of its own.
// An empty cell on Get, or a taken one on Put, falls back to the pool.
type spareSlots [spareCells]struct {
	s atomic.Pointer[callSlot]
	_ [56]byte
}

const spareCells = 16

// spareCell returns the cell of the caller whose stack frame holds mark.
func (rt *Runtime) spareCell(mark *byte) *atomic.Pointer[callSlot] {
	// By 8 KiB block: the frames a goroutine calls from usually lie in
	// one block, and a block holds at most four goroutines' stacks (they
	// start at 2 KiB), so different goroutines mostly get different cells.
	return &rt.spare[(uintptr(unsafe.Pointer(mark))>>13)%spareCells].s
}

// getSlot takes an idle slot from cell, or from the pool.
func (rt *Runtime) getSlot(cell *atomic.Pointer[callSlot]) *callSlot {
	if s := cell.Swap(nil); s != nil {
		return s
	}
	return rt.slots.Get().(*callSlot)
}

// putSlot gives back s, idle, to cell or to the pool.
func (rt *Runtime) putSlot(cell *atomic.Pointer[callSlot], s *callSlot) {
	if cell.Load() != nil || !cell.CompareAndSwap(nil, s) {
		rt.slots.Put(s)
	}
}

// deliver completes call seq with a reply or an error. It reports false when
// the call was already complete or abandoned.
func (s *callSlot) deliver(seq uint64, reply any, err error) bool {
	return s.complete(seq, reply, err, false)
}

// complete is deliver for a completer that may have unlinked the slot from
// its callee's watcher list already.
func (s *callSlot) complete(seq uint64, reply any, err error, unlinked bool) bool {
	if seq == 0 || !s.state.CompareAndSwap(seq, 0) {
		return false
	}
	s.reply, s.err, s.unlinked = reply, err, unlinked
	s.ch <- struct{}{}
	return true
}

// expire runs when the slot's timer fires.
func (s *callSlot) expire() {
	s.armed.Store(false)
	for {
		seq := s.state.Load()
		if seq == 0 {
			return
		}
		dl := s.deadline.Load()
		dog := dl == dogPending
		if dog {
			dl = s.rt.dogDue(s, seq)
		}
		if dl == noDeadline {
			return // not seen by the watchdog yet: it will arm the timer
		}
		if left := time.Duration(dl - s.rt.mono()); left > 0 {
			// The timer was set for an earlier call. The watchdog arms
			// this one's when it comes near, unless that is now.
			if !dog || left < 2*dogPeriod {
				s.arm(left)
			}
			return
		}
		if s.deliver(seq, nil, errDeadline) {
			return
		}
	}
}

// begin starts a call on the slot and returns its sequence number. The
// deadline is written before the call is marked waiting, so that neither
// expire nor the watchdog applies an older call's deadline to it. A long
// wait is left to the watchdog (deadline.go), which reads no clock here; a
// short one arms the slot's timer, which then stays armed across calls.
func (s *callSlot) begin(wait time.Duration) uint64 {
	rt := s.rt
	dog := false
	switch {
	case wait <= 0:
		s.deadline.Store(noDeadline)
	case rt.useDog(wait):
		dog = true
		if s.deadline.Load() != dogPending { // a store is a locked instruction
			s.deadline.Store(dogPending)
		}
	default:
		s.deadline.Store(rt.mono() + int64(wait))
	}
	s.seq++
	s.state.Store(s.seq)
	if dog {
		if rt.dogWatch(s) {
			return s.seq
		}
		// The runtime is closing and its watchdog gone: a timer, then.
		s.deadline.Store(rt.mono() + int64(wait))
	}
	if wait > 0 {
		s.arm(wait)
	}
	return s.seq
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

// unwatch takes the caller's slot off p's watcher list, unless p did already.
func (p *Process) unwatch(s *callSlot) {
	p.mu.Lock()
	p.unlinkLocked(s)
	p.mu.Unlock()
}

func (p *Process) unlinkLocked(s *callSlot) {
	if s.owner != p {
		return
	}
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

// failWatchers completes every call still watching p, which is dead, with
// err. The list is walked under p.mu (no new watcher can join a dead
// process) so that callers unlinking themselves meanwhile stay consistent.
//
//go:noinline
func (p *Process) failWatchers(err error) {
	p.mu.Lock()
	for s := p.watchers; s != nil; {
		next, seq := s.next, s.wseq
		p.unlinkLocked(s)
		s.complete(seq, nil, err, true)
		s = next
	}
	p.mu.Unlock()
}

// waitReply waits for the outcome of call seq on s, made to callee p, and
// takes the slot off p's watcher list. The slot is ready for reuse after.
// done is ctx.Done().
func (s *callSlot) waitReply(ctx context.Context, done <-chan struct{}, p *Process, seq uint64) (any, error) {
	if done == nil {
		<-s.ch
	} else {
		select {
		case <-s.ch:
		case <-done:
			if s.state.CompareAndSwap(seq, 0) {
				s.reply, s.err, s.unlinked = nil, ctx.Err(), false
			} else {
				<-s.ch // the winner's token is on its way
			}
		}
	}
	if p != nil && !s.unlinked {
		p.unwatch(s)
	}
	reply, err := s.reply, s.err
	s.reply, s.err, s.unlinked = nil, nil, false
	return reply, err
}

// wait is waitReply for callers that want only the error.
func (s *callSlot) wait(ctx context.Context, p *Process, seq uint64) error {
	_, err := s.waitReply(ctx, ctx.Done(), p, seq)
	return err
}

// Reply completes a call that HandleCall answered with [NoReply]. It may be
// called from any goroutine, once per From; it does nothing when the caller
// has given up or the From was already answered, so it never fails.
func Reply(from From, reply any) {
	if from.slot != nil {
		from.slot.deliver(from.seq, reply, nil)
	}
}

// NoDeadline returns a context from which [Call] applies no default deadline,
// so a call waits until it is answered, the callee dies or ctx is done:
// Erlang's infinity timeout.
func NoDeadline(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, &ctxMark{proc: ProcessOf(ctx)})
}

// callCtx reads what a call needs from ctx with as few of its methods as
// it can: the calling process (or nil), the default deadline that applies
// (0 for none), and ctx's Done channel.
func callCtx(ctx context.Context, rt *Runtime) (caller *Process, wait time.Duration, done <-chan struct{}) {
	if isBackground(ctx) {
		return nil, rt.callWait, nil
	}
	if p, ok := ctx.(*Process); ok {
		return p, rt.callWait, p.Done()
	}
	done = ctx.Done()
	caller, noDeadline := fromCtx(ctx)
	if noDeadline {
		return caller, 0, done
	}
	if done != nil {
		// A context that can never be cancelled has no deadline.
		if _, ok := ctx.Deadline(); ok {
			return caller, 0, done
		}
	}
	return caller, rt.callWait, done
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
//
// D is inferred from to: any [Dest] type, or Dest itself. The type parameter
// spares the boxing of a PID into an interface on every call.
func Call[R any, D Dest](ctx context.Context, rt *Runtime, to D, req any) (R, error) {
	var zero R
	v, err := call(ctx, rt, to, req)
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
	return zero, fmt.Errorf("gen: call %s: reply of type %T is not %T", destString(Dest(to)), v, zero)
}

func call[D Dest](ctx context.Context, rt *Runtime, to D, req any) (any, error) {
	kind := kCall
	if _, ok := req.(*sysmsg.Msg); ok {
		kind = kSys
	}
	caller, wait, done := callCtx(ctx, rt)
	p, err := resolve(rt, to)
	if err != nil {
		return nil, &CallError{Op: "call", To: Dest(to), Request: req, Err: err}
	}
	if p == caller {
		return nil, &CallError{Op: "call", To: Dest(to), Request: req, Err: ErrCallingSelf}
	}
	var mark byte
	cell := rt.spareCell(&mark)
	s := rt.getSlot(cell)
	from := From{slot: s, seq: s.begin(wait)}
	if caller != nil {
		from.caller = caller
	}
	if rt.onCall != nil {
		s.startTiming(wait, kind == kCall)
	}
	var reply any
	handled := inlineNot
	if p.inline && kind == kCall && p.mu.loadPark() == parkOpen && p.mu.casPark(parkOpen, parkInline) {
		reply, err, handled = p.callInline(ctx, from, req)
	}
	switch handled {
	case inlineNot:
		if err := p.pushCall(&envelope{kind: kind, msg: req, from: from}); err != nil {
			s.state.Store(0)
			rt.putSlot(cell, s)
			return nil, &CallError{Op: "call", To: Dest(to), Request: req, Err: err}
		}
		fallthrough
	case inlineHanded:
		reply, err = s.waitReply(ctx, done, p, from.seq)
	}
	if s.timed { // only ever set when rt.onCall is
		p.callDone(s, err)
	}
	rt.putSlot(cell, s)
	if err != nil {
		return nil, &CallError{Op: "call", To: Dest(to), Request: req, Err: err}
	}
	return reply, nil
}

// startTiming decides whether the call about to start on s is reported to
// Hooks.Call (one in rt.callEvery calls, at random, and no system request),
// and notes its start: the time begin read for the deadline, or now.
//
//go:noinline
func (s *callSlot) startTiming(wait time.Duration, user bool) {
	s.timed = false
	if !user {
		return
	}
	if every := s.rt.callEvery; every > 1 {
		x := s.rnd
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		s.rnd = x
		if uint64(uint32(x))*uint64(every)>>32 != 0 { // probability 1/every
			return
		}
	}
	s.timed = true
	if dl := s.deadline.Load(); wait > 0 && dl != dogPending {
		s.sent = dl - int64(wait) // begin read the clock
	} else {
		s.sent = s.rt.mono()
	}
}

// callDone reports the timed call to p made on s to Hooks.Call.
//
//go:noinline
func (p *Process) callDone(s *callSlot, err error) {
	rt := p.rt
	s.timed = false
	d := time.Duration(rt.mono() - s.sent)
	var name Name
	if ins := p.ins; ins != nil {
		if n := ins.name.Load(); n != nil {
			name = *n
		}
	} else {
		p.mu.Lock()
		name = p.name
		p.mu.Unlock()
	}
	rt.onCall(p.pid, name, d, err)
}

// Cast sends msg to the server at to for its HandleCast and returns at once.
// Like Erlang's cast it gives no guarantee of delivery: a dead or unknown
// destination drops msg and Cast still returns nil. The one error is
// [ErrMailboxFull] from a bounded mailbox.
func Cast[D Dest](rt *Runtime, to D, msg any) error {
	return send(rt, to, envelope{kind: kCast, msg: msg})
}

// Send sends msg to the process at to for its HandleInfo and returns at once,
// like Erlang's ! operator. A dead destination drops msg; an unregistered name
// drops it too (Erlang raises badarg there). The one error is
// [ErrMailboxFull] from a bounded mailbox.
func Send[D Dest](rt *Runtime, to D, msg any) error {
	return send(rt, to, envelope{kind: kInfo, msg: msg})
}

func send[D Dest](rt *Runtime, to D, e envelope) error {
	if pid, ok := any(to).(PID); ok && rt.isLocal(pid) {
		// The usual case, resolvePID's first branch without the calls
		// to resolve and resolvePID. A missing process is a dead one:
		// the message is dropped.
		if p := rt.table.lookup(pid.key()); p != nil {
			return p.push(e)
		}
		return nil
	}
	p, err := resolve(rt, to)
	if err != nil {
		if _, down := err.(*NodeDownError); down {
			rt.remoteSend(Dest(to), e)
		}
		return nil
	}
	return p.push(e)
}

// resolve is rt.resolve without boxing a PID or Name into a Dest.
func resolve[D Dest](rt *Runtime, to D) (*Process, error) {
	switch d := any(to).(type) {
	case PID:
		return rt.resolvePID(d)
	case Name:
		return rt.resolveName(d)
	}
	return rt.resolve(Dest(to))
}

func (rt *Runtime) resolvePID(d PID) (*Process, error) {
	if rt.isLocal(d) {
		// Keys are never reused: a local PID's key finds its process
		// or none.
		if p := rt.table.lookup(d.key()); p != nil {
			return p, nil
		}
		return nil, ErrNoProc
	}
	if d.IsZero() {
		return nil, ErrNoProc
	}
	return nil, &NodeDownError{Node: d.Node}
}

func (rt *Runtime) resolveName(n Name) (*Process, error) {
	if p := rt.whereis(n); p != nil {
		return p, nil
	}
	return nil, ErrNoProc
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
		return rt.resolvePID(d)
	case Name:
		return rt.resolveName(d)
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
