package registry

// Conformance tests for group O (Registry, items 119–131) of
// /work/shared/CONFORMANCE.md.
//
// Adapted to Go:
//   - 127 and the duplicate-registry half of 129: Elixir raises ArgumentError
//     at run time; here a Duplicate has no RegisterName and no UpdateValue,
//     so the misuse does not compile. The tests check the method sets.
//   - 131: "raises ArgumentError (unknown registry)" is a returned
//     ErrNotRunning.
//   - 128: Dispatch calls fn once with every entry, also with several
//     partitions (Elixir's partitioned duplicate registries call it once per
//     partition, in tasks).

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

func TestConformanceUniqueRegister(t *testing.T) {
	// conformance: 119
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		regPID, _ := u.PID()
		_, a := startProbe(t, rt, false)
		_, b := startProbe(t, rt, false)

		owner, err := register(t, rt, u.Registry, a, "hello", "world")
		if err != nil || owner != regPID {
			t.Fatalf("Register = %v, %v; want the registry's PID %v, nil", owner, err, regPID)
		}
		for _, who := range []gen.PID{a, b} {
			_, err := register(t, rt, u.Registry, who, "hello", "later")
			var are *AlreadyRegisteredError
			if !errors.As(err, &are) || are.PID != a || !errors.Is(err, ErrAlreadyRegistered) {
				t.Errorf("second Register by %v: %v; want AlreadyRegisteredError{%v}", who, err, a)
			}
		}
		// One process, several keys.
		mustRegister(t, rt, u.Registry, a, "other", 2)
		if got, want := keysOf(t, u.Registry, a), []string{"hello", "other"}; !slices.Equal(got, want) {
			t.Errorf("Keys(a) = %v; want %v", got, want)
		}
		if got, want := lookup(t, u.Registry, "hello"), []Entry{{a, "world"}}; !slices.Equal(got, want) {
			t.Errorf("Lookup = %v; want %v (the failed registrations changed nothing)", got, want)
		}
		if got := keysOf(t, u.Registry, b); len(got) != 0 {
			t.Errorf("Keys(b) = %v; want none", got)
		}
		if n := count(t, u.Registry); n != 2 {
			t.Errorf("Count = %d; want 2", n)
		}
	})
}

func TestConformanceDuplicateRegister(t *testing.T) {
	// conformance: 120
	for _, parts := range []int{1, 3} {
		synctest.Test(t, func(t *testing.T) {
			rt := newRuntime(t)
			d := startDuplicate(t, rt, Options{Partitions: parts})
			_, a := startProbe(t, rt, false)
			_, b := startProbe(t, rt, false)
			mustRegister(t, rt, d.Registry, a, "hello", 1)
			mustRegister(t, rt, d.Registry, a, "hello", 2)
			mustRegister(t, rt, d.Registry, b, "hello", 3)
			mustRegister(t, rt, d.Registry, a, "hello", 1) // the same entry again
			want := []Entry{{a, 1}, {a, 2}, {b, 3}, {a, 1}}
			if got := lookup(t, d.Registry, "hello"); !slices.Equal(got, want) {
				t.Errorf("partitions=%d: Lookup = %v; want %v", parts, got, want)
			}
			if got, want := keysOf(t, d.Registry, a), []string{"hello", "hello", "hello"}; !slices.Equal(got, want) {
				t.Errorf("partitions=%d: Keys(a) = %v; want %v", parts, got, want)
			}
			if n := count(t, d.Registry); n != 4 {
				t.Errorf("partitions=%d: Count = %d; want 4", parts, n)
			}
		})
	}
}

