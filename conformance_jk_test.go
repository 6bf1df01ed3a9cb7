package gen_test

// Conformance tests for groups J (multi_call and abcast, items 91–94) and K
// (message ordering, items 95–98) of /work/shared/CONFORMANCE.md.
//
// This file also holds the jn* helpers shared by conformance_lm_test.go and
// conformance_n_test.go.
//
// The runtime is not distributed: rt.Node() is the only node, and every other
// node name is unreachable. The two-node parts of items 91 and 92 (a second
// live node that answers) wait for distribution (dist issue); what is tested
// here is the local node plus an unreachable one.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// ---------------------------------------------------------------------------
// Shared helpers (jn prefix: other test files share the package).

// jnProbe is a server that runs functions sent to it by call or cast inside
// its own process, and forwards every other message it gets, info and casts,
// to msgs. Casts arrive in msgs wrapped in jnCast.
type jnProbe struct {
	msgs        chan any
	trap        bool
	onTerminate func(p *gen.Process, reason error)
}

// jnDo, sent by call or cast, runs inside the probe's process. By call its
// result is the reply (boxed, so that an error result is not taken for a
// failed call).
type jnDo func(p *gen.Process) any

// jnCrash, sent by cast, stops the probe with reason.
type jnCrash struct{ reason error }

// jnCast is how a cast shows up in a probe's msgs.
type jnCast struct{ msg any }

type jnBox struct{ v any }

func newJnProbe(trap bool) *jnProbe {
	return &jnProbe{msgs: make(chan any, 4096), trap: trap}
}

func (s *jnProbe) Init(p *gen.Process) error {
	if s.trap {
		p.TrapExit(true)
	}
	return nil
}

func (s *jnProbe) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if f, ok := req.(jnDo); ok {
		return jnBox{f(p)}, nil
	}
	return req, nil
}

func (s *jnProbe) HandleCast(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case jnCrash:
		return m.reason
	case jnDo:
		m(p)
		return nil
	}
	s.msgs <- jnCast{msg}
	return nil
}

func (s *jnProbe) HandleInfo(p *gen.Process, msg any) error {
	s.msgs <- msg
	return nil
}

func (s *jnProbe) Terminate(p *gen.Process, reason error) {
	if s.onTerminate != nil {
		s.onTerminate(p, reason)
	}
}

// jnStart starts srv without a link and fails the test if it cannot.
func jnStart(t testing.TB, rt *gen.Runtime, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	pid, err := gen.Start(context.Background(), rt, srv, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return pid
}

// jnRun runs f inside the probe at to and returns its result.
func jnRun(t testing.TB, rt *gen.Runtime, to gen.Dest, f func(p *gen.Process) any) any {
	t.Helper()
	b, err := gen.Call[jnBox](context.Background(), rt, to, jnDo(f))
	if err != nil {
		t.Fatalf("call into probe %v: %v", to, err)
	}
	return b.v
}

// jnStartLinked starts srv linked to the probe parent, from inside parent.
func jnStartLinked(t testing.TB, rt *gen.Runtime, parent gen.PID, srv gen.Server) gen.PID {
	t.Helper()
	type res struct {
		pid gen.PID
		err error
	}
	r := jnRun(t, rt, parent, func(p *gen.Process) any {
		pid, err := gen.StartLink(p, rt, srv)
		return res{pid, err}
	}).(res)
	if r.err != nil {
		t.Fatalf("StartLink: %v", r.err)
	}
	return r.pid
}

// jnDrain returns what is in ch now, without waiting.
func jnDrain[T any](ch <-chan T) []T {
	var out []T
	for {
		select {
		case v := <-ch:
			out = append(out, v)
		default:
			return out
		}
	}
}

// jnDown returns the Down waiting on ch, failing the test when there is none.
// Call it after synctest.Wait.
func jnDown(t testing.TB, ch <-chan gen.Down, what string) gen.Down {
	t.Helper()
	select {
	case d := <-ch:
		return d
	default:
		t.Fatalf("%s: no Down", what)
		return gen.Down{}
	}
}

// jnNoDown reports an error when a Down is waiting on ch.
func jnNoDown(t testing.TB, ch <-chan gen.Down, what string) {
	t.Helper()
	select {
	case d := <-ch:
		t.Errorf("%s: unexpected Down %+v", what, d)
	default:
	}
}

// jnUntouched checks that the process behind w and probe had neither a
// Down nor any message: who names it in the failure, and when says when.
func jnUntouched(t testing.TB, w <-chan gen.Down, probe *jnProbe, what, who, when string) {
	t.Helper()
	jnNoDown(t, w, what)
	if got := jnDrain(probe.msgs); len(got) != 0 {
		t.Errorf("%s got %v %s", who, got, when)
	}
}

var jnBoom = errors.New("boom")

// jnSlow answers each call after delay, through NoReply and a callback
// timeout, and reports on replied each time it has answered.
type jnSlow struct {
	delay   time.Duration
	reply   any
	replied chan struct{}
	from    gen.From
}

func (s *jnSlow) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	s.from = from
	p.SetTimeout(s.delay)
	return nil, gen.NoReply
}

