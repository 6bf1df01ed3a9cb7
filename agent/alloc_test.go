//go:build !race

// The race detector makes sync.Pool drop items on purpose, so allocation
// budgets are checked without it; .ci/run runs this file in a separate pass.

package agent_test

import (
	"context"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
)

// A reused request costs no allocation per Do, on an agent that runs calls
// on the caller's goroutine and on one that runs them on its own.
func TestAllocBudgetsDo(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []gen.StartOption
	}{{"inline", []gen.StartOption{gen.WithInlineCalls()}}, {"goroutine", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := newRuntime(t)
			ctx := context.Background()
			a, err := agent.Start(ctx, rt, func() int { return 0 }, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			r := &incr{by: 1}
			if n := testing.AllocsPerRun(1000, func() {
				if err := a.Do(ctx, r); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("Do: %v allocs; want 0", n)
			}
		})
	}
}
