package gentest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/gentest"
	"github.com/gen-go/gen/supervisor"
)

// fakeT records failures and cleanups instead of acting on them, so that a
// test can check what gentest would have reported.
type fakeT struct {
	*testing.T
	errors   []string
	fatal    bool
	cleanups []func()
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Failed() bool        { return len(f.errors) > 0 || f.fatal }
func (f *fakeT) Logf(string, ...any) {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
}

// end runs the cleanups, last first, as testing does.
func (f *fakeT) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

type crasher struct{}

func (crasher) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if req == "panic" {
		panic("kaboom")
	}
	return "ok", nil
}

type recorder struct{ stopped chan string }

func (r *recorder) Init(p *gen.Process) error { p.TrapExit(true); return nil }
func (r *recorder) Terminate(p *gen.Process, reason error) {
	r.stopped <- reason.Error()
}

func TestStartSupervisedStopsAtCleanup(t *testing.T) {
	ft := &fakeT{T: t}
	rt := gentest.NewRuntime(ft)
	stopped := make(chan string, 2)
	a := gentest.Start(ft, rt, &recorder{stopped}, gen.WithName("a"))
	b := gentest.StartSupervised(ft, rt, supervisor.Worker("b", func() gen.Server { return &recorder{stopped} }))
	if !rt.Alive(a) || !rt.Alive(b) {
		t.Fatal("not started")
	}
	if pid, _ := rt.Whereis(gen.Name("a")); pid != a {
		t.Fatal("name option lost")
	}
	ft.end()
	if len(ft.errors) != 0 {
		t.Fatalf("a clean test failed: %v", ft.errors)
	}
	// Reverse start order, with the shutdown reason.
	if got := []string{<-stopped, <-stopped}; got[0] != "shutdown" || got[1] != "shutdown" {
		t.Fatalf("stops %v", got)
	}
	if rt.Alive(a) || rt.Alive(b) {
		t.Fatal("still alive after cleanup")
	}
}

func TestCrashFailsTheTest(t *testing.T) {
	ft := &fakeT{T: t}
	rt := gentest.NewRuntime(ft)
	pid := gentest.Start(ft, rt, crasher{})
	_, _ = gen.Call[string](context.Background(), rt, pid, "panic")
	ft.end()
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "kaboom") || !strings.Contains(ft.errors[0], "goroutine") {
		t.Fatalf("errors %q; want one with the panic and its stack", ft.errors)
	}
}

func TestFailedStartFailsTheTest(t *testing.T) {
	ft := &fakeT{T: t}
	rt := gentest.NewRuntime(ft)
	bad := supervisor.ChildSpec{ID: "bad", Start: func(context.Context) (gen.PID, error) { return gen.PID{}, errors.New("nope") }}
	gentest.StartSupervised(ft, rt, bad)
	ft.end()
	if !ft.fatal || !strings.Contains(ft.errors[0], "nope") {
		t.Fatalf("errors %q", ft.errors)
	}
}

func TestStopSupervised(t *testing.T) {
	rt := gentest.NewRuntime(t)
	pid := gentest.StartSupervised(t, rt, supervisor.Worker("w", func() gen.Server { return crasher{} }))
	gentest.StopSupervised(t, rt, "w")
	if rt.Alive(pid) {
		t.Fatal("still alive")
	}
	ft := &fakeT{T: t}
	gentest.StopSupervised(ft, rt, "w")
	if !ft.fatal {
		t.Fatal("stopping an unknown child did not fail")
	}
}
