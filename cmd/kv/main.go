// Command kv runs the KV application from Elixir's "Mix and OTP" guide on
// Gen: buckets under a DynamicSupervisor, a registry, a supervision tree,
// and a TCP server speaking the guide's text protocol.
//
// It listens on port 4040, or on the PORT environment variable's port, or on
// the address given with -addr, prints where it listens, and serves until
// SIGINT or SIGTERM. It then stops accepting, lets every connection finish
// the command in progress, stops the tree in order, and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/kv"
)

func main() {
	os.Exit(run())
}

func run() int {
	port := os.Getenv("PORT")
	if port == "" {
		port = "4040"
	}
	addr := flag.String("addr", ":"+port, "TCP address to listen on (the PORT environment variable sets the port)")
	grace := flag.Duration("shutdown-timeout", 10*time.Second, "how long connections get to finish at shutdown")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	rt := gen.NewRuntime(gen.Options{Logger: log})
	defer rt.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := kv.Start(ctx, kv.Config{Addr: *addr, Runtime: rt})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv:", err)
		return 1
	}
	fmt.Printf("kv: listening on %s\n", app.Addr())
	<-ctx.Done()
	stop()
	fmt.Println("kv: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := app.Stop(sctx); err != nil {
		fmt.Fprintln(os.Stderr, "kv: shutdown:", err)
		return 1
	}
	fmt.Println("kv: stopped")
	return 0
}
