package main

// FerretDB v1's SQLite backend looks a document up by `_ferretdb_sjson->'$._id'`, but the
// unique _id index it creates is on `_ferretdb_sjson->"_id"`, an expression SQLite does not
// treat as the same. Every lookup by _id (and every update or delete by _id) therefore reads
// the table until it finds the row: milliseconds for early rows, a tenth of a second for the
// newest rows of a 30,000-document collection. The indexer adds, next to each collection's
// table, an index on exactly the expression FerretDB queries, so those lookups use it.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses
)

type indexer struct {
	dir    string
	logger *slog.Logger
	dbs    map[string]*sql.DB
}

func (ix *indexer) run(ctx context.Context) {
	ix.dbs = map[string]*sql.DB{}
	defer func() {
		for _, db := range ix.dbs {
			db.Close()
		}
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		ix.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (ix *indexer) pass(ctx context.Context) {
	files, _ := filepath.Glob(filepath.Join(ix.dir, "*.sqlite"))
	for _, file := range files {
		db, ok := ix.dbs[file]
		if !ok {
			var err error
			db, err = sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
			if err != nil {
				continue
			}
			db.SetMaxOpenConns(1)
			ix.dbs[file] = db
		}
		rows, err := db.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections"`)
		if err != nil {
			continue // a database file without collections yet
		}
		var tables []string
		for rows.Next() {
			var t string
			if rows.Scan(&t) == nil {
				tables = append(tables, t)
			}
		}
		rows.Close()
		// IF NOT EXISTS makes this cheap; a collection dropped and created again gets its
		// index back on the next pass.
		for _, t := range tables {
			if strings.ContainsRune(t, '"') {
				continue
			}
			q := fmt.Sprintf(
				`CREATE INDEX IF NOT EXISTS "%s_wiredb_id" ON "%s" (_ferretdb_sjson->'$._id')`, t, t,
			)
			if _, err := db.ExecContext(ctx, q); err != nil {
				if !strings.Contains(err.Error(), "no such table") {
					ix.logger.Warn("wiredb: cannot index _id", "table", t, "err", err)
				}
			}
		}
	}
}