func (s *jnSlow) HandleInfo(p *gen.Process, msg any) error {
	if _, ok := msg.(gen.Timeout); ok {
		gen.Reply(s.from, s.reply)
		s.replied <- struct{}{}
	}
	return nil
}

// jnEcho answers every call with {name, req}.
type jnEcho struct{ name string }

type jnEchoReply struct {
	Name string
	Req  any
}

func (s *jnEcho) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if err, ok := req.(error); ok {
		return nil, err // stop without replying
	}
	return jnEchoReply{s.name, req}, nil
}

// ---------------------------------------------------------------------------
// J. multi_call and abcast

func TestConformanceAbcast(t *testing.T) {
	// conformance: 91
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		srv := newJnProbe(false)
		jnStart(t, rt, srv, gen.WithName("abcast91"))

		// Local node and an unreachable one: Abcast returns, the local
		// server gets the message once, as a cast.
		gen.Abcast(rt, []string{rt.Node(), "ghost@nohost"}, "abcast91", "hello")
		// No nodes means this node.
		gen.Abcast(rt, nil, "abcast91", "again")
		// A missing name, on every kind of node, is ignored.
		gen.Abcast(rt, []string{rt.Node(), "ghost@nohost"}, "nobody91", "lost")
		gen.Abcast(rt, nil, "nobody91", "lost")
		synctest.Wait()

		got := jnDrain(srv.msgs)
		want := []any{jnCast{"hello"}, jnCast{"again"}}
		if !slices.Equal(got, want) {
			t.Errorf("server got %v, want %v", got, want)
		}
	})
}

func TestConformanceMultiCall(t *testing.T) {
	ghost := "ghost@nohost"
	tests := []struct {
		name      string
		nodes     func(rt *gen.Runtime) []string
		target    gen.Name
		req       any
		timeout   time.Duration // 0: no deadline
		wantReply bool          // the local node answers
		wantBad   func(rt *gen.Runtime) []string
		wantTook  time.Duration
	}{
		{
			name:      "local node answers",
			nodes:     func(rt *gen.Runtime) []string { return []string{rt.Node()} },
			target:    "echo92",
			req:       "ping",
			wantReply: true,
			wantBad:   func(*gen.Runtime) []string { return nil },
		},
		{
			name:      "no nodes means this node",
			nodes:     func(*gen.Runtime) []string { return nil },
			target:    "echo92",
			req:       "ping",
			wantReply: true,
			wantBad:   func(*gen.Runtime) []string { return nil },
		},
		{
			name:      "unknown node is bad",
			nodes:     func(rt *gen.Runtime) []string { return []string{rt.Node(), ghost} },
			target:    "echo92",
			req:       "ping",
			wantReply: true,
			wantBad:   func(*gen.Runtime) []string { return []string{ghost} },
		},
		{
			name:    "name not registered is bad",
			nodes:   func(rt *gen.Runtime) []string { return []string{rt.Node()} },
			target:  "nobody92",
			req:     "ping",
			wantBad: func(rt *gen.Runtime) []string { return []string{rt.Node()} },
		},
		{
			name:    "server that exits without answering is bad",
			nodes:   func(rt *gen.Runtime) []string { return []string{rt.Node()} },
			target:  "echo92",
			req:     jnBoom,
			wantBad: func(rt *gen.Runtime) []string { return []string{rt.Node()} },
		},
		{
			name:     "no answer in time is bad",
			nodes:    func(rt *gen.Runtime) []string { return []string{rt.Node()} },
			target:   "slow92",
			req:      "ping",
			timeout:  time.Second,
			wantBad:  func(rt *gen.Runtime) []string { return []string{rt.Node()} },
			wantTook: time.Second,
		},
		{
			name:      "default timeout is infinity",
			nodes:     func(rt *gen.Runtime) []string { return []string{rt.Node()} },
			target:    "slow92",
			req:       "ping",
			wantReply: true,
			wantBad:   func(*gen.Runtime) []string { return nil },
			wantTook:  10 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 92
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				jnStart(t, rt, &jnEcho{name: "echo"}, gen.WithName("echo92"))
				slow := &jnSlow{delay: 10 * time.Second, reply: jnEchoReply{"slow", "ping"}, replied: make(chan struct{}, 1)}
				jnStart(t, rt, slow, gen.WithName("slow92"))

				ctx := context.Background()
				if tc.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.timeout)
					defer cancel()
				}
				start := time.Now()
				replies, bad := gen.MultiCall(ctx, rt, tc.nodes(rt), tc.target, tc.req)
				if took := time.Since(start); took != tc.wantTook {
					t.Errorf("MultiCall took %v, want %v", took, tc.wantTook)
				}
				want := map[string]any{}
				if tc.wantReply {
					who := "echo"
					if tc.target == "slow92" {
						who = "slow"
					}
					want[rt.Node()] = jnEchoReply{who, tc.req}
				}
				if len(replies) != len(want) || (tc.wantReply && replies[rt.Node()] != want[rt.Node()]) {
					t.Errorf("replies = %v, want %v", replies, want)
				}
				if wb := tc.wantBad(rt); !slices.Equal(bad, wb) {
					t.Errorf("bad = %v, want %v", bad, wb)
				}
				synctest.Wait()
			})
		})
	}
}

