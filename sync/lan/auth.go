package lan

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"

	"bianmin/app"
)

// Peer is who is calling the hub: an enrolled PC with its role, or (All)
// a holder of the old shared key, which only tests and a hub's own process
// use.
type Peer struct {
	PC  app.PC
	All bool
}

// Role is the peer's role ("" for All).
func (p Peer) Role() app.PCRole { return p.PC.Role }

// Authenticator tells who sent a request. A refusal is an *app.UserError
// (its message goes back to the PC); anything else is a failure of the hub.
type Authenticator interface {
	Authenticate(r *http.Request) (Peer, error)
}

type peerKey struct{}

// WithPeer returns ctx carrying p (the server does it for every request it
// lets in; handlers mounted behind it read it with PeerFrom).
func WithPeer(ctx context.Context, p Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerFrom is the peer the server let in; false outside an authenticated request.
func PeerFrom(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// KeyAuth lets in whoever carries the shared key, with every right. It is
// what NewServer uses (tests, and hubs talking to themselves); a real hub
// serves enrolled PCs through a Registry instead. An empty key lets nobody in.
type KeyAuth string

var errUnauthorized = &app.UserError{Code: "unauthorized",
	Msg: "中心主机拒绝了本机的连接：本机未加入中心或凭据不正确；请中心负责人在中心主机上添加本机，用加入码重新加入"}

// Authenticate implements Authenticator.
func (k KeyAuth) Authenticate(r *http.Request) (Peer, error) {
	got, ok := bearer(r.Header.Get("Authorization"))
	want := sha256.Sum256([]byte(k))
	sum := sha256.Sum256([]byte(got))
	if !ok || k == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
		return Peer{}, errUnauthorized
	}
	return Peer{All: true}, nil
}

// policy says whether a peer may make a request.
type policy func(p Peer, r *http.Request) bool

// Policies of the API routes.
var (
	anyPeer = func(Peer, *http.Request) bool { return true }
	// takesTickets: the kiosk and the counters (a clerk issues one for a
	// walk-in who skipped the kiosk).
	takesTickets = func(p Peer, _ *http.Request) bool {
		return p.All || p.Role() == app.PCKiosk || p.Role() == app.PCCounter
	}
	// ownWindow: a counter acts for its own window only.
	ownWindow = func(p Peer, r *http.Request) bool {
		if p.All {
			return true
		}
		id, err := windowID(r)
		return err == nil && p.Role() == app.PCCounter && p.PC.WindowID == id
	}
)

// authorize wraps next: the caller must be let in by auth and allowed by
// pol; the peer travels in the request's context.
func authorize(auth Authenticator, pol policy, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.Authenticate(r)
		var ue *app.UserError
		switch {
		case errors.As(err, &ue):
			log.Warn("lan: refused unauthenticated request", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "code", ue.Code, "err", err)
			w.Header().Set("WWW-Authenticate", `Bearer realm="bianmin"`)
			writeError(w, http.StatusUnauthorized, ue.Code, ue.Msg)
			return
		case err != nil:
			log.Error("lan: unable to check the caller", "remote", r.RemoteAddr, "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "中心主机处理失败，请稍后重试")
			return
		}
		if !pol(p, r) {
			log.Warn("lan: request beyond the PC's role refused", "remote", r.RemoteAddr, "method", r.Method,
				"path", r.URL.Path, "pc", p.PC.ID, "name", p.PC.Name, "role", p.PC.Role, "window", p.PC.WindowID)
			writeError(w, http.StatusForbidden, app.CodeForbidden, "本机的角色（"+p.Role().Name()+"）不能进行此操作")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPeer(r.Context(), p)))
	})
}
