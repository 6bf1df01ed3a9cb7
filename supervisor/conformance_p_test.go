package supervisor_test

// CONFORMANCE.md group P: Supervisor (items 132–162).
//
// Not applicable in Go, with the reason:
//   - 136, "a bad return gives {:error, {:bad_return, ...}}": a StartLinkFunc
//     init returns (Spec, error), so there is no malformed return to report.
//   - 161, "child_spec/2 rejects unknown override keys": a ChildSpec is a Go
//     struct, and the compiler rejects unknown fields.
//   - 153 and 155, "{:ok, pid, info}": a StartFunc returns a PID and an
//     error; extra start info has no Go form.

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// conformance: 132
// conformance: 133
// conformance: 134
func TestStartOrderStopReverse(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
		spec("a", ev, trapping), spec("b", ev, trapping), spec("c", ev, trapping),
	}})
	// Start returned only after every child started, in list order.
	eq(t, "start order", ev.take(), []string{"start a", "start b", "start c"})
	eq(t, "which_children", ids(t, rt, sup), []string{"c", "b", "a"})
	if err := gen.Stop(bg, rt, sup, nil); err != nil {
		t.Fatal(err)
	}
	eq(t, "stop order", ev.take(), []string{"stop c shutdown", "stop b shutdown", "stop a shutdown"})
}

// conformance: 135
func TestChildFailsToStartInInit(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	bad := supervisor.ChildSpec{ID: "b", Start: func(ctx context.Context) (gen.PID, error) { return gen.PID{}, errBoom }}
	_, err := supervisor.Start(bg, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
		spec("a", ev, trapping), bad, spec("c", ev, trapping),
	}})
	var se *supervisor.StartError
	if !errors.As(err, &se) || se.ID != "b" || !errors.Is(err, errBoom) || !errors.Is(err, gen.ErrShutdown) {
		t.Fatalf("Start: %v; want {shutdown, {failed_to_start_child, b, boom}}", err)
	}
	eq(t, "events", ev.take(), []string{"start a", "stop a shutdown"})
	if n := len(rt.Processes()); n != 0 {
		t.Fatalf("%d processes left", n)
	}

	// A caller that links and does not trap exits is taken down by the
	// supervisor's {shutdown, ...} exit, as in OTP.
	parent := &caller{}
	ppid, err := gen.Start(bg, rt, parent)
	if err != nil {
		t.Fatal(err)
	}
	wait := watchExit(t, rt, ppid)
	_, err = gen.Call[any](bg, rt, ppid, func(p *gen.Process) error {
		_, err := supervisor.StartLink(p, rt, supervisor.Spec{Strategy: supervisor.OneForOne,
			Children: []supervisor.ChildSpec{bad}})
		return err
	})
	if !errors.As(err, &se) {
		t.Fatalf("StartLink from a process: %v", err)
	}
	if r := wait(); !errors.Is(r, gen.ErrShutdown) || !errors.As(r, &se) {
		t.Fatalf("linked caller exited with %v; want the supervisor's shutdown reason", r)
	}
}

// caller is a process that runs functions given to it by Call.
type caller struct{}

func (caller) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return req.(func(p *gen.Process) error)(p), nil
}

