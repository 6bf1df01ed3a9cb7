package observer_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/observer"
	"github.com/gen-go/gen/supervisor"
	"github.com/gen-go/gen/sys"
)

func TestHandlerNilRuntime(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.HasPrefix(v.(string), "observer: ") {
			t.Errorf("recover() = %v; want an observer: panic", v)
		}
	}()
	observer.Handler(nil)
}

func TestPage(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	for _, tc := range []struct {
		path, want, ctype string
	}{
		{"/", `<script src="static/app.js"`, "text/html; charset=utf-8"},
		{"/static/app.js", "EventSource", "text/javascript; charset=utf-8"},
		{"/static/app.css", "@keyframes flash", "text/css; charset=utf-8"},
	} {
		w := do(t, h, http.MethodGet, tc.path)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("GET %s = %d, body without %q", tc.path, w.Code, tc.want)
		}
		if got := w.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("GET %s: Content-Type %q; want %q", tc.path, got, tc.ctype)
		}
	}
	w := do(t, h, http.MethodGet, "/")
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the page's Content-Security-Policy is %q; want default-src 'none'", csp)
	}
	if got := w.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q; want DENY", got)
	}
	// The page loads nothing from elsewhere.
	for _, f := range []string{"/", "/static/app.js", "/static/app.css"} {
		body := do(t, h, http.MethodGet, f).Body.String()
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if strings.Contains(body, bad) && !strings.Contains(body, "http://www.w3.org/2000/svg") {
				t.Errorf("%s contains %q", f, bad)
			}
		}
	}
	for _, path := range []string{"/nothing", "/static/", "/static/nothing.js", "/static/../doc.go"} {
		if w := do(t, h, http.MethodGet, path); w.Code == http.StatusOK {
			t.Errorf("GET %s = 200 %.40q; want no page", path, w.Body)
		}
	}
}

func TestProcessTable(t *testing.T) {
	synctest.Test(t, testProcessTable)
}

func testProcessTable(t *testing.T) {
	rt := newRuntime(t)
	ctx := t.Context()
	h := observer.Handler(rt)
	var busy gen.PID
	for _, n := range []gen.Name{"alpha", "beta", "gamma"} {
		pid, err := gen.Start(ctx, rt, &counter{}, gen.WithName(n))
		if err != nil {
			t.Fatal(err)
		}
		if n == "beta" {
			busy = pid
		}
	}
	// beta is suspended with three casts waiting, and has handled none.
	if err := sys.Suspend(ctx, rt, busy); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_ = gen.Cast(rt, busy, "inc")
	}
	// gamma has handled two.
	for range 2 {
		_ = gen.Cast(rt, gen.Name("gamma"), "inc")
	}
	if _, err := gen.Call[int](ctx, rt, gen.Name("gamma"), "get"); err != nil {
		t.Fatal(err)
	}
	synctest.Wait() // every process parked

	tab := getJSON[tableResp](t, h, "/api/processes")
	if !tab.Instrumented || tab.Total != 3 || tab.Matched != 3 || len(tab.Processes) != 3 {
		t.Fatalf("table = %+v; want 3 processes, instrumented", tab)
	}
	for _, tc := range []struct {
		query, want string
	}{
		{"sort=name", "alpha beta gamma"},
		{"sort=name&desc=1", "gamma beta alpha"},
		{"sort=mailbox&desc=1", "beta alpha gamma"},
		{"sort=messages&desc=1", "gamma beta alpha"}, // beta handled the Suspend
		{"sort=pid", "alpha beta gamma"},
		{"sort=pid&desc=1", "gamma beta alpha"},
		{"q=AM", "gamma"},
		{"q=a&sort=name&limit=2", "alpha beta"},
	} {
		tab := getJSON[tableResp](t, h, "/api/processes?"+tc.query)
		var got []string
		for _, r := range tab.Processes {
			got = append(got, r.Name)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("?%s: %q; want %q", tc.query, strings.Join(got, " "), tc.want)
		}
	}
	tab = getJSON[tableResp](t, h, "/api/processes?sort=name")
	if b := tab.Processes[1]; b.Mailbox != 3 || b.Status != "suspended" {
		t.Errorf("beta = %+v; want 3 in the mailbox, suspended", b)
	}
	if g := tab.Processes[2]; g.Messages != 3 {
		t.Errorf("gamma handled %d messages; want 3", g.Messages)
	}
	if tab := getJSON[tableResp](t, h, "/api/processes?q=a&limit=2"); tab.Matched != 3 || len(tab.Processes) != 2 {
		t.Errorf("limit=2: matched %d, %d rows; want 3, 2", tab.Matched, len(tab.Processes))
	}
}

