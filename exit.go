package gen

import (
	"errors"
	"fmt"
)

// Exit reasons. A process's exit reason is an error value; these sentinels
// are Erlang's atoms of the same names. Compare with [errors.Is].
var (
	// ErrNormal is the reason of a process that finished its work. It does
	// not kill linked processes and produces no crash report. A nil reason
	// means ErrNormal wherever a reason is taken.
	ErrNormal = errors.New("normal")

	// ErrShutdown is the reason a supervisor or [Stop] uses to ask a process
	// to end. It produces no crash report but kills linked processes that
	// do not trap exits. [ShutdownError] matches it too.
	ErrShutdown = errors.New("shutdown")

	// ErrKill, given to [Process.Exit] or [Runtime.Exit], ends the target
	// whether or not it traps exits. The target then exits with ErrKilled,
	// and that is the reason its links and monitors see.
	ErrKill = errors.New("kill")

	// ErrKilled is the exit reason of a process that was sent ErrKill.
	ErrKilled = errors.New("killed")

	// ErrNoProc reports that no process lives at the destination: the PID is
	// dead, or the name is not registered.
	ErrNoProc = errors.New("noproc")

	// ErrNoConnection is the reason seen by links and monitors of a remote
	// process whose node connection was lost.
	ErrNoConnection = errors.New("noconnection")
)

// A ShutdownError is Erlang's {shutdown, Detail}: an orderly stop that carries
// a detail. Like [ErrShutdown] it produces no crash report and is not
// restarted by a transient child spec, and errors.Is(err, ErrShutdown) is
// true for it.
type ShutdownError struct {
	Detail any
}

// Error describes the failure.
func (e *ShutdownError) Error() string { return fmt.Sprintf("shutdown: %v", e.Detail) }

// Is reports whether target is ErrShutdown.
func (e *ShutdownError) Is(target error) bool { return target == ErrShutdown }

// Unwrap returns Detail when it is an error.
func (e *ShutdownError) Unwrap() error {
	if err, ok := e.Detail.(error); ok {
		return err
	}
	return nil
}

// IsAbnormal reports whether reason is a crash: anything but nil, ErrNormal,
// ErrShutdown or a *ShutdownError. Abnormal exits produce crash reports and
// are restarted by transient child specs.
func IsAbnormal(reason error) bool {
	switch reason {
	case nil, ErrNormal, ErrShutdown:
		return false
	case ErrKilled, ErrNoProc:
		return true
	}
	return isAbnormalSlow(reason)
}

//go:noinline
func isAbnormalSlow(reason error) bool {
	return !errors.Is(reason, ErrNormal) && !errors.Is(reason, ErrShutdown)
}

func isNormal(reason error) bool {
	return reason == nil || reason == ErrNormal || isNormalSlow(reason)
}

//go:noinline
func isNormalSlow(reason error) bool { return errors.Is(reason, ErrNormal) }

func orNormal(reason error) error {
	if reason == nil {
		return ErrNormal
	}
	return reason
}

// A PanicError is the exit reason of a process whose callback panicked. It is
// Erlang's {Exception, Stacktrace}: the panic value and the stack where it
// happened.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic, from runtime/debug.Stack
}

// Error describes the failure.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// An ExitError reports that a process exited while a [Call] or [Stop] was
// waiting on it. Reason is its exit reason.
type ExitError struct {
	PID    PID
	Reason error
}

// Error describes the failure.
func (e *ExitError) Error() string {
	return "gen: process " + e.PID.String() + " exited: " + e.Reason.Error()
}

// Unwrap returns the reason, for errors.Is and errors.As.
func (e *ExitError) Unwrap() error { return e.Reason }

// A CallError is what [Call] and [Stop] return when they fail: Erlang's
// {Reason, {gen_server, call, [Server, Request, Timeout]}}. Err is the reason:
// [ErrNoProc], [ErrCallingSelf], a [*NodeDownError], the context's error, or
// an [*ExitError] carrying the server's exit reason. The functions of the sys
// package fail the same way, with Op naming the function (Erlang's
// {Reason, {sys, Function, Args}}).
type CallError struct {
	Op      string // "call", "stop", "start", or "sys.GetState" and so on
	To      Dest
	Request any
	Err     error
}

// Error describes the failure.
func (e *CallError) Error() string {
	return fmt.Sprintf("gen: %s %s: %v", e.Op, destString(e.To), e.Err)
}

// Unwrap returns the reason, for errors.Is and errors.As.
func (e *CallError) Unwrap() error { return e.Err }

// Timeout reports whether the call gave up waiting because its deadline
// passed, so that a *CallError satisfies net.Error-style checks.
func (e *CallError) Timeout() bool { return errors.Is(e.Err, errDeadline) }

// A NodeDownError reports that the node of a remote destination cannot be
// reached. errors.Is(err, ErrNodeDown) is true for it.
type NodeDownError struct {
	Node string
}

// Error describes the failure.
func (e *NodeDownError) Error() string { return "gen: nodedown: " + e.Node }

// Is reports whether target is ErrNodeDown.
func (e *NodeDownError) Is(target error) bool { return target == ErrNodeDown }

// An AlreadyStartedError is returned by [Start] when the requested name
// belongs to a live process, PID. errors.Is(err, ErrAlreadyStarted) is true
// for it.
type AlreadyStartedError struct {
	PID PID
}

// Error describes the failure.
func (e *AlreadyStartedError) Error() string {
	return "gen: already started: " + e.PID.String()
}

// Is reports whether target is ErrAlreadyStarted.
func (e *AlreadyStartedError) Is(target error) bool { return target == ErrAlreadyStarted }

// A MissingCallbackError is the exit reason of a server that was sent a
// message kind it has no callback for: a call without [CallHandler], a cast
// without [CastHandler], or a continue without [ContinueHandler].
type MissingCallbackError struct {
	Server   string // the server's Go type
	Callback string // "HandleCall", "HandleCast" or "HandleContinue"
}

// Error describes the failure.
func (e *MissingCallbackError) Error() string {
	return "gen: server " + e.Server + " received a message for " + e.Callback + " but does not implement it"
}

func destString(d Dest) string {
	switch d := d.(type) {
	case nil:
		return "<nil>"
	case PID:
		return d.String()
	case Name:
		return string(d)
	case RemoteName:
		return string(d.Name) + "@" + d.Node
	case Via:
		return fmt.Sprintf("via(%v)", d.Key)
	}
	return fmt.Sprintf("%v", d)
}
