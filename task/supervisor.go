package task

import (
	"context"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// StartSupervisor starts a Task.Supervisor, not linked to the caller: a
// DynamicSupervisor for tasks, which are temporary children (never
// restarted). d sets its limits (MaxChildren, restart intensity); opts are
// gen's start options, a name for one.
func StartSupervisor(ctx context.Context, rt *gen.Runtime, d supervisor.Dynamic, opts ...gen.StartOption) (gen.PID, error) {
	return supervisor.StartDynamic(ctx, rt, d, opts...)
}

// SupervisorSpec returns the child spec of a Task.Supervisor, for a
// supervision tree.
func SupervisorSpec(id string, d supervisor.Dynamic, opts ...gen.StartOption) supervisor.ChildSpec {
	return supervisor.DynamicChild(id, d, opts...)
}

// StartChild starts fn as a temporary task under the Task.Supervisor sup,
// for its side effects: Elixir's Task.Supervisor.start_child. Nobody awaits
// it, and it is not linked to the caller. fn's error is the task's exit
// reason, as for [Start].
func StartChild(ctx context.Context, rt *gen.Runtime, sup gen.Dest, fn func(ctx context.Context) error) (gen.PID, error) {
	return supervisor.StartChild(ctx, rt, sup, supervisor.ChildSpec{Restart: supervisor.Temporary, Start: StartFunc(rt, fn)})
}

// AsyncUnder is [Async] with the task started under the Task.Supervisor sup
// (Elixir's Task.Supervisor.async): the task is the supervisor's temporary
// child, and is also linked to and watched by its owner, the process ctx
// is. Await, Yield and Shutdown work as for Async.
func AsyncUnder[R any](ctx context.Context, sup gen.Dest, fn func(ctx context.Context) (R, error)) (*Task[R], error) {
	return asyncUnder(ctx, sup, fn, true)
}

// AsyncNolink is [AsyncUnder] without the link to the owner (Elixir's
// Task.Supervisor.async_nolink): a crash of the task does not reach the
// owner, which learns of it from Await's error instead, and the owner's
// death does not stop the task.
func AsyncNolink[R any](ctx context.Context, sup gen.Dest, fn func(ctx context.Context) (R, error)) (*Task[R], error) {
	return asyncUnder(ctx, sup, fn, false)
}

func asyncUnder[R any](ctx context.Context, sup gen.Dest, fn func(ctx context.Context) (R, error), link bool) (*Task[R], error) {
	owner := gen.ProcessOf(ctx)
	if owner == nil {
		return nil, gen.ErrNotProcess
	}
	if fn == nil {
		panic("task: AsyncUnder with a nil function")
	}
	rt := owner.Runtime()
	res := &result[R]{done: make(chan struct{})}
	pid, err := supervisor.StartChild(owner, rt, sup, supervisor.ChildSpec{Restart: supervisor.Temporary,
		Start: func(sctx context.Context) (gen.PID, error) {
			return gen.StartLink(sctx, rt, &runner[R]{fn: fn, res: res})
		}})
	if err != nil {
		return nil, err
	}
	if link {
		// The task is parked until launch starts it, so the link is in
		// place before fn runs.
		owner.Link(pid)
	}
	return launch(owner, pid, res), nil
}

// Spec returns the child spec of a task running fn under a Supervisor,
// Elixir's {Task, fun}: restart Temporary, as for every task. Set Restart
// on the result for a task that must run again when it exits (the KV
// application's acceptor, for one).
func Spec(id string, rt *gen.Runtime, fn func(ctx context.Context) error, opts ...gen.StartOption) supervisor.ChildSpec {
	return supervisor.ChildSpec{ID: id, Restart: supervisor.Temporary, Start: StartFunc(rt, fn, opts...)}
}