// kvLike starts a tree shaped like the KV application's.
func kvLike(t *testing.T, rt *gen.Runtime) gen.PID {
	t.Helper()
	spec := supervisor.Spec{Strategy: supervisor.OneForOne, Children: []supervisor.ChildSpec{
		supervisor.Sub("kv", supervisor.Spec{Strategy: supervisor.OneForAll, Children: []supervisor.ChildSpec{
			supervisor.DynamicChild("buckets", supervisor.Dynamic{}, gen.WithName("app.buckets")),
			supervisor.Worker("registry", newCounter, gen.WithName("app.registry")),
		}}, gen.WithName("app.sup")),
		supervisor.Worker("worker", newCounter),
	}}
	top, err := supervisor.Start(t.Context(), rt, spec, gen.WithName("app"))
	if err != nil {
		t.Fatal(err)
	}
	return top
}

func TestTree(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	kvLike(t, rt)
	for range 2 {
		if _, err := supervisor.StartChild(t.Context(), rt, gen.Name("app.buckets"),
			supervisor.ChildSpec{Start: func(ctx context.Context) (gen.PID, error) {
				return gen.StartLink(ctx, rt, &counter{})
			}, Restart: supervisor.Temporary}); err != nil {
			t.Fatal(err)
		}
	}
	// A process that is not a supervisor, trapping exits or not, is no root.
	if _, err := gen.Start(t.Context(), rt, &counter{}, gen.WithName("loner")); err != nil {
		t.Fatal(err)
	}

	tree := getJSON[treeResp](t, h, "/api/tree").Tree
	if len(tree) != 1 || tree[0].Name != "app" || !tree[0].Supervisor {
		t.Fatalf("roots = %q; want app", names(tree))
	}
	app := tree[0]
	if got := names(app.Children); got != "app.sup worker" {
		t.Errorf("app's children = %q; want \"app.sup worker\"", got)
	}
	sup := find(tree, "app.sup")
	if got := names(sup.Children); got != "app.buckets app.registry" || !sup.Supervisor || sup.ChildID != "kv" {
		t.Errorf("app.sup = %+v, children %q; want a supervisor with child ID kv, children app.buckets app.registry", sup, got)
	}
	buckets := find(tree, "app.buckets")
	if !buckets.Supervisor || len(buckets.Children) != 2 {
		t.Fatalf("app.buckets = %+v; want a supervisor with 2 children", buckets)
	}
	for _, b := range buckets.Children {
		if b.ChildID != "" || b.PID == "" || b.Supervisor || !strings.HasPrefix(b.Key, "app/kv/buckets/#") {
			t.Errorf("bucket node = %+v; want a worker without child ID, keyed by PID", b)
		}
	}
	if w := find(tree, "worker"); w == nil || w.Name != "" || w.Key != "app/worker" || w.ID == "" {
		t.Errorf("worker = %+v; want an unnamed child keyed app/worker", w)
	}
	// The table marks the supervisors.
	for _, r := range getJSON[tableResp](t, h, "/api/processes").Processes {
		want := r.Name == "app" || r.Name == "app.sup" || r.Name == "app.buckets"
		if r.Supervisor != want {
			t.Errorf("%s (%s): supervisor = %v; want %v", r.Name, r.PID, r.Supervisor, want)
		}
	}
}

// Both kinds of the supervisor package's supervisors are found as roots:
// the dashboard recognises them by their server type.
func TestSupervisorTypes(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	if _, err := supervisor.Start(t.Context(), rt, supervisor.Spec{Strategy: supervisor.OneForOne},
		gen.WithName("a.sup")); err != nil {
		t.Fatal(err)
	}
	if _, err := supervisor.StartDynamic(t.Context(), rt, supervisor.Dynamic{}, gen.WithName("b.dyn")); err != nil {
		t.Fatal(err)
	}
	tree := getJSON[treeResp](t, h, "/api/tree").Tree
	if got := names(tree); got != "a.sup b.dyn" {
		t.Errorf("roots = %q; want \"a.sup b.dyn\"", got)
	}
}

func TestWithRoots(t *testing.T) {
	rt := newRuntime(t)
	kvLike(t, rt)
	h := observer.Handler(rt, observer.WithRoots(gen.Name("app.sup"), gen.Name("missing")))
	tree := getJSON[treeResp](t, h, "/api/tree").Tree
	if got := names(tree); got != "app.sup missing" {
		t.Fatalf("roots = %q; want \"app.sup missing\"", got)
	}
	if tree[0].Key != "app.sup" || len(tree[0].Children) != 2 {
		t.Errorf("app.sup = %+v; want its 2 children", tree[0])
	}
	if tree[1].Status != "exited" {
		t.Errorf("missing root's status = %q; want exited", tree[1].Status)
	}
}