func TestConformanceMultiCallLateAnswer(t *testing.T) {
	// conformance: 93
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		slow := &jnSlow{delay: 2 * time.Second, reply: "late", replied: make(chan struct{}, 1)}
		jnStart(t, rt, slow, gen.WithName("slow93"))
		caller := newJnProbe(false)
		cpid := jnStart(t, rt, caller)

		type res struct {
			replies map[string]any
			bad     []string
		}
		r := jnRun(t, rt, cpid, func(p *gen.Process) any {
			ctx, cancel := context.WithTimeout(p, time.Second)
			defer cancel()
			replies, bad := gen.MultiCall(ctx, rt, []string{rt.Node()}, "slow93", "ping")
			return res{replies, bad}
		}).(res)
		if len(r.replies) != 0 || !slices.Equal(r.bad, []string{rt.Node()}) {
			t.Fatalf("MultiCall = %v, %v; want no replies and bad [%s]", r.replies, r.bad, rt.Node())
		}

		// The server answers after the caller gave up.
		<-slow.replied
		synctest.Wait()
		if got := jnDrain(caller.msgs); len(got) != 0 {
			t.Errorf("late answer reached the caller's mailbox: %v", got)
		}
		// The caller is still fine and its mailbox is in order.
		if v := jnRun(t, rt, cpid, func(*gen.Process) any { return "ok" }); v != "ok" {
			t.Errorf("caller answered %v", v)
		}
	})
}

// The signatures take a gen.Name: a PID, a global or a via name cannot be
// passed at all.
var (
	_ func(*gen.Runtime, []string, gen.Name, any)                                             = gen.Abcast
	_ func(context.Context, *gen.Runtime, []string, gen.Name, any) (map[string]any, []string) = gen.MultiCall
)

// jnViaReg is a tiny map-based gen.Registrar.
type jnViaReg struct {
	mu    sync.Mutex
	names map[any]gen.PID
	log   []string // "register k", "unregister k" in order
}

func newJnViaReg() *jnViaReg { return &jnViaReg{names: map[any]gen.PID{}} }

func (r *jnViaReg) RegisterName(key any, pid gen.PID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, "register "+key.(string))
	if _, ok := r.names[key]; ok {
		return false
	}
	r.names[key] = pid
	return true
}

func (r *jnViaReg) UnregisterName(key any, pid gen.PID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, "unregister "+key.(string))
	if r.names[key] == pid {
		delete(r.names, key)
	}
}

func (r *jnViaReg) WhereisName(key any) (gen.PID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, ok := r.names[key]
	return pid, ok
}

