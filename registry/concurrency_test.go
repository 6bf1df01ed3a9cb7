package registry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/gen-go/gen"
)

// TestConcurrentUse has many processes register and unregister while others
// look up, dispatch and list keys from plain goroutines, and while
// registrants are killed, stopped, and started under via names that die at
// once. In the end no entry, index record or count may be left over. Run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dup   bool
		parts int
	}{{"unique", false, 1}, {"unique partitioned", false, 4}, {"duplicate", true, 1}, {"duplicate partitioned", true, 4}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { concurrentUse(t, tc.dup, tc.parts) })
		})
	}
}

func concurrentUse(t *testing.T, dup bool, parts int) {
	const (
		workers = 32
		rounds  = 150
		nkeys   = 12
	)
	rt := newRuntime(t)
	ctx := context.Background()
	var reg *Registry
	var uniq *Unique
	if dup {
		reg = startDuplicate(t, rt, Options{Partitions: parts}).Registry
	} else {
		uniq = startUnique(t, rt, Options{Partitions: parts})
		reg = uniq.Registry
	}
	keys := make([]any, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	pids := make([]gen.PID, workers)
	for i := range pids {
		_, pids[i] = startProbe(t, rt, i%2 == 0) // half trap exits
	}

	var failures atomic.Int64
	fail := func(format string, a ...any) {
		if failures.Add(1) <= 10 {
			t.Errorf(format, a...)
		}
	}

	var writers sync.WaitGroup
	for i, pid := range pids {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for range rounds {
				_, err := gen.Call[box](ctx, rt, pid, do(func(p *gen.Process) any {
					for range 4 {
						k := keys[r.IntN(nkeys)]
						switch r.IntN(4) {
						case 0, 1:
							_, err := reg.Register(p, k, i)
							if err != nil && !errors.Is(err, ErrAlreadyRegistered) && !errors.Is(err, gen.ErrNoProc) {
								fail("Register: %v", err)
							}
						case 2:
							if err := reg.Unregister(p, k); err != nil {
								fail("Unregister: %v", err)
							}
						case 3:
							if uniq != nil {
								_, _, err := uniq.UpdateValue(p, k, func(v any) any { return v })
								if err != nil && !errors.Is(err, ErrNotRegistered) {
									fail("UpdateValue: %v", err)
								}
							}
						}
					}
					return nil
				}))
				if err != nil {
					return // killed or stopped
				}
			}
		})
	}

	// The killer: kills or stops a third of the workers while they work.
	writers.Go(func() {
		r := rand.New(rand.NewPCG(99, 2))
		for _, i := range r.Perm(workers)[:workers/3] {
			runtime.Gosched()
			if r.IntN(2) == 0 {
				rt.Exit(pids[i], gen.ErrKill)
			} else {
				gen.Stop(ctx, rt, pids[i], nil)
			}
		}
	})

	// Via names of short-lived processes (unique registries only).
	if uniq != nil {
		writers.Go(func() {
			for i := range rounds {
				pid, err := gen.Start(ctx, rt, newProbe(false), gen.WithVia(uniq, KeyValue{Key: keys[i%nkeys], Value: -1}))
				if err == nil {
					rt.Exit(pid, gen.ErrKill)
				} else if !errors.Is(err, gen.ErrAlreadyStarted) {
					fail("Start via: %v", err)
				}
			}
		})
	}

	// Readers, until the writers are done.
	done := make(chan struct{})
	var readers sync.WaitGroup
	for i := range 4 {
		readers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 3))
			for {
				select {
				case <-done:
					return
				default:
				}
				k := keys[r.IntN(nkeys)]
				es, err := reg.Lookup(k)
				if err != nil {
					fail("Lookup: %v", err)
				}
				if !dup && len(es) > 1 {
					fail("unique Lookup(%v) returned %d entries", k, len(es))
				}
				if err := reg.Dispatch(k, func(es []Entry) {
					if len(es) == 0 {
						fail("Dispatch called fn with no entries")
					}
				}); err != nil {
					fail("Dispatch: %v", err)
				}
				if _, err := reg.Keys(pids[r.IntN(workers)]); err != nil {
					fail("Keys: %v", err)
				}
				if n, err := reg.Count(); err != nil || n < 0 {
					fail("Count = %d, %v", n, err)
				}
				if uniq != nil {
					uniq.WhereisName(k)
				}
				runtime.Gosched()
			}
		})
	}

	writers.Wait()
	close(done)
	readers.Wait()

	// Entries of the survivors are consistent with their index.
	synctest.Wait()
	tab := reg.cur.Load()
	total := 0
	for _, pid := range pids {
		ks, err := reg.Keys(pid)
		if err != nil {
			t.Fatal(err)
		}
		total += len(ks)
		for _, k := range ks {
			vs, _ := reg.Values(k, pid)
			if len(vs) == 0 {
				t.Errorf("Keys(%v) lists %v but Values has nothing", pid, k)
			}
		}
	}
	if n := count(t, reg); n != total {
		t.Errorf("Count = %d; the survivors' keys add up to %d", n, total)
	}

	// Then everyone exits, and nothing may be left behind.
	for _, pid := range pids {
		rt.Exit(pid, gen.ErrKill)
	}
	synctest.Wait()
	if n := count(t, reg); n != 0 {
		t.Errorf("Count = %d after every registrant exited; want 0", n)
	}
	tab.keys.Range(func(k, v any) bool {
		t.Errorf("key %v left in the table: %v", k, v)
		return true
	})
	for _, pt := range tab.parts {
		pt.mu.Lock()
		if len(pt.owners) != 0 {
			t.Errorf("partition %d still indexes %d processes", pt.idx, len(pt.owners))
		}
		pt.mu.Unlock()
	}
	if n := len(rt.Processes()); n != parts {
		t.Errorf("%d processes alive; want only the %d partitions", n, parts)
	}
}
