package gen_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// newInstrumented is newRuntime with Options.Instrument (and more, from
// opts), closed when the test ends.
func newInstrumented(t testing.TB, opts gen.Options) *gen.Runtime {
	t.Helper()
	opts.Instrument = true
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	rt := gen.NewRuntime(opts)
	t.Cleanup(rt.Close)
	return rt
}

// gate is a server whose casts "block" wait on release, so a test can hold
// it inside a callback while messages pile up.
type gate struct {
	entered chan any
	release chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan any, 100), release: make(chan struct{})} }

func (g *gate) Init(*gen.Process) error { return nil }

func (g *gate) HandleCast(p *gen.Process, msg any) error {
	g.entered <- msg
	if msg == "block" {
		select {
		case <-g.release:
		case <-p.Done():
		}
	}
	return nil
}

func (g *gate) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	if f, ok := req.(testRun); ok {
		return f(p), nil
	}
	if d, ok := req.(time.Duration); ok {
		time.Sleep(d)
	}
	return req, nil
}

func mustInfo(t *testing.T, rt *gen.Runtime, pid gen.PID) gen.ProcessInfo {
	t.Helper()
	info, ok := rt.Info(pid)
	if !ok {
		t.Fatalf("Info(%v): no such process", pid)
	}
	return info
}

