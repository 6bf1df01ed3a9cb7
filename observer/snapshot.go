package observer

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen-go/gen"
)

// Bounds of one snapshot, so that a large or sick runtime costs the page a
// bounded time and a bounded picture.
const (
	maxProbes   = 32              // processes asked whether they are supervisors, per snapshot
	maxDepth    = 12              // levels of the tree below a root
	maxNodes    = 1000            // nodes in all trees
	maxChildren = 100             // children drawn per supervisor; the rest are counted
	retryAfter  = 5 * time.Second // before a process that did not answer is asked again
	forgetAfter = time.Minute     // a child slot unseen this long is forgotten
)

// A snapshot is the dashboard's view of the runtime at one time: every
// process, and the supervision trees.
type snapshot struct {
	At           time.Time
	Instrumented bool
	Procs        []procRow
	Tree         []*treeNode
}

// procRow is one row of the process table.
type procRow struct {
	ID         string    `json:"id"` // pidKey, for URLs
	PID        string    `json:"pid"`
	Name       string    `json:"name,omitempty"`
	Status     string    `json:"status"`
	Mailbox    int       `json:"mailbox"`
	Messages   uint64    `json:"messages"`
	Restarts   int       `json:"restarts"`
	Callback   string    `json:"callback,omitempty"`
	Supervisor bool      `json:"supervisor,omitempty"`
	Started    time.Time `json:"started"`
}

// treeNode is a process in a supervision tree.
type treeNode struct {
	// Key names the node's place in the tree: the root's name (or PID),
	// then the child IDs down to the node, so that it stays the same when
	// the child is restarted. A child of a DynamicSupervisor, which has no
	// ID, is named by its PID.
	Key        string `json:"key"`
	ID         string `json:"id,omitempty"` // pidKey; "" when no process runs
	PID        string `json:"pid,omitempty"`
	Name       string `json:"name,omitempty"`
	ChildID    string `json:"childId,omitempty"`
	Supervisor bool   `json:"supervisor"`
	// Status is the process's status, or "restarting" or "stopped" for a
	// child with no process, or "exited".
	Status string `json:"status"`
	// Restarts counts the times the dashboard saw the child's PID change;
	// RestartedAt is the last one, in Unix milliseconds.
	Restarts    int         `json:"restarts"`
	RestartedAt int64       `json:"restartedAt,omitempty"`
	Error       string      `json:"error,omitempty"` // the supervisor did not list its children
	More        int         `json:"more,omitempty"`  // children not drawn
	Children    []*treeNode `json:"children,omitempty"`

	pid gen.PID // the process, for the walk
}

// kind is what the dashboard knows of a process being a supervisor.
type kind struct {
	sup   bool
	known bool // false: the process did not answer whether it is
	// retry is when the process may be asked again after it did not
	// answer in time: whether it is a supervisor (when not known) or for
	// its children (a supervisor). Each unanswered request stays in its
	// mailbox, so a process that does not answer is not asked at every
	// look.
	retry time.Time
}

// slot is a supervisor's child, by its tree key: which process fills it and
// how often that changed.
type slot struct {
	pid      gen.PID
	restarts int
	at       time.Time
	seen     time.Time // the last snapshot that saw it
}

// watcher takes snapshots and keeps what outlives one: which processes are
// supervisors, and the restarts seen. It starts no goroutine: snapshots are
// taken by the requests that need them.
type watcher struct {
	src    source
	roots  []gen.Dest // named roots; nil means discover them
	minAge time.Duration

	last atomic.Pointer[snapshot] // the latest snapshot, for readers that do not need a fresh one

	// mu guards the fields below. It is held while a snapshot is taken,
	// which takes a bounded time, so that concurrent viewers share one.
	mu    sync.Mutex
	kinds map[gen.PID]kind
	slots map[string]*slot
}

func newWatcher(src source, roots []gen.Dest, minAge time.Duration) *watcher {
	return &watcher{src: src, roots: roots, minAge: minAge,
		kinds: make(map[gen.PID]kind), slots: make(map[string]*slot)}
}

