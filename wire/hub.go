package wire

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
	"bianmin/storage"
	"bianmin/sync/lan"
	"bianmin/sync/relay"
)

// HubAddrs are the host:port addresses other PCs reach a hub listening on
// addr at: the host itself, or, for a wildcard listen, this PC's LAN
// addresses.
func HubAddrs(addr net.Addr) []string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	if !ta.IP.IsUnspecified() {
		return []string{ta.String()}
	}
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range ifs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, net.JoinHostPort(ipn.IP.String(), fmt.Sprint(ta.Port)))
	}
	return out
}

// Hub is the centre's LAN service: the queue behind the LAN API and the
// counters' relay (records and configuration), over TLS with the hub's own
// certificate, for the PCs in its registry, each as its role allows.
// `bianmin serve` and a standalone window serving the LAN both run it.
type Hub struct {
	Server   *http.Server
	Registry *lan.Registry
	Pin      string // the pin of the hub's certificate, in join codes
}

// NewHub makes the hub's service on d (making its certificate on first use).
func NewHub(ctx context.Context, d *storage.DB, svc *app.Service, q *queue.Queue, log *slog.Logger) (*Hub, error) {
	reg, cert, err := hubRegistry(ctx, d, log)
	if err != nil {
		return nil, err
	}
	srv := lan.NewServerAuth(q, reg, log)
	srv.Mount("/api/v1/relay/", relay.ForService(d, svc, log)) // counters' records and configuration (sync/relay)
	hs := &http.Server{
		Handler:           srv,
		TLSConfig:         lan.ServerTLS(cert),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Event streams lift this per write (lan.Server); every other
		// answer is small.
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
		// A plain-http request, a port scan, a PC with the wrong pin: the
		// handshake fails; say so once in the log, not in Go's words.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelInfo),
	}
	hs.RegisterOnShutdown(srv.CloseStreams)
	return &Hub{Server: hs, Registry: reg, Pin: reg.Pin}, nil
}

// Serve serves TLS on ln until the server is shut down.
func (h *Hub) Serve(ln net.Listener) error {
	return h.Server.Serve(tls.NewListener(ln, h.Server.TLSConfig))
}

// HubRegistry is the registry of the PCs enrolled at the hub on d, for
// `bianmin pc` and the hub's 局域网电脑 screen.
func HubRegistry(ctx context.Context, d *storage.DB, log *slog.Logger) (*lan.Registry, error) {
	reg, _, err := hubRegistry(ctx, d, log)
	return reg, err
}

func hubRegistry(ctx context.Context, d *storage.DB, log *slog.Logger) (*lan.Registry, tls.Certificate, error) {
	cert, pin, err := lan.HubCert(ctx, d)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	return lan.NewRegistry(d, pin, log), cert, nil
}