// Info reports the name, links, monitors, parent, children, trap flag and
// start time of a process, with or without instrumentation.
func TestInfoRelations(t *testing.T) {
	for _, instrument := range []bool{false, true} {
		t.Run(fmt.Sprintf("instrument=%v", instrument), func(t *testing.T) {
			rt := gen.NewRuntime(gen.Options{Logger: discardLogger(), Instrument: instrument})
			defer rt.Close()
			before := time.Now()
			var child, watcher gen.PID
			parent := mustStart(t, rt, &testSrv{}, gen.WithName("parent"))
			after := time.Now()
			// The parent starts a linked child and traps exits.
			_, err := gen.Call[any](context.Background(), rt, parent, testRun(func(p *gen.Process) any {
				p.TrapExit(true)
				child, err := gen.StartLink(p, rt, &testSrv{})
				if err != nil {
					return err
				}
				return child
			}))
			if err != nil {
				t.Fatal(err)
			}
			info := mustInfo(t, rt, parent)
			if len(info.Children) != 1 {
				t.Fatalf("parent's children %v; want one", info.Children)
			}
			child = info.Children[0]
			watcher = mustStart(t, rt, &testSrv{})
			_, err = gen.Call[any](context.Background(), rt, watcher, testRun(func(p *gen.Process) any {
				p.Monitor(child)
				p.Monitor(gen.Name("parent"))
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}

			info = mustInfo(t, rt, parent)
			if info.PID != parent || info.Name != "parent" || !info.TrapExit || !info.Parent.IsZero() {
				t.Errorf("parent info %+v", info)
			}
			if !slices.Equal(info.Links, []gen.PID{child}) || !slices.Equal(info.Children, []gen.PID{child}) {
				t.Errorf("parent links %v children %v; want [%v]", info.Links, info.Children, child)
			}
			if !slices.Equal(info.MonitoredBy, []gen.PID{watcher}) {
				t.Errorf("parent monitored by %v; want [%v]", info.MonitoredBy, watcher)
			}
			if info.Started.Before(before.Add(-time.Millisecond)) || info.Started.After(after.Add(time.Millisecond)) {
				t.Errorf("started %v; want between %v and %v", info.Started, before, after)
			}
			if info.Status != gen.StatusWaiting || info.Callback != gen.CallbackNone {
				t.Errorf("idle parent: status %v callback %v; want waiting, none", info.Status, info.Callback)
			}

			ci := mustInfo(t, rt, child)
			if ci.Parent != parent || !slices.Equal(ci.Links, []gen.PID{parent}) || len(ci.Children) != 0 || ci.TrapExit {
				t.Errorf("child info %+v", ci)
			}
			wi := mustInfo(t, rt, watcher)
			want := []gen.PID{parent, child}
			slices.SortFunc(want, func(a, b gen.PID) int { return int(a.ID) - int(b.ID) })
			if !slices.Equal(wi.Monitors, want) {
				t.Errorf("watcher monitors %v; want %v", wi.Monitors, want)
			}

			// Infos has the same, for every process, ordered by PID.
			all := rt.Infos()
			if len(all) != 3 || all[0].PID != parent || all[1].PID != child || all[2].PID != watcher {
				t.Fatalf("Infos: %v", all)
			}
			if !slices.Equal(all[0].Children, []gen.PID{child}) || all[1].Parent != parent {
				t.Errorf("Infos: parent %+v child %+v", all[0], all[1])
			}

			// A dead process has no info; its parent loses the child.
			if err := gen.Stop(context.Background(), rt, child, nil); err != nil {
				t.Fatal(err)
			}
			if _, ok := rt.Info(child); ok {
				t.Error("Info of a dead process")
			}
			if info := mustInfo(t, rt, parent); len(info.Children) != 0 || len(info.Links) != 0 {
				t.Errorf("after the child's exit: children %v links %v", info.Children, info.Links)
			}
			if _, ok := rt.Info(gen.PID{}); ok {
				t.Error("Info of the zero PID")
			}
		})
	}
}

// Status: a server without Init is hibernated until its first message; a
// parked one waits; a suspended one is suspended; one in a callback runs.
func TestInfoStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		lazy := mustStart(t, rt, &echoNoInit{})
		if s := mustInfo(t, rt, lazy).Status; s != gen.StatusHibernated {
			t.Errorf("server without Init: %v; want hibernated", s)
		}
		g := newGate()
		pid := mustStart(t, rt, g)
		status := func(want gen.ProcessStatus) {
			t.Helper()
			synctest.Wait() // the process goroutine has parked or blocked
			if s := mustInfo(t, rt, pid).Status; s != want {
				t.Errorf("status %v; want %v", s, want)
			}
		}
		if _, err := gen.Call[any](context.Background(), rt, pid, "sync"); err != nil {
			t.Fatal(err)
		}
		status(gen.StatusWaiting)
		if err := sysSuspend(t, rt, pid); err != nil {
			t.Fatal(err)
		}
		status(gen.StatusSuspended)
		if err := sysResume(t, rt, pid); err != nil {
			t.Fatal(err)
		}
		status(gen.StatusWaiting)
		_ = gen.Cast(rt, pid, "block")
		status(gen.StatusRunning)
		close(g.release)
		if _, err := gen.Call[any](context.Background(), rt, pid, testRun(func(p *gen.Process) any {
			p.Hibernate()
			return nil
		})); err != nil {
			t.Fatal(err)
		}
		status(gen.StatusHibernated)
		var names []string
		for _, s := range []gen.ProcessStatus{gen.StatusRunning, gen.StatusWaiting, gen.StatusSuspended,
			gen.StatusHibernated, 0} {
			names = append(names, s.String())
		}
		if got := strings.Join(names, " "); got != "running waiting suspended hibernated unknown" {
			t.Errorf("status names %q", got)
		}
	})
}

type echoNoInit struct{}

func (echoNoInit) HandleCall(_ *gen.Process, _ gen.From, req any) (any, error) { return req, nil }

