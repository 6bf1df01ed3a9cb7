package gen_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/testutil"
	"github.com/gen-go/gen/sys"
)

// logBuffer collects a runtime's log output.
type logBuffer = testutil.LogBuffer

// newRuntime returns a runtime that logs to the returned buffer and is
// closed when the test ends. Inside a synctest bubble, call it inside the
// bubble.
func newRuntime(t testing.TB) (*gen.Runtime, *logBuffer) { return testutil.NewRuntime(t) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func sysSuspend(t testing.TB, rt *gen.Runtime, pid gen.PID) error {
	t.Helper()
	return sys.Suspend(context.Background(), rt, pid)
}

// wake makes a started process that has not had a message yet take its
// goroutine (a process waits for its first message without one), with a
// system message that runs no callback.
func wake(t testing.TB, rt *gen.Runtime, pid gen.PID) {
	t.Helper()
	if _, err := sys.GetState(context.Background(), rt, pid); err != nil {
		t.Fatalf("wake: %v", err)
	}
}

func sysResume(t testing.TB, rt *gen.Runtime, pid gen.PID) error {
	t.Helper()
	return sys.Resume(context.Background(), rt, pid)
}

// mapRegistrar is a minimal gen.Registrar for Via names; its zero value is
// ready to use.
type mapRegistrar struct {
	mu sync.Mutex
	m  map[any]gen.PID
}

func (r *mapRegistrar) RegisterName(key any, pid gen.PID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[key]; ok {
		return false
	}
	if r.m == nil {
		r.m = make(map[any]gen.PID)
	}
	r.m[key] = pid
	return true
}

func (r *mapRegistrar) UnregisterName(key any, pid gen.PID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m[key] == pid {
		delete(r.m, key)
	}
}

func (r *mapRegistrar) WhereisName(key any) (gen.PID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, ok := r.m[key]
	return pid, ok
}

// testLog is a goroutine-safe event log.
type testLog struct {
	mu sync.Mutex
	s  []string
}

func (l *testLog) add(format string, a ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.s = append(l.s, fmt.Sprintf(format, a...))
	l.mu.Unlock()
}

func (l *testLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.s)
}

func (l *testLog) has(prefix string) bool {
	for _, s := range l.get() {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// testRun is a request that testSrv runs inside its HandleCall, so a test can
// act as the process (StartLink, Call from a process, ...).
type testRun func(p *gen.Process) any

// testSrv implements every callback; each one logs (when log is set) and
// then defers to the matching func field when it is set. An unhandled call
// echoes its request; a testRun request runs inside the process.
type testSrv struct {
	log  *testLog
	ptr  string // fmt %p of the *gen.Process, set in Init
	init func(p *gen.Process) error
	call func(p *gen.Process, from gen.From, req any) (any, error)
	cast func(p *gen.Process, msg any) error
	info func(p *gen.Process, msg any) error
	cont func(p *gen.Process, arg any) error
	term func(p *gen.Process, reason error)
}

func (s *testSrv) Init(p *gen.Process) error {
	s.ptr = fmt.Sprintf("%p", p)
	s.log.add("init")
	if s.init != nil {
		return s.init(p)
	}
	return nil
}

func (s *testSrv) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if f, ok := req.(testRun); ok {
		return f(p), nil
	}
	s.log.add("call %v", req)
	if s.call != nil {
		return s.call(p, from, req)
	}
	return req, nil
}

func (s *testSrv) HandleCast(p *gen.Process, msg any) error {
	s.log.add("cast %v", msg)
	if s.cast != nil {
		return s.cast(p, msg)
	}
	return nil
}

func (s *testSrv) HandleInfo(p *gen.Process, msg any) error {
	s.log.add("info %v", msg)
	if s.info != nil {
		return s.info(p, msg)
	}
	return nil
}

func (s *testSrv) HandleContinue(p *gen.Process, arg any) error {
	s.log.add("continue %v", arg)
	if s.cont != nil {
		return s.cont(p, arg)
	}
	return nil
}

func (s *testSrv) Terminate(p *gen.Process, reason error) {
	s.log.add("terminate %v", reason)
	if s.term != nil {
		s.term(p, reason)
	}
}

// mustStart starts srv on rt and fails the test if Start fails.
func mustStart(t testing.TB, rt *gen.Runtime, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	pid, err := gen.Start(context.Background(), rt, srv, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return pid
}
