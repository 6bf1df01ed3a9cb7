package gen_test

// Conformance tests for section 1, groups H (hibernation, items 82–85) and I
// (format_status and code_change, items 86–90) of CONFORMANCE.md. Helpers
// (di*) live in conformance_de_test.go. A hibernated process is observed as a
// process with no goroutine (diProcGoroutines), checked against a control
// count of 1 while it is awake.
//
// Partly applicable items say in their test what was left out: 86 (no process
// dictionary in Go), 87 (Status is a typed struct, so "a non-map or unknown
// keys" cannot be returned). The sys event log in Status.Log and
// sys.Status.Log is checked with item 178 in sys/.

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// ---- H. hibernation ----

func diWantGoroutines(t *testing.T, want int, when string) {
	t.Helper()
	synctest.Wait()
	if got := diProcGoroutines(); got != want {
		t.Errorf("%s: %d process goroutines, want %d", when, got, want)
	}
}

func TestConformance82HibernateKeepsState(t *testing.T) {
	// conformance: 82
	for _, from := range []string{"init", "call", "cast", "info", "continue"} {
		t.Run(from, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				n := 0
				hib := func(p *gen.Process) { n++; p.Hibernate() }
				srv := &diSrv{
					init: func(p *gen.Process) error {
						if from == "init" {
							hib(p)
						}
						return nil
					},
					call: func(p *gen.Process, f gen.From, req any) (any, error) {
						if req == "hibernate" {
							hib(p)
						}
						return n, nil
					},
					cast: func(p *gen.Process, msg any) error {
						if from == "continue" {
							p.Continue(msg)
						} else {
							hib(p)
						}
						return nil
					},
					info: func(p *gen.Process, msg any) error { hib(p); return nil },
					cont: func(p *gen.Process, arg any) error { hib(p); return nil },
				}
				pid := diStart(t, rt, srv)
				if from != "init" {
					wake(t, rt, pid)
					diWantGoroutines(t, 1, "awake before the request")
				}
				switch from {
				case "call":
					if v, err := gen.Call[int](diBg, rt, pid, "hibernate"); err != nil || v != 1 {
						t.Errorf("reply with hibernate = %v, %v; want 1", v, err)
					}
				case "cast", "continue":
					gen.Cast(rt, pid, "hibernate")
				case "info":
					gen.Send(rt, pid, "hibernate")
				}
				diWantGoroutines(t, 0, "hibernated")
				if v, err := gen.Call[int](diBg, rt, pid, "get"); err != nil || v != 1 {
					t.Errorf("after waking: %v, %v; want state 1", v, err)
				}
				diWantGoroutines(t, 1, "awake after a message without hibernate")
			})
		})
	}
}

func TestConformance83HibernateWithQueuedMessage(t *testing.T) {
	// conformance: 83
	for _, queued := range []string{"self-sent", "external"} {
		t.Run(queued, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				t0 := time.Now()
				entered, gate := make(chan struct{}), make(chan struct{})
				srv := &diSrv{
					cast: func(p *gen.Process, msg any) error {
						if queued == "self-sent" {
							gen.Send(rt, p.Self(), "next")
						} else {
							close(entered)
							<-gate
						}
						p.Hibernate()
						return nil
					},
					info: func(p *gen.Process, msg any) error {
						rec.add("info %v at %v", msg, time.Since(t0))
						return nil
					},
				}
				pid := diStart(t, rt, srv)
				gen.Cast(rt, pid, "hibernate")
				if queued == "external" {
					<-entered
					gen.Send(rt, pid, "next")
					close(gate)
				}
				// The queued message is handled at once, and since its
				// callback asks for nothing the process stays awake.
				diWantGoroutines(t, 1, "after the queued message")
				if got, want := rec.list(), []string{"info next at 0s"}; !slices.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		})
	}
}

