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
	rt   *gen.Runtime
	data map[string]string
	subs map[gen.PID]struct{} // processes that receive an Event per change
}

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
	init := func() *bucket { return &bucket{rt: rt, data: map[string]string{}} }
	return agent.StartFunc(rt, init, gen.WithInlineCalls())
}

// PID returns the bucket's process.
func (b Bucket) PID() gen.PID { pid, _ := b.a.Dest().(gen.PID); return pid }

// The bucket's operations are agent requests (agent.Request) rather than
// functions: a connection reuses one of each for all its commands, so a
// PUT or a GET allocates nothing. An operation whose call failed may still
// be applied later, so it is never reused after an error (see ops).

type putOp struct{ key, value string }

func (o *putOp) Apply(s *bucket) *bucket {
	s.data[o.key] = o.value
	s.notify(Event{Key: o.key, Value: o.value})
	return s
}

type getOp struct{ key, value string }

func (o *getOp) Apply(s *bucket) *bucket {
	o.value = s.data[o.key]
	return s
}

type deleteOp struct{ key, old string }

func (o *deleteOp) Apply(s *bucket) *bucket {
	o.old = s.data[o.key]
	delete(s.data, o.key)
	s.notify(Event{Key: o.key, Deleted: true})
	return s
}

// ops holds one reusable operation of each kind, for a caller that runs
// one command at a time (a connection). Its methods drop an operation whose
// call failed, as the bucket may apply it late.
type ops struct {
	put *putOp
	get *getOp
	del *deleteOp
}

func (o *ops) putIn(ctx context.Context, b Bucket, key, value string) error {
	if o.put == nil {
		o.put = new(putOp)
	}
	op := o.put
	op.key, op.value = key, value
	if err := b.a.Do(ctx, op); err != nil {
		o.put = nil // the bucket may still read it
		return err
	}
	op.key, op.value = "", "" // keep no request's strings alive
	return nil
}

func (o *ops) getIn(ctx context.Context, b Bucket, key string) (string, error) {
	if o.get == nil {
		o.get = new(getOp)
	}
	op := o.get
	op.key = key
	if err := b.a.Do(ctx, op); err != nil {
		o.get = nil
		return "", err
	}
	v := op.value
	op.key, op.value = "", ""
	return v, nil
}

func (o *ops) deleteIn(ctx context.Context, b Bucket, key string) (string, error) {
	if o.del == nil {
		o.del = new(deleteOp)
	}
	op := o.del
	op.key = key
	if err := b.a.Do(ctx, op); err != nil {
		o.del = nil
		return "", err
	}
	old := op.old
	op.key, op.old = "", ""
	return old, nil
}

// Get returns the value of key, and "" for a missing key (the guide's nil).
func (b Bucket) Get(ctx context.Context, key string) (string, error) {
	var o ops
	return o.getIn(ctx, b, key)
}

// Put sets key to value and tells the subscribers.
func (b Bucket) Put(ctx context.Context, key, value string) error {
	var o ops
	return o.putIn(ctx, b, key, value)
}

// Delete removes key and returns its old value ("" when it was missing),
// and tells the subscribers.
func (b Bucket) Delete(ctx context.Context, key string) (string, error) {
	var o ops
	return o.deleteIn(ctx, b, key)
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
func (s *bucket) notify(ev Event) {
	for pid := range s.subs {
		if !s.rt.Alive(pid) {
			delete(s.subs, pid)
			continue
		}
		_ = gen.Send(s.rt, pid, ev)
	}
}
