package observer

import (
	"bytes"
	"embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gen-go/gen"
)

//go:embed static
var static embed.FS // read-only: the page, its script and its style

// Defaults of the options.
const (
	DefaultProbeTimeout = 250 * time.Millisecond
	DefaultInterval     = time.Second
)

// heartbeat is the number of quiet intervals after which the event stream
// sends a comment, so that a dead connection is noticed.
const heartbeat = 15

// An Option configures [Handler].
type Option func(*config)

type config struct {
	token    string
	roots    []gen.Dest
	timeout  time.Duration
	interval time.Duration
}

// WithToken makes the dashboard require token on every request, wherever
// it is served. A browser presents it once in the address,
// http://host:port/?token=TOKEN, and gets it back as a cookie (HttpOnly,
// SameSite=Strict) while the token is taken out of the address; other
// clients send the header "Authorization: Bearer TOKEN". Without a token,
// the dashboard answers only requests that reach it on a loopback address
// (see [Handler]). An empty token is no token. Choose a long random one,
// such as crypto/rand.Text() makes.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithRoots names the roots of the supervision trees to draw, in order, in
// place of discovering them. Each root must be a Supervisor or a
// DynamicSupervisor: the dashboard asks it for its children.
func WithRoots(roots ...gen.Dest) Option {
	return func(c *config) { c.roots = append([]gen.Dest{}, roots...) }
}

// WithProbeTimeout sets how long the dashboard waits for a process to answer
// one question (a sys or supervisor call). A process that does not answer in
// time is shown as busy. Zero or less means [DefaultProbeTimeout].
func WithProbeTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithInterval sets how often the live view is brought up to date. Zero or
// less means [DefaultInterval].
func WithInterval(d time.Duration) Option { return func(c *config) { c.interval = d } }

// Handler returns the dashboard of the processes of rt, like Erlang's
// observer: a process table, the supervision trees, and a page per process
// with its status, state, links, monitors, logged events and statistics,
// and actions to suspend, resume or kill it. The page updates itself
// through server-sent events. Everything it needs is embedded; it loads
// nothing from elsewhere.
//
// The handler never listens on a port: serve it with an http.Server, or
// mount it under a prefix with [http.StripPrefix] (the path must end with a
// slash: "/observer/").
//
// Access: without [WithToken], the handler answers only requests that
// arrive on a loopback address (the server's local address and the
// client's) and name a loopback host in their Host header (which defeats
// DNS rebinding); others get 403. With a token, every request must carry it.
// Requests that change something (suspend, resume, kill, the debug
// switches) must be POSTs, and cross-origin POSTs are refused, as
// [http.CrossOriginProtection] decides. Actions are logged to the runtime's
// logger.
//
// Nothing runs between requests: the handler starts no goroutine of its
// own, and the goroutines a request uses end before it returns. The event
// stream ends when the client goes away or the request's context ends.
// Restarts are therefore counted while someone watches: a restart is a
// supervisor's child whose PID changed between two looks.
//
// Handler panics if rt is nil.
func Handler(rt *gen.Runtime, opts ...Option) http.Handler {
	if rt == nil {
		panic("observer: Handler with a nil Runtime")
	}
	c := config{timeout: DefaultProbeTimeout, interval: DefaultInterval}
	for _, o := range opts {
		o(&c)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultProbeTimeout
	}
	if c.interval <= 0 {
		c.interval = DefaultInterval
	}
	src := source{rt: rt, timeout: c.timeout}
	h := &handler{src: src, watch: newWatcher(src, c.roots, c.interval/2), token: c.token,
		interval: c.interval, log: rt.Logger()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.index)
	mux.HandleFunc("GET /static/{file}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "static/"+r.PathValue("file")) // files only, no listing
	})
	mux.HandleFunc("GET /api/processes", h.processes)
	mux.HandleFunc("GET /api/tree", h.tree)
	mux.HandleFunc("GET /api/process/{id}", h.process)
	mux.HandleFunc("POST /api/process/{id}/{action}", h.action)
	mux.HandleFunc("GET /events", h.events)
	h.next = http.NewCrossOriginProtection().Handler(mux)
	return h
}

