package registry

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gen-go/gen"
)

// A partition owns the registrations of the processes whose PIDs map to it:
// it keeps their index of keys, orders their writes, and runs as a process
// that traps exits, so that the exit of a linked registrant arrives as an
// ExitSignal and its entries are removed.
//
// The struct is the partition process's server. Its fields are shared with
// the goroutines that register, so the callbacks lock like everyone else.
type partition struct {
	t   *table
	idx int
	pid gen.PID // set by Init, before the registry is published

	mu     sync.Mutex // guards owners and the key-table writes for its processes
	owners map[gen.PID]*owner
	count  atomic.Int64 // entries of its processes in the key table
}

// owner is one registering process's index in its partition.
type owner struct {
	keys map[any]int // key -> number of entries (1 for unique keys)
	// ownLink is set when the registry made the link to the process, so
	// the registry removes it with the process's last key; a link that was
	// there before stays.
	ownLink bool
}

// linkReq asks the partition process to link to pid, registered by a via
// name on its behalf (RegisterName is called by the starter, not by pid).
type linkReq struct{ pid gen.PID }

// Init traps exits and, in partition 0, starts the other partitions linked
// to it, so that they stop with it and it stops with any of them.
func (pt *partition) Init(p *gen.Process) error {
	p.TrapExit(true)
	pt.pid = p.Self()
	if pt.idx != 0 {
		return nil
	}
	for i := 1; i < len(pt.t.parts); i++ {
		if _, err := gen.StartLink(p, p.Runtime(), pt.t.parts[i], gen.WithVia(lifeHook{pt.t}, i)); err != nil {
			return fmt.Errorf("registry: starting partition %d: %w", i, err)
		}
	}
	return nil
}

// HandleInfo cleans up after registrants that exited and links via-named
// processes.
func (pt *partition) HandleInfo(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case gen.ExitSignal:
		if pt.idx == 0 && pt.t.partIndex(m.From) > 0 {
			// Another partition stopped: the registry stops as one. (A
			// signal from partition 0, the parent of the others, does not
			// get here: gen terminates them with its reason.)
			return m.Reason
		}
		pt.cleanup(m.From)
	case linkReq:
		pt.mu.Lock()
		if _, ok := pt.owners[m.pid]; ok {
			// Safe under the lock: this process traps exits, so Link to a
			// process that is gone only queues an ExitSignal.
			p.Link(m.pid)
		}
		pt.mu.Unlock()
	}
	return nil
}

// cleanup removes every entry of pid, which has exited.
func (pt *partition) cleanup(pid gen.PID) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	o, ok := pt.owners[pid]
	if !ok {
		return
	}
	delete(pt.owners, pid)
	for key := range o.keys {
		pt.count.Add(-int64(pt.t.remove(key, pid)))
	}
}

// partitionStatus is what sys.GetStatus and crash reports show of a
// partition instead of its tables.
type partitionStatus struct {
	Partition int
	Processes int
	Entries   int64
}

// FormatStatus summarises the partition, so that status reports neither copy
// the tables nor read them without the lock.
func (pt *partition) FormatStatus(s gen.Status) gen.Status {
	pt.mu.Lock()
	s.State = partitionStatus{Partition: pt.idx, Processes: len(pt.owners), Entries: pt.count.Load()}
	pt.mu.Unlock()
	return s
}

// add records a new entry of pid under key in the index. pt.mu must be held.
func (pt *partition) add(pid gen.PID, key any, ownLink bool) {
	o := pt.owners[pid]
	if o == nil {
		o = &owner{keys: make(map[any]int), ownLink: ownLink}
		pt.owners[pid] = o
	}
	o.keys[key]++
	pt.count.Add(1)
}

// drop removes key from pid's index after its entries were deleted, and
// pid's record once it has no keys left, which it returns (nil otherwise).
// pt.mu must be held.
func (pt *partition) drop(pid gen.PID, key any, removed int) *owner {
	pt.count.Add(-int64(removed))
	o := pt.owners[pid]
	if o == nil {
		return nil
	}
	delete(o.keys, key)
	if len(o.keys) > 0 {
		return nil
	}
	delete(pt.owners, pid)
	return o
}
