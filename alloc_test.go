//go:build !race

// The race detector makes sync.Pool drop items on purpose, so allocation
// budgets are checked without it; .ci/run runs this file in a separate pass.

package gen_test

import (
	"context"
	"testing"
	"time"

	"github.com/gen-go/gen"
)

// The hot paths allocate nothing of their own: a call reuses a pooled reply
// slot and timer, and a cast or send appends to a reused queue. The budgets
// hold for messages that fit an interface without boxing (zero-size structs,
// pointers, small integers).
func TestAllocBudgets(t *testing.T) {
	rt, pid := startEcho(t)
	ctx := context.Background()
	inl, err := gen.Start(ctx, rt, &echo{}, gen.WithInlineCalls())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		budget float64
		f      func()
	}{
		{"Call", 0, func() { _, _ = gen.Call[ping](ctx, rt, pid, ping{}) }},
		{"CallByName", 0, func() { _, _ = gen.Call[ping](ctx, rt, gen.Name("echo"), ping{}) }},
		{"Cast", 0, func() { _ = gen.Cast(rt, pid, ping{}) }},
		{"Send", 0, func() { _ = gen.Send(rt, pid, ping{}) }},
		{"CallInline", 0, func() { _, _ = gen.Call[ping](ctx, rt, inl, ping{}) }},
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

// A burst into a fresh mailbox reuses the big buffer an earlier burst grew
// (given back when that process parked), instead of growing its own queue
// 4, 16, 64, 256: starting a server and sending it 100 casts and a call
// allocates no more than starting it and sending the call.
func TestAllocBudgetsBurstReusesBuffers(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	round := func(casts int) func() {
		return func() {
			pid, err := gen.Start(ctx, rt, &tallyInit{})
			if err != nil {
				t.Fatal(err)
			}
			var msg any = 1
			for range casts {
				_ = gen.Cast(rt, pid, msg)
			}
			_, _ = gen.Call[int](ctx, rt, pid, nil)
		}
	}
	round(100)() // grows one buffer, given back when the server parks
	bare := testing.AllocsPerRun(100, round(0))
	burst := testing.AllocsPerRun(100, round(100))
	if burst > bare+1 {
		t.Fatalf("a 100-cast burst into a fresh server: %v allocs, against %v without it; want at most one more", burst, bare)
	}
}

// Starting a server whose Init leaves it idle and stopping it allocates the
// process and nothing more: it never takes a goroutine or a mailbox buffer,
// since the stop of a process without a goroutine, a Terminate or anything
// to report runs on the stopping goroutine (stopIdle). From a ctx that can
// be cancelled, Init runs on a goroutine of its own, which then goes.
func TestAllocBudgetsStartStop(t *testing.T) {
	rt, _ := newRuntime(t)
	bg := context.Background()
	dl, cancel := context.WithTimeout(bg, time.Hour)
	defer cancel()
	srv := withInit{}
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		budget float64
	}{
		{"Background", bg, 1},
		{"Deadline", dl, 2}, // and the goroutine's wait for Init
	} {
		got := testing.AllocsPerRun(1000, func() {
			pid, err := gen.Start(tc.ctx, rt, srv)
			if err != nil {
				t.Fatal(err)
			}
			if err := gen.Stop(bg, rt, pid, nil); err != nil {
				t.Fatal(err)
			}
		})
		if got > tc.budget {
			t.Errorf("%s: %v allocs per Start+Stop; want <= %v", tc.name, got, tc.budget)
		}
	}
}
