package task

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gen-go/gen"
)

// DefaultTimeout is Elixir's 5000 ms: how long [Task.Await], [Task.Yield]
// and [AwaitMany] wait when ctx has no deadline, and the per-item timeout of
// [AsyncStream] unless [WithTimeout] says otherwise. It is also the usual
// grace period to give [Task.Shutdown].
const DefaultTimeout = 5 * time.Second

// BrutalKill, given to [Task.Shutdown] as its timeout, kills the task at
// once, without asking it to shut down first: Elixir's :brutal_kill.
const BrutalKill time.Duration = -1

var (
	// ErrNotOwner is the reason of the *[Error] returned when a process
	// other than a task's owner, or a goroutine that is no process, calls
	// Await, Yield, Shutdown or AwaitMany on it.
	ErrNotOwner = errors.New("task: not the task's owner")

	// ErrAwaited is the reason of the *[Error] returned by Await, Yield and
	// AwaitMany on a task whose result or exit was already returned, or
	// whose Await gave up: a task is awaited once.
	ErrAwaited = errors.New("task: already awaited")
)

// An Error reports that a task operation failed: Elixir's exit
// {Reason, {Task, :await, [task, timeout]}} and its kin. Err is the reason:
//
//   - a *[gen.ExitError] holding the task's exit reason, when the task
//     exited without a result (errors.Is(err, gen.ErrKilled) and
//     errors.AsType[*gen.PanicError](err) see through it);
//   - context.DeadlineExceeded when the wait timed out (Timeout reports
//     true), or ctx's error when ctx was cancelled;
//   - [ErrNotOwner] or [ErrAwaited] for a misuse.
type Error struct {
	Op  string  // "await", "yield", "shutdown", "await_many" or "stream"
	PID gen.PID // the task, when one task is concerned; else the zero PID
	Err error
}

// Error describes the failure.
func (e *Error) Error() string {
	if e.PID.IsZero() {
		return "task: " + e.Op + ": " + e.Err.Error()
	}
	return "task: " + e.Op + " " + e.PID.String() + ": " + e.Err.Error()
}

// Unwrap returns the reason, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Timeout reports whether the operation gave up because its time ran out.
func (e *Error) Timeout() bool { return errors.Is(e.Err, context.DeadlineExceeded) }

// A Task is a function running in its own process on behalf of the process
// that started it with [Async], its owner, which collects the result with
// [Task.Await], [Task.Yield], [Task.Shutdown] or [AwaitMany].
//
// A Task belongs to its owner: only the owner may use its methods, and not
// from two goroutines at once. PID may be used anywhere.
type Task[R any] struct {
	pid   gen.PID
	owner *gen.Process
	res   *result[R]

	// Owned by the owner.
	ref    gen.Ref
	downs  <-chan gen.Down // the runtime watch on the task; nil once dropped
	state  taskState
	reason error // the task's exit reason, once its Down has been seen
}

type taskState uint8

const (
	pending   taskState = iota // watching the task; nothing returned yet
	abandoned                  // an await gave up: no longer watched, its result is dropped
	taken                      // the result or the exit has been returned
)

// result is where the task process leaves its value: v is written before
// done is closed, and read only after.
type result[R any] struct {
	done chan struct{}
	v    R
}

// runner is the server of a task process. It has no Init, so the process
// starts parked, without a goroutine, and runs fn when the run message
// arrives: whoever starts it can link to it and watch it first, as Elixir's
// task waits for its owner's {owner, ref} message.
type runner[R any] struct {
	fn  func(ctx context.Context) (R, error)
	res *result[R] // nil when nobody collects the value
}

// run starts a parked task process.
type run struct{}

// runType is the message type of run as gen.Activity names it.
var runType = fmt.Sprintf("%T", run{})

// Running reports whether a is a task process running its function: one
// callback that lasts as long as the task does, by design. A slow-callback
// detector should not count it; pass Running as metrics.Options.IgnoreSlow
// (or call it from yours).
func Running(a gen.Activity) bool {
	return a.Callback == gen.CallbackCast && a.MessageType == runType
}

