package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

// SUP: restart latency. A child is killed with an abnormal reason, and the
// clock runs until its replacement has started (its Init ran). The floor is
// a goroutine that restarts a worker goroutine when it ends.

func init() {
	moreRows = append(moreRows, func(sz sizes) []row {
		n := 50_000
		if *quickFlag {
			n = 5_000
		}
		return []row{{
			group: "SUP", name: fmt.Sprintf("SUP restart latency, %s restarts", count(n)), unit: "µs/restart", format: fmtUs,
			kind: noTarget, allocs: true, // the issue sets no target: the ratio is reported
			gen:   func() sample { return genRestart(n) },
			floor: func() sample { return floorRestart(n) },
		}}
	})
}

var errCrash = errors.New("crash")

// upServer reports its PID on up when it has started.
type upServer struct{ up chan gen.PID }

func (s *upServer) Init(p *gen.Process) error {
	s.up <- p.Self()
	return nil
}

func genRestart(n int) sample {
	rt := newRuntime()
	defer rt.Close()
	up := make(chan gen.PID, 1)
	child := supervisor.Worker("w", func() gen.Server { return &upServer{up: up} })
	// No intensity limit worth the name: the workload restarts on purpose.
	sup, err := supervisor.Start(ctx, rt, supervisor.Spec{Strategy: supervisor.OneForOne,
		MaxRestarts: 1 << 40, Period: time.Millisecond, Children: []supervisor.ChildSpec{child}})
	must(err)
	pid := <-up
	d, a := timed(func() {
		for range n {
			rt.Exit(pid, errCrash)
			pid = <-up
		}
	})
	if err := gen.Stop(ctx, rt, sup, nil); err != nil {
		log.Fatal(err)
	}
	return perOp(d/1000, a, n)
}

func floorRestart(n int) sample {
	up := make(chan chan struct{}, 1)
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for c.Err() == nil {
			kill, done := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				up <- kill
				select {
				case <-kill:
				case <-c.Done():
				}
			}()
			<-done
		}
	}()
	kill := <-up
	d, a := timed(func() {
		for range n {
			close(kill)
			kill = <-up
		}
	})
	return perOp(d/1000, a, n)
}
