package supervisor

import (
	"context"
	"errors"
	"fmt"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// Errors returned by the child-management functions.
var (
	ErrNotFound       = errors.New("supervisor: not_found")
	ErrRunning        = errors.New("supervisor: running")
	ErrRestarting     = errors.New("supervisor: restarting")
	ErrAlreadyPresent = errors.New("supervisor: already_present")
	ErrMaxChildren    = errors.New("supervisor: max_children")
)

// Child describes one child, as [WhichChildren] returns it. Under a
// DynamicSupervisor, ID is "".
type Child struct {
	ID string
	// PID is the running child, or zero when it is not running: then
	// Restarting says whether a restart is pending (Erlang's restarting) or
	// not (undefined).
	PID        gen.PID
	Restarting bool
	Type       ChildType
}

// Counts is what [CountChildren] returns. Specs, Workers and Supervisors
// count children whether or not they run; Active counts the running ones.
type Counts struct {
	Specs, Active, Supervisors, Workers int
}

func (n *Counts) count(c *child) {
	n.Specs++
	if !c.pid.IsZero() {
		n.Active++
	}
	if c.spec.Type == SupervisorType {
		n.Supervisors++
	} else {
		n.Workers++
	}
}

// The API calls wait without a deadline unless ctx has one: a supervisor may
// take long to stop or start children, and OTP's supervisor calls wait
// forever too.
func call[R any](ctx context.Context, rt *gen.Runtime, sup gen.Dest, req any) (R, error) {
	if _, ok := ctx.Deadline(); !ok {
		ctx = gen.NoDeadline(ctx)
	}
	return gen.Call[R](ctx, rt, sup, req)
}

// IsSupervisor reports whether the process at to runs a Supervisor or a
// DynamicSupervisor, so that a tool (a dashboard, a tree walker) may ask it
// for its children: a server that does not expect that request may crash on
// it. It asks the process for its status ([sys.GetStatus]), a system
// message that every process answers, also while suspended; ctx bounds the
// wait, with the runtime's default deadline when it has none.
func IsSupervisor(ctx context.Context, rt *gen.Runtime, to gen.Dest) (bool, error) {
	st, err := sys.GetStatus(ctx, rt, to)
	if err != nil {
		return false, err
	}
	return st.Server == supType || st.Server == dynSupType, nil
}

// The server types of the two supervisors as sys.GetStatus names them.
var (
	supType    = fmt.Sprintf("%T", (*sup)(nil))
	dynSupType = fmt.Sprintf("%T", (*dynSup)(nil))
)

// WhichChildren lists the children of the Supervisor or DynamicSupervisor at
// sup, most recently started first.
func WhichChildren(ctx context.Context, rt *gen.Runtime, sup gen.Dest) ([]Child, error) {
	return call[[]Child](ctx, rt, sup, whichReq{})
}

// CountChildren counts the children of the Supervisor or DynamicSupervisor
// at sup.
func CountChildren(ctx context.Context, rt *gen.Runtime, sup gen.Dest) (Counts, error) {
	return call[Counts](ctx, rt, sup, countReq{})
}

// StartChild adds spec to the supervisor at sup and starts it.
//
// Under a Supervisor the child goes after the existing ones. It returns a
// *gen.AlreadyStartedError if a child with the same ID runs,
// ErrAlreadyPresent if the ID is there but not running, a *SpecError for an
// invalid spec, and a *StartError if the start fails (the spec is then
// dropped). A start that returns gen.Ignore gives a zero PID and a nil
// error; the spec is kept unless it is temporary.
//
// Under a DynamicSupervisor the ID is ignored, the start's own error is
// returned as it is, ErrMaxChildren says the limit is reached, and an
// ignored start keeps nothing.
func StartChild(ctx context.Context, rt *gen.Runtime, sup gen.Dest, spec ChildSpec) (gen.PID, error) {
	r, err := call[result](ctx, rt, sup, startReq{spec})
	if err != nil {
		return gen.PID{}, err
	}
	return r.pid, r.err
}

// TerminateChild stops the child with the given ID, or the child with the
// given PID, by its spec's shutdown protocol. Under a Supervisor the spec is
// kept (unless the child is temporary) and a stopped child may be stopped
// again; under a DynamicSupervisor (which takes a PID) the child is
// forgotten. It returns ErrNotFound for an unknown child.
func TerminateChild[C string | gen.PID](ctx context.Context, rt *gen.Runtime, sup gen.Dest, child C) error {
	var req terminateReq
	switch c := any(child).(type) {
	case string:
		if c == "" {
			return ErrNotFound
		}
		req.id = c
	case gen.PID:
		req.pid = c
	}
	r, err := call[result](ctx, rt, sup, req)
	if err != nil {
		return err
	}
	return r.err
}

// RestartChild starts again the stopped child with the given ID. It returns
// ErrRunning, ErrRestarting or ErrNotFound when there is no stopped child by
// that ID, and the start's error if it fails (the spec is kept). A start that
// returns gen.Ignore gives a zero PID and a nil error.
func RestartChild(ctx context.Context, rt *gen.Runtime, sup gen.Dest, id string) (gen.PID, error) {
	r, err := call[result](ctx, rt, sup, restartReq{id})
	if err != nil {
		return gen.PID{}, err
	}
	return r.pid, r.err
}

// DeleteChild forgets the stopped child with the given ID. It returns
// ErrRunning, ErrRestarting or ErrNotFound when there is no stopped child by
// that ID.
func DeleteChild(ctx context.Context, rt *gen.Runtime, sup gen.Dest, id string) error {
	r, err := call[result](ctx, rt, sup, deleteReq{id})
	if err != nil {
		return err
	}
	return r.err
}
