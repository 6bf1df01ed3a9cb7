package gen_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// logBuffer collects a runtime's log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newRuntime returns a runtime whose log goes to the returned buffer and which
// is closed when the test ends. Inside a synctest bubble, call it inside the
// bubble.
func newRuntime(t testing.TB) (*gen.Runtime, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(rt.Close)
	return rt, logs
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func sysSuspend(t testing.TB, rt *gen.Runtime, pid gen.PID) error {
	t.Helper()
	return sys.Suspend(context.Background(), rt, pid)
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