// A restart is a child ID whose PID changed; the dashboard counts it and
// keeps counting across snapshots.
func TestRestartDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		h := observer.Handler(rt)
		kvLike(t, rt)
		tree := getJSON[treeResp](t, h, "/api/tree").Tree
		reg := find(tree, "app.registry")
		if reg.Restarts != 0 || reg.RestartedAt != 0 {
			t.Fatalf("registry before = %+v; want no restarts", reg)
		}
		old, _ := rt.Whereis(gen.Name("app.registry"))
		oldBuckets, _ := rt.Whereis(gen.Name("app.buckets"))

		rt.Exit(old, gen.ErrKill) // one_for_all: buckets restart too
		synctest.Wait()
		time.Sleep(time.Second) // past the age at which a snapshot is reused
		now := time.Now()
		tree = getJSON[treeResp](t, h, "/api/tree").Tree
		reg = find(tree, "app.registry")
		buckets := find(tree, "app.buckets")
		if reg.PID == old.String() || reg.Restarts != 1 || reg.RestartedAt != now.UnixMilli() {
			t.Errorf("registry after a kill = %+v; want a new PID, 1 restart at %d", reg, now.UnixMilli())
		}
		if buckets.PID == oldBuckets.String() || buckets.Restarts != 1 {
			t.Errorf("buckets after its sibling's kill = %+v; want 1 restart (one_for_all)", buckets)
		}
		if w := find(tree, "worker"); w.Restarts != 0 {
			t.Errorf("worker = %+v; want no restarts", w)
		}
		// The table shows the restarts of the process in the slot.
		for _, r := range getJSON[tableResp](t, h, "/api/processes").Processes {
			if r.Name == "app.registry" && r.Restarts != 1 {
				t.Errorf("table: registry restarts = %d; want 1", r.Restarts)
			}
		}

		rt.Exit(mustWhereis(t, rt, "app.registry"), gen.ErrKill)
		synctest.Wait()
		time.Sleep(time.Second)
		if reg := find(getJSON[treeResp](t, h, "/api/tree").Tree, "app.registry"); reg.Restarts != 2 {
			t.Errorf("registry after a second kill: %d restarts; want 2", reg.Restarts)
		}
	})
}

func mustWhereis(t *testing.T, rt *gen.Runtime, n gen.Name) gen.PID {
	t.Helper()
	pid, ok := rt.Whereis(n)
	if !ok {
		t.Fatalf("no process named %s", n)
	}
	return pid
}

// A process that does not answer costs the page a bounded wait: the tree
// and the process page come back after the probe timeout, saying so.
func TestBusyProcessDoesNotStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) }) // before the runtime closes
		timeout := 100 * time.Millisecond
		h := observer.Handler(rt, observer.WithProbeTimeout(timeout))
		kvLike(t, rt)
		pid, err := gen.Start(t.Context(), rt, &blocker{release: release}, gen.WithName("stuck"))
		if err != nil {
			t.Fatal(err)
		}
		_ = gen.Cast(rt, pid, "block")
		synctest.Wait()

		start := time.Now()
		tree := getJSON[treeResp](t, h, "/api/tree").Tree
		if d := time.Since(start); d > timeout {
			t.Errorf("the tree took %v; want at most the probe timeout %v", d, timeout)
		}
		if got := names(tree); got != "app" {
			t.Errorf("roots = %q; want app", got)
		}
		// It is not asked again at once.
		time.Sleep(time.Second)
		start = time.Now()
		getJSON[treeResp](t, h, "/api/tree")
		if d := time.Since(start); d != 0 {
			t.Errorf("the second look took %v; want no wait", d)
		}

		start = time.Now()
		page := getJSON[processResp](t, h, "/api/process/"+id(t, h, pid))
		if d := time.Since(start); d != timeout {
			t.Errorf("the page took %v; want one probe timeout, %v", d, timeout)
		}
		if page.Name != "stuck" || !strings.Contains(page.Error, "no answer") || page.State != "" {
			t.Errorf("page = %+v; want an error saying the process did not answer", page)
		}

		// A supervisor that does not answer is drawn without children.
		sup := mustWhereis(t, rt, "app.sup")
		if err := sys.Suspend(t.Context(), rt, sup); err != nil {
			t.Fatal(err)
		}
		// Suspended, it still answers sys requests but not WhichChildren.
		time.Sleep(time.Second)
		start = time.Now()
		n := find(getJSON[treeResp](t, h, "/api/tree").Tree, "app.sup")
		if d := time.Since(start); d != timeout {
			t.Errorf("the tree took %v; want one probe timeout, %v", d, timeout)
		}
		if n.Error == "" || len(n.Children) != 0 || n.Status != "suspended" {
			t.Errorf("suspended app.sup = %+v; want an error and no children", n)
		}
		// It is not asked again at every look: each question would wait
		// in its mailbox.
		time.Sleep(time.Second)
		start = time.Now()
		n = find(getJSON[treeResp](t, h, "/api/tree").Tree, "app.sup")
		if d := time.Since(start); d != 0 || n.Error == "" {
			t.Errorf("a second look took %v and showed app.sup as %+v; want no wait, an error", d, n)
		}
		if err := sys.Resume(t.Context(), rt, sup); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		n = find(getJSON[treeResp](t, h, "/api/tree").Tree, "app.sup")
		if n.Error != "" || len(n.Children) != 2 {
			t.Errorf("app.sup resumed = %+v; want its 2 children", n)
		}
	})
}

