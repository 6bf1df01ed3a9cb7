package gen_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gen-go/gen"
)

// TestMonitorsAndLinksRaceExit: watchers add monitors to a process, and
// other processes link to it, while it is being killed. The monitor list
// and the first link's map are made with the process's lock released
// (LOCKING.md), so an adder may find the process dead when it takes the
// lock back. Every watcher must still get exactly one Down, with the kill's
// reason or, if it came too late, noproc; and every linked process (not
// trapping exits) must die of the kill's reason or of noproc.
// conformance: 104, 107
func TestMonitorsAndLinksRaceExit(t *testing.T) {
	rt, _ := newRuntime(t)
	errTarget := errors.New("target dies")
	ok := func(reason error) bool { return errors.Is(reason, errTarget) || errors.Is(reason, gen.ErrNoProc) }
	const n = 24
	for round := range 30 {
		target := mustStart(t, rt, &testSrv{})
		linkers := make([]gen.PID, n)
		linkerDown := make([]<-chan gen.Down, n)
		for i := range linkers {
			linkers[i] = mustStart(t, rt, &testSrv{})
			_, linkerDown[i] = rt.Watch(linkers[i])
		}
		chans := make([]<-chan gen.Down, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if i == n/2 && round%2 == 0 {
					rt.Exit(target, errTarget)
				}
				_, chans[i] = rt.Watch(target)
			})
			wg.Go(func() {
				// The linker may die of the link inside this call: the
				// call's error is expected then.
				_, _ = gen.Call[any](context.Background(), rt, linkers[i], testRun(func(p *gen.Process) any {
					p.Link(target)
					return nil
				}))
			})
		}
		if round%2 == 1 {
			rt.Exit(target, errTarget)
		}
		wg.Wait()
		for i := range n {
			d := waitDown(t, chans[i])
			if d.PID != target || !ok(d.Reason) {
				t.Fatalf("round %d watcher %d: Down %+v", round, i, d)
			}
			select {
			case d := <-chans[i]:
				t.Fatalf("round %d watcher %d: a second Down %+v", round, i, d)
			default:
			}
			if d := waitDown(t, linkerDown[i]); !ok(d.Reason) {
				t.Fatalf("round %d linker %d died of %v", round, i, d.Reason)
			}
		}
	}
}

// waitDown returns the Down on ch, failing the test when none comes.
func waitDown(t *testing.T, ch <-chan gen.Down) gen.Down {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no Down")
	}
	return gen.Down{}
}
