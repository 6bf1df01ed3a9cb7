package task_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
	"github.com/gen-go/gen/task"
)

// runIn runs f inside a fresh process and returns its result.
func runIn[R any](t *testing.T, rt *gen.Runtime, f func(p *gen.Process) R) R {
	t.Helper()
	pid, err := gen.Start(context.Background(), rt, &host{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := gen.Call[R](context.Background(), rt, pid, func(p *gen.Process) any { return f(p) })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type host struct{}

func (host) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return req.(func(p *gen.Process) any)(p), nil
}

func TestTaskSupervisor(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	sup, err := task.StartSupervisor(ctx, rt, supervisor.Dynamic{}, gen.WithName("tasks"))
	if err != nil {
		t.Fatal(err)
	}
	// AsyncUnder: a child of the supervisor, awaited by its owner.
	got := runIn(t, rt, func(p *gen.Process) string {
		tk, err := task.AsyncUnder(p, gen.Name("tasks"), func(context.Context) (string, error) { return "done", nil })
		if err != nil {
			return err.Error()
		}
		cs, _ := supervisor.WhichChildren(ctx, rt, sup)
		if len(cs) > 1 {
			return "too many children"
		}
		v, err := tk.Await(p)
		if err != nil {
			return err.Error()
		}
		return v
	})
	if got != "done" {
		t.Fatalf("AsyncUnder: %q", got)
	}
	// AsyncNolink: a crash does not reach the owner, Await reports it.
	got = runIn(t, rt, func(p *gen.Process) string {
		tk, err := task.AsyncNolink(p, gen.Name("tasks"), func(context.Context) (string, error) { return "", errors.New("boom") })
		if err != nil {
			return err.Error()
		}
		_, err = tk.Await(p)
		var ee *gen.ExitError
		if !errors.As(err, &ee) || ee.Reason.Error() != "boom" {
			return "await: " + err.Error()
		}
		return "ok"
	})
	if got != "ok" {
		t.Fatalf("AsyncNolink: %s", got)
	}
	// StartChild: a temporary task, not restarted.
	ran := make(chan struct{})
	pid, err := task.StartChild(ctx, rt, sup, func(context.Context) error { close(ran); return errors.New("crash") })
	if err != nil {
		t.Fatal(err)
	}
	<-ran
	_, down := rt.Watch(pid)
	<-down
	if n, _ := supervisor.CountChildren(ctx, rt, sup); n.Specs != 0 {
		t.Fatalf("a task was kept or restarted: %+v", n)
	}
	// Not from a process.
	if _, err := task.AsyncUnder(ctx, gen.Name("tasks"), func(context.Context) (int, error) { return 1, nil }); err != gen.ErrNotProcess {
		t.Fatalf("AsyncUnder from a goroutine: %v", err)
	}
}

// conformance: 193
func TestTaskSpecIsTemporary(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ran := make(chan struct{}, 2)
	spec := task.Spec("t", rt, func(context.Context) error { ran <- struct{}{}; return errors.New("crash") })
	if spec.Restart != supervisor.Temporary {
		t.Fatalf("restart %v", spec.Restart)
	}
	sup, err := supervisor.Start(context.Background(), rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{spec}})
	if err != nil {
		t.Fatal(err)
	}
	<-ran
	// The crashed task is not restarted and its spec is gone.
	for {
		n, _ := supervisor.CountChildren(context.Background(), rt, sup)
		if n.Specs == 0 {
			break
		}
	}
	if len(ran) != 0 {
		t.Fatal("the task ran again")
	}
}
