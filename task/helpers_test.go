package task_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/testutil"
)

// logBuffer collects a runtime's log output.
type logBuffer = testutil.LogBuffer

// newRuntime returns a runtime that logs to the returned buffer and is
// closed when the test ends. Inside a synctest bubble, call it inside the
// bubble.
func newRuntime(t testing.TB) (*gen.Runtime, *logBuffer) { return testutil.NewRuntime(t) }

// owner is a process that runs test code in its callbacks, as the owner of
// tasks, and records every plain message it receives (its mailbox, as far
// as a test can see it).
type owner struct {
	trap bool
	mu   sync.Mutex
	got  []any
}

// doMsg asks the owner to run f in a callback and send its result on out.
type doMsg struct {
	f   func(p *gen.Process) any
	out chan any
}

func (o *owner) Init(p *gen.Process) error {
	p.TrapExit(o.trap)
	return nil
}

func (o *owner) HandleCast(p *gen.Process, msg any) error {
	m := msg.(doMsg)
	returned := false
	defer func() {
		if !returned {
			m.out <- panicked{}
		}
	}()
	v := m.f(p)
	returned = true
	m.out <- v
	return nil
}

// panicked is what in receives when the test code panicked in the owner.
type panicked struct{}

func (o *owner) HandleInfo(_ *gen.Process, msg any) error {
	o.mu.Lock()
	o.got = append(o.got, msg)
	o.mu.Unlock()
	return nil
}

// mailbox returns the messages the owner has received so far.
func (o *owner) mailbox() []any {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

// startOwner starts an owner process.
func startOwner(t testing.TB, rt *gen.Runtime, trap bool) (gen.PID, *owner) {
	t.Helper()
	o := &owner{trap: trap}
	pid, err := gen.Start(context.Background(), rt, o)
	if err != nil {
		t.Fatalf("start owner: %v", err)
	}
	return pid, o
}

// in runs f inside the process pid (an owner) and returns its result. f runs
// to the end even when the process dies meanwhile, as a callback does.
func in(t testing.TB, rt *gen.Runtime, pid gen.PID, f func(p *gen.Process) any) any {
	t.Helper()
	out := make(chan any, 1)
	if err := gen.Cast(rt, pid, doMsg{f: f, out: out}); err != nil {
		t.Fatalf("cast to owner: %v", err)
	}
	v := <-out
	if _, ok := v.(panicked); ok {
		t.Fatalf("the test code panicked in the owner")
	}
	return v
}

// blocker returns a task function that waits until release is closed and
// returns v, or returns ctx's error when its task dies first. It closes
// started when it begins and, when it returns, sends how it ended on ended.
type blocker struct {
	started chan struct{}
	release chan struct{}
	ended   chan error
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}), release: make(chan struct{}), ended: make(chan error, 1)}
}

func (b *blocker) fn(v int) func(ctx context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		close(b.started)
		select {
		case <-b.release:
			b.ended <- nil
			return v, nil
		case <-ctx.Done():
			b.ended <- ctx.Err()
			return 0, ctx.Err()
		}
	}
}

// res is a (value, error) pair carried out of an owner's callback.
type res[R any] struct {
	v    R
	done bool
	err  error
}
