package registry

import (
	"fmt"
	"testing"

	"github.com/gen-go/gen"
)

// benchUnique returns a running unique registry holding n string keys,
// registered by one process, and the keys.
func benchUnique(b *testing.B, n int) (*Unique, []any) {
	rt := newRuntime(b)
	u := startUnique(b, rt, Options{})
	_, pid := startProbe(b, rt, false)
	keys := make([]any, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	in(b, rt, pid, func(p *gen.Process) any {
		for i, k := range keys {
			if _, err := u.Register(p, k, i); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	})
	return u, keys
}

func BenchmarkLookup(b *testing.B) {
	u, keys := benchUnique(b, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u.Lookup(keys[i%len(keys)])
		i++
	}
}

func BenchmarkAppendLookup(b *testing.B) {
	u, keys := benchUnique(b, 1000)
	b.ReportAllocs()
	var buf []Entry
	i := 0
	for b.Loop() {
		buf, _ = u.AppendLookup(buf[:0], keys[i%len(keys)])
		i++
	}
}

func BenchmarkAppendLookupParallel(b *testing.B) {
	u, keys := benchUnique(b, 1000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf []Entry
		i := 0
		for pb.Next() {
			buf, _ = u.AppendLookup(buf[:0], keys[i%len(keys)])
			i++
		}
	})
}

func BenchmarkWhereisName(b *testing.B) {
	u, keys := benchUnique(b, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u.WhereisName(keys[i%len(keys)])
		i++
	}
}

func BenchmarkRegisterUnregister(b *testing.B) {
	rt := newRuntime(b)
	u := startUnique(b, rt, Options{})
	_, pid := startProbe(b, rt, false)
	var key any = "key"
	in(b, rt, pid, func(p *gen.Process) any {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := u.Register(p, key, nil); err != nil {
				b.Fatal(err)
			}
			if err := u.Unregister(p, key); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	})
}

func BenchmarkDispatch100(b *testing.B) {
	rt := newRuntime(b)
	d := startDuplicate(b, rt, Options{})
	for range 100 {
		_, pid := startProbe(b, rt, false)
		mustRegister(b, rt, d.Registry, pid, "topic", nil)
	}
	var key any = "topic"
	n := 0
	fn := func(es []Entry) { n += len(es) }
	b.ReportAllocs()
	for b.Loop() {
		d.Dispatch(key, fn)
	}
}