// conformance: 136
func TestSupervisorInitFailures(t *testing.T) {
	rt, _ := newRuntime(t)
	host, err := gen.Start(bg, rt, caller{})
	if err != nil {
		t.Fatal(err)
	}
	startFunc := func(init func(context.Context) (supervisor.Spec, error)) error {
		r, err := gen.Call[error](bg, rt, host, func(p *gen.Process) error {
			_, err := supervisor.StartLinkFunc(p, rt, init)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if err := startFunc(func(context.Context) (supervisor.Spec, error) { return supervisor.Spec{}, gen.Ignore }); err != gen.Ignore {
		t.Fatalf("init returning Ignore: %v", err)
	}
	for _, c := range []struct {
		spec supervisor.Spec
		want error
	}{
		{supervisor.Spec{Strategy: 9}, supervisor.ErrInvalidStrategy},
		{supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: -2}, supervisor.ErrInvalidIntensity},
		{supervisor.Spec{Strategy: supervisor.OneForOne, Period: -time.Second}, supervisor.ErrInvalidPeriod},
		{supervisor.Spec{Strategy: supervisor.OneForOne, AutoShutdown: 7}, supervisor.ErrInvalidAutoShutdown},
	} {
		if err := startFunc(func(context.Context) (supervisor.Spec, error) { return c.spec, nil }); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v; want %v", c.spec, err, c.want)
		}
	}
	// The host survived every failure: a failed start is not a crash.
	if !rt.Alive(host) {
		t.Fatal("the calling process died")
	}
}

// conformance: 137
func TestInvalidChildSpecs(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	ok := spec("ok", ev)
	noStart := supervisor.ChildSpec{ID: "x"}
	cases := []struct {
		child supervisor.ChildSpec
		want  error
	}{
		{supervisor.ChildSpec{Start: ok.Start}, supervisor.ErrMissingID},
		{noStart, supervisor.ErrMissingStart},
		{supervisor.ChildSpec{ID: "x", Start: ok.Start, Restart: 5}, supervisor.ErrInvalidRestart},
		{supervisor.ChildSpec{ID: "x", Start: ok.Start, Shutdown: -7}, supervisor.ErrInvalidShutdown},
		{supervisor.ChildSpec{ID: "x", Start: ok.Start, Type: 3}, supervisor.ErrInvalidType},
	}
	for _, c := range cases {
		_, err := supervisor.Start(bg, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{c.child}})
		var se *supervisor.SpecError
		if !errors.As(err, &se) || !errors.Is(err, c.want) {
			t.Errorf("Start with %+v: %v; want a SpecError %v", c.child, err, c.want)
		}
	}
	_, err := supervisor.Start(bg, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{ok, ok}})
	if !errors.Is(err, supervisor.ErrDuplicateID) {
		t.Errorf("duplicate IDs: %v", err)
	}
	// Through StartChild the same reasons come back.
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne})
	for _, c := range cases {
		if _, err := supervisor.StartChild(bg, rt, sup, c.child); !errors.Is(err, c.want) {
			t.Errorf("StartChild with %+v: %v; want %v", c.child, err, c.want)
		}
	}
	if len(ev.take()) != 0 {
		t.Fatal("a child started from an invalid spec")
	}
}

// ignoring is a spec whose start returns gen.Ignore.
func ignoring(id string, r supervisor.Restart) supervisor.ChildSpec {
	return supervisor.ChildSpec{ID: id, Restart: r, Start: func(context.Context) (gen.PID, error) { return gen.PID{}, gen.Ignore }}
}

// conformance: 138
func TestIgnoredChild(t *testing.T) {
	rt, _ := newRuntime(t)
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
		ignoring("perm", supervisor.Permanent), ignoring("temp", supervisor.Temporary),
	}})
	cs, _ := supervisor.WhichChildren(bg, rt, sup)
	if len(cs) != 1 || cs[0].ID != "perm" || !cs[0].PID.IsZero() || cs[0].Restarting {
		t.Fatalf("children %+v; want only perm, undefined", cs)
	}
	pid, err := supervisor.StartChild(bg, rt, sup, ignoring("p2", supervisor.Transient))
	if err != nil || !pid.IsZero() {
		t.Fatalf("StartChild of an ignoring child: %v %v; want {ok, undefined}", pid, err)
	}
	if _, err := supervisor.StartChild(bg, rt, sup, ignoring("t2", supervisor.Temporary)); err != nil {
		t.Fatal(err)
	}
	eq(t, "children", ids(t, rt, sup), []string{"p2", "perm"})
}

func abc(ev *events, change ...func(*worker)) []supervisor.ChildSpec {
	return []supervisor.ChildSpec{spec("a", ev, change...), spec("b", ev, change...), spec("c", ev, change...)}
}

