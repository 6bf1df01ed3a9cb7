package gen

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gen-go/gen/internal/sysmsg"
)

// The sys debugging of a process (Erlang's sys:handle_debug) lives here.
// While debugging is off, Process.dbg is nil and the loop pays one nil check
// per message, in handle. Everything else runs on the process goroutine,
// from functions that are not inlined into the loop.

// DebugKind says which event a [DebugEvent] records.
type DebugKind uint8

// The events of a server, as Erlang's gen_server reports them to sys.
const (
	// DebugCall: a call arrived (Erlang's {in, {'$gen_call', From, Req}}).
	// Msg is the request and From the caller.
	DebugCall DebugKind = iota + 1
	// DebugCast: a cast arrived ({in, {'$gen_cast', Msg}}). Msg is the
	// message.
	DebugCast
	// DebugInfo: a message for HandleInfo arrived ({in, Msg}): a value
	// sent with [Send], a [Timeout], a [Down] or an [ExitSignal]. Msg is the
	// message.
	DebugInfo
	// DebugReply: HandleCall returned a reply ({out, Reply, To, State}). Msg
	// is the reply, From the caller it went to, and State the server value
	// after the callback.
	DebugReply
	// DebugNoReply: a callback returned without replying ({noreply,
	// State}): HandleCast, HandleInfo, HandleContinue, or HandleCall with
	// [NoReply]. State is the server value after the callback.
	DebugNoReply
)

// A DebugEvent is one step of a server as sys debugging sees it: a message
// that arrived, or what the callback that handled it left behind. A process
// produces events only while debugging is on for it, through [WithDebug] or
// the sys package (Trace, Log, Statistics, Install). Events of a message
// come in order: the arrival, then the reply or the new state.
//
// As in Erlang, a call answered later with [Reply] gives a new-state event,
// not a reply event; system messages give no events; and a message whose
// callback ends the process (a stop it returns, a panic, a kill) gives no
// reply or new-state event.
type DebugEvent struct {
	Kind DebugKind
	// Msg is the request, cast or message for DebugCall, DebugCast and
	// DebugInfo, and the reply for DebugReply.
	Msg any
	// From is the caller for DebugCall and the process replied to for
	// DebugReply. It is the zero PID when that caller is a plain goroutine.
	From PID
	// State is the server value after the callback, for DebugReply and
	// DebugNoReply. Debug funcs see the live value, on the process's
	// goroutine. In events read back from the log, State is a string: the
	// value as printed when the event happened, since the live value may
	// have changed since.
	State any
}

// String formats e as Erlang's gen_server prints an event in a trace, less
// the leading "*DBG* <name> ":
//
//	got call <request> from <pid>
//	got cast <message>
//	got <message>
//	sent <reply> to <pid>, new state <state>
//	new state <state>
//
// A caller that is not a process is shown as "a goroutine". Values are
// printed with fmt's %+v, prefixed with their type when they are structs or
// pointers to structs ("main.add{N:2}", "&main.counter{n:3}"), the way
// Erlang prints terms; errors and fmt.Stringers print as their text.
func (e DebugEvent) String() string {
	switch e.Kind {
	case DebugCall:
		return "got call " + debugValue(e.Msg) + " from " + debugPeer(e.From)
	case DebugCast:
		return "got cast " + debugValue(e.Msg)
	case DebugInfo:
		return "got " + debugValue(e.Msg)
	case DebugReply:
		return "sent " + debugValue(e.Msg) + " to " + debugPeer(e.From) + ", new state " + debugValue(e.State)
	case DebugNoReply:
		return "new state " + debugValue(e.State)
	}
	return "dbg " + debugValue(e.Msg)
}

func debugPeer(pid PID) string {
	if pid.IsZero() {
		return "a goroutine"
	}
	return pid.String()
}

// debugValue prints v for a trace line; see DebugEvent.String.
func debugValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case string:
		return v
	case error, fmt.Stringer:
		return fmt.Sprintf("%v", v)
	}
	s, t := fmt.Sprintf("%+v", v), fmt.Sprintf("%T", v)
	switch {
	case strings.HasPrefix(s, "{") && !strings.HasPrefix(t, "*"):
		return t + s
	case strings.HasPrefix(s, "&{") && strings.HasPrefix(t, "*"):
		return "&" + t[1:] + s[1:]
	}
	return s
}

// DebugOptions turns sys debugging on from a process's start, before Init
// runs: Erlang's debug start option. The zero value turns nothing on. Each
// field has the effect of the sys function of the same name, and each can
// be switched off later with it (or all at once with sys.NoDebug).
type DebugOptions struct {
	// Trace prints one line per event to the runtime's logger (Erlang's
	// trace).
	Trace bool
	// TraceTo, when not nil, prints one line per event to TraceTo as well
	// (Erlang's {log_to_file, Path}: pass an *os.File). It is written from
	// the process's goroutine, one Write per line; a writer shared by
	// several processes must be safe for concurrent use.
	TraceTo io.Writer
	// Log, when positive, keeps the last Log events for sys.GetLog and
	// sys.PrintLog. Erlang's log option keeps 10.
	Log int
	// Statistics counts the messages in and out (Erlang's statistics).
	Statistics bool
}

