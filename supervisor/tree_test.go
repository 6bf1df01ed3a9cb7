package supervisor_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// A tree stops from the top, depth first and in reverse start order at every
// level, and leaves nothing behind.
func TestTreeStopsDeterministically(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	leaf := func(id string) supervisor.ChildSpec {
		return supervisor.Sub(id, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
			spec(id+".1", ev, trapping), spec(id+".2", ev, trapping),
		}})
	}
	mid := supervisor.Sub("m", supervisor.Spec{Strategy: supervisor.RestForOne, Children: []supervisor.ChildSpec{
		leaf("x"), spec("m.w", ev, trapping), leaf("y"),
	}})
	top := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForAll, Children: []supervisor.ChildSpec{
		spec("t.w", ev, trapping), mid,
	}})
	eq(t, "start", ev.take(), []string{"start t.w", "start x.1", "start x.2", "start m.w", "start y.1", "start y.2"})
	if err := gen.Stop(bg, rt, top, nil); err != nil {
		t.Fatal(err)
	}
	eq(t, "stop", ev.take(), []string{"stop y.2 shutdown", "stop y.1 shutdown", "stop m.w shutdown",
		"stop x.2 shutdown", "stop x.1 shutdown", "stop t.w shutdown"})
	if n := len(rt.Processes()); n != 0 {
		t.Fatalf("%d processes left", n)
	}
}

// A subtree over its restart budget exits with shutdown, and its parent
// handles that like any child exit: it restarts the subtree, and the restart
// counts towards the parent's own budget. When that too is spent, the parent
// goes: the failure climbs the tree.
func TestEscalation(t *testing.T) {
	rt, _ := newRuntime(t)
	ev := &events{}
	sub := supervisor.Sub("sub", supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 1,
		Children: []supervisor.ChildSpec{spec("w", ev)}})
	top := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 1,
		Children: []supervisor.ChildSpec{sub, spec("other", ev)}})
	topExit := watchExit(t, rt, top)
	other := children(t, rt, top)["other"]
	overBudget := func() {
		s := children(t, rt, top)["sub"]
		subExit := watchExit(t, rt, s)
		crash(t, rt, children(t, rt, s)["w"], errBoom) // restart 1 of 1
		crash(t, rt, children(t, rt, s)["w"], errBoom) // over
		if r := subExit(); r != gen.ErrShutdown {
			t.Fatalf("sub exited with %v; want shutdown", r)
		}
	}
	overBudget()
	if s := children(t, rt, top)["sub"]; s.IsZero() || children(t, rt, s)["w"].IsZero() {
		t.Fatal("top did not restart sub")
	}
	if children(t, rt, top)["other"] != other {
		t.Fatal("one_for_one touched a sibling")
	}
	overBudget()
	if r := topExit(); r != gen.ErrShutdown {
		t.Fatalf("top exited with %v; want shutdown", r)
	}
	if n := len(rt.Processes()); n != 0 {
		t.Fatalf("%d processes left", n)
	}
}

// With a Backoff, a child that keeps crashing waits longer before each
// restart: none for the first, then Min, doubling up to Max; a stable run
// clears the streak. Restarts count towards the intensity when they happen.
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ev := &events{}
		// timed records when each start happens.
		starts := make(chan time.Time, 1)
		timed := spec("w", ev)
		start := timed.Start
		timed.Start = func(ctx context.Context) (gen.PID, error) {
			starts <- time.Now()
			return start(ctx)
		}
		sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 100, Period: time.Minute,
			Backoff:  &supervisor.Backoff{Min: 100 * time.Millisecond, Max: time.Second, Reset: 3 * time.Second, Rand: func() float64 { return 0.5 }},
			Children: []supervisor.ChildSpec{timed}})
		<-starts
		restartDelay := func() time.Duration {
			crash(t, rt, children(t, rt, sup)["w"], errBoom)
			crashed := time.Now()
			return (<-starts).Sub(crashed)
		}
		ms := time.Millisecond
		for i, want := range []time.Duration{0, 100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second} {
			if got := restartDelay(); got != want {
				t.Fatalf("restart %d waited %v; want %v", i+1, got, want)
			}
		}
		time.Sleep(3*time.Second + ms) // a stable run
		if got := restartDelay(); got != 0 {
			t.Fatalf("restart after a stable run waited %v; want 0", got)
		}
		if got := restartDelay(); got != 100*ms {
			t.Fatalf("second restart of a new streak waited %v; want 100ms", got)
		}

		// Jitter spreads the delay by up to ±Jitter.
		sup2 := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 100,
			Backoff:  &supervisor.Backoff{Min: time.Second, Jitter: 0.5, Rand: func() float64 { return 0 }},
			Children: []supervisor.ChildSpec{timed}})
		<-starts
		crash(t, rt, children(t, rt, sup2)["w"], errBoom)
		<-starts
		crash(t, rt, children(t, rt, sup2)["w"], errBoom)
		crashed := time.Now()
		if got := (<-starts).Sub(crashed); got != 500*ms {
			t.Fatalf("jittered delay %v; want 500ms (1s - 50%%)", got)
		}
	})
}

// A supervisor killed outright takes its non-trapping children with it
// before its own supervisor hears of its exit, so the replacement's named
// children never find their names still taken.
func TestKilledSubtreeReleasesNamesFirst(t *testing.T) {
	rt, logs := newRuntime(t)
	ev := &events{}
	leaf := supervisor.Sub("leaf", supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
		supervisor.Worker("w", func() gen.Server { return &worker{id: "w", ev: ev} }, gen.WithName("named")),
	}})
	top := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 1000, Children: []supervisor.ChildSpec{leaf}})
	for range 200 {
		l := children(t, rt, top)["leaf"]
		_, down := rt.Watch(l)
		rt.Exit(l, gen.ErrKill)
		<-down
	}
	if now := children(t, rt, top)["leaf"]; now.IsZero() {
		t.Fatal("leaf not running")
	}
	if strings.Contains(logs.String(), "start_error") {
		t.Fatalf("a restart found the name taken:\n%s", logs.String())
	}
}
