// Package lan is the centre's LAN hub: Server exposes an app.Hall (the
// centre's queue on the hub PC) as HTTP+JSON under /api/v1/, and Client is an
// app.Hall on a counter, kiosk or hall-display PC that talks to it. Both sides
// behave the same, so screens do not care which one they hold.
//
// The hub serves it over TLS (its own certificate, pinned by the PCs, see
// tls.go). Every path but health and enroll needs "Authorization: Bearer
// <credential>", the PC's own (Registry), and each is allowed by the PC's
// role: a counter its own window's paths, a kiosk tickets, a display the
// board and events (without phone numbers).
//
//	GET  /api/v1/health                      no auth; {"ok":true}
//	POST /api/v1/enroll                      {"token","host"} → EnrollResponse (the join code's token)
//	GET  /api/v1/categories                  []app.QueueCategory
//	POST /api/v1/tickets                     app.IssueRequest → app.IssuedTicket
//	POST /api/v1/windows/{id}/call-next      {"ClerkID"} (optional: 0 or no body = the
//	                                         clerk signed in at the window) → app.Ticket
//	POST /api/v1/windows/{id}/recall         → app.Ticket
//	POST /api/v1/windows/{id}/noshow         → 204
//	POST /api/v1/windows/{id}/callback       {"ClerkID","TicketID"} → app.Ticket
//	POST /api/v1/windows/{id}/transfer       {"ToCategory","ToWindow","Return"} → 204
//	POST /api/v1/windows/{id}/finish         → 204
//	POST /api/v1/windows/{id}/pause          {"paused":true|false} → 204
//	POST /api/v1/windows/{id}/signin         {"ClerkID","Post":"A"|"B"} → 204
//	GET  /api/v1/windows/{id}                app.WindowState
//	GET  /api/v1/board                       app.Board
//	GET  /api/v1/events                      text/event-stream of app.HallEvent
//
// JSON field names are the Go field names of the app types (matched without
// regard to case); unknown fields are refused, so a typo never turns into a
// silent zero. Only what cannot be read is refused here (400); whether a
// well-formed request makes sense is the Hall's to say, so a screen sees the
// same refusal codes on the hub's own PC and across the LAN. Refusals come back as {"error":{"code":…,"message":…}} with
// the app.UserError's code and Chinese message: 409 when the window's state
// forbids it (queue_empty, window_paused, no_current), 404 for unknown_*,
// 422 for any other refusal, 400 for a malformed request (nothing changed),
// 401 for a wrong, missing or revoked credential, 403 beyond the PC's role,
// 500 when the hub itself failed.
//
// The event stream sends "id: <Seq>" and "data: <HallEvent JSON>" per event
// and a comment line every Heartbeat (15 s), so both ends find a dead
// connection: the hub when a write times out, the client when nothing at all
// arrives for three heartbeats.
package lan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianmin/app"
)

// Defaults for the event stream.
const (
	DefaultHeartbeat = 15 * time.Second
	// streamWriteTimeout bounds one write to an event stream: a display whose
	// cable was pulled stops reading, its TCP buffer fills, and the write
	// fails after this long instead of holding the subscription forever.
	streamWriteTimeout = 10 * time.Second
	maxBody            = 64 << 10
)

// Server is the hub's LAN API: an http.Handler over an app.Hall.
type Server struct {
	hall app.Hall
	log  *slog.Logger
	auth Authenticator
	mux  *http.ServeMux

	// Heartbeat is the interval of the comment line on event streams
	// (DefaultHeartbeat). Set it before serving.
	Heartbeat time.Duration

	mu      sync.Mutex
	closing chan struct{} // closed by CloseStreams
	streams sync.WaitGroup
}

// NewServer builds the API over h for callers carrying the shared key, with
// every right (KeyAuth): tests and a hub's own process. An empty key refuses
// every authenticated request.
func NewServer(h app.Hall, key string, log *slog.Logger) *Server {
	return NewServerAuth(h, KeyAuth(key), log)
}

