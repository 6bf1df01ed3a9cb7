package registry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/registry"
)

// counter is a small server: incReq adds one, getReq reads.
type counter struct{ n int }

type (
	incReq struct{}
	getReq struct{}
)

func (c *counter) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if _, ok := req.(incReq); ok {
		c.n++
	}
	return c.n, nil
}

// A unique registry names processes with keys of any comparable type, through
// gen.WithVia and gen.Via, like Elixir's {:via, Registry, {registry, key}}.
func Example_viaName() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	reg := registry.NewUnique(rt, registry.Options{})
	if _, err := reg.Start(ctx); err != nil {
		fmt.Println("registry:", err)
		return
	}
	for _, name := range []string{"alice", "bob"} {
		if _, err := gen.Start(ctx, rt, &counter{}, gen.WithVia(reg, name)); err != nil {
			fmt.Println("start:", err)
			return
		}
	}
	gen.Call[int](ctx, rt, reg.Via("alice"), incReq{})
	gen.Call[int](ctx, rt, reg.Via("alice"), incReq{})
	n, err := gen.Call[int](ctx, rt, reg.Via("alice"), getReq{})
	fmt.Println("alice:", n, err)

	// A name belongs to one process at a time.
	_, err = gen.Start(ctx, rt, &counter{}, gen.WithVia(reg, "alice"))
	fmt.Println("alice taken:", errors.Is(err, gen.ErrAlreadyStarted))

	// The name goes when the process does.
	gen.Stop(ctx, rt, reg.Via("bob"), nil)
	_, ok := reg.WhereisName("bob")
	fmt.Println("bob registered:", ok)

	// KeyValue stores a value with the name.
	pid, _ := gen.Start(ctx, rt, &counter{}, gen.WithVia(reg, registry.KeyValue{Key: "carol", Value: "admin"}))
	entries, _ := reg.Lookup("carol")
	fmt.Println("carol:", entries[0].PID == pid, entries[0].Value)
	// Output:
	// alice: 2 <nil>
	// alice taken: true
	// bob registered: false
	// carol: true admin
}