// Under Options.Instrument a process publishes its callback, the type of
// its message, its message count and an exact mailbox length, the batch it
// has taken included. Without it, the callback and counts are unknown and
// the mailbox counts only what the process has not taken yet.
func TestInfoInstrumented(t *testing.T) {
	for _, instrument := range []bool{false, true} {
		t.Run(fmt.Sprintf("instrument=%v", instrument), func(t *testing.T) {
			rt := gen.NewRuntime(gen.Options{Logger: discardLogger(), Instrument: instrument})
			defer rt.Close()
			if rt.Instrumented() != instrument {
				t.Fatalf("Instrumented() = %v", rt.Instrumented())
			}
			g := newGate()
			pid := mustStart(t, rt, g)
			if _, err := gen.Call[any](context.Background(), rt, pid, "sync"); err != nil {
				t.Fatal(err)
			}
			_ = gen.Cast(rt, pid, "block")
			<-g.entered
			// Five more arrive while it is busy: they wait in the queue.
			for range 5 {
				_ = gen.Cast(rt, pid, 42)
			}
			_ = gen.Cast(rt, pid, "block")
			info := mustInfo(t, rt, pid)
			if info.MailboxLen != 6 {
				t.Errorf("MailboxLen %d; want 6", info.MailboxLen)
			}
			wantCB, wantType, wantMsgs := gen.CallbackCast, "string", uint64(2) // the sync call, the block
			if !instrument {
				wantCB, wantType, wantMsgs = gen.CallbackNone, "", 0
			}
			if info.Callback != wantCB || info.MessageType != wantType || info.Messages != wantMsgs {
				t.Errorf("callback %v type %q messages %d; want %v %q %d",
					info.Callback, info.MessageType, info.Messages, wantCB, wantType, wantMsgs)
			}
			// Release it: it takes the six at once, handles five and
			// blocks in the sixth.
			g.release <- struct{}{}
			for range 6 {
				<-g.entered
			}
			info = mustInfo(t, rt, pid)
			wantLen := 0 // all taken: the instrumentation alone knows the batch is handled
			wantMsgs = 8
			if !instrument {
				wantMsgs = 0
			}
			if info.MailboxLen != wantLen || info.Messages != wantMsgs {
				t.Errorf("after the batch: MailboxLen %d messages %d; want %d, %d", info.MailboxLen, info.Messages,
					wantLen, wantMsgs)
			}
			// Now block on the first of a batch of three.
			_ = gen.Cast(rt, pid, "x")
			_ = gen.Cast(rt, pid, "block")
			_ = gen.Cast(rt, pid, "y")
			_ = gen.Cast(rt, pid, "z")
			g.release <- struct{}{}
			<-g.entered // x
			<-g.entered // block
			info = mustInfo(t, rt, pid)
			wantLen = 2 // y and z, taken in the batch with x and block
			if !instrument {
				wantLen = 0
			}
			if info.MailboxLen != wantLen {
				t.Errorf("blocked in a batch: MailboxLen %d; want %d", info.MailboxLen, wantLen)
			}
			close(g.release)
			if _, err := gen.Call[any](context.Background(), rt, pid, "sync"); err != nil {
				t.Fatal(err)
			}
			if instrument {
				if info := mustInfo(t, rt, pid); info.Messages != 13 || info.MailboxLen != 0 {
					t.Errorf("at the end: messages %d mailbox %d; want 13, 0", info.Messages, info.MailboxLen)
				}
			}
		})
	}
}