type handler struct {
	src      source
	watch    *watcher
	token    string
	interval time.Duration
	log      *slog.Logger
	next     http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.admit(w, r) {
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	h.next.ServeHTTP(w, r)
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy",
		"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "+
			"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	_, _ = w.Write(b)
}

// parseView reads the table's order, filter and limit from the query:
// sort (pid, name, mailbox, messages, restarts), desc=1, q, limit.
func parseView(r *http.Request) view {
	q := r.URL.Query()
	v := view{sort: q.Get("sort"), desc: q.Get("desc") == "1" || q.Get("desc") == "true", q: q.Get("q"),
		limit: defaultLimit}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		v.limit = min(n, maxLimit)
	}
	return v
}

// tableJSON is the process table as the API and the event stream send it.
type tableJSON struct {
	// Instrumented says whether message counts are known (the runtime was
	// made with gen.Options.Instrument).
	Instrumented bool      `json:"instrumented"`
	Total        int       `json:"total"`   // processes alive
	Matched      int       `json:"matched"` // processes that match the filter
	Processes    []procRow `json:"processes"`
}

type treeJSON struct {
	Tree []*treeNode `json:"tree"`
}

// updateJSON is one event of the stream: the table and the trees.
type updateJSON struct {
	tableJSON
	treeJSON
}

func table(s *snapshot, v view) tableJSON {
	rows, matched := v.apply(s.Procs)
	return tableJSON{Instrumented: s.Instrumented, Total: len(s.Procs), Matched: matched, Processes: rows}
}

func trees(s *snapshot) treeJSON {
	t := s.Tree
	if t == nil {
		t = []*treeNode{}
	}
	return treeJSON{Tree: t}
}

func (h *handler) processes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, table(h.watch.snapshot(r.Context()), parseView(r)))
}

func (h *handler) tree(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, trees(h.watch.snapshot(r.Context())))
}

