package task

import (
	"context"

	"github.com/gen-go/gen"
)

// callerPID returns the process ctx identifies: the PID of a *gen.Process,
// or, for any other context, the process it was derived from, if any (the
// zero PID for a plain goroutine's context).
//
// gen keeps the context key that marks a process private, so this package
// cannot look a derived context up itself. It asks a throwaway process
// instead: a [gen.Call] made with ctx tells the callee its caller (From.PID),
// which gen finds from ctx as it does for every call. That costs a process
// start and a call, and only for contexts that are not a *gen.Process.
func callerPID(ctx context.Context, owner *gen.Process) (gen.PID, error) {
	if p, ok := ctx.(*gen.Process); ok {
		return p.Self(), nil
	}
	rt := owner.Runtime()
	pid, err := gen.Start(context.Background(), rt, whoami{})
	if err != nil {
		return gen.PID{}, err
	}
	return gen.Call[gen.PID](ctx, rt, pid, whoamiReq{})
}

// whoami answers one call with the caller's PID and exits.
type whoami struct{}

type whoamiReq struct{}

func (whoami) HandleCall(_ *gen.Process, from gen.From, _ any) (any, error) {
	return from.PID(), gen.StopWithReply(gen.ErrNormal)
}
