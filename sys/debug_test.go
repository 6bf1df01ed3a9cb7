package sys_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// Conformance tests for group R of CONFORMANCE.md (:sys, items 173–183).
// Items 173–175 are in sys_test.go. Every item applies; the Go forms:
//   - 176: trace lines print Go values (%+v, with the type of structs);
//   - 177: Erlang's reductions have no Go equivalent, so Stats has none;
//   - 179: Go funcs cannot be compared, so a debug func is always installed
//     under an explicit id (Erlang's {Id, Func, FuncState} form);
//   - 182: errors are *gen.CallError with Op naming the sys function.

var bg = context.Background()

// dbgSrv is the server of the debug tests.
type dbgSrv struct {
	N    int
	done chan error // Terminate sends its reason here when not nil
	bad  bool       // Terminate panics
}

type (
	add     struct{ N int }
	get     struct{}
	later   struct{}              // call: answered with gen.Reply, then NoReply
	cont    struct{}              // call: reply N, then HandleContinue adds 100
	block   struct{ c chan bool } // cast: waits until c is closed
	crash   struct{}              // cast: the server stops with errCrash
	askGet  struct{ To gen.PID }  // cast: call To with get{}
	linkNew struct{}              // call: StartLink a new dbgSrv, reply its PID
)

var errCrash = errors.New("crash")

func (s *dbgSrv) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch req.(type) {
	case get:
		return s.N, nil
	case later:
		gen.Reply(from, s.N)
		return nil, gen.NoReply
	case cont:
		p.Continue(100)
		return s.N, nil
	case linkNew:
		pid, err := gen.StartLink(p, p.Runtime(), &dbgSrv{})
		if err != nil {
			return nil, err
		}
		return pid, nil
	}
	return nil, nil
}

func (s *dbgSrv) HandleCast(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case add:
		s.N += m.N
	case block:
		<-m.c
	case crash:
		return errCrash
	case askGet:
		_, _ = gen.Call[int](p, p.Runtime(), m.To, get{})
	}
	return nil
}

func (s *dbgSrv) HandleInfo(p *gen.Process, msg any) error { return nil }

func (s *dbgSrv) HandleContinue(p *gen.Process, arg any) error {
	s.N += arg.(int)
	return nil
}

func (s *dbgSrv) Terminate(p *gen.Process, reason error) {
	if s.done != nil {
		s.done <- reason
	}
	if s.bad {
		panic("bad terminate")
	}
}

// syncBuf is a writer that processes and the test share.
type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuf) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSuffix(b.buf.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func newRT(t *testing.T, logTo *syncBuf) *gen.Runtime {
	t.Helper()
	h := slog.Handler(slog.DiscardHandler)
	if logTo != nil {
		h = slog.NewTextHandler(logTo, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})
	}
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(h)})
	t.Cleanup(rt.Close)
	return rt
}

