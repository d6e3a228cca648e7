package relay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/sync/relay"
)

// These tests play a key holder who talks to the hub's relay directly, as
// any PC with the centre key could, instead of through a counter's forwarder.

// logBuf is a log the hub writes while the test reads it.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// attackHub is a hub with its own service's rules, served on loopback, and a
// counter that has forwarded a few real visits to it (the first a bad review).
type attackHub struct {
	db  *storage.DB
	svc *app.Service
	srv *httptest.Server
	log *logBuf
	c   *counter
}

func newAttackHub(t *testing.T) *attackHub {
	t.Helper()
	h := &attackHub{db: newHubDB(t, filepath.Join(t.TempDir(), "hub.db")), log: &logBuf{}}
	t.Cleanup(func() { h.db.Close() })
	p, err := app.LoadProfile("national", "")
	must(t, err)
	lg := slog.New(slog.NewTextHandler(h.log, nil))
	h.svc = app.NewService(h.db, app.SystemClock{}, p, app.NewCalendar(), lg)
	h.srv = httptest.NewServer(bearer(relay.ForService(h.db, h.svc, lg)))
	t.Cleanup(h.srv.Close)
	h.c = newCounter(t, h.srv.URL)
	h.c.connect(t)
	for range 3 {
		h.c.visit(t)
	}
	if _, err := h.c.fwd.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

// post sends records as a key holder would and decodes the answer.
func (h *attackHub) post(t *testing.T, recs ...storage.RelayRecord) (int, relay.RecordsResponse) {
	t.Helper()
	body, err := json.Marshal(relay.RecordsRequest{Node: "99", Records: recs})
	must(t, err)
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/relay/records", bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+centreKey)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var out relay.RecordsResponse
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// snapshot is what must not change when the hub refuses: its ratings, their
// work orders' states and its county outbox.
func (h *attackHub) snapshot(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, q := range []string{
		`SELECT group_concat(uid || ':' || level, ',') FROM (SELECT uid, level FROM evaluations ORDER BY id)`,
		`SELECT group_concat(id || ':' || state, ',') FROM (SELECT id, state FROM work_orders ORDER BY id)`,
		`SELECT count(*) FROM outbox`,
		`SELECT count(*) FROM audit_log`,
	} {
		rows, err := rawQuery(h.db, q)
		must(t, err)
		parts = append(parts, strings.Join(rows, ""))
	}
	return strings.Join(parts, "\n")
}

// counterEval reads one of the counter's stored ratings and its transaction.
func (h *attackHub) counterEval(t *testing.T, bad bool) (app.Evaluation, app.Transaction) {
	t.Helper()
	ids, err := rawQuery(h.c.db, `SELECT id FROM evaluations ORDER BY id`)
	must(t, err)
	for _, id := range ids {
		var n int64
		_, _ = fmt.Sscan(id, &n)
		e, err := h.c.db.Evaluation(ctx, n)
		must(t, err)
		if h.c.svc.Profile.IsBad(e.Level) == bad {
			tx, err := h.c.db.Transaction(ctx, e.TransactionID)
			must(t, err)
			return e, tx
		}
	}
	t.Fatalf("no %v rating on the counter", bad)
	return app.Evaluation{}, app.Transaction{}
}

func evalRecord(t *testing.T, e app.Evaluation, txUID, correctsUID string) storage.RelayRecord {
	t.Helper()
	b, err := json.Marshal(e)
	must(t, err)
	return storage.RelayRecord{Kind: storage.OutboxEvaluation, UID: e.UID, Payload: b, TxUID: txUID, CorrectsUID: correctsUID}
}

// A key holder posts a "correction" that turns an open bad review into a
// good one. The hub refuses it (corrections are the manager's, at the hub,
// with a reason in the audit log): the bad review, its open work order and
// the 好评率 stay as they were, the reason is in the answer and the log.
func TestRelayRefusesForgedCorrection(t *testing.T) {
	h := newAttackHub(t)
	bad, tx := h.counterEval(t, true)
	orders, err := h.db.WorkOrders(ctx, app.OrderFilter{OpenOnly: true})
	must(t, err)
	if len(orders) != 1 {
		t.Fatalf("hub has %d open orders before the attack, want the 1 bad review's", len(orders))
	}
	before := h.snapshot(t)

	forged := bad
	forged.ID, forged.UID, forged.EventID = 0, "forged-correction", "forged-event"
	forged.Level, forged.Tags, forged.CorrectsID = app.LevelVeryGood, nil, bad.ID
	status, res := h.post(t, evalRecord(t, forged, tx.UID, bad.UID))
	if status != http.StatusOK || len(res.Results) != 1 || res.Results[0].Status != storage.ImportRejected ||
		!strings.Contains(res.Results[0].Reason, "中心负责人") {
		t.Fatalf("forged correction answered %d %+v", status, res)
	}
	// The same, naming a rating the hub does not hold: the same refusal, so
	// the answer tells nothing about which ratings exist.
	forged.UID = "forged-correction-2"
	_, res2 := h.post(t, evalRecord(t, forged, tx.UID, "no-such-rating"))
	if len(res2.Results) != 1 || res2.Results[0].Reason != res.Results[0].Reason {
		t.Fatalf("correction of an unknown rating answered %+v, want %+v", res2, res)
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("hub changed by a refused correction:\nbefore %s\nafter  %s", before, after)
	}
	if l := h.log.String(); !strings.Contains(l, "relay record refused") || !strings.Contains(l, "forged-correction") {
		t.Fatalf("no log line for the refused correction:\n%s", l)
	}
	// The manager, at the hub, can still correct it: with a reason, audited.
	mgr, err := h.svc.Login(ctx, "0001", clerkPIN)
	must(t, err)
	hubBad, err := rawQuery(h.db, `SELECT id FROM evaluations WHERE uid = '`+bad.UID+`'`)
	must(t, err)
	var hubID int64
	_, _ = fmt.Sscan(hubBad[0], &hubID)
	if _, err := h.svc.Correct(ctx, mgr, hubID, app.RateRequest{Level: app.LevelGood}, "录入时选错等级"); err != nil {
		t.Fatalf("the manager's own correction at the hub: %v", err)
	}
}

// A key holder posts ratings that break the rules a rating at the hub
// meets: a paper form dated years before its visit with no form number and
// nobody who entered it, a keypad rating backdated before the visit, one
// from the future, one blaming another clerk, one for a visit that never
// happened, a second rating of a rated visit. Each is refused with its
// reason, and nothing stored changes.
func TestRelayRefusesBackdatedPaperRating(t *testing.T) {
	h := newAttackHub(t)
	// An unrated finished transaction forwarded by the counter.
	reg, err := h.c.svc.Register(ctx, h.c.clerk, app.RegisterRequest{WindowID: h.c.win, ApplicantName: "李明",
		IDNumber: idNumber(77), Items: []string{"RS001"}})
	must(t, err)
	_, err = h.c.svc.Advance(ctx, h.c.clerk, reg.Transactions[0].ID, app.TxCompleted, "")
	must(t, err)
	tx, err := h.c.db.Transaction(ctx, reg.Transactions[0].ID)
	must(t, err)
	if _, err := h.c.fwd.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	good, goodTx := h.counterEval(t, false)
	before := h.snapshot(t)

	base := app.Evaluation{TransactionID: tx.ID, Visit: 1, Dimension: app.DimWindow, Level: app.LevelVeryGood,
		Channel: app.ChannelKeypad, Kind: app.KindActive, Rater: app.RaterApplicant, WindowID: tx.WindowID,
		ClerkID: tx.ClerkID, ItemCode: tx.ItemCode, RatedAt: time.Now()}
	paper := base
	paper.UID, paper.Channel, paper.Dimension, paper.RatedAt = "paper-2019", app.ChannelPaper, app.DimItem,
		tx.CreatedAt.AddDate(-7, 0, 0)
	backdated := base
	backdated.UID, backdated.RatedAt = "keypad-2019", tx.CreatedAt.AddDate(-7, 0, 0)
	future := base
	future.UID, future.RatedAt = "keypad-future", time.Now().Add(48*time.Hour)
	blame := base
	blame.UID, blame.Level, blame.Tags = "keypad-blame", app.LevelVeryBad, []string{"态度差"}
	blame.ClerkID = h.c.clerk.ID + 1
	ghost := base
	ghost.UID, ghost.Visit = "keypad-visit-9", 9
	second := good
	second.ID, second.UID, second.Level, second.Tags = 0, "second-rating", app.LevelVeryBad, []string{"态度差"}

	cases := []struct {
		rec  storage.RelayRecord
		want string
	}{
		{evalRecord(t, paper, tx.UID, ""), "只能由中心负责人在中心主机录入"},
		{evalRecord(t, backdated, tx.UID, ""), "早于办件"},
		{evalRecord(t, future, tx.UID, ""), "晚于中心主机当前时间"},
		{evalRecord(t, blame, tx.UID, ""), "不一致"},
		{evalRecord(t, ghost, tx.UID, ""), "没有第9次办理"},
		{evalRecord(t, second, goodTx.UID, ""), "已有评价"},
		{evalRecord(t, base, "", ""), "缺少"}, // no UID at all
	}
	var recs []storage.RelayRecord
	for _, c := range cases {
		recs = append(recs, c.rec)
	}
	status, res := h.post(t, recs...)
	if status != http.StatusOK || len(res.Results) != len(cases) {
		t.Fatalf("answer %d %+v", status, res)
	}
	for i, c := range cases {
		if r := res.Results[i]; r.Status != storage.ImportRejected || !strings.Contains(r.Reason, c.want) {
			t.Errorf("record %q: %s %q, want rejected mentioning %q", c.rec.UID, r.Status, r.Reason, c.want)
		}
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("hub changed by refused ratings:\nbefore %s\nafter  %s", before, after)
	}
	// The honest rating of that visit, forwarded by the counter, still goes in.
	if _, err := h.c.svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelGood, Channel: app.ChannelKeypad}); err != nil {
		t.Fatal(err)
	}
	res3, err := h.c.fwd.Drain(ctx)
	if err != nil || res3.Sent != 1 || res3.Rejected != 0 {
		t.Fatalf("honest rating after the attack: %+v %v", res3, err)
	}
}

