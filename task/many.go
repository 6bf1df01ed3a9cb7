package task

import (
	"context"
	"reflect"
	"time"

	"github.com/gen-go/gen"
)

// AwaitMany waits for the results of all tasks and returns them in the order
// given: Elixir's Task.await_many. The tasks must all belong to the caller,
// which ctx identifies as for [Task.Await]; ctx bounds the whole wait, with
// [DefaultTimeout] when it has no deadline.
//
// AwaitMany counts as the one await of every task given. It fails at the
// first of: a task exiting without a result (an *[Error] for that task
// carrying its exit reason, as soon as it exits, whatever the others are
// doing), the time running out (context.DeadlineExceeded), or ctx being
// cancelled. Then the tasks that have not delivered are no longer watched
// and keep running; [Task.Shutdown] stops them.
func AwaitMany[R any](ctx context.Context, tasks ...*Task[R]) ([]R, error) {
	out := make([]R, len(tasks))
	if len(tasks) == 0 {
		return out, nil
	}
	self := callerPID(ctx)
	for _, t := range tasks {
		if self != t.owner.Self() {
			return nil, &Error{Op: "await_many", PID: t.pid, Err: ErrNotOwner}
		}
		if t.state != pending {
			return nil, &Error{Op: "await_many", PID: t.pid, Err: ErrAwaited}
		}
	}
	// Each task is a result channel and a Down channel; two more cases for
	// the deadline and ctx. The number of channels is known only now,
	// hence reflect.Select.
	cases := make([]reflect.SelectCase, 2*len(tasks)+2)
	for i, t := range tasks {
		cases[2*i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(t.res.done)}
		cases[2*i+1] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(t.downs)}
	}
	timer := time.NewTimer(timeLeft(ctx))
	defer timer.Stop()
	tc, cc := 2*len(tasks), 2*len(tasks)+1
	cases[tc] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(timer.C)}
	cases[cc] = reflect.SelectCase{Dir: reflect.SelectRecv} // a zero Chan is never ready
	if done := ctx.Done(); done != nil && ctx != context.Context(tasks[0].owner) {
		cases[cc] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)}
	}
	giveUp := func(err error, pid gen.PID) ([]R, error) {
		for _, t := range tasks {
			if t.state == pending {
				t.settle(abandoned)
			}
		}
		return nil, &Error{Op: "await_many", PID: pid, Err: err}
	}
	for left := len(tasks); left > 0; {
		chosen, v, _ := reflect.Select(cases)
		switch {
		case chosen == tc:
			return giveUp(context.DeadlineExceeded, gen.PID{})
		case chosen == cc:
			if !tasks[0].owner.Alive() {
				// The owner's death reaches the tasks through their links;
				// their Downs follow.
				cases[cc].Chan = reflect.Value{}
				continue
			}
			if err := ctx.Err(); err != context.DeadlineExceeded {
				return giveUp(err, gen.PID{})
			}
			return giveUp(context.DeadlineExceeded, gen.PID{})
		}
		i, t := chosen/2, tasks[chosen/2]
		if chosen%2 == 1 && t.down(v.Interface().(gen.Down)) == exited {
			t.settle(taken)
			return giveUp(&gen.ExitError{PID: t.pid, Reason: t.reason}, t.pid)
		}
		out[i] = t.res.v
		t.settle(taken)
		cases[2*i].Chan, cases[2*i+1].Chan = reflect.Value{}, reflect.Value{}
		left--
	}
	return out, nil
}