// conformance: 139
// conformance: 140
// conformance: 141
func TestStrategies(t *testing.T) {
	for _, c := range []struct {
		strategy supervisor.Strategy
		events   []string
		same     []string // children whose PID must not change
	}{
		{supervisor.OneForOne, []string{"stop b boom", "start b"}, []string{"a", "c"}},
		{supervisor.OneForAll, []string{"stop b boom", "stop c shutdown", "stop a shutdown", "start a", "start b", "start c"}, nil},
		{supervisor.RestForOne, []string{"stop b boom", "stop c shutdown", "start b", "start c"}, []string{"a"}},
	} {
		t.Run(c.strategy.String(), func(t *testing.T) {
			rt, _ := newRuntime(t)
			ev := &events{}
			sup := startSup(t, rt, supervisor.Spec{Strategy: c.strategy, Children: abc(ev, trapping)})
			ev.take()
			before := children(t, rt, sup)
			crash(t, rt, before["b"], errBoom)
			after := children(t, rt, sup)
			eq(t, "events", ev.take(), c.events)
			for id, pid := range after {
				if same := contains2(c.same, id); same != (pid == before[id]) || pid.IsZero() {
					t.Errorf("child %s: %v -> %v (should stay: %v)", id, before[id], pid, same)
				}
			}
		})
	}
}

func contains2(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// conformance: 142
// conformance: 143
// conformance: 144
// conformance: 169
func TestRestartTypes(t *testing.T) {
	reasons := []error{gen.ErrNormal, gen.ErrShutdown, &gen.ShutdownError{Detail: "x"}, errBoom}
	for _, c := range []struct {
		restart supervisor.Restart
		want    []bool // restarted, per reason
	}{
		{supervisor.Permanent, []bool{true, true, true, true}},
		{supervisor.Transient, []bool{false, false, false, true}},
		{supervisor.Temporary, []bool{false, false, false, false}},
	} {
		for i, reason := range reasons {
			for _, dynamic := range []bool{false, true} {
				rt, _ := newRuntime(t)
				ev := &events{}
				cs := spec("w", ev)
				cs.Restart = c.restart
				var sup, pid gen.PID
				if dynamic {
					sup, _ = supervisor.StartDynamic(bg, rt, supervisor.Dynamic{})
					pid, _ = supervisor.StartChild(bg, rt, sup, cs)
				} else {
					sup = startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{cs}})
					pid = children(t, rt, sup)["w"]
				}
				crash(t, rt, pid, reason)
				cs2, err := supervisor.WhichChildren(bg, rt, sup)
				if err != nil {
					t.Fatal(err)
				}
				restarted := len(cs2) == 1 && !cs2[0].PID.IsZero() && cs2[0].PID != pid
				if restarted != c.want[i] {
					t.Errorf("%v child, reason %v, dynamic %v: restarted %v, want %v", c.restart, reason, dynamic, restarted, c.want[i])
				}
				// A transient child not restarted keeps its spec, undefined;
				// a temporary one is forgotten.
				switch {
				case dynamic || restarted:
				case c.restart == supervisor.Transient:
					if len(cs2) != 1 || !cs2[0].PID.IsZero() {
						t.Errorf("transient after %v: %+v; want the spec kept, undefined", reason, cs2)
					}
				case c.restart == supervisor.Temporary:
					n, _ := supervisor.CountChildren(bg, rt, sup)
					if len(cs2) != 0 || n.Specs != 0 {
						t.Errorf("temporary after %v: %+v %+v; want it forgotten", reason, cs2, n)
					}
					if _, err := supervisor.RestartChild(bg, rt, sup, "w"); !errors.Is(err, supervisor.ErrNotFound) {
						t.Errorf("RestartChild of a gone temporary child: %v", err)
					}
				}
				rt.Close()
			}
		}
	}
}

// conformance: 145
func TestTemporaryBystander(t *testing.T) {
	for _, s := range []supervisor.Strategy{supervisor.OneForAll, supervisor.RestForOne} {
		rt, _ := newRuntime(t)
		ev := &events{}
		kids := abc(ev)
		kids[2].Restart = supervisor.Temporary
		sup := startSup(t, rt, supervisor.Spec{Strategy: s, Children: kids})
		crash(t, rt, children(t, rt, sup)["b"], errBoom)
		eq(t, s.String(), ids(t, rt, sup), []string{"b", "a"})
	}
}

