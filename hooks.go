package gen

import "time"

// Hooks are functions the runtime calls on process events, for metrics,
// tracing and tests. Every field is optional; a nil *Hooks in [Options]
// costs nothing. Hooks run synchronously on the goroutine where the event
// happens, so they must be fast and must not block or call back into the
// runtime in ways that wait for the process concerned. The runtime reads
// the fields when it needs them (Call and CallSampling once, in
// [NewRuntime]); do not change them once the runtime is made.
type Hooks struct {
	// Spawn is called when a process has been created, before Init runs.
	Spawn func(pid PID)
	// Exit is called once a process has exited, with its reason.
	Exit func(pid PID, reason error)
	// Call is called on the caller's goroutine when a [Call] to a local
	// process returns, with the callee, its registered name ("" when it
	// has none), the time from sending the request to the outcome, and the
	// call's error (nil when a reply arrived). Calls that fail before the
	// request is queued (no such process, a full mailbox) and system
	// requests (the sys package) are not reported. While Call is nil the
	// runtime reads no clock for it.
	Call func(to PID, name Name, d time.Duration, err error)
	// CallSampling, above 1, makes the runtime time and report only about
	// one call in CallSampling, picked at random, so that the others read
	// no clock (a clock read costs about 5% of a call between two
	// processes): each reported call stands for CallSampling calls. Zero
	// or one reports every call.
	CallSampling int
	// Restart is called when a supervisor restarts one of its children,
	// from the supervisor's goroutine (see [Process.ReportRestart]): sup
	// and name are the supervisor and its registered name, child the
	// child's ID ("" under a DynamicSupervisor).
	Restart func(sup PID, name Name, child string)
}
