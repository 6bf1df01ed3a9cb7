package gen

import "reflect"

// A Server holds a generic server's state and implements its callbacks. Any
// value is a Server; what it can do comes from the optional interfaces it
// implements: [Initer], [CallHandler], [CastHandler], [InfoHandler],
// [ContinueHandler], [Terminator], [CodeChanger] and [StatusFormatter]. The
// smallest useful server implements one or two of them, usually on a pointer
// to a struct whose fields are the state.
//
// # The callback contract
//
// Every callback runs on the process's own goroutine, one message at a time,
// in mailbox order, so a Server needs no locks for its own fields. The
// *[Process] passed in is the process's handle and context: it is cancelled
// when the process dies, and it identifies the caller to [Call], [StartLink]
// and friends. Values sent and received are passed as they are; send copies,
// not pointers into live state.
//
// A callback's error is Erlang's {stop, Reason}: a non-nil error other than
// the control values [NoReply] and [Ignore] stops the process, with that
// error as its exit reason, after [Terminator.Terminate] runs. Returning
// [ErrNormal] stops quietly; [ErrShutdown] and [*ShutdownError] stop without
// a crash report; anything else is a crash, logged as a crash report and
// seen by links and monitors.
//
// A callback that panics is a crash as well: the process recovers the panic
// at its boundary, runs Terminate with a [*PanicError] holding the value and
// the stack, and exits with it. [Options.PassThroughPanics] crashes the
// program instead.
//
// Continue, timeout and hibernate are requests made on the process before
// returning: [Process.Continue], [Process.SetTimeout] and
// [Process.Hibernate]. The last request made in a callback wins.
type Server any

// Initer is implemented by servers that initialise themselves in the new
// process, before [Start] returns. Init's result decides the start:
//
//   - nil: Start returns the PID and the process enters its loop;
//   - [Ignore]: Start returns Ignore; the process exits normally;
//   - InitFailed(err): Start returns err; the process exits normally;
//   - any other error: Start returns it; the process exits with it as reason.
//
// Terminate is never called after a failed Init.
type Initer interface {
	Init(p *Process) error
}

// CallHandler is implemented by servers that answer [Call]. The returned
// reply goes to the caller when err is nil. err may also be [NoReply] (reply
// later with [Reply], from any goroutine), [StopWithReply] (stop after
// replying), or any other error, which stops the server without a reply so
// that the caller's Call fails with the exit reason.
//
// A server that receives a call without implementing CallHandler crashes with
// a [*MissingCallbackError].
type CallHandler interface {
	HandleCall(p *Process, from From, req any) (reply any, err error)
}

// CastHandler is implemented by servers that take [Cast] messages. A non-nil
// error stops the server. A server that receives a cast without implementing
// CastHandler crashes with a [*MissingCallbackError].
type CastHandler interface {
	HandleCast(p *Process, msg any) error
}

// InfoHandler is implemented by servers that take plain messages: values sent
// with [Send] or [SendAfter], [Down] and [ExitSignal] notices, and [Timeout].
// A non-nil error stops the server. A server without InfoHandler logs each
// such message as unexpected and keeps running.
type InfoHandler interface {
	HandleInfo(p *Process, msg any) error
}

// ContinueHandler is implemented by servers that use [Process.Continue]:
// HandleContinue runs with the given argument before the next message. A
// server that requests a continue without implementing it crashes with a
// [*MissingCallbackError].
type ContinueHandler interface {
	HandleContinue(p *Process, arg any) error
}

// Terminator is implemented by servers that clean up when they stop. Terminate
// runs with the exit reason when a callback other than Init returns a stop
// error or panics, when [Stop] asks the server to end, and when its parent's
// exit signal reaches a server that traps exits. It does not run when the
// process is killed, or when a linked process's exit signal reaches a server
// that does not trap exits. If Terminate panics, the process exits with that
// panic instead of reason.
type Terminator interface {
	Terminate(p *Process, reason error)
}

// CodeChanger is implemented by servers whose state can be upgraded in place
// through sys.ChangeCode while suspended. It returns the new server value; on
// error or panic the old value is kept and the server keeps running.
type CodeChanger interface {
	CodeChange(p *Process, oldVsn, extra any) (Server, error)
}

// StatusFormatter is implemented by servers that want to shape what
// sys.GetStatus and crash reports show, for example to hide secrets. The
// Status given holds the state and, for crash reports, the last message and
// the reason. If FormatStatus panics, a placeholder stands in for the state
// and the server keeps running.
type StatusFormatter interface {
	FormatStatus(s Status) Status
}

// StateSnapshotter is implemented by servers that say what sys.GetState,
// sys.ReplaceState and sys.GetStatus hand out in place of the live server:
// a copy deep enough for the caller to read while the server carries on.
// StateSnapshot runs inside the process.
//
// Without it, the live server value never leaves the process either: a
// server that is a pointer to a struct is copied one level deep (a new
// struct with the same field values), and any other value is handed out as
// it is (the interface holds a copy already). A one-level copy still shares
// what its fields point to (maps, slices, pointers): implement
// StateSnapshot when the caller must read those.
type StateSnapshotter interface {
	StateSnapshot() any
}

// snapshot returns what may leave the process in place of srv: see
// [StateSnapshotter].
func snapshot(srv Server) any {
	if s, ok := srv.(StateSnapshotter); ok {
		return s.StateSnapshot()
	}
	v := reflect.ValueOf(srv)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return srv
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface()
}

// Status is what [StatusFormatter] sees and returns: Erlang's format_status
// map.
type Status struct {
	State   any   // the server value, or what FormatStatus put in its place
	Message any   // the last message, in crash reports
	Reason  error // the exit reason, in crash reports
	Log     []any // the logged [DebugEvent] values, oldest first, when sys logging is on
}

// From identifies a caller waiting in [Call]; a [CallHandler] that returns
// [NoReply] keeps it and answers later with [Reply]. From values are
// comparable and unique per request. The zero From is no caller.
type From struct {
	slot   *callSlot
	seq    uint64
	caller *Process
}

// PID returns the calling process, or the zero PID when the caller is a plain
// goroutine.
func (f From) PID() PID {
	if f.caller == nil {
		return PID{}
	}
	return f.caller.pid
}

// Timeout is the message a server receives through HandleInfo when the time
// set with [Process.SetTimeout] passes with no other message arriving.
// Sending Timeout{} to a server has the same effect (as sending Erlang's
// timeout atom does).
type Timeout struct{}

// Down is the message a monitoring process receives when the monitored
// process exits, or at once when it did not exist.
type Down struct {
	Ref    Ref   // the ref returned by Monitor
	PID    PID   // the monitored process, when it was monitored by PID or resolved
	Name   Dest  // the name monitored, when it was monitored by name; else nil
	Reason error // the exit reason; ErrNoProc when there was no process
}

// ExitSignal is the message a process that traps exits receives in place of an
// exit signal: Erlang's {'EXIT', From, Reason}.
type ExitSignal struct {
	From   PID
	Reason error
}