func (r *jnViaReg) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

func TestConformanceMultiCallLocalNamesOnly(t *testing.T) {
	// conformance: 94
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		reg := newJnViaReg()
		srv := newJnProbe(false)
		jnStart(t, rt, srv, gen.WithVia(reg, "via94"))
		if _, ok := rt.Whereis(gen.Via{Registrar: reg, Key: "via94"}); !ok {
			t.Fatal("via name not registered")
		}
		// The same key as a local name reaches nothing: via names are not
		// looked up by MultiCall or Abcast.
		replies, bad := gen.MultiCall(context.Background(), rt, nil, "via94", "ping")
		if len(replies) != 0 || !slices.Equal(bad, []string{rt.Node()}) {
			t.Errorf("MultiCall to a via-only name = %v, %v; want none and bad [%s]", replies, bad, rt.Node())
		}
		gen.Abcast(rt, nil, "via94", "hello")
		synctest.Wait()
		if got := jnDrain(srv.msgs); len(got) != 0 {
			t.Errorf("Abcast reached a via-only server: %v", got)
		}
	})
}

// ---------------------------------------------------------------------------
// K. Message ordering

func TestConformanceSignalOrder(t *testing.T) {
	// conformance: 95
	// Only one sender's order is guaranteed; nothing is checked across
	// senders, since there is no ordering to check.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		recv := newJnProbe(true)
		rpid := jnStart(t, rt, recv)
		sender := newJnProbe(false)
		spid := jnStart(t, rt, sender)

		var want []any
		jnRun(t, rt, spid, func(p *gen.Process) any {
			for i := range 300 {
				switch i % 3 {
				case 0:
					gen.Send(rt, rpid, i)
					want = append(want, i)
				case 1:
					gen.Cast(rt, rpid, i)
					want = append(want, jnCast{i})
				case 2:
					// An exit signal, trapped: a signal in line with
					// the messages.
					r := &gen.ShutdownError{Detail: i}
					p.Exit(rpid, r)
					want = append(want, gen.ExitSignal{From: p.Self(), Reason: r})
				}
			}
			return nil
		})
		synctest.Wait()
		got := jnDrain(recv.msgs)
		if len(got) != len(want) {
			t.Fatalf("receiver got %d messages, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("message %d: got %v, want %v", i, got[i], want[i])
			}
		}
	})
}

// jnList records casts and returns them on call.
type jnList struct{ got []int }

func (s *jnList) HandleCast(p *gen.Process, msg any) error {
	s.got = append(s.got, msg.(int))
	return nil
}

func (s *jnList) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return slices.Clone(s.got), nil
}

func TestConformanceCastsThenCall(t *testing.T) {
	const n = 1000
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	tests := []struct {
		name string
		run  func(t *testing.T, rt *gen.Runtime, srv gen.PID) []int
	}{
		{"from a goroutine", func(t *testing.T, rt *gen.Runtime, srv gen.PID) []int {
			for i := 1; i <= n; i++ {
				gen.Cast(rt, srv, i)
			}
			got, err := gen.Call[[]int](context.Background(), rt, srv, "get")
			if err != nil {
				t.Fatal(err)
			}
			return got
		}},
		{"from a process", func(t *testing.T, rt *gen.Runtime, srv gen.PID) []int {
			client := jnStart(t, rt, newJnProbe(false))
			v := jnRun(t, rt, client, func(p *gen.Process) any {
				for i := 1; i <= n; i++ {
					gen.Cast(rt, srv, i)
				}
				got, err := gen.Call[[]int](p, rt, srv, "get")
				if err != nil {
					return err
				}
				return got
			})
			if err, ok := v.(error); ok {
				t.Fatal(err)
			}
			return v.([]int)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 96
			rt, _ := newRuntime(t)
			srv := jnStart(t, rt, &jnList{})
			if got := tc.run(t, rt, srv); !slices.Equal(got, want) {
				t.Errorf("the call's reply saw %d casts (first %v), want [1..%d] in order", len(got), got[:min(len(got), 5)], n)
			}
		})
	}
}

