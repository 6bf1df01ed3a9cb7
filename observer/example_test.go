package observer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/observer"
	"github.com/gen-go/gen/supervisor"
)

// Serve the dashboard of a runtime and read its process table as JSON. A
// program serves it on a loopback address of its own, such as
// 127.0.0.1:4041, and a person opens that address in a browser.
func ExampleHandler() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	_, err := supervisor.Start(ctx, rt, supervisor.Spec{Strategy: supervisor.OneForOne,
		Children: []supervisor.ChildSpec{
			supervisor.Worker("counter", func() gen.Server { return &counter{} }, gen.WithName("counter")),
		}}, gen.WithName("app"))
	if err != nil {
		fmt.Println(err)
		return
	}

	srv := httptest.NewServer(observer.Handler(rt))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/processes?sort=name")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var table struct {
		Processes []struct {
			Name       string
			Mailbox    int
			Supervisor bool
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&table); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range table.Processes {
		fmt.Printf("%s: mailbox %d, supervisor %v\n", p.Name, p.Mailbox, p.Supervisor)
	}
	// Output:
	// app: mailbox 0, supervisor true
	// counter: mailbox 0, supervisor false
}

// With a token, the dashboard can be served on any address: every request
// must then carry the token.
func ExampleWithToken() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	srv := httptest.NewServer(observer.Handler(rt, observer.WithToken("a-long-random-token")))
	defer srv.Close()

	for _, token := range []string{"", "a-long-random-token"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/tree", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Printf("token %q: %s\n", token, resp.Status)
	}
	// Output:
	// token "": 401 Unauthorized
	// token "a-long-random-token": 200 OK
}
