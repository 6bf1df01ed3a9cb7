// Package registry is Elixir's Registry for Gen: a local key-value store of
// processes, for dynamic process names, properties and publish/subscribe.
//
// # Unique and duplicate registries
//
// A [Unique] registry binds each key to at most one process; it is also a
// [gen.Registrar], so its keys can name processes through [gen.WithVia] and
// [gen.Via]. A [Duplicate] registry lets any number of processes, or one
// process several times, register under the same key; it is made for
// dispatching and publish/subscribe, and it cannot name processes: it does
// not implement gen.Registrar, so handing it to gen.WithVia does not compile
// (Elixir raises at run time). Both embed *[Registry], which holds the
// operations they share.
//
//	reg := registry.NewUnique(rt, registry.Options{})
//	pid, err := reg.StartLink(p)     // or a supervisor child's Start
//	...
//	srv, err := gen.Start(ctx, rt, &worker{}, gen.WithVia(reg, "worker-1"))
//	n, err := gen.Call[int](ctx, rt, reg.Via("worker-1"), get{})
//
// # Keys and values
//
// Keys are any comparable Go values and are compared with ==, so 1 (int),
// int64(1) and 1.0 (float64) are three different keys. A key that cannot be
// compared (a slice, a map, a func, or a struct holding one) or that is not
// equal to itself (a NaN) is refused with an error matching [ErrBadKey];
// nothing panics. Values are any Go values, stored as they are: register
// values, not pointers into state that keeps changing.
//
// # Registering
//
// [Registry.Register] always registers the calling process, which its ctx
// identifies: pass the *[gen.Process] a callback receives. Registering links
// the caller to the registry partition that owns it, as in Elixir, so that
// the registry learns of the caller's exit and the caller of the registry's;
// unregistering the caller's last key in that partition removes the link
// again (unless the two were linked before the first registration).
//
// # Exits
//
// The entries of a process disappear when it exits. Lookups never return
// them from the moment the process is dead (each entry's process is checked
// as it is read); the partition process, which traps exits, removes them
// from the tables when the exit signal reaches it, which is as soon as it is
// scheduled. A unique key whose holder is dead can be registered again at
// once. This is faster than Elixir, whose lookups may return dead processes
// for a short while.
//
// # Reads and writes
//
// Reads (Lookup, AppendLookup, Match, Count, Keys, Values, Dispatch,
// WhereisName, Meta) do not go through any process: they run on the calling
// goroutine, from any goroutine, concurrently, like reads of an ETS table
// with read_concurrency. Keys live in one [sync.Map]; a unique key's entry is
// an immutable value swapped atomically, and a duplicate key's entries are a
// slice behind a per-key read-write lock. [Registry.AppendLookup] and
// [Unique.WhereisName] allocate nothing.
//
// Writes also run on the caller's goroutine, not in a registry process: the
// partition's mutex orders the writes of its processes and guards a
// per-process index of their keys, which cleanup and [Registry.Keys] use. An
// entry is made only after the link and under that mutex, after checking
// that the registrant is still alive, so a registrant that dies meanwhile
// leaves nothing behind. The partition processes only link, trap exits and
// clean up.
//
// # Partitions and lifetime
//
// The registry runs as [Options.Partitions] processes (one by default). A
// process belongs to the partition chosen by its PID. Partition 0 is the
// registry's process: [Registry.Start] and [Registry.StartLink] return its
// PID, and it starts the other partitions linked to itself, so that the
// registry lives and dies as one (Elixir's one_for_all). Stopping partition 0
// with [gen.Stop] stops the registry. While it is not running, every
// operation fails with [ErrNotRunning]; starting it again begins with empty
// tables, as Elixir's ETS tables do.
//
// # Listeners
//
// The processes in [Options.Listeners] receive a [Registered] message for
// each registration and an [Unregistered] message for each explicit
// unregistration. Exits do not produce Unregistered messages, as in Elixir:
// a listener that wants to know should monitor the registered process.
package registry
