package kv_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/kv"
)

var bg = context.Background()

// startApp starts the application without a TCP server, in a runtime of
// its own, stopped when the test ends.
func startApp(t testing.TB, addr string) *kv.App {
	t.Helper()
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(rt.Close)
	app, err := kv.Start(bg, kv.Config{Addr: addr, Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := app.Stop(bg); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return app
}

func TestBucketsThroughTheGoAPI(t *testing.T) {
	app := startApp(t, "")
	if err := app.Put(bg, "shopping", "eggs", "3"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Put into a missing bucket: %v", err)
	}
	if _, err := app.Create(bg, "shopping"); err != nil {
		t.Fatal(err)
	}
	if err := app.Put(bg, "shopping", "eggs", "3"); err != nil {
		t.Fatal(err)
	}
	if v, err := app.Get(bg, "shopping", "eggs"); v != "3" || err != nil {
		t.Fatalf("Get: %q %v", v, err)
	}
	if v, err := app.Delete(bg, "shopping", "eggs"); v != "3" || err != nil {
		t.Fatalf("Delete: %q %v", v, err)
	}
	if v, err := app.Get(bg, "shopping", "eggs"); v != "" || err != nil {
		t.Fatalf("Get after delete: %q %v", v, err)
	}
}

// Two clients creating the same bucket get the same bucket.
func TestCreateIsRaceFree(t *testing.T) {
	app := startApp(t, "")
	const n = 16
	pids := make([]gen.PID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := app.Create(bg, "same")
			if err != nil {
				t.Error(err)
			}
			pids[i] = b.PID()
		}()
	}
	wg.Wait()
	for _, pid := range pids {
		if pid != pids[0] || pid.IsZero() {
			t.Fatalf("creators got different buckets: %v", pids)
		}
	}
}

// A crashed bucket's name is gone; other buckets are unaffected.
func TestBucketCrash(t *testing.T) {
	app := startApp(t, "")
	rt := app.Runtime()
	a, _ := app.Create(bg, "a")
	app.Create(bg, "b")
	app.Put(bg, "b", "k", "v")
	_, down := rt.Watch(a.PID())
	rt.Exit(a.PID(), errors.New("crash"))
	<-down
	// The registry handles the Down before the next create.
	if _, err := app.Create(bg, "probe"); err != nil {
		t.Fatal(err)
	}
	if _, ok := app.Lookup("a"); ok {
		t.Fatal("the crashed bucket is still registered")
	}
	if v, err := app.Get(bg, "b", "k"); v != "v" || err != nil {
		t.Fatalf("the other bucket: %q %v", v, err)
	}
}

// Killing the registry restarts its side of the tree (one_for_all): the
// buckets go with it, and the application serves again.
func TestRegistryKilled(t *testing.T) {
	app := startApp(t, "")
	rt := app.Runtime()
	app.Create(bg, "a")
	reg, _ := rt.Whereis(gen.Name("kv.registry"))
	_, down := rt.Watch(reg)
	rt.Exit(reg, gen.ErrKill)
	<-down
	var now gen.PID
	for {
		var ok bool
		if now, ok = rt.Whereis(gen.Name("kv.registry")); ok && now != reg {
			break
		}
	}
	// A call queues behind the new registry's Init, which publishes its
	// fresh table.
	if _, err := app.Create(bg, "probe"); err != nil {
		t.Fatal(err)
	}
	if _, ok := app.Lookup("a"); ok {
		t.Fatal("a bucket survived the registry's restart")
	}
	if _, err := app.Create(bg, "a"); err != nil {
		t.Fatal(err)
	}
	if err := app.Put(bg, "a", "k", "v"); err != nil {
		t.Fatal(err)
	}
}

// Example starts the application in-process and uses it through its Go API.
func Example() {
	ctx := context.Background()
	app, err := kv.Start(ctx, kv.Config{})
	if err != nil {
		panic(err)
	}
	defer app.Stop(ctx)

	_, err = app.Create(ctx, "shopping")
	fmt.Println("create:", err)
	fmt.Println("put:", app.Put(ctx, "shopping", "eggs", "3"))
	v, err := app.Get(ctx, "shopping", "eggs")
	fmt.Println("get:", v, err)
	old, err := app.Delete(ctx, "shopping", "eggs")
	fmt.Println("delete:", old, err)
	fmt.Println("put elsewhere:", app.Put(ctx, "nowhere", "eggs", "3"))
	// Output:
	// create: <nil>
	// put: <nil>
	// get: 3 <nil>
	// delete: 3 <nil>
	// put elsewhere: kv: bucket not found
}

// A connection whose task is killed by Stop before the task's function has
// run is still closed, and Stop does not wait for it forever.
func TestStopRightAfterAccepting(t *testing.T) {
	for range 30 {
		rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
		app, err := kv.Start(bg, kv.Config{Addr: "127.0.0.1:0", Runtime: rt})
		if err != nil {
			t.Fatal(err)
		}
		var conns []net.Conn
		for range 8 {
			c, err := net.Dial("tcp", app.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		stopped := make(chan error, 1)
		go func() { stopped <- app.Stop(bg) }()
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("Stop: %v", err)
			}
		case <-time.After(20 * time.Second): // a hang, not a speed limit
			t.Fatal("Stop still waiting after 20 s")
		}
		for i, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("connection %d after Stop: %v, want EOF or a reset", i, err)
			}
			c.Close()
		}
		rt.Close()
	}
}
