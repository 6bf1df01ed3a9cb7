package gen

import (
	"sync"
	"sync/atomic"
)

// procTable maps a process number to its live *Process. Process numbers come
// from a counter and are never reused, so the table is a directory of
// fixed-size chunks indexed by number: a lookup is two atomic loads and takes
// no lock, which matters because every send and call does one. A chunk is
// dropped once every number in it has been used and released.
type procTable struct {
	dir atomic.Pointer[[]*procChunk] // replaced whole when it grows
	mu  sync.Mutex                   // guards growing dir and dropping chunks
}

const chunkBits = 12
const chunkSize = 1 << chunkBits

type procChunk struct {
	slots    [chunkSize]atomic.Pointer[Process]
	released atomic.Int32
}

func (t *procTable) lookup(key uint64) *Process {
	d := t.dir.Load()
	i := key >> chunkBits
	if d == nil || i >= uint64(len(*d)) {
		return nil
	}
	c := (*d)[i]
	if c == nil {
		return nil
	}
	return c.slots[key&(chunkSize-1)].Load()
}

func (t *procTable) chunk(key uint64) *procChunk {
	i := key >> chunkBits
	if d := t.dir.Load(); d != nil && i < uint64(len(*d)) && (*d)[i] != nil {
		return (*d)[i]
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.dir.Load()
	var cur []*procChunk
	if d != nil {
		cur = *d
	}
	if i < uint64(len(cur)) && cur[i] != nil {
		return cur[i]
	}
	// Copy on write: readers keep using the old directory meanwhile.
	n := uint64(len(cur))
	if i >= n {
		n = max(i+1, 2*n)
	}
	next := make([]*procChunk, n)
	copy(next, cur)
	c := &procChunk{}
	next[i] = c
	t.dir.Store(&next)
	return c
}

func (t *procTable) insert(key uint64, p *Process) {
	t.chunk(key).slots[key&(chunkSize-1)].Store(p)
}

func (t *procTable) remove(key uint64, p *Process) {
	i := key >> chunkBits
	d := t.dir.Load()
	if d == nil || i >= uint64(len(*d)) || (*d)[i] == nil {
		return
	}
	c := (*d)[i]
	if !c.slots[key&(chunkSize-1)].CompareAndSwap(p, nil) {
		return
	}
	if c.released.Add(1) < chunkSize {
		return
	}
	// Every number in the chunk has come and gone: drop it.
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := *t.dir.Load()
	next := make([]*procChunk, len(cur))
	copy(next, cur)
	next[i] = nil
	t.dir.Store(&next)
}

// each calls f for every live process.
func (t *procTable) each(f func(*Process)) {
	d := t.dir.Load()
	if d == nil {
		return
	}
	for _, c := range *d {
		if c == nil {
			continue
		}
		for j := range c.slots {
			if p := c.slots[j].Load(); p != nil {
				f(p)
			}
		}
	}
}
