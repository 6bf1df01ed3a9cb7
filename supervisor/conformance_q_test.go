package supervisor_test

// CONFORMANCE.md group Q: DynamicSupervisor (items 163–172).
//
// Not applicable in Go, with the reason:
//   - 163, "{:ok, pid, info}": a StartFunc returns a PID and an error; extra
//     start info has no Go form.
//   - 171, throw versus raise versus exit: Go has one way to fail a
//     function (return an error) and one to abort it (panic); both are
//     tested below.
//   - 172, "any auto_shutdown other than :never is refused": Dynamic has no
//     AutoShutdown field, so it cannot be asked for.

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

func startDyn(t testing.TB, rt *gen.Runtime, d supervisor.Dynamic) gen.PID {
	t.Helper()
	pid, err := supervisor.StartDynamic(bg, rt, d)
	if err != nil {
		t.Fatalf("StartDynamic: %v", err)
	}
	return pid
}

// conformance: 163
// conformance: 166
func TestDynamicStartChild(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	sup := startDyn(t, rt, supervisor.Dynamic{})
	if n, _ := supervisor.CountChildren(bg, rt, sup); n != (supervisor.Counts{}) {
		t.Fatalf("a new DynamicSupervisor has children: %+v", n)
	}
	// IDs are ignored, so the same spec starts twice.
	p1, err1 := supervisor.StartChild(bg, rt, sup, spec("same", ev))
	p2, err2 := supervisor.StartChild(bg, rt, sup, spec("same", ev))
	if err1 != nil || err2 != nil || p1 == p2 {
		t.Fatalf("two children from one spec: %v %v %v %v", p1, err1, p2, err2)
	}
	if pid, err := supervisor.StartChild(bg, rt, sup, ignoring("i", supervisor.Permanent)); err != nil || !pid.IsZero() {
		t.Fatalf("ignored start: %v %v", pid, err)
	}
	// A failed start returns the start's own error, not a StartError.
	bad := supervisor.ChildSpec{Start: func(context.Context) (gen.PID, error) { return gen.PID{}, errBoom }}
	var se *supervisor.StartError
	if _, err := supervisor.StartChild(bg, rt, sup, bad); err != errBoom || errors.As(err, &se) {
		t.Fatalf("failed start: %v; want the bare error", err)
	}
	cs, err := supervisor.WhichChildren(bg, rt, sup)
	if err != nil || len(cs) != 2 {
		t.Fatalf("children %+v %v", cs, err)
	}
	got := []gen.PID{cs[0].PID, cs[1].PID}
	for _, c := range cs {
		if c.ID != "" || c.Type != supervisor.WorkerType || c.Restarting {
			t.Fatalf("child %+v", c)
		}
	}
	if !slices.Contains(got, p1) || !slices.Contains(got, p2) {
		t.Fatalf("children %v; want %v and %v", got, p1, p2)
	}
	if n, _ := supervisor.CountChildren(bg, rt, sup); n != (supervisor.Counts{Specs: 2, Active: 2, Workers: 2}) {
		t.Fatalf("counts %+v", n)
	}
}

// conformance: 164
// conformance: 167
func TestDynamicMaxChildrenAndTerminate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ev := &events{}
		sup := startDyn(t, rt, supervisor.Dynamic{MaxChildren: 2, Backoff: &supervisor.Backoff{Min: time.Second, Jitter: 1e-9}})
		a, _ := supervisor.StartChild(bg, rt, sup, spec("a", ev))
		b, _ := supervisor.StartChild(bg, rt, sup, spec("b", ev))
		if _, err := supervisor.StartChild(bg, rt, sup, spec("c", ev)); err != supervisor.ErrMaxChildren {
			t.Fatalf("third child: %v", err)
		}
		// b crashes twice: its second restart waits for the backoff. A
		// restarting child still counts towards the limit.
		crash(t, rt, b, errBoom)
		cs, _ := supervisor.WhichChildren(bg, rt, sup)
		var b2 gen.PID
		for _, c := range cs {
			if c.PID != a {
				b2 = c.PID
			}
		}
		crash(t, rt, b2, errBoom)
		if _, err := supervisor.StartChild(bg, rt, sup, spec("c", ev)); err != supervisor.ErrMaxChildren {
			t.Fatalf("child over the limit while one restarts: %v", err)
		}
		n, _ := supervisor.CountChildren(bg, rt, sup)
		if n != (supervisor.Counts{Specs: 2, Active: 1, Workers: 2}) {
			t.Fatalf("counts with one restarting %+v", n)
		}
		// TerminateChild works on the restarting child, by its last PID.
		if err := supervisor.TerminateChild(bg, rt, sup, b2); err != nil {
			t.Fatalf("TerminateChild of a restarting child: %v", err)
		}
		if err := supervisor.TerminateChild(bg, rt, sup, a); err != nil {
			t.Fatal(err)
		}
		if err := supervisor.TerminateChild(bg, rt, sup, a); err != supervisor.ErrNotFound {
			t.Fatalf("TerminateChild again: %v", err)
		}
		time.Sleep(2 * time.Second) // the cancelled restart must not happen
		if n, _ := supervisor.CountChildren(bg, rt, sup); n != (supervisor.Counts{}) {
			t.Fatalf("counts after terminating both: %+v", n)
		}
	})
}

