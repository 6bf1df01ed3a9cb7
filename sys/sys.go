// Package sys controls and debugs live processes the way Erlang's :sys
// module does. Every function sends a system message that the process
// handles between callbacks, on its own goroutine, so its state is never
// touched concurrently. System messages are handled while a process is
// suspended and do not cancel a pending callback timeout.
//
// # Control
//
// [GetState], [ReplaceState] and [GetStatus] read or replace a server's
// state and report its status; [Suspend] and [Resume] stop and restart its
// handling of messages; [ChangeCode] upgrades a suspended server's state in
// place; [Terminate] stops it.
//
// # Debugging
//
// [Trace] and [TraceTo] print one line per event; [Log], [GetLog] and
// [PrintLog] keep the last events and read them back; [Statistics] and
// [GetStatistics] count messages; [Install] and [Remove] attach and detach
// debug funcs that see every event; [NoDebug] switches all of it off.
// [gen.WithDebug] switches debugging on from a process's start. Events are
// [gen.DebugEvent] values: a call, cast or message that arrived, then the
// reply sent or the new state. A process pays nothing for debugging while it
// is off.
//
// # Timeouts and errors
//
// Each function takes ctx first; it bounds the wait, with the runtime's
// default call timeout (5 s) when ctx has no deadline, like :sys. When the
// process is not there, exits before answering, or does not answer in time,
// the function returns a *[gen.CallError] whose Op names the function
// ("sys.GetState", ...) and which wraps the cause: errors.Is(err,
// gen.ErrNoProc) or errors.Is(err, context.DeadlineExceeded) match it, as
// Erlang's {noproc, {sys, get_state, Args}} and {timeout, {sys, ...}} do.
// Other errors are the answer of a process that was reached.
package sys

import (
	"context"
	"errors"
	"io"
	"reflect"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/sysmsg"
)

// DefaultLogSize is the number of events [Log] keeps in Erlang's
// log(Name, true).
const DefaultLogSize = 10

var (
	// ErrNoStatistics is returned by [GetStatistics] when statistics are
	// off for the process (Erlang's {ok, no_statistics}).
	ErrNoStatistics = errors.New("sys: no statistics")

	// ErrBadID is returned by [Install] and [Remove] for a nil id or one
	// whose type cannot be compared.
	ErrBadID = errors.New("sys: debug func id is nil or not comparable")
)

// call sends m to the process at to and returns the value and error of the
// process's answer. A failure to get an answer is a *gen.CallError with Op
// set to op.
func call(ctx context.Context, rt *gen.Runtime, to gen.Dest, op string, m *sysmsg.Msg) (any, error) {
	res, err := gen.Call[sysmsg.Result](ctx, rt, to, m)
	if err != nil {
		return nil, callError(op, err)
	}
	return res.Value, res.Err
}

// callError names the sys function in a failed call.
func callError(op string, err error) error {
	if ce, ok := err.(*gen.CallError); ok {
		e := *ce
		e.Op, e.Request = op, nil
		return &e
	}
	return err
}

// GetState returns the state of the process at to: a copy made inside the
// process, never the live server value, so reading it races with nothing
// the server does afterwards. The copy is what the server's StateSnapshot
// method returns (gen.StateSnapshotter), or else, for a server that is a
// pointer to a struct, a new struct with the same field values; see
// gen.StateSnapshotter for what a one-level copy still shares.
func GetState(ctx context.Context, rt *gen.Runtime, to gen.Dest) (any, error) {
	return call(ctx, rt, to, "sys.GetState", &sysmsg.Msg{Kind: sysmsg.GetState})
}

// ReplaceState runs f with the server value inside the process and makes its
// result the new server value, of which it returns a copy, as GetState does. If f panics the state is
// kept and ReplaceState returns the panic as a *gen.PanicError.
func ReplaceState(ctx context.Context, rt *gen.Runtime, to gen.Dest, f func(state any) any) (any, error) {
	return call(ctx, rt, to, "sys.ReplaceState", &sysmsg.Msg{Kind: sysmsg.ReplaceState, Replace: f})
}

// Status describes a live process, as :sys.get_status does.
type Status struct {
	PID       gen.PID
	Name      gen.Name // "" when not registered
	Suspended bool
	// Parent is the process that started this one with gen.StartLink. For
	// a process started with gen.Start, which has no parent, it is the
	// process itself, as in Erlang.
	Parent gen.PID
	Server string // the server's Go type
	State  any    // the state, after the server's FormatStatus
	// Log holds the logged events (gen.DebugEvent values, oldest first)
	// after the server's FormatStatus, while logging is on (see Log).
	Log []any
}

