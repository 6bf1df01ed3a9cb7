// Package gentest helps users test code built on Gen: a runtime for one
// test, and processes or whole supervision trees started for one test under
// a test supervisor, stopped in t.Cleanup, that fail the test when they
// crash. It is ExUnit's start_supervised in Go:
//
//	func TestCounter(t *testing.T) {
//		rt := gentest.NewRuntime(t)
//		pid := gentest.Start(t, rt, &Counter{})
//		n, err := gen.Call[int](context.Background(), rt, pid, "inc")
//		...
//	} // the counter is stopped here, and a crash fails the test
package gentest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// SupervisorName is the local name of the test supervisor that
// StartSupervised starts in a runtime on first use.
const SupervisorName gen.Name = "gentest.supervisor"

// NewRuntime returns a runtime for one test, closed when the test ends. Its
// log (crash reports, supervisor reports) is kept and written to the test's
// log if the test fails. opts may set anything but the Logger.
func NewRuntime(t testing.TB, opts ...gen.Options) *gen.Runtime {
	t.Helper()
	var o gen.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	logs := &buffer{}
	o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	rt := gen.NewRuntime(o)
	t.Cleanup(func() {
		rt.Close()
		if t.Failed() {
			if s := logs.String(); s != "" {
				t.Logf("gentest: the runtime's log:\n%s", s)
			}
		}
	})
	return rt
}

// buffer is a log sink safe for concurrent writes.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// StartSupervised starts the child spec under the runtime's test supervisor
// (started on first use, one-for-one, registered as SupervisorName) and
// returns its PID. It fails the test at once if the start fails. When the
// test ends, the child is stopped by its spec's shutdown protocol, in
// reverse start order with the other children, and if it crashed during the
// test (exited for a reason other than normal or shutdown, even if it was
// restarted), the test fails with the exit reason and, for a panic, its
// stack.
func StartSupervised(t testing.TB, rt *gen.Runtime, spec supervisor.ChildSpec) gen.PID {
	t.Helper()
	sup := testSupervisor(t, rt)
	pid, err := supervisor.StartChild(context.Background(), rt, sup, spec)
	if err != nil {
		t.Fatalf("gentest: start %q: %v", spec.ID, err)
	}
	if pid.IsZero() {
		return pid // the start returned gen.Ignore
	}
	_, down := rt.Watch(pid)
	t.Cleanup(func() {
		select {
		case d := <-down:
			if gen.IsAbnormal(d.Reason) {
				t.Errorf("gentest: %q (%v) crashed: %v%s", spec.ID, pid, d.Reason, stack(d.Reason))
			}
		default:
		}
	})
	return pid
}

// Start starts srv under the runtime's test supervisor, as a temporary
// child (it is not restarted), with opts (a name, for one), and returns its
// PID. Otherwise it is [StartSupervised].
func Start(t testing.TB, rt *gen.Runtime, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	spec := supervisor.Worker(fmt.Sprintf("%T %v", srv, rt.MakeRef()), func() gen.Server { return srv }, opts...)
	spec.Restart = supervisor.Temporary
	return StartSupervised(t, rt, spec)
}

// StopSupervised stops the child with the given ID under the runtime's test
// supervisor and forgets it. It fails the test if there is no such child.
func StopSupervised(t testing.TB, rt *gen.Runtime, id string) {
	t.Helper()
	ctx := context.Background()
	sup := testSupervisor(t, rt)
	if err := supervisor.TerminateChild(ctx, rt, sup, id); err != nil {
		t.Fatalf("gentest: stop %q: %v", id, err)
	}
	if err := supervisor.DeleteChild(ctx, rt, sup, id); err != nil && !errors.Is(err, supervisor.ErrNotFound) {
		t.Fatalf("gentest: stop %q: %v", id, err)
	}
}

// testSupervisor returns the runtime's test supervisor, starting it (and
// arranging its stop at the end of the test) on first use.
func testSupervisor(t testing.TB, rt *gen.Runtime) gen.PID {
	t.Helper()
	if pid, ok := rt.Whereis(SupervisorName); ok {
		return pid
	}
	ctx := context.Background()
	pid, err := supervisor.Start(ctx, rt, supervisor.Spec{Strategy: supervisor.OneForOne,
		MaxRestarts: 1_000_000}, gen.WithName(SupervisorName))
	if err != nil {
		t.Fatalf("gentest: start the test supervisor: %v", err)
	}
	t.Cleanup(func() {
		if err := gen.Stop(ctx, rt, pid, nil); err != nil && !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("gentest: stop the test supervisor: %v", err)
		}
	})
	return pid
}

// stack returns a panic's stack, for the failure message.
func stack(reason error) string {
	var pe *gen.PanicError
	if errors.As(reason, &pe) && len(pe.Stack) > 0 {
		return "\n" + string(pe.Stack)
	}
	return ""
}
