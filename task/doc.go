// Package task is Elixir's Task: a function run in its own process on behalf
// of the process that started it, which then collects its result.
//
//	Elixir                                        Go
//	t = Task.async(fn -> work() end)              t, err := task.Async(p, func(ctx context.Context) (int, error) { ... })
//	Task.await(t)                                 v, err := t.Await(p)
//	Task.yield(t, 1000)                           v, done, err := t.Yield(ctx) // ctx: context.WithTimeout(p, time.Second)
//	Task.shutdown(t, 5000) / (t, :brutal_kill)    v, done, err := t.Shutdown(p, task.DefaultTimeout) / (p, task.BrutalKill)
//	Task.await_many([t1, t2])                     vs, err := task.AwaitMany(p, t1, t2)
//	Task.async_stream(items, fun, opts)           for v, err := range task.AsyncStream(p, items, fn, opts...)
//	Task.start_link(fun) / {Task, fun}            task.StartLink(p, rt, fn) / task.StartFunc(rt, fn)
//
// # Owners
//
// A task started with [Async] or [AsyncStream] belongs to its owner, the
// process that ctx is or was derived from ([gen.ProcessOf]): the
// *gen.Process a callback receives, or a context made from it. The task is linked to the owner: a crash in one kills the other,
// unless it traps exits. Only the owner may await the task; any other
// process, and any goroutine that is not a process, gets [ErrNotOwner].
// Async called from a goroutine that is not a process returns
// [gen.ErrNotProcess]: an Elixir task needs a process to belong to.
//
// # Results and the mailbox
//
// In Elixir a task sends its result, and its monitor sends :DOWN, to the
// owner's mailbox, and await picks them out with a selective receive. A gen
// process has no selective receive, and an owner that awaits is inside a
// callback that cannot read its mailbox. So the result goes into a slot that
// only the [Task] holds, and the task is watched with [gen.Runtime.Watch],
// whose Down arrives on a channel: nothing reaches the owner's mailbox, and
// an Await that gives up leaves neither a late reply nor a Down behind.
// The link is an ordinary gen link, so an owner that traps exits does get
// a [gen.ExitSignal] when its task exits, as in Elixir.
//
// # Timeouts
//
// Await, Yield and AwaitMany take their deadline from ctx, or wait
// [DefaultTimeout] (Elixir's 5000 ms) when it has none; to give one, derive
// ctx from the owner's process: context.WithTimeout(p, d). Shutdown takes a
// grace period, as Elixir's does. AsyncStream has a per-item timeout.
//
// # Killing a task
//
// Go cannot stop a goroutine. When a task is killed (by Shutdown, a
// timed-out stream item, its owner's death or anyone's exit signal), its
// process dies at once for everyone else: its links and monitors fire, its
// result can no longer be delivered, and the context its function was given
// is cancelled. The function itself goes on until it returns, and what it
// returns is dropped. A function that may block should therefore watch
// ctx.Done(), or its goroutine stays behind (and keeps [gen.Runtime.Close]
// waiting) until whatever it waits for happens.
package task
