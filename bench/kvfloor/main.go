// Command kvfloor is the floor for the KV benchmark: the KV server's
// protocol (../../../shared/KV-PROTOCOL.md) written in plain Go, without
// Gen. It has one goroutine per connection and a map of buckets behind a
// mutex, each bucket a map behind a mutex of its own. It parses and answers
// with package kv's protocol code, so it has the same replies and limits as
// Gen's server: a line over 64 KiB gets ERROR and the connection closes.
//
// SUBSCRIBE is supported: a subscribed connection gets an event line for
// every PUT and DELETE on the bucket, from a writer goroutine of its own fed
// by an unbounded queue, so a subscriber that never reads does not block
// writers. It can go on sending commands.
//
// It listens on :4041, or on the port in the PORT environment variable, or
// on the -addr flag's address, and prints "kvfloor: listening on ADDR". On
// SIGINT or SIGTERM it stops accepting, lets each connection finish its
// command in progress, and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gen-go/gen/kv"
)

func main() {
	addr := ":4041"
	if p := os.Getenv("PORT"); p != "" {
		addr = ":" + p
	}
	flag.StringVar(&addr, "addr", addr, "TCP address to listen on (default :4041, or :$PORT)")
	grace := flag.Duration("shutdown-timeout", 5*time.Second, "how long connections get to finish at shutdown")
	flag.Parse()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kvfloor:", err)
		os.Exit(1)
	}
	fmt.Printf("kvfloor: listening on %s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &server{buckets: map[string]*bucket{}, conns: map[*conn]struct{}{}}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	s.serve(ln)
	if err := s.shutdown(*grace); err != nil {
		fmt.Fprintln(os.Stderr, "kvfloor: shutdown:", err)
		os.Exit(1)
	}
	fmt.Println("kvfloor: stopped")
}

// server holds the buckets and the open connections.
type server struct {
	mu      sync.RWMutex // guards buckets
	buckets map[string]*bucket

	cmu      sync.Mutex // guards conns and stopping
	conns    map[*conn]struct{}
	stopping bool
	wg       sync.WaitGroup // one per connection goroutine
}

// bucket is one bucket's map and its subscribers.
type bucket struct {
	mu   sync.Mutex // guards data and subs
	data map[string]string
	subs map[*conn]struct{}
}

// conn is one client connection.
type conn struct {
	c   net.Conn
	wmu sync.Mutex // serialises writes by the serving and the event goroutine

	qmu    sync.Mutex // guards queue and closed
	queue  []byte     // subscription events not yet written
	closed bool
	wake   chan struct{} // capacity 1: events are queued
	subs   []*bucket     // buckets this connection subscribed to; serving goroutine only
}

func (s *server) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		cn := &conn{c: c, wake: make(chan struct{}, 1)}
		s.cmu.Lock()
		if s.stopping {
			s.cmu.Unlock()
			c.Close()
			return
		}
		s.conns[cn] = struct{}{}
		s.wg.Add(1)
		s.cmu.Unlock()
		go s.handle(cn)
	}
}

// shutdown makes every connection stop after its command in progress and
// waits for them, at most grace.
func (s *server) shutdown(grace time.Duration) error {
	s.cmu.Lock()
	s.stopping = true
	for cn := range s.conns {
		_ = cn.c.SetReadDeadline(time.Now()) // wakes a connection waiting for a line
	}
	s.cmu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(grace):
		return errors.New("connections still open after the shutdown timeout")
	}
}

func (s *server) handle(cn *conn) {
	defer s.wg.Done()
	defer func() {
		s.unsubscribe(cn)
		cn.c.Close()
		s.cmu.Lock()
		delete(s.conns, cn)
		s.cmu.Unlock()
	}()
	lines := kv.NewLineReader(cn.c)
	var out []byte
	for {
		line, err := lines.ReadLine()
		if errors.Is(err, kv.ErrLineTooLong) {
			cn.write(kv.AppendError(out[:0]))
			return
		}
		if err != nil {
			return // closed, mid-line EOF, or shutdown
		}
		out = out[:0]
		cmd, err := kv.ParseCommand(line)
		if err != nil {
			out = kv.AppendUnknownCommand(out)
		} else {
			out = s.run(cn, cmd, out)
		}
		if len(out) > 0 && cn.write(out) != nil {
			return
		}
		s.cmu.Lock()
		stopping := s.stopping
		s.cmu.Unlock()
		if stopping {
			return
		}
	}
}

// run executes one command and appends its reply to out.
func (s *server) run(cn *conn, cmd kv.Command, out []byte) []byte {
	if cmd.Op == kv.OpCreate {
		s.mu.Lock()
		if s.buckets[cmd.Bucket] == nil {
			s.buckets[cmd.Bucket] = &bucket{data: map[string]string{}, subs: map[*conn]struct{}{}}
		}
		s.mu.Unlock()
		return kv.AppendOK(out)
	}
	s.mu.RLock()
	b := s.buckets[cmd.Bucket]
	s.mu.RUnlock()
	if b == nil {
		return kv.AppendNotFound(out)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch cmd.Op {
	case kv.OpPut:
		b.data[cmd.Key] = cmd.Value
		for sub := range b.subs {
			sub.event(cmd.Key, cmd.Value, false)
		}
		return kv.AppendOK(out)
	case kv.OpGet:
		return kv.AppendValue(out, b.data[cmd.Key])
	case kv.OpDelete:
		delete(b.data, cmd.Key)
		for sub := range b.subs {
			sub.event(cmd.Key, "", true)
		}
		return kv.AppendOK(out)
	case kv.OpSubscribe:
		if _, ok := b.subs[cn]; !ok {
			b.subs[cn] = struct{}{}
			cn.subs = append(cn.subs, b)
			if len(cn.subs) == 1 {
				go cn.writeEvents()
			}
		}
		return out // no reply: events follow
	}
	return kv.AppendUnknownCommand(out)
}

// unsubscribe removes cn from its buckets and stops its event writer.
func (s *server) unsubscribe(cn *conn) {
	for _, b := range cn.subs {
		b.mu.Lock()
		delete(b.subs, cn)
		b.mu.Unlock()
	}
	cn.qmu.Lock()
	cn.closed = true
	cn.qmu.Unlock()
	select {
	case cn.wake <- struct{}{}:
	default:
	}
}

func (cn *conn) write(b []byte) error {
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	_, err := cn.c.Write(b)
	return err
}

// event queues one event line for cn's event writer. It never blocks.
func (cn *conn) event(key, value string, deleted bool) {
	cn.qmu.Lock()
	cn.queue = kv.AppendEvent(cn.queue, key, value, deleted)
	cn.qmu.Unlock()
	select {
	case cn.wake <- struct{}{}:
	default:
	}
}

// writeEvents writes queued events until the connection closes.
func (cn *conn) writeEvents() {
	var buf []byte
	for range cn.wake {
		cn.qmu.Lock()
		buf, cn.queue = cn.queue, buf[:0]
		closed := cn.closed
		cn.qmu.Unlock()
		if closed {
			return
		}
		if len(buf) > 0 && cn.write(buf) != nil {
			return
		}
	}
}