// conformance: 146
// conformance: 148
func TestRestartIntensity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		ev := &events{}
		sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: abc(ev)})
		exit := watchExit(t, rt, sup)
		// Three crashes of different children within 5 s are within the
		// defaults; restarts count per supervisor.
		for _, id := range []string{"a", "b", "c"} {
			crash(t, rt, children(t, rt, sup)[id], errBoom)
			time.Sleep(time.Second)
		}
		// Once the first is older than 5 s it stops counting.
		time.Sleep(2*time.Second + time.Millisecond)
		crash(t, rt, children(t, rt, sup)["a"], errBoom)
		if !rt.Alive(sup) {
			t.Fatal("the supervisor died at the 3rd restart within 5 s")
		}
		// b, c and a are within 5 s: the next one is the 4th.
		crash(t, rt, children(t, rt, sup)["a"], errBoom)
		if r := exit(); r != gen.ErrShutdown {
			t.Fatalf("supervisor exited with %v; want shutdown", r)
		}
		contains(t, logs, "reached_max_restart_intensity")
		if n := len(rt.Processes()); n != 0 {
			t.Fatalf("%d processes left after the supervisor shut down", n)
		}
	})
}

// conformance: 147
func TestZeroIntensity(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: supervisor.NoRestarts, Children: abc(ev)})
	exit := watchExit(t, rt, sup)
	crash(t, rt, children(t, rt, sup)["a"], errBoom)
	if r := exit(); r != gen.ErrShutdown {
		t.Fatalf("supervisor exited with %v; want shutdown", r)
	}
}

// conformance: 149
// conformance: 150
// conformance: 151
func TestShutdownValues(t *testing.T) {
	for _, c := range []struct {
		name     string
		shutdown time.Duration
		worker   func(*worker)
		took     time.Duration
		reason   error
		stopped  bool // Terminate ran
	}{
		{"timeout, slow child", 100 * time.Millisecond, func(w *worker) { w.trap, w.stopFor = true, -1 }, 100 * time.Millisecond, gen.ErrKilled, true},
		{"timeout, prompt child", 100 * time.Millisecond, trapping, 0, gen.ErrShutdown, true},
		{"brutal kill", supervisor.BrutalKill, trapping, 0, gen.ErrKilled, false},
		{"infinity", supervisor.Infinity, func(w *worker) { w.trap, w.stopFor = true, time.Hour }, time.Hour, gen.ErrShutdown, true},
		{"not trapping", 100 * time.Millisecond, func(*worker) {}, 0, gen.ErrShutdown, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				ev := &events{}
				cs := spec("w", ev, c.worker)
				cs.Shutdown = c.shutdown
				sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{cs}})
				ev.take()
				exit := watchExit(t, rt, children(t, rt, sup)["w"])
				start := time.Now()
				if err := supervisor.TerminateChild(bg, rt, sup, "w"); err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != c.took {
					t.Errorf("TerminateChild took %v; want %v", took, c.took)
				}
				if r := exit(); r != c.reason {
					t.Errorf("child exited with %v; want %v", r, c.reason)
				}
				if got := len(ev.take()) == 1; got != c.stopped {
					t.Errorf("Terminate ran: %v; want %v", got, c.stopped)
				}
			})
		})
	}
}

// conformance: 152
func TestChildThatUnlinkedCannotHangShutdown(t *testing.T) {
	rt, logs := newRuntime(t)
	ev := &events{}
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{spec("w", ev)}})
	w := children(t, rt, sup)["w"]
	if _, err := gen.Call[any](bg, rt, w, func(p *gen.Process) { p.Unlink(sup) }); err != nil {
		t.Fatal(err)
	}
	exit := watchExit(t, rt, w)
	if err := supervisor.TerminateChild(bg, rt, sup, "w"); err != nil {
		t.Fatal(err)
	}
	if r := exit(); r != gen.ErrShutdown {
		t.Fatalf("child exited with %v", r)
	}

	// A child that answers the shutdown signal with another reason is
	// reported as a shutdown_error.
	odd := supervisor.ChildSpec{ID: "odd", Start: func(ctx context.Context) (gen.PID, error) {
		return gen.Start(ctx, rt, oddChild{})
	}}
	if _, err := supervisor.StartChild(bg, rt, sup, odd); err != nil {
		t.Fatal(err)
	}
	if err := supervisor.TerminateChild(bg, rt, sup, "odd"); err != nil {
		t.Fatal(err)
	}
	contains(t, logs, "shutdown_error")
}

