package agent_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
)

func ExampleStart() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	// The init function runs in the new process; Start returns once it has.
	counter, err := agent.Start(ctx, rt, func() int { return 40 }, gen.WithName("counter"))
	if err != nil {
		fmt.Println("start:", err)
		return
	}

	_ = counter.Update(ctx, func(n int) int { return n + 1 })
	_ = counter.Cast(func(n int) int { return n + 1 })

	// Messages from one caller arrive in order: the Get sees both changes.
	n, _ := agent.Get(ctx, counter, func(n int) int { return n })
	fmt.Println("count:", n)

	// The same agent, by name.
	byName := agent.At[int](rt, gen.Name("counter"))
	old, _ := agent.GetAndUpdate(ctx, byName, func(n int) (int, int) { return n, 0 })
	n, _ = agent.Get(ctx, byName, func(n int) int { return n })
	fmt.Println("was:", old, "now:", n)

	fmt.Println("stop:", counter.Stop(ctx, nil))
	// Output:
	// count: 42
	// was: 42 now: 0
	// stop: <nil>
}

func ExampleGet() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	// A map of stock levels kept in an agent. Get returns a copy of what
	// the caller needs, never the map itself.
	stock, _ := agent.Start(ctx, rt, func() map[string]int {
		return map[string]int{"apples": 3, "pears": 5}
	})
	_ = stock.Update(ctx, func(m map[string]int) map[string]int {
		m["apples"]--
		return m
	})
	apples, _ := agent.Get(ctx, stock, func(m map[string]int) int { return m["apples"] })
	kinds, _ := agent.Get(ctx, stock, func(m map[string]int) int { return len(m) })
	fmt.Println("apples:", apples, "kinds:", kinds)
	// Output:
	// apples: 2 kinds: 2
}

// take is a request that removes up to n items of a kind from a stock map
// and reports how many it took. One take can be reused for many calls.
type take struct {
	kind  string
	n     int
	taken int // the result, written inside the agent
}

func (t *take) Apply(m map[string]int) map[string]int {
	t.taken = min(t.n, m[t.kind])
	m[t.kind] -= t.taken
	return m
}

func ExampleAgent_Do() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	stock, _ := agent.Start(ctx, rt, func() map[string]int {
		return map[string]int{"apples": 3}
	})
	t := &take{kind: "apples", n: 2}
	for range 2 {
		if err := stock.Do(ctx, t); err != nil {
			fmt.Println("do:", err)
			return
		}
		fmt.Println("took:", t.taken)
	}
	// Output:
	// took: 2
	// took: 1
}
