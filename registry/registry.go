package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gen-go/gen"
)

// Errors returned by the registry.
var (
	// ErrNotRunning is returned by every operation on a registry that has
	// not been started or has stopped: Elixir's "unknown registry".
	ErrNotRunning = errors.New("registry: not running")

	// ErrBadKey is matched by the error returned for a key that cannot be
	// used: one that is not comparable with == (a slice, a map, a func, or a
	// struct or array holding one) or that is not equal to itself (a NaN).
	ErrBadKey = errors.New("registry: invalid key")

	// ErrAlreadyRegistered matches every [*AlreadyRegisteredError].
	ErrAlreadyRegistered = errors.New("registry: already registered")

	// ErrNotRegistered is returned by [Unique.UpdateValue] when the key is
	// not registered by the calling process (Elixir's :error).
	ErrNotRegistered = errors.New("registry: key not registered by the caller")

	// ErrBadOptions is returned by Start and StartLink for invalid
	// [Options], such as a negative partition count.
	ErrBadOptions = errors.New("registry: invalid options")
)

// An AlreadyRegisteredError is returned by [Registry.Register] on a unique
// registry when the key is held by a live process, PID, which may be the
// caller itself: Elixir's {:error, {:already_registered, pid}}.
// errors.Is(err, ErrAlreadyRegistered) is true for it.
type AlreadyRegisteredError struct {
	PID gen.PID
}

// Error describes the failure.
func (e *AlreadyRegisteredError) Error() string {
	return "registry: already registered by " + e.PID.String()
}

// Is reports whether target is ErrAlreadyRegistered.
func (e *AlreadyRegisteredError) Is(target error) bool { return target == ErrAlreadyRegistered }

// Options configures a registry. The zero value is a registry with one
// partition, no listeners and no metadata.
type Options struct {
	// Partitions is the number of partition processes. Zero means 1 (the
	// Elixir default); negative is invalid. More partitions spread the
	// writes and the cleanup work of many registering processes; reads do
	// not depend on it.
	Partitions int

	// Listeners receive a [Registered] message after each registration and
	// an [Unregistered] message after each explicit unregistration, sent
	// with [gen.Send] from the registering goroutine. Listeners that are not
	// there miss the message, as with any Send.
	Listeners []gen.Dest

	// Meta is the registry's initial metadata (see [Registry.Meta]), set
	// again each time the registry starts; keys must be valid keys.
	Meta map[any]any

	// Name, when not empty, registers partition 0, the registry's process,
	// under this local name.
	Name gen.Name
}

// An Entry is one registration: the process and the value it registered.
type Entry struct {
	PID   gen.PID
	Value any
}

// Registered is the message [Options.Listeners] receive after a process
// registered Key with Value: Elixir's {:register, registry, key, pid, value}.
type Registered struct {
	Registry *Registry
	Key      any
	PID      gen.PID
	Value    any
}

// Unregistered is the message [Options.Listeners] receive after PID
// unregistered Key with [Registry.Unregister]: Elixir's {:unregister,
// registry, key, pid}. It is sent only when entries were removed, and not
// for entries removed because their process exited.
type Unregistered struct {
	Registry *Registry
	Key      any
	PID      gen.PID
}

// A Registry holds the operations that unique and duplicate registries
// share. Get one from [NewUnique] or [NewDuplicate], which embed it; the
// zero Registry is never running. Its methods are safe for concurrent use.
//
// A Registry is a handle that outlives the processes it runs as: it can be
// started again after it stopped (a supervisor restarting it calls
// [Registry.StartLink] again), and every run begins with empty tables.
type Registry struct {
	rt   *gen.Runtime
	dup  bool
	opts Options

	cur     atomic.Pointer[table] // the running incarnation, or nil
	startMu sync.Mutex            // serialises Start and StartLink
}

// Unique is a registry in which a key belongs to at most one process:
// Elixir's Registry with keys: :unique. It implements [gen.Registrar], so its
// keys can name processes (see [Unique.RegisterName]).
type Unique struct {
	*Registry
}

// Duplicate is a registry in which a key may have any number of entries,
// from different processes or from one process several times: Elixir's
// Registry with keys: :duplicate. It cannot name processes: it has no
// RegisterName, so it is not a [gen.Registrar], and [Unique.UpdateValue] has
// no counterpart here.
type Duplicate struct {
	*Registry
}