func TestConformanceLookupFromAnywhere(t *testing.T) {
	// conformance: 121
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		_, other := startProbe(t, rt, false)

		if es, err := u.Lookup("hello"); err != nil || es != nil {
			t.Errorf("Lookup before registering = %v, %v; want none", es, err)
		}
		mustRegister(t, rt, u.Registry, a, "hello", "world")
		want := []Entry{{a, "world"}}
		// From the registrant, another process, and plain goroutines.
		if got := in(t, rt, a, func(p *gen.Process) any { return lookup(t, u.Registry, "hello") }).([]Entry); !slices.Equal(got, want) {
			t.Errorf("Lookup from the registrant = %v; want %v", got, want)
		}
		if got := in(t, rt, other, func(p *gen.Process) any { return lookup(t, u.Registry, "hello") }).([]Entry); !slices.Equal(got, want) {
			t.Errorf("Lookup from another process = %v; want %v", got, want)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if got, err := u.Lookup("hello"); err != nil || !slices.Equal(got, want) {
					t.Errorf("Lookup from a goroutine = %v, %v; want %v", got, err, want)
				}
			})
		}
		wg.Wait()
		if pid, ok := u.WhereisName("hello"); !ok || pid != a {
			t.Errorf("WhereisName = %v, %v; want %v", pid, ok, a)
		}
		// The slice is the caller's: changing it changes nothing.
		got := lookup(t, u.Registry, "hello")
		got[0].Value = "changed"
		if again := lookup(t, u.Registry, "hello"); !slices.Equal(again, want) {
			t.Errorf("Lookup after changing a returned slice = %v; want %v", again, want)
		}
	})
}

func TestConformanceRegisterCaller(t *testing.T) {
	// conformance: 122
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		d := startDuplicate(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		for _, reg := range []*Registry{u.Registry, d.Registry} {
			mustRegister(t, rt, reg, a, "k", nil)
			if got := lookup(t, reg, "k"); len(got) != 1 || got[0].PID != a {
				t.Errorf("Lookup = %v; want the calling process %v", got, a)
			}
			// Through a context derived from the calling process: the
			// same caller.
			r := in(t, rt, a, func(p *gen.Process) any {
				ctx, cancel := context.WithCancel(p)
				defer cancel()
				_, err := reg.Register(ctx, "derived", 1)
				return err
			})
			if err, _ := r.(error); err != nil {
				t.Errorf("Register through a derived ctx: %v", err)
			}
			if got := lookup(t, reg, "derived"); len(got) != 1 || got[0].PID != a {
				t.Errorf("Lookup(derived) = %v; want the calling process %v", got, a)
			}
			// Not from a process, or from another runtime's process: refused.
			if _, err := reg.Register(context.Background(), "x", nil); !errors.Is(err, gen.ErrNotProcess) {
				t.Errorf("Register from a goroutine: %v; want ErrNotProcess", err)
			}
			if err := reg.Unregister(context.Background(), "k"); !errors.Is(err, gen.ErrNotProcess) {
				t.Errorf("Unregister from a goroutine: %v; want ErrNotProcess", err)
			}
		}
		rt2 := newRuntime(t)
		_, foreign := startProbe(t, rt2, false)
		_, err := register(t, rt2, u.Registry, foreign, "y", nil)
		if !errors.Is(err, gen.ErrNotProcess) {
			t.Errorf("Register from another runtime's process: %v; want ErrNotProcess", err)
		}
		if _, _, err := u.UpdateValue(context.Background(), "k", func(v any) any { return v }); !errors.Is(err, gen.ErrNotProcess) {
			t.Errorf("UpdateValue from a goroutine: %v; want ErrNotProcess", err)
		}
	})
}

