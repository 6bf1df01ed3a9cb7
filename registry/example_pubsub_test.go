package registry_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/registry"
)

// subscriber registers itself under a topic when it starts, with its name as
// the value, and reports what it receives.
type subscriber struct {
	reg   *registry.Duplicate
	topic string
	name  string
	out   chan<- string
}

func (s *subscriber) Init(p *gen.Process) error {
	_, err := s.reg.Register(p, s.topic, s.name) // registers the calling process: p
	return err
}

func (s *subscriber) HandleInfo(p *gen.Process, msg any) error {
	s.out <- fmt.Sprintf("%s got %v", s.name, msg)
	return nil
}

// A duplicate registry as a publish/subscribe hub: subscribers register under
// a topic, and Dispatch hands a publisher the subscribers to send to.
func ExampleRegistry_Dispatch() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	reg := registry.NewDuplicate(rt, registry.Options{})
	if _, err := reg.Start(ctx); err != nil {
		fmt.Println("registry:", err)
		return
	}
	out := make(chan string, 10)
	for _, name := range []string{"ann", "ben"} {
		if _, err := gen.Start(ctx, rt, &subscriber{reg: reg, topic: "news", name: name, out: out}); err != nil {
			fmt.Println("start:", err)
			return
		}
	}

	entries, _ := reg.Lookup("news")
	for _, e := range entries {
		fmt.Println("subscribed:", e.Value)
	}

	// fn runs here, in the publisher, with every entry of the topic.
	reg.Dispatch("news", func(entries []registry.Entry) {
		for _, e := range entries {
			gen.Send(rt, e.PID, "hello")
		}
	})
	got := []string{<-out, <-out}
	slices.Sort(got) // the subscribers run concurrently
	fmt.Println(got[0])
	fmt.Println(got[1])

	// No subscribers: fn is not called.
	reg.Dispatch("sports", func([]registry.Entry) { fmt.Println("not printed") })
	// Output:
	// subscribed: ann
	// subscribed: ben
	// ann got hello
	// ben got hello
}
