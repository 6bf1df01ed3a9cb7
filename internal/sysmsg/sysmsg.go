// Package sysmsg is the system-message protocol between the process loop in
// package gen and the sys package. Users cannot build these values, so they
// cannot forge system messages.
package sysmsg

import (
	"io"
	"time"
)

// Kind names a system request.
type Kind uint8

// The system requests a process understands.
const (
	GetState Kind = iota + 1
	ReplaceState
	GetStatus
	Suspend
	Resume
	ChangeCode
	Terminate
	Trace         // On: trace events to the runtime's logger
	TraceTo       // Out: trace events to a writer; nil stops
	Log           // N: keep the last N events; N <= 0 stops
	GetLog        // reply: []gen.DebugEvent, oldest first
	PrintLog      // reply: []string, the logged events as trace lines
	Statistics    // On: count messages
	GetStatistics // reply: Stats, or nil when statistics are off
	Install       // ID, Func, FuncState: install a debug func
	Remove        // ID: remove a debug func
	NoDebug       // turn every debug option off
)

// Msg is a system request. A *Msg given to gen.Call is delivered as a system
// message: it is handled even while the process is suspended, and it does not
// cancel a pending callback timeout.
type Msg struct {
	Kind      Kind
	Replace   func(state any) any // ReplaceState
	OldVsn    any                 // ChangeCode
	Extra     any                 // ChangeCode
	Reason    error               // Terminate
	On        bool                // Trace, Statistics
	N         int                 // Log
	Out       io.Writer           // TraceTo
	ID        any                 // Install, Remove
	Func      any                 // Install: a func(any, gen.DebugEvent, string) (any, bool)
	FuncState any                 // Install
}

// Result is the reply to every request but Terminate, which the exit answers.
// It is a struct, not an error, so that gen.Call hands it over as a value and
// an error in it is never mistaken for a failure of the call itself.
type Result struct {
	Value any
	Err   error
}

// Status is the value of GetStatus's Result.
type Status struct {
	Name      string // the registered name, or ""
	Suspended bool
	Parent    any   // the parent's gen.PID: the process itself when started without a link
	State     any   // the state after FormatStatus
	Log       []any // the logged events after FormatStatus, when logging is on
	Server    string
}

// Stats is the value of GetStatistics's Result while statistics are on.
type Stats struct {
	Start       time.Time // when statistics were switched on
	Now         time.Time // when the process answered
	Calls       int
	Casts       int
	Infos       int
	MessagesOut int
}