// conformance: 165
func TestDynamicExtraArgs(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	var seen [][]any
	cs := spec("w", ev)
	start := cs.Start
	cs.Start = func(ctx context.Context) (gen.PID, error) {
		seen = append(seen, supervisor.ExtraArgs(ctx))
		return start(ctx)
	}
	sup := startDyn(t, rt, supervisor.Dynamic{ExtraArgs: []any{"x", 1}})
	pid, err := supervisor.StartChild(bg, rt, sup, cs)
	if err != nil {
		t.Fatal(err)
	}
	crash(t, rt, pid, errBoom)
	if _, err := supervisor.CountChildren(bg, rt, sup); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || !slices.Equal(seen[0], []any{"x", 1}) || !slices.Equal(seen[1], []any{"x", 1}) {
		t.Fatalf("extra args seen by the starts: %v", seen)
	}
}

// conformance: 168
func TestDynamicShutdownAllAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ev := &events{}
		sup := startDyn(t, rt, supervisor.Dynamic{})
		mk := func(id string, shutdown, takes time.Duration) (gen.PID, func() error) {
			cs := spec(id, ev, func(w *worker) { w.trap, w.stopFor = true, takes })
			cs.Shutdown = shutdown
			pid, err := supervisor.StartChild(bg, rt, sup, cs)
			if err != nil {
				t.Fatal(err)
			}
			return pid, watchExit(t, rt, pid)
		}
		_, slow1 := mk("slow1", 5*time.Second, 3*time.Second)
		_, slow2 := mk("slow2", 5*time.Second, 3*time.Second)
		_, stuck := mk("stuck", 2*time.Second, -1)
		_, brutal := mk("brutal", supervisor.BrutalKill, -1)
		_, inf := mk("inf", supervisor.Infinity, 4*time.Second)
		start := time.Now()
		if err := gen.Stop(bg, rt, sup, nil); err != nil {
			t.Fatal(err)
		}
		// In parallel: the longest wait, 4 s, not the 3+3+2+4 s of a
		// sequence.
		if took := time.Since(start); took != 4*time.Second {
			t.Fatalf("shutdown took %v; want 4s", took)
		}
		for _, c := range []struct {
			name string
			wait func() error
			want error
		}{{"slow1", slow1, gen.ErrShutdown}, {"slow2", slow2, gen.ErrShutdown}, {"stuck", stuck, gen.ErrKilled},
			{"brutal", brutal, gen.ErrKilled}, {"inf", inf, gen.ErrShutdown}} {
			if r := c.wait(); r != c.want {
				t.Errorf("%s exited with %v; want %v", c.name, r, c.want)
			}
		}
	})
}

// conformance: 170
func TestDynamicIntensity(t *testing.T) {
	rt, logs := newRuntime(t)
	ev := &events{}
	sup := startDyn(t, rt, supervisor.Dynamic{MaxRestarts: 2})
	exit := watchExit(t, rt, sup)
	pid, _ := supervisor.StartChild(bg, rt, sup, spec("w", ev))
	for range 2 {
		crash(t, rt, pid, errBoom)
		cs, _ := supervisor.WhichChildren(bg, rt, sup)
		pid = cs[0].PID
	}
	crash(t, rt, pid, errBoom)
	if r := exit(); r != gen.ErrShutdown {
		t.Fatalf("exited with %v; want shutdown", r)
	}
	contains(t, logs, "reached_max_restart_intensity")
}

// conformance: 171
func TestDynamicStartFailures(t *testing.T) {
	rt, _ := newRuntime(t)
	sup := startDyn(t, rt, supervisor.Dynamic{})
	panicky := supervisor.ChildSpec{Start: func(context.Context) (gen.PID, error) { panic("oops") }}
	var pe *gen.PanicError
	if _, err := supervisor.StartChild(bg, rt, sup, panicky); !errors.As(err, &pe) || pe.Value != "oops" || len(pe.Stack) == 0 {
		t.Fatalf("panicking start: %v", err)
	}
	// The start of a server whose Init fails returns Init's error.
	failing := supervisor.Worker("", func() gen.Server { return initFails{} })
	if _, err := supervisor.StartChild(bg, rt, sup, failing); !errors.Is(err, errBoom) {
		t.Fatalf("failing Init: %v", err)
	}
	if !rt.Alive(sup) {
		t.Fatal("a failed start took the supervisor down")
	}
}

type initFails struct{}

func (initFails) Init(*gen.Process) error { return errBoom }

// conformance: 172
func TestDynamicDefaultsAndInvalid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		for _, c := range []struct {
			d    supervisor.Dynamic
			want error
		}{
			{supervisor.Dynamic{MaxChildren: -1}, supervisor.ErrInvalidMaxChildren},
			{supervisor.Dynamic{MaxRestarts: -3}, supervisor.ErrInvalidIntensity},
			{supervisor.Dynamic{Period: -1}, supervisor.ErrInvalidPeriod},
		} {
			if _, err := supervisor.StartDynamic(bg, rt, c.d); !errors.Is(err, c.want) {
				t.Errorf("%+v: %v; want %v", c.d, err, c.want)
			}
		}
		// Defaults: 3 restarts in 5 s, no child limit.
		ev := &events{}
		sup := startDyn(t, rt, supervisor.Dynamic{})
		exit := watchExit(t, rt, sup)
		var pids []gen.PID
		for range 100 {
			pid, err := supervisor.StartChild(bg, rt, sup, spec("w", ev))
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
		for _, pid := range pids[:3] {
			crash(t, rt, pid, errBoom)
		}
		time.Sleep(5*time.Second + time.Millisecond)
		for _, pid := range pids[3:6] {
			crash(t, rt, pid, errBoom)
		}
		if !rt.Alive(sup) {
			t.Fatal("died within the default intensity")
		}
		crash(t, rt, pids[6], errBoom)
		if r := exit(); r != gen.ErrShutdown {
			t.Fatalf("exited with %v", r)
		}
	})
}
