package main

import (
	"fmt"
	"log"
	"sync"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/registry"
)

// REG: registry lookups per second, against a sync.Map holding the same
// entries under the same keys and read the same way, in the same run.
//
// A unique registry holds regKeys keys, all registered by one process (set
// up untimed). Each of the goroutines then looks up its share of the n
// lookups, walking the keys from its own offset; every lookup must find
// exactly one entry. The floor does the same walk with sync.Map.Load.
//
// Two forms of lookup are measured: AppendLookup into a reused buffer, which
// allocates nothing (the rows with a target), and Lookup, which returns a
// fresh slice per call as Elixir returns a fresh list (info rows: the
// allocation, not the table, dominates them).

const regKeys = 1000

func init() {
	moreRows = append(moreRows, func(sz sizes) []row {
		// About 0.2-0.3 s per Gen run on this machine (6M lookups without
		// allocation, 2M with; a tenth of that with -quick).
		n, nSlice := 6*sz.calls, 2*sz.calls
		var rs []row
		for _, g := range []int{1, 2} {
			rs = append(rs, row{
				group: "REG", name: fmt.Sprintf("REG lookup %s, %d goroutine%s", count(n), g, regPlural(g)),
				unit: "lookups/s", format: fmtRate, kind: ratioAtLeast, limit: 0.5, allocs: true,
				gen:   func() sample { return regGenLookups(n, g, true) },
				floor: func() sample { return regFloorLookups(n, g) },
			})
		}
		for _, g := range []int{1, 2} {
			rs = append(rs, row{
				group: "REG", name: fmt.Sprintf("REG lookup %s, %d gor., new slice", count(nSlice), g),
				unit: "lookups/s", format: fmtRate, kind: noTarget, allocs: true,
				gen:   func() sample { return regGenLookups(nSlice, g, false) },
				floor: func() sample { return regFloorLookups(nSlice, g) },
			})
		}
		return rs
	})
}

func regPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// regKeyList returns the keys, boxed once so that looking them up allocates
// nothing on the harness's side.
func regKeyList() []any {
	keys := make([]any, regKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	return keys
}

// regOwner is the process that holds the keys: its calls run a func inside
// the process, which is what Register needs.
type regOwner struct{}

type regRun func(p *gen.Process) error

func (regOwner) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	return nil, req.(regRun)(p)
}

// regSplit runs look(k, offset) on g goroutines (the caller's own when g is
// 1), k being each one's share of n, and returns the entries found.
func regSplit(n, g int, look func(k, offset int) int) int {
	if g == 1 {
		return look(n, 0)
	}
	var wg sync.WaitGroup
	found := make([]int, g)
	for i := range g {
		k := n / g
		if i < n%g {
			k++
		}
		wg.Go(func() { found[i] = look(k, i*regKeys/g) })
	}
	wg.Wait()
	total := 0
	for _, f := range found {
		total += f
	}
	return total
}

func regGenLookups(n, g int, reuse bool) sample {
	rt := newRuntime()
	defer rt.Close()
	reg := registry.NewUnique(rt, registry.Options{})
	_, err := reg.Start(ctx)
	must(err)
	keys := regKeyList()
	owner, err := gen.Start(ctx, rt, regOwner{})
	must(err)
	_, err = gen.Call[any](ctx, rt, owner, regRun(func(p *gen.Process) error {
		for i, k := range keys {
			if _, err := reg.Register(p, k, i); err != nil {
				return err
			}
		}
		return nil
	}))
	must(err)
	var found int
	d, a := timed(func() {
		found = regSplit(n, g, func(k, offset int) int {
			f := 0
			j := offset
			if reuse {
				buf := make([]registry.Entry, 0, 1)
				for range k {
					buf, _ = reg.AppendLookup(buf[:0], keys[j])
					f += len(buf)
					if j++; j == regKeys {
						j = 0
					}
				}
				return f
			}
			for range k {
				es, _ := reg.Lookup(keys[j])
				f += len(es)
				if j++; j == regKeys {
					j = 0
				}
			}
			return f
		})
	})
	if found != n {
		log.Fatalf("REG gen: %d of %d lookups found their entry", found, n)
	}
	return rate(d, a, n)
}

func regFloorLookups(n, g int) sample {
	keys := regKeyList()
	pid := gen.PID{Node: "nonode@nohost", ID: 1}
	var m sync.Map
	for i, k := range keys {
		m.Store(k, registry.Entry{PID: pid, Value: i})
	}
	var found int
	d, a := timed(func() {
		found = regSplit(n, g, func(k, offset int) int {
			f := 0
			j := offset
			for range k {
				if v, ok := m.Load(keys[j]); ok && v.(registry.Entry).PID == pid {
					f++
				}
				if j++; j == regKeys {
					j = 0
				}
			}
			return f
		})
	})
	if found != n {
		log.Fatalf("REG floor: %d of %d lookups found their entry", found, n)
	}
	return rate(d, a, n)
}
