package kv

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/task"
)

// accept is the acceptor task: it accepts connections and starts one
// temporary task per connection under kv.tasks, as the guide's
// KVServer.accept does. The listener belongs to the App, so a restarted
// acceptor carries on with it.
func (a *App) accept(ctx context.Context) error {
	tl, _ := a.ln.(*net.TCPListener)
	if tl != nil {
		_ = tl.SetDeadline(time.Time{})
		// A stopped acceptor's goroutine must leave Accept: wake it.
		defer context.AfterFunc(ctx, func() { _ = tl.SetDeadline(time.Now()) })()
	}
	for {
		conn, err := a.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err // the supervisor restarts the acceptor
		}
		c := a.track(conn)
		if c == nil {
			conn.Close()
			return nil
		}
		_, err = task.StartChild(ctx, a.rt, a.names.tasks, func(ctx context.Context) error {
			if !a.claim(c) {
				return nil // Stop closed it: the task was killed before it ran
			}
			defer a.conns.Done()
			return a.serve(ctx, conn)
		})
		if err != nil && a.claim(c) {
			conn.Close()
			a.conns.Done()
		}
	}
}

// A connEntry is an accepted connection until its task's function starts.
// Whoever claims it (the function, or Stop when the task was killed before
// the function ran) closes the connection and marks it done.
type connEntry struct{ conn net.Conn }

// track counts a new connection, unless the App is stopping.
func (a *App) track(conn net.Conn) *connEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopping {
		return nil
	}
	if a.waiting == nil {
		a.waiting = make(map[*connEntry]struct{})
	}
	c := &connEntry{conn: conn}
	a.waiting[c] = struct{}{}
	a.conns.Add(1)
	return c
}

// claim takes c off the waiting set; it reports false when someone did first.
func (a *App) claim(c *connEntry) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.waiting[c]; !ok {
		return false
	}
	delete(a.waiting, c)
	return true
}

// dropWaiting closes the connections whose task's function never started.
// Stop calls it once every task is dead.
func (a *App) dropWaiting() {
	a.mu.Lock()
	left := a.waiting
	a.waiting = nil
	a.mu.Unlock()
	for c := range left {
		c.conn.Close()
		a.conns.Done()
	}
}

// connWriter serialises writes to a connection shared by its serving task
// and its subscription writer.
type connWriter struct {
	mu   sync.Mutex
	conn net.Conn
}

func (w *connWriter) write(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err := w.conn.Write(b)
	return err
}

// serve runs one connection: a line, a command, a reply, until the client
// closes. When the task is stopped (ctx is done), the command in progress
// finishes and the connection closes.
func (a *App) serve(ctx context.Context, conn net.Conn) error {
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })()
	work := &detached{ctx} // a command in progress runs to its end
	w := &connWriter{conn: conn}
	lines := NewLineReader(conn)
	var sub gen.PID
	defer func() {
		if !sub.IsZero() {
			_ = gen.Stop(work, a.rt, sub, nil)
		}
	}()
	var out []byte
	var o ops // reused by every command of the connection
	for {
		line, err := lines.ReadLine()
		switch {
		case errors.Is(err, ErrLineTooLong):
			_ = w.write(AppendError(out[:0]))
			return gen.ErrShutdown
		case err != nil:
			// The client closed (or went away, or we are stopping): the
			// guide's {:error, :closed}, an orderly exit.
			return gen.ErrShutdown
		}
		out = out[:0]
		cmd, err := ParseCommand(line)
		if err != nil {
			out = AppendUnknownCommand(out)
		} else {
			out, err = a.run(work, ctx, cmd, out, w, &sub, &o)
			if err != nil {
				_ = w.write(AppendError(out[:0]))
				return err
			}
		}
		if len(out) > 0 {
			if err := w.write(out); err != nil {
				return gen.ErrShutdown
			}
		}
		if ctx.Err() != nil {
			return gen.ErrShutdown
		}
	}
}

// run executes one command and appends its reply to out. An error is the
// guide's {:error, e}: the connection replies ERROR and exits with e.
func (a *App) run(ctx, task context.Context, cmd Command, out []byte, w *connWriter, sub *gen.PID, o *ops) ([]byte, error) {
	switch cmd.Op {
	case OpCreate:
		if _, err := a.Create(ctx, cmd.Bucket); err != nil {
			return out, err
		}
		return AppendOK(out), nil
	case OpPut:
		return reply(out, a.put(ctx, o, cmd.Bucket, cmd.Key, cmd.Value), AppendOK)
	case OpGet:
		v, err := a.get(ctx, o, cmd.Bucket, cmd.Key)
		return reply(out, err, func(out []byte) []byte { return AppendValue(out, v) })
	case OpDelete:
		_, err := a.delete(ctx, o, cmd.Bucket, cmd.Key)
		return reply(out, err, AppendOK)
	case OpSubscribe:
		b, ok := a.Lookup(cmd.Bucket)
		if !ok {
			return AppendNotFound(out), nil
		}
		if sub.IsZero() {
			pid, err := gen.StartLink(task, a.rt, &subscriber{w: w})
			if err != nil {
				return out, err
			}
			*sub = pid
		}
		if err := b.Subscribe(ctx, *sub); err != nil {
			if errors.Is(err, gen.ErrNoProc) {
				return AppendNotFound(out), nil
			}
			return out, err
		}
		return out, nil // no reply: events follow
	}
	return AppendUnknownCommand(out), nil
}

// reply appends ok's reply, NOT FOUND for ErrNotFound, or passes err on.
func reply(out []byte, err error, ok func([]byte) []byte) ([]byte, error) {
	switch {
	case err == nil:
		return ok(out), nil
	case errors.Is(err, ErrNotFound):
		return AppendNotFound(out), nil
	}
	return out, err
}

// subscriber writes a subscribed connection's events. It is a process of
// its own, linked to the connection's task, so a bucket hands it events
// through its unbounded mailbox and never waits on a slow client.
type subscriber struct {
	w   *connWriter
	buf []byte
}

func (s *subscriber) HandleInfo(p *gen.Process, msg any) error {
	ev, ok := msg.(Event)
	if !ok {
		return nil
	}
	s.buf = AppendEvent(s.buf[:0], ev.Key, ev.Value, ev.Deleted)
	if err := s.w.write(s.buf); err != nil {
		return gen.ErrShutdown // the client is gone
	}
	return nil
}

// detached is context.WithoutCancel for a connection's commands: never done,
// no deadline, parent's values. The standard one allocates on every Value
// call (it boxes itself to walk up the chain), and every call into a bucket
// asks its context which process calls.
type detached struct{ parent context.Context }

func (*detached) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*detached) Done() <-chan struct{}       { return nil }
func (*detached) Err() error                  { return nil }
func (d *detached) Value(key any) any         { return d.parent.Value(key) }
