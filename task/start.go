package task

import (
	"context"

	"github.com/gen-go/gen"
)

// Start starts fn in a new task process that nobody awaits and that is not
// linked to the caller: Elixir's Task.start, for work done for its side
// effects. fn's ctx is the task's process, cancelled when it dies. A nil
// error ends the task normally; any other error is its exit reason, and a
// panic crashes it with a [*gen.PanicError]. opts are [gen.Start]'s (a name,
// for example). Start returns once the process exists; fn may still be
// running, and keeps running after the process is killed until it returns.
func Start(ctx context.Context, rt *gen.Runtime, fn func(ctx context.Context) error, opts ...gen.StartOption) (gen.PID, error) {
	pid, err := gen.Start(ctx, rt, sideEffect(fn), opts...)
	if err != nil {
		return gen.PID{}, err
	}
	_ = gen.Cast(rt, pid, run{})
	return pid, nil
}

// StartLink is [Start] with a link to the calling process, which ctx must
// identify, as for [gen.StartLink]: Elixir's Task.start_link, the task of a
// supervision tree. The task is linked before fn starts.
func StartLink(ctx context.Context, rt *gen.Runtime, fn func(ctx context.Context) error, opts ...gen.StartOption) (gen.PID, error) {
	pid, err := gen.StartLink(ctx, rt, sideEffect(fn), opts...)
	if err != nil {
		return gen.PID{}, err
	}
	_ = gen.Cast(rt, pid, run{})
	return pid, nil
}

// StartFunc returns a function that starts fn with [StartLink], linked to
// the process its ctx identifies: the start function of a supervisor child
// spec, Elixir's {Task, fun}. Such a child is usually temporary (Elixir's
// default for tasks): the restart policy belongs to the child spec.
func StartFunc(rt *gen.Runtime, fn func(ctx context.Context) error, opts ...gen.StartOption) func(ctx context.Context) (gen.PID, error) {
	return func(ctx context.Context) (gen.PID, error) {
		return StartLink(ctx, rt, fn, opts...)
	}
}

func sideEffect(fn func(ctx context.Context) error) *runner[struct{}] {
	if fn == nil {
		panic("task: nil function")
	}
	return &runner[struct{}]{fn: func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }}
}