func (r *runner[R]) HandleCast(p *gen.Process, msg any) error {
	if _, ok := msg.(run); !ok {
		return nil
	}
	v, err := r.fn(p)
	if err != nil {
		return err
	}
	// A task killed while fn ran is dead to everyone already: what fn
	// returns is dropped, as gen drops a killed callback's result.
	if r.res != nil && p.Alive() {
		r.res.v = v
		close(r.res.done)
	}
	return gen.ErrNormal
}

// Async starts fn in a new task process linked to and watched by its owner,
// the process ctx is or was derived from ([gen.ProcessOf]): the *gen.Process
// given to the callback you are in, or a context made from it. Called with a
// context that comes from no process, from a plain goroutine for example,
// Async returns [gen.ErrNotProcess]: as in Elixir, a task has an owner
// process.
//
// fn runs in the task process, with that process as its ctx: ctx identifies
// the task to the calls it makes, and is cancelled when the task dies, by a
// kill or with its owner. fn's result is the task's result. A non-nil error
// is the task's exit reason instead (a panic too, as a [*gen.PanicError]):
// return [gen.ErrNormal] to exit quietly without a result; any other error
// is a crash, which reaches the owner through the link as any linked exit
// does (the owner dies with it, or gets a [gen.ExitSignal] when it traps
// exits). To hand an error to the owner as a value, make it part of R.
//
// The link works both ways: when the owner dies with any reason but normal,
// the task dies with that reason. Go cannot stop a goroutine, so a dead
// task's fn goes on running until it returns; its ctx is cancelled so that
// a well-behaved fn returns promptly, and what it returns then is dropped.
//
// The owner must collect the result: call Await once, or Yield until it
// reports done, or Shutdown. The result never passes through the owner's
// mailbox (Erlang's reply and Down messages have no place in a Go callback
// that is waiting), so an owner that gives up leaves nothing behind there.
func Async[R any](ctx context.Context, fn func(ctx context.Context) (R, error)) (*Task[R], error) {
	owner := gen.ProcessOf(ctx)
	if owner == nil {
		return nil, gen.ErrNotProcess
	}
	if fn == nil {
		panic("task: Async with a nil function")
	}
	res := &result[R]{done: make(chan struct{})}
	pid, err := gen.StartLink(owner, owner.Runtime(), &runner[R]{fn: fn, res: res})
	if err != nil {
		return nil, err
	}
	return launch(owner, pid, res), nil
}

// launch watches the parked task process pid for owner, then starts it.
// Whatever started the process (Async here; a Task.Supervisor later, under
// a DynamicSupervisor) has linked it as it needs to.
func launch[R any](owner *gen.Process, pid gen.PID, res *result[R]) *Task[R] {
	rt := owner.Runtime()
	ref, downs := rt.Watch(pid)
	_ = gen.Cast(rt, pid, run{}) // an unbounded mailbox: never fails
	return &Task[R]{pid: pid, owner: owner, res: res, ref: ref, downs: downs}
}

// PID returns the task's process.
func (t *Task[R]) PID() gen.PID { return t.pid }

// Owner returns the process that started the task and may await it.
func (t *Task[R]) Owner() gen.PID { return t.owner.Self() }

// Await waits for the task's result and returns it: Elixir's Task.await.
//
// ctx identifies the caller, which must be the task's owner: its
// *gen.Process, or a context derived from it (to give Await a deadline).
// ctx bounds the wait, with [DefaultTimeout] when it has no deadline.
//
// Await fails with an *[Error] whose Err is a *[gen.ExitError] carrying the
// task's exit reason when the task exits without a result, even if the owner
// traps exits; context.DeadlineExceeded when the time runs out; ctx's error
// when ctx is cancelled; [ErrNotOwner] for any caller but the owner; and
// [ErrAwaited] when the task was already awaited.
//
// A task is awaited once: after Await returns, for any reason, the task is
// no longer watched, and a result that arrives later is dropped. After a
// timeout the task keeps running (and stays linked to its owner); use
// [Task.Shutdown] to stop it, or [Task.Yield] to wait without giving up.
func (t *Task[R]) Await(ctx context.Context) (R, error) {
	var zero R
	if err := t.acquire(ctx, "await"); err != nil {
		return zero, err
	}
	switch o, err := t.wait(ctx); o {
	case replied:
		t.settle(taken)
		return t.res.v, nil
	case exited:
		t.settle(taken)
		return zero, t.exitError("await", t.reason)
	default:
		t.settle(abandoned)
		return zero, &Error{Op: "await", PID: t.pid, Err: err}
	}
}