func TestConformanceCleanupOnExit(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, rt *gen.Runtime, pid gen.PID)
	}{
		{"kill", func(t *testing.T, rt *gen.Runtime, pid gen.PID) { kill(rt, pid) }},
		{"normal stop", func(t *testing.T, rt *gen.Runtime, pid gen.PID) {
			if err := gen.Stop(context.Background(), rt, pid, nil); err != nil {
				t.Fatal(err)
			}
		}},
		{"crash", func(t *testing.T, rt *gen.Runtime, pid gen.PID) {
			_, ch := rt.Watch(pid)
			gen.Call[any](context.Background(), rt, pid, do(func(p *gen.Process) any { panic("boom") }))
			<-ch
		}},
	} {
		for _, parts := range []int{1, 4} {
			t.Run(tc.name, func(t *testing.T) {
				// conformance: 123
				synctest.Test(t, func(t *testing.T) {
					rt := newRuntime(t)
					u := startUnique(t, rt, Options{Partitions: parts})
					d := startDuplicate(t, rt, Options{Partitions: parts})
					_, a := startProbe(t, rt, false)
					_, b := startProbe(t, rt, false)
					_, c := startProbe(t, rt, false)
					for _, reg := range []*Registry{u.Registry, d.Registry} {
						mustRegister(t, rt, reg, a, "k", "a")
						mustRegister(t, rt, reg, a, "k2", "a")
						mustRegister(t, rt, reg, c, "k3", "c")
					}
					mustRegister(t, rt, d.Registry, b, "k", "b")
					start := time.Now()
					tc.end(t, rt, a)

					// Gone at once for every reader, before any cleanup.
					if got := lookup(t, u.Registry, "k"); len(got) != 0 {
						t.Errorf("unique Lookup right after the exit = %v; want none", got)
					}
					if pid, ok := u.WhereisName("k"); ok {
						t.Errorf("WhereisName right after the exit = %v", pid)
					}
					if got, want := lookup(t, d.Registry, "k"), []Entry{{b, "b"}}; !slices.Equal(got, want) {
						t.Errorf("duplicate Lookup right after the exit = %v; want %v", got, want)
					}
					if ks := keysOf(t, u.Registry, a); len(ks) != 0 {
						t.Errorf("Keys of the dead process = %v", ks)
					}
					// The key is free at once.
					mustRegister(t, rt, u.Registry, b, "k", "b")

					// The partitions clean up without any time passing: no
					// polling, only the exit signals of the links.
					synctest.Wait()
					if d := time.Since(start); d != 0 {
						t.Errorf("cleanup took %v of fake time; want 0", d)
					}
					for _, tab := range []*table{u.cur.Load(), d.cur.Load()} {
						for _, pt := range tab.parts {
							pt.mu.Lock()
							_, found := pt.owners[a]
							pt.mu.Unlock()
							if found {
								t.Errorf("partition %d still indexes the dead process", pt.idx)
							}
						}
					}
					if n := count(t, u.Registry); n != 2 { // b:k, c:k3
						t.Errorf("unique Count after cleanup = %d; want 2", n)
					}
					if n := count(t, d.Registry); n != 2 { // b:k, c:k3
						t.Errorf("duplicate Count after cleanup = %d; want 2", n)
					}
					if got, want := lookup(t, u.Registry, "k"), []Entry{{b, "b"}}; !slices.Equal(got, want) {
						t.Errorf("unique Lookup after the takeover and cleanup = %v; want %v", got, want)
					}
					for _, reg := range []*Registry{u.Registry, d.Registry} {
						if got := lookup(t, reg, "k2"); len(got) != 0 {
							t.Errorf("Lookup(k2) after cleanup = %v; want none", got)
						}
						if got, want := lookup(t, reg, "k3"), []Entry{{c, "c"}}; !slices.Equal(got, want) {
							t.Errorf("Lookup(k3) after cleanup = %v; want %v", got, want)
						}
					}
				})
			})
		}
	}
}

func TestConformanceKeysCompareWithEquals(t *testing.T) {
	// conformance: 124
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		mustRegister(t, rt, u.Registry, a, 1, "int")
		mustRegister(t, rt, u.Registry, a, 1.0, "float64")
		mustRegister(t, rt, u.Registry, a, int64(1), "int64")
		type pair struct {
			A string
			B int
		}
		mustRegister(t, rt, u.Registry, a, pair{"x", 1}, "pair")
		for _, tc := range []struct {
			key  any
			want any
		}{{1, "int"}, {1.0, "float64"}, {int64(1), "int64"}, {pair{"x", 1}, "pair"}} {
			if got := lookup(t, u.Registry, tc.key); len(got) != 1 || got[0].Value != tc.want {
				t.Errorf("Lookup(%T %v) = %v; want the %v entry", tc.key, tc.key, got, tc.want)
			}
		}
		if got := lookup(t, u.Registry, uint8(1)); len(got) != 0 {
			t.Errorf("Lookup(uint8(1)) = %v; want none", got)
		}
	})
}