// A body over relay.MaxBody is refused before it is read, whether it says
// its length or streams without one; nothing is stored.
func TestRelayRefusesOversizedBody(t *testing.T) {
	h := newAttackHub(t)
	before := h.snapshot(t)
	huge := `{"node":"99","records":[{"kind":"evaluation","uid":"x","payload":{"Text":"` +
		strings.Repeat("差", relay.MaxBody/3+10) + `"}}]}`
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(huge)
		if chunked {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/relay/records", body)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+centreKey)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		var eb struct{ Code, Msg string }
		_ = json.NewDecoder(resp.Body).Decode(&eb)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || eb.Code != "body_too_large" || !strings.Contains(eb.Msg, "过大") {
			t.Fatalf("chunked=%v: %d %+v, want 413 body_too_large", chunked, resp.StatusCode, eb)
		}
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("hub changed by an oversized body")
	}
	if l := h.log.String(); !strings.Contains(l, "body_too_large") {
		t.Fatalf("no log line for the oversized body:\n%s", l)
	}
}

// While relay.MaxImports requests are being taken in, one more is told to
// come back (503, Retry-After, Chinese message) instead of being held in
// memory; a counter that meets that marks nothing sent and sends it all
// once the hub is free.
func TestRelayCapsConcurrentImports(t *testing.T) {
	h := newAttackHub(t)
	// Requests whose bodies never finish hold every import slot.
	var writers []*io.PipeWriter
	var wg sync.WaitGroup
	for range relay.MaxImports {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/relay/records", pr)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+centreKey)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		if _, err := pw.Write([]byte(`{"node":"slow","records":[`)); err != nil {
			t.Fatal(err)
		}
	}
	// Wait (not a timing assertion) until the hub turns a request away.
	var busy *http.Response
	deadline := time.Now().Add(60 * time.Second)
	for busy == nil {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/relay/records", strings.NewReader(`{"records":[]}`))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+centreKey)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		if resp.StatusCode == http.StatusServiceUnavailable {
			busy = resp
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the hub never refused a request beyond its import cap")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var eb struct{ Code, Msg string }
	_ = json.NewDecoder(busy.Body).Decode(&eb)
	busy.Body.Close()
	if eb.Code != "busy" || !strings.Contains(eb.Msg, "正忙") || busy.Header.Get("Retry-After") == "" {
		t.Fatalf("busy answer %+v, Retry-After %q", eb, busy.Header.Get("Retry-After"))
	}
	// A counter draining now gets the refusal and marks nothing sent.
	h.c.visit(t)
	if _, err := h.c.fwd.Drain(ctx); err == nil || !strings.Contains(err.Error(), "正忙") {
		t.Fatalf("drain while busy: %v", err)
	}
	if st, err := h.c.fwd.Status(ctx); err != nil || st.Backlog == 0 {
		t.Fatalf("rows marked sent while the hub refused them: %+v %v", st, err)
	}
	for _, pw := range writers {
		_, _ = pw.Write([]byte(`]}`))
		pw.Close()
	}
	wg.Wait()
	if _, err := h.c.fwd.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	checkOnce(t, h.db, h.c)
}

