// Package sys controls live processes the way Erlang's :sys module does:
// read or replace a server's state, read its status, suspend and resume it,
// and upgrade its state in place. Every function sends a system message that
// the process handles between callbacks, on its own goroutine, so state is
// never touched concurrently. System messages are handled while a process is
// suspended and do not cancel a pending callback timeout.
//
// Each function takes ctx first; it bounds the wait, with the runtime's
// default call timeout (5 s) when ctx has no deadline, like :sys.
package sys

import (
	"context"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/sysmsg"
)

// GetState returns the server value of the process at to. The value is the
// live state: a pointer to it must only be read while the server cannot
// change it (for example while suspended), or copied by the caller's own
// discipline.
func GetState(ctx context.Context, rt *gen.Runtime, to gen.Dest) (any, error) {
	return gen.Call[any](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.GetState})
}

// ReplaceState runs f with the server value inside the process and makes its
// result the new server value, which it returns. If f panics the state is
// kept and ReplaceState returns the panic as a *gen.PanicError.
func ReplaceState(ctx context.Context, rt *gen.Runtime, to gen.Dest, f func(state any) any) (any, error) {
	v, err := gen.Call[any](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.ReplaceState, Replace: f})
	if err != nil {
		return nil, err
	}
	if pe, ok := v.(*gen.PanicError); ok {
		return nil, pe
	}
	return v, nil
}

// Status describes a live process, as :sys.get_status does.
type Status struct {
	PID       gen.PID
	Name      gen.Name // "" when not registered
	Suspended bool
	Parent    gen.PID // zero when started without a link
	Server    string  // the server's Go type
	State     any     // the state, after the server's FormatStatus
}

// GetStatus returns the status of the process at to.
func GetStatus(ctx context.Context, rt *gen.Runtime, to gen.Dest) (Status, error) {
	v, err := gen.Call[sysmsg.Status](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.GetStatus})
	if err != nil {
		return Status{}, err
	}
	pid, _ := rt.Whereis(to)
	st := Status{PID: pid, Name: gen.Name(v.Name), Suspended: v.Suspended, Server: v.Server, State: v.State}
	if parent, ok := v.Parent.(gen.PID); ok {
		st.Parent = parent
	}
	return st, nil
}

// Suspend stops the process at to from handling anything but system
// messages. Calls, casts and messages stay queued until Resume.
func Suspend(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
	_, err := gen.Call[any](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.Suspend})
	return err
}

// Resume lets a suspended process handle its queued messages again.
func Resume(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
	_, err := gen.Call[any](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.Resume})
	return err
}

// ChangeCode calls the server's CodeChange(oldVsn, extra) and installs the
// server value it returns. The process must be suspended: otherwise
// ChangeCode returns gen.ErrNotSuspended. If CodeChange fails or panics, the
// old state is kept, the server keeps running, and the failure is returned.
func ChangeCode(ctx context.Context, rt *gen.Runtime, to gen.Dest, oldVsn, extra any) error {
	v, err := gen.Call[any](ctx, rt, to, &sysmsg.Msg{Kind: sysmsg.ChangeCode, OldVsn: oldVsn, Extra: extra})
	if err != nil {
		return err
	}
	if e, ok := v.(error); ok {
		return e
	}
	return nil
}