func TestBadKeys(t *testing.T) {
	// conformance: 124
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		d := startDuplicate(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		type holder struct{ V any }
		bad := []any{[]int{1}, map[string]int{}, func() {}, holder{[]byte("x")}, [1]any{map[int]int{}},
			math.NaN(), holder{math.NaN()}}
		for _, key := range bad {
			for _, reg := range []*Registry{u.Registry, d.Registry} {
				if _, err := register(t, rt, reg, a, key, nil); !errors.Is(err, ErrBadKey) {
					t.Errorf("Register(%T): %v; want ErrBadKey", key, err)
				}
				if err := unregister(t, rt, reg, a, key); !errors.Is(err, ErrBadKey) {
					t.Errorf("Unregister(%T): %v; want ErrBadKey", key, err)
				}
				if _, err := reg.Lookup(key); !errors.Is(err, ErrBadKey) {
					t.Errorf("Lookup(%T): %v; want ErrBadKey", key, err)
				}
				if err := reg.Dispatch(key, func([]Entry) {}); !errors.Is(err, ErrBadKey) {
					t.Errorf("Dispatch(%T): %v; want ErrBadKey", key, err)
				}
				if err := reg.PutMeta(key, 1); !errors.Is(err, ErrBadKey) {
					t.Errorf("PutMeta(%T): %v; want ErrBadKey", key, err)
				}
			}
			if u.RegisterName(key, a) {
				t.Errorf("RegisterName(%T) = true", key)
			}
			if _, ok := u.WhereisName(key); ok {
				t.Errorf("WhereisName(%T) = true", key)
			}
			u.UnregisterName(key, a) // must not panic
		}
		if n := count(t, u.Registry) + count(t, d.Registry); n != 0 {
			t.Errorf("Count = %d after refused keys; want 0", n)
		}
		if _, err := Start(t, rt, Options{Meta: map[any]any{math.NaN(): 1}}); !errors.Is(err, ErrBadKey) {
			t.Errorf("Start with a bad meta key: %v; want ErrBadKey", err)
		}
	})
}

// Start starts a unique registry with opts and returns its error.
func Start(t testing.TB, rt *gen.Runtime, opts Options) (*Unique, error) {
	u := NewUnique(rt, opts)
	_, err := u.Start(context.Background())
	return u, err
}

func TestConformanceUnregister(t *testing.T) {
	// conformance: 125
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		d := startDuplicate(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		_, b := startProbe(t, rt, false)
		for _, reg := range []*Registry{u.Registry, d.Registry} {
			// Nothing registered: still fine.
			if err := unregister(t, rt, reg, a, "hello"); err != nil {
				t.Errorf("Unregister with no entries: %v", err)
			}
		}
		mustRegister(t, rt, u.Registry, a, "hello", 1)
		mustRegister(t, rt, u.Registry, a, "world", 1)
		// b does not hold "hello": its Unregister leaves a's entry alone.
		if err := unregister(t, rt, u.Registry, b, "hello"); err != nil {
			t.Errorf("Unregister of another process's key: %v", err)
		}
		if got := lookup(t, u.Registry, "hello"); len(got) != 1 {
			t.Errorf("Lookup after another process's Unregister = %v; want a's entry", got)
		}
		if err := unregister(t, rt, u.Registry, a, "hello"); err != nil {
			t.Errorf("Unregister: %v", err)
		}
		if got := lookup(t, u.Registry, "hello"); len(got) != 0 {
			t.Errorf("unique Lookup after Unregister = %v; want none", got)
		}
		if got, want := keysOf(t, u.Registry, a), []string{"world"}; !slices.Equal(got, want) {
			t.Errorf("Keys(a) = %v; want %v", got, want)
		}

		mustRegister(t, rt, d.Registry, a, "hello", 1)
		mustRegister(t, rt, d.Registry, b, "hello", 2)
		mustRegister(t, rt, d.Registry, a, "hello", 3)
		if err := unregister(t, rt, d.Registry, a, "hello"); err != nil {
			t.Errorf("Unregister: %v", err)
		}
		if got, want := lookup(t, d.Registry, "hello"), []Entry{{b, 2}}; !slices.Equal(got, want) {
			t.Errorf("duplicate Lookup after Unregister = %v; want %v", got, want)
		}
		if ks := keysOf(t, d.Registry, a); len(ks) != 0 {
			t.Errorf("Keys(a) = %v; want none", ks)
		}
		if n := count(t, u.Registry) + count(t, d.Registry); n != 2 {
			t.Errorf("Count = %d; want 2", n)
		}
	})
}