// debugState is a process's sys debugging. It is owned by the process
// goroutine, which reads and changes it between callbacks.
type debugState struct {
	traceLog bool      // trace to the runtime's logger
	traceTo  io.Writer // trace to a writer
	logN     int       // the log keeps the last logN events; 0: no log
	log      []DebugEvent
	logNext  int // where the next event goes once the log is full
	stats    *debugStats
	funcs    []debugFunc
	replied  bool // set by dispatch when it replied at once (a call with Continue)
	reply    any
}

type debugStats struct {
	start                     time.Time
	calls, casts, infos, outs int
}

type debugFunc struct {
	id    any
	f     func(state any, ev DebugEvent, name string) (any, bool)
	state any
}

func newDebugState(o DebugOptions) *debugState {
	d := &debugState{traceLog: o.Trace, traceTo: o.TraceTo}
	d.setLog(o.Log)
	if o.Statistics {
		d.stats = &debugStats{start: time.Now()}
	}
	if d.off() {
		return nil
	}
	return d
}

func (d *debugState) off() bool {
	return !d.traceLog && d.traceTo == nil && d.logN == 0 && d.stats == nil && len(d.funcs) == 0
}

// setLog keeps the last n events from now on, and the most recent of those
// already logged; n <= 0 drops the log.
func (d *debugState) setLog(n int) {
	if n <= 0 {
		d.logN, d.log, d.logNext = 0, nil, 0
		return
	}
	old := d.logged()
	if len(old) > n {
		old = old[len(old)-n:]
	}
	d.logN, d.log, d.logNext = n, make([]DebugEvent, len(old), max(len(old), min(n, 16))), 0
	copy(d.log, old)
}

// logged returns the log, oldest first.
func (d *debugState) logged() []DebugEvent {
	out := make([]DebugEvent, 0, len(d.log))
	out = append(out, d.log[d.logNext:]...)
	return append(out, d.log[:d.logNext]...)
}

func (d *debugState) record(ev DebugEvent) {
	if ev.Kind == DebugReply || ev.Kind == DebugNoReply {
		ev.State = debugValue(ev.State)
	}
	if len(d.log) < d.logN {
		d.log = append(d.log, ev)
		return
	}
	d.log[d.logNext] = ev
	d.logNext = (d.logNext + 1) % d.logN
}

// handleDebug is handle while debugging is on: the arrival event, the
// callback, then the reply or new-state event.
//
//go:noinline
func (p *Process) handleDebug(e envelope) stepResult {
	if e.kind != kExit || p.parent.IsZero() || e.msg.(ExitSignal).From != p.parent {
		ev := DebugEvent{Kind: DebugInfo, Msg: e.msg}
		switch e.kind {
		case kCall:
			ev.Kind, ev.From = DebugCall, e.from.PID()
		case kCast:
			ev.Kind = DebugCast
		}
		p.debugEvent(ev)
	}
	if d := p.dbg; d != nil {
		d.replied, d.reply = false, nil
	}
	if !p.dispatch(e) {
		return stepEnd
	}
	d := p.dbg
	if d == nil {
		return stepAgain
	}
	ev := DebugEvent{Kind: DebugNoReply, State: p.srv}
	if e.kind == kCall {
		switch {
		case p.replyTo == e.from:
			ev = DebugEvent{Kind: DebugReply, Msg: p.replyVal, From: e.from.PID(), State: p.srv}
		case d.replied:
			ev = DebugEvent{Kind: DebugReply, Msg: d.reply, From: e.from.PID(), State: p.srv}
		}
		d.replied, d.reply = false, nil
	}
	p.debugEvent(ev)
	return stepAgain
}

// debugReplied notes a reply that dispatch sent at once, for handleDebug.
//
//go:noinline
func (p *Process) debugReplied(reply any) {
	p.dbg.replied, p.dbg.reply = true, reply
}

// debugContinued reports the new state after HandleContinue.
//
//go:noinline
func (p *Process) debugContinued() {
	p.debugEvent(DebugEvent{Kind: DebugNoReply, State: p.srv})
}

// debugName is how trace lines and debug funcs name the process: its
// registered name, or its PID.
func (p *Process) debugName() string {
	p.mu.Lock()
	name := p.name
	p.mu.Unlock()
	if name != "" {
		return string(name)
	}
	return p.pid.String()
}