// The callbacks other than message handlers show too: Init, HandleContinue,
// Terminate, and the system messages, which count as messages.
func TestInfoCallbacks(t *testing.T) {
	rt := newInstrumented(t, gen.Options{})
	seen := make(chan gen.ProcessInfo, 10)
	var self atomic.Pointer[gen.PID]
	look := func(p *gen.Process) {
		pid := p.Self()
		self.Store(&pid)
		// Info from another goroutine, as a dashboard would do.
		done := make(chan struct{})
		go func() {
			info, _ := rt.Info(pid)
			seen <- info
			close(done)
		}()
		<-done
	}
	srv := &testSrv{
		init: func(p *gen.Process) error { look(p); p.Continue(struct{ N int }{1}); return nil },
		cont: func(p *gen.Process, arg any) error { look(p); return nil },
		term: func(p *gen.Process, reason error) { look(p) },
	}
	pid := mustStart(t, rt, srv)
	if err := gen.Stop(context.Background(), rt, pid, nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		info := <-seen
		got = append(got, fmt.Sprintf("%v %q %d", info.Callback, info.MessageType, info.Messages))
	}
	want := []string{`Init "" 0`, `HandleContinue "struct { N int }" 0`, `Terminate "" 1`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
}

// Activities lists every process cheaply; Messages counts the messages of
// all processes, including those that exited, and never goes down.
func TestActivitiesAndMessages(t *testing.T) {
	rt := newInstrumented(t, gen.Options{})
	a := mustStart(t, rt, &testSrv{}, gen.WithName("a"))
	b := mustStart(t, rt, &testSrv{})
	for range 3 {
		if _, err := gen.Call[any](context.Background(), rt, a, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := gen.Call[any](context.Background(), rt, b, "hi"); err != nil {
		t.Fatal(err)
	}
	got := map[gen.PID]gen.Activity{}
	for act := range rt.Activities() {
		got[act.PID] = act
	}
	if len(got) != 2 || got[a].Name != "a" || got[a].Messages != 3 || got[b].Messages != 1 {
		t.Fatalf("Activities: %+v", got)
	}
	if n := rt.Messages(); n != 4 {
		t.Errorf("Messages() = %d; want 4", n)
	}
	// b exits: its message and the stop request stay counted.
	if err := gen.Stop(context.Background(), rt, b, nil); err != nil {
		t.Fatal(err)
	}
	if n := rt.Messages(); n != 5 {
		t.Errorf("after b's exit: Messages() = %d; want 5", n)
	}
	for range rt.Activities() {
		break // stopping early is allowed
	}
	plain, _ := newRuntime(t)
	mustStart(t, plain, &testSrv{})
	if n := plain.Messages(); n != 0 {
		t.Errorf("without Instrument: Messages() = %d; want 0", n)
	}
}

// Hooks.Call sees each call to a local process with the callee's name and
// its duration (exact inside a synctest bubble), and its error; a call to a
// missing process is not reported.
func TestCallHook(t *testing.T) {
	for _, instrument := range []bool{false, true} {
		t.Run(fmt.Sprintf("instrument=%v", instrument), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				var got []string
				rt := gen.NewRuntime(gen.Options{Logger: discardLogger(), Instrument: instrument, Hooks: &gen.Hooks{
					Call: func(to gen.PID, name gen.Name, d time.Duration, err error) {
						mu.Lock()
						got = append(got, fmt.Sprintf("%s %v %v", name, d, err != nil))
						mu.Unlock()
					},
				}})
				defer rt.Close()
				pid := mustStart(t, rt, newGate(), gen.WithName("slow"))
				if _, err := gen.Call[any](context.Background(), rt, pid, 30*time.Millisecond); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				defer cancel()
				if _, err := gen.Call[any](ctx, rt, gen.Name("slow"), time.Second); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err %v; want a deadline", err)
				}
				if err := rt.Unregister("slow"); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if _, err := gen.Call[any](context.Background(), rt, pid, time.Duration(0)); err != nil {
					t.Fatal(err)
				}
				_, _ = gen.Call[any](context.Background(), rt, gen.Name("nobody"), 0)
				mu.Lock()
				defer mu.Unlock()
				// The second call waits 10 ms; the third also waits for
				// the 1 s sleep the second left behind.
				want := []string{"slow 30ms false", "slow 10ms true", " 990ms false"}
				if !slices.Equal(got, want) {
					t.Errorf("hook saw %q; want %q", got, want)
				}
			})
		})
	}
}

