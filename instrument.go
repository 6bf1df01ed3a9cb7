package gen

import (
	"context"
	"reflect"
	"runtime/pprof"
	"sync/atomic"
)

// Instrumentation ([Options.Instrument], [Options.ProfileLabels]) lives here.
// Like sys debugging it hangs off one pointer, Process.ins, that is nil unless
// the runtime asks for it, so the loop pays one nil check per message in
// dispatch and nothing in run, step or refill. The rest runs in functions that
// are not inlined.
//
// An instrumented process publishes one atomic word per callback it enters
// (laid out below): the callback, a short count of callbacks entered, and the
// count of messages handled. That is the only per-message cost: no clock is
// read. A reader knows a callback is slow by seeing the same word twice, far
// enough apart in time, while the process is running.

// The word: bits 0-3 the Callback running (CallbackNone between
// callbacks), bits 4-15 the callbacks entered (mod 4096), bits 16-63 the
// messages handled (taken from the batch, system messages included, plus
// Timeout messages).
const (
	insKindBits  = 4
	insEntryBits = 12
	insMsgShift  = insKindBits + insEntryBits
	insEntryMask = 1<<insEntryBits - 1
)

// procIns is a process's instrumentation.
type procIns struct {
	word  atomic.Uint64          // see the layout above; written by the process goroutine only
	typ   atomic.Pointer[string] // the type of the message or continue argument being handled
	name  atomic.Pointer[Name]   // the registered name, kept up to date under p.mu
	track bool                   // Options.Instrument: keep word and typ up to date

	// Owned by the process goroutine (and by whoever runs Init inline,
	// before the goroutine starts).
	msgs    uint64
	entries uint64
	lastT   reflect.Type
	prevT   reflect.Type    // the type before lastT, and its name: a process
	prevN   *string         // that alternates two message types looks neither up
	profile bool            // Options.ProfileLabels
	labels  context.Context // the pprof labels set on the goroutine
	labeled *Name           // the name the labels were built with

	// Guarded by p.mu: the value msgs will have once the batch taken last is
	// handled, so that the batch's rest is mark - msgs.
	mark uint64
}

func newProcIns(rt *Runtime) *procIns {
	return &procIns{track: rt.instrument, profile: rt.profile}
}

func (ins *procIns) publish(cb Callback) {
	ins.word.Store(ins.msgs<<insMsgShift | (ins.entries&insEntryMask)<<insKindBits | uint64(cb))
}

func wordCallback(w uint64) Callback { return Callback(w & (1<<insKindBits - 1)) }
func wordSeq(w uint64) uint64        { return w >> insKindBits }
func wordMsgs(w uint64) uint64       { return w >> insMsgShift }

// entered records that the process enters callback cb. msg is the message (or
// the continue argument) whose type is published; message says whether cb
// handles a message taken from the mailbox (or a Timeout), which counts it.
//
//go:noinline
func (p *Process) entered(cb Callback, msg any, message bool) {
	ins := p.ins
	if ins.profile && cb != CallbackInit && ins.labeled != ins.name.Load() {
		// Not for Init, which may run on the goroutine of Start's caller.
		p.setLabels()
	}
	if !ins.track {
		return
	}
	if message {
		ins.msgs++
	}
	ins.entries++
	if cb != CallbackInit && cb != CallbackTerminate && cb != CallbackSystem {
		ins.setType(p.rt, msg)
	}
	ins.publish(cb)
}

// kindCallback returns the callback that handles a message of kind k.
func kindCallback(k envKind) Callback {
	switch k {
	case kCall:
		return CallbackCall
	case kCast:
		return CallbackCast
	}
	return CallbackInfo
}

// enteredMsg is entered for the message that dispatch is about to handle:
// the one per-message cost of instrumentation, kept short.
//
//go:noinline
func (p *Process) enteredMsg(kind envKind, msg any) {
	ins := p.ins
	if !ins.track || ins.profile {
		p.entered(kindCallback(kind), msg, true)
		return
	}
	ins.msgs++
	ins.entries++
	if t := reflect.TypeOf(msg); t != ins.lastT {
		ins.setTypeOf(p.rt, t)
	}
	ins.word.Store(ins.msgs<<insMsgShift | (ins.entries&insEntryMask)<<insKindBits | uint64(kindCallback(kind)))
}

// setType publishes the type of msg, when it changed.
func (ins *procIns) setType(rt *Runtime, msg any) {
	if t := reflect.TypeOf(msg); t != ins.lastT || ins.typ.Load() == nil {
		ins.setTypeOf(rt, t)
	}
}

//go:noinline
func (ins *procIns) setTypeOf(rt *Runtime, t reflect.Type) {
	var n *string
	if t == ins.prevT && ins.prevN != nil {
		n = ins.prevN
	} else {
		n = rt.typeName(t)
	}
	if cur := ins.typ.Load(); cur != nil {
		ins.prevT, ins.prevN = ins.lastT, cur
	}
	ins.lastT = t
	ins.typ.Store(n)
}

// enteredContinue is entered for HandleContinue, whose argument is in
// p.actArg.
//
//go:noinline
func (p *Process) enteredContinue() { p.entered(CallbackContinue, p.actArg, false) }

// left records that the process is between callbacks for a while (after
// Init, when it hibernates).
//
//go:noinline
func (p *Process) left() {
	if ins := p.ins; ins.track {
		ins.publish(CallbackNone)
	}
}

// taken notes, under p.mu, that the batch now holds n messages.
//
//go:noinline
func (p *Process) taken(n int) {
	ins := p.ins
	ins.mark = ins.msgs + uint64(n)
}

// untaken notes, under p.mu, that n messages left the batch unhandled.
//
//go:noinline
func (p *Process) untaken(n int) {
	ins := p.ins
	ins.mark -= min(uint64(n), ins.mark)
}

// typeName returns the shared printed name of t, made once per type.
func (rt *Runtime) typeName(t reflect.Type) *string {
	if v, ok := rt.typeNames.Load(t); ok {
		return v.(*string)
	}
	s := "nil"
	if t != nil {
		s = t.String()
	}
	v, _ := rt.typeNames.LoadOrStore(t, &s)
	return v.(*string)
}

// nameChangedLocked publishes the process's registered name. p.mu must be
// held.
func (p *Process) nameChangedLocked() {
	if ins := p.ins; ins != nil {
		n := p.name
		ins.name.Store(&n)
	}
}

// setLabels sets the pprof labels pid and name on the calling goroutine,
// which runs p. The label set is made once, and again when the name changes.
//
//go:noinline
func (p *Process) setLabels() {
	ins := p.ins
	name := ins.name.Load()
	if ins.labels == nil || ins.labeled != name {
		n := ""
		if name != nil {
			n = string(*name)
		}
		ins.labels = pprof.WithLabels(context.Background(), pprof.Labels("pid", p.pid.String(), "name", n))
		ins.labeled = name
	}
	pprof.SetGoroutineLabels(ins.labels)
}

// snapshot reads what the instrumentation knows: the callback and its
// sequence, the messages handled, and the messages left in the batch. p.mu
// must be held (for mark).
func (ins *procIns) snapshotLocked() (w uint64, rest int) {
	w = ins.word.Load()
	if m := wordMsgs(w); ins.mark > m {
		rest = int(ins.mark - m)
	}
	return w, rest
}