// NewUnique returns a unique registry on rt, not yet running: start it with
// [Registry.Start] or [Registry.StartLink]. opts is copied.
func NewUnique(rt *gen.Runtime, opts Options) *Unique {
	return &Unique{&Registry{rt: rt, opts: opts.clone()}}
}

// NewDuplicate returns a duplicate registry on rt, not yet running: start it
// with [Registry.Start] or [Registry.StartLink]. opts is copied.
func NewDuplicate(rt *gen.Runtime, opts Options) *Duplicate {
	return &Duplicate{&Registry{rt: rt, dup: true, opts: opts.clone()}}
}

// clone copies the slice and map of o, so that the caller may reuse them.
func (o Options) clone() Options {
	o.Listeners = slices.Clone(o.Listeners)
	o.Meta = maps.Clone(o.Meta)
	return o
}

// Start starts the registry's partition processes, not linked to the
// caller, and returns the PID of partition 0, the registry's process. ctx
// bounds the wait only, as in [gen.Start]. If the registry is running
// already, Start returns a [*gen.AlreadyStartedError] with its PID.
func (r *Registry) Start(ctx context.Context) (gen.PID, error) {
	return r.start(ctx, false)
}

// StartLink is [Registry.Start] plus a link between partition 0 and the
// calling process, which ctx must identify as in [gen.StartLink]. Its shape,
// func(context.Context) (gen.PID, error), is what a supervisor's child spec
// takes as its start function.
func (r *Registry) StartLink(ctx context.Context) (gen.PID, error) {
	return r.start(ctx, true)
}

func (r *Registry) start(ctx context.Context, link bool) (gen.PID, error) {
	if r == nil || r.rt == nil {
		return gen.PID{}, fmt.Errorf("%w: not made by NewUnique or NewDuplicate", ErrBadOptions)
	}
	n := r.opts.Partitions
	switch {
	case n == 0:
		n = 1
	case n < 0:
		return gen.PID{}, fmt.Errorf("%w: %d partitions", ErrBadOptions, n)
	}
	r.startMu.Lock()
	defer r.startMu.Unlock()
	if t := r.cur.Load(); t != nil && !t.dead.Load() {
		return gen.PID{}, &gen.AlreadyStartedError{PID: t.parts[0].pid}
	}
	t := newTable(r, n)
	for k, v := range r.opts.Meta {
		if err := checkKey(k); err != nil {
			return gen.PID{}, fmt.Errorf("%w: meta key: %w", ErrBadOptions, err)
		}
		t.meta.Store(k, v)
	}
	opts := []gen.StartOption{gen.WithVia(lifeHook{t}, 0)}
	if r.opts.Name != "" {
		opts = append(opts, gen.WithName(r.opts.Name))
	}
	start := gen.Start
	if link {
		start = gen.StartLink
	}
	pid, err := start(ctx, r.rt, t.parts[0], opts...)
	if err != nil {
		return gen.PID{}, err
	}
	// If the registry died already, its hook found nothing to clear and
	// the table is marked dead: operations report ErrNotRunning.
	r.cur.Store(t)
	return pid, nil
}

// PID returns the PID of the running registry's process (partition 0), and
// false when the registry is not running.
func (r *Registry) PID() (gen.PID, bool) {
	t, err := r.table()
	if err != nil {
		return gen.PID{}, false
	}
	return t.parts[0].pid, true
}

// table returns the running incarnation.
func (r *Registry) table() (*table, error) {
	if r == nil {
		return nil, ErrNotRunning
	}
	t := r.cur.Load()
	if t == nil || t.dead.Load() {
		return nil, ErrNotRunning
	}
	return t, nil
}

// caller returns the process ctx is or was derived from, which must belong
// to the registry's runtime.
func (r *Registry) caller(ctx context.Context) (*gen.Process, error) {
	p := gen.ProcessOf(ctx)
	if p == nil || r == nil || p.Runtime() != r.rt {
		return nil, gen.ErrNotProcess
	}
	return p, nil
}

// lifeHook is a gen.Registrar used only to learn, synchronously, that a
// partition process has exited: each partition is started under a via name
// held by it, and the runtime calls UnregisterName on the exiting goroutine
// whatever ends the process (a kill included) before links and monitors
// fire. The registry is then marked dead before any linked registrant hears
// of it.
type lifeHook struct{ t *table }

func (h lifeHook) RegisterName(key any, pid gen.PID) bool { return true }
func (h lifeHook) UnregisterName(key any, pid gen.PID)    { h.t.die() }
func (h lifeHook) WhereisName(key any) (gen.PID, bool)    { return gen.PID{}, false }