func TestConformance84HibernateAfter(t *testing.T) {
	// conformance: 84
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		n := 0
		srv := &diSrv{
			call: func(p *gen.Process, f gen.From, req any) (any, error) { return n, nil },
			cast: func(p *gen.Process, msg any) error { n++; return nil },
		}
		pid := diStart(t, rt, srv, gen.WithHibernateAfter(100*time.Millisecond))
		diAdvance(99 * time.Millisecond)
		diWantGoroutines(t, 1, "99ms idle")
		diAdvance(time.Millisecond)
		diWantGoroutines(t, 0, "100ms idle")
		gen.Cast(rt, pid, "inc")
		diWantGoroutines(t, 1, "woken by a cast")
		diAdvance(99 * time.Millisecond)
		diWantGoroutines(t, 1, "99ms idle after the cast")
		diAdvance(time.Millisecond)
		diWantGoroutines(t, 0, "100ms idle after the cast")
		if v, err := gen.Call[int](diBg, rt, pid, "get"); err != nil || v != 1 {
			t.Errorf("state after hibernating: %v, %v; want 1", v, err)
		}
		diAdvance(100 * time.Millisecond)
		diWantGoroutines(t, 0, "100ms idle after the call")
	})
}

func TestConformance85TimeoutSuppressesHibernateAfter(t *testing.T) {
	// conformance: 85
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var rec diRec
		var t0 time.Time
		pid := diStart(t, rt, diTimeoutSrv(&t0, &rec), gen.WithHibernateAfter(100*time.Millisecond))
		t0 = time.Now()
		gen.Cast(rt, pid, 300*time.Millisecond)
		diAdvance(299 * time.Millisecond)
		diWantGoroutines(t, 1, "timeout pending at 299ms")
		diAdvance(time.Millisecond)
		if got, want := rec.list(), []string{"timeout at 300ms"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		diAdvance(99 * time.Millisecond)
		diWantGoroutines(t, 1, "99ms idle after the timeout")
		diAdvance(time.Millisecond)
		diWantGoroutines(t, 0, "100ms idle after the timeout")
	})
}

// ---- I. format_status and code_change ----

func TestConformance86GetStatus(t *testing.T) {
	// conformance: 86
	// Left out: the process dictionary, which Go processes do not have.
	// The "Logged events" list (sys.Status.Log) is checked in sys/ (178).
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		parent := diStart(t, rt, &diSrv{})
		srv := &diSrv{}
		pid := diStartLinked(t, rt, parent, srv, gen.WithName("status-86"))
		st, err := sys.GetStatus(diBg, rt, gen.Name("status-86"))
		if err != nil {
			t.Fatal(err)
		}
		want := sys.Status{PID: pid, Name: "status-86", Parent: parent, Server: fmt.Sprintf("%T", srv), State: srv}
		if !reflect.DeepEqual(st, want) {
			t.Errorf("GetStatus = %+v, want %+v", st, want)
		}
		if err := sys.Suspend(diBg, rt, pid); err != nil {
			t.Fatal(err)
		}
		if st, err := sys.GetStatus(diBg, rt, pid); err != nil || !st.Suspended {
			t.Errorf("suspended: GetStatus = %+v, %v; want Suspended", st, err)
		}
		if err := sys.Resume(diBg, rt, pid); err != nil {
			t.Fatal(err)
		}
		if st, err := sys.GetStatus(diBg, rt, pid); err != nil || st.Suspended {
			t.Errorf("resumed: GetStatus = %+v, %v; want running", st, err)
		}
		orphan := diStart(t, rt, &diSrv{})
		// conformance: 181 (a process started without a link is its own
		// parent, as in Erlang)
		if st, err := sys.GetStatus(diBg, rt, orphan); err != nil || st.Parent != orphan || st.Name != "" {
			t.Errorf("unlinked, unnamed: GetStatus = %+v, %v; want itself as parent, no name", st, err)
		}
	})
}

// diStatusSrv records what FormatStatus sees and hides its secret.
type diStatusSrv struct {
	diSrv
	secret string
	seen   *diBag[gen.Status]
	panics bool
}

func (s *diStatusSrv) FormatStatus(st gen.Status) gen.Status {
	s.seen.add(st)
	if s.panics {
		panic("format-87")
	}
	return gen.Status{State: "redacted-87", Message: "hidden-msg-87", Reason: st.Reason}
}

