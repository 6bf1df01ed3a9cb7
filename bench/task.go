package main

import (
	"context"
	"fmt"
	"log"
	"runtime"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/task"
	"golang.org/x/sync/errgroup"
)

// TASK: task.AsyncStream over n items, each a small computation in its own
// task process, at most GOMAXPROCS at a time (the default), results in order,
// summed by the owner; total ms. The floor is an errgroup.Group with
// SetLimit(GOMAXPROCS) running the same computation in a goroutine per item,
// each writing its result to a slice that is summed after Wait.
//
// A task is a process: per item the stream starts one (a table slot, a link
// to the stream's helper process, a goroutine), passes the item and the
// result through the helper and a queue, and the task's exit back through
// the helper, so the target is a ratio, not parity: ≤ 10x the floor.

func init() {
	moreRows = append(moreRows, func(sz sizes) []row {
		n := 100_000
		if *quickFlag {
			n = 10_000
		}
		return []row{{
			group: "TASK", name: fmt.Sprintf("TASK AsyncStream %s items, ordered", count(n)), unit: "ms", format: fmtMs,
			kind: ratioAtMost, limit: 10, allocs: true,
			gen:   func() sample { return genTaskStream(n) },
			floor: func() sample { return floorTaskStream(n) },
		}}
	})
}

// taskWork is the per-item computation: a few rounds of xorshift, some tens
// of nanoseconds.
func taskWork(x int) int {
	v := uint64(x)*0x9E3779B97F4A7C15 + 1
	for range 16 {
		v ^= v << 13
		v ^= v >> 7
		v ^= v << 17
	}
	return int(v & 0xFFFF)
}

// taskWant is the sum the stream must produce.
func taskWant(n int) int {
	sum := 0
	for i := range n {
		sum += taskWork(i)
	}
	return sum
}

// streamOwner runs the stream inside its HandleCall, as a task's owner must.
type streamOwner struct{ n int }

func (s *streamOwner) HandleCall(p *gen.Process, _ gen.From, _ any) (any, error) {
	items := func(yield func(int) bool) {
		for i := range s.n {
			if !yield(i) {
				return
			}
		}
	}
	work := func(_ context.Context, x int) (int, error) { return taskWork(x), nil }
	sum := 0
	for v, err := range task.AsyncStream(p, items, work) {
		if err != nil {
			return nil, err
		}
		sum += v
	}
	return sum, nil
}

func genTaskStream(n int) sample {
	rt := newRuntime()
	defer rt.Close()
	pid, err := gen.Start(ctx, rt, &streamOwner{n: n})
	must(err)
	want := taskWant(n)
	var got int
	d, a := timed(func() {
		got, err = gen.Call[int](gen.NoDeadline(ctx), rt, pid, reqMsg)
	})
	must(err)
	if got != want {
		log.Fatalf("TASK gen: sum %d, want %d", got, want)
	}
	return sample{value: float64(d.Microseconds()) / 1000, allocs: float64(a) / float64(n)}
}

func floorTaskStream(n int) sample {
	want := taskWant(n)
	var got int
	d, a := timed(func() {
		results := make([]int, n)
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for i := range n {
			g.Go(func() error {
				results[i] = taskWork(i)
				return nil
			})
		}
		must(g.Wait())
		for _, v := range results {
			got += v
		}
	})
	if got != want {
		log.Fatalf("TASK floor: sum %d, want %d", got, want)
	}
	return sample{value: float64(d.Microseconds()) / 1000, allocs: float64(a) / float64(n)}
}
