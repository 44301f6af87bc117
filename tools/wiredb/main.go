// Command wiredb runs a MongoDB wire-protocol server for tests and for a local
// run without Docker: FerretDB v1 embedded as a library over its SQLite backend.
//
// FerretDB is used as a dependency, not built as the main module, because a
// `go install` of its own command panics on its generated version file.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "directory for the SQLite database files (required)")
	level := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "wiredb: -dir is required")
		os.Exit(2)
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatalf("wiredb: %v", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		log.Fatalf("wiredb: cannot create %s: %v", abs, err)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		log.Fatalf("wiredb: bad -log-level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	f, err := ferretdb.New(&ferretdb.Config{
		Logger:    logger,
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		log.Fatalf("wiredb: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("wiredb listening on %s, data in %s\n", *addr, abs)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatalf("wiredb: %v", err)
	}
}
