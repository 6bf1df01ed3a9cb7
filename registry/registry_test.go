package registry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/gen-go/gen"
)

func TestStartOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		ctx := context.Background()
		if _, err := NewUnique(rt, Options{Partitions: -1}).Start(ctx); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Start with -1 partitions: %v; want ErrBadOptions", err)
		}
		if _, err := NewDuplicate(rt, Options{}).StartLink(ctx); !errors.Is(err, gen.ErrNotProcess) {
			t.Errorf("StartLink from a goroutine: %v; want ErrNotProcess", err)
		}
		var zero Registry
		if _, err := zero.Start(ctx); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Start of a zero Registry: %v; want ErrBadOptions", err)
		}

		u := NewUnique(rt, Options{Partitions: 3, Name: "reg"})
		pid, err := u.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := rt.Whereis(gen.Name("reg")); !ok || got != pid {
			t.Errorf("Whereis(reg) = %v, %v; want %v", got, ok, pid)
		}
		if got, ok := u.PID(); !ok || got != pid {
			t.Errorf("PID() = %v, %v; want %v", got, ok, pid)
		}
		_, err = u.Start(ctx)
		var ase *gen.AlreadyStartedError
		if !errors.As(err, &ase) || ase.PID != pid {
			t.Errorf("second Start: %v; want AlreadyStartedError{%v}", err, pid)
		}
		if n := len(rt.Processes()); n != 3 {
			t.Errorf("%d processes run; want 3 partitions", n)
		}
	})
}

func TestRegistryStopsAsOneAndRestartsEmpty(t *testing.T) {
	for _, victim := range []int{0, 2} {
		synctest.Test(t, func(t *testing.T) {
			rt := newRuntime(t)
			ctx := context.Background()
			u := NewUnique(rt, Options{Partitions: 3, Meta: map[any]any{"m": 1}})
			if _, err := u.Start(ctx); err != nil {
				t.Fatal(err)
			}
			parts := []gen.PID{}
			for _, pt := range u.cur.Load().parts {
				parts = append(parts, pt.pid)
			}
			if err := u.PutMeta("m2", 2); err != nil {
				t.Fatal(err)
			}
			var probes []*probe
			for range 6 {
				pr, pid := startProbe(t, rt, true)
				mustRegister(t, rt, u.Registry, pid, pid, nil)
				probes = append(probes, pr)
			}

			kill(rt, parts[victim])
			// Dead for every caller as soon as one partition is.
			if _, err := u.Lookup("k"); !errors.Is(err, ErrNotRunning) {
				t.Errorf("Lookup right after partition %d died: %v; want ErrNotRunning", victim, err)
			}
			synctest.Wait()
			for i, pid := range parts {
				if rt.Alive(pid) {
					t.Errorf("partition %d outlived partition %d", i, victim)
				}
			}
			// Every registrant, linked to its own partition, heard of it.
			for i, pr := range probes {
				got := drain(pr.msgs)
				if len(got) != 1 {
					t.Errorf("registrant %d got %v; want one ExitSignal", i, got)
					continue
				}
				if sig, ok := got[0].(gen.ExitSignal); !ok || !slices.Contains(parts, sig.From) {
					t.Errorf("registrant %d got %v; want an ExitSignal from a partition", i, got[0])
				}
			}

			// A new run starts empty, with the start-up metadata only.
			pid, err := u.Start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(parts, pid) {
				t.Error("the restarted registry has an old PID")
			}
			if n := count(t, u.Registry); n != 0 {
				t.Errorf("Count after restart = %d; want 0", n)
			}
			if v, ok, err := u.Meta("m"); err != nil || !ok || v != 1 {
				t.Errorf("Meta(m) after restart = %v, %v, %v; want 1", v, ok, err)
			}
			if _, ok, err := u.Meta("m2"); err != nil || ok {
				t.Errorf("Meta(m2) after restart = %v, %v; want missing", ok, err)
			}
		})
	}
}

func TestStartLinkedToCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		ctx := context.Background()
		d := NewDuplicate(rt, Options{Partitions: 2})
		parent, ppid := startProbe(t, rt, true)
		res := in(t, rt, ppid, func(p *gen.Process) any {
			pid, err := d.StartLink(p) // the shape a supervisor child spec takes
			return regResult{pid, err}
		}).(regResult)
		if res.err != nil {
			t.Fatal(res.err)
		}
		if !hasLink(t, rt, ppid, res.owner) {
			t.Error("StartLink did not link the registry to its caller")
		}
		// The parent's exit stops the registry, every partition of it.
		var parts []gen.PID
		for _, pt := range d.cur.Load().parts {
			parts = append(parts, pt.pid)
		}
		if err := gen.Stop(ctx, rt, ppid, nil); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		for _, pid := range parts {
			if rt.Alive(pid) {
				t.Errorf("partition %v outlived the parent", pid)
			}
		}
		if _, ok := d.PID(); ok {
			t.Error("the registry still reports running")
		}
		_ = parent
	})
}

func TestStopRegistry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		ctx := context.Background()
		d := startDuplicate(t, rt, Options{Partitions: 4})
		pid, _ := d.PID()
		if err := gen.Stop(ctx, rt, pid, nil); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		synctest.Wait()
		if n := len(rt.Processes()); n != 0 {
			t.Errorf("%d processes left after stopping the registry; want 0", n)
		}
		if _, err := d.Count(); !errors.Is(err, ErrNotRunning) {
			t.Errorf("Count after Stop: %v; want ErrNotRunning", err)
		}
	})
}

func TestMeta(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		type tuple struct{ A, B string }
		u := startUnique(t, rt, Options{Meta: map[any]any{"custom_key": "custom_value"}})
		if v, ok, err := u.Meta("custom_key"); err != nil || !ok || v != "custom_value" {
			t.Errorf("Meta(custom_key) = %v, %v, %v", v, ok, err)
		}
		if _, ok, err := u.Meta("unknown_key"); err != nil || ok {
			t.Errorf("Meta(unknown_key) = %v, %v; want missing", ok, err)
		}
		if err := u.PutMeta(tuple{"tuple", "key"}, "tuple_value"); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := u.Meta(tuple{"tuple", "key"}); err != nil || !ok || v != "tuple_value" {
			t.Errorf("Meta(tuple) = %v, %v, %v", v, ok, err)
		}
		if err := u.DeleteMeta("custom_key"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := u.Meta("custom_key"); ok {
			t.Error("Meta(custom_key) after DeleteMeta still found")
		}
		if _, _, err := u.Meta([]int{1}); !errors.Is(err, ErrBadKey) {
			t.Errorf("Meta(slice): %v; want ErrBadKey", err)
		}
	})
}

func TestMatchCountValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		d := startDuplicate(t, rt, Options{Partitions: 2})
		u := startUnique(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		_, b := startProbe(t, rt, false)
		type val struct {
			N    int
			Kind string
		}
		mustRegister(t, rt, d.Registry, a, "hello", val{1, "atom"})
		mustRegister(t, rt, d.Registry, a, "hello", val{2, "atom"})
		mustRegister(t, rt, d.Registry, b, "hello", val{3, "str"})
		mustRegister(t, rt, u.Registry, a, "hello", val{1, "atom"})

		isAtom := func(v any) bool { return v.(val).Kind == "atom" }
		es, err := d.Match("hello", isAtom)
		if want := []Entry{{a, val{1, "atom"}}, {a, val{2, "atom"}}}; err != nil || !slices.Equal(es, want) {
			t.Errorf("Match = %v, %v; want %v", es, err, want)
		}
		if n, err := d.CountMatch("hello", isAtom); err != nil || n != 2 {
			t.Errorf("CountMatch = %d, %v; want 2", n, err)
		}
		if n, err := d.CountMatch("other", isAtom); err != nil || n != 0 {
			t.Errorf("CountMatch(other) = %d, %v; want 0", n, err)
		}
		if es, err := u.Match("hello", func(v any) bool { return v.(val).N == 2 }); err != nil || len(es) != 0 {
			t.Errorf("unique Match with no match = %v, %v; want none", es, err)
		}
		if vs, err := d.Values("hello", a); err != nil || !slices.Equal(vs, []any{val{1, "atom"}, val{2, "atom"}}) {
			t.Errorf("Values(hello, a) = %v, %v", vs, err)
		}
		if vs, err := u.Values("hello", b); err != nil || len(vs) != 0 {
			t.Errorf("unique Values(hello, b) = %v, %v; want none", vs, err)
		}
		if n := count(t, d.Registry); n != 3 {
			t.Errorf("Count = %d; want 3", n)
		}
		kill(rt, a)
		if vs, err := d.Values("hello", a); err != nil || len(vs) != 0 {
			t.Errorf("Values of a dead process = %v, %v; want none", vs, err)
		}
		if n, err := d.CountMatch("hello", isAtom); err != nil || n != 0 {
			t.Errorf("CountMatch after the exit = %d, %v; want 0", n, err)
		}
	})
}

