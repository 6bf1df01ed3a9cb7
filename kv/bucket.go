package kv

import (
	"context"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
)

// A Bucket is a handle to one bucket: an agent process holding the bucket's
// map, as in the guide. Handles are small values; copy them freely.
type Bucket struct {
	a agent.Agent[*bucket]
}

// bucket is a bucket agent's state. It lives inside the agent and is only
// touched there.
type bucket struct {
	data map[string]string
	subs map[gen.PID]struct{} // processes that receive an Event per change
}

func newBucket() *bucket { return &bucket{data: map[string]string{}} }

// An Event tells a subscriber of a bucket about one change: a PUT (Deleted
// false) or a DELETE.
type Event struct {
	Key, Value string
	Deleted    bool
}

// startBucket is the start function of a bucket under the bucket
// supervisor. A bucket's calls are map operations that never block, so a
// caller that finds the bucket waiting runs them on its own goroutine
// (gen.WithInlineCalls): a request then costs no goroutine switch, which on
// a lightly loaded machine is most of its cost.
func startBucket(rt *gen.Runtime) func(ctx context.Context) (gen.PID, error) {
	return agent.StartFunc(rt, newBucket, gen.WithInlineCalls())
}

// PID returns the bucket's process.
func (b Bucket) PID() gen.PID { pid, _ := b.a.Dest().(gen.PID); return pid }

// Get returns the value of key, and "" for a missing key (the guide's nil).
func (b Bucket) Get(ctx context.Context, key string) (string, error) {
	return agent.Get(ctx, b.a, func(s *bucket) string { return s.data[key] })
}

// Put sets key to value and tells the subscribers.
func (b Bucket) Put(ctx context.Context, key, value string) error {
	rt := b.a.Runtime()
	return b.a.Update(ctx, func(s *bucket) *bucket {
		s.data[key] = value
		s.notify(rt, Event{Key: key, Value: value})
		return s
	})
}

// Delete removes key and returns its old value ("" when it was missing),
// and tells the subscribers.
func (b Bucket) Delete(ctx context.Context, key string) (string, error) {
	rt := b.a.Runtime()
	return agent.GetAndUpdate(ctx, b.a, func(s *bucket) (string, *bucket) {
		old := s.data[key]
		delete(s.data, key)
		s.notify(rt, Event{Key: key, Deleted: true})
		return old, s
	})
}

// Subscribe makes the process pid receive an [Event] message for every
// change to the bucket, until pid exits.
func (b Bucket) Subscribe(ctx context.Context, pid gen.PID) error {
	return b.a.Update(ctx, func(s *bucket) *bucket {
		if s.subs == nil {
			s.subs = map[gen.PID]struct{}{}
		}
		s.subs[pid] = struct{}{}
		return s
	})
}

// notify sends ev to the live subscribers and forgets the dead ones.
// Mailboxes are unbounded, so a slow subscriber never blocks the bucket.
func (s *bucket) notify(rt *gen.Runtime, ev Event) {
	for pid := range s.subs {
		if !rt.Alive(pid) {
			delete(s.subs, pid)
			continue
		}
		_ = gen.Send(rt, pid, ev)
	}
}