// NewServerAuth builds the API over h for the callers auth lets in, each
// allowed what its role may do (a Registry: enrolled PCs). When auth is a
// Registry, POST /api/v1/enroll lets a PC join with its join code.
func NewServerAuth(h app.Hall, auth Authenticator, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{hall: h, log: log, auth: auth, mux: http.NewServeMux(),
		Heartbeat: DefaultHeartbeat, closing: make(chan struct{})}
	s.mux.HandleFunc("GET /api/v1/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	if reg, ok := auth.(*Registry); ok {
		s.mux.Handle("POST /api/v1/enroll", reg.enrollHandler(log))
	}
	s.handle("GET /api/v1/categories", anyPeer, s.categories)
	s.handle("POST /api/v1/tickets", takesTickets, s.issue)
	s.handle("POST /api/v1/windows/{id}/call-next", ownWindow, s.callNext)
	s.handle("POST /api/v1/windows/{id}/recall", ownWindow, s.recall)
	s.handle("POST /api/v1/windows/{id}/noshow", ownWindow, s.noShow)
	s.handle("POST /api/v1/windows/{id}/callback", ownWindow, s.callBack)
	s.handle("POST /api/v1/windows/{id}/transfer", ownWindow, s.transfer)
	s.handle("POST /api/v1/windows/{id}/finish", ownWindow, s.finish)
	s.handle("POST /api/v1/windows/{id}/pause", ownWindow, s.pause)
	s.handle("POST /api/v1/windows/{id}/signin", ownWindow, s.signIn)
	s.handle("GET /api/v1/windows/{id}", ownWindow, s.window)
	s.handle("GET /api/v1/board", anyPeer, s.board)
	s.handle("GET /api/v1/events", anyPeer, s.events)
	// Anything else under the API: a JSON 404 (after auth, so an
	// unauthenticated caller learns nothing about the routes).
	s.mux.Handle("/api/", authorize(auth, anyPeer, log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "中心主机不支持此请求，请确认窗口程序与中心主机的版本一致")
	})))
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Mount serves h at pattern (http.ServeMux syntax, e.g. "POST
// /api/v1/records") to every caller the server lets in; h reads the caller
// with PeerFrom and decides what its role may do.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mux.Handle(pattern, authorize(s.auth, anyPeer, s.log, h))
}

// CloseStreams ends every open event stream and refuses new ones, so an
// http.Server's Shutdown (which waits for handlers) can finish; register it
// with http.Server.RegisterOnShutdown. Clients see the stream drop and
// resubscribe, to the next hub.
func (s *Server) CloseStreams() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.streams.Wait()
}

func (s *Server) handle(pattern string, pol policy, fn func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.Handle(pattern, authorize(s.auth, pol, s.log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	})))
}

func bearer(h string) (string, bool) {
	const p = "Bearer "
	if len(h) < len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// badRequest is a malformed request: 400, nothing changed.
type badRequest struct{ msg, reason string }

func (e *badRequest) Error() string { return "bad request: " + e.reason }

func malformed(reason string, args ...any) error {
	r := fmt.Sprintf(reason, args...)
	return &badRequest{msg: "请求格式有误，未作任何更改：" + r, reason: r}
}

// statusOf maps a refusal code to its HTTP status.
func statusOf(code app.Code) int {
	switch {
	case code == "queue_empty" || code == "window_paused" || code == "no_current":
		return http.StatusConflict
	case strings.HasPrefix(string(code), "unknown_") || code == "not_found":
		return http.StatusNotFound
	}
	return http.StatusUnprocessableEntity
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br *badRequest
	var ue *app.UserError
	switch {
	case errors.As(err, &br):
		s.log.Info("lan: malformed request", "remote", r.RemoteAddr, "path", r.URL.Path, "reason", br.reason)
		writeError(w, http.StatusBadRequest, "bad_request", br.msg)
	case errors.As(err, &ue):
		s.log.Debug("lan: refused", "path", r.URL.Path, "code", ue.Code, "err", err)
		writeError(w, statusOf(ue.Code), ue.Code, ue.Msg)
	case errors.Is(err, app.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", app.UserMessage(err))
	case r.Context().Err() != nil:
		// The caller went away; nobody reads the answer.
		s.log.Debug("lan: request abandoned", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
	default:
		s.log.Error("lan: request failed", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal",
			"中心主机处理失败，请稍后重试；如仍失败请联系管理员查看中心主机日志")
	}
}

// errorBody is the JSON of a refusal.
type errorBody struct {
	Error struct {
		Code    app.Code `json:"code"`
		Message string   `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code app.Code, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		buf = []byte(`{"error":{"code":"internal","message":"中心主机处理失败"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)+1))
	w.WriteHeader(status)
	w.Write(append(buf, '\n'))
}

// decode reads exactly one JSON object into v, refusing unknown fields,
// trailing data and (unless empty is allowed) an empty body.
func decode(r *http.Request, w http.ResponseWriter, v any, emptyOK bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return malformed("请求内容超过 %d 字节", maxBody)
		}
		return fmt.Errorf("read request: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return malformed("请求内容为空")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed("JSON 无法解析（%v）", err)
	}
	if dec.More() {
		return malformed("JSON 之后还有多余内容")
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("JSON 之后还有多余内容")
	}
	return nil
}

// noBody accepts an empty body or {}.
func noBody(r *http.Request, w http.ResponseWriter) error {
	var v struct{}
	return decode(r, w, &v, true)
}

func windowID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, malformed("窗口编号 %q 不是正整数", s)
	}
	return id, nil
}

// Request bodies.
type (
	callNextBody struct{ ClerkID int64 }
	callBackBody struct {
		ClerkID  int64
		TicketID int64
	}
	transferBody struct {
		ToCategory int64
		ToWindow   int64
		Return     bool
	}
	pauseBody struct {
		Paused *bool `json:"paused"`
	}
	signInBody struct {
		ClerkID int64
		Post    string
	}
)