func TestRegisterAfterCallerDied(t *testing.T) {
	// A callback still running in a killed process must not leave an entry.
	for _, dup := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			rt := newRuntime(t)
			reg := startUnique(t, rt, Options{}).Registry
			if dup {
				reg = startDuplicate(t, rt, Options{}).Registry
			}
			_, a := startProbe(t, rt, false)
			res := make(chan error, 1)
			_, err := gen.Call[box](context.Background(), rt, a, do(func(p *gen.Process) any {
				rt.Exit(p.Self(), gen.ErrKill) // killed, but this callback goes on
				_, err := reg.Register(p, "k", nil)
				res <- err
				return nil
			}))
			if !errors.Is(err, gen.ErrKilled) {
				t.Fatalf("call: %v; want killed", err)
			}
			if err := <-res; !errors.Is(err, gen.ErrNoProc) {
				t.Errorf("Register by a dead process: %v; want ErrNoProc", err)
			}
			synctest.Wait()
			if n := count(t, reg); n != 0 {
				t.Errorf("Count = %d; want 0", n)
			}
			if _, ok := reg.cur.Load().keys.Load("k"); ok {
				t.Error("the key table holds an entry of the dead process")
			}
		})
	}
}

func TestAppendLookup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		u := startUnique(t, rt, Options{})
		d := startDuplicate(t, rt, Options{})
		_, a := startProbe(t, rt, false)
		_, b := startProbe(t, rt, false)
		mustRegister(t, rt, u.Registry, a, "k", 1)
		mustRegister(t, rt, d.Registry, a, "k", 1)
		mustRegister(t, rt, d.Registry, b, "k", 2)

		// It appends, keeping what dst holds.
		start := []Entry{{b, "first"}}
		got, err := d.AppendLookup(start, "k")
		if want := []Entry{{b, "first"}, {a, 1}, {b, 2}}; err != nil || !slices.Equal(got, want) {
			t.Errorf("AppendLookup = %v, %v; want %v", got, err, want)
		}
		got, err = u.AppendLookup(got[:0], "missing")
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("AppendLookup(buf[:0], missing) = %v (nil %v), %v; want the empty buffer", got, got == nil, err)
		}

		// With a buffer to reuse, lookups allocate nothing.
		var key any = "k"
		buf := make([]Entry, 0, 4)
		for _, reg := range []*Registry{u.Registry, d.Registry} {
			if n := testing.AllocsPerRun(100, func() { buf, _ = reg.AppendLookup(buf[:0], key) }); n != 0 {
				t.Errorf("AppendLookup allocates %v times per call; want 0", n)
			}
		}
		if n := testing.AllocsPerRun(100, func() { u.WhereisName(key) }); n != 0 {
			t.Errorf("WhereisName allocates %v times per call; want 0", n)
		}
		if n := testing.AllocsPerRun(100, func() { u.Lookup(key) }); n != 1 {
			t.Errorf("unique Lookup allocates %v times per call; want 1 (the slice)", n)
		}
	})
}