// GetStatus returns the status of the process at to.
func GetStatus(ctx context.Context, rt *gen.Runtime, to gen.Dest) (Status, error) {
	v, err := call(ctx, rt, to, "sys.GetStatus", &sysmsg.Msg{Kind: sysmsg.GetStatus})
	if err != nil {
		return Status{}, err
	}
	s := v.(sysmsg.Status)
	pid, _ := rt.Whereis(to)
	st := Status{PID: pid, Name: gen.Name(s.Name), Suspended: s.Suspended, Server: s.Server, State: s.State,
		Log: s.Log}
	if parent, ok := s.Parent.(gen.PID); ok {
		st.Parent = parent
	}
	return st, nil
}

// Suspend stops the process at to from handling anything but system
// messages. Calls, casts and messages stay queued until Resume. Suspending a
// suspended process is not an error.
func Suspend(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
	_, err := call(ctx, rt, to, "sys.Suspend", &sysmsg.Msg{Kind: sysmsg.Suspend})
	return err
}

// Resume lets a suspended process handle its queued messages again. Resuming
// a running process is not an error.
func Resume(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
	_, err := call(ctx, rt, to, "sys.Resume", &sysmsg.Msg{Kind: sysmsg.Resume})
	return err
}

// ChangeCode calls the server's CodeChange(oldVsn, extra) and installs the
// server value it returns. The process must be suspended: otherwise
// ChangeCode returns gen.ErrNotSuspended. If CodeChange fails or panics, the
// old state is kept, the server keeps running, and the failure is returned.
func ChangeCode(ctx context.Context, rt *gen.Runtime, to gen.Dest, oldVsn, extra any) error {
	_, err := call(ctx, rt, to, "sys.ChangeCode", &sysmsg.Msg{Kind: sysmsg.ChangeCode, OldVsn: oldVsn, Extra: extra})
	return err
}

// Terminate stops the process at to with reason (nil means gen.ErrNormal):
// its Terminate callback runs with reason and it exits with reason. It works
// while the process is suspended, and it returns nil once the process has
// exited with reason (Erlang's sys:terminate returns ok as the process starts
// to terminate). If the process exits with another reason, for example
// because Terminate panicked, the error is a *gen.CallError wrapping a
// *gen.ExitError with that reason.
func Terminate(ctx context.Context, rt *gen.Runtime, to gen.Dest, reason error) error {
	if reason == nil {
		reason = gen.ErrNormal
	}
	_, err := gen.Call[any](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.Terminate, Reason: reason})
	var ee *gen.ExitError
	if errors.As(err, &ee) && ee.Reason == reason {
		return nil
	}
	if err == nil {
		return nil
	}
	return callError("sys.Terminate", err)
}

// Trace switches tracing of the process at to on or off: while it is on,
// the process prints one line per event to the runtime's logger, at level
// Info, in Erlang's words (see gen.DebugEvent.String):
//
//	*DBG* <name> got call <request> from <pid>
//	*DBG* <name> sent <reply> to <pid>, new state <state>
//	*DBG* <name> got cast <message>
//	*DBG* <name> got <message>
//	*DBG* <name> new state <state>
//
// <name> is the process's registered name, or its PID. Printing a value runs
// fmt on the process's goroutine, once per event.
func Trace(ctx context.Context, rt *gen.Runtime, to gen.Dest, on bool) error {
	_, err := call(ctx, rt, to, "sys.Trace", &sysmsg.Msg{Kind: sysmsg.Trace, On: on})
	return err
}

// TraceTo makes the process at to print the lines of [Trace] to w, one Write
// per line ending in a newline, besides any trace to the logger; a nil w
// stops it. It is Erlang's log_to_file, for any writer: pass an *os.File
// for a file. w is written from the process's goroutine, so a writer shared
// by several processes must be safe for concurrent use, and w must not
// block for long. Write errors are ignored.
func TraceTo(ctx context.Context, rt *gen.Runtime, to gen.Dest, w io.Writer) error {
	_, err := call(ctx, rt, to, "sys.TraceTo", &sysmsg.Msg{Kind: sysmsg.TraceTo, Out: w})
	return err
}

// Log makes the process at to keep its last n events (use [DefaultLogSize]
// for Erlang's log(Name, true)), read back with [GetLog] and [PrintLog] and
// shown by [GetStatus] and in crash reports. Events already logged are kept,
// up to n. n <= 0 switches logging off and drops the log.
//
// The log keeps each state as text, printed when the event happened, so
// logging costs one fmt call per event on the process's goroutine.
func Log(ctx context.Context, rt *gen.Runtime, to gen.Dest, n int) error {
	_, err := call(ctx, rt, to, "sys.Log", &sysmsg.Msg{Kind: sysmsg.Log, N: n})
	return err
}