func TestConformanceLastWordsBeforeExit(t *testing.T) {
	tests := []struct {
		name    string
		monitor bool // the receiver monitors; else it links and traps
		stop    func(rt *gen.Runtime, srv gen.PID)
		reason  error
	}{
		{"link, crash", false, func(rt *gen.Runtime, srv gen.PID) { gen.Cast(rt, srv, jnCrash{jnBoom}) }, jnBoom},
		{"link, stop", false, func(rt *gen.Runtime, srv gen.PID) { gen.Stop(context.Background(), rt, srv, nil) }, gen.ErrNormal},
		{"monitor, crash", true, func(rt *gen.Runtime, srv gen.PID) { gen.Cast(rt, srv, jnCrash{jnBoom}) }, jnBoom},
		{"monitor, stop", true, func(rt *gen.Runtime, srv gen.PID) { gen.Stop(context.Background(), rt, srv, nil) }, gen.ErrNormal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 97
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				recv := newJnProbe(true)
				rpid := jnStart(t, rt, recv)
				srv := newJnProbe(false)
				srv.onTerminate = func(p *gen.Process, reason error) {
					gen.Send(rt, rpid, "last words")
				}
				var spid gen.PID
				var ref gen.Ref
				if tc.monitor {
					spid = jnStart(t, rt, srv)
					ref = jnRun(t, rt, rpid, func(p *gen.Process) any { return p.Monitor(spid) }).(gen.Ref)
				} else {
					spid = jnStartLinked(t, rt, rpid, srv)
				}
				tc.stop(rt, spid)
				synctest.Wait()
				got := jnDrain(recv.msgs)
				var last any = gen.ExitSignal{From: spid, Reason: tc.reason}
				if tc.monitor {
					last = gen.Down{Ref: ref, PID: spid, Reason: tc.reason}
				}
				want := []any{"last words", last}
				if !slices.Equal(got, want) {
					t.Errorf("receiver got %v, want %v", got, want)
				}
			})
		})
	}
}

// jnBucketRegistry is the guide's KV.Registry: it starts buckets, monitors
// them, and forgets a bucket when its Down arrives.
type jnBucketRegistry struct {
	names map[string]gen.PID
	refs  map[gen.Ref]string
}

type jnRegCreate struct{ name string }
type jnRegLookup struct{ name string }

func (r *jnBucketRegistry) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch req := req.(type) {
	case jnRegCreate:
		pid, err := gen.Start(p, p.Runtime(), &jnList{})
		if err != nil {
			return nil, err
		}
		r.names[req.name] = pid
		r.refs[p.Monitor(pid)] = req.name
		return pid, nil
	case jnRegLookup:
		pid, ok := r.names[req.name]
		if !ok {
			return gen.PID{}, nil
		}
		return pid, nil
	}
	return nil, nil
}

func (r *jnBucketRegistry) HandleInfo(p *gen.Process, msg any) error {
	if d, ok := msg.(gen.Down); ok {
		if name := r.refs[d.Ref]; r.names[name] == d.PID {
			delete(r.names, name)
		}
		delete(r.refs, d.Ref)
	}
	return nil
}

func TestConformanceStopThenCallSeesDown(t *testing.T) {
	tests := []struct {
		name     string
		rounds   int
		watchers int // other monitors on each bucket
	}{
		{"bucket alone", 500, 0},
		// With more monitors to signal, the exiting bucket takes longer to
		// reach the registry's: Stop must not return before it has.
		{"bucket watched by others", 300, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 98
			// Repeated: the guarantee must hold every time, not most times.
			rt, _ := newRuntime(t)
			reg := jnStart(t, rt, &jnBucketRegistry{names: map[string]gen.PID{}, refs: map[gen.Ref]string{}})
			ctx := context.Background()
			failed := 0
			for range tc.rounds {
				bucket, err := gen.Call[gen.PID](ctx, rt, reg, jnRegCreate{"shopping"})
				if err != nil {
					t.Fatal(err)
				}
				for range tc.watchers {
					rt.Watch(bucket)
				}
				if err := gen.Stop(ctx, rt, bucket, nil); err != nil {
					t.Fatal(err)
				}
				got, err := gen.Call[gen.PID](ctx, rt, reg, jnRegLookup{"shopping"})
				if err != nil {
					t.Fatal(err)
				}
				if !got.IsZero() {
					failed++
				}
			}
			if failed > 0 {
				t.Errorf("in %d of %d rounds, after Stop returned the registry still listed the bucket: its Down was not handled before the next call", failed, tc.rounds)
			}
		})
	}
}
