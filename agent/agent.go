package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// ErrStateType matches the error returned when a request reaches an agent
// through an Agent[S] whose S is not the type of the agent's state: a
// handle made with [At] for the wrong type.
var ErrStateType = errors.New("agent: state type mismatch")

// An Agent is a handle to an agent process whose state has type S. Handles
// are small values: copy them freely. The zero Agent refers to no process;
// make one with [Start], [StartLink] or [At].
type Agent[S any] struct {
	rt *gen.Runtime
	to gen.Dest
}

// At returns a handle to the agent at to, for example a [gen.Name] given to
// Start with [gen.WithName]. It does not check that the agent exists or that
// its state has type S; a request made through a handle with the wrong S
// fails with an error matching [ErrStateType].
func At[S any](rt *gen.Runtime, to gen.Dest) Agent[S] {
	return Agent[S]{rt: rt, to: to}
}

// Dest returns the destination the handle aims at: the agent's PID for a
// handle returned by Start or StartLink.
func (a Agent[S]) Dest() gen.Dest { return a.to }

// Runtime returns the runtime the agent lives in.
func (a Agent[S]) Runtime() *gen.Runtime { return a.rt }

// Start starts an agent whose first state is what init returns. init runs in
// the new process, and Start returns once it has. A nil init makes the zero
// S the first state.
//
// opts are [gen.Start]'s: [gen.WithName], [gen.WithVia],
// [gen.WithHibernateAfter], [gen.WithMailboxLimit]. ctx bounds the wait for
// init, as for gen.Start. If init panics, no agent runs and Start returns
// the [*gen.PanicError] (Elixir's {:error, {exception, stacktrace}}); a name
// that is taken gives a [*gen.AlreadyStartedError].
func Start[S any](ctx context.Context, rt *gen.Runtime, init func() S, opts ...gen.StartOption) (Agent[S], error) {
	pid, err := gen.Start(ctx, rt, &server[S]{init: init}, opts...)
	if err != nil {
		return Agent[S]{}, err
	}
	return Agent[S]{rt: rt, to: pid}, nil
}

// StartLink is [Start] plus a link between the agent and the calling
// process, which ctx must identify (the *gen.Process of the callback you are
// in); otherwise it returns [gen.ErrNotProcess]. A panic in init reaches the
// caller through the link as well, as for [gen.StartLink].
func StartLink[S any](ctx context.Context, rt *gen.Runtime, init func() S, opts ...gen.StartOption) (Agent[S], error) {
	pid, err := gen.StartLink(ctx, rt, &server[S]{init: init}, opts...)
	if err != nil {
		return Agent[S]{}, err
	}
	return Agent[S]{rt: rt, to: pid}, nil
}

// StartFunc returns a function that starts a fresh agent with [StartLink]
// each time it is called, linked to the process ctx identifies, and returns
// its PID: the shape of a supervisor child's start function. Every start
// runs init again, so a restarted agent begins from a fresh state.
func StartFunc[S any](rt *gen.Runtime, init func() S, opts ...gen.StartOption) func(ctx context.Context) (gen.PID, error) {
	return func(ctx context.Context) (gen.PID, error) {
		return gen.StartLink(ctx, rt, &server[S]{init: init}, opts...)
	}
}

// Get runs fn on the agent's state, inside the agent, and returns what fn
// returns. The state is unchanged.
//
// ctx bounds the wait, with the runtime's default deadline (5 s) when it has
// none. Get fails with a [*gen.CallError]: [gen.ErrNoProc] when no agent is
// there, the agent's exit reason (in a [*gen.ExitError]) when it dies first,
// for example because fn panicked, or ctx's error.
func Get[S, R any](ctx context.Context, a Agent[S], fn func(S) R) (R, error) {
	return call[S, R](ctx, a, getReq[S, R]{fn: fn})
}

// GetAndUpdate runs fn on the agent's state, inside the agent; fn returns a
// reply and the new state. The agent keeps the new state and GetAndUpdate
// returns the reply. Errors and deadlines are as for [Get].
func GetAndUpdate[S, R any](ctx context.Context, a Agent[S], fn func(S) (R, S)) (R, error) {
	return call[S, R](ctx, a, getUpdateReq[S, R]{fn: fn})
}

// Update replaces the agent's state with what fn returns, inside the agent,
// and returns once that is done. Errors and deadlines are as for [Get].
func (a Agent[S]) Update(ctx context.Context, fn func(S) S) error {
	_, err := call[S, struct{}](ctx, a, updateReq[S]{fn: fn})
	return err
}

// A Request is an operation on an agent's state that carries its own
// arguments and results. Apply runs inside the agent, as Update's function
// does: it returns the next state and stores any result in the request.
// Requests are for callers that make many calls and want them to allocate
// nothing. A function passed to Get or Update that captures variables is
// allocated per call, and Get boxes its reply; a pointer to a request
// struct is neither, and it can be reused from call to call.
type Request[S any] interface {
	Apply(state S) S
}

// Do runs r.Apply on the agent's state, inside the agent, keeps the state
// it returns, and returns once that is done. Errors and deadlines are as
// for [Get].
//
// When Do returns nil, Apply has run once and what it wrote to r is
// visible to the caller. When Do returns an error, Apply may still run
// later, as the request was sent and only the wait was abandoned: do not
// read or reuse r then.
func (a Agent[S]) Do(ctx context.Context, r Request[S]) error {
	_, err := a.call(ctx, r)
	return err
}

