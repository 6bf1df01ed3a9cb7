package gen

import (
	"time"
)

type runtimeTimer struct {
	t    *time.Timer
	when time.Time
}

// SendAfter sends msg to the process at to after d, as [Send] would then, and
// returns a Ref that [CancelTimer] takes. A name is resolved when the timer
// fires.
func SendAfter(rt *Runtime, to Dest, msg any, d time.Duration) Ref {
	ref := rt.MakeRef()
	rt.timerMu.Lock()
	defer rt.timerMu.Unlock()
	if rt.closed.Load() {
		return ref
	}
	rt.timers[ref] = &runtimeTimer{
		when: time.Now().Add(d),
		t: time.AfterFunc(d, func() {
			rt.timerMu.Lock()
			_, live := rt.timers[ref]
			delete(rt.timers, ref)
			rt.timerMu.Unlock()
			if live {
				_ = send(rt, to, envelope{kind: kInfo, msg: msg})
			}
		}),
	}
	return ref
}

// CancelTimer stops the timer ref made by [SendAfter]. It returns the time
// that was left and true, or false when the timer had already fired or been
// cancelled. Once it returns, the message will not be sent.
func CancelTimer(rt *Runtime, ref Ref) (time.Duration, bool) {
	rt.timerMu.Lock()
	t, ok := rt.timers[ref]
	delete(rt.timers, ref)
	rt.timerMu.Unlock()
	if !ok {
		return 0, false
	}
	t.t.Stop()
	return max(time.Until(t.when), 0), true
}

func (rt *Runtime) stopTimers() {
	rt.timerMu.Lock()
	defer rt.timerMu.Unlock()
	for ref, t := range rt.timers {
		t.t.Stop()
		delete(rt.timers, ref)
	}
}
