package gen

import (
	"context"
	"errors"
)

// Errors returned by the client API.
var (
	// ErrCallingSelf is returned by [Call] and [Stop] when a process aims at
	// itself, by PID or by any name that resolves to it.
	ErrCallingSelf = errors.New("gen: calling self")

	// ErrNodeDown matches every [*NodeDownError].
	ErrNodeDown = errors.New("gen: nodedown")

	// ErrAlreadyStarted matches every [*AlreadyStartedError].
	ErrAlreadyStarted = errors.New("gen: already started")

	// ErrMailboxFull is returned by [Send], [Cast] and [Call] when the
	// target's bounded mailbox is full (see [WithMailboxLimit]).
	ErrMailboxFull = errors.New("gen: mailbox full")

	// ErrNotProcess is returned by operations that need a calling process,
	// such as [StartLink], when ctx does not come from one.
	ErrNotProcess = errors.New("gen: not called from a process")

	// ErrNameTaken is returned by [Runtime.Register] when the name belongs to
	// another process or the process already has a name.
	ErrNameTaken = errors.New("gen: name taken")

	// ErrBadName is returned for an empty or otherwise invalid name.
	ErrBadName = errors.New("gen: invalid name")

	// ErrRuntimeClosed is returned by Start after the runtime has begun to
	// shut down.
	ErrRuntimeClosed = errors.New("gen: runtime closed")
)

// Control values returned by callbacks. They are not failures.
var (
	// Ignore, returned by Init, makes Start return Ignore and the process exit
	// normally without calling Terminate: Erlang's ignore.
	Ignore = errors.New("gen: ignore")

	// NoReply, returned as the error of HandleCall, sends no reply now; the
	// server or any goroutine completes the call later with [Reply].
	NoReply = errors.New("gen: no reply")
)

// errDeadline is the cause given to calls that end by their default deadline.
var errDeadline = context.DeadlineExceeded

// InitFailed wraps reason so that Init fails the start quietly: Start returns
// reason, the process exits with ErrNormal, and a linked caller is not
// affected (Erlang's {error, Reason}, OTP 26). A plain error returned by Init
// is Erlang's {stop, Reason} instead: the process exits with that reason.
func InitFailed(reason error) error { return &initFailed{reason} }

type initFailed struct{ reason error }

func (e *initFailed) Error() string { return e.reason.Error() }
func (e *initFailed) Unwrap() error { return e.reason }

// StopWithReply, returned as the error of HandleCall next to a reply, stops
// the server: Terminate runs with reason first, then the reply is sent, then
// the process exits with reason (Erlang's {stop, Reason, Reply, State}).
func StopWithReply(reason error) error { return &stopReply{orNormal(reason)} }

type stopReply struct{ reason error }

func (e *stopReply) Error() string { return "gen: stop with reply: " + e.reason.Error() }
func (e *stopReply) Unwrap() error { return e.reason }
