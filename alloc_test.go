//go:build !race

// The race detector makes sync.Pool drop items on purpose, so allocation
// budgets are checked without it; .ci/run runs this file in a separate pass.

package gen_test

import (
	"context"
	"testing"

	"github.com/gen-go/gen"
)

// The hot paths allocate nothing of their own: a call reuses a pooled reply
// slot and timer, and a cast or send appends to a reused queue. The budgets
// hold for messages that fit an interface without boxing (zero-size structs,
// pointers, small integers).
func TestAllocBudgets(t *testing.T) {
	rt, pid := startEcho(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		budget float64
		f      func()
	}{
		{"Call", 0, func() { _, _ = gen.Call[ping](ctx, rt, pid, ping{}) }},
		{"CallByName", 0, func() { _, _ = gen.Call[ping](ctx, rt, gen.Name("echo"), ping{}) }},
		{"Cast", 0, func() { _ = gen.Cast(rt, pid, ping{}) }},
		{"Send", 0, func() { _ = gen.Send(rt, pid, ping{}) }},
	} {
		if tc.name == "CallByName" {
			if err := rt.Register("echo", pid); err != nil {
				t.Fatal(err)
			}
		}
		// Sync so that queue growth from the casts is done before measuring.
		if got := testing.AllocsPerRun(1000, tc.f); got > tc.budget {
			t.Errorf("%s: %v allocs per run; want <= %v", tc.name, got, tc.budget)
		}
		if _, err := gen.Call[ping](ctx, rt, pid, ping{}); err != nil {
			t.Fatal(err)
		}
	}
}
