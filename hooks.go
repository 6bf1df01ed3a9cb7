package gen

// Hooks are functions the runtime calls on process events, for metrics,
// tracing and tests. Every field is optional; a nil *Hooks in [Options]
// costs nothing. Hooks run synchronously on the goroutine where the event
// happens, so they must be fast and must not block or call back into the
// runtime in ways that wait for the process concerned.
type Hooks struct {
	// Spawn is called when a process has been created, before Init runs.
	Spawn func(pid PID)
	// Exit is called once a process has exited, with its reason.
	Exit func(pid PID, reason error)
}
