package gen

import (
	"context"
	"sync"
)

// Abcast casts msg to the process registered as name on each of nodes, like
// Erlang's abcast. It never fails: missing nodes and names are skipped. An
// empty nodes means this node only (until distribution lists others).
func Abcast(rt *Runtime, nodes []string, name Name, msg any) {
	if len(nodes) == 0 {
		nodes = []string{rt.node}
	}
	for _, n := range nodes {
		_ = send(rt, RemoteName{Name: name, Node: n}, envelope{kind: kCast, msg: msg})
	}
}

// MultiCall calls the process registered as name on each of nodes
// concurrently and collects the replies, like Erlang's multi_call. Nodes
// that are unreachable, where name is not registered, whose server fails, or
// that do not answer before ctx is done, are returned in bad. An empty nodes
// means this node only. ctx bounds the whole wait; with no deadline MultiCall
// waits for every answer (Erlang's infinity default). Late answers are
// dropped.
func MultiCall(ctx context.Context, rt *Runtime, nodes []string, name Name, req any) (replies map[string]any, bad []string) {
	if len(nodes) == 0 {
		nodes = []string{rt.node}
	}
	if _, ok := ctx.Deadline(); !ok {
		ctx = NoDeadline(ctx)
	}
	type answer struct {
		node  string
		reply any
		err   error
	}
	out := make(chan answer, len(nodes))
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := call(ctx, rt, RemoteName{Name: name, Node: n}, req)
			out <- answer{n, v, err}
		}()
	}
	wg.Wait()
	close(out)
	replies = make(map[string]any)
	for a := range out {
		if a.err != nil {
			bad = append(bad, a.node)
			continue
		}
		replies[a.node] = a.reply
	}
	return replies, bad
}