// named answers calls with its name, and reports whether its via name was
// registered before Init ran.
type named struct {
	reg        *Unique
	key        any
	registered chan bool
}

func (s *named) Init(p *gen.Process) error {
	pid, ok := s.reg.WhereisName(s.key)
	s.registered <- ok && pid == p.Self()
	return nil
}

func (s *named) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return s.key, nil
}

func TestConformanceVia(t *testing.T) {
	// conformance: 126
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		ctx := context.Background()
		u := startUnique(t, rt, Options{})
		srv := &named{reg: u, key: "agent", registered: make(chan bool, 1)}
		pid, err := gen.Start(ctx, rt, srv, gen.WithVia(u, "agent"))
		if err != nil {
			t.Fatal(err)
		}
		if !<-srv.registered {
			t.Error("the via name was not registered before Init")
		}
		if got, err := gen.Call[string](ctx, rt, u.Via("agent"), "who"); err != nil || got != "agent" {
			t.Errorf("Call via = %q, %v", got, err)
		}
		if got, ok := rt.Whereis(u.Via("agent")); !ok || got != pid {
			t.Errorf("Whereis(via) = %v, %v; want %v", got, ok, pid)
		}
		if got, want := lookup(t, u.Registry, "agent"), []Entry{{pid, nil}}; !slices.Equal(got, want) {
			t.Errorf("Lookup = %v; want %v", got, want)
		}

		// A taken name: already started, with the holder.
		_, err = gen.Start(ctx, rt, &named{reg: u, key: "agent", registered: make(chan bool, 1)}, gen.WithVia(u, "agent"))
		var ase *gen.AlreadyStartedError
		if !errors.As(err, &ase) || ase.PID != pid {
			t.Errorf("second Start: %v; want AlreadyStartedError{%v}", err, pid)
		}

		// {:via, Registry, {reg, key, value}} stores the value.
		vsrv := &named{reg: u, key: "valued", registered: make(chan bool, 1)}
		vpid, err := gen.Start(ctx, rt, vsrv, gen.WithVia(u, KeyValue{Key: "valued", Value: 42}))
		if err != nil {
			t.Fatal(err)
		}
		if !<-vsrv.registered {
			t.Error("the valued via name was not registered before Init")
		}
		if got, want := lookup(t, u.Registry, "valued"), []Entry{{vpid, 42}}; !slices.Equal(got, want) {
			t.Errorf("Lookup(valued) = %v; want %v", got, want)
		}
		if got, want := keysOf(t, u.Registry, vpid), []string{"valued"}; !slices.Equal(got, want) {
			t.Errorf("Keys(valued process) = %v; want %v", got, want)
		}

		// The name goes with the process, at once.
		if err := gen.Stop(ctx, rt, u.Via("agent"), nil); err != nil {
			t.Fatal(err)
		}
		if got, ok := u.WhereisName("agent"); ok {
			t.Errorf("WhereisName after stop = %v", got)
		}
		if _, ok := rt.Whereis(u.Via("agent")); ok {
			t.Error("Whereis(via) after stop still finds a process")
		}
		if _, err := gen.Call[string](ctx, rt, u.Via("agent"), "who"); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("Call via after stop: %v; want noproc", err)
		}
		kill(rt, vpid)
		synctest.Wait()
		if n := count(t, u.Registry); n != 0 {
			t.Errorf("Count after both exited = %d; want 0", n)
		}
		// The names are free again.
		if _, err := gen.Start(ctx, rt, &named{reg: u, key: "agent", registered: make(chan bool, 1)}, gen.WithVia(u, "agent")); err != nil {
			t.Errorf("restart under the same via name: %v", err)
		}
	})
}

func TestViaNameLinksAndCleansUp(t *testing.T) {
	// conformance: 126
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		regPID, _ := u.PID()
		_, pid := startProbe(t, rt, false, gen.WithVia(u, "p"))
		synctest.Wait() // the partition links to the via-named process
		if !hasLink(t, rt, pid, regPID) {
			t.Error("the via-named process is not linked to the registry")
		}
		// Registering more keys from the process keeps one registration
		// record, and the exit removes all of them.
		mustRegister(t, rt, u.Registry, pid, "q", nil)
		kill(rt, pid)
		synctest.Wait()
		if n := count(t, u.Registry); n != 0 {
			t.Errorf("Count = %d after the via-named process exited; want 0", n)
		}
	})
}