func TestProcessPage(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	ctx := t.Context()
	top := kvLike(t, rt)
	reg := mustWhereis(t, rt, "app.registry")
	rid := id(t, h, reg)

	page := getJSON[processResp](t, h, "/api/process/"+rid)
	if page.Name != "app.registry" || page.PID != reg.String() || page.Error != "" {
		t.Fatalf("page = %+v", page)
	}
	if page.Server != "*observer_test.counter" || page.State != "&observer_test.counter{N:0}" {
		t.Errorf("server %q, state %q; want *observer_test.counter, &observer_test.counter{N:0}", page.Server, page.State)
	}
	sup := mustWhereis(t, rt, "app.sup")
	if page.Parent == nil || page.Parent.PID != sup.String() || page.Parent.Name != "app.sup" || page.Parent.ID == "" {
		t.Errorf("parent = %+v; want app.sup", page.Parent)
	}
	if len(page.Links) != 1 || page.Links[0].PID != sup.String() || !page.Links[0].Alive {
		t.Errorf("links = %+v; want app.sup", page.Links)
	}
	if page.LogOn || page.StatsOn || len(page.Log) != 0 {
		t.Errorf("log %v (%v), stats %v; want both off", page.LogOn, page.Log, page.StatsOn)
	}

	// Switch the log and the statistics on from the page.
	for _, a := range []string{"log-on", "stats-on"} {
		if w := do(t, h, http.MethodPost, "/api/process/"+rid+"/"+a); w.Code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", a, w.Code, w.Body)
		}
	}
	_ = gen.Cast(rt, reg, "inc")
	if _, err := gen.Call[int](ctx, rt, reg, "get"); err != nil {
		t.Fatal(err)
	}
	page = getJSON[processResp](t, h, "/api/process/"+rid)
	wantLog := []string{
		`*DBG* app.registry got cast inc`,
		`*DBG* app.registry new state &observer_test.counter{N:1}`,
		`*DBG* app.registry got call get from a goroutine`,
		`*DBG* app.registry sent 1 to a goroutine, new state &observer_test.counter{N:1}`,
	}
	if !page.LogOn || strings.Join(page.Log, "\n") != strings.Join(wantLog, "\n") {
		t.Errorf("log (on %v):\n%s\nwant:\n%s", page.LogOn, strings.Join(page.Log, "\n"), strings.Join(wantLog, "\n"))
	}
	if !page.StatsOn || page.Stats == nil || page.Stats.MessagesIn != 2 || page.Stats.Casts != 1 {
		t.Errorf("stats = %+v; want 2 messages in, 1 cast", page.Stats)
	}
	if page.State != "&observer_test.counter{N:1}" {
		t.Errorf("state = %q", page.State)
	}
	for _, a := range []string{"log-off", "stats-off"} {
		if w := do(t, h, http.MethodPost, "/api/process/"+rid+"/"+a); w.Code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", a, w.Code, w.Body)
		}
	}
	if page = getJSON[processResp](t, h, "/api/process/"+rid); page.LogOn || page.StatsOn {
		t.Errorf("after log-off, stats-off: log %v, stats %v", page.LogOn, page.StatsOn)
	}

	// A supervisor's page lists its children.
	page = getJSON[processResp](t, h, "/api/process/"+id(t, h, top))
	if len(page.Children) != 2 || !page.Supervisor {
		t.Errorf("app's page: children %+v, supervisor %v; want 2 children, a supervisor", page.Children, page.Supervisor)
	}

	for _, bad := range []string{"nope", "1", "99999.0", "1.x"} {
		if w := do(t, h, http.MethodGet, "/api/process/"+bad); w.Code != http.StatusNotFound {
			t.Errorf("GET /api/process/%s = %d; want 404", bad, w.Code)
		}
	}
}

