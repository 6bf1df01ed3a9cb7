package kv

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// A connection's operations are reused while their calls succeed, and one
// whose call failed is dropped, not reused: the bucket may still apply it
// late, and a reuse would then race with the bucket's write.
func TestOpsDroppedAfterAFailedCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a, err := Start(ctx, Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Stop(ctx)
		b, err := a.Create(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		var o ops
		if err := a.put(ctx, &o, "b", "k", "v1"); err != nil {
			t.Fatal(err)
		}
		put := o.put
		if err := a.put(ctx, &o, "b", "k", "v2"); err != nil || o.put != put {
			t.Fatalf("second put: %v, reused %v; want nil, true", err, o.put == put)
		}
		if v, err := a.get(ctx, &o, "b", "k"); err != nil || v != "v2" {
			t.Fatalf("get = %q, %v; want v2", v, err)
		}

		// The bucket is busy past the caller's deadline: the GET fails and
		// its operation is dropped; the bucket applies it afterwards.
		release := make(chan struct{})
		if err := b.a.Cast(func(s *bucket) *bucket { <-release; return s }); err != nil {
			t.Fatal(err)
		}
		late := o.get
		short, cancel := context.WithTimeout(ctx, time.Second)
		_, err = a.get(short, &o, "b", "k")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("get past its deadline = %v; want DeadlineExceeded", err)
		}
		if o.get != nil {
			t.Fatal("the failed GET's operation is kept for reuse")
		}
		close(release)
		if v, err := a.get(ctx, &o, "b", "k"); err != nil || v != "v2" || o.get == late {
			t.Fatalf("get after the failure = %q, %v (new operation %v); want v2, nil, true", v, err, o.get != late)
		}
		synctest.Wait()
		if late.value != "v2" {
			t.Errorf("the abandoned GET was applied with %q; want v2 (it runs late)", late.value)
		}

		// A dead bucket: no process, and the operation dropped.
		a.rt.Exit(b.PID(), gen.ErrKill)
		synctest.Wait()
		if err := o.putIn(ctx, b, "k", "v3"); !errors.Is(err, gen.ErrNoProc) {
			t.Fatalf("put into a killed bucket = %v; want noproc", err)
		}
		if o.put != nil {
			t.Error("the failed PUT's operation is kept for reuse")
		}
	})
}
