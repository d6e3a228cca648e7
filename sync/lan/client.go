package lan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
)

// Client is an app.Hall across the LAN: a counter's, kiosk's or hall
// display's view of the hub's queue.
type Client struct {
	base string // http://host:port, no trailing slash
	key  string
	log  *slog.Logger
	http *http.Client

	// Timeout bounds one request (not an event stream). Default 10 s: a
	// clerk waiting longer is better told the hub is unreachable.
	Timeout time.Duration
	// StreamIdle ends an event stream on which nothing at all (not even the
	// hub's heartbeat) arrived for this long. Default three heartbeats.
	StreamIdle time.Duration
}

var _ app.Hall = (*Client)(nil)

// NewClient talks to the hub at baseURL ("http://192.168.1.10:8787" or
// "192.168.1.10:8787") with the centre key.
func NewClient(baseURL, key string, log *slog.Logger) *Client {
	if log == nil {
		log = slog.Default()
	}
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	tr := &http.Transport{
		Proxy: nil, // a LAN peer; never through the browser's proxy
		DialContext: (&net.Dialer{
			Timeout:   3 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &Client{base: base, key: key, log: log, http: &http.Client{Transport: tr},
		Timeout: 10 * time.Second, StreamIdle: 3 * DefaultHeartbeat}
}

// NewPinnedClient talks to the hub at hubURL (https://host:port) over TLS
// that trusts only the certificate with pin, as the PC enrolled with cred.
// Plain http is refused: on the LAN it would carry the credential, names
// and phones in clear.
func NewPinnedClient(hubURL, pin string, cred Credential, log *slog.Logger) (*Client, error) {
	if err := CheckHubURL(hubURL); err != nil {
		return nil, err
	}
	c := NewClient(hubURL, string(cred), log)
	c.http.Transport = PinnedTransport(pin)
	return c, nil
}

// CheckHubURL refuses a hub address that is not https://host:port.
func CheckHubURL(u string) error {
	rest, ok := strings.CutPrefix(strings.TrimSpace(u), "https://")
	if !ok || rest == "" {
		return &app.UserError{Code: "plain_http",
			Msg: fmt.Sprintf("中心主机地址应以 https:// 开头（局域网通信须加密），现为 %q；请用加入码重新加入", u)}
	}
	return nil
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// unreachable is the refusal for a hub that cannot be reached or did not
// answer as a hub.
func unreachable(format string, args ...any) error {
	return &app.UserError{Code: app.CodeHubUnreachable,
		Msg: "无法连接中心主机，请检查网络和中心主机是否开机；恢复后会自动重连",
		Err: fmt.Errorf(format+": %w", append(args, app.ErrHubUnreachable)...)}
}

// do sends one request and decodes a 2xx JSON answer into out (nil: none).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		buf, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("lan: encode %s: %w", path, err)
		}
		body = bytes.NewReader(buf)
	}
	rctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, c.base+path, body)
	if err != nil {
		return unreachable("lan: bad hub address %q", c.base)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil { // the caller gave up, not the hub
			return ctx.Err()
		}
		return unreachable("lan: %s %s", method, path+": "+err.Error())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return unreachable("lan: %s %s: reading answer: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return c.refusal(method, path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return unreachable("lan: %s %s: answer is not the hub's JSON (%v)", method, path, err)
	}
	return nil
}

// refusal rebuilds the hub's refusal as the *app.UserError the hub's Hall
// returned (same code, same Chinese message).
func (c *Client) refusal(method, path string, status int, data []byte) error {
	var b errorBody
	if err := json.Unmarshal(data, &b); err != nil || b.Error.Code == "" {
		snippet := string(data)
		if len(snippet) > 200 {
			snippet = snippet[:200]
		}
		return unreachable("lan: %s %s: HTTP %d from something that is not the hub: %q", method, path, status, snippet)
	}
	if status >= 500 {
		c.log.Warn("lan: hub failed", "path", path, "status", status, "code", b.Error.Code)
	}
	return &app.UserError{Code: b.Error.Code, Msg: b.Error.Message,
		Err: fmt.Errorf("lan: %s %s: hub answered %d %s", method, path, status, b.Error.Code)}
}

func winPath(id int64, action string) string {
	p := "/api/v1/windows/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// Categories lists the business categories.
func (c *Client) Categories(ctx context.Context) ([]app.QueueCategory, error) {
	var out []app.QueueCategory
	err := c.do(ctx, http.MethodGet, "/api/v1/categories", nil, &out)
	return out, err
}

// Issue takes a ticket.
func (c *Client) Issue(ctx context.Context, req app.IssueRequest) (app.IssuedTicket, error) {
	var out app.IssuedTicket
	err := c.do(ctx, http.MethodPost, "/api/v1/tickets", req, &out)
	return out, err
}

// CallNext gives the window its next ticket.
func (c *Client) CallNext(ctx context.Context, windowID, clerkID int64) (app.Ticket, error) {
	var out app.Ticket
	err := c.do(ctx, http.MethodPost, winPath(windowID, "call-next"), callNextBody{ClerkID: clerkID}, &out)
	return out, err
}

// Recall announces the window's current ticket again.
func (c *Client) Recall(ctx context.Context, windowID int64) (app.Ticket, error) {
	var out app.Ticket
	err := c.do(ctx, http.MethodPost, winPath(windowID, "recall"), struct{}{}, &out)
	return out, err
}

// NoShow marks the window's current ticket 过号.
func (c *Client) NoShow(ctx context.Context, windowID int64) error {
	return c.do(ctx, http.MethodPost, winPath(windowID, "noshow"), struct{}{}, nil)
}

// CallBack calls a ticket from the recall list to the window.
func (c *Client) CallBack(ctx context.Context, windowID, clerkID, ticketID int64) (app.Ticket, error) {
	var out app.Ticket
	err := c.do(ctx, http.MethodPost, winPath(windowID, "callback"), callBackBody{ClerkID: clerkID, TicketID: ticketID}, &out)
	return out, err
}

// Transfer moves the ticket being served at req.FromWindow.
func (c *Client) Transfer(ctx context.Context, req app.TransferRequest) error {
	return c.do(ctx, http.MethodPost, winPath(req.FromWindow, "transfer"),
		transferBody{ToCategory: req.ToCategory, ToWindow: req.ToWindow, Return: req.Return}, nil)
}

// Finish ends the window's current ticket.
func (c *Client) Finish(ctx context.Context, windowID int64) error {
	return c.do(ctx, http.MethodPost, winPath(windowID, "finish"), struct{}{}, nil)
}

// SetPaused pauses or resumes the window.
func (c *Client) SetPaused(ctx context.Context, windowID int64, paused bool) error {
	return c.do(ctx, http.MethodPost, winPath(windowID, "pause"), pauseBody{Paused: &paused}, nil)
}

// SignIn puts the clerk on the window's A or B post.
func (c *Client) SignIn(ctx context.Context, windowID, clerkID int64, post string) error {
	return c.do(ctx, http.MethodPost, winPath(windowID, "signin"), signInBody{ClerkID: clerkID, Post: post}, nil)
}

// Window is the window's state.
func (c *Client) Window(ctx context.Context, windowID int64) (app.WindowState, error) {
	var out app.WindowState
	err := c.do(ctx, http.MethodGet, winPath(windowID, ""), nil, &out)
	return out, err
}

// Board is what the hall display shows.
func (c *Client) Board(ctx context.Context) (app.Board, error) {
	var out app.Board
	err := c.do(ctx, http.MethodGet, "/api/v1/board", nil, &out)
	return out, err
}

// Health asks the hub whether it is up (no key needed).
func (c *Client) Health(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, c.base+"/api/v1/health", nil)
	if err != nil {
		return unreachable("lan: bad hub address %q", c.base)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return unreachable("lan: health: %v", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return unreachable("lan: health: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Subscribe opens the hub's event stream. It returns once the hub has
// subscribed (so nothing after the return is missed) and closes the channel
// when ctx ends or the stream drops: a hub restart, a pulled cable (found by
// the missing heartbeat after StreamIdle), or the hub dropping a reader that
// fell behind. The caller then subscribes again and refetches the Board;
// Follower does both.
func (c *Client) Subscribe(ctx context.Context) (<-chan app.HallEvent, error) {
	sctx, cancel := context.WithCancel(ctx)
	hctx, hcancel := context.WithTimeout(sctx, c.Timeout) // until the headers arrive
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, c.base+"/api/v1/events", nil)
	if err != nil {
		hcancel()
		cancel()
		return nil, unreachable("lan: bad hub address %q", c.base)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "text/event-stream")
	stop := context.AfterFunc(hctx, func() {
		if errors.Is(hctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	resp, err := c.http.Do(req)
	stop()
	hcancel()
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unreachable("lan: events: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancel()
		return nil, c.refusal(http.MethodGet, "/api/v1/events", resp.StatusCode, data)
	}
	ch := make(chan app.HallEvent, 64)
	go c.readStream(sctx, cancel, resp.Body, ch)
	return ch, nil
}

// readStream parses the event stream into ch until it ends.
func (c *Client) readStream(ctx context.Context, cancel context.CancelFunc, body io.ReadCloser, ch chan<- app.HallEvent) {
	defer close(ch)
	defer body.Close()
	defer cancel()
	idle := c.StreamIdle
	if idle <= 0 {
		idle = 3 * DefaultHeartbeat
	}
	// A watchdog ends the stream when nothing arrives for idle: a hub that
	// lost power sends no FIN, and TCP alone would wait for minutes.
	alive := make(chan struct{}, 1)
	go func() {
		t := time.NewTimer(idle)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-alive:
				if !t.Stop() {
					select {
					case <-t.C:
					default:
					}
				}
				t.Reset(idle)
			case <-t.C:
				c.log.Warn("lan: event stream silent, dropping it", "idle", idle)
				cancel()
				return
			}
		}
	}()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var data []byte
	for sc.Scan() {
		select {
		case alive <- struct{}{}:
		default:
		}
		line := sc.Bytes()
		switch {
		case len(line) == 0: // dispatch
			if len(data) == 0 {
				continue
			}
			var ev app.HallEvent
			if err := json.Unmarshal(data, &ev); err != nil {
				c.log.Warn("lan: bad event from hub", "err", err)
				data = data[:0]
				continue
			}
			data = data[:0]
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		case line[0] == ':': // comment: heartbeat
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			if string(field) == "data" {
				if len(data) > 0 {
					data = append(data, '\n')
				}
				data = append(data, value...)
			}
			// id: is Seq, which the event carries too; retry: and event:
			// are not used.
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		c.log.Info("lan: event stream ended", "err", err)
	}
}
