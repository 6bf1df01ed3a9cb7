package supervisor_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// Counter is a small server: "inc" adds one and "get" reads the count.
type Counter struct{ n int }

func (c *Counter) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch req {
	case "inc":
		c.n++
	case "crash":
		return nil, errors.New("crashed on purpose")
	}
	return c.n, nil
}

// A supervision tree: a named counter beside a sub-supervisor. When the
// counter crashes, the supervisor starts a fresh one under the same name.
func Example() {
	rt := gen.NewRuntime(gen.Options{Logger: discard()})
	defer rt.Close()
	ctx := context.Background()

	counter := supervisor.Worker("counter", func() gen.Server { return &Counter{} }, gen.WithName("counter"))
	sub := supervisor.Sub("sub", supervisor.Spec{Strategy: supervisor.OneForOne,
		Children: []supervisor.ChildSpec{supervisor.Worker("helper", func() gen.Server { return &Counter{} })}})
	top, err := supervisor.Start(ctx, rt, supervisor.Spec{
		Strategy: supervisor.OneForOne,
		Children: []supervisor.ChildSpec{counter, sub},
	})
	if err != nil {
		panic(err)
	}

	gen.Call[int](ctx, rt, gen.Name("counter"), "inc")
	n, _ := gen.Call[int](ctx, rt, gen.Name("counter"), "inc")
	fmt.Println("count:", n)

	_, err = gen.Call[int](ctx, rt, gen.Name("counter"), "crash")
	fmt.Println("crash:", err != nil)
	n, _ = gen.Call[int](ctx, rt, gen.Name("counter"), "get")
	fmt.Println("count after restart:", n)

	counts, _ := supervisor.CountChildren(ctx, rt, top)
	fmt.Printf("%+v\n", counts)
	fmt.Println(gen.Stop(ctx, rt, top, nil), len(rt.Processes()))
	// Output:
	// count: 2
	// crash: true
	// count after restart: 0
	// {Specs:2 Active:2 Supervisors:1 Workers:1}
	// <nil> 0
}

// A DynamicSupervisor starts empty and takes children on demand.
func ExampleStartDynamic() {
	rt := gen.NewRuntime(gen.Options{Logger: discard()})
	defer rt.Close()
	ctx := context.Background()

	sup, err := supervisor.StartDynamic(ctx, rt, supervisor.Dynamic{MaxChildren: 2})
	if err != nil {
		panic(err)
	}
	for i := range 3 {
		_, err := supervisor.StartChild(ctx, rt, sup, supervisor.Worker("", func() gen.Server { return &Counter{} }))
		fmt.Println("child", i, err)
	}
	cs, _ := supervisor.WhichChildren(ctx, rt, sup)
	fmt.Println(len(cs), "children")
	err = supervisor.TerminateChild(ctx, rt, sup, cs[0].PID)
	fmt.Println("terminate:", err)
	cs, _ = supervisor.WhichChildren(ctx, rt, sup)
	fmt.Println(len(cs), "child")
	// Output:
	// child 0 <nil>
	// child 1 <nil>
	// child 2 supervisor: max_children
	// 2 children
	// terminate: <nil>
	// 1 child
}

// A tool walks a tree by asking each child whether it is a supervisor before
// asking it for its children.
func ExampleIsSupervisor() {
	rt := gen.NewRuntime(gen.Options{Logger: discard()})
	defer rt.Close()
	ctx := context.Background()

	sub := supervisor.Sub("sub", supervisor.Spec{Strategy: supervisor.OneForOne})
	counter := supervisor.Worker("counter", func() gen.Server { return &Counter{} })
	top, err := supervisor.Start(ctx, rt, supervisor.Spec{
		Strategy: supervisor.OneForOne,
		Children: []supervisor.ChildSpec{sub, counter},
	})
	if err != nil {
		panic(err)
	}
	children, _ := supervisor.WhichChildren(ctx, rt, top)
	for _, c := range children {
		is, err := supervisor.IsSupervisor(ctx, rt, c.PID)
		fmt.Println(c.ID, is, err)
	}
	// Output:
	// counter false <nil>
	// sub true <nil>
}
