package gen_test

// Conformance tests for group N (process names: local, global, via, items
// 113–118) of /work/shared/CONFORMANCE.md. Helpers (jn*) are in
// conformance_jk_test.go.
//
// conformance: 115 n/a: {:global, _} names do not exist until distribution (dist issue)
//
// Parts adapted or waiting:
//   - 114: Whereis returns (PID, bool), so for a RemoteName on another node
//     it cannot return "the tuple unchanged"; it reports false without a
//     lookup. The {:global, n} part waits for distribution.
//   - 116: the Go Registrar has three methods; Erlang's send/2 is done by
//     the runtime (WhereisName, then a local send). {:via, :global, n} waits
//     for distribution.
//   - 117: the :global part waits for distribution.
//   - 118: "dynamic names belong in Registry" is advice, not behaviour.

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/gen-go/gen"
)

func TestConformanceLocalNameResolvedAtSend(t *testing.T) {
	// conformance: 113
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a, b := newJnProbe(false), newJnProbe(false)
		apid := jnStart(t, rt, a)
		bpid := jnStart(t, rt, b)
		const n gen.Name = "n113"

		if pid, ok := rt.Whereis(n); ok || !pid.IsZero() {
			t.Errorf("Whereis(unregistered) = %v, %v; want zero, false", pid, ok)
		}
		if _, err := gen.Call[any](ctx, rt, n, "ping"); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("call to an unregistered name: %v, want noproc", err)
		}
		if err := gen.Send(rt, n, "dropped"); err != nil {
			t.Errorf("Send to an unregistered name: %v", err)
		}

		if err := rt.Register(n, apid); err != nil {
			t.Fatal(err)
		}
		if pid, ok := rt.Whereis(n); !ok || pid != apid {
			t.Errorf("Whereis = %v, %v; want a", pid, ok)
		}
		gen.Send(rt, n, "one")
		gen.Cast(rt, n, "two")

		// The same name, moved to b: later sends follow it.
		if err := rt.Unregister(n); err != nil {
			t.Fatal(err)
		}
		if err := rt.Register(n, bpid); err != nil {
			t.Fatal(err)
		}
		if pid, ok := rt.Whereis(n); !ok || pid != bpid {
			t.Errorf("Whereis = %v, %v; want b", pid, ok)
		}
		gen.Send(rt, n, "three")
		if v, err := gen.Call[string](ctx, rt, n, "four"); err != nil || v != "four" {
			t.Errorf("call by name = %q, %v", v, err)
		}
		synctest.Wait()
		if got, want := jnDrain(a.msgs), []any{"one", jnCast{"two"}}; !slices.Equal(got, want) {
			t.Errorf("a got %v, want %v", got, want)
		}
		if got, want := jnDrain(b.msgs), []any{"three"}; !slices.Equal(got, want) {
			t.Errorf("b got %v, want %v", got, want)
		}
	})
}

func TestConformanceWhereis(t *testing.T) {
	// conformance: 114
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		reg := newJnViaReg()
		pid := jnStart(t, rt, newJnProbe(false), gen.WithName("n114"), gen.WithVia(reg, "v114"))
		tests := []struct {
			name   string
			dest   gen.Dest
			want   gen.PID
			wantOK bool
		}{
			{"name on this node", gen.RemoteName{Name: "n114", Node: rt.Node()}, pid, true},
			{"name on another node", gen.RemoteName{Name: "n114", Node: "other@host"}, gen.PID{}, false},
			{"unregistered name on this node", gen.RemoteName{Name: "nobody114", Node: rt.Node()}, gen.PID{}, false},
			{"via", gen.Via{Registrar: reg, Key: "v114"}, pid, true},
			{"via, unknown key", gen.Via{Registrar: reg, Key: "nobody114"}, gen.PID{}, false},
			{"live pid", pid, pid, true},
		}
		for _, tc := range tests {
			if got, ok := rt.Whereis(tc.dest); got != tc.want || ok != tc.wantOK {
				t.Errorf("%s: Whereis = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.wantOK)
			}
		}
		if err := gen.Stop(context.Background(), rt, pid, nil); err != nil {
			t.Fatal(err)
		}
		for _, d := range []gen.Dest{pid, gen.Name("n114"), gen.Via{Registrar: reg, Key: "v114"}} {
			if got, ok := rt.Whereis(d); ok {
				t.Errorf("Whereis(%v) after exit = %v, true", d, got)
			}
		}
	})
}

// jnViaSrv checks in Init that its via name is already registered.
type jnViaSrv struct {
	jnProbe
	reg        *jnViaReg
	key        string
	registered chan bool
}

func (s *jnViaSrv) Init(p *gen.Process) error {
	pid, ok := s.reg.WhereisName(s.key)
	s.registered <- ok && pid == p.Self()
	return nil
}

