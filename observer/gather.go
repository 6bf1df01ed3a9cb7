package observer

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
	"github.com/gen-go/gen/sys"
)

// Everything the dashboard learns about processes comes through this file:
// the runtime's introspection (Runtime.Infos, Runtime.Info), the sys package
// and the supervisor package. The rest of the package sees only the types
// defined here, so a change in those APIs is a change here.
//
// Reading the process table never waits for a process. Asking a process
// (sys and supervisor calls) is a message it answers between callbacks, so
// every such call is bounded by the probe timeout: a process busy in a long
// callback costs the page one timeout, never a stall.

// procInfo is what the dashboard knows about a process without asking it.
type procInfo struct {
	PID         gen.PID
	Name        gen.Name
	Status      string // running, waiting, suspended, hibernated
	Mailbox     int
	Messages    uint64 // with gen.Options.Instrument only
	Callback    string // the callback running, "" when none or unknown
	MessageType string // the type of the message being handled, or ""
	Started     time.Time
	Parent      gen.PID
	TrapExit    bool
	Links       []gen.PID
	Monitors    []gen.PID
	MonitoredBy []gen.PID
	Children    []gen.PID
}

// childInfo is one child of a supervisor, as WhichChildren reports it.
type childInfo struct {
	ID         string // "" under a DynamicSupervisor
	PID        gen.PID
	Restarting bool
	Supervisor bool // the child is a supervisor itself
}

// sysInfo is what a process tells about itself through sys. Each part that
// could not be had says why in its error field.
type sysInfo struct {
	Err       error  // GetStatus failed: the other fields are empty
	Server    string // the server's Go type
	Suspended bool
	LogOn     bool
	State     string // the state as FormatStatus shapes it, printed
	StateErr  error
	Log       []string   // the logged events, oldest first
	Stats     *sys.Stats // nil when statistics are off
	StatsErr  error
}

// maxStateText bounds the printed state shown on a process page.
const maxStateText = 64 << 10

// probes is the number of processes asked at once during discovery.
const probes = 8

// source reads processes from a runtime, asking them with a bounded wait.
type source struct {
	rt      *gen.Runtime
	timeout time.Duration
}

func infoOf(pi gen.ProcessInfo) procInfo {
	info := procInfo{
		PID: pi.PID, Name: pi.Name, Status: pi.Status.String(), Mailbox: pi.MailboxLen,
		Messages: pi.Messages, MessageType: pi.MessageType, Started: pi.Started, Parent: pi.Parent,
		TrapExit: pi.TrapExit, Links: pi.Links, Monitors: pi.Monitors, MonitoredBy: pi.MonitoredBy,
		Children: pi.Children,
	}
	if pi.Callback != gen.CallbackNone {
		info.Callback = pi.Callback.String()
	}
	return info
}

// all returns every live local process, ordered by PID. It waits for none.
func (s source) all() []procInfo {
	infos := s.rt.Infos()
	out := make([]procInfo, len(infos))
	for i, pi := range infos {
		out[i] = infoOf(pi)
	}
	return out
}

// one returns the live local process pid. It waits for none.
func (s source) one(pid gen.PID) (procInfo, bool) {
	pi, ok := s.rt.Info(pid)
	if !ok {
		return procInfo{}, false
	}
	return infoOf(pi), true
}

// instrumented reports whether message counts are known.
func (s source) instrumented() bool { return s.rt.Instrumented() }

// alive reports whether pid is a live local process.
func (s source) alive(pid gen.PID) bool { return s.rt.Alive(pid) }

// names returns the registered name of every named process.
func (s source) names() map[gen.PID]gen.Name {
	names := s.rt.Registered()
	out := make(map[gen.PID]gen.Name, len(names))
	for _, n := range names {
		if pid, ok := s.rt.Whereis(n); ok {
			out[pid] = n
		}
	}
	return out
}

// whereis returns the live process at d.
func (s source) whereis(d gen.Dest) (gen.PID, bool) { return s.rt.Whereis(d) }

// local reports whether pid belongs to this runtime's node, so that it may
// have a page.
func (s source) local(pid gen.PID) bool { return pid.Node == s.rt.Node() }

// pidKey is how a local process is named in the dashboard's URLs: its
// number and serial, "42.0".
func pidKey(pid gen.PID) string {
	return strconv.FormatUint(uint64(pid.ID), 10) + "." + strconv.FormatUint(uint64(pid.Serial), 10)
}

// lookup returns the live local process whose pidKey is key.
func (s source) lookup(key string) (gen.PID, bool) {
	a, b, ok := strings.Cut(key, ".")
	if !ok {
		return gen.PID{}, false
	}
	id, err1 := strconv.ParseUint(a, 10, 32)
	serial, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil {
		return gen.PID{}, false
	}
	for _, pid := range s.rt.Processes() {
		if pid.ID == uint32(id) && pid.Serial == uint32(serial) {
			return pid, true
		}
	}
	return gen.PID{}, false
}

// bounded returns ctx limited by the probe timeout.
func (s source) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// mayBeSupervisor reports whether p could be a supervisor without asking
// it: every supervisor traps exits.
func mayBeSupervisor(p *procInfo) bool { return p.TrapExit }

// isSupervisor asks pid whether it is a supervisor. Only a supervisor may be
// asked for its children: a server that does not expect the request may
// crash on it.
func (s source) isSupervisor(ctx context.Context, pid gen.PID) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err // do not leave a request that nobody awaits
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return supervisor.IsSupervisor(ctx, s.rt, pid)
}