// oddChild is not linked to the supervisor; trapping exits, it ends with
// its own reason when the shutdown signal comes.
type oddChild struct{}

func (oddChild) Init(p *gen.Process) error { p.TrapExit(true); return nil }
func (oddChild) HandleInfo(p *gen.Process, msg any) error {
	if s, ok := msg.(gen.ExitSignal); ok && s.Reason == gen.ErrShutdown {
		return errors.New("odd")
	}
	return nil
}

// conformance: 153
func TestStartChild(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: abc(ev)})
	pid, err := supervisor.StartChild(bg, rt, sup, spec("d", ev))
	if err != nil || pid.IsZero() {
		t.Fatal(pid, err)
	}
	eq(t, "children", ids(t, rt, sup), []string{"d", "c", "b", "a"})
	var as *gen.AlreadyStartedError
	if _, err := supervisor.StartChild(bg, rt, sup, spec("d", ev)); !errors.As(err, &as) || as.PID != pid {
		t.Fatalf("StartChild of a running ID: %v", err)
	}
	if err := supervisor.TerminateChild(bg, rt, sup, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := supervisor.StartChild(bg, rt, sup, spec("d", ev)); err != supervisor.ErrAlreadyPresent {
		t.Fatalf("StartChild of a stopped ID: %v", err)
	}
	bad := supervisor.ChildSpec{ID: "e", Start: func(context.Context) (gen.PID, error) { return gen.PID{}, errBoom }}
	var se *supervisor.StartError
	if _, err := supervisor.StartChild(bg, rt, sup, bad); !errors.As(err, &se) || se.ID != "e" || !errors.Is(err, errBoom) {
		t.Fatalf("StartChild of a failing child: %v", err)
	}
	if n, _ := supervisor.CountChildren(bg, rt, sup); n.Specs != 4 {
		t.Fatalf("the failed spec was kept: %+v", n)
	}
	// A start that itself says already started passes through unwrapped.
	other, _ := gen.Start(bg, rt, &worker{ev: ev})
	dup := supervisor.ChildSpec{ID: "f", Start: func(context.Context) (gen.PID, error) {
		return gen.PID{}, &gen.AlreadyStartedError{PID: other}
	}}
	if _, err := supervisor.StartChild(bg, rt, sup, dup); !errors.As(err, &as) || as.PID != other || errors.As(err, &se) {
		t.Fatalf("already started from the start function: %v", err)
	}
}

