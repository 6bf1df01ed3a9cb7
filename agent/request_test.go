package agent_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
)

// incr is a reusable request: it adds by to the count and reports the count
// it saw before.
type incr struct {
	by, before int
}

func (r *incr) Apply(n int) int {
	r.before = n
	return n + r.by
}

// boom panics inside the agent.
type boom struct{}

func (boom) Apply(int) int { panic("boom") }

// named is a request for a string state.
type named struct{}

func (*named) Apply(s string) string { return s }

func TestAgentDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a := mustStart(t, rt, func() int { return 10 })
		r := &incr{by: 5}
		for i, want := range []int{10, 15, 20} {
			if err := a.Do(ctx, r); err != nil {
				t.Fatalf("Do %d: %v", i, err)
			}
			if r.before != want {
				t.Errorf("Do %d saw %d; want %d", i, r.before, want)
			}
		}
		// Do and the function-based calls act on the same state, in order.
		_ = a.Cast(func(n int) int { return n * 2 })
		if err := a.Do(ctx, r); err != nil || r.before != 50 {
			t.Errorf("Do after Cast saw %d, %v; want 50, nil", r.before, err)
		}
		if n, _ := agent.Get(ctx, a, func(n int) int { return n }); n != 55 {
			t.Errorf("Get after Do = %d; want 55", n)
		}
	})
}

func TestAgentDoErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()

		// A request made for another state type: an error, the agent lives.
		a := mustStart(t, rt, func() int { return 1 }, gen.WithName("n"))
		wrong := agent.At[string](rt, gen.Name("n"))
		if err := wrong.Do(ctx, &named{}); !errors.Is(err, agent.ErrStateType) {
			t.Errorf("Do through a string handle = %v; want ErrStateType", err)
		}
		if n, err := agent.Get(ctx, a, func(n int) int { return n }); err != nil || n != 1 {
			t.Errorf("after a mismatched Do: Get = %d, %v; want 1, nil", n, err)
		}

		// A panic in Apply ends the agent and fails the call with the reason.
		pid := agentPID(t, a)
		_, downs := rt.Watch(pid)
		err := a.Do(ctx, boom{})
		var pe *gen.PanicError
		if !errors.As(err, &pe) || pe.Value != "boom" {
			t.Errorf("Do with a panicking Apply = %v; want the panic as the exit reason", err)
		}
		if d := <-downs; !errors.As(d.Reason, &pe) {
			t.Errorf("agent ended with %v; want the panic", d.Reason)
		}

		// No agent: noproc, for a dead one and for the zero handle.
		if err := a.Do(ctx, &incr{}); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("Do on a dead agent = %v; want noproc", err)
		}
		var zero agent.Agent[int]
		if err := zero.Do(ctx, &incr{}); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("Do on the zero Agent = %v; want noproc", err)
		}
	})
}