// With ProfileLabels, a process goroutine carries the labels pid and name,
// renewed when the name changes; goroutine profiles show them.
func TestProfileLabels(t *testing.T) {
	rt := newInstrumented(t, gen.Options{ProfileLabels: true})
	g := newGate()
	pid := mustStart(t, rt, g, gen.WithName("worker"))
	_ = gen.Cast(rt, pid, "block")
	<-g.entered
	want := fmt.Sprintf(`# labels: {"name":"worker", "pid":"%s"}`, pid)
	if !strings.Contains(goroutines(t), want) {
		t.Errorf("no goroutine with %s", want)
	}
	g.release <- struct{}{}
	if err := rt.Unregister("worker"); err != nil {
		t.Fatal(err)
	}
	if err := rt.Register("renamed", pid); err != nil {
		t.Fatal(err)
	}
	_ = gen.Cast(rt, pid, "block")
	<-g.entered
	want = fmt.Sprintf(`# labels: {"name":"renamed", "pid":"%s"}`, pid)
	if !strings.Contains(goroutines(t), want) {
		t.Errorf("after the rename, no goroutine with %s", want)
	}
	close(g.release)
}

func goroutines(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Info, Infos, Activities and Messages may run on any goroutine while
// processes work, link, monitor, register and die: the race detector
// checks it.
func TestInfoConcurrent(t *testing.T) {
	rt := newInstrumented(t, gen.Options{ProfileLabels: true, Hooks: &gen.Hooks{
		Call: func(gen.PID, gen.Name, time.Duration, error) {},
	}})
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, info := range rt.Infos() {
					_, _ = rt.Info(info.PID)
				}
				for range rt.Activities() {
				}
				_ = rt.Messages()
			}
		}()
	}
	ctx := context.Background()
	for i := range 200 {
		pid := mustStart(t, rt, &testSrv{}, gen.WithName(gen.Name(fmt.Sprint("w", i%3))))
		_, _ = gen.Call[any](ctx, rt, pid, testRun(func(p *gen.Process) any {
			c, err := gen.StartLink(p, rt, &testSrv{})
			if err == nil {
				p.Monitor(c)
				_ = gen.Cast(rt, c, "x")
			}
			p.Continue("more")
			return nil
		}))
		for range 5 {
			_ = gen.Cast(rt, pid, i)
		}
		_ = rt.Unregister(gen.Name(fmt.Sprint("w", i%3)))
		if i%2 == 0 {
			_ = gen.Stop(ctx, rt, pid, nil)
		} else {
			rt.Exit(pid, gen.ErrKill)
		}
	}
	close(stop)
	readers.Wait()
}

// ExampleRuntime_Info shows what a runtime knows about a process, here one
// blocked in a callback with messages waiting.
func ExampleRuntime_Info() {
	rt := gen.NewRuntime(gen.Options{Instrument: true, Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	g := newGate()
	pid, _ := gen.Start(context.Background(), rt, g, gen.WithName("worker"))
	_ = gen.Cast(rt, pid, "block")
	<-g.entered
	_ = gen.Cast(rt, pid, 1)
	_ = gen.Cast(rt, pid, 2)

	info, _ := rt.Info(pid)
	fmt.Println(info.Name, info.Status, info.Callback, info.MessageType)
	fmt.Println("handled:", info.Messages, "waiting:", info.MailboxLen)
	close(g.release)
	// Output:
	// worker running HandleCast string
	// handled: 1 waiting: 2
}

// The message type shown is the current message's when the types alternate
// (the process remembers the type before the last one with its name) and
// when a third one comes.
func TestInfoAlternatingMessageTypes(t *testing.T) {
	rt := newInstrumented(t, gen.Options{})
	types := make(chan string, 1)
	var pid gen.PID
	look := func() {
		done := make(chan struct{})
		go func() {
			info, _ := rt.Info(pid)
			types <- info.MessageType
			close(done)
		}()
		<-done
	}
	pid = mustStart(t, rt, &testSrv{
		call: func(p *gen.Process, _ gen.From, req any) (any, error) { look(); return <-types, nil },
	})
	type a struct{}
	type b struct{ N int }
	for i, req := range []any{a{}, b{}, a{}, b{}, a{}, "c", a{}, "c", b{}} {
		got, err := gen.Call[string](context.Background(), rt, pid, req)
		if want := reflect.TypeOf(req).String(); err != nil || got != want {
			t.Fatalf("call %d with %T: message type %q, %v; want %q", i, req, got, err, want)
		}
	}
}
