package supervisor_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/testutil"
	"github.com/gen-go/gen/supervisor"
)

var bg = context.Background()

var errBoom = errors.New("boom")

// logBuffer collects a runtime's log output.
type logBuffer = testutil.LogBuffer

// newRuntime returns a runtime that logs to the returned buffer and is
// closed when the test ends. Inside a synctest bubble, call it inside the
// bubble.
func newRuntime(t testing.TB) (*gen.Runtime, *logBuffer) { return testutil.NewRuntime(t) }

// events records what workers do, in order.
type events struct {
	mu sync.Mutex
	l  []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.l = append(e.l, s)
	e.mu.Unlock()
}

// take returns the events so far and forgets them.
func (e *events) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.l
	e.l = nil
	return l
}

// worker is a test child. It records "start ID" in Init and "stop ID" in
// Terminate (which runs when it traps exits or crashes in a callback).
type worker struct {
	id   string
	ev   *events
	trap bool
	// stopFor, when set, is how long Terminate takes; a negative value
	// makes Terminate wait until the process is killed.
	stopFor time.Duration
}

func (w *worker) Init(p *gen.Process) error {
	if w.trap {
		p.TrapExit(true)
	}
	w.ev.add("start " + w.id)
	return nil
}

func (w *worker) Terminate(p *gen.Process, reason error) {
	w.ev.add("stop " + w.id + " " + reason.Error())
	switch {
	case w.stopFor < 0:
		<-p.Done()
	case w.stopFor > 0:
		time.Sleep(w.stopFor)
	}
}

// HandleCall answers "ping", and stops with the reason it is given as an
// error.
func (w *worker) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch r := req.(type) {
	case error:
		return nil, r
	case func(p *gen.Process):
		r(p)
		return nil, nil
	}
	return "pong", nil
}

// spec returns a spec for a worker that records into ev.
func spec(id string, ev *events, change ...func(*worker)) supervisor.ChildSpec {
	return supervisor.Worker(id, func() gen.Server {
		w := &worker{id: id, ev: ev}
		for _, f := range change {
			f(w)
		}
		return w
	})
}

func trapping(w *worker) { w.trap = true }

// startSup starts an unlinked supervisor and stops it when the test ends.
func startSup(t testing.TB, rt *gen.Runtime, s supervisor.Spec) gen.PID {
	t.Helper()
	pid, err := supervisor.Start(bg, rt, s)
	if err != nil {
		t.Fatalf("supervisor.Start: %v", err)
	}
	return pid
}

// children returns the supervisor's children as "id" -> PID.
func children(t testing.TB, rt *gen.Runtime, sup gen.PID) map[string]gen.PID {
	t.Helper()
	cs, err := supervisor.WhichChildren(bg, rt, sup)
	if err != nil {
		t.Fatalf("WhichChildren: %v", err)
	}
	m := map[string]gen.PID{}
	for _, c := range cs {
		m[c.ID] = c.PID
	}
	return m
}

// ids returns the IDs of WhichChildren, in its order.
func ids(t testing.TB, rt *gen.Runtime, sup gen.PID) []string {
	t.Helper()
	cs, err := supervisor.WhichChildren(bg, rt, sup)
	if err != nil {
		t.Fatalf("WhichChildren: %v", err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// crash makes the worker at pid stop with reason, and waits until it has.
func crash(t testing.TB, rt *gen.Runtime, pid gen.PID, reason error) {
	t.Helper()
	wait := watchExit(t, rt, pid)
	_, _ = gen.Call[any](bg, rt, pid, reason)
	wait()
}

// watchExit returns a function that waits for pid's exit reason. It fails
// the test if pid outlives a minute (of fake time, inside a bubble), so that
// a supervisor that should have died fails a test instead of hanging it.
func watchExit(t testing.TB, rt *gen.Runtime, pid gen.PID) func() error {
	_, ch := rt.Watch(pid)
	return func() error {
		t.Helper()
		select {
		case d := <-ch:
			return d.Reason
		case <-time.After(time.Minute):
			t.Fatalf("process %v did not exit", pid)
			return nil
		}
	}
}

func eq(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func contains(t testing.TB, logs *logBuffer, s string) {
	t.Helper()
	if !strings.Contains(logs.String(), s) {
		t.Fatalf("log lacks %q:\n%s", s, logs.String())
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