// conformance: 154
// conformance: 155
// conformance: 156
func TestChildAdministration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ev := &events{}
		sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne,
			Backoff:  &supervisor.Backoff{Min: time.Second, Jitter: 1e-9},
			Children: []supervisor.ChildSpec{spec("a", ev), spec("b", ev), ignoring("i", supervisor.Permanent)}})
		if err := supervisor.TerminateChild(bg, rt, sup, "zz"); err != supervisor.ErrNotFound {
			t.Fatalf("TerminateChild unknown: %v", err)
		}
		for _, f := range []func() error{
			func() error { _, err := supervisor.RestartChild(bg, rt, sup, "a"); return err },
			func() error { return supervisor.DeleteChild(bg, rt, sup, "a") },
		} {
			if err := f(); err != supervisor.ErrRunning {
				t.Fatalf("on a running child: %v; want ErrRunning", err)
			}
		}
		if err := supervisor.TerminateChild(bg, rt, sup, "a"); err != nil {
			t.Fatal(err)
		}
		if err := supervisor.TerminateChild(bg, rt, sup, "a"); err != nil {
			t.Fatalf("terminating a stopped child again: %v", err)
		}
		if n, _ := supervisor.CountChildren(bg, rt, sup); n.Specs != 3 || n.Active != 1 {
			t.Fatalf("counts after terminate: %+v", n)
		}
		pid, err := supervisor.RestartChild(bg, rt, sup, "a")
		if err != nil || pid.IsZero() || children(t, rt, sup)["a"] != pid {
			t.Fatalf("RestartChild: %v %v", pid, err)
		}
		if pid, err := supervisor.RestartChild(bg, rt, sup, "i"); err != nil || !pid.IsZero() {
			t.Fatalf("RestartChild of an ignoring child: %v %v; want {ok, undefined}", pid, err)
		}
		// b crashes twice in a row: its second restart waits for the
		// backoff, and meanwhile it is restarting.
		crash(t, rt, children(t, rt, sup)["b"], errBoom)
		crash(t, rt, children(t, rt, sup)["b"], errBoom)
		if _, err := supervisor.RestartChild(bg, rt, sup, "b"); err != supervisor.ErrRestarting {
			t.Fatalf("RestartChild of a restarting child: %v", err)
		}
		if err := supervisor.DeleteChild(bg, rt, sup, "b"); err != supervisor.ErrRestarting {
			t.Fatalf("DeleteChild of a restarting child: %v", err)
		}
		if err := supervisor.DeleteChild(bg, rt, sup, "zz"); err != supervisor.ErrNotFound {
			t.Fatalf("DeleteChild unknown: %v", err)
		}
		if _, err := supervisor.RestartChild(bg, rt, sup, "zz"); err != supervisor.ErrNotFound {
			t.Fatalf("RestartChild unknown: %v", err)
		}
		if err := supervisor.TerminateChild(bg, rt, sup, "b"); err != nil {
			t.Fatal(err)
		}
		if err := supervisor.DeleteChild(bg, rt, sup, "b"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // the cancelled backoff restart must not revive b
		eq(t, "children", ids(t, rt, sup), []string{"i", "a"})
	})
}

// conformance: 157
// conformance: 158
func TestCountChildrenAndDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ev := &events{}
		slow := spec("slow", ev, func(w *worker) { w.trap, w.stopFor = true, -1 })
		sub := supervisor.Sub("sub", supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{slow}})
		sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{spec("w", ev), sub}})
		n, err := supervisor.CountChildren(bg, rt, sup)
		if err != nil || n != (supervisor.Counts{Specs: 2, Active: 2, Supervisors: 1, Workers: 1}) {
			t.Fatalf("counts %+v %v", n, err)
		}
		cs, _ := supervisor.WhichChildren(bg, rt, sup)
		if cs[0].Type != supervisor.SupervisorType || cs[1].Type != supervisor.WorkerType {
			t.Fatalf("types %+v", cs)
		}
		// A worker's default shutdown is 5 s: the slow worker under sub is
		// killed after exactly 5 s; sub's own default is infinity, so the
		// top supervisor waits for it that long.
		start := time.Now()
		if err := supervisor.TerminateChild(bg, rt, sup, "sub"); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != supervisor.DefaultShutdown {
			t.Fatalf("stopping sub took %v; want 5s", took)
		}
		n, _ = supervisor.CountChildren(bg, rt, sup)
		if n != (supervisor.Counts{Specs: 2, Active: 1, Supervisors: 1, Workers: 1}) {
			t.Fatalf("counts after terminate %+v", n)
		}
		// The default restart is permanent.
		crash(t, rt, children(t, rt, sup)["w"], gen.ErrNormal)
		if children(t, rt, sup)["w"].IsZero() {
			t.Fatal("a default child was not restarted after a normal exit")
		}
	})
}

