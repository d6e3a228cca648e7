package lan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/apptest"
	"bianmin/app/queue"
)

const testKey = "k3y-for-tests-0123456789"

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type hub struct {
	hall app.Hall
	srv  *Server
	ts   *httptest.Server
	url  string
	logs *syncBuffer
}

// startHub serves hall on loopback with testKey.
func startHub(t testing.TB, hall app.Hall) *hub {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := NewServer(hall, testKey, log)
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.RegisterOnShutdown(srv.CloseStreams)
	ts.Start()
	t.Cleanup(func() {
		srv.CloseStreams()
		ts.Close()
	})
	return &hub{hall: hall, srv: srv, ts: ts, url: ts.URL, logs: logs}
}

func (h *hub) client(t testing.TB) *Client {
	c := NewClient(h.url, testKey, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(c.Close)
	return c
}

// raw sends a request as-is and returns the status and the decoded refusal.
func raw(t testing.TB, method, url, auth, body string) (int, errorBody, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var eb errorBody
	json.Unmarshal(data, &eb)
	return resp.StatusCode, eb, data
}

// snapshot is everything a client can see of the hall, to check that a
// refused request changed nothing.
func snapshot(t testing.TB, h app.Hall, windows ...int64) string {
	t.Helper()
	ctx := context.Background()
	b, err := h.Board(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(b)
	for _, id := range windows {
		w, err := h.Window(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		ws, _ := json.Marshal(w)
		out = append(out, ws...)
	}
	return string(out)
}

// realHall is the centre's queue on a fresh SQLite file (hall_test.go).
func realHall(t testing.TB, windows int) *queue.Queue {
	return openTestHall(t, filepath.Join(t.TempDir(), "hub.db"), windows)
}

func isChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestHealthNeedsNoKey(t *testing.T) {
	h := startHub(t, apptest.MemHall(t, 2))
	if st, _, body := raw(t, "GET", h.url+"/api/v1/health", "", ""); st != 200 || !strings.Contains(string(body), `"ok":true`) {
		t.Fatalf("health = %d %s", st, body)
	}
	if err := h.client(t).Health(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestWrongOrMissingKeyIsRefusedAndChangesNothing(t *testing.T) {
	hall := realHall(t, 2)
	h := startHub(t, hall)
	ctx := context.Background()
	if _, err := hall.Issue(ctx, app.IssueRequest{CategoryID: 1}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, hall, 1, 2)
	cases := []struct{ name, auth string }{
		{"missing", ""},
		{"wrong", "Bearer not-the-key"},
		{"prefix of key", "Bearer " + testKey[:10]},
		{"key plus more", "Bearer " + testKey + "x"},
		{"basic scheme", "Basic " + testKey},
		{"bare key", testKey},
	}
	reqs := []struct{ method, path, body string }{
		{"POST", "/api/v1/windows/1/call-next", `{"ClerkID":7}`},
		{"POST", "/api/v1/tickets", `{"CategoryID":1}`},
		{"POST", "/api/v1/windows/1/pause", `{"paused":true}`},
		{"GET", "/api/v1/board", ""},
		{"GET", "/api/v1/events", ""},
		{"GET", "/api/v1/no-such-thing", ""},
	}
	for _, c := range cases {
		for _, r := range reqs {
			st, eb, body := raw(t, r.method, h.url+r.path, c.auth, r.body)
			if st != http.StatusUnauthorized || eb.Error.Code != "unauthorized" || !isChinese(eb.Error.Message) {
				t.Errorf("%s %s %s: %d %s", c.name, r.method, r.path, st, body)
			}
		}
	}
	if got := snapshot(t, hall, 1, 2); got != before {
		t.Fatalf("refused requests changed the hall:\n%s\n%s", before, got)
	}
	logs := h.logs.String()
	if strings.Contains(logs, testKey[:10]) || strings.Contains(logs, "not-the-key") {
		t.Fatalf("a key reached the log:\n%s", logs)
	}
	if !strings.Contains(logs, "remote=127.0.0.1:") || !strings.Contains(logs, "refused unauthenticated") {
		t.Fatalf("the refusal log has no remote address:\n%s", logs)
	}
	// The right key, in any case of the scheme, works.
	if st, _, body := raw(t, "GET", h.url+"/api/v1/board", "bearer "+testKey, ""); st != 200 {
		t.Fatalf("right key: %d %s", st, body)
	}
	// The client with a wrong key gets the Chinese refusal as a UserError.
	c := NewClient(h.url, "wrong", nil)
	defer c.Close()
	_, err := c.CallNext(ctx, 1, 7)
	var ue *app.UserError
	if !errors.As(err, &ue) || ue.Code != "unauthorized" || !isChinese(ue.Msg) {
		t.Fatalf("client with wrong key: %v", err)
	}
	// A status line fed by a Follower says the key is wrong, not just "down".
	_, err = c.Subscribe(ctx)
	if l := (Link{Err: err}); !strings.Contains(l.Message(), "凭据不正确") {
		t.Fatalf("status line with a wrong key: %q (%v)", l.Message(), err)
	}
}

func TestHubWithoutKeyRefusesEverything(t *testing.T) {
	srv := NewServer(apptest.MemHall(t, 1), "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if st, _, _ := raw(t, "GET", ts.URL+"/api/v1/board", auth, ""); st != 401 {
			t.Errorf("auth %q: %d", auth, st)
		}
	}
}

func TestMalformedRequestsAre400AndChangeNothing(t *testing.T) {
	hall := realHall(t, 2)
	h := startHub(t, hall)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := hall.Issue(ctx, app.IssueRequest{CategoryID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := hall.CallNext(ctx, 2, 2); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, hall, 1, 2)
	auth := "Bearer " + testKey
	cases := []struct{ name, method, path, body, want string }{
		{"bad json", "POST", "/api/v1/tickets", `{"CategoryID":`, "JSON"},
		{"unknown field", "POST", "/api/v1/tickets", `{"CategoryID":1,"Colour":"red"}`, "Colour"},
		{"wrong type", "POST", "/api/v1/tickets", `{"CategoryID":"one"}`, "JSON"},
		{"two objects", "POST", "/api/v1/tickets", `{"CategoryID":1}{"CategoryID":1}`, "多余"},
		{"trailing garbage", "POST", "/api/v1/tickets", `{"CategoryID":1} x`, "多余"},
		{"empty issue", "POST", "/api/v1/tickets", ``, "为空"},
		{"id not a number", "POST", "/api/v1/windows/abc/call-next", `{"ClerkID":1}`, "abc"},
		{"id zero", "POST", "/api/v1/windows/0/call-next", `{"ClerkID":1}`, "不是正整数"},
		{"id negative", "POST", "/api/v1/windows/-1/finish", ``, "不是正整数"},
		{"id overflow", "GET", "/api/v1/windows/99999999999999999999", ``, "不是正整数"},
		{"call-next unknown field", "POST", "/api/v1/windows/1/call-next", `{"Clerk":1}`, "Clerk"},
		{"finish with body", "POST", "/api/v1/windows/2/finish", `{"now":true}`, "now"},
		{"pause without paused", "POST", "/api/v1/windows/1/pause", `{}`, "paused"},
		{"pause not bool", "POST", "/api/v1/windows/1/pause", `{"paused":"yes"}`, "JSON"},
		{"callback empty", "POST", "/api/v1/windows/1/callback", ``, "为空"},
		{"transfer unknown field", "POST", "/api/v1/windows/2/transfer", `{"ToWindows":3}`, "ToWindows"},
		{"signin array", "POST", "/api/v1/windows/1/signin", `[1,"A"]`, "JSON"},
		{"huge body", "POST", "/api/v1/tickets", `{"Phone":"` + strings.Repeat("1", maxBody) + `"}`, "超过"},
	}
	for _, c := range cases {
		st, eb, body := raw(t, c.method, h.url+c.path, auth, c.body)
		if st != http.StatusBadRequest || eb.Error.Code != "bad_request" || !strings.Contains(eb.Error.Message, c.want) ||
			!strings.Contains(eb.Error.Message, "未作任何更改") {
			t.Errorf("%s: %d %s", c.name, st, body)
		}
	}
	if got := snapshot(t, hall, 1, 2); got != before {
		t.Fatalf("malformed requests changed the hall:\n%s\n%s", before, got)
	}
}

func TestRefusalsKeepCodeMessageAndStatus(t *testing.T) {
	hall := realHall(t, 2)
	h := startHub(t, hall)
	c := h.client(t)
	ctx := context.Background()

	check := func(name string, err error, code app.Code, status int, path, body string) {
		t.Helper()
		var ue *app.UserError
		if !errors.As(err, &ue) || ue.Code != code || !isChinese(ue.Msg) {
			t.Errorf("%s: client got %v", name, err)
		}
		// The same request by hand: the status and the envelope.
		st, eb, data := raw(t, "POST", h.url+path, "Bearer "+testKey, body)
		if st != status || eb.Error.Code != code || eb.Error.Message != ue.Msg {
			t.Errorf("%s: HTTP %d %s, want %d", name, st, data, status)
		}
	}
	_, err := c.Issue(ctx, app.IssueRequest{CategoryID: 99})
	check("unknown category", err, "unknown_category", 404, "/api/v1/tickets", `{"CategoryID":99}`)
	_, err = c.CallNext(ctx, 1, 1)
	check("empty queue", err, "queue_empty", 409, "/api/v1/windows/1/call-next", `{"ClerkID":1}`)
	err = c.Finish(ctx, 1)
	check("nothing current", err, "no_current", 409, "/api/v1/windows/1/finish", ``)
	_, err = c.CallNext(ctx, 42, 1)
	check("unknown window", err, "unknown_window", 404, "/api/v1/windows/42/call-next", `{}`)
	err = c.SignIn(ctx, 1, 1, "C")
	check("other refusal", err, "invalid_post", 422, "/api/v1/windows/1/signin", `{"ClerkID":1,"Post":"C"}`)
	_, err = c.Issue(ctx, app.IssueRequest{CategoryID: testCategory, Priority: "vip"})
	check("bad priority", err, "invalid_priority", 422, "/api/v1/tickets", `{"CategoryID":1,"Priority":"vip"}`)
	if err := c.SetPaused(ctx, 2, true); err != nil {
		t.Fatal(err)
	}
	_, err = c.CallNext(ctx, 2, 2)
	check("paused", err, "window_paused", 409, "/api/v1/windows/2/call-next", `{"ClerkID":2}`)
}

// TestClientBehavesLikeTheLocalQueue runs one morning at two windows on a
// queue in this process and, on another database, through the LAN client:
// every answer and every refusal (code and Chinese message) is the same.
func TestClientBehavesLikeTheLocalQueue(t *testing.T) {
	local := realHall(t, 2)
	h := startHub(t, realHall(t, 2))
	remote := h.client(t)
	ctx := context.Background()
	stamp := regexp.MustCompile(`"\d{4}-\d\d-\d\dT[^"]*"`)

	script := func(hall app.Hall) []string {
		var out []string
		rec := func(what string, v any, err error) {
			var ue *app.UserError
			if err != nil && !errors.As(err, &ue) {
				t.Fatalf("%s: not a refusal: %v", what, err)
			}
			if ue != nil {
				out = append(out, fmt.Sprintf("%s: refused %s %s", what, ue.Code, ue.Msg))
				return
			}
			b, _ := json.Marshal(v)
			out = append(out, what+": "+stamp.ReplaceAllString(string(b), `"T"`))
		}
		cats, err := hall.Categories(ctx)
		rec("categories", cats, err)
		for i, req := range []app.IssueRequest{{CategoryID: testCategory}, {CategoryID: testCategory, Priority: app.PriorityElderly},
			{CategoryID: testCategoryB}, {CategoryID: testCategory}, {CategoryID: 99}} {
			it, err := hall.Issue(ctx, req)
			rec(fmt.Sprint("issue ", i), it, err)
		}
		rec("sign in 1", nil, hall.SignIn(ctx, 1, 1, "A"))
		rec("sign in 2", nil, hall.SignIn(ctx, 2, 2, "B"))
		rec("sign in bad post", nil, hall.SignIn(ctx, 2, 2, "C"))
		tk, err := hall.CallNext(ctx, 1, 1)
		rec("call 1", tk, err)
		tk, err = hall.CallNext(ctx, 2, 2)
		rec("call 2", tk, err)
		tk, err = hall.Recall(ctx, 1)
		rec("recall 1", tk, err)
		rec("transfer 1 to B and back", nil, hall.Transfer(ctx, app.TransferRequest{FromWindow: 1, ToCategory: testCategoryB, Return: true}))
		rec("transfer to nowhere", nil, hall.Transfer(ctx, app.TransferRequest{FromWindow: 2}))
		tk, err = hall.CallNext(ctx, 1, 1)
		rec("call 1 again", tk, err)
		rec("no-show 1", nil, hall.NoShow(ctx, 1))
		ws, err := hall.Window(ctx, 1)
		rec("window 1", ws, err)
		if len(ws.NoShows) > 0 {
			tk, err = hall.CallBack(ctx, 1, 1, ws.NoShows[0].ID)
			rec("call back", tk, err)
		}
		tk, err = hall.CallBack(ctx, 1, 1, 12345)
		rec("call back unknown", tk, err)
		rec("finish 1", nil, hall.Finish(ctx, 1))
		rec("finish 1 again", nil, hall.Finish(ctx, 1))
		rec("pause 2", nil, hall.SetPaused(ctx, 2, true))
		tk, err = hall.CallNext(ctx, 2, 2)
		rec("call paused", tk, err)
		rec("resume 2", nil, hall.SetPaused(ctx, 2, false))
		for i := 0; i < 5; i++ {
			tk, err = hall.CallNext(ctx, 2, 2)
			rec(fmt.Sprint("drain ", i), tk, err)
		}
		ws, err = hall.Window(ctx, 2)
		rec("window 2", ws, err)
		b, err := hall.Board(ctx)
		rec("board", b, err)
		return out
	}
	want := script(local)
	got := script(remote)
	if len(got) != len(want) {
		t.Fatalf("%d answers over the LAN, %d locally", len(got), len(want))
	}
	refusals := 0
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("answer %d\nLAN:   %s\nlocal: %s", i, got[i], want[i])
		}
		if strings.Contains(want[i], "refused") {
			refusals++
		}
	}
	if refusals < 6 || !strings.Contains(strings.Join(want, "\n"), `"Number":"A001"`) {
		t.Fatalf("the script did not exercise the queue:\n%s", strings.Join(want, "\n"))
	}
}

func TestUnreachableHub(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c := NewClient(addr, testKey, nil)
	defer c.Close()
	ctx := context.Background()
	check := func(name string, err error) {
		t.Helper()
		var ue *app.UserError
		if !errors.As(err, &ue) || ue.Code != "hub_unreachable" || !strings.Contains(ue.Msg, "无法连接中心主机") ||
			!errors.Is(err, app.ErrHubUnreachable) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = c.CallNext(ctx, 1, 1)
	check("call next", err)
	_, err = c.Subscribe(ctx)
	check("subscribe", err)
	check("health", c.Health(ctx))

	// Something that is not the hub answers: the same refusal.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>router login</html>", http.StatusForbidden)
	}))
	defer other.Close()
	c2 := NewClient(other.URL, testKey, nil)
	defer c2.Close()
	_, err = c2.Board(ctx)
	check("not a hub", err)

	// A hub that accepts but never answers (hung, or the cable pulled after
	// the request went out): unreachable after Client.Timeout.
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release)
	c3 := NewClient(hung.URL, testKey, nil)
	defer c3.Close()
	c3.Timeout = 50 * time.Millisecond
	_, err = c3.CallNext(ctx, 1, 1)
	check("hung hub", err)
	_, err = c3.Subscribe(ctx)
	check("hung hub events", err)

	// A caller that gives up gets its own context error, not a hub failure.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Board(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestMountIsBehindTheKey(t *testing.T) {
	h := startHub(t, apptest.MemHall(t, 1))
	var got []string
	var mu sync.Mutex
	h.srv.Mount("POST /api/v1/records", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	if st, _, _ := raw(t, "POST", h.url+"/api/v1/records", "Bearer nope", "secret record"); st != 401 {
		t.Fatalf("wrong key: %d", st)
	}
	if st, _, _ := raw(t, "POST", h.url+"/api/v1/records", "Bearer "+testKey, "record 1"); st != http.StatusAccepted {
		t.Fatalf("right key: %d", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "record 1" {
		t.Fatalf("mounted handler saw %q", got)
	}
}

// recv reads n events from ch or fails after a generous deadline (a hang
// guard, not a timing assertion).
func recv(t testing.TB, ch <-chan app.HallEvent, n int) []app.HallEvent {
	t.Helper()
	var out []app.HallEvent
	deadline := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream closed after %d of %d events", len(out), n)
			}
			out = append(out, ev)
		case <-deadline:
			t.Fatalf("got %d of %d events", len(out), n)
		}
	}
	return out
}

