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
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "directory for the SQLite database files (required)")
	level := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	// WAL with synchronous=normal: a commit does not wait for the disk (the database stays
	// consistent after a crash; the last commits may be lost). Fine for tests and a local run.
	sync := flag.String("sync", "normal", "SQLite synchronous mode: normal or full")
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
	sockDir, err := os.MkdirTemp("", "wiredb-")
	if err != nil {
		log.Fatalf("wiredb: %v", err)
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "ferretdb.sock")
	f, err := ferretdb.New(&ferretdb.Config{
		Logger:    logger,
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + *sync + ")",
	})
	if err != nil {
		log.Fatalf("wiredb: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("wiredb: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	for i := 0; ; i++ { // wait for FerretDB's socket before accepting clients
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if i > 600 {
			log.Fatalf("wiredb: FerretDB did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	go (&indexer{dir: abs, logger: logger}).run(ctx)
	g := &gate{backend: sock, logger: logger}
	go func() {
		<-ctx.Done()
		listener.Close()
	}()
	fmt.Printf("wiredb listening on %s, data in %s\n", *addr, abs)
	if err := g.serve(listener); err != nil {
		log.Fatalf("wiredb: %v", err)
	}
	if err := <-done; err != nil && ctx.Err() == nil {
		log.Fatalf("wiredb: %v", err)
	}
}