func TestConformanceDuplicateRefusesVia(t *testing.T) {
	// conformance: 127
	// Elixir raises ArgumentError; in Go a Duplicate is not a gen.Registrar,
	// so gen.WithVia(dup, key) and gen.Via{Registrar: dup} do not compile.
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		var dup any = NewDuplicate(rt, Options{})
		if _, ok := dup.(gen.Registrar); ok {
			t.Error("*Duplicate implements gen.Registrar; duplicate registries must refuse via names")
		}
		var uniq any = NewUnique(rt, Options{})
		if _, ok := uniq.(gen.Registrar); !ok {
			t.Error("*Unique does not implement gen.Registrar")
		}
	})
}

func TestConformanceDispatch(t *testing.T) {
	// conformance: 128
	for _, parts := range []int{1, 3} {
		synctest.Test(t, func(t *testing.T) {
			rt := newRuntime(t)
			u := startUnique(t, rt, Options{Partitions: parts})
			d := startDuplicate(t, rt, Options{Partitions: parts})
			pa, a := startProbe(t, rt, false)
			pb, b := startProbe(t, rt, false)
			mustRegister(t, rt, u.Registry, a, "topic", "ua")
			mustRegister(t, rt, d.Registry, a, "topic", "da1")
			mustRegister(t, rt, d.Registry, b, "topic", "db")
			mustRegister(t, rt, d.Registry, a, "topic", "da2")

			// From inside a process: fn runs there, synchronously, before
			// Dispatch returns (no lock is needed to read calls afterwards,
			// and the race detector would see another goroutine).
			_, c := startProbe(t, rt, false)
			got := in(t, rt, c, func(p *gen.Process) any {
				var calls [][]Entry
				if err := d.Dispatch("topic", func(es []Entry) {
					calls = append(calls, es)
					for _, e := range es {
						gen.Send(rt, e.PID, e.Value) // pubsub: send to each subscriber
					}
				}); err != nil {
					return err
				}
				return calls
			}).([][]Entry)
			want := [][]Entry{{{a, "da1"}, {b, "db"}, {a, "da2"}}}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("partitions=%d: Dispatch called fn with %v; want %v", parts, got, want)
			}
			synctest.Wait()
			if got, want := drain(pa.msgs), []any{"da1", "da2"}; !slices.Equal(got, want) {
				t.Errorf("a got %v; want %v", got, want)
			}
			if got, want := drain(pb.msgs), []any{"db"}; !slices.Equal(got, want) {
				t.Errorf("b got %v; want %v", got, want)
			}

			var ucalls [][]Entry
			if err := u.Dispatch("topic", func(es []Entry) { ucalls = append(ucalls, es) }); err != nil {
				t.Error(err)
			}
			if want := [][]Entry{{{a, "ua"}}}; !slices.EqualFunc(ucalls, want, slices.Equal) {
				t.Errorf("unique Dispatch called fn with %v; want %v", ucalls, want)
			}

			// No entries: fn is not called, and Dispatch still succeeds.
			for _, reg := range []*Registry{u.Registry, d.Registry} {
				called := false
				if err := reg.Dispatch("nobody", func([]Entry) { called = true }); err != nil || called {
					t.Errorf("Dispatch with no entries: err %v, called %v; want nil, false", err, called)
				}
			}
			// Nor when every entry's process has exited.
			kill(rt, a)
			kill(rt, b)
			called := false
			if err := d.Dispatch("topic", func([]Entry) { called = true }); err != nil || called {
				t.Errorf("Dispatch after the subscribers exited: err %v, called %v; want nil, false", err, called)
			}
		})
	}
}