// Cast asks the agent to replace its state with what fn returns and returns
// at once, without waiting: Elixir's Agent.cast. Like [gen.Cast] it reports
// no failure to deliver (a dead agent drops fn); the one error is
// [gen.ErrMailboxFull] from an agent started with a bounded mailbox.
//
// A Cast through a handle whose S is not the agent's state type stops the
// agent with an error matching [ErrStateType], since nobody waits for an
// answer that could carry it.
func (a Agent[S]) Cast(fn func(S) S) error {
	if a.rt == nil {
		return nil
	}
	return gen.Cast(a.rt, a.to, castReq[S]{fn: fn})
}

// Stop stops the agent with reason (nil means [gen.ErrNormal]) and waits
// until it has exited. ctx bounds the wait, with no default deadline
// (Elixir's :infinity). See [gen.Stop] for the errors.
func (a Agent[S]) Stop(ctx context.Context, reason error) error {
	if a.rt == nil {
		return &gen.CallError{Op: "stop", To: a.to, Request: reason, Err: gen.ErrNoProc}
	}
	return gen.Stop(ctx, a.rt, a.to, reason)
}

// call runs fn in the agent and returns its reply as an R.
func call[S, R any](ctx context.Context, a Agent[S], req callReq[S]) (R, error) {
	v, err := a.call(ctx, req)
	if err != nil {
		var zero R
		return zero, err
	}
	r, _ := v.(R) // v is nil when fn's result is a nil interface or pointer
	return r, nil
}

// call sends req (a callReq or a Request) to the agent and returns its
// reply, or the error of the call or of a request of the wrong state type.
func (a Agent[S]) call(ctx context.Context, req any) (any, error) {
	if a.rt == nil {
		return nil, &gen.CallError{Op: "call", To: a.to, Request: req, Err: gen.ErrNoProc}
	}
	// Call[any] so that a reply which happens to be an error value is
	// returned as the value it is, not as Call's error.
	v, err := gen.Call[any](ctx, a.rt, a.to, req)
	if err != nil {
		return nil, err
	}
	if m, ok := v.(mismatch); ok {
		return nil, m.err
	}
	return v, nil
}

// server is the agent process's server: the state and the callbacks that
// apply the functions clients send.
type server[S any] struct {
	init  func() S
	state S
}

// callReq is the request of Get, GetAndUpdate and Update: apply returns
// the reply and the next state. Each implementation is a struct holding
// only the caller's function, so boxing it in an interface allocates
// nothing (no wrapper closure per call).
type callReq[S any] interface{ apply(S) (any, S) }

type getReq[S, R any] struct{ fn func(S) R }

func (r getReq[S, R]) apply(s S) (any, S) { return r.fn(s), s }

type getUpdateReq[S, R any] struct{ fn func(S) (R, S) }

func (r getUpdateReq[S, R]) apply(s S) (any, S) {
	v, next := r.fn(s)
	return v, next
}

type updateReq[S any] struct{ fn func(S) S }

func (r updateReq[S]) apply(s S) (any, S) { return nil, r.fn(s) }

// castReq carries the function of Cast.
type castReq[S any] struct{ fn func(S) S }

// mismatch is the reply to a call whose S is not the agent's. It is a type
// of its own so that no reply of fn's can be mistaken for it.
type mismatch struct{ err error }

func (s *server[S]) Init(*gen.Process) error {
	if s.init != nil {
		s.state = s.init()
	}
	s.init = nil
	return nil
}

func (s *server[S]) HandleCall(_ *gen.Process, _ gen.From, req any) (any, error) {
	// Request first: the form for callers who count instructions.
	switch c := req.(type) {
	case Request[S]:
		s.state = c.Apply(s.state)
		return nil, nil
	case callReq[S]:
		reply, next := c.apply(s.state)
		s.state = next
		return reply, nil
	}
	return mismatch{err: s.typeError(req)}, nil
}

func (s *server[S]) HandleCast(_ *gen.Process, msg any) error {
	c, ok := msg.(castReq[S])
	if !ok {
		return s.typeError(msg)
	}
	s.state = c.fn(s.state)
	return nil
}

// FormatStatus shows the state itself, not the server struct, in
// sys.GetStatus and crash reports.
func (s *server[S]) FormatStatus(st gen.Status) gen.Status {
	st.State = s.state
	return st
}

func (s *server[S]) typeError(req any) error {
	return fmt.Errorf("%w: the agent holds %T, the request was made for %s", ErrStateType, s.state, reqState(req))
}

// reqState names the state type a request was made for, from its Go type:
// the first type argument ("agent.getReq[int,string]" names int).
func reqState(req any) string {
	name := fmt.Sprintf("%T", req)
	open := strings.IndexByte(name, '[')
	if open < 0 || name[len(name)-1] != ']' {
		return name
	}
	depth := 0
	for i := open + 1; i < len(name)-1; i++ {
		switch name[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				return name[open+1 : i]
			}
		}
	}
	return name[open+1 : len(name)-1]
}

// Spec returns the child spec of an agent for a supervisor, as `use Agent`
// makes one: the agent starts with init linked to the supervisor, restart
// Permanent (the ChildSpec default), shutdown 5 s.
func Spec[S any](id string, rt *gen.Runtime, init func() S, opts ...gen.StartOption) supervisor.ChildSpec {
	return supervisor.ChildSpec{ID: id, Start: StartFunc(rt, init, opts...)}
}
