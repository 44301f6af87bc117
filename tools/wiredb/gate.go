package main

// The gate makes FerretDB's single-document writes atomic, as MongoDB's are.
//
// FerretDB v1 runs findAndModify and update as "query, then write by _id" without holding a
// lock in between, so two clients racing on one document can both read it and both write it
// (a job claimed twice, an $inc lost). MongoDB guarantees these operations are atomic per
// document, and Webbscope relies on that. The gate sits in front of FerretDB: it relays the
// wire protocol message by message and lets one write command at a time reach FerretDB.
// Reads (find, count, aggregate, ...) pass concurrently.

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
)

const (
	opMsg          = 2013
	flagMoreToCome = 1 << 1
	flagExhaust    = 1 << 16
)

// Commands that only read; every other command is serialised.
var readCommands = map[string]bool{
	"find": true, "getMore": true, "count": true, "aggregate": true, "distinct": true,
	"listCollections": true, "listIndexes": true, "listDatabases": true, "hello": true,
	"isMaster": true, "ismaster": true, "ping": true, "buildInfo": true, "buildinfo": true,
	"serverStatus": true, "killCursors": true, "endSessions": true, "dbStats": true,
	"collStats": true, "getParameter": true, "getLog": true, "hostInfo": true,
	"connectionStatus": true, "getCmdLineOpts": true, "whatsmyuri": true, "explain": true,
	"saslStart": true, "saslContinue": true, "authenticate": true, "logout": true,
}

type gate struct {
	backend string // unix socket of FerretDB
	writes  sync.Mutex
	logger  *slog.Logger
}

func (g *gate) serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go g.relay(c)
	}
}

func readMessage(r io.Reader) ([]byte, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(header[:]))
	if n < 16 || n > 64*1024*1024 {
		return nil, errors.New("bad message length")
	}
	msg := make([]byte, n)
	copy(msg, header[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// classify tells whether a message must hold the write lock and whether a reply follows.
func classify(msg []byte) (write bool, reply bool) {
	op := binary.LittleEndian.Uint32(msg[12:16])
	if op != opMsg {
		return true, true // legacy or compressed: be safe
	}
	if len(msg) < 21 {
		return true, true
	}
	flags := binary.LittleEndian.Uint32(msg[16:20])
	reply = flags&flagMoreToCome == 0
	// Section kind 0: a BSON document whose first element names the command.
	if msg[20] != 0 || len(msg) < 21+5+2 {
		return true, reply
	}
	doc := msg[21:]
	elem := doc[4:]
	// elem[0] is the type byte, then a NUL-terminated name.
	end := 1
	for end < len(elem) && elem[end] != 0 {
		end++
	}
	name := string(elem[1:end])
	return !readCommands[name], reply
}

func (g *gate) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("unix", g.backend)
	if err != nil {
		g.logger.Error("gate: cannot reach FerretDB", "err", err)
		return
	}
	defer server.Close()
	for {
		msg, err := readMessage(client)
		if err != nil {
			return
		}
		write, reply := classify(msg)
		if write {
			g.writes.Lock()
		}
		err = g.exchange(client, server, msg, reply)
		if write {
			g.writes.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (g *gate) exchange(client, server net.Conn, msg []byte, reply bool) error {
	if _, err := server.Write(msg); err != nil {
		return err
	}
	if !reply {
		return nil
	}
	for {
		resp, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err := client.Write(resp); err != nil {
			return err
		}
		// An exhaust reply (a streamed "hello", say) sets moreToCome: more replies
		// follow without further requests.
		if binary.LittleEndian.Uint32(resp[12:16]) != opMsg || len(resp) < 20 ||
			binary.LittleEndian.Uint32(resp[16:20])&flagMoreToCome == 0 {
			return nil
		}
	}
}
