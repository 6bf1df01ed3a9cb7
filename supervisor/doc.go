// Package supervisor provides Supervisor and DynamicSupervisor: processes
// that start other processes, watch them, and restart them when they exit,
// with OTP's strategies, restart types, restart intensity and shutdown
// protocol, and Elixir's defaults.
//
// A Supervisor is started from a [Spec]: a [Strategy], the restart intensity
// (more than MaxRestarts restarts within Period shut it down; 3 in 5 s by
// default) and its children, each described by a [ChildSpec]. Children start
// one at a time in order, and [StartLink] returns once all have started.
// When the supervisor stops, it stops its children one at a time in reverse
// order: each gets gen.ErrShutdown and its shutdown time to exit, then
// gen.ErrKill. A supervisor is a process like any other, so supervisors nest
// ([Sub]) and a tree stops from the top, deterministically.
//
// A DynamicSupervisor ([StartDynamic]) starts empty and takes children with
// [StartChild]; it restarts them one for one and stops them all at once.
//
// Children are started by a [StartFunc], which links the child to the
// supervisor, usually through gen.StartLink; [Worker] builds the common
// case. The supervisor traps exits: a linked process that is not one of its
// children may exit without effect.
//
// Beyond OTP, and off unless set, a [Backoff] delays the restarts of a child
// that crashes in a loop.
//
// Supervisor reports (child_terminated, start_error, shutdown_error,
// reached_max_restart_intensity) go to the runtime's logger.
package supervisor
