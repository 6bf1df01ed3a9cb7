//go:build !race

// The race detector makes sync.Pool drop items on purpose, so allocation
// budgets are checked without it; .ci/run runs this file in a separate pass.

package kv

import (
	"context"
	"testing"
)

// A PUT and a GET through the Go API allocate three times in all: the
// closure that carries PUT's key and value, GET's closure, and GET's reply
// string in an interface. The bucket lookup, the agent request and the call
// itself (inline, on the caller's goroutine) allocate nothing.
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
	}); n > 3 {
		t.Errorf("PUT+GET: %v allocs; want <= 3", n)
	}
}