// A server's FormatStatus shapes the state, and runs inside the process.
type secret struct{ Password string }

func (s *secret) FormatStatus(st gen.Status) gen.Status {
	st.State = "secret{Password:***}"
	return st
}

func TestProcessPageFormatStatus(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	pid, err := gen.Start(t.Context(), rt, &secret{Password: "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	page := getJSON[processResp](t, h, "/api/process/"+id(t, h, pid))
	if page.State != "secret{Password:***}" {
		t.Errorf("state = %q; want what FormatStatus returns", page.State)
	}
}

func TestActions(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	pid, err := gen.Start(t.Context(), rt, &counter{}, gen.WithName("victim"))
	if err != nil {
		t.Fatal(err)
	}
	vid := id(t, h, pid)
	path := "/api/process/" + vid

	if w := do(t, h, http.MethodPost, path+"/suspend"); w.Code != http.StatusOK {
		t.Fatalf("suspend: %d %s", w.Code, w.Body)
	}
	if p := getJSON[processResp](t, h, path); !p.Suspended || p.Status != "suspended" {
		t.Errorf("after suspend: suspended %v, status %q", p.Suspended, p.Status)
	}
	if w := do(t, h, http.MethodPost, path+"/resume"); w.Code != http.StatusOK {
		t.Fatalf("resume: %d %s", w.Code, w.Body)
	}
	if p := getJSON[processResp](t, h, path); p.Suspended {
		t.Errorf("after resume: still suspended")
	}

	// Actions are POSTs only.
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		if w := do(t, h, m, path+"/kill"); w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s kill = %d; want 405", m, w.Code)
		}
	}
	if !rt.Alive(pid) {
		t.Fatal("a GET killed the process")
	}
	// Cross-origin POSTs are refused.
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},
	} {
		r := loopback(mustRequest(t, http.MethodPost, path+"/kill"))
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := recorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden || !rt.Alive(pid) {
			t.Errorf("cross-origin POST with %v = %d (alive %v); want 403, alive", hdr, w.Code, rt.Alive(pid))
		}
	}
	// A same-origin POST from the page is fine.
	r := loopback(mustRequest(t, http.MethodPost, path+"/nonsense"))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://127.0.0.1:4041")
	w := recorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "no such action") {
		t.Errorf("unknown action = %d %s; want 404", w.Code, w.Body)
	}

	_, down := rt.Watch(pid)
	if w := do(t, h, http.MethodPost, path+"/kill"); w.Code != http.StatusOK {
		t.Fatalf("kill: %d %s", w.Code, w.Body)
	}
	if d := <-down; d.Reason != gen.ErrKilled {
		t.Errorf("the process exited with %v; want killed", d.Reason)
	}
	if w := do(t, h, http.MethodGet, path); w.Code != http.StatusNotFound {
		t.Errorf("the page of a killed process = %d; want 404", w.Code)
	}
	if w := do(t, h, http.MethodPost, path+"/suspend"); w.Code != http.StatusNotFound {
		t.Errorf("suspend a killed process = %d; want 404", w.Code)
	}
}

// A supervisor with many children is drawn with the first 100 and a count
// of the others.
func TestTreeBounds(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	sup, err := supervisor.StartDynamic(t.Context(), rt, supervisor.Dynamic{}, gen.WithName("many"))
	if err != nil {
		t.Fatal(err)
	}
	for range 105 {
		if _, err := supervisor.StartChild(t.Context(), rt, sup, supervisor.ChildSpec{
			Start: func(ctx context.Context) (gen.PID, error) { return gen.StartLink(ctx, rt, &counter{}) },
		}); err != nil {
			t.Fatal(err)
		}
	}
	tree := getJSON[treeResp](t, h, "/api/tree").Tree
	if len(tree) != 1 || len(tree[0].Children) != 100 || tree[0].More != 5 {
		t.Fatalf("tree = %d roots, %d children, %d more; want 1 root, 100 children, 5 more",
			len(tree), len(tree[0].Children), tree[0].More)
	}
	if tab := getJSON[tableResp](t, h, "/api/processes?limit=100000"); len(tab.Processes) != 106 {
		t.Errorf("limit=100000: %d rows; want all 106", len(tab.Processes))
	}
	if tab := getJSON[tableResp](t, h, "/api/processes?limit=-3"); len(tab.Processes) != 106 {
		t.Errorf("limit=-3: %d rows; want the default limit, 500", len(tab.Processes))
	}
}
