package registry

import (
	"context"
	"slices"

	"github.com/gen-go/gen"
)

// Register registers the calling process under key with value, and returns
// the PID of the partition that owns the caller's registrations, to which
// the caller is now linked (Elixir's {:ok, owner}).
//
// ctx identifies the caller: pass the *[gen.Process] a callback receives,
// or a context derived from it, from that callback's goroutine. A ctx that
// comes from no process of the registry's runtime fails with
// [gen.ErrNotProcess]; a registry that is not running with
// [ErrNotRunning]; a key that cannot be compared with an error matching
// [ErrBadKey]; a caller killed while its callback still runs with
// [gen.ErrNoProc], leaving nothing registered.
//
// In a unique registry, a key held by a live process, the caller included,
// fails with an [*AlreadyRegisteredError] naming the holder; a key whose
// holder has exited is free at once. In a duplicate registry Register always
// adds an entry, even when the caller has registered the key before.
//
// The registration lasts until [Registry.Unregister] or the caller's exit.
// Listeners get a [Registered] message.
func (r *Registry) Register(ctx context.Context, key, value any) (gen.PID, error) {
	t, err := r.table()
	if err != nil {
		return gen.PID{}, err
	}
	p, err := r.caller(ctx)
	if err != nil {
		return gen.PID{}, err
	}
	if err := checkKey(key); err != nil {
		return gen.PID{}, err
	}
	pid := p.Self()
	pt := t.partFor(pid)

	// Link before the entry exists, so that an exit from here on reaches
	// the partition. Link may end the caller (the partition being gone), and
	// its exit may call back into the registry (UnregisterName), so no
	// registry lock is held while it runs.
	pt.mu.Lock()
	_, known := pt.owners[pid]
	pt.mu.Unlock()
	linked := true
	if !known {
		linked = slices.Contains(p.Links(), pt.pid)
		p.Link(pt.pid)
	}

	pt.mu.Lock()
	if t.dead.Load() {
		pt.mu.Unlock()
		return gen.PID{}, ErrNotRunning
	}
	if !p.Alive() {
		// Exited meanwhile: its cleanup may have run already, so the entry
		// must not be made.
		pt.mu.Unlock()
		return gen.PID{}, gen.ErrNoProc
	}
	holder, ok := t.insert(key, pid, value)
	if ok {
		pt.add(pid, key, !linked)
	} else if _, still := pt.owners[pid]; !still && !linked {
		p.Unlink(pt.pid)
	}
	pt.mu.Unlock()
	if !ok {
		return gen.PID{}, &AlreadyRegisteredError{PID: holder}
	}
	t.notify(Registered{Registry: r, Key: key, PID: pid, Value: value})
	return pt.pid, nil
}

// Unregister removes every entry of the calling process under key. It
// succeeds whether or not there were any (Elixir's :ok); the errors are
// those of [Registry.Register] for a ctx that is not a process, a registry
// that is not running, or a bad key. When this was the caller's last key in
// its partition, the link Register made is removed. Listeners get an
// [Unregistered] message when entries were removed.
func (r *Registry) Unregister(ctx context.Context, key any) error {
	t, err := r.table()
	if err != nil {
		return err
	}
	p, err := r.caller(ctx)
	if err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	pid := p.Self()
	pt := t.partFor(pid)
	pt.mu.Lock()
	n := 0
	if o := pt.owners[pid]; o != nil && o.keys[key] > 0 {
		n = t.remove(key, pid)
		if last := pt.drop(pid, key, n); last != nil && last.ownLink {
			p.Unlink(pt.pid)
		}
	}
	pt.mu.Unlock()
	if n > 0 {
		t.notify(Unregistered{Registry: r, Key: key, PID: pid})
	}
	return nil
}

// Lookup returns the entries under key, from any goroutine: at most one in a
// unique registry, every registration in registration order in a duplicate
// one, and none (a nil slice) when nobody is registered. Entries of
// processes that have exited are never returned. The slice is the caller's.
func (r *Registry) Lookup(key any) ([]Entry, error) {
	t, err := r.table()
	if err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return t.appendEntries(nil, key), nil
}

