package kv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
	"github.com/gen-go/gen/task"
)

// ErrNotFound is returned for a bucket that does not exist.
var ErrNotFound = errors.New("kv: bucket not found")

// Config configures an App.
type Config struct {
	// Addr is the TCP address to serve the protocol on, for example
	// ":4040" or "127.0.0.1:0". Empty means no TCP server: the App is then
	// used through its Go API only.
	Addr string
	// Runtime, when set, is the runtime to run in; otherwise the App makes
	// its own and closes it on Stop.
	Runtime *gen.Runtime
}

// names are the registered names of the App's processes.
type names struct {
	top, kv, buckets, registry, tasks, acceptor gen.Name
}

var defaultNames = names{top: "kv.app", kv: "kv.supervisor", buckets: "kv.buckets",
	registry: "kv.registry", tasks: "kv.tasks", acceptor: "kv.acceptor"}

// An App is the running KV application: its supervision tree and, with an
// address, its TCP server.
//
// The tree, as in the guide:
//
//	kv.app (one_for_one)
//	├── kv.supervisor (one_for_all)
//	│   ├── kv.buckets  (DynamicSupervisor of temporary bucket agents)
//	│   └── kv.registry (creates and monitors buckets)
//	├── kv.tasks       (DynamicSupervisor: one temporary task per connection)
//	└── kv.acceptor    (permanent task: accepts connections)
type App struct {
	rt     *gen.Runtime
	ownRT  bool
	names  names
	top    gen.PID
	tab    atomic.Pointer[table]
	ln     net.Listener
	closed atomic.Bool

	mu       sync.Mutex
	stopping bool                    // no more connections are tracked
	waiting  map[*connEntry]struct{} // accepted, their task's function not started yet
	conns    sync.WaitGroup          // tracked connections, whose goroutines outlive killed tasks
}

// Start starts the application and returns once it serves: the tree is up
// and, with cfg.Addr, the listener is bound.
func Start(ctx context.Context, cfg Config) (*App, error) {
	a := &App{rt: cfg.Runtime, names: defaultNames}
	if a.rt == nil {
		a.rt, a.ownRT = gen.NewRuntime(gen.Options{}), true
	}
	if cfg.Addr != "" {
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			a.closeRT()
			return nil, fmt.Errorf("kv: %w", err)
		}
		a.ln = ln
	}
	rt := a.rt
	kvTree := supervisor.Sub("kv", supervisor.Spec{Strategy: supervisor.OneForAll, Children: []supervisor.ChildSpec{
		supervisor.DynamicChild("buckets", supervisor.Dynamic{}, gen.WithName(a.names.buckets)),
		supervisor.Worker("registry", func() gen.Server { return &registry{app: a} }, gen.WithName(a.names.registry)),
	}}, gen.WithName(a.names.kv))
	children := []supervisor.ChildSpec{kvTree}
	if a.ln != nil {
		acceptor := task.Spec("acceptor", rt, a.accept, gen.WithName(a.names.acceptor))
		acceptor.Restart = supervisor.Permanent
		children = append(children,
			task.SupervisorSpec("tasks", supervisor.Dynamic{}, gen.WithName(a.names.tasks)), acceptor)
	}
	top, err := supervisor.Start(ctx, rt, supervisor.Spec{Strategy: supervisor.OneForOne, Children: children},
		gen.WithName(a.names.top))
	if err != nil {
		if a.ln != nil {
			a.ln.Close()
		}
		a.closeRT()
		return nil, fmt.Errorf("kv: start: %w", err)
	}
	a.top = top
	return a, nil
}

// Addr returns the address the TCP server listens on, or nil without one.
func (a *App) Addr() net.Addr {
	if a.ln == nil {
		return nil
	}
	return a.ln.Addr()
}

// Runtime returns the runtime the App runs in.
func (a *App) Runtime() *gen.Runtime { return a.rt }

// Stop shuts the application down in order: it stops accepting, lets every
// connection finish the command in progress and closes it, then stops the
// tree (the registry, then the buckets). ctx bounds the wait for
// connections; when it is done first, Stop carries on and returns its
// error at the end.
func (a *App) Stop(ctx context.Context) error {
	if a.closed.Swap(true) {
		return nil
	}
	var werr error
	if a.ln != nil {
		a.mu.Lock()
		a.stopping = true
		a.mu.Unlock()
		_ = supervisor.TerminateChild(ctx, a.rt, a.top, "acceptor")
		a.ln.Close()
		_ = supervisor.TerminateChild(ctx, a.rt, a.top, "tasks")
		// Every task is dead now; one killed before its function ran
		// never will: close its connection here.
		a.dropWaiting()
		done := make(chan struct{})
		go func() { a.conns.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			werr = ctx.Err()
			<-done // connections were told to stop; they finish promptly
		}
	}
	err := gen.Stop(context.WithoutCancel(ctx), a.rt, a.top, gen.ErrShutdown)
	a.closeRT()
	return errors.Join(werr, err)
}

func (a *App) closeRT() {
	if a.ownRT {
		a.rt.Close()
	}
}

// Lookup returns the bucket of a name, without a round trip through the
// registry process.
func (a *App) Lookup(name string) (Bucket, bool) {
	t := a.tab.Load()
	if t == nil {
		return Bucket{}, false
	}
	return t.get(name)
}

// Create returns the bucket of a name, creating it if it does not exist.
// Creation goes through the registry process, so two clients creating the
// same bucket get the same one.
func (a *App) Create(ctx context.Context, name string) (Bucket, error) {
	if b, ok := a.Lookup(name); ok && a.rt.Alive(b.PID()) {
		return b, nil
	}
	pid, err := gen.Call[gen.PID](ctx, a.rt, a.names.registry, createReq{name})
	if err != nil {
		return Bucket{}, err
	}
	return bucketAt(a.rt, pid), nil
}

// bucketErr maps a bucket that died under a request to ErrNotFound.
func bucketErr(err error) error {
	if errors.Is(err, gen.ErrNoProc) {
		return ErrNotFound
	}
	return err
}

// Put sets key to value in a bucket. It returns ErrNotFound for a missing
// bucket.
func (a *App) Put(ctx context.Context, bucket, key, value string) error {
	var o ops
	return a.put(ctx, &o, bucket, key, value)
}

// Get returns the value of key in a bucket: "" for a missing key, and
// ErrNotFound for a missing bucket.
func (a *App) Get(ctx context.Context, bucket, key string) (string, error) {
	var o ops
	return a.get(ctx, &o, bucket, key)
}

// Delete removes key from a bucket and returns the old value. It returns
// ErrNotFound for a missing bucket.
func (a *App) Delete(ctx context.Context, bucket, key string) (string, error) {
	var o ops
	return a.delete(ctx, &o, bucket, key)
}

// put, get and delete are Put, Get and Delete with the caller's reusable
// operations.
func (a *App) put(ctx context.Context, o *ops, bucket, key, value string) error {
	b, ok := a.Lookup(bucket)
	if !ok {
		return ErrNotFound
	}
	return bucketErr(o.putIn(ctx, b, key, value))
}

func (a *App) get(ctx context.Context, o *ops, bucket, key string) (string, error) {
	b, ok := a.Lookup(bucket)
	if !ok {
		return "", ErrNotFound
	}
	v, err := o.getIn(ctx, b, key)
	return v, bucketErr(err)
}

func (a *App) delete(ctx context.Context, o *ops, bucket, key string) (string, error) {
	b, ok := a.Lookup(bucket)
	if !ok {
		return "", ErrNotFound
	}
	v, err := o.deleteIn(ctx, b, key)
	return v, bucketErr(err)
}