func TestConformanceUpdateValue(t *testing.T) {
	// conformance: 129
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		_, b := startProbe(t, rt, false)
		mustRegister(t, rt, u.Registry, a, "hello", 1)
		type result struct {
			nv, old any
			err     error
		}
		update := func(pid gen.PID, key any) result {
			return in(t, rt, pid, func(p *gen.Process) any {
				nv, old, err := u.UpdateValue(p, key, func(v any) any { return v.(int) + 1 })
				return result{nv, old, err}
			}).(result)
		}
		if got := update(a, "hello"); got != (result{2, 1, nil}) {
			t.Errorf("UpdateValue by the holder = %v; want {2 1 <nil>}", got)
		}
		if got, want := lookup(t, u.Registry, "hello"), []Entry{{a, 2}}; !slices.Equal(got, want) {
			t.Errorf("Lookup after UpdateValue = %v; want %v", got, want)
		}
		if got := update(b, "hello"); !errors.Is(got.err, ErrNotRegistered) {
			t.Errorf("UpdateValue by another process: %v; want ErrNotRegistered", got.err)
		}
		if got := update(a, "missing"); !errors.Is(got.err, ErrNotRegistered) {
			t.Errorf("UpdateValue of a missing key: %v; want ErrNotRegistered", got.err)
		}
		if got, want := lookup(t, u.Registry, "hello"), []Entry{{a, 2}}; !slices.Equal(got, want) {
			t.Errorf("Lookup after refused updates = %v; want %v", got, want)
		}
		// Unregistering and exiting still work on the updated entry.
		if err := unregister(t, rt, u.Registry, a, "hello"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, u.Registry); n != 0 {
			t.Errorf("Count after Unregister = %d; want 0", n)
		}

		// Duplicate registries have no UpdateValue (Elixir raises).
		var dup any = NewDuplicate(rt, Options{})
		type updater interface {
			UpdateValue(context.Context, any, func(any) any) (any, any, error)
		}
		if _, ok := dup.(updater); ok {
			t.Error("*Duplicate has UpdateValue; it must be unique-only")
		}
		if _, ok := any(u).(updater); !ok {
			t.Error("*Unique has no UpdateValue")
		}
	})
}

func TestConformanceListeners(t *testing.T) {
	// conformance: 130
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		l1, l1pid := startProbe(t, rt, false)
		l2, _ := startProbe(t, rt, false, gen.WithName("listener"))
		u := startUnique(t, rt, Options{Listeners: []gen.Dest{l1pid, gen.Name("listener")}})
		_, a := startProbe(t, rt, false)
		mustRegister(t, rt, u.Registry, a, "hello", "world")
		if _, err := register(t, rt, u.Registry, a, "hello", "again"); err == nil {
			t.Fatal("second registration succeeded")
		}
		if err := unregister(t, rt, u.Registry, a, "hello"); err != nil {
			t.Fatal(err)
		}
		if err := unregister(t, rt, u.Registry, a, "hello"); err != nil { // nothing left
			t.Fatal(err)
		}
		_, v := startProbe(t, rt, false, gen.WithVia(u, KeyValue{Key: "via", Value: 7}))
		mustRegister(t, rt, u.Registry, a, "crash", nil)
		kill(rt, a) // exits are not announced
		synctest.Wait()
		want := []any{
			Registered{Registry: u.Registry, Key: "hello", PID: a, Value: "world"},
			Unregistered{Registry: u.Registry, Key: "hello", PID: a},
			Registered{Registry: u.Registry, Key: "via", PID: v, Value: 7},
			Registered{Registry: u.Registry, Key: "crash", PID: a, Value: nil},
		}
		for i, l := range []*probe{l1, l2} {
			if got := drain(l.msgs); !slices.Equal(got, want) {
				t.Errorf("listener %d got %v; want %v", i, got, want)
			}
		}
	})
}