func TestEventsReachEverySubscriberInOrder(t *testing.T) {
	hall := realHall(t, 3)
	h := startHub(t, hall)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const subscribers, tickets = 4, 6
	var chans []<-chan app.HallEvent
	for i := 0; i < subscribers; i++ {
		ch, err := h.client(t).Subscribe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	c := h.client(t)
	for i := 0; i < tickets; i++ {
		if _, err := c.Issue(ctx, app.IssueRequest{CategoryID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var called []app.Ticket
	for i := 0; i < tickets; i++ {
		w := int64(i%3 + 1)
		tk, err := c.CallNext(ctx, w, w)
		if err != nil {
			t.Fatal(err)
		}
		called = append(called, tk)
	}
	// A call at a busy window finishes its ticket first: issued ×6, then
	// called, called, called, finished+called ×3.
	const total = tickets + tickets + 3
	var first []app.HallEvent
	for i, ch := range chans {
		evs := recv(t, ch, total)
		var calls []app.HallEvent
		for j, ev := range evs {
			if j > 0 && ev.Seq != evs[j-1].Seq+1 {
				t.Fatalf("subscriber %d: seq %d after %d", i, ev.Seq, evs[j-1].Seq)
			}
			if ev.Kind == app.EventCalled {
				calls = append(calls, ev)
			}
		}
		if len(calls) != tickets {
			t.Fatalf("subscriber %d: %d called events", i, len(calls))
		}
		for j, ev := range calls {
			tk := called[j]
			if ev.Call == nil || ev.Call.TicketID != tk.ID || ev.Call.Number != tk.Number ||
				ev.Call.WindowID != tk.WindowID || ev.Call.Category != "综合受理" || ev.At.IsZero() {
				t.Fatalf("subscriber %d call %d = %+v %+v, want call of %+v", i, j, ev, ev.Call, tk)
			}
		}
		if i == 0 {
			first = evs
		} else {
			for j := range evs {
				if evs[j].Seq != first[j].Seq || evs[j].Kind != first[j].Kind {
					t.Fatalf("subscriber %d event %d differs from subscriber 0's", i, j)
				}
			}
		}
	}
	// Ending the context closes the channel.
	cancel()
	for _, ch := range chans {
		for range ch {
		}
	}
}

func TestHeartbeatKeepsAStreamAndSilenceEndsIt(t *testing.T) {
	hall := apptest.MemHall(t, 1)
	h := startHub(t, hall)
	h.srv.Heartbeat = 20 * time.Millisecond
	// A raw reader sees the heartbeat comment.
	req, _ := http.NewRequest("GET", h.url+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	buf := make([]byte, 0, 256)
	for !bytes.Contains(buf, []byte(": ping\n\n")) {
		p := make([]byte, 64)
		n, err := resp.Body.Read(p)
		if err != nil {
			t.Fatalf("read: %v (%q)", err, buf)
		}
		buf = append(buf, p[:n]...)
	}
	resp.Body.Close()

	// A client on a hub that went silent (a pulled cable: no FIN, no
	// heartbeat) drops the stream by itself.
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer silent.Close()
	c := NewClient(silent.URL, testKey, nil)
	defer c.Close()
	c.StreamIdle = 50 * time.Millisecond
	ch, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event from a silent hub")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a silent stream was kept open")
	}
	silent.CloseClientConnections()
}

func TestCloseStreamsLetsShutdownFinish(t *testing.T) {
	hall := apptest.MemHall(t, 1)
	srv := NewServer(hall, testKey, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	hs.RegisterOnShutdown(srv.CloseStreams)
	go hs.Serve(l)
	c := NewClient(l.Addr().String(), testKey, nil)
	defer c.Close()
	ch, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open stream: %v", err)
	}
	for range ch { // the client sees the stream end
	}
	// A new stream on a closing hub is refused, not held open.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("stream on a closed hub: %d", rec.Code)
	}
}

// A hub's http.Server has read and write timeouts for ordinary requests;
// an event stream outlives both.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	hall := apptest.MemHall(t, 1)
	srv := NewServer(hall, testKey, nil)
	srv.Heartbeat = 20 * time.Millisecond
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}
	hs.RegisterOnShutdown(srv.CloseStreams)
	go hs.Serve(l)
	defer hs.Close()
	c := NewClient(l.Addr().String(), testKey, nil)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Let both timeouts pass several times over, heartbeats flowing.
	time.Sleep(500 * time.Millisecond)
	if _, err := hall.Issue(ctx, app.IssueRequest{CategoryID: 1}); err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, ch, 1)[0]; ev.Kind != app.EventIssued {
		t.Fatalf("event %+v", ev)
	}
}