// snapshot returns a snapshot no older than the watcher's minimum age. It
// takes at most about 8 probe timeouts however the processes behave. The
// snapshot is shared by every viewer, so a request that ends while it is
// taken does not cut it short: ctx's values are used, not its end.
func (w *watcher) snapshot(ctx context.Context) *snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if last := w.last.Load(); last != nil && now.Sub(last.At) < w.minAge {
		return last
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 8*w.src.timeout)
	defer cancel()

	procs := w.src.all()
	byPID := make(map[gen.PID]*procInfo, len(procs))
	for i := range procs {
		byPID[procs[i].PID] = &procs[i]
	}
	for pid := range w.kinds {
		if byPID[pid] == nil {
			delete(w.kinds, pid)
		}
	}
	var roots []*treeNode
	if w.roots != nil {
		roots = w.namedRoots(byPID)
	} else {
		w.classify(ctx, procs, byPID, now)
		roots = w.discoveredRoots(procs, byPID)
	}
	restarts := w.walk(ctx, roots, byPID, now)
	for key, sl := range w.slots {
		if now.Sub(sl.seen) > forgetAfter {
			delete(w.slots, key)
		}
	}

	rows := make([]procRow, len(procs))
	for i := range procs {
		p := &procs[i]
		rows[i] = procRow{ID: pidKey(p.PID), PID: p.PID.String(), Name: string(p.Name), Status: p.Status,
			Mailbox: p.Mailbox, Messages: p.Messages, Restarts: restarts[p.PID], Callback: p.Callback,
			Supervisor: w.kinds[p.PID].sup, Started: p.Started}
	}
	s := &snapshot{At: now, Instrumented: w.src.instrumented(), Procs: rows, Tree: roots}
	w.last.Store(s)
	return s
}

// known returns what the latest snapshot knew of pid, without waiting for
// one being taken: the restarts of its child slot, and whether it is a
// supervisor.
func (w *watcher) known(pid gen.PID) (restarts int, sup bool) {
	s := w.last.Load()
	if s == nil {
		return 0, false
	}
	key := pid.String()
	for i := range s.Procs {
		if r := &s.Procs[i]; r.PID == key {
			return r.Restarts, r.Supervisor
		}
	}
	return 0, false
}

// classify asks the processes that may be supervisors, and are not known
// yet, what they are: first those whose parent is known not to be a
// supervisor (the possible roots), then the others, at most maxProbes in
// all. A process whose parent is a known supervisor is not asked: the walk
// learns its kind from its parent.
func (w *watcher) classify(ctx context.Context, procs []procInfo, byPID map[gen.PID]*procInfo, now time.Time) {
	budget := maxProbes
	for budget > 0 {
		var ask []gen.PID
		for i := range procs {
			p := &procs[i]
			if !mayBeSupervisor(p) {
				continue
			}
			if k, ok := w.kinds[p.PID]; ok && (k.known || now.Before(k.retry)) {
				continue
			}
			if pk, ok := w.kinds[p.Parent]; ok && pk.sup {
				continue
			}
			ask = append(ask, p.PID)
			if len(ask) == budget {
				break
			}
		}
		if len(ask) == 0 {
			return
		}
		budget -= len(ask)
		sups := make([]bool, len(ask))
		errs := make([]error, len(ask))
		each(len(ask), probes, func(i int) { sups[i], errs[i] = w.src.isSupervisor(ctx, ask[i]) })
		for i, pid := range ask {
			if errs[i] != nil {
				w.kinds[pid] = kind{retry: now.Add(retryAfter)}
			} else {
				w.kinds[pid] = kind{sup: sups[i], known: true}
			}
		}
	}
}