// events streams updates as server-sent events: an "update" event with the
// table (as the view in the query asks) and the trees at once, then one
// whenever they change, looked at every interval. It returns when the client
// goes away, the request's context ends, or a write fails.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a server's WriteTimeout would cut the stream
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	ctx := r.Context()
	v := parseView(r)
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	var last []byte
	quiet := 0
	for {
		s := h.watch.snapshot(ctx)
		b, err := json.Marshal(updateJSON{table(s, v), trees(s)})
		if err != nil {
			return
		}
		switch {
		case !bytes.Equal(b, last):
			_, err = w.Write(append(append([]byte("event: update\ndata: "), b...), "\n\n"...))
			last, quiet = b, 0
		case quiet+1 >= heartbeat:
			_, err = w.Write([]byte(": ping\n\n"))
			quiet = 0
		default:
			quiet++
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pidJSON names a process on a page; ID is set for a local process, which
// has a page.
type pidJSON struct {
	ID    string `json:"id,omitempty"`
	PID   string `json:"pid"`
	Name  string `json:"name,omitempty"`
	Alive bool   `json:"alive"`
}

type statsJSON struct {
	Since       time.Time `json:"since"`
	MessagesIn  int       `json:"messagesIn"`
	Calls       int       `json:"calls"`
	Casts       int       `json:"casts"`
	Infos       int       `json:"infos"`
	MessagesOut int       `json:"messagesOut"`
}

// processJSON is a process's page.
type processJSON struct {
	procRow
	MessageType string    `json:"messageType,omitempty"`
	TrapExit    bool      `json:"trapExit"`
	Parent      *pidJSON  `json:"parent,omitempty"`
	Links       []pidJSON `json:"links"`
	Monitors    []pidJSON `json:"monitors"`
	MonitoredBy []pidJSON `json:"monitoredBy"`
	Children    []pidJSON `json:"children"`
	// Error says why the process did not answer sys requests; then the
	// fields below are empty.
	Error      string     `json:"error,omitempty"`
	Server     string     `json:"server,omitempty"`
	Suspended  bool       `json:"suspended"`
	State      string     `json:"state"`
	StateError string     `json:"stateError,omitempty"`
	LogOn      bool       `json:"logOn"`
	Log        []string   `json:"log"`
	StatsOn    bool       `json:"statsOn"`
	Stats      *statsJSON `json:"stats,omitempty"`
	StatsError string     `json:"statsError,omitempty"`
}

type errorJSON struct {
	Error string `json:"error"`
}

func (h *handler) process(w http.ResponseWriter, r *http.Request) {
	pid, ok := h.src.lookup(r.PathValue("id"))
	var info procInfo
	if ok {
		info, ok = h.src.one(pid)
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, errorJSON{"observer: no such process"})
		return
	}
	d := h.src.details(r.Context(), pid)
	names := h.src.names()
	link := func(p gen.PID) pidJSON {
		j := pidJSON{PID: p.String(), Name: string(names[p])}
		if h.src.local(p) {
			j.Alive = h.src.alive(p)
			if j.Alive {
				j.ID = pidKey(p)
			}
		}
		return j
	}
	links := func(ps []gen.PID) []pidJSON {
		out := make([]pidJSON, len(ps))
		for i, p := range ps {
			out[i] = link(p)
		}
		return out
	}
	page := processJSON{
		procRow: procRow{ID: pidKey(pid), PID: pid.String(), Name: string(info.Name), Status: info.Status,
			Mailbox: info.Mailbox, Messages: info.Messages, Callback: info.Callback, Started: info.Started},
		MessageType: info.MessageType, TrapExit: info.TrapExit,
		Links: links(info.Links), Monitors: links(info.Monitors), MonitoredBy: links(info.MonitoredBy),
		Children: links(info.Children), Log: []string{},
	}
	page.Restarts, page.Supervisor = h.watch.known(pid)
	if !info.Parent.IsZero() {
		p := link(info.Parent)
		page.Parent = &p
	}
	if d.Err != nil {
		page.Error = describe(d.Err)
	} else {
		page.Server, page.Suspended, page.State, page.LogOn = d.Server, d.Suspended, d.State, d.LogOn
		if d.StateErr != nil {
			page.StateError = describe(d.StateErr)
		}
		if d.Log != nil {
			page.Log = d.Log
		}
		if s := d.Stats; s != nil {
			page.StatsOn = true
			page.Stats = &statsJSON{Since: s.StartTime, MessagesIn: s.MessagesIn, Calls: s.Calls, Casts: s.Casts,
				Infos: s.Infos, MessagesOut: s.MessagesOut}
		}
		if d.StatsErr != nil {
			page.StatsError = describe(d.StatsErr)
		}
	}
	writeJSON(w, http.StatusOK, page)
}

// action carries out one of a process page's buttons.
func (h *handler) action(w http.ResponseWriter, r *http.Request) {
	pid, ok := h.src.lookup(r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, errorJSON{"observer: no such process"})
		return
	}
	ctx := r.Context()
	act := r.PathValue("action")
	var err error
	switch act {
	case "suspend":
		err = h.src.suspend(ctx, pid)
	case "resume":
		err = h.src.resume(ctx, pid)
	case "kill":
		h.src.kill(pid)
	case "log-on", "log-off":
		err = h.src.setLog(ctx, pid, act == "log-on")
	case "stats-on", "stats-off":
		err = h.src.setStatistics(ctx, pid, act == "stats-on")
	default:
		writeJSON(w, http.StatusNotFound, errorJSON{"observer: no such action: " + act})
		return
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "observer: "+act, slog.String("pid", pid.String()),
		slog.String("client", r.RemoteAddr), slog.Any("err", err))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, struct {
			OK bool `json:"ok"`
		}{true})
	case noProc(err):
		writeJSON(w, http.StatusNotFound, errorJSON{"observer: no such process"})
	case timedOut(err):
		writeJSON(w, http.StatusGatewayTimeout, errorJSON{"observer: " + describe(err)})
	default:
		writeJSON(w, http.StatusInternalServerError, errorJSON{"observer: " + err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
