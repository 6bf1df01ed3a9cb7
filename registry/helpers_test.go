package registry

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/gen-go/gen"
)

// newRuntime returns a runtime that discards its log and is closed when the
// test ends. Inside a synctest bubble, call it inside the bubble.
func newRuntime(t testing.TB) *gen.Runtime {
	t.Helper()
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(rt.Close)
	return rt
}

// probe is a server that runs do funcs sent by call inside its own process
// and forwards every plain message it gets to msgs.
type probe struct {
	msgs chan any
	trap bool
}

// do, sent by call, runs inside the probe's process; its result is boxed so
// that an error result is not taken for a failed call.
type do func(p *gen.Process) any

type box struct{ v any }

func newProbe(trap bool) *probe { return &probe{msgs: make(chan any, 1024), trap: trap} }

func (s *probe) Init(p *gen.Process) error {
	if s.trap {
		p.TrapExit(true)
	}
	return nil
}

func (s *probe) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if f, ok := req.(do); ok {
		return box{f(p)}, nil
	}
	return req, nil
}

func (s *probe) HandleInfo(p *gen.Process, msg any) error {
	s.msgs <- msg
	return nil
}

// startProbe starts a probe and returns it with its PID.
func startProbe(t testing.TB, rt *gen.Runtime, trap bool, opts ...gen.StartOption) (*probe, gen.PID) {
	t.Helper()
	s := newProbe(trap)
	pid, err := gen.Start(context.Background(), rt, s, opts...)
	if err != nil {
		t.Fatalf("Start probe: %v", err)
	}
	return s, pid
}

// in runs f inside the process pid and returns its result.
func in(t testing.TB, rt *gen.Runtime, pid gen.PID, f func(p *gen.Process) any) any {
	t.Helper()
	b, err := gen.Call[box](context.Background(), rt, pid, do(f))
	if err != nil {
		t.Fatalf("call into %v: %v", pid, err)
	}
	return b.v
}

// regResult is what register returns from inside a process.
type regResult struct {
	owner gen.PID
	err   error
}

// register registers pid under key with value in reg, from inside pid.
func register(t testing.TB, rt *gen.Runtime, reg *Registry, pid gen.PID, key, value any) (gen.PID, error) {
	t.Helper()
	r := in(t, rt, pid, func(p *gen.Process) any {
		owner, err := reg.Register(p, key, value)
		return regResult{owner, err}
	}).(regResult)
	return r.owner, r.err
}

// mustRegister is register that fails the test on error.
func mustRegister(t testing.TB, rt *gen.Runtime, reg *Registry, pid gen.PID, key, value any) gen.PID {
	t.Helper()
	owner, err := register(t, rt, reg, pid, key, value)
	if err != nil {
		t.Fatalf("Register(%v, %v) by %v: %v", key, value, pid, err)
	}
	return owner
}

// unregister unregisters pid's entries under key, from inside pid.
func unregister(t testing.TB, rt *gen.Runtime, reg *Registry, pid gen.PID, key any) error {
	t.Helper()
	err, _ := in(t, rt, pid, func(p *gen.Process) any { return reg.Unregister(p, key) }).(error)
	return err
}

// startUnique starts a unique registry on rt and fails the test on error.
func startUnique(t testing.TB, rt *gen.Runtime, opts Options) *Unique {
	t.Helper()
	u := NewUnique(rt, opts)
	if _, err := u.Start(context.Background()); err != nil {
		t.Fatalf("Start unique registry: %v", err)
	}
	return u
}

// startDuplicate starts a duplicate registry on rt and fails the test on
// error.
func startDuplicate(t testing.TB, rt *gen.Runtime, opts Options) *Duplicate {
	t.Helper()
	d := NewDuplicate(rt, opts)
	if _, err := d.Start(context.Background()); err != nil {
		t.Fatalf("Start duplicate registry: %v", err)
	}
	return d
}

// lookup is Lookup that fails the test on error.
func lookup(t testing.TB, reg *Registry, key any) []Entry {
	t.Helper()
	es, err := reg.Lookup(key)
	if err != nil {
		t.Fatalf("Lookup(%v): %v", key, err)
	}
	return es
}

// keysOf returns reg.Keys(pid) sorted by their printed form.
func keysOf(t testing.TB, reg *Registry, pid gen.PID) []string {
	t.Helper()
	ks, err := reg.Keys(pid)
	if err != nil {
		t.Fatalf("Keys(%v): %v", pid, err)
	}
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = fmt.Sprintf("%v", k)
	}
	slices.Sort(out)
	return out
}

// count is Count that fails the test on error.
func count(t testing.TB, reg *Registry) int {
	t.Helper()
	n, err := reg.Count()
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

// kill kills pid and waits until it is dead.
func kill(rt *gen.Runtime, pid gen.PID) {
	_, ch := rt.Watch(pid)
	rt.Exit(pid, gen.ErrKill)
	<-ch
}

// drain returns the messages queued in ch without waiting.
func drain(ch chan any) []any {
	var out []any
	for {
		select {
		case m := <-ch:
			out = append(out, m)
		default:
			return out
		}
	}
}

// hasLink reports whether a is linked to b, from inside a.
func hasLink(t testing.TB, rt *gen.Runtime, a, b gen.PID) bool {
	t.Helper()
	return in(t, rt, a, func(p *gen.Process) any { return slices.Contains(p.Links(), b) }).(bool)
}