// Yield waits for the task's result, as [Task.Await] does, but when the time
// runs out it reports that the task is still running instead of giving up on
// it, so it can be called again: Elixir's Task.yield. It returns
//
//   - v, true, nil when the task returned v (Elixir's {:ok, v});
//   - the zero R, true and an *[Error] carrying the exit reason when the task
//     exited without a result ({:exit, reason});
//   - the zero R, false, nil when ctx's deadline, or [DefaultTimeout], passed
//     first: the task keeps running (nil).
//
// It fails, with done false, when ctx is cancelled, for a caller that is
// not the owner, and after the result or the exit has been returned.
func (t *Task[R]) Yield(ctx context.Context) (v R, done bool, err error) {
	var zero R
	if err := t.acquire(ctx, "yield"); err != nil {
		return zero, false, err
	}
	switch o, err := t.wait(ctx); o {
	case replied:
		t.settle(taken)
		return t.res.v, true, nil
	case exited:
		t.settle(taken)
		return zero, true, t.exitError("yield", t.reason)
	case timedOut:
		return zero, false, nil
	default:
		return zero, false, &Error{Op: "yield", PID: t.pid, Err: err}
	}
}

// Shutdown stops the task and reports a result that arrived meanwhile:
// Elixir's Task.shutdown. It first unlinks the task from its owner, so that
// the owner does not get the task's exit. Then, with a timeout of zero or
// more, it sends the task an exit signal with reason [gen.ErrShutdown] and
// kills it if it has not exited within timeout; with [BrutalKill] it kills it
// at once. Either way the task's ctx is cancelled, and its fn goes on until
// it returns, with its result dropped.
//
// Shutdown returns
//
//   - v, true, nil when the task's result had arrived ({:ok, v});
//   - the zero R, false, nil when the task ended by this shutdown (nil);
//   - the zero R, true and an *[Error] carrying the reason when the task
//     exited otherwise: by itself, killed by another process, or killed
//     after it outlived timeout ({:exit, reason}).
//
// Shutdown may follow a Yield that found nothing, or an Await that timed
// out (whose late result is not returned). After the result or the exit was
// returned it reports the exit [gen.ErrNoProc], as Elixir does. ctx
// identifies the owner, as for Await; when it is cancelled during the grace
// period, the task is killed at once.
func (t *Task[R]) Shutdown(ctx context.Context, timeout time.Duration) (v R, done bool, err error) {
	var zero R
	if err := t.checkOwner(ctx, "shutdown"); err != nil {
		return zero, false, err
	}
	if t.state == taken {
		return zero, true, t.exitError("shutdown", gen.ErrNoProc)
	}
	wasAbandoned := t.state == abandoned
	t.owner.Unlink(t.pid)
	if wasAbandoned {
		// Watch again; the Down comes at once if the task is gone.
		t.ref, t.downs = t.owner.Runtime().Watch(t.pid)
	}
	ours := gen.ErrShutdown // the reason that means the task ended by this shutdown
	if timeout < 0 {
		ours = gen.ErrKilled
		t.owner.Exit(t.pid, gen.ErrKill)
	} else {
		t.owner.Exit(t.pid, gen.ErrShutdown)
	}
	var d gen.Down
	select {
	case d = <-t.downs:
	default:
		if d, ok := t.waitDown(ctx, timeout); ok {
			return t.shutdownResult(d, ours, wasAbandoned)
		}
		// It outlived the grace period (it traps exits): kill it. The kill
		// takes effect before Exit returns, so its Down is there. Its
		// reason, killed, is not ours (shutdown): as in Elixir, a task
		// killed after the timeout is reported as an exit.
		t.owner.Exit(t.pid, gen.ErrKill)
		d = <-t.downs
	}
	return t.shutdownResult(d, ours, wasAbandoned)
}