// discoveredRoots returns a node for every supervisor that is not the child
// of another, by name, then PID.
func (w *watcher) discoveredRoots(procs []procInfo, byPID map[gen.PID]*procInfo) []*treeNode {
	var roots []*treeNode
	for i := range procs {
		p := &procs[i]
		if !w.kinds[p.PID].sup {
			continue
		}
		if _, ok := byPID[p.Parent]; ok && w.kinds[p.Parent].sup {
			continue
		}
		roots = append(roots, w.rootNode(p.PID, p))
	}
	slices.SortStableFunc(roots, func(a, b *treeNode) int {
		if (a.Name == "") != (b.Name == "") {
			return cmp.Compare(b.Name, a.Name) // named roots first
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return roots
}

// namedRoots returns a node for each root the caller named; a root that
// does not run is shown as exited.
func (w *watcher) namedRoots(byPID map[gen.PID]*procInfo) []*treeNode {
	roots := make([]*treeNode, 0, len(w.roots))
	for _, d := range w.roots {
		pid, ok := w.src.whereis(d)
		if !ok {
			roots = append(roots, &treeNode{Key: destKey(d), Name: destKey(d), Supervisor: true, Status: "exited"})
			continue
		}
		k := w.kinds[pid]
		k.sup, k.known = true, true
		w.kinds[pid] = k
		roots = append(roots, w.rootNode(pid, byPID[pid]))
	}
	return roots
}

func (w *watcher) rootNode(pid gen.PID, p *procInfo) *treeNode {
	n := &treeNode{Key: pid.String(), ID: pidKey(pid), PID: pid.String(), Supervisor: true, Status: "running",
		pid: pid}
	if p != nil {
		n.Status, n.Name = p.Status, string(p.Name)
		if p.Name != "" {
			n.Key = string(p.Name)
		}
	}
	return n
}

func destKey(d gen.Dest) string {
	switch d := d.(type) {
	case gen.Name:
		return string(d)
	case gen.PID:
		return d.String()
	case gen.RemoteName:
		return string(d.Name) + "@" + d.Node
	}
	return "root"
}

// walk asks the supervisors of the trees for their children, level by
// level, each level's supervisors at once (a few at a time), and fills in
// the nodes. It records the restarts it sees and returns the restarts of
// the process now in each child slot.
func (w *watcher) walk(ctx context.Context, roots []*treeNode, byPID map[gen.PID]*procInfo, now time.Time) map[gen.PID]int {
	restarts := make(map[gen.PID]int)
	type sup struct {
		node *treeNode
		pid  gen.PID
	}
	var level []sup
	for _, r := range roots {
		if !r.pid.IsZero() {
			level = append(level, sup{r, r.pid})
		}
	}
	count := len(roots)
	for depth := 0; len(level) > 0 && depth < maxDepth; depth++ {
		lists := make([][]childInfo, len(level))
		errs := make([]error, len(level))
		each(len(level), probes, func(i int) {
			if now.Before(w.kinds[level[i].pid].retry) {
				errs[i] = errQuiet
				return
			}
			lists[i], errs[i] = w.src.children(ctx, level[i].pid)
		})
		var next []sup
		for i, s := range level {
			if errs[i] != nil {
				s.node.Error = describe(errs[i])
				if timedOut(errs[i]) {
					k := w.kinds[s.pid]
					k.retry = now.Add(retryAfter)
					w.kinds[s.pid] = k
				}
				continue
			}
			for j, c := range lists[i] {
				if j == maxChildren || count == maxNodes {
					s.node.More = len(lists[i]) - j
					break
				}
				count++
				n := w.childNode(s.node, c, byPID, now)
				s.node.Children = append(s.node.Children, n)
				if !c.PID.IsZero() {
					k := w.kinds[c.PID]
					k.sup, k.known = c.Supervisor, true
					w.kinds[c.PID] = k
					restarts[c.PID] = n.Restarts
					if c.Supervisor {
						next = append(next, sup{n, c.PID})
					}
				}
			}
		}
		level = next
	}
	return restarts
}

// childNode makes the node of child c of the node parent, and counts a
// restart when the slot's process changed since the last snapshot.
func (w *watcher) childNode(parent *treeNode, c childInfo, byPID map[gen.PID]*procInfo, now time.Time) *treeNode {
	n := &treeNode{ChildID: c.ID, Supervisor: c.Supervisor}
	if c.ID != "" {
		n.Key = parent.Key + "/" + c.ID
	} else {
		n.Key = parent.Key + "/#" + pidKey(c.PID)
	}
	switch {
	case c.PID.IsZero() && c.Restarting:
		n.Status = "restarting"
	case c.PID.IsZero():
		n.Status = "stopped"
	default:
		n.ID, n.PID = pidKey(c.PID), c.PID.String()
		if p := byPID[c.PID]; p != nil {
			n.Status, n.Name = p.Status, string(p.Name)
		} else if w.src.alive(c.PID) {
			n.Status = "running" // started after the process table was read
		} else {
			n.Status = "exited"
		}
	}
	if c.ID == "" {
		return n
	}
	sl := w.slots[n.Key]
	if sl == nil {
		sl = &slot{}
		w.slots[n.Key] = sl
	}
	if !c.PID.IsZero() {
		if !sl.pid.IsZero() && sl.pid != c.PID {
			sl.restarts++
			sl.at = now
		}
		sl.pid = c.PID
	}
	sl.seen = now
	n.Restarts = sl.restarts
	if sl.restarts > 0 {
		n.RestartedAt = sl.at.UnixMilli()
	}
	return n
}

// errQuiet stands for the answer of a supervisor that is not asked, having
// not answered in time lately.
var errQuiet = errors.New("observer: no answer in time lately; asking again soon")

// describe says why a process did not answer, for the page.
func describe(err error) string {
	switch {
	case err == errQuiet:
		return "no answer in time lately (busy in a callback?)"
	case timedOut(err):
		return "no answer in time (busy in a callback?)"
	case noProc(err):
		return "exited"
	}
	var ce *gen.CallError
	if errors.As(err, &ce) && ce.Err != nil {
		return ce.Err.Error()
	}
	return err.Error()
}

// A view is what a viewer asked to see of the process table: an order, a
// filter on name or PID, and a limit.
type view struct {
	sort  string // pid, name, mailbox, messages or restarts
	desc  bool
	q     string
	limit int
}

// Limits of a view.
const (
	defaultLimit = 500
	maxLimit     = 5000
)

// apply returns the rows of the view, and how many matched the filter.
func (v view) apply(rows []procRow) ([]procRow, int) {
	q := strings.ToLower(v.q)
	out := make([]procRow, 0, min(len(rows), v.limit))
	var matched []procRow
	if q == "" {
		matched = slices.Clone(rows)
	} else {
		for _, r := range rows {
			if strings.Contains(strings.ToLower(r.Name), q) || strings.Contains(r.PID, q) {
				matched = append(matched, r)
			}
		}
	}
	var f func(a, b procRow) int
	switch v.sort {
	case "name":
		f = func(a, b procRow) int {
			if (a.Name == "") != (b.Name == "") {
				return cmp.Compare(b.Name, a.Name) // unnamed last
			}
			return cmp.Compare(a.Name, b.Name)
		}
	case "mailbox":
		f = func(a, b procRow) int { return cmp.Compare(a.Mailbox, b.Mailbox) }
	case "messages":
		f = func(a, b procRow) int { return cmp.Compare(a.Messages, b.Messages) }
	case "restarts":
		f = func(a, b procRow) int { return cmp.Compare(a.Restarts, b.Restarts) }
	}
	switch {
	case f == nil && v.desc: // the rows come ordered by PID
		slices.Reverse(matched)
	case f != nil && v.desc:
		slices.SortStableFunc(matched, func(a, b procRow) int { return f(b, a) })
	case f != nil:
		slices.SortStableFunc(matched, f)
	}
	out = append(out, matched[:min(len(matched), v.limit)]...)
	return out, len(matched)
}
