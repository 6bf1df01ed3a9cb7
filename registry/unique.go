package registry

import (
	"context"

	"github.com/gen-go/gen"
)

var _ gen.Registrar = (*Unique)(nil)

// KeyValue is a via key that also carries a value: given as the key of
// [gen.WithVia], it registers the new process under Key with Value, where a
// bare key registers it with a nil value (Elixir's {:via, Registry, {reg,
// key, value}}). Address the process with the bare Key afterwards.
type KeyValue struct {
	Key   any
	Value any
}

func splitKey(k any) (key, value any) {
	if kv, ok := k.(KeyValue); ok {
		return kv.Key, kv.Value
	}
	return k, nil
}

// Via returns the [gen.Dest] of the process registered under key, for
// [gen.Call], [gen.Cast], [gen.Send], [gen.Stop] and monitors.
func (u *Unique) Via(key any) gen.Via { return gen.Via{Registrar: u, Key: key} }

// RegisterName registers pid under key for [gen.WithVia], which calls it
// while starting pid, before its Init runs; key may be a [KeyValue] to store
// a value. It reports false when the key is held by a live process (Start
// then fails with a [*gen.AlreadyStartedError] naming it), and also when the
// registry is not running or the key is invalid (the error then names no
// process; check with [Registry.PID] or the key itself). The registration
// is the same as [Registry.Register] would make for pid: listeners are told,
// and the partition links to pid.
func (u *Unique) RegisterName(key any, pid gen.PID) bool {
	key, value := splitKey(key)
	t, err := u.table()
	if err != nil || checkKey(key) != nil {
		return false
	}
	pt := t.partFor(pid)
	pt.mu.Lock()
	if t.dead.Load() || !t.alive(pid) {
		pt.mu.Unlock()
		return false
	}
	_, ok := t.insert(key, pid, value)
	if ok {
		pt.add(pid, key, true)
	}
	pt.mu.Unlock()
	if !ok {
		return false
	}
	// The partition links to pid from its own goroutine. Until then the
	// runtime's call to UnregisterName at pid's exit covers this entry, and
	// if pid is gone by then the link turns into an ExitSignal: cleanup.
	_ = gen.Send(u.rt, pt.pid, linkReq{pid: pid})
	t.notify(Registered{Registry: u.Registry, Key: key, PID: pid, Value: value})
	return true
}

// UnregisterName removes the registration of key by pid, if pid holds it;
// key may be a [KeyValue]. The runtime calls it when a process started with
// [gen.WithVia] exits or fails to start. Listeners are not told, as for other
// removals that follow an exit.
func (u *Unique) UnregisterName(key any, pid gen.PID) {
	key, _ = splitKey(key)
	t, err := u.table()
	if err != nil || checkKey(key) != nil {
		return
	}
	pt := t.partFor(pid)
	pt.mu.Lock()
	if o := pt.owners[pid]; o != nil && o.keys[key] > 0 {
		pt.drop(pid, key, t.remove(key, pid))
	}
	pt.mu.Unlock()
}

// WhereisName returns the live process registered under key (which may be a
// [KeyValue]), from any goroutine. It reports false when there is none, the
// registry is not running or the key is invalid.
func (u *Unique) WhereisName(key any) (gen.PID, bool) {
	key, _ = splitKey(key)
	t, err := u.table()
	if err != nil || checkKey(key) != nil {
		return gen.PID{}, false
	}
	v, ok := t.keys.Load(key)
	if !ok {
		return gen.PID{}, false
	}
	e := v.(*uentry)
	if !t.alive(e.pid) {
		return gen.PID{}, false
	}
	return e.pid, true
}

// UpdateValue replaces the value of key, which the calling process must hold,
// with f(old), and returns the new and the old value: Elixir's
// update_value/3. f runs on the caller's goroutine with no registry lock
// held. It fails with [ErrNotRegistered] when the caller does not hold key,
// and otherwise as [Registry.Register] does. Only unique registries have it.
func (u *Unique) UpdateValue(ctx context.Context, key any, f func(old any) any) (newValue, oldValue any, err error) {
	t, err := u.table()
	if err != nil {
		return nil, nil, err
	}
	p, err := u.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	v, ok := t.keys.Load(key)
	if !ok || v.(*uentry).pid != p.Self() {
		return nil, nil, ErrNotRegistered
	}
	old := v.(*uentry).value
	nv := f(old)
	// Only the holder changes its entry while it lives, so the swap fails
	// only if f unregistered the key.
	if !t.keys.CompareAndSwap(key, v, &uentry{pid: p.Self(), value: nv}) {
		return nil, nil, ErrNotRegistered
	}
	return nv, old, nil
}
