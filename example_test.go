package gen_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gen-go/gen"
)

// exCounter is a small server: casts add to it, calls read it.
type exCounter struct{ n int }

type exAdd struct{ N int }
type exGet struct{}

func (c *exCounter) Init(p *gen.Process) error { return nil }

func (c *exCounter) HandleCast(p *gen.Process, msg any) error {
	if a, ok := msg.(exAdd); ok {
		c.n += a.N
	}
	return nil
}

func (c *exCounter) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch req.(type) {
	case exGet:
		return c.n, nil
	}
	return nil, fmt.Errorf("unknown request %v", req)
}

func ExampleStart() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()

	pid, err := gen.Start(context.Background(), rt, &exCounter{n: 41})
	if err != nil {
		fmt.Println("start failed:", err)
		return
	}
	// Start has returned: Init has run and the process is ready.
	fmt.Println("alive:", rt.Alive(pid))

	n, _ := gen.Call[int](context.Background(), rt, pid, exGet{})
	fmt.Println("count:", n)
	// Output:
	// alive: true
	// count: 41
}

func ExampleCall() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	pid, _ := gen.Start(ctx, rt, &exCounter{n: 7})
	n, err := gen.Call[int](ctx, rt, pid, exGet{})
	fmt.Println("count:", n, err)

	// An unknown request makes the server stop with that error; the call
	// fails with the server's exit reason.
	_, err = gen.Call[int](ctx, rt, pid, "bogus")
	var ee *gen.ExitError
	if errors.As(err, &ee) {
		fmt.Println("server exited:", ee.Reason)
	}

	// Nobody lives at that PID any more.
	_, err = gen.Call[int](ctx, rt, pid, exGet{})
	fmt.Println("noproc:", errors.Is(err, gen.ErrNoProc))
	// Output:
	// count: 7 <nil>
	// server exited: unknown request bogus
	// noproc: true
}

func ExampleCast() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	pid, _ := gen.Start(ctx, rt, &exCounter{})
	for i := 1; i <= 10; i++ {
		gen.Cast(rt, pid, exAdd{N: i})
	}
	// Messages from one sender arrive in order, so this call is handled
	// after all ten casts.
	n, _ := gen.Call[int](ctx, rt, pid, exGet{})
	fmt.Println("sum:", n)
	// Output:
	// sum: 55
}

// exParent traps exits and reports each ExitSignal on a channel.
type exParent struct{ signals chan gen.ExitSignal }

func (s *exParent) Init(p *gen.Process) error {
	p.TrapExit(true)
	return nil
}

type exStartChild struct{}

func (s *exParent) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	// StartLink must run inside the parent, with the parent as ctx.
	return gen.StartLink(p, p.Runtime(), &exCounter{})
}

func (s *exParent) HandleInfo(p *gen.Process, msg any) error {
	if sig, ok := msg.(gen.ExitSignal); ok {
		s.signals <- sig
	}
	return nil
}

func ExampleProcess_Link() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	parent := &exParent{signals: make(chan gen.ExitSignal, 1)}
	ppid, _ := gen.Start(ctx, rt, parent)
	child, _ := gen.Call[gen.PID](ctx, rt, ppid, exStartChild{})

	// The child crashes on a request it does not know.
	_, _ = gen.Call[int](ctx, rt, child, "bogus")

	sig := <-parent.signals
	fmt.Println("from the child:", sig.From == child)
	fmt.Println("reason:", sig.Reason)
	fmt.Println("parent alive:", rt.Alive(ppid))
	// Output:
	// from the child: true
	// reason: unknown request bogus
	// parent alive: true
}

// exWatcher monitors a process and reports the Down on a channel.
type exWatcher struct{ downs chan gen.Down }

func (w *exWatcher) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return p.Monitor(req.(gen.Dest)), nil
}

func (w *exWatcher) HandleInfo(p *gen.Process, msg any) error {
	if d, ok := msg.(gen.Down); ok {
		w.downs <- d
	}
	return nil
}

func ExampleProcess_Monitor() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	w := &exWatcher{downs: make(chan gen.Down, 1)}
	wpid, _ := gen.Start(ctx, rt, w)
	target, _ := gen.Start(ctx, rt, &exCounter{}, gen.WithName("counter"))

	ref, _ := gen.Call[gen.Ref](ctx, rt, wpid, gen.Dest(gen.Name("counter")))
	_ = gen.Stop(ctx, rt, target, &gen.ShutdownError{Detail: "maintenance"})

	d := <-w.downs
	fmt.Println("ref matches:", d.Ref == ref)
	fmt.Println("pid matches:", d.PID == target)
	fmt.Println("name:", d.Name)
	fmt.Println("reason:", d.Reason)
	fmt.Println("shutdown:", errors.Is(d.Reason, gen.ErrShutdown))
	// Output:
	// ref matches: true
	// pid matches: true
	// name: counter
	// reason: shutdown: maintenance
	// shutdown: true
}

func ExampleWithName() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	pid, _ := gen.Start(ctx, rt, &exCounter{}, gen.WithName("counter"))
	_ = gen.Cast(rt, gen.Name("counter"), exAdd{N: 3})
	n, _ := gen.Call[int](ctx, rt, gen.Name("counter"), exGet{})
	fmt.Println("count:", n)

	found, ok := rt.Whereis(gen.Name("counter"))
	fmt.Println("whereis:", ok, found == pid)

	// A name belongs to one process at a time.
	_, err := gen.Start(ctx, rt, &exCounter{}, gen.WithName("counter"))
	fmt.Println("second start:", errors.Is(err, gen.ErrAlreadyStarted))

	// The name is released when the process exits.
	_ = gen.Stop(ctx, rt, gen.Name("counter"), nil)
	_, ok = rt.Whereis(gen.Name("counter"))
	fmt.Println("whereis after stop:", ok)
	// Output:
	// count: 3
	// whereis: true true
	// second start: true
	// whereis after stop: false
}

// A counter whose calls are short runs them on the caller's goroutine when
// it finds the counter waiting. Nothing else changes for its callers.
func ExampleWithInlineCalls() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()

	ctx := context.Background()
	pid, err := gen.Start(ctx, rt, &exCounter{}, gen.WithInlineCalls())
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 1; i <= 3; i++ {
		_ = gen.Cast(rt, pid, exAdd{N: i})
	}
	n, err := gen.Call[int](ctx, rt, pid, exGet{})
	fmt.Println(n, err)
	// Output: 6 <nil>
}

// exWho answers a call with whether a context made from its process still
// names that process.
type exWho struct{}

func (exWho) HandleCall(p *gen.Process, _ gen.From, _ any) (any, error) {
	ctx, cancel := context.WithTimeout(p, time.Second)
	defer cancel()
	return gen.ProcessOf(ctx) == p, nil
}

func ExampleProcessOf() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()

	pid, _ := gen.Start(context.Background(), rt, exWho{})
	derived, _ := gen.Call[bool](context.Background(), rt, pid, "who")
	fmt.Println("a derived ctx names its process:", derived)
	fmt.Println("a plain goroutine's ctx names none:", gen.ProcessOf(context.Background()) == nil)
	// Output:
	// a derived ctx names its process: true
	// a plain goroutine's ctx names none: true
}
