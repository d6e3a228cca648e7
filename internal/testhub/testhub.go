// Package testhub runs a demo centre's hub in a test's process: the queue
// behind the LAN API with the counter relay mounted, over TLS on loopback,
// as `bianmin serve` and a window with --listen run it, so tests of the PCs
// that join it (node, the window) meet the real hub.
package testhub

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"bianmin/app"
	"bianmin/app/queue"
	"bianmin/storage"
	"bianmin/sync/lan"
	"bianmin/wire"
)

// Hub is the running hub.
type Hub struct {
	URL  string // https://127.0.0.1:port
	Addr string
	Hub  *wire.Hub
	Q    *queue.Queue
	DB   *storage.DB
}

// Start runs a hub on a three-day demo centre until the test ends.
func Start(t *testing.T) *Hub {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hub.db")
	ctx := context.Background()
	if err := wire.LoadDemo(ctx, db, 3, 1); err != nil {
		t.Fatal(err)
	}
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := queue.New(d, app.SystemClock{}, nil)
	hub, err := wire.NewHub(ctx, d, svc, q, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(hub.Server.Handler)
	hs.TLS = hub.Server.TLSConfig
	hs.StartTLS()
	t.Cleanup(func() {
		hub.Server.Handler.(*lan.Server).CloseStreams()
		hs.Close()
		d.Close()
	})
	return &Hub{URL: hs.URL, Addr: strings.TrimPrefix(hs.URL, "https://"), Hub: hub, Q: q, DB: d}
}

// Code adds a PC to the hub and returns its join code, as the manager's
// 局域网电脑 screen does.
func (h *Hub) Code(t *testing.T, role app.PCRole, window int) string {
	t.Helper()
	_, code, err := h.Hub.Registry.Add(context.Background(), nil, role, window, "", h.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return code.String()
}
