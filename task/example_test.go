package task_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/task"
)

// wordCounter is a server that counts the words of a text in a task while
// it does something else.
type wordCounter struct{}

func (wordCounter) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	text := req.(string)
	// The task belongs to this process (p): it is linked to it, and only
	// p may await it.
	t, err := task.Async(p, func(ctx context.Context) (int, error) {
		return len(strings.Fields(text)), nil
	})
	if err != nil {
		return nil, err
	}
	lines := strings.Count(text, "\n") + 1 // meanwhile, other work
	words, err := t.Await(p)               // waits up to task.DefaultTimeout (5 s)
	if err != nil {
		return nil, err
	}
	return fmt.Sprintf("%d lines, %d words", lines, words), nil
}

func ExampleAsync() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	pid, _ := gen.Start(ctx, rt, wordCounter{})
	summary, err := gen.Call[string](ctx, rt, pid, "the quick brown fox\njumps over\nthe lazy dog")
	fmt.Println(summary, err)

	// Async needs a process to own the task.
	_, err = task.Async(ctx, func(context.Context) (int, error) { return 0, nil })
	fmt.Println(err)
	// Output:
	// 3 lines, 9 words <nil>
	// gen: not called from a process
}

// squarer squares numbers in tasks, two at a time, and sums the results in
// the order of the input.
type squarer struct{}

func (squarer) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	var out []string
	square := func(ctx context.Context, n int) (int, error) { return n * n, nil }
	for sq, err := range task.AsyncStream(p, slices.Values(req.([]int)), square, task.WithMaxConcurrency(2)) {
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprint(sq))
	}
	return strings.Join(out, " "), nil
}

func ExampleAsyncStream() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()

	pid, _ := gen.Start(ctx, rt, squarer{})
	squares, err := gen.Call[string](ctx, rt, pid, []int{1, 2, 3, 4, 5, 6})
	fmt.Println(squares, err)
	// Output:
	// 1 4 9 16 25 36 <nil>
}
