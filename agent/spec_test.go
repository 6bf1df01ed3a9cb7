package agent_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
	"github.com/gen-go/gen/supervisor"
)

// conformance: 188
func TestAgentSpecIsPermanent(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	spec := agent.Spec("counter", rt, func() int { return 7 }, gen.WithName("counter"))
	if spec.Restart != supervisor.Permanent || spec.Shutdown != 0 || spec.Type != supervisor.WorkerType {
		t.Fatalf("spec %+v", spec)
	}
	if _, err := supervisor.Start(ctx, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{spec}}); err != nil {
		t.Fatal(err)
	}
	a := agent.At[int](rt, gen.Name("counter"))
	if err := a.Update(ctx, func(n int) int { return n + 1 }); err != nil {
		t.Fatal(err)
	}
	pid, _ := rt.Whereis(gen.Name("counter"))
	_, down := rt.Watch(pid)
	rt.Exit(pid, errors.New("crash"))
	<-down
	// Restarted (permanent), from a fresh state.
	for {
		if n, err := agent.Get(ctx, a, func(n int) int { return n }); err == nil {
			if n != 7 {
				t.Fatalf("state after restart %d", n)
			}
			break
		}
	}
}