func TestConformance87FormatStatus(t *testing.T) {
	// conformance: 87
	// Left out: returning a non-map or unknown keys (Status is a typed
	// struct). The :log key is checked in sys/ with item 178.
	errCrash := errors.New("crash-87")
	t.Run("get_status and crash report", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, logs := newRuntime(t)
			var seen diBag[gen.Status]
			srv := &diStatusSrv{secret: "secret-87", seen: &seen}
			srv.cast = func(p *gen.Process, msg any) error { return errCrash }
			pid := diStart(t, rt, srv)
			st, err := sys.GetStatus(diBg, rt, pid)
			if err != nil || st.State != "redacted-87" {
				t.Errorf("GetStatus state = %v, %v; want FormatStatus's", st.State, err)
			}
			msg := diCrashMsg{"last-msg-87"}
			gen.Cast(rt, pid, msg)
			synctest.Wait()
			got := seen.list()
			if len(got) != 2 {
				t.Fatalf("FormatStatus called %d times, want 2 (status, crash)", len(got))
			}
			if got[0].State != srv || got[0].Message != nil || got[0].Reason != nil {
				t.Errorf("for get_status FormatStatus saw %+v, want the state only", got[0])
			}
			if got[1].State != srv || got[1].Message != msg || got[1].Reason != errCrash {
				t.Errorf("for the crash FormatStatus saw %+v, want state, last message and reason", got[1])
			}
			out := logs.String()
			for _, want := range []string{"gen: process terminating", "redacted-87", "hidden-msg-87", "crash-87"} {
				if !strings.Contains(out, want) {
					t.Errorf("crash report lacks %q:\n%s", want, out)
				}
			}
			for _, bad := range []string{"secret-87", "last-msg-87"} {
				if strings.Contains(out, bad) {
					t.Errorf("crash report shows %q, which FormatStatus replaced:\n%s", bad, out)
				}
			}
		})
	})
	t.Run("panicking FormatStatus", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, logs := newRuntime(t)
			var seen diBag[gen.Status]
			srv := &diStatusSrv{secret: "secret-87", seen: &seen, panics: true}
			srv.cast = func(p *gen.Process, msg any) error { return errCrash }
			pid := diStart(t, rt, srv)
			_, down := rt.Watch(pid)
			st, err := sys.GetStatus(diBg, rt, pid)
			if s, ok := st.State.(string); err != nil || !ok || !strings.Contains(s, "FormatStatus") {
				t.Errorf("GetStatus state = %#v, %v; want a placeholder naming FormatStatus", st.State, err)
			}
			if _, err := gen.Call[any](diBg, rt, pid, "ping"); err != nil {
				t.Errorf("server stopped after FormatStatus panicked: %v", err)
			}
			diNoDown(t, down, "after a FormatStatus panic")
			gen.Cast(rt, pid, diCrashMsg{"m"})
			synctest.Wait()
			out := logs.String()
			if !strings.Contains(out, "gen: process terminating") || !strings.Contains(out, "FormatStatus") ||
				strings.Contains(out, "secret-87") {
				t.Errorf("crash report should carry the placeholder, not the state:\n%s", out)
			}
			if d := diDown(t, down, "crash"); d.Reason != errCrash {
				t.Errorf("exit reason %v, want %v (FormatStatus must not change it)", d.Reason, errCrash)
			}
		})
	})
}

// diV1 is a server whose CodeChange does what its mode says.
type diV1 struct {
	n     int
	mode  string // "ok", "error", "panic"
	calls *diRec
}

type diV2 struct {
	n      int
	oldVsn any
	extra  any
}

var errCodeChange = errors.New("code-change-88")

func (s *diV1) HandleCall(p *gen.Process, f gen.From, req any) (any, error) {
	return fmt.Sprintf("v1 %d", s.n), nil
}

func (s *diV1) CodeChange(p *gen.Process, oldVsn, extra any) (gen.Server, error) {
	s.calls.add("code_change %v %v", oldVsn, extra)
	switch s.mode {
	case "error":
		return nil, errCodeChange
	case "panic":
		panic("code-change-panic")
	}
	return &diV2{n: s.n * 10, oldVsn: oldVsn, extra: extra}, nil
}