func (s *Server) categories(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.hall.Categories(r.Context())
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []app.QueueCategory{}
	}
	writeJSON(w, http.StatusOK, cs)
	return nil
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request) error {
	var req app.IssueRequest
	if err := decode(r, w, &req, false); err != nil {
		return err
	}
	t, err := s.hall.Issue(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) callNext(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	var b callNextBody
	if err := decode(r, w, &b, true); err != nil {
		return err
	}
	t, err := s.hall.CallNext(r.Context(), id, b.ClerkID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) recall(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	if err := noBody(r, w); err != nil {
		return err
	}
	t, err := s.hall.Recall(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) noShow(w http.ResponseWriter, r *http.Request) error {
	return s.windowAction(w, r, s.hall.NoShow)
}

func (s *Server) finish(w http.ResponseWriter, r *http.Request) error {
	return s.windowAction(w, r, s.hall.Finish)
}

func (s *Server) windowAction(w http.ResponseWriter, r *http.Request, fn func(context.Context, int64) error) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	if err := noBody(r, w); err != nil {
		return err
	}
	if err := fn(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) callBack(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	var b callBackBody
	if err := decode(r, w, &b, false); err != nil {
		return err
	}
	t, err := s.hall.CallBack(r.Context(), id, b.ClerkID, b.TicketID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	var b transferBody
	if err := decode(r, w, &b, false); err != nil {
		return err
	}
	err = s.hall.Transfer(r.Context(), app.TransferRequest{FromWindow: id,
		ToCategory: b.ToCategory, ToWindow: b.ToWindow, Return: b.Return})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	var b pauseBody
	if err := decode(r, w, &b, false); err != nil {
		return err
	}
	if b.Paused == nil {
		return malformed(`缺少 "paused"（true 暂停 / false 恢复）`)
	}
	if err := s.hall.SetPaused(r.Context(), id, *b.Paused); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	var b signInBody
	if err := decode(r, w, &b, false); err != nil {
		return err
	}
	if err := s.hall.SignIn(r.Context(), id, b.ClerkID, b.Post); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) window(w http.ResponseWriter, r *http.Request) error {
	id, err := windowID(r)
	if err != nil {
		return err
	}
	st, err := s.hall.Window(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) error {
	b, err := s.hall.Board(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// events streams the hall's events. The subscription is made before the
// response headers go out, so a client whose Subscribe has returned misses
// nothing that happens after.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	peer, _ := PeerFrom(r.Context())
	s.mu.Lock()
	closing := s.closing
	select {
	case <-closing:
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, app.CodeHubClosing, "中心主机正在关闭，请稍后重试")
		return nil
	default:
	}
	s.streams.Add(1)
	s.mu.Unlock()
	defer s.streams.Done()

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch, err := s.hall.Subscribe(ctx)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	var buf bytes.Buffer
	write := func() error {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		buf.Reset()
		return rc.Flush()
	}
	buf.WriteString(": bianmin hall events\nretry: 2000\n\n")
	if err := write(); err != nil {
		return nil
	}
	beat := s.Heartbeat
	if beat <= 0 {
		beat = DefaultHeartbeat
	}
	tick := time.NewTicker(beat)
	defer tick.Stop()
	remote := r.RemoteAddr
	s.log.Info("lan: event stream opened", "remote", remote)
	defer s.log.Info("lan: event stream closed", "remote", remote)
	for {
		select {
		case <-closing:
			return nil
		case <-ctx.Done():
			return nil
		case <-tick.C:
			buf.WriteString(": ping\n\n")
		case ev, ok := <-ch:
			if !ok {
				// The hall dropped us (a slow reader, or the hall closing):
				// end the stream; the client resubscribes and refetches.
				return nil
			}
			data, err := json.Marshal(redact(ev, peer))
			if err != nil {
				s.log.Error("lan: event not encodable", "seq", ev.Seq, "err", err)
				continue
			}
			fmt.Fprintf(&buf, "id: %d\ndata: %s\n\n", ev.Seq, data)
			// Send whatever else is already waiting in the same write.
		drain:
			for buf.Len() < 32<<10 {
				select {
				case ev, ok := <-ch:
					if !ok {
						write()
						return nil
					}
					if data, err := json.Marshal(redact(ev, peer)); err == nil {
						fmt.Fprintf(&buf, "id: %d\ndata: %s\n\n", ev.Seq, data)
					}
				default:
					break drain
				}
			}
		}
		if err := write(); err != nil {
			s.log.Info("lan: event stream write failed", "remote", remote, "err", err)
			return nil
		}
	}
}

// redact takes personal data out of an event for a peer that may not see
// it: only a counter sees the contact phone of a ticket, and only of its own
// window's.
func redact(ev app.HallEvent, p Peer) app.HallEvent {
	if ev.Ticket == nil || ev.Ticket.Phone == "" || p.All {
		return ev
	}
	if p.Role() == app.PCCounter && (ev.Ticket.WindowID == p.PC.WindowID || ev.Ticket.ToWindowID == p.PC.WindowID) {
		return ev
	}
	t := *ev.Ticket
	t.Phone = ""
	ev.Ticket = &t
	return ev
}
