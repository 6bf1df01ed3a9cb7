// Package sysmsg is the system-message protocol between the process loop in
// package gen and the sys package. Users cannot build these values, so they
// cannot forge system messages.
package sysmsg

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
)

// Msg is a system request. A *Msg given to gen.Call is delivered as a system
// message: it is handled even while the process is suspended, and it does not
// cancel a pending callback timeout.
type Msg struct {
	Kind    Kind
	Replace func(state any) any // ReplaceState
	OldVsn  any                 // ChangeCode
	Extra   any                 // ChangeCode
	Reason  error               // Terminate
}

// Status is the reply to GetStatus.
type Status struct {
	Name      string // the registered name, or ""
	Suspended bool
	Parent    any // the parent's gen.PID, or nil
	State     any // the state after FormatStatus
	Server    string
}
