package supervisor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gen-go/gen"
)

// A Strategy says which children a supervisor restarts when one of them
// exits and has to be restarted. There is no default, as in Elixir: a [Spec]
// must name one.
type Strategy uint8

// The restart strategies.
const (
	// OneForOne restarts only the child that exited.
	OneForOne Strategy = iota + 1
	// OneForAll terminates the other children in reverse start order, then
	// restarts all of them in start order.
	OneForAll
	// RestForOne terminates the children started after the one that exited,
	// in reverse order, then restarts it and them in start order. Children
	// started before it are left alone.
	RestForOne
)

// String returns Erlang's name for the strategy.
func (s Strategy) String() string {
	switch s {
	case OneForOne:
		return "one_for_one"
	case OneForAll:
		return "one_for_all"
	case RestForOne:
		return "rest_for_one"
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// Restart says when a child is restarted after it exits.
type Restart uint8

// The restart types. The zero value is Permanent, Elixir's default.
const (
	// Permanent children are always restarted, whatever the exit reason.
	Permanent Restart = iota
	// Transient children are restarted only after an abnormal exit: not
	// after gen.ErrNormal, gen.ErrShutdown or a *gen.ShutdownError.
	Transient
	// Temporary children are never restarted, and their spec is forgotten
	// when they exit.
	Temporary
)

// String returns Erlang's name for the restart type.
func (r Restart) String() string {
	switch r {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return fmt.Sprintf("Restart(%d)", uint8(r))
}

// ChildType says whether a child is a worker or a supervisor. It changes the
// default shutdown (5 s for a worker, infinity for a supervisor) and how the
// child is counted by [CountChildren].
type ChildType uint8

// The child types. The zero value is WorkerType.
const (
	WorkerType ChildType = iota
	SupervisorType
)

// String returns Erlang's name for the child type.
func (t ChildType) String() string {
	switch t {
	case WorkerType:
		return "worker"
	case SupervisorType:
		return "supervisor"
	}
	return fmt.Sprintf("ChildType(%d)", uint8(t))
}

// Shutdown values for [ChildSpec.Shutdown] besides a positive timeout.
const (
	// BrutalKill kills the child at once with gen.ErrKill: its Terminate
	// does not run.
	BrutalKill time.Duration = -1
	// Infinity sends the shutdown signal and waits as long as the child
	// takes to exit.
	Infinity time.Duration = -2
)

// DefaultShutdown is a worker's shutdown timeout when its spec leaves
// Shutdown zero. A supervisor child's default is [Infinity].
const DefaultShutdown = 5 * time.Second

// AutoShutdown says whether a supervisor shuts itself down when its
// significant children exit.
type AutoShutdown uint8

// The auto-shutdown settings. The zero value is Never.
const (
	// Never: significant children are not allowed.
	Never AutoShutdown = iota
	// AnySignificant: the supervisor shuts down, with gen.ErrShutdown, as
	// soon as any significant child exits for good.
	AnySignificant
	// AllSignificant: the supervisor shuts down once every significant
	// child has exited for good.
	AllSignificant
)

// A StartFunc starts a child linked to the supervisor and returns its PID.
// ctx identifies the supervisor's process, so gen.StartLink(ctx, rt, srv)
// links the child to it; it also carries the runtime ([Runtime]) and, under
// a DynamicSupervisor, its extra arguments ([ExtraArgs]). Returning
// gen.Ignore means "nothing to run": a permanent or transient spec is kept
// without a process, a temporary one is dropped. Any other error is a failed
// start. A StartFunc that starts a process without linking it to the
// supervisor still works, but the supervisor only learns of the child's exit
// through the link, so it should link.
type StartFunc func(ctx context.Context) (gen.PID, error)

// A ChildSpec says how to start, restart and stop one child.
type ChildSpec struct {
	// ID names the child within its supervisor; it is required and unique
	// under a Supervisor, and ignored by a DynamicSupervisor.
	ID string
	// Start starts the child. Required.
	Start StartFunc
	// Restart defaults to Permanent.
	Restart Restart
	// Shutdown is how long the child has to exit after the shutdown signal
	// before it is killed: a positive duration, BrutalKill or Infinity.
	// Zero means DefaultShutdown for a worker and Infinity for a supervisor.
	Shutdown time.Duration
	// Type defaults to WorkerType.
	Type ChildType
	// Significant marks a child whose exit may shut the supervisor down
	// (see [Spec.AutoShutdown]). Only Transient and Temporary children may
	// be significant.
	Significant bool
}

// shutdown returns the spec's effective shutdown value.
func (c *ChildSpec) shutdown() time.Duration {
	if c.Shutdown != 0 {
		return c.Shutdown
	}
	if c.Type == SupervisorType {
		return Infinity
	}
	return DefaultShutdown
}

// Spec errors: the Err of a [*SpecError], matched with errors.Is.
var (
	ErrMissingID          = errors.New("missing_id")
	ErrMissingStart       = errors.New("missing_start")
	ErrDuplicateID        = errors.New("duplicate_child_name")
	ErrInvalidRestart     = errors.New("invalid_restart_type")
	ErrInvalidShutdown    = errors.New("invalid_shutdown")
	ErrInvalidType        = errors.New("invalid_child_type")
	ErrInvalidSignificant = errors.New("invalid_significant")
)

// A SpecError reports an invalid child spec: Erlang's {start_spec, Reason}
// when a supervisor starts, and the bare reason from [StartChild].
type SpecError struct {
	ID  string // the child's ID, "" when it is the ID that is missing
	Err error  // one of the ErrMissingID... sentinels
}

// Error describes the invalid spec.
func (e *SpecError) Error() string {
	return fmt.Sprintf("supervisor: invalid child spec %q: %v", e.ID, e.Err)
}

// Unwrap returns Err.
func (e *SpecError) Unwrap() error { return e.Err }

// check validates one child spec. dynamic skips the ID check.
func (c *ChildSpec) check(auto AutoShutdown, dynamic bool) error {
	bad := func(err error) error { return &SpecError{ID: c.ID, Err: err} }
	switch {
	case c.ID == "" && !dynamic:
		return bad(ErrMissingID)
	case c.Start == nil:
		return bad(ErrMissingStart)
	case c.Restart > Temporary:
		return bad(ErrInvalidRestart)
	case c.Shutdown < 0 && c.Shutdown != BrutalKill && c.Shutdown != Infinity:
		return bad(ErrInvalidShutdown)
	case c.Type > SupervisorType:
		return bad(ErrInvalidType)
	case c.Significant && (c.Restart == Permanent || auto == Never):
		return bad(ErrInvalidSignificant)
	}
	return nil
}

// Supervisor-flag errors, matched with errors.Is: Erlang's
// {supervisor_data, {invalid_*, Value}}.
var (
	ErrNoStrategy          = errors.New("supervisor: a strategy is required")
	ErrInvalidStrategy     = errors.New("invalid_strategy")
	ErrInvalidIntensity    = errors.New("invalid_intensity")
	ErrInvalidPeriod       = errors.New("invalid_period")
	ErrInvalidAutoShutdown = errors.New("invalid_auto_shutdown")
	ErrInvalidMaxChildren  = errors.New("invalid_max_children")
)

// NoRestarts, as [Spec.MaxRestarts], allows no restart at all: the first
// child exit that calls for a restart shuts the supervisor down. (Zero
// means the default, 3.)
const NoRestarts = -1

// The restart-intensity defaults, Elixir's: more than 3 restarts within 5 s
// shut the supervisor down.
const (
	DefaultMaxRestarts = 3
	DefaultPeriod      = 5 * time.Second
)

// A Backoff delays the restarts of a child that keeps crashing, so that a
// flapping dependency does not use up the restart intensity in milliseconds.
// It goes beyond OTP and is off unless set.
//
// A child's first restart after a stable run (longer than Reset) happens at
// once; each further restart in a row waits twice as long as the one before,
// from Min up to Max, spread by ±Jitter (a fraction, 0 to 1). The child shows
// as restarting while it waits. A restart counts towards the intensity when
// it happens, not when the child crashed.
type Backoff struct {
	Min    time.Duration // the first delay; default 10 ms
	Max    time.Duration // the longest delay; default 5 s
	Jitter float64       // 0 to 1; default 0.2
	Reset  time.Duration // a run longer than this clears the count; default Max
	// Rand returns a float in [0, 1); nil uses math/rand/v2. Tests can make
	// the jitter deterministic with it.
	Rand func() float64
}

// A Spec describes a supervisor: its flags and its children.
type Spec struct {
	// Strategy is required.
	Strategy Strategy
	// MaxRestarts is the restart intensity: more than MaxRestarts restarts
	// within Period shut the supervisor down with gen.ErrShutdown. Zero
	// means DefaultMaxRestarts; NoRestarts allows none.
	MaxRestarts int
	// Period defaults to DefaultPeriod.
	Period time.Duration
	// AutoShutdown defaults to Never.
	AutoShutdown AutoShutdown
	// Backoff, when set, delays restarts of a child that crashes in a loop.
	Backoff *Backoff
	// Children start in this order and stop in the reverse order.
	Children []ChildSpec
}

// flags is a validated, defaulted copy of a spec's flags.
type flags struct {
	strategy    Strategy
	maxRestarts int // 0: none allowed
	period      time.Duration
	auto        AutoShutdown
	backoff     *Backoff
}

func (s *Spec) flags() (flags, error) {
	f := flags{strategy: s.Strategy, maxRestarts: s.MaxRestarts, period: s.Period,
		auto: s.AutoShutdown, backoff: s.Backoff}
	switch {
	case f.strategy == 0:
		return f, ErrNoStrategy
	case f.strategy > RestForOne:
		return f, fmt.Errorf("supervisor: %w: %d", ErrInvalidStrategy, f.strategy)
	case f.maxRestarts < NoRestarts:
		return f, fmt.Errorf("supervisor: %w: %d", ErrInvalidIntensity, f.maxRestarts)
	case f.period < 0:
		return f, fmt.Errorf("supervisor: %w: %v", ErrInvalidPeriod, f.period)
	case f.auto > AllSignificant:
		return f, fmt.Errorf("supervisor: %w: %d", ErrInvalidAutoShutdown, f.auto)
	}
	switch f.maxRestarts {
	case 0:
		f.maxRestarts = DefaultMaxRestarts
	case NoRestarts:
		f.maxRestarts = 0
	}
	if f.period == 0 {
		f.period = DefaultPeriod
	}
	if b := f.backoff; b != nil {
		if b.Min < 0 || b.Max < 0 || b.Jitter < 0 || b.Jitter > 1 || b.Reset < 0 {
			return f, fmt.Errorf("supervisor: invalid backoff %+v", *b)
		}
		nb := *b
		if nb.Min == 0 {
			nb.Min = 10 * time.Millisecond
		}
		if nb.Max == 0 {
			nb.Max = 5 * time.Second
		}
		if nb.Max < nb.Min {
			nb.Max = nb.Min
		}
		if nb.Jitter == 0 {
			nb.Jitter = 0.2
		}
		if nb.Reset == 0 {
			nb.Reset = nb.Max
		}
		f.backoff = &nb
	}
	return f, nil
}

// checkChildren validates the children of a spec: each one, and unique IDs.
func checkChildren(children []ChildSpec, auto AutoShutdown) error {
	seen := make(map[string]bool, len(children))
	for i := range children {
		c := &children[i]
		if err := c.check(auto, false); err != nil {
			return err
		}
		if seen[c.ID] {
			return &SpecError{ID: c.ID, Err: ErrDuplicateID}
		}
		seen[c.ID] = true
	}
	return nil
}

type ctxKey uint8

const (
	runtimeKey ctxKey = iota
	extraKey
)

// Runtime returns the runtime of the supervisor that is calling a
// [StartFunc], from the StartFunc's ctx, or nil.
func Runtime(ctx context.Context) *gen.Runtime {
	rt, _ := ctx.Value(runtimeKey).(*gen.Runtime)
	return rt
}

// ExtraArgs returns the extra arguments of the DynamicSupervisor that is
// calling a [StartFunc] (Elixir's extra_arguments), from the StartFunc's
// ctx. It returns nil under a Supervisor.
func ExtraArgs(ctx context.Context) []any {
	a, _ := ctx.Value(extraKey).([]any)
	return a
}

// Worker returns a spec for a worker child that runs the server newServer
// returns, started with gen.StartLink and opts. newServer is called for each
// start, so every restart begins from a fresh server value.
func Worker(id string, newServer func() gen.Server, opts ...gen.StartOption) ChildSpec {
	return ChildSpec{ID: id, Start: func(ctx context.Context) (gen.PID, error) {
		rt := Runtime(ctx)
		if rt == nil {
			return gen.PID{}, gen.ErrNotProcess
		}
		return gen.StartLink(ctx, rt, newServer(), opts...)
	}}
}

// Sub returns a spec for a child supervisor running spec, started with
// [StartLink] and opts. Its Type is SupervisorType, so its default shutdown
// is Infinity.
func Sub(id string, spec Spec, opts ...gen.StartOption) ChildSpec {
	return ChildSpec{ID: id, Type: SupervisorType, Start: func(ctx context.Context) (gen.PID, error) {
		rt := Runtime(ctx)
		if rt == nil {
			return gen.PID{}, gen.ErrNotProcess
		}
		return StartLink(ctx, rt, spec, opts...)
	}}
}