func mustStart(t *testing.T, rt *gen.Runtime, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	pid, err := gen.Start(bg, rt, srv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, rt *gen.Runtime, to gen.Dest) int {
	t.Helper()
	n, err := gen.Call[int](bg, rt, to, get{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestTrace(t *testing.T) {
	// conformance: 176
	t.Run("to a writer", func(t *testing.T) {
		rt := newRT(t, nil)
		pid := mustStart(t, rt, &dbgSrv{}, gen.WithName("t"))
		asker := mustStart(t, rt, &dbgSrv{})
		var out syncBuf
		must(t, sys.TraceTo(bg, rt, pid, &out))
		must(t, gen.Cast(rt, pid, add{2}))
		must(t, gen.Send(rt, pid, "hello"))
		mustGet(t, rt, pid)
		must(t, gen.Cast(rt, asker, askGet{pid}))
		mustGet(t, rt, asker) // asker's call to pid is done
		must(t, sys.TraceTo(bg, rt, pid, nil))
		must(t, gen.Cast(rt, pid, add{1}))
		mustGet(t, rt, pid)
		wantLines(t, "trace", out.lines(), []string{
			"*DBG* t got cast sys_test.add{N:2}",
			"*DBG* t new state &sys_test.dbgSrv{N:2 done:<nil> bad:false}",
			"*DBG* t got hello",
			"*DBG* t new state &sys_test.dbgSrv{N:2 done:<nil> bad:false}",
			"*DBG* t got call sys_test.get{} from a goroutine",
			"*DBG* t sent 2 to a goroutine, new state &sys_test.dbgSrv{N:2 done:<nil> bad:false}",
			"*DBG* t got call sys_test.get{} from " + asker.String(),
			"*DBG* t sent 2 to " + asker.String() + ", new state &sys_test.dbgSrv{N:2 done:<nil> bad:false}",
		})
	})
	t.Run("to the logger, named by PID", func(t *testing.T) {
		var logs syncBuf
		rt := newRT(t, &logs)
		pid := mustStart(t, rt, &dbgSrv{})
		must(t, sys.Trace(bg, rt, pid, true))
		must(t, gen.Cast(rt, pid, add{1}))
		mustGet(t, rt, pid)
		must(t, sys.Trace(bg, rt, pid, false))
		mustGet(t, rt, pid)
		p := pid.String()
		wantLines(t, "log", logs.lines(), []string{
			fmt.Sprintf(`level=INFO msg="*DBG* %s got cast sys_test.add{N:1}" pid=%s`, p, p),
			fmt.Sprintf(`level=INFO msg="*DBG* %s new state &sys_test.dbgSrv{N:1 done:<nil> bad:false}" pid=%s`, p, p),
			fmt.Sprintf(`level=INFO msg="*DBG* %s got call sys_test.get{} from a goroutine" pid=%s`, p, p),
			fmt.Sprintf(`level=INFO msg="*DBG* %s sent 1 to a goroutine, new state &sys_test.dbgSrv{N:1 done:<nil> bad:false}" pid=%s`, p, p),
		})
	})
	t.Run("event forms", func(t *testing.T) {
		pid := gen.PID{Node: "n", ID: 7}
		for _, tc := range []struct {
			ev   gen.DebugEvent
			want string
		}{
			{gen.DebugEvent{Kind: gen.DebugCall, Msg: 42, From: pid}, "got call 42 from <n.7.0>"},
			{gen.DebugEvent{Kind: gen.DebugCast, Msg: []int{1, 2}}, "got cast [1 2]"},
			{gen.DebugEvent{Kind: gen.DebugInfo, Msg: gen.Timeout{}}, "got gen.Timeout{}"},
			{gen.DebugEvent{Kind: gen.DebugInfo, Msg: gen.ExitSignal{From: pid, Reason: gen.ErrNormal}},
				"got gen.ExitSignal{From:<n.7.0> Reason:normal}"},
			{gen.DebugEvent{Kind: gen.DebugReply, Msg: nil, From: pid, State: "s"}, "sent nil to <n.7.0>, new state s"},
			{gen.DebugEvent{Kind: gen.DebugNoReply, State: &add{3}}, "new state &sys_test.add{N:3}"},
			{gen.DebugEvent{Kind: gen.DebugNoReply, State: errCrash}, "new state crash"},
		} {
			if got := tc.ev.String(); got != tc.want {
				t.Errorf("%+v.String() = %q; want %q", tc.ev, got, tc.want)
			}
		}
	})
}

func TestStatistics(t *testing.T) {
	// conformance: 177
	synctest.Test(t, func(t *testing.T) {
		rt := newRT(t, nil)
		pid := mustStart(t, rt, &dbgSrv{})
		if _, err := sys.GetStatistics(bg, rt, pid); !errors.Is(err, sys.ErrNoStatistics) {
			t.Fatalf("GetStatistics before Statistics(true) = %v; want ErrNoStatistics", err)
		}
		t0 := time.Now()
		must(t, sys.Statistics(bg, rt, pid, true))
		time.Sleep(time.Second) // the bubble's clock
		must(t, gen.Cast(rt, pid, add{1}))
		must(t, gen.Cast(rt, pid, add{1}))
		must(t, gen.Send(rt, pid, "info"))
		mustGet(t, rt, pid)
		if _, err := gen.Call[int](bg, rt, pid, later{}); err != nil { // in, but no reply event
			t.Fatal(err)
		}
		must(t, sys.Statistics(bg, rt, pid, true)) // already on: counts go on
		time.Sleep(time.Second)
		st, err := sys.GetStatistics(bg, rt, pid)
		must(t, err)
		want := sys.Stats{StartTime: t0, CurrentTime: t0.Add(2 * time.Second),
			MessagesIn: 5, Calls: 2, Casts: 2, Infos: 1, MessagesOut: 1}
		if !st.StartTime.Equal(want.StartTime) || !st.CurrentTime.Equal(want.CurrentTime) {
			t.Errorf("times = %v, %v; want %v, %v", st.StartTime, st.CurrentTime, want.StartTime, want.CurrentTime)
		}
		st.StartTime, st.CurrentTime, want.StartTime, want.CurrentTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if st != want {
			t.Errorf("GetStatistics = %+v; want %+v", st, want)
		}
		must(t, sys.Statistics(bg, rt, pid, false))
		if _, err := sys.GetStatistics(bg, rt, pid); !errors.Is(err, sys.ErrNoStatistics) {
			t.Errorf("GetStatistics after Statistics(false) = %v; want ErrNoStatistics", err)
		}
	})
}

// statusSrv shows what FormatStatus does with the log.
type statusSrv struct {
	dbgSrv
	sawLog chan int
}

func (s *statusSrv) FormatStatus(st gen.Status) gen.Status {
	s.sawLog <- len(st.Log)
	if st.Log != nil {
		st.Log = []any{"hidden"}
	}
	return st
}

func TestLog(t *testing.T) {
	// conformance: 178
	t.Run("last n events", func(t *testing.T) {
		rt := newRT(t, nil)
		pid := mustStart(t, rt, &dbgSrv{}, gen.WithName("l"))
		if sys.DefaultLogSize != 10 {
			t.Errorf("DefaultLogSize = %d; want 10", sys.DefaultLogSize)
		}
		must(t, sys.Log(bg, rt, pid, sys.DefaultLogSize))
		for i := 1; i <= 6; i++ {
			must(t, gen.Cast(rt, pid, add{i}))
		}
		mustGet(t, rt, pid) // 14 events: the log keeps the last 10
		evs, err := sys.GetLog(bg, rt, pid)
		must(t, err)
		var got []string
		for _, ev := range evs {
			got = append(got, ev.String())
		}
		state := func(n int) string { return fmt.Sprintf("new state &sys_test.dbgSrv{N:%d done:<nil> bad:false}", n) }
		wantLines(t, "GetLog", got, []string{
			"got cast sys_test.add{N:3}", state(6),
			"got cast sys_test.add{N:4}", state(10),
			"got cast sys_test.add{N:5}", state(15),
			"got cast sys_test.add{N:6}", state(21),
			"got call sys_test.get{} from a goroutine",
			"sent 21 to a goroutine, new state &sys_test.dbgSrv{N:21 done:<nil> bad:false}",
		})
		if ev := evs[0]; ev.Kind != gen.DebugCast || ev.Msg != (add{3}) {
			t.Errorf("first event = %+v; want the cast of add{3}", ev)
		}
		if ev := evs[1]; ev.Kind != gen.DebugNoReply || ev.State != "&sys_test.dbgSrv{N:6 done:<nil> bad:false}" {
			t.Errorf("second event = %+v; want the state then, as text", ev)
		}

		must(t, sys.Log(bg, rt, pid, 3)) // shrink: the newest 3 stay
		var out bytes.Buffer
		must(t, sys.PrintLog(bg, rt, pid, &out))
		wantLines(t, "PrintLog", strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"), []string{
			"*DBG* l " + state(21),
			"*DBG* l got call sys_test.get{} from a goroutine",
			"*DBG* l sent 21 to a goroutine, new state &sys_test.dbgSrv{N:21 done:<nil> bad:false}",
		})

		must(t, sys.Log(bg, rt, pid, 0))
		mustGet(t, rt, pid)
		if evs, err := sys.GetLog(bg, rt, pid); err != nil || len(evs) != 0 {
			t.Errorf("GetLog after Log(0) = %v, %v; want none", evs, err)
		}
	})
	t.Run("noreply, continue and Reply", func(t *testing.T) {
		rt := newRT(t, nil)
		pid := mustStart(t, rt, &dbgSrv{})
		must(t, sys.Log(bg, rt, pid, 10))
		if n, err := gen.Call[int](bg, rt, pid, cont{}); err != nil || n != 0 {
			t.Fatalf("cont = %d, %v", n, err)
		}
		if n, err := gen.Call[int](bg, rt, pid, later{}); err != nil || n != 100 {
			t.Fatalf("later = %d, %v", n, err)
		}
		evs, err := sys.GetLog(bg, rt, pid)
		must(t, err)
		var kinds []gen.DebugKind
		for _, ev := range evs {
			kinds = append(kinds, ev.Kind)
		}
		want := []gen.DebugKind{gen.DebugCall, gen.DebugReply, gen.DebugNoReply, gen.DebugCall, gen.DebugNoReply}
		if !slices.Equal(kinds, want) {
			t.Fatalf("kinds = %v; want %v (%v)", kinds, want, evs)
		}
		if evs[1].Msg != 0 || evs[2].State != "&sys_test.dbgSrv{N:100 done:<nil> bad:false}" {
			t.Errorf("reply then continue = %+v, %+v; want reply 0, then state N:100", evs[1], evs[2])
		}
	})
	t.Run("status and crash report", func(t *testing.T) {
		var logs syncBuf
		rt := newRT(t, &logs)
		srv := &statusSrv{sawLog: make(chan int, 2)}
		pid := mustStart(t, rt, srv)
		st, err := sys.GetStatus(bg, rt, pid)
		must(t, err)
		if n := <-srv.sawLog; n != 0 || st.Log != nil {
			t.Errorf("without logging: FormatStatus saw %d events, Status.Log = %v; want none", n, st.Log)
		}
		must(t, sys.Log(bg, rt, pid, 10))
		must(t, gen.Cast(rt, pid, add{1}))
		st, err = sys.GetStatus(bg, rt, pid)
		must(t, err)
		if n := <-srv.sawLog; n != 2 || !slices.Equal(st.Log, []any{"hidden"}) {
			t.Errorf("FormatStatus saw %d events, Status.Log = %v; want 2, and its replacement", n, st.Log)
		}

		plain := mustStart(t, rt, &dbgSrv{}, gen.WithName("c"))
		must(t, sys.Log(bg, rt, plain, 10))
		must(t, gen.Cast(rt, plain, add{5}))
		st, err = sys.GetStatus(bg, rt, plain)
		must(t, err)
		if len(st.Log) != 2 || st.Log[0] != any(gen.DebugEvent{Kind: gen.DebugCast, Msg: add{5}}) {
			t.Errorf("Status.Log = %v; want the cast and its state", st.Log)
		}
		_, down := rt.Watch(plain)
		must(t, gen.Cast(rt, plain, crash{}))
		<-down
		if out := strings.Join(logs.lines(), "\n"); !strings.Contains(out, `*DBG* c got cast sys_test.add{N:5}`) {
			t.Errorf("crash report lacks the log:\n%s", out)
		}
	})
}

// spy is a debug func that reports the calls it sees on its state, a
// channel.
func spy(state any, ev gen.DebugEvent, name string) (any, bool) {
	if ev.Kind == gen.DebugCall {
		state.(chan string) <- fmt.Sprintf("%s %v", name, ev.Msg)
	}
	return state, false
}

func drain(ch chan string) []string {
	var out []string
	for {
		select {
		case s := <-ch:
			out = append(out, s)
		default:
			return out
		}
	}
}

type query struct{ N int }

func TestInstall(t *testing.T) {
	// conformance: 179
	rt := newRT(t, nil)
	pid := mustStart(t, rt, &dbgSrv{}, gen.WithName("i"))
	seen := make(chan string, 100)
	call := func(n int) {
		t.Helper()
		if _, err := gen.Call[any](bg, rt, pid, query{n}); err != nil {
			t.Fatal(err)
		}
	}
	must(t, sys.Install(bg, rt, pid, "spy", spy, seen))
	call(1)
	must(t, sys.NoDebug(bg, rt, pid))
	call(2)
	must(t, sys.Install(bg, rt, pid, "spy", spy, seen))
	must(t, sys.Install(bg, rt, pid, "spy", spy, seen)) // the same id: nothing changes
	call(3)
	must(t, sys.Remove(bg, rt, pid, "spy"))
	must(t, sys.Remove(bg, rt, pid, "spy")) // not installed: no error
	call(4)
	must(t, sys.Install(bg, rt, pid, "id1", spy, seen))
	must(t, sys.Install(bg, rt, pid, "id2", spy, seen)) // another copy
	call(5)
	must(t, sys.Remove(bg, rt, pid, "id1"))
	call(6)
	must(t, sys.NoDebug(bg, rt, pid))
	wantLines(t, "spied calls", drain(seen), []string{"i {1}", "i {3}", "i {5}", "i {5}", "i {6}"})

	// The state goes from event to event; done removes the func.
	counts := make(chan int, 10)
	countTo3 := func(state any, ev gen.DebugEvent, name string) (any, bool) {
		n := state.(int) + 1
		counts <- n
		return n, n == 3
	}
	must(t, sys.Install(bg, rt, pid, "count", countTo3, 0))
	call(7) // events 1, 2
	call(8) // event 3: done
	call(9)
	close(counts)
	var got []int
	for n := range counts {
		got = append(got, n)
	}
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("counting func saw %v; want [1 2 3], then removed", got)
	}

	// A func that panics is removed; the process and the other funcs go on.
	panics := 0
	must(t, sys.Install(bg, rt, pid, "bad", func(state any, ev gen.DebugEvent, name string) (any, bool) {
		panics++
		panic("bad debug func")
	}, nil))
	must(t, sys.Install(bg, rt, pid, "spy", spy, seen))
	call(10)
	call(11)
	if panics != 1 {
		t.Errorf("panicking func ran %d times; want 1, then removed", panics)
	}
	wantLines(t, "spy beside a panicking func", drain(seen), []string{"i {10}", "i {11}"})

	for _, id := range []any{nil, []int{1}, map[string]int{}} {
		if err := sys.Install(bg, rt, pid, id, spy, seen); !errors.Is(err, sys.ErrBadID) {
			t.Errorf("Install with id %#v = %v; want ErrBadID", id, err)
		}
	}
}

func TestTerminate(t *testing.T) {
	// conformance: 180
	synctest.Test(t, func(t *testing.T) {
		rt := newRT(t, nil)
		reason := &gen.ShutdownError{Detail: "bye"}
		for _, suspended := range []bool{false, true} {
			srv := &dbgSrv{done: make(chan error, 1)}
			pid := mustStart(t, rt, srv)
			if suspended {
				must(t, sys.Suspend(bg, rt, pid))
			}
			if err := sys.Terminate(bg, rt, pid, reason); err != nil {
				t.Fatalf("Terminate (suspended %v) = %v; want nil", suspended, err)
			}
			if got := <-srv.done; got != reason {
				t.Errorf("Terminate callback got %v; want %v", got, reason)
			}
			if rt.Alive(pid) {
				t.Errorf("process alive after Terminate returned")
			}
		}
		pid := mustStart(t, rt, &dbgSrv{})
		if err := sys.Terminate(bg, rt, pid, nil); err != nil || rt.Alive(pid) {
			t.Errorf("Terminate(nil) = %v, alive %v; want a normal exit", err, rt.Alive(pid))
		}
		pid = mustStart(t, rt, &dbgSrv{bad: true})
		var ee *gen.ExitError
		if err := sys.Terminate(bg, rt, pid, gen.ErrShutdown); !errors.As(err, &ee) {
			t.Errorf("Terminate with a panicking Terminate = %v; want the *ExitError", err)
		} else if _, ok := ee.Reason.(*gen.PanicError); !ok {
			t.Errorf("exit reason = %v; want the panic", ee.Reason)
		}
	})
}

func TestParent(t *testing.T) {
	// conformance: 181
	rt := newRT(t, nil)
	parent := mustStart(t, rt, &dbgSrv{})
	child, err := gen.Call[gen.PID](bg, rt, parent, linkNew{})
	must(t, err)
	if st, err := sys.GetStatus(bg, rt, child); err != nil || st.Parent != parent {
		t.Errorf("started with StartLink: Parent = %v, %v; want %v", st.Parent, err, parent)
	}
	if st, err := sys.GetStatus(bg, rt, parent); err != nil || st.Parent != parent {
		t.Errorf("started with Start: Parent = %v, %v; want itself, %v", st.Parent, err, parent)
	}
}

// Every sys function fails with a *gen.CallError naming it, wrapping noproc
// for a dead or unknown process and the deadline when no answer comes.
func TestErrors(t *testing.T) {
	// conformance: 182
	ops := []struct {
		op string
		f  func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error
	}{
		{"sys.GetState", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			_, err := sys.GetState(ctx, rt, to)
			return err
		}},
		{"sys.ReplaceState", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			_, err := sys.ReplaceState(ctx, rt, to, func(s any) any { return s })
			return err
		}},
		{"sys.GetStatus", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			_, err := sys.GetStatus(ctx, rt, to)
			return err
		}},
		{"sys.Suspend", sys.Suspend},
		{"sys.Resume", sys.Resume},
		{"sys.ChangeCode", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.ChangeCode(ctx, rt, to, nil, nil)
		}},
		{"sys.Terminate", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.Terminate(ctx, rt, to, nil)
		}},
		{"sys.Trace", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.Trace(ctx, rt, to, true)
		}},
		{"sys.TraceTo", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.TraceTo(ctx, rt, to, nil)
		}},
		{"sys.Log", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.Log(ctx, rt, to, 10)
		}},
		{"sys.GetLog", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			_, err := sys.GetLog(ctx, rt, to)
			return err
		}},
		{"sys.PrintLog", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.PrintLog(ctx, rt, to, &bytes.Buffer{})
		}},
		{"sys.Statistics", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.Statistics(ctx, rt, to, true)
		}},
		{"sys.GetStatistics", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			_, err := sys.GetStatistics(ctx, rt, to)
			return err
		}},
		{"sys.Install", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.Install(ctx, rt, to, "id", spy, nil)
		}},
		{"sys.Remove", func(ctx context.Context, rt *gen.Runtime, to gen.Dest) error {
			return sys.Remove(ctx, rt, to, "id")
		}},
		{"sys.NoDebug", sys.NoDebug},
	}
	check := func(t *testing.T, op string, err, cause error, to gen.Dest) {
		t.Helper()
		var ce *gen.CallError
		if !errors.As(err, &ce) || ce.Op != op || ce.To != to || !errors.Is(err, cause) {
			t.Errorf("%s = %v; want a *gen.CallError{Op: %q, To: %v} wrapping %v", op, err, op, to, cause)
		}
	}
	t.Run("noproc", func(t *testing.T) {
		rt := newRT(t, nil)
		dead := mustStart(t, rt, &dbgSrv{})
		must(t, gen.Stop(bg, rt, dead, nil))
		for _, o := range ops {
			check(t, o.op, o.f(bg, rt, dead), gen.ErrNoProc, dead)
			check(t, o.op, o.f(bg, rt, gen.Name("nobody")), gen.ErrNoProc, gen.Name("nobody"))
		}
	})
	t.Run("timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := newRT(t, nil)
			pid := mustStart(t, rt, &dbgSrv{})
			unblock := make(chan bool)
			must(t, gen.Cast(rt, pid, block{unblock}))
			for _, o := range ops {
				start := time.Now()
				err := o.f(bg, rt, pid) // no deadline: the default 5 s
				check(t, o.op, err, context.DeadlineExceeded, pid)
				if waited := time.Since(start); waited != 5*time.Second {
					t.Errorf("%s gave up after %v; want 5s", o.op, waited)
				}
				var ce *gen.CallError
				if errors.As(err, &ce) && !ce.Timeout() {
					t.Errorf("%s: Timeout() = false", o.op)
				}
			}
			close(unblock)
		})
	})
	t.Run("answers are not call failures", func(t *testing.T) {
		rt := newRT(t, nil)
		pid := mustStart(t, rt, &dbgSrv{})
		var ce *gen.CallError
		if err := sys.ChangeCode(bg, rt, pid, nil, nil); !errors.Is(err, gen.ErrNotSuspended) || errors.As(err, &ce) {
			t.Errorf("ChangeCode on a running server = %v; want ErrNotSuspended, not a *CallError", err)
		}
		_, err := sys.ReplaceState(bg, rt, pid, func(any) any { panic("no") })
		var pe *gen.PanicError
		if !errors.As(err, &pe) || errors.As(err, &ce) {
			t.Errorf("ReplaceState with a panicking func = %v; want a *PanicError, not a *CallError", err)
		}
	})
}

