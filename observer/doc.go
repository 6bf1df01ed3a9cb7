// Package observer is a web dashboard for the processes of a [gen.Runtime],
// after Erlang's observer. [Handler] returns an http.Handler; the caller
// serves it where it likes, and opens http://127.0.0.1:4041/ in a browser:
//
//	srv := &http.Server{Addr: "127.0.0.1:4041", Handler: observer.Handler(rt),
//		ReadHeaderTimeout: 10 * time.Second}
//	go srv.ListenAndServe()
//
// # Serving it from a program
//
// A program such as cmd/kv serves the dashboard on a loopback address by
// default, where it needs no token, and takes a token from its environment
// (not from a flag, which other users of the machine can read) when told to
// listen elsewhere:
//
//	var opts []observer.Option
//	if tok := os.Getenv("KV_OBSERVER_TOKEN"); tok != "" {
//		opts = append(opts, observer.WithToken(tok))
//	}
//	h := observer.Handler(rt, opts...)
//
// Without a token on a non-loopback address, every request from elsewhere
// is refused with 403; a program may instead make a token with
// crypto/rand.Text and print the address with it, ending in "/?token=...".
//
// The event stream is a request that lasts as long as the page is open, so
// [http.Server.Shutdown] waits for it until its ctx ends: give Shutdown a
// short ctx and then call Close, or set the server's BaseContext to a
// context cancelled when the program stops. A server's WriteTimeout does
// not cut the stream: the handler lifts the write deadline of that request.
//
// # What it shows
//
// The main page has the supervision trees, drawn as a picture (SVG) whose
// children flash when they are restarted, and a table of every process:
// PID, name, status, mailbox length, messages handled, restarts and the
// callback running, sortable and filtered by name. A click on a process
// opens its page: status, parent, links, monitors, its state as
// sys.GetStatus shows it (after the server's FormatStatus), its logged
// events (sys.Log, switched on from the page), its statistics
// (sys.Statistics, likewise), and buttons to suspend, resume or kill it; a
// kill is confirmed in the page first. Both pages update themselves through
// server-sent events. The state and the events are printed by the process
// itself, between two callbacks (sys.ReplaceState with a function that
// leaves the state as it is, and sys.PrintLog), so that no live value is
// read by another goroutine.
//
// Message counts and an exact mailbox length need a runtime made with
// gen.Options.Instrument; without it the table says so.
//
// # Endpoints
//
// All paths are relative to where the handler is mounted:
//
//	GET  /                         the page
//	GET  /static/...               its script and style
//	GET  /api/processes            the process table as JSON; query: sort
//	                               (pid, name, mailbox, messages, restarts),
//	                               desc=1, q (a filter on name or PID), limit
//	GET  /api/tree                 the supervision trees as JSON
//	GET  /api/process/{id}         one process as JSON; id is "42.0" for
//	                               the PID <node.42.0>
//	POST /api/process/{id}/{action} suspend, resume, kill, log-on, log-off,
//	                               stats-on, stats-off
//	GET  /events                   server-sent events: "update", with the
//	                               table (same query as /api/processes) and
//	                               the trees, whenever they change
//
// # The supervision trees
//
// The roots are the processes that are supervisors (Supervisor or
// DynamicSupervisor) and are not the child of another supervisor, or the
// processes named with [WithRoots]. The dashboard finds supervisors among
// the processes that trap exits, by asking each once for its server type
// (sys.GetStatus), and remembers the answer; it asks supervisors only for
// their children (supervisor.WhichChildren), never other processes, which
// might not expect the request. A child listed as a supervisor is walked in
// turn. A supervisor's child is drawn by its child ID; a restart is a child
// ID whose PID changed since the dashboard last looked, so restarts are
// counted while the dashboard is watched. Children of a DynamicSupervisor
// have no ID, so their restarts are not counted.
//
// # Costs and bounds
//
// Reading the process table waits for no process. Every question asked of
// a process waits at most the probe timeout ([WithProbeTimeout], 250 ms by
// default); a process that does not answer, being busy in a long callback,
// is shown as busy, and is asked again only after 5 s (each question left
// unanswered waits in its mailbox). A look at the trees asks at most 32
// processes whether they are supervisors, at most 8 at a time, draws at
// most 100 children per supervisor, 12 levels and 1000 nodes, and takes at
// most 8 probe timeouts in all. Concurrent viewers share one look per half
// interval ([WithInterval], 1 s by default). The questions are messages:
// they count among the messages the supervisors handle.
//
// # Security
//
// The dashboard can kill processes, so it is guarded. Without a token it
// answers only requests that come over loopback and name a loopback host;
// [WithToken] lets it be reached from elsewhere, with the token. Actions are
// POST only, cross-origin POSTs are refused, the page may not be framed, and
// the page runs only its own script. See [Handler].
package observer