// conformance: 159
func TestRestartRetriedAsynchronously(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	failing := make(chan bool, 1)
	failing <- false
	cs := spec("w", ev)
	good := cs.Start
	var attempts atomic.Int32
	cs.Start = func(ctx context.Context) (gen.PID, error) {
		f := <-failing
		failing <- f
		if f {
			attempts.Add(1)
			return gen.PID{}, errBoom
		}
		return good(ctx)
	}
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 1 << 30, Children: []supervisor.ChildSpec{cs}})
	<-failing
	failing <- true
	crash(t, rt, children(t, rt, sup)["w"], errBoom)
	// The supervisor keeps serving calls while it retries, and shows the
	// child as restarting.
	c, err := supervisor.WhichChildren(bg, rt, sup)
	if err != nil || len(c) != 1 || !c[0].Restarting || !c[0].PID.IsZero() {
		t.Fatalf("children while retrying: %+v %v", c, err)
	}
	<-failing
	failing <- false
	for children(t, rt, sup)["w"].IsZero() {
	}
	if attempts.Load() == 0 {
		t.Fatal("no failed attempt")
	}

	// Every attempt counts towards the intensity: with the defaults, an
	// always-failing restart shuts the supervisor down.
	sup2 := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{cs}})
	exit := watchExit(t, rt, sup2)
	<-failing
	failing <- true
	attempts.Store(0)
	crash(t, rt, children(t, rt, sup2)["w"], errBoom)
	if r := exit(); r != gen.ErrShutdown {
		t.Fatalf("supervisor exited with %v", r)
	}
	if attempts.Load() != 3 {
		t.Fatalf("%d failed attempts; want 3 (the 4th restart is over the limit)", attempts.Load())
	}
}

// conformance: 160
func TestStrayMessagesIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		ev := &events{}
		sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
			spec("slow", ev, func(w *worker) { w.trap, w.stopFor = true, 8*time.Second }),
		}})
		// A linked process that is not a child exits: ignored.
		stranger, _ := gen.Start(bg, rt, caller{})
		_, _ = gen.Call[error](bg, rt, stranger, func(p *gen.Process) error { p.Link(sup); return nil })
		rt.Exit(stranger, errBoom)
		_ = gen.Send(rt, sup, "hello")
		synctest.Wait()
		if !rt.Alive(sup) {
			t.Fatal("the supervisor died of a stranger's exit")
		}
		contains(t, logs, "unexpected message")
		// API calls have no default deadline: stopping a child that takes
		// 8 s does not time out at 5 s.
		if err := supervisor.TerminateChild(bg, rt, sup, "slow"); err != nil {
			t.Fatalf("TerminateChild of a slow child: %v", err)
		}
	})
}

// conformance: 161
func TestStrategyRequired(t *testing.T) {
	rt, _ := newRuntime(t)
	if _, err := supervisor.Start(bg, rt, supervisor.Spec{}); err != supervisor.ErrNoStrategy {
		t.Fatalf("Start without a strategy: %v", err)
	}
}

// conformance: 162
func TestAutoShutdown(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	sig := func(id string) supervisor.ChildSpec {
		c := spec(id, ev)
		c.Restart, c.Significant = supervisor.Transient, true
		return c
	}
	// any_significant
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, AutoShutdown: supervisor.AnySignificant,
		Children: []supervisor.ChildSpec{spec("plain", ev), sig("s1"), sig("s2")}})
	exit := watchExit(t, rt, sup)
	crash(t, rt, children(t, rt, sup)["s1"], gen.ErrNormal)
	if r := exit(); r != gen.ErrShutdown {
		t.Fatalf("any_significant: supervisor exited with %v", r)
	}
	// all_significant
	sup = startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, AutoShutdown: supervisor.AllSignificant,
		Children: []supervisor.ChildSpec{spec("plain", ev), sig("s1"), sig("s2")}})
	exit = watchExit(t, rt, sup)
	crash(t, rt, children(t, rt, sup)["s1"], gen.ErrNormal)
	crash(t, rt, children(t, rt, sup)["s2"], errBoom) // restarted: still alive
	if !rt.Alive(sup) {
		t.Fatal("all_significant: shut down with a significant child still running")
	}
	crash(t, rt, children(t, rt, sup)["s2"], gen.ErrShutdown)
	if r := exit(); r != gen.ErrShutdown {
		t.Fatalf("all_significant: supervisor exited with %v", r)
	}
	// Invalid combinations.
	perm := sig("p")
	perm.Restart = supervisor.Permanent
	for _, s := range []supervisor.Spec{
		{Strategy: supervisor.OneForOne, AutoShutdown: supervisor.AnySignificant, Children: []supervisor.ChildSpec{perm}},
		{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{sig("s")}},
	} {
		if _, err := supervisor.Start(bg, rt, s); !errors.Is(err, supervisor.ErrInvalidSignificant) {
			t.Errorf("%+v: %v", s, err)
		}
	}
}