func TestConformanceVia(t *testing.T) {
	// conformance: 116
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		reg := newJnViaReg()
		via := gen.Via{Registrar: reg, Key: "v116"}
		srv := &jnViaSrv{jnProbe: *newJnProbe(false), reg: reg, key: "v116", registered: make(chan bool, 1)}
		pid := jnStart(t, rt, srv, gen.WithVia(reg, "v116"))
		if !<-srv.registered {
			t.Error("the via name was not registered before Init")
		}

		// register_name said no: Start fails with already_started.
		_, err := gen.Start(ctx, rt, newJnProbe(false), gen.WithVia(reg, "v116"))
		var ase *gen.AlreadyStartedError
		if !errors.As(err, &ase) || ase.PID != pid || !errors.Is(err, gen.ErrAlreadyStarted) {
			t.Errorf("second start: %v, want AlreadyStartedError{%v}", err, pid)
		}

		// Call, cast and send reach the process through whereis_name.
		if v, err := gen.Call[string](ctx, rt, via, "ping"); err != nil || v != "ping" {
			t.Errorf("call via = %q, %v", v, err)
		}
		gen.Cast(rt, via, "cast")
		gen.Send(rt, via, "info")
		synctest.Wait()
		if got, want := jnDrain(srv.msgs), []any{jnCast{"cast"}, "info"}; !slices.Equal(got, want) {
			t.Errorf("server got %v, want %v", got, want)
		}

		// An unknown key is noproc.
		if _, err := gen.Call[any](ctx, rt, gen.Via{Registrar: reg, Key: "nobody116"}, "ping"); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("call via an unknown key: %v, want noproc", err)
		}

		// Exit calls unregister_name.
		if err := gen.Stop(ctx, rt, via, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{"register v116", "register v116", "unregister v116"}
		if got := reg.events(); !slices.Equal(got, want) {
			t.Errorf("registrar calls = %v, want %v", got, want)
		}
		if _, err := gen.Call[any](ctx, rt, via, "ping"); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("call via after exit: %v, want noproc", err)
		}
	})
}

func TestConformanceNamesReleasedOnExit(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, rt *gen.Runtime, pid gen.PID)
	}{
		{"stop", func(t *testing.T, rt *gen.Runtime, pid gen.PID) {
			if err := gen.Stop(context.Background(), rt, pid, nil); err != nil {
				t.Fatal(err)
			}
		}},
		{"crash", func(t *testing.T, rt *gen.Runtime, pid gen.PID) {
			_, ch := rt.Watch(pid)
			gen.Cast(rt, pid, jnCrash{jnBoom})
			<-ch
		}},
		{"kill", func(t *testing.T, rt *gen.Runtime, pid gen.PID) {
			_, ch := rt.Watch(pid)
			rt.Exit(pid, gen.ErrKill)
			<-ch
		}},
	}
	for _, tc := range tests {
		for _, how := range []string{"WithName", "Register"} {
			t.Run(tc.name+", "+how, func(t *testing.T) {
				// conformance: 117
				synctest.Test(t, func(t *testing.T) {
					rt, _ := newRuntime(t)
					reg := newJnViaReg()
					const n gen.Name = "n117"
					var pid gen.PID
					if how == "WithName" {
						pid = jnStart(t, rt, newJnProbe(false), gen.WithName(n), gen.WithVia(reg, "v117"))
					} else {
						pid = jnStart(t, rt, newJnProbe(false), gen.WithVia(reg, "v117"))
						if err := rt.Register(n, pid); err != nil {
							t.Fatal(err)
						}
					}
					tc.end(t, rt, pid)
					// Gone already: no Wait.
					if got, ok := rt.Whereis(n); ok {
						t.Errorf("local name still bound to %v", got)
					}
					if slices.Contains(rt.Registered(), n) {
						t.Errorf("Registered() = %v still has %q", rt.Registered(), n)
					}
					if got, ok := reg.WhereisName("v117"); ok {
						t.Errorf("via name still bound to %v", got)
					}
					// The names can be taken again at once.
					if _, err := gen.Start(context.Background(), rt, newJnProbe(false), gen.WithName(n), gen.WithVia(reg, "v117")); err != nil {
						t.Errorf("restart under the same names: %v", err)
					}
				})
			})
		}
	}
}

func TestConformanceLocalNameRules(t *testing.T) {
	// conformance: 118
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a := jnStart(t, rt, newJnProbe(false))
		b := jnStart(t, rt, newJnProbe(false))
		dead := jnDeadPID(t, rt)

		if err := rt.Register("a118", a); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			err  error
			want error
		}{
			{"a taken name", rt.Register("a118", b), gen.ErrNameTaken},
			{"a second name for a pid", rt.Register("other118", a), gen.ErrNameTaken},
			{"the same name again", rt.Register("a118", a), gen.ErrNameTaken},
			{"the empty name", rt.Register("", b), gen.ErrBadName},
			{"a dead pid", rt.Register("dead118", dead), gen.ErrNoProc},
			{"unregister an unknown name", rt.Unregister("nobody118"), gen.ErrNoProc},
		}
		for _, tc := range tests {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
			}
		}
		if got := rt.Registered(); !slices.Equal(got, []gen.Name{"a118"}) {
			t.Errorf("Registered() = %v, want [a118]", got)
		}

		// Start with a taken name: already started with the owner, and no
		// process runs.
		before := len(rt.Processes())
		_, err := gen.Start(ctx, rt, newJnProbe(false), gen.WithName("a118"))
		var ase *gen.AlreadyStartedError
		if !errors.As(err, &ase) || ase.PID != a {
			t.Errorf("Start with a taken name: %v, want AlreadyStartedError{a}", err)
		}
		if _, err := gen.Start(ctx, rt, newJnProbe(false), gen.WithName("")); !errors.Is(err, gen.ErrBadName) {
			t.Errorf("Start with the empty name: %v, want ErrBadName", err)
		}
		if after := len(rt.Processes()); after != before {
			t.Errorf("failed starts left %d processes behind", after-before)
		}

		// After Unregister the pid may take another name.
		if err := rt.Unregister("a118"); err != nil {
			t.Fatal(err)
		}
		if err := rt.Register("other118", a); err != nil {
			t.Errorf("Register after Unregister: %v", err)
		}

		// Names belong to one node: another runtime does not see them.
		rt2, _ := newRuntime(t)
		if pid, ok := rt2.Whereis(gen.Name("other118")); ok {
			t.Errorf("another node resolves other118 to %v", pid)
		}
		if _, err := gen.Call[any](ctx, rt2, gen.Name("other118"), "ping"); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("call by name on another node: %v, want noproc", err)
		}
	})
}
