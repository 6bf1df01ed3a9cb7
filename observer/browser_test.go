package observer_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/kv"
	"github.com/gen-go/gen/observer"
)

// chromium returns the path of a Chromium to drive. Without one the test is
// skipped, or fails under CI=true, where .ci/run has installed Debian's
// chromium.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "Chromium is not installed: the browser test needs it (apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true: .ci/run should have installed it")
	}
	t.Skip(msg)
	return ""
}

// TestBrowser drives the dashboard of a running KV application in headless
// Chromium: it sees the supervision tree, opens a bucket's page, kills the
// bucket (confirming in the page), and sees the tree without it. The
// screenshots are kept in a temporary directory, whose path is logged.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	rt := newRuntime(t)
	ctx := t.Context()
	app, err := kv.Start(ctx, kv.Config{Addr: "127.0.0.1:0", Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Stop(context.Background()) })
	if _, err := app.Create(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := app.Put(ctx, "b", "milk", "3"); err != nil {
		t.Fatal(err)
	}
	bucket, ok := app.Lookup("b")
	if !ok {
		t.Fatal("no bucket b")
	}
	pid := bucket.PID()

	srv := httptest.NewServer(observer.Handler(rt, observer.WithInterval(200*time.Millisecond)))
	defer srv.Close() // waits for the event streams to end

	dir, err := os.MkdirTemp("", "gen-observer-browser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)

	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	var mu sync.Mutex
	var jsErrors []string
	// Listen starts the browser with bctx and opens the tab; later steps get
	// a deadline of their own (a deadline on the first call would end the
	// browser with it).
	if err := chromedp.Listen(bctx, func(ev any) {
		if ev, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			d := ev.ExceptionDetails
			msg := fmt.Sprintf("%s at %s:%d", d.Text, d.URL, d.LineNumber+1)
			if d.Exception != nil {
				msg += ": " + d.Exception.Description
			}
			jsErrors = append(jsErrors, msg)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	deadline := func() (context.Context, context.CancelFunc) { return context.WithTimeout(bctx, 30*time.Second) }
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := deadline()
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name, sel string) {
		t.Helper()
		ctx, cancel := deadline()
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	node := func(attr, value string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#tree g.node[data-%s=%q]`, attr, value))
	}
	bucketNode := node("pid", pid.String())

	// The tree of the KV application, with the bucket under kv.buckets.
	step("open the dashboard", chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(node("name", "kv.app")),
		chromedp.WaitVisible(bucketNode),
		chromedp.WaitVisible(chromedp.CSS(`#procs tbody tr`)))
	ectx, cancel := deadline()
	edges, err := chromedp.Run(ectx, chromedp.Evaluate[[][2]string](`Array.from(document.querySelectorAll('#tree g.node'))
		.map(g => [g.dataset.name || g.dataset.childId || g.dataset.pid, g.dataset.parent])`))
	cancel()
	if err != nil {
		t.Fatalf("read the tree: %v", err)
	}
	want := [][2]string{
		{"kv.app", ""},
		{"kv.supervisor", "kv.app"},
		{"kv.buckets", "kv.supervisor"},
		{pid.String(), "kv.buckets"},
		{"kv.registry", "kv.supervisor"},
		{"kv.tasks", "kv.app"},
		{"kv.acceptor", "kv.app"},
	}
	for _, e := range want {
		if !slices.Contains(edges, e) {
			t.Errorf("the tree has no node %s under %q; it has %v", e[0], e[1], edges)
		}
	}
	shot("tree.png", "#tree")
	shot("dashboard.png", "main")

	// The table filters by name and sorts by a column.
	step("filter and sort the table", chromedp.SendKeys(chromedp.CSS(`#filter`), "kv.reg"),
		chromedp.Poll[chromedp.Void](`(() => {
			const rows = document.querySelectorAll('#procs tbody tr');
			return rows.length === 1 && rows[0].textContent.includes('kv.registry');
		})()`),
		chromedp.Click(chromedp.CSS(`#procs th[data-sort="mailbox"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#procs th.sorted.desc[data-sort="mailbox"]`)))

	// The bucket's page: its state, as the agent's FormatStatus shows it.
	step("open the bucket's page", chromedp.Click(bucketNode+" rect"),
		chromedp.WaitVisible(chromedp.CSS(`#process-view`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#p-state').textContent.includes('milk:3')`))
	tctx, cancel := deadline()
	title, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(`#p-title`)))
	cancel()
	if err != nil || !strings.Contains(title, pid.String()) {
		t.Errorf("the page's title is %q (%v); want the bucket's PID %s", title, err, pid)
	}
	shot("bucket.png", "main")

	// Kill it, confirming in the page.
	step("kill the bucket", chromedp.Click(chromedp.CSS(`#btn-kill`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.WaitVisible(chromedp.CSS(`#process-gone`)))
	if rt.Alive(pid) {
		t.Fatalf("the bucket %v is alive after the kill", pid)
	}

	// The tree no longer has it; the rest of the tree stands.
	step("see the tree without the bucket", chromedp.Click(chromedp.CSS(`#nav-main`)),
		chromedp.WaitVisible(node("name", "kv.buckets")),
		chromedp.WaitNotPresent(bucketNode),
		chromedp.WaitVisible(node("name", "kv.registry")))
	shot("tree-after-kill.png", "#tree")

	// A restart flashes: kill the registry; its one_for_all supervisor
	// restarts it and the bucket supervisor.
	reg, ok := rt.Whereis(gen.Name("kv.registry"))
	if !ok {
		t.Fatal("no kv.registry")
	}
	rt.Exit(reg, gen.ErrKill)
	step("see the registry restart", chromedp.WaitVisible(
		chromedp.CSS(`#tree g.node.flash[data-name="kv.registry"][data-restarts="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tree g.node.flash[data-name="kv.buckets"][data-restarts="1"]`)))
	shot("tree-restart.png", "#tree")

	mu.Lock()
	defer mu.Unlock()
	if len(jsErrors) > 0 {
		t.Errorf("the page threw: %v", jsErrors)
	}
}