func (s *diV2) HandleCall(p *gen.Process, f gen.From, req any) (any, error) {
	return fmt.Sprintf("v2 %d from %v with %v", s.n, s.oldVsn, s.extra), nil
}

type diNoCodeChange struct{}

func (diNoCodeChange) HandleCall(p *gen.Process, f gen.From, req any) (any, error) {
	return "same", nil
}

func TestConformance88ChangeCode(t *testing.T) {
	// conformance: 88
	cases := []struct {
		mode    string
		check   func(error) bool
		after   string
		calls   int
		missing bool
	}{
		{"ok", func(err error) bool { return err == nil }, "v2 70 from 1.0 with extra", 1, false},
		{"error", func(err error) bool { return errors.Is(err, errCodeChange) }, "v1 7", 1, false},
		{"panic", func(err error) bool {
			var pe *gen.PanicError
			return errors.As(err, &pe) && pe.Value == "code-change-panic"
		}, "v1 7", 1, false},
		{"no CodeChange", func(err error) bool {
			var mc *gen.MissingCallbackError
			return errors.As(err, &mc)
		}, "same", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var calls diRec
				var srv gen.Server = &diV1{n: 7, mode: tc.mode, calls: &calls}
				if tc.missing {
					srv = diNoCodeChange{}
				}
				pid := diStart(t, rt, srv)
				_, down := rt.Watch(pid)
				if err := sys.Suspend(diBg, rt, pid); err != nil {
					t.Fatal(err)
				}
				err := sys.ChangeCode(diBg, rt, pid, "1.0", "extra")
				if !tc.check(err) {
					t.Errorf("ChangeCode = %v", err)
				}
				if err := sys.Resume(diBg, rt, pid); err != nil {
					t.Fatal(err)
				}
				got, err := gen.Call[string](diBg, rt, pid, "which")
				if err != nil {
					t.Fatalf("server after ChangeCode: %v", err)
				}
				if got != tc.after {
					t.Errorf("after ChangeCode the server answers %q, want %q", got, tc.after)
				}
				if n := len(calls.list()); n != tc.calls {
					t.Errorf("CodeChange ran %d times, want %d", n, tc.calls)
				}
				synctest.Wait()
				diNoDown(t, down, "after ChangeCode")
			})
		})
	}
}

func TestConformance89ChangeCodeNeedsSuspend(t *testing.T) {
	// conformance: 89
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var calls diRec
		pid := diStart(t, rt, &diV1{n: 7, mode: "ok", calls: &calls})
		err := sys.ChangeCode(diBg, rt, pid, "1.0", "extra")
		if !errors.Is(err, gen.ErrNotSuspended) {
			t.Errorf("ChangeCode on a running server = %v, want ErrNotSuspended", err)
		}
		if got := calls.list(); len(got) != 0 {
			t.Errorf("CodeChange ran: %q", got)
		}
		if got, err := gen.Call[string](diBg, rt, pid, "which"); err != nil || got != "v1 7" {
			t.Errorf("server after a refused ChangeCode: %q, %v; want v1 7", got, err)
		}
	})
}

// diDowngrade is the Go form of Erlang's {down, Vsn}.
type diDowngrade struct{ Vsn string }

func TestConformance90DowngradeVersion(t *testing.T) {
	// conformance: 90
	// Gen passes oldVsn through unchanged, so a downgrade is whatever value
	// the caller uses for {down, Vsn}; the test checks it arrives intact.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var calls diRec
		pid := diStart(t, rt, &diV1{n: 1, mode: "ok", calls: &calls})
		if err := sys.Suspend(diBg, rt, pid); err != nil {
			t.Fatal(err)
		}
		if err := sys.ChangeCode(diBg, rt, pid, diDowngrade{"2.0"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := sys.Resume(diBg, rt, pid); err != nil {
			t.Fatal(err)
		}
		st, err := sys.GetState(diBg, rt, pid)
		if err != nil {
			t.Fatal(err)
		}
		if v2, ok := st.(*diV2); !ok || v2.oldVsn != (diDowngrade{"2.0"}) {
			t.Errorf("state after downgrade = %#v, want *diV2 with oldVsn {down 2.0}", st)
		}
	})
}