// GetLog returns the events logged by the process at to, oldest first; none
// when logging is off. The State of each event is its text (see
// gen.DebugEvent).
func GetLog(ctx context.Context, rt *gen.Runtime, to gen.Dest) ([]gen.DebugEvent, error) {
	v, err := call(ctx, rt, to, "sys.GetLog", &sysmsg.Msg{Kind: sysmsg.GetLog})
	if err != nil {
		return nil, err
	}
	return v.([]gen.DebugEvent), nil
}

// PrintLog writes the events logged by the process at to, oldest first, to
// w as [Trace] prints them, one line each. The lines are made by the process
// and written by PrintLog, on the caller's goroutine.
func PrintLog(ctx context.Context, rt *gen.Runtime, to gen.Dest, w io.Writer) error {
	v, err := call(ctx, rt, to, "sys.PrintLog", &sysmsg.Msg{Kind: sysmsg.PrintLog})
	if err != nil {
		return err
	}
	for _, line := range v.([]string) {
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// Statistics switches counting of the messages of the process at to on or
// off. Switching it on while it is on changes nothing; switching it off
// drops the counts.
func Statistics(ctx context.Context, rt *gen.Runtime, to gen.Dest, on bool) error {
	_, err := call(ctx, rt, to, "sys.Statistics", &sysmsg.Msg{Kind: sysmsg.Statistics, On: on})
	return err
}

// Stats are the statistics of a process: Erlang's start_time, current_time,
// messages_in and messages_out. Erlang's reductions have no Go equivalent (a
// goroutine's work is not counted), so there is no such field.
type Stats struct {
	StartTime   time.Time // when statistics were switched on
	CurrentTime time.Time // when the process answered GetStatistics
	MessagesIn  int       // Calls + Casts + Infos
	Calls       int       // calls handled
	Casts       int       // casts handled
	Infos       int       // messages handled by HandleInfo
	MessagesOut int       // replies returned by HandleCall
}

// GetStatistics returns the statistics of the process at to, or
// [ErrNoStatistics] when they are off.
func GetStatistics(ctx context.Context, rt *gen.Runtime, to gen.Dest) (Stats, error) {
	v, err := call(ctx, rt, to, "sys.GetStatistics", &sysmsg.Msg{Kind: sysmsg.GetStatistics})
	if err != nil {
		return Stats{}, err
	}
	s, ok := v.(sysmsg.Stats)
	if !ok {
		return Stats{}, ErrNoStatistics
	}
	return Stats{StartTime: s.Start, CurrentTime: s.Now, MessagesIn: s.Calls + s.Casts + s.Infos,
		Calls: s.Calls, Casts: s.Casts, Infos: s.Infos, MessagesOut: s.MessagesOut}, nil
}

// A Func is a debug function, installed in a process with [Install]. It runs
// on the process's goroutine for every event, after the trace, log and
// statistics, with its state, the event, and the process's registered name
// or PID (as in trace lines). It returns its next state, or done = true to
// be removed. A Func that panics is removed too, and the process goes on.
//
// A Func must not call sys functions or gen.Call on its own process, which
// is busy running it.
type Func func(state any, ev gen.DebugEvent, name string) (next any, done bool)

// Install installs f in the process at to, under id, with state as its first
// state: Erlang's install(Name, {Id, Func, FuncState}). If a func with an
// equal id is installed already, Install changes nothing, so installing the
// same id twice installs one func; install the same f under several ids for
// several copies. id must be comparable and not nil; otherwise Install
// returns [ErrBadID]. f must not be nil.
func Install(ctx context.Context, rt *gen.Runtime, to gen.Dest, id any, f Func, state any) error {
	if f == nil {
		panic("sys: Install with a nil Func")
	}
	if !validID(id) {
		return ErrBadID
	}
	m := &sysmsg.Msg{Kind: sysmsg.Install, ID: id, FuncState: state,
		Func: (func(any, gen.DebugEvent, string) (any, bool))(f)}
	_, err := call(ctx, rt, to, "sys.Install", m)
	return err
}

// Remove removes the debug func installed under id in the process at to.
// Removing an id that is not installed is not an error.
func Remove(ctx context.Context, rt *gen.Runtime, to gen.Dest, id any) error {
	if !validID(id) {
		return ErrBadID
	}
	_, err := call(ctx, rt, to, "sys.Remove", &sysmsg.Msg{Kind: sysmsg.Remove, ID: id})
	return err
}

// NoDebug switches off all debugging of the process at to: trace, trace to
// a writer, log, statistics and installed funcs.
func NoDebug(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
	_, err := call(ctx, rt, to, "sys.NoDebug", &sysmsg.Msg{Kind: sysmsg.NoDebug})
	return err
}

func validID(id any) bool {
	return id != nil && reflect.TypeOf(id).Comparable()
}