// A hub (or a proxy in front of it) that finds a batch too large gets
// smaller ones: the counter halves the batch until it goes, and every row
// arrives once.
func TestForwarderSendsSmallerBatches(t *testing.T) {
	hubDB := newHubDB(t, filepath.Join(t.TempDir(), "hub.db"))
	defer hubDB.Close()
	h := relay.NewHandler(hubDB, quiet)
	var mu sync.Mutex
	var sizes []int
	const limit = 6 // records per request this hub takes
	strict := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/records") {
			b, _ := io.ReadAll(r.Body)
			var req relay.RecordsRequest
			_ = json.Unmarshal(b, &req)
			mu.Lock()
			sizes = append(sizes, len(req.Records))
			mu.Unlock()
			if len(req.Records) > limit {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				_, _ = w.Write([]byte(`{"code":"body_too_large","msg":"上传数据过大，中心主机未接收"}`))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		h.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(bearer(strict))
	defer srv.Close()
	c := newCounter(t, srv.URL)
	c.connect(t)
	for range 8 {
		c.visit(t)
	}
	res, err := c.fwd.Drain(ctx)
	if err != nil || res.Rejected != 0 {
		t.Fatalf("drain %+v %v (batch sizes %v)", res, err, sizes)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) < 2 || sizes[0] <= limit {
		t.Fatalf("batch sizes %v: the first batch should have been too large and then split", sizes)
	}
	checkOnce(t, hubDB, c)
}
