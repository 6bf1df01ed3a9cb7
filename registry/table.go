package registry

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gen-go/gen"
)

// A table is one run of a registry: its key table, its metadata and its
// partitions. A new run starts with a new table, so a stopped registry's
// entries never leak into the next run.
//
// Lock order: partition.mu -> dupKey.mu -> gen's process locks (Unlink,
// Link by the partition process, which traps exits). Readers take only
// dupKey.mu, shared. No lock is held while a registry callback (a Match
// predicate, a Dispatch func, an UpdateValue func) runs or a message is sent.
type table struct {
	reg   *Registry
	rt    *gen.Runtime
	dup   bool
	keys  sync.Map // key -> *uentry (unique) or *dupKey (duplicate)
	meta  sync.Map // meta key -> value
	parts []*partition
	dead  atomic.Bool
}

// uentry is a unique key's entry. It is immutable: UpdateValue and takeovers
// swap the pointer, so readers need no lock and CompareAndDelete acts only on
// the entry the remover saw.
type uentry struct {
	pid   gen.PID
	value any
}

// dupKey holds a duplicate key's entries, in registration order. Once its
// last entry is gone it is marked deleted and dropped from the key table;
// a writer that finds a deleted dupKey looks the key up again.
type dupKey struct {
	mu      sync.RWMutex // guards es and deleted
	es      []Entry
	deleted bool
}

func newTable(r *Registry, n int) *table {
	t := &table{reg: r, rt: r.rt, dup: r.dup, parts: make([]*partition, n)}
	for i := range t.parts {
		t.parts[i] = &partition{t: t, idx: i, owners: make(map[gen.PID]*owner)}
	}
	return t
}

// die marks the table dead once any of its partitions has exited, and lets
// the registry forget it.
func (t *table) die() {
	t.dead.Store(true)
	t.reg.cur.CompareAndSwap(t, nil)
}

// partFor returns the partition that owns pid's registrations.
func (t *table) partFor(pid gen.PID) *partition {
	if len(t.parts) == 1 {
		return t.parts[0]
	}
	return t.parts[(uint64(pid.Serial)<<32|uint64(pid.ID))%uint64(len(t.parts))]
}

// partIndex returns the index of the partition whose process is pid, or -1.
func (t *table) partIndex(pid gen.PID) int {
	for i, pt := range t.parts {
		if pt.pid == pid {
			return i
		}
	}
	return -1
}

func (t *table) alive(pid gen.PID) bool { return t.rt.Alive(pid) }

// insert adds the entry (pid, value) under key. pid's partition lock must
// be held and pid alive. For a unique key held by another live process it
// returns that process and false; a dead holder's entry is taken over.
func (t *table) insert(key any, pid gen.PID, value any) (gen.PID, bool) {
	if t.dup {
		t.insertDup(key, pid, value)
		return gen.PID{}, true
	}
	ne := &uentry{pid: pid, value: value}
	for {
		v, loaded := t.keys.LoadOrStore(key, ne)
		if !loaded {
			return gen.PID{}, true
		}
		cur := v.(*uentry)
		if cur.pid == pid || t.alive(cur.pid) {
			return cur.pid, false
		}
		// The holder has exited and its partition has not cleaned up yet:
		// take the key over, and its entry off its partition's count. Its
		// cleanup will find the key held by someone else and leave it.
		if t.keys.CompareAndSwap(key, cur, ne) {
			t.partFor(cur.pid).count.Add(-1)
			return gen.PID{}, true
		}
	}
}

func (t *table) insertDup(key any, pid gen.PID, value any) {
	for {
		v, ok := t.keys.Load(key)
		if !ok {
			d := &dupKey{es: []Entry{{PID: pid, Value: value}}}
			if _, loaded := t.keys.LoadOrStore(key, d); !loaded {
				return
			}
			continue
		}
		d := v.(*dupKey)
		d.mu.Lock()
		if !d.deleted {
			d.es = append(d.es, Entry{PID: pid, Value: value})
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
	}
}

// remove deletes pid's entries under key and returns how many it deleted.
// pid's partition lock must be held.
func (t *table) remove(key any, pid gen.PID) int {
	if !t.dup {
		for {
			v, ok := t.keys.Load(key)
			if !ok {
				return 0
			}
			e := v.(*uentry)
			if e.pid != pid {
				return 0
			}
			if t.keys.CompareAndDelete(key, v) {
				return 1
			}
		}
	}
	for {
		v, ok := t.keys.Load(key)
		if !ok {
			return 0
		}
		d := v.(*dupKey)
		d.mu.Lock()
		if d.deleted {
			d.mu.Unlock()
			continue
		}
		before := len(d.es)
		d.es = slices.DeleteFunc(d.es, func(e Entry) bool { return e.PID == pid })
		n := before - len(d.es)
		if len(d.es) == 0 {
			d.deleted = true
			t.keys.CompareAndDelete(key, d)
		}
		d.mu.Unlock()
		return n
	}
}

// appendEntries appends the live entries under key to dst.
func (t *table) appendEntries(dst []Entry, key any) []Entry {
	v, ok := t.keys.Load(key)
	if !ok {
		return dst
	}
	if !t.dup {
		e := v.(*uentry)
		if !t.alive(e.pid) {
			return dst
		}
		return append(dst, Entry{PID: e.pid, Value: e.value})
	}
	d := v.(*dupKey)
	fresh := dst == nil
	d.mu.RLock()
	if fresh {
		dst = make([]Entry, 0, len(d.es))
	}
	for _, e := range d.es {
		if t.alive(e.PID) {
			dst = append(dst, e)
		}
	}
	d.mu.RUnlock()
	if fresh && len(dst) == 0 {
		return nil
	}
	return dst
}

// count returns the number of entries in the table: those of processes that
// have exited count until their partition has cleaned up.
func (t *table) count() int {
	n := int64(0)
	for _, pt := range t.parts {
		n += pt.count.Load()
	}
	return int(n)
}

// notify tells the listeners.
func (t *table) notify(msg any) {
	for _, l := range t.reg.opts.Listeners {
		_ = gen.Send(t.rt, l, msg)
	}
}
