// Package gen brings Erlang/OTP's process model to Go: processes with
// mailboxes, the GenServer behaviour, links, exit trapping, monitors and
// names, with Erlang's rules for exit reasons.
//
// # Runtimes and processes
//
// A [Runtime] is a node: its process table, names and timers. There is no
// package-level state, so two runtimes in one program are two nodes, and
// tests can run in parallel and inside testing/synctest bubbles.
//
// A process runs a [Server]: any value, whose behaviour comes from the
// optional callback interfaces it implements. Its callbacks run on the
// process's own goroutine, one message at a time, so the server's fields need
// no locks. Each callback receives the *[Process], which is both the
// process's handle (Self, Link, Monitor, TrapExit, Continue, SetTimeout,
// Hibernate) and its [context.Context], cancelled when the process dies.
//
// # Callback results
//
// Every OTP result form has one Go form:
//
//	Erlang/Elixir                           Gen
//	init -> {ok, S}                         Init returns nil
//	init -> {ok, S, Timeout}                p.SetTimeout(d); return nil
//	init -> {ok, S, hibernate}              p.Hibernate(); return nil
//	init -> {ok, S, {continue, A}}          p.Continue(a); return nil
//	init -> ignore                          return gen.Ignore
//	init -> {stop, R}                       return r (any other error)
//	init -> {error, R}  (OTP 26)            return gen.InitFailed(r)
//	handle_call -> {reply, R, S}            return r, nil
//	handle_call -> {reply, R, S, Action}    p.Continue/SetTimeout/Hibernate; return r, nil
//	handle_call -> {noreply, S}             return nil, gen.NoReply; later gen.Reply(from, r)
//	handle_call -> {stop, R, Reply, S}      return reply, gen.StopWithReply(r)
//	handle_call -> {stop, R, S}             return nil, r
//	handle_cast/info/continue -> {noreply, S}       return nil
//	handle_cast/info/continue -> {noreply, S, Act}  p.Continue/SetTimeout/Hibernate; return nil
//	handle_cast/info/continue -> {stop, R, S}       return r
//	raise / exit(R) in a callback           panic(v): exit reason *gen.PanicError
//	terminate(R, S)                         Terminate(p, r)
//	code_change(Old, S, Extra)              CodeChange(p, old, extra) (gen.Server, error)
//	format_status(Status)                   FormatStatus(gen.Status) gen.Status
//
// # Calls, casts and messages
//
// [Call] waits for a reply; ctx bounds the wait, with a 5 s default when ctx
// has no deadline. The caller watches the callee for the duration of the
// call, so a dead callee ends the call at once with its exit reason, and a
// reply that arrives after the caller gave up is dropped. [Cast] and [Send]
// never wait. Messages from one process to another arrive in the order sent.
// Messages are Go values passed as they are: send values, not pointers into
// state that the sender keeps changing.
//
// # Exit reasons, links and monitors
//
// An exit reason is an error. [ErrNormal] (or nil) ends a process quietly and
// does not affect linked processes; [ErrShutdown] and [*ShutdownError] end it
// without a crash report but kill linked processes that do not trap exits;
// every other reason is a crash, logged through log/slog as a crash report.
// [Process.TrapExit] turns exit signals into [ExitSignal] messages.
// [Process.Monitor] delivers one [Down] message when the target exits.
//
// # Killing a process
//
// Go cannot stop a goroutine from outside. [ErrKill] (and any exit signal that
// ends a process that does not trap exits) therefore takes effect at once for
// everyone else: the process is removed from the table, its name is
// released, callers waiting on it fail, and its links and monitors fire with
// the reason ([ErrKilled] for a kill). Its context is cancelled. The callback
// it is running, if any, is left to return on its own, and whatever it
// returns is discarded: no reply is sent and Terminate does not run. Messages
// it sends before returning are still delivered. Callbacks that block should
// watch p.Done() so their goroutine can return promptly.
//
// # Hibernation
//
// [Process.Hibernate] and [WithHibernateAfter] make an idle process give up
// its goroutine, and so its stack, until the next message arrives; a
// hibernated process costs a few hundred bytes. A server without an Init
// callback starts hibernated: its goroutine starts with its first message.
// So does a server whose Init ran on Start's caller (a ctx that cannot be
// cancelled) and asked for nothing after it: it shows as waiting meanwhile.
//
// # Inline calls
//
// A process started with [WithInlineCalls] lets a caller that finds it
// waiting with an empty mailbox run HandleCall on the caller's goroutine,
// sparing two goroutine switches. Callbacks still never overlap and
// messages keep their order; a kill or a deadline that comes while such a
// callback runs is seen by its caller when the callback returns.
//
// # Debugging
//
// The sys package is Erlang's :sys for these processes. GetState,
// ReplaceState, GetStatus, Suspend, Resume, ChangeCode and Terminate control
// a live process through system messages, which it handles between
// callbacks, also while suspended. Trace, TraceTo, Log, GetLog, PrintLog,
// Statistics, GetStatistics, Install, Remove and NoDebug debug it event by
// event: each call, cast or message that arrives, and the reply or new state
// its callback leaves, is a [DebugEvent]. [WithDebug] turns debugging on
// from a process's start (Erlang's debug start option). A process pays
// nothing for debugging while it is off.
//
// # Introspection and metrics
//
// [Runtime.Info] and [Runtime.Infos] are Erlang's process_info: a
// process's name, status ([StatusRunning], [StatusWaiting],
// [StatusSuspended], [StatusHibernated]), mailbox length, links, monitors,
// parent, children (a supervisor's are the processes it started) and start
// time, read from any goroutine without waiting for the process.
// [Runtime.Activities] is the cheap part of that for every process, for
// samplers. With [Options.Instrument] each process also publishes the
// callback it runs, its message's type and its message count, at the cost
// of one atomic store per message; [Runtime.Messages] sums the counts. A
// sampler that sees the same callback running twice, far enough apart,
// has found a slow callback: the metrics package does that, and exports
// all of this, and what [Hooks] report (spawns, exits, call latencies,
// supervisor restarts), to Prometheus. [Options.ProfileLabels] labels
// process goroutines with their PID and name for CPU profiles.
//
// # Testing
//
// Create the runtime inside a testing/synctest bubble and time is virtual:
// call deadlines, callback timeouts and SendAfter fire exactly, and
// synctest.Wait waits until every process is idle.
package gen