func TestWithDebug(t *testing.T) {
	// conformance: 183
	synctest.Test(t, func(t *testing.T) {
		var logs, out syncBuf
		rt := newRT(t, &logs)
		t0 := time.Now()
		pid := mustStart(t, rt, &dbgSrv{}, gen.WithName("d"), gen.WithDebug(gen.DebugOptions{
			Trace: true, TraceTo: &out, Log: 10, Statistics: true,
		}))
		time.Sleep(time.Second)
		must(t, gen.Cast(rt, pid, add{1}))
		mustGet(t, rt, pid)
		want := []string{
			"*DBG* d got cast sys_test.add{N:1}",
			"*DBG* d new state &sys_test.dbgSrv{N:1 done:<nil> bad:false}",
			"*DBG* d got call sys_test.get{} from a goroutine",
			"*DBG* d sent 1 to a goroutine, new state &sys_test.dbgSrv{N:1 done:<nil> bad:false}",
		}
		wantLines(t, "TraceTo", out.lines(), want)
		if got := logs.lines(); len(got) != 4 || !strings.Contains(got[0], want[0]) {
			t.Errorf("trace to the logger = %q; want the same 4 events", got)
		}
		if evs, err := sys.GetLog(bg, rt, pid); err != nil || len(evs) != 4 {
			t.Errorf("GetLog = %v, %v; want 4 events", evs, err)
		}
		st, err := sys.GetStatistics(bg, rt, pid)
		if err != nil || !st.StartTime.Equal(t0) || st.MessagesIn != 2 || st.MessagesOut != 1 {
			t.Errorf("GetStatistics = %+v, %v; want started at %v, 2 in, 1 out", st, err, t0)
		}

		plain := mustStart(t, rt, &dbgSrv{}, gen.WithDebug(gen.DebugOptions{}))
		mustGet(t, rt, plain)
		if _, err := sys.GetStatistics(bg, rt, plain); !errors.Is(err, sys.ErrNoStatistics) {
			t.Errorf("zero DebugOptions: GetStatistics = %v; want ErrNoStatistics", err)
		}
		if evs, err := sys.GetLog(bg, rt, plain); err != nil || len(evs) != 0 {
			t.Errorf("zero DebugOptions: GetLog = %v, %v; want nothing", evs, err)
		}
	})
}
