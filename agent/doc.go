// Package agent is Elixir's Agent: a value kept in its own process, read and
// changed only through functions that run inside that process.
//
// An [Agent] is a typed handle. [Start] or [StartLink] runs an init function
// in a new process to build the first value; [Get], [GetAndUpdate],
// [Agent.Update] and [Agent.Cast] send functions to the process, which runs
// them one at a time, in the order they arrive, on the state it holds. The
// state never leaves the process except as what those functions return, so
// it needs no lock; as everywhere in gen, return copies rather than pointers
// into the state.
//
//	Elixir                                      Go
//	Agent.start_link(fn -> 0 end, name: N)      agent.StartLink(p, rt, func() int { return 0 }, gen.WithName(N))
//	Agent.get(a, & &1)                          agent.Get(ctx, a, func(n int) int { return n })
//	Agent.update(a, &(&1 + 1))                  a.Update(ctx, func(n int) int { return n + 1 })
//	Agent.get_and_update(a, &{&1, &1 + 1})      agent.GetAndUpdate(ctx, a, func(n int) (int, int) { return n, n + 1 })
//	Agent.cast(a, &(&1 + 1))                    a.Cast(func(n int) int { return n + 1 })
//	Agent.stop(a)                               a.Stop(ctx, nil)
//	{Agent, fn -> 0 end} as a child             agent.StartFunc(rt, func() int { return 0 })
//
// # Timeouts and failures
//
// Get, GetAndUpdate and Update are [gen.Call]s: ctx bounds the wait, with
// the runtime's default (5 s) when ctx has no deadline, and they fail at
// once with the agent's exit reason when it dies. Stop waits as long as ctx
// allows, with no default deadline (Elixir's :infinity).
//
// A function that panics inside the agent crashes the agent, as a raise does
// in Elixir: the agent exits with a [*gen.PanicError], and the caller's call
// fails with it.
//
// # Names
//
// [gen.StartOption]s such as [gen.WithName] and [gen.WithVia] pass through
// Start and StartLink. [At] makes a handle for an agent known by name.
package agent