// AppendLookup is [Registry.Lookup] that appends the entries to dst and
// returns the extended slice, so that a caller reusing a buffer looks up
// without allocating: buf, err = reg.AppendLookup(buf[:0], key).
func (r *Registry) AppendLookup(dst []Entry, key any) ([]Entry, error) {
	t, err := r.table()
	if err != nil {
		return dst, err
	}
	if err := checkKey(key); err != nil {
		return dst, err
	}
	return t.appendEntries(dst, key), nil
}

// Match returns the entries under key whose value match reports true for,
// in the order of [Registry.Lookup]: the Go form of Elixir's match/3 with a
// pattern. match runs on the caller's goroutine, with no registry lock held.
func (r *Registry) Match(key any, match func(value any) bool) ([]Entry, error) {
	es, err := r.Lookup(key)
	if err != nil || len(es) == 0 {
		return es, err
	}
	return slices.DeleteFunc(es, func(e Entry) bool { return !match(e.Value) }), nil
}

// Count returns the number of entries in the registry. It reads counters,
// not the tables: the entries of a process that has just exited are counted
// until its partition has processed the exit.
func (r *Registry) Count() (int, error) {
	t, err := r.table()
	if err != nil {
		return 0, err
	}
	return t.count(), nil
}

// CountMatch returns the number of entries under key whose value match
// reports true for: Elixir's count_match/3. Like [Registry.Match], it skips
// processes that have exited.
func (r *Registry) CountMatch(key any, match func(value any) bool) (int, error) {
	es, err := r.Lookup(key)
	n := 0
	for _, e := range es {
		if match(e.Value) {
			n++
		}
	}
	return n, err
}

// Keys returns the keys pid is registered under, in no particular order: in
// a duplicate registry a key appears once per registration. It is empty when
// pid has exited or has no keys here.
func (r *Registry) Keys(pid gen.PID) ([]any, error) {
	t, err := r.table()
	if err != nil {
		return nil, err
	}
	if !t.alive(pid) {
		return nil, nil
	}
	pt := t.partFor(pid)
	pt.mu.Lock()
	defer pt.mu.Unlock()
	o := pt.owners[pid]
	if o == nil {
		return nil, nil
	}
	out := make([]any, 0, len(o.keys))
	for k, n := range o.keys {
		for range n {
			out = append(out, k)
		}
	}
	return out, nil
}

// Values returns the values pid registered under key: at most one in a
// unique registry, one per registration in a duplicate one. It is empty when
// pid has exited.
func (r *Registry) Values(key any, pid gen.PID) ([]any, error) {
	es, err := r.Lookup(key)
	var out []any
	for _, e := range es {
		if e.PID == pid {
			out = append(out, e.Value)
		}
	}
	return out, err
}

// Dispatch calls fn with the entries under key, as [Registry.Lookup]
// returns them, on the calling goroutine and with no registry lock held, so
// fn may use the registry and send messages. When there are no entries fn
// is not called. fn is called once, whatever the number of partitions.
// Dispatch fails only as Lookup does; fn's panics are not recovered.
func (r *Registry) Dispatch(key any, fn func(entries []Entry)) error {
	es, err := r.Lookup(key)
	if err != nil {
		return err
	}
	if len(es) > 0 {
		fn(es)
	}
	return nil
}

// Meta returns the registry's metadata under key, and false when there is
// none. Metadata is set by [Options.Meta] and [Registry.PutMeta] and lasts
// for one run of the registry.
func (r *Registry) Meta(key any) (any, bool, error) {
	t, err := r.table()
	if err != nil {
		return nil, false, err
	}
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	v, ok := t.meta.Load(key)
	return v, ok, nil
}

// PutMeta sets the registry's metadata under key to value.
func (r *Registry) PutMeta(key, value any) error {
	t, err := r.table()
	if err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	t.meta.Store(key, value)
	return nil
}

// DeleteMeta removes the registry's metadata under key, if any.
func (r *Registry) DeleteMeta(key any) error {
	t, err := r.table()
	if err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	t.meta.Delete(key)
	return nil
}