func TestConformanceLinks(t *testing.T) {
	// conformance: 131
	for _, parts := range []int{1, 4} {
		synctest.Test(t, func(t *testing.T) {
			rt := newRuntime(t)
			d := startDuplicate(t, rt, Options{Partitions: parts})
			pa, a := startProbe(t, rt, true)
			owner := mustRegister(t, rt, d.Registry, a, "k1", nil)
			if !hasLink(t, rt, a, owner) {
				t.Fatalf("after Register, %v is not linked to its partition %v", a, owner)
			}
			if again := mustRegister(t, rt, d.Registry, a, "k2", nil); again != owner {
				t.Errorf("second Register returned partition %v; want %v", again, owner)
			}
			mustRegister(t, rt, d.Registry, a, "k1", nil)
			if err := unregister(t, rt, d.Registry, a, "k1"); err != nil {
				t.Fatal(err)
			}
			if !hasLink(t, rt, a, owner) {
				t.Error("the link went before the last key")
			}
			if err := unregister(t, rt, d.Registry, a, "k2"); err != nil {
				t.Fatal(err)
			}
			if hasLink(t, rt, a, owner) {
				t.Error("the link is still there after the last key went")
			}

			// A link in place before the first registration stays.
			if !in(t, rt, a, func(p *gen.Process) any { p.Link(owner); return true }).(bool) {
				t.Fatal("link")
			}
			mustRegister(t, rt, d.Registry, a, "k3", nil)
			if err := unregister(t, rt, d.Registry, a, "k3"); err != nil {
				t.Fatal(err)
			}
			if !hasLink(t, rt, a, owner) {
				t.Error("Unregister removed a link that was there before Register")
			}
			in(t, rt, a, func(p *gen.Process) any { p.Unlink(owner); return nil })

			// A registered process hears of the registry's exit through the
			// link; one that unregistered does not.
			pb, b := startProbe(t, rt, true)
			bOwner := mustRegister(t, rt, d.Registry, b, "k", nil)
			regPID, _ := d.PID()
			kill(rt, regPID)
			synctest.Wait()
			if got := drain(pa.msgs); len(got) != 0 {
				t.Errorf("the unregistered process got %v", got)
			}
			want := []any{gen.ExitSignal{From: bOwner, Reason: gen.ErrKilled}}
			if got := drain(pb.msgs); !slices.Equal(got, want) {
				t.Errorf("the registered process got %v; want %v", got, want)
			}
		})
	}
}

func TestConformanceUnknownRegistry(t *testing.T) {
	// conformance: 131
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		ctx := context.Background()
		_, a := startProbe(t, rt, true)
		never := NewUnique(rt, Options{})
		stopped := startUnique(t, rt, Options{})
		mustRegister(t, rt, stopped.Registry, a, "k", nil)
		regPID, _ := stopped.PID()
		if err := gen.Stop(ctx, rt, regPID, nil); err != nil {
			t.Fatal(err)
		}
		var zero Registry
		for name, u := range map[string]*Unique{"never started": never, "stopped": stopped, "zero": {&zero}} {
			if _, err := register(t, rt, u.Registry, a, "k", nil); !errors.Is(err, ErrNotRunning) {
				t.Errorf("%s: Register: %v; want ErrNotRunning", name, err)
			}
			if err := unregister(t, rt, u.Registry, a, "k"); !errors.Is(err, ErrNotRunning) {
				t.Errorf("%s: Unregister: %v; want ErrNotRunning", name, err)
			}
			checks := map[string]error{}
			_, checks["Lookup"] = u.Lookup("k")
			_, checks["Match"] = u.Match("k", func(any) bool { return true })
			_, checks["Count"] = u.Count()
			_, checks["CountMatch"] = u.CountMatch("k", func(any) bool { return true })
			_, checks["Keys"] = u.Keys(a)
			_, checks["Values"] = u.Values("k", a)
			checks["Dispatch"] = u.Dispatch("k", func([]Entry) {})
			_, _, checks["Meta"] = u.Meta("m")
			checks["PutMeta"] = u.PutMeta("m", 1)
			checks["DeleteMeta"] = u.DeleteMeta("m")
			checks["UpdateValue"], _ = in(t, rt, a, func(p *gen.Process) any {
				_, _, err := u.UpdateValue(p, "k", func(v any) any { return v })
				return err
			}).(error)
			for op, err := range checks {
				if !errors.Is(err, ErrNotRunning) {
					t.Errorf("%s: %s: %v; want ErrNotRunning", name, op, err)
				}
			}
			if _, ok := u.WhereisName("k"); ok {
				t.Errorf("%s: WhereisName found a process", name)
			}
			if u.RegisterName("k", a) {
				t.Errorf("%s: RegisterName succeeded", name)
			}
			if _, ok := u.PID(); ok {
				t.Errorf("%s: PID reports a running registry", name)
			}
		}
		if _, err := gen.Start(ctx, rt, newProbe(false), gen.WithVia(stopped, "x")); !errors.Is(err, gen.ErrAlreadyStarted) {
			t.Errorf("Start via a stopped registry: %v; want a failed registration", err)
		}
	})
}
