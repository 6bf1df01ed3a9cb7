package kv

import (
	"sync"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
	"github.com/gen-go/gen/supervisor"
)

// table maps bucket names to buckets. Only the registry process writes it;
// anyone reads it, without a round trip through the registry: the guide's
// protected ETS table with read_concurrency.
//
// It holds each bucket's handle, made once, so that a lookup allocates
// nothing.
type table struct {
	mu sync.RWMutex
	m  map[string]Bucket
}

func (t *table) get(name string) (Bucket, bool) {
	t.mu.RLock()
	b, ok := t.m[name]
	t.mu.RUnlock()
	return b, ok
}

func (t *table) set(name string, b Bucket) {
	t.mu.Lock()
	t.m[name] = b
	t.mu.Unlock()
}

// removeIf forgets name if it still maps to pid.
func (t *table) removeIf(name string, pid gen.PID) {
	t.mu.Lock()
	if t.m[name].PID() == pid {
		delete(t.m, name)
	}
	t.mu.Unlock()
}

// registry is KV.Registry: it creates buckets under the bucket supervisor,
// monitors them, and forgets a bucket's name when the bucket dies. Each
// start makes a fresh table and publishes it to the App, as a restarted
// registry in the guide starts with a fresh ETS table (its buckets were
// stopped with it by the one_for_all supervisor above both).
type registry struct {
	app  *App
	tab  *table
	refs map[gen.Ref]string
}

// createReq asks the registry for the bucket of a name, made if missing.
type createReq struct{ name string }

func (r *registry) Init(p *gen.Process) error {
	r.tab = &table{m: map[string]Bucket{}}
	r.refs = map[gen.Ref]string{}
	r.app.tab.Store(r.tab)
	return nil
}

func (r *registry) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	c, ok := req.(createReq)
	if !ok {
		return nil, nil
	}
	if b, ok := r.tab.get(c.name); ok && p.Runtime().Alive(b.PID()) {
		return b.PID(), nil // a dead one's Down is on its way: replace it
	}
	pid, err := supervisor.StartChild(p, p.Runtime(), r.app.names.buckets, supervisor.ChildSpec{
		Start: startBucket(p.Runtime()), Restart: supervisor.Temporary})
	if err != nil {
		return nil, err // the caller sees the error; the registry lives on
	}
	r.refs[p.Monitor(pid)] = c.name
	r.tab.set(c.name, bucketAt(p.Runtime(), pid))
	return pid, nil
}

func (r *registry) HandleInfo(p *gen.Process, msg any) error {
	if d, ok := msg.(gen.Down); ok {
		if name, ok := r.refs[d.Ref]; ok {
			delete(r.refs, d.Ref)
			r.tab.removeIf(name, d.PID)
		}
	}
	return nil
}

func bucketAt(rt *gen.Runtime, pid gen.PID) Bucket {
	return Bucket{a: agent.At[*bucket](rt, pid)}
}