// waitDown waits up to timeout, or until ctx is cancelled, for the task's
// Down.
func (t *Task[R]) waitDown(ctx context.Context, timeout time.Duration) (gen.Down, bool) {
	if timeout <= 0 {
		return gen.Down{}, false
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case d := <-t.downs:
		return d, true
	case <-timer.C:
	case <-ctx.Done():
	}
	return gen.Down{}, false
}

func (t *Task[R]) shutdownResult(d gen.Down, ours error, wasAbandoned bool) (R, bool, error) {
	var zero R
	t.settle(taken)
	if !wasAbandoned {
		select {
		case <-t.res.done:
			return t.res.v, true, nil
		default:
		}
	}
	if d.Reason == ours {
		return zero, false, nil
	}
	return zero, true, t.exitError("shutdown", d.Reason)
}

// acquire checks that ctx comes from the owner and that the task has not
// been awaited.
func (t *Task[R]) acquire(ctx context.Context, op string) error {
	if err := t.checkOwner(ctx, op); err != nil {
		return err
	}
	if t.state != pending {
		return &Error{Op: op, PID: t.pid, Err: ErrAwaited}
	}
	return nil
}

func (t *Task[R]) checkOwner(ctx context.Context, op string) error {
	if callerPID(ctx) != t.owner.Self() {
		return &Error{Op: op, PID: t.pid, Err: ErrNotOwner}
	}
	return nil
}

// settle stops watching the task and moves it to state s.
func (t *Task[R]) settle(s taskState) {
	if t.downs != nil {
		t.owner.Runtime().Unwatch(t.pid, t.ref)
		t.downs = nil
	}
	t.state = s
}

func (t *Task[R]) exitError(op string, reason error) error {
	return &Error{Op: op, PID: t.pid, Err: &gen.ExitError{PID: t.pid, Reason: reason}}
}

type outcome uint8

const (
	replied  outcome = iota // the result is in t.res
	exited                  // the task died without a result; t.reason says why
	timedOut                // the deadline passed
	canceled                // ctx was cancelled; the error says how
)

// wait waits for the task's result or Down, until ctx's deadline or
// DefaultTimeout.
func (t *Task[R]) wait(ctx context.Context) (outcome, error) {
	// What has arrived already wins over any deadline.
	select {
	case <-t.res.done:
		return replied, nil
	default:
	}
	select {
	case d := <-t.downs:
		return t.down(d), nil
	default:
	}
	timer := time.NewTimer(timeLeft(ctx))
	defer timer.Stop()
	done := ctx.Done()
	if ctx == context.Context(t.owner) {
		// The owner's death reaches the task through the link, and so
		// comes back here as the task's Down.
		done = nil
	}
	for {
		select {
		case <-t.res.done:
			return replied, nil
		case d := <-t.downs:
			return t.down(d), nil
		case <-timer.C:
			return timedOut, context.DeadlineExceeded
		case <-done:
			if !t.owner.Alive() {
				done = nil // as above: the task's Down is on its way
				continue
			}
			if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
				return canceled, err
			}
			return timedOut, context.DeadlineExceeded
		}
	}
}

// down records the task's Down. A result sent before the task died wins
// over it, as in Erlang the reply message is queued before the Down.
func (t *Task[R]) down(d gen.Down) outcome {
	t.downs = nil // fired: nothing to unwatch
	select {
	case <-t.res.done:
		return replied
	default:
	}
	t.reason = d.Reason
	return exited
}

// timeLeft is how long a wait bounded by ctx may last: until ctx's deadline,
// or DefaultTimeout when it has none.
func timeLeft(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return DefaultTimeout
}
