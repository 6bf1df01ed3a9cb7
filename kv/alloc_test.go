//go:build !race

// The race detector makes sync.Pool drop items on purpose, so allocation
// budgets are checked without it; .ci/run runs this file in a separate pass.

package kv

import (
	"context"
	"testing"
)

// A PUT and a GET through the Go API allocate twice in all: each makes its
// operation (agent.Request), which the bucket may still hold if the call
// fails. A connection reuses its operations, so its PUT and GET allocate
// nothing: the bucket lookup and the call itself (inline, on the caller's
// goroutine) allocate nothing either.
func TestAllocBudgetsPutGet(t *testing.T) {
	a, err := Start(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	ctx := context.Background()
	if _, err := a.Create(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() {
		_ = a.Put(ctx, "b", "k", "v")
		_, _ = a.Get(ctx, "b", "k")
	}); n > 2 {
		t.Errorf("Go API PUT+GET: %v allocs; want <= 2", n)
	}
	// A connection's commands run under a detached context of its task's.
	task := context.WithValue(ctx, struct{}{}, "task")
	work := &detached{task}
	var o ops
	if n := testing.AllocsPerRun(1000, func() {
		if err := a.put(work, &o, "b", "k", "v"); err != nil {
			t.Fatal(err)
		}
		if v, err := a.get(work, &o, "b", "k"); err != nil || v != "v" {
			t.Fatalf("get = %q, %v", v, err)
		}
	}); n != 0 {
		t.Errorf("a connection's PUT+GET: %v allocs; want 0", n)
	}
}