// debugEvent hands ev to every debug option that is on, in a fixed order:
// trace, log, statistics, debug funcs. A debug func that returns done or
// panics is removed. When nothing is left on, debugging is switched off.
func (p *Process) debugEvent(ev DebugEvent) {
	d := p.dbg
	if d == nil {
		return
	}
	name := ""
	if d.traceLog || d.traceTo != nil || len(d.funcs) > 0 {
		name = p.debugName()
	}
	if d.traceLog || d.traceTo != nil {
		line := "*DBG* " + name + " " + ev.String()
		if d.traceLog {
			p.rt.log.Info(line, "pid", p.pid.String())
		}
		if d.traceTo != nil {
			_, _ = io.WriteString(d.traceTo, line+"\n")
		}
	}
	if d.logN > 0 {
		d.record(ev)
	}
	if s := d.stats; s != nil {
		switch ev.Kind {
		case DebugCall:
			s.calls++
		case DebugCast:
			s.casts++
		case DebugInfo:
			s.infos++
		case DebugReply:
			s.outs++
		}
	}
	if len(d.funcs) > 0 {
		kept := d.funcs[:0]
		for _, f := range d.funcs {
			if next, done := runDebugFunc(f, ev, name); !done {
				f.state = next
				kept = append(kept, f)
			}
		}
		clear(d.funcs[len(kept):])
		d.funcs = kept
	}
	if d.off() {
		p.dbg = nil
	}
}

// runDebugFunc runs an installed debug func; a panic counts as done.
func runDebugFunc(f debugFunc, ev DebugEvent, name string) (next any, done bool) {
	defer func() {
		if recover() != nil {
			next, done = nil, true
		}
	}()
	return f.f(f.state, ev, name)
}

// sameID compares debug func ids; ids whose dynamic values cannot be
// compared are never equal.
func sameID(a, b any) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = false
		}
	}()
	return a == b
}

// debugCmd carries out a debug request from the sys package and returns the
// value of its reply.
//
//go:noinline
func (p *Process) debugCmd(m *sysmsg.Msg) sysmsg.Result {
	d := p.dbg
	if d == nil {
		d = &debugState{}
	}
	var res sysmsg.Result
	switch m.Kind {
	case sysmsg.Trace:
		d.traceLog = m.On
	case sysmsg.TraceTo:
		d.traceTo = m.Out
	case sysmsg.Log:
		if m.N != d.logN {
			d.setLog(m.N)
		}
	case sysmsg.GetLog:
		res.Value = d.logged()
	case sysmsg.PrintLog:
		name := p.debugName()
		lines := make([]string, 0, len(d.log))
		for _, ev := range d.logged() {
			lines = append(lines, "*DBG* "+name+" "+ev.String())
		}
		res.Value = lines
	case sysmsg.Statistics:
		switch {
		case !m.On:
			d.stats = nil
		case d.stats == nil:
			d.stats = &debugStats{start: time.Now()}
		}
	case sysmsg.GetStatistics:
		if s := d.stats; s != nil {
			res.Value = sysmsg.Stats{Start: s.start, Now: time.Now(),
				Calls: s.calls, Casts: s.casts, Infos: s.infos, MessagesOut: s.outs}
		}
	case sysmsg.Install:
		f, _ := m.Func.(func(any, DebugEvent, string) (any, bool))
		if f == nil {
			break
		}
		for _, g := range d.funcs {
			if sameID(g.id, m.ID) {
				return res // installed already: nothing changes
			}
		}
		d.funcs = append(d.funcs, debugFunc{id: m.ID, f: f, state: m.FuncState})
	case sysmsg.Remove:
		for i, g := range d.funcs {
			if sameID(g.id, m.ID) {
				last := len(d.funcs) - 1
				copy(d.funcs[i:], d.funcs[i+1:])
				d.funcs[last] = debugFunc{}
				d.funcs = d.funcs[:last]
				break
			}
		}
	case sysmsg.NoDebug:
		d = &debugState{}
	}
	if d.off() {
		p.dbg = nil
	} else {
		p.dbg = d
	}
	return res
}

// debugLog returns the logged events for FormatStatus, or nil.
func (p *Process) debugLog() []any {
	d := p.dbg
	if d == nil || d.logN == 0 {
		return nil
	}
	evs := d.logged()
	out := make([]any, len(evs))
	for i, ev := range evs {
		out[i] = ev
	}
	return out
}

// debugLines prints logged events (as FormatStatus left them) for a crash
// report.
func (p *Process) debugLines(log []any) []string {
	name := p.debugName()
	lines := make([]string, len(log))
	for i, v := range log {
		if ev, ok := v.(DebugEvent); ok {
			lines[i] = "*DBG* " + name + " " + ev.String()
		} else {
			lines[i] = debugValue(v)
		}
	}
	return lines
}