// children asks the supervisor sup for its children, oldest first.
func (s source) children(ctx context.Context, sup gen.PID) ([]childInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // do not leave a request that nobody awaits
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	cs, err := supervisor.WhichChildren(ctx, s.rt, sup)
	if err != nil {
		return nil, err
	}
	out := make([]childInfo, len(cs))
	for i, c := range cs {
		// WhichChildren lists the most recently started first.
		out[len(cs)-1-i] = childInfo{ID: c.ID, PID: c.PID, Restarting: c.Restarting,
			Supervisor: c.Type == supervisor.SupervisorType}
	}
	return out, nil
}

// details asks pid about itself: status, state, log and statistics. When
// the process does not answer the first question in time, it is not asked
// the others, so a busy process costs one timeout.
func (s source) details(ctx context.Context, pid gen.PID) sysInfo {
	var out sysInfo
	ask := func(f func(ctx context.Context) error) error {
		ctx, cancel := s.bounded(ctx)
		defer cancel()
		return f(ctx)
	}
	out.Err = ask(func(ctx context.Context) error {
		st, err := sys.GetStatus(ctx, s.rt, pid)
		if err == nil {
			// Only plain fields are kept: State may be the server's
			// live value, which is printed inside the process below.
			out.Server, out.Suspended, out.LogOn = st.Server, st.Suspended, st.Log != nil
		}
		return err
	})
	if out.Err != nil {
		return out
	}
	out.StateErr = ask(func(ctx context.Context) (err error) {
		out.State, err = s.stateText(ctx, pid)
		return err
	})
	_ = ask(func(ctx context.Context) error {
		// PrintLog has the process print the events, so that the
		// messages and replies in them are not read here.
		var lines strings.Builder
		err := sys.PrintLog(ctx, s.rt, pid, &lines)
		if text := strings.TrimSuffix(lines.String(), "\n"); text != "" {
			out.Log = strings.Split(text, "\n")
			out.LogOn = true // even if FormatStatus left the log out
		}
		return err
	})
	out.StatsErr = ask(func(ctx context.Context) error {
		st, err := sys.GetStatistics(ctx, s.rt, pid)
		switch {
		case err == nil:
			out.Stats = &st
		case errors.Is(err, sys.ErrNoStatistics):
			return nil
		}
		return err
	})
	return out
}

// stateText prints the state of pid as sys.GetStatus shows it (through the
// server's FormatStatus), inside the process: the live value never leaves
// it, so printing it cannot race with the server. The state is handed back
// unchanged.
func (s source) stateText(ctx context.Context, pid gen.PID) (string, error) {
	text := make(chan string, 1) // a late answer after a timeout is dropped here
	_, err := sys.ReplaceState(ctx, s.rt, pid, func(state any) any {
		text <- printStatus(state)
		return state
	})
	if err != nil {
		return "", err
	}
	select {
	case t := <-text:
		return t, nil
	default:
		return "", errors.New("observer: the state was not printed")
	}
}

// printStatus prints what FormatStatus makes of the server value srv. It
// runs on the process's goroutine.
func printStatus(srv any) (text string) {
	st := gen.Status{State: srv}
	if f, ok := srv.(gen.StatusFormatter); ok {
		defer func() {
			if recover() != nil {
				text = fmt.Sprintf("%T.FormatStatus panicked", srv)
			}
		}()
		st = f.FormatStatus(st)
	}
	text = printValue(st.State)
	if len(text) > maxStateText {
		text = text[:maxStateText] + " …"
	}
	return text
}

// printValue prints v as the sys trace lines do: structs and pointers to
// structs with their type in front ("&kv.bucket{data:map[a:1]}").
func printValue(v any) string {
	switch v.(type) {
	case error, fmt.Stringer:
		return fmt.Sprint(v)
	}
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
		return "nil"
	case rv.Kind() == reflect.Struct:
		return rv.Type().String() + fmt.Sprintf("%+v", v)
	case rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct:
		return "&" + rv.Elem().Type().String() + fmt.Sprintf("%+v", rv.Elem().Interface())
	}
	return fmt.Sprintf("%+v", v)
}

// suspend, resume, kill and the debug switches are the page's actions.

func (s source) suspend(ctx context.Context, pid gen.PID) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return sys.Suspend(ctx, s.rt, pid)
}

func (s source) resume(ctx context.Context, pid gen.PID) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return sys.Resume(ctx, s.rt, pid)
}

// kill ends pid at once, whether or not it traps exits.
func (s source) kill(pid gen.PID) { s.rt.Exit(pid, gen.ErrKill) }

func (s source) setLog(ctx context.Context, pid gen.PID, on bool) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	n := 0
	if on {
		n = sys.DefaultLogSize
	}
	return sys.Log(ctx, s.rt, pid, n)
}

func (s source) setStatistics(ctx context.Context, pid gen.PID, on bool) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return sys.Statistics(ctx, s.rt, pid, on)
}

// timedOut reports whether err says a process did not answer in time.
func timedOut(err error) bool { return errors.Is(err, context.DeadlineExceeded) }

// noProc reports whether err says the process is gone.
func noProc(err error) bool { return errors.Is(err, gen.ErrNoProc) }

// each runs f(i) for i in [0, n), at most limit at a time, and returns when
// all have returned: no goroutine outlives it.
func each(n, limit int, f func(i int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, limit)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}
