package cli

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"bianmin/app"
	"bianmin/sync/lan"
	"bianmin/sync/relay"

	"bianmin/storage"
)

// HubKey is the centre key of the hub on d: the stored one, or a new one,
// stored (the desktop program serving the LAN uses it like `bianmin serve`).
func HubKey(ctx context.Context, d *storage.DB, want string) (string, error) {
	k, _, err := hubKey(ctx, d, want)
	return k, err
}

// HubURLs are the addresses other PCs reach a hub listening on addr at.
func HubURLs(addr net.Addr) []string { return hubURLs(addr) }

// NewHub is the centre's LAN service on d: the queue behind the LAN API and
// the counters' relay (records and configuration), behind the centre key.
// `bianmin serve` and a standalone window serving the LAN both run it.
func NewHub(d *storage.DB, svc *app.Service, q *app.Queue, key string, log *slog.Logger) *http.Server {
	srv := lan.NewServer(q, key, log)
	srv.Mount("/api/v1/relay/", relay.ForService(d, svc, log)) // counters' records and configuration (sync/relay)
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Event streams lift this per write (lan.Server); every other
		// answer is small.
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
	}
	hs.RegisterOnShutdown(srv.CloseStreams)
	return hs
}
