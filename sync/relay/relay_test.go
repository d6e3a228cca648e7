package relay_test

import (
	"bufio"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/internal/eventually"
	"bianmin/storage"
	"bianmin/sync/lan"
	"bianmin/sync/relay"

	_ "modernc.org/sqlite"
)

const (
	centreKey = "centre-key-test"
	clerkPIN  = "246810"
)

var (
	ctx   = context.Background()
	quiet = slog.New(slog.DiscardHandler)
)

// TestMain doubles as the child hub of TestHubKilledMidSession: with
// RELAY_CHILD_HUB set it serves the relay for that database file on
// RELAY_CHILD_ADDR until killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("RELAY_CHILD_HUB"); path != "" {
		childHub(path, os.Getenv("RELAY_CHILD_ADDR"))
		return
	}
	os.Exit(m.Run())
}

func childHub(path, addr string) {
	db, err := storage.Open(path)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	h := relay.NewHandler(db, slog.New(slog.DiscardHandler))
	// A short pause after storing and before answering widens the window in
	// which a kill leaves the counter without the answer to a stored batch.
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		time.Sleep(3 * time.Millisecond)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	fmt.Println("READY")
	_ = http.Serve(ln, bearer(slow))
}

// bearer stands in for the LAN server's authentication: the key lets in a
// caller with every right (lan.Peer.All); pcs lets in enrolled counters by
// their own tokens.
func bearer(next http.Handler, pcs ...pcToken) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		for _, p := range pcs {
			if auth == "Bearer "+p.token {
				next.ServeHTTP(w, r.WithContext(lan.WithPeer(r.Context(), lan.Peer{PC: p.pc})))
				return
			}
		}
		if subtle.ConstantTimeCompare([]byte(auth), []byte("Bearer "+centreKey)) != 1 {
			http.Error(w, `{"code":"unauthorized","msg":"中心密钥不正确"}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(lan.WithPeer(r.Context(), lan.Peer{All: true})))
	})
}

// asHub marks r as let in with every right.
func asHub(r *http.Request) *http.Request {
	return r.WithContext(lan.WithPeer(r.Context(), lan.Peer{All: true}))
}

// pcToken is an enrolled PC as the stand-in knows it.
type pcToken struct {
	token string
	pc    app.PC
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newHubDB makes the hub's database: a centre, two windows, a manager and
// two clerks, a few items (one a theme) and a ticket category.
func newHubDB(t testing.TB, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(path)
	must(t, err)
	must(t, db.SaveCentre(ctx, app.Centre{Name: "示范镇便民服务中心", AreaCode: "370911105000", Profile: "national"}))
	w1, err := db.AddWindow(ctx, app.Window{Number: 1, Name: "综合受理窗口", Kind: "综合受理", Active: true})
	must(t, err)
	w3, err := db.AddWindow(ctx, app.Window{Number: 3, Name: "综合受理窗口", Kind: "综合受理", Active: true})
	must(t, err)
	hash, err := app.HashPIN(clerkPIN)
	must(t, err)
	for _, s := range []app.Staff{{No: "0001", Name: "赵主任", Role: app.RoleManager}, {No: "0101", Name: "王芳", Role: app.RoleClerk},
		{No: "0103", Name: "刘洋", Role: app.RoleClerk}} {
		s.PINHash, s.Active = hash, true
		_, err := db.AddStaff(ctx, s)
		must(t, err)
	}
	st, err := db.StaffByNo(ctx, "0103")
	must(t, err)
	must(t, db.SetPost(ctx, app.Post{WindowID: w3, StaffID: st.ID, Post: "A"}))
	for _, it := range []app.ServiceItem{
		{Code: "RS001", Name: "城乡居民养老保险参保登记", Department: "人社所", Instant: true, Materials: []string{"户口簿"}, Pinyin: "cxjmylbx", Active: true},
		{Code: "WJ001", Name: "出生登记", Department: "派出所", Instant: true, Materials: []string{"出生医学证明"}, Active: true},
		{Code: "YB001", Name: "新生儿医保参保登记", Department: "医保站", Instant: true, Active: true},
		{Code: "ZT001", Name: "新生儿出生“一件事”", Department: "卫健办", Instant: true, Active: true},
	} {
		must(t, db.SaveItem(ctx, it))
	}
	_, err = db.AddCategory(ctx, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{w1, w3}})
	must(t, err)
	return db
}

type counter struct {
	db    *storage.DB
	svc   *app.Service
	fwd   *relay.Forwarder
	clerk *app.Staff
	win   int64
	bad   int // bad reviews rated here
	n     int // visits
}

func newCounter(t testing.TB, url string) *counter {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "counter.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	must(t, db.SetNodeNumber(ctx, 3))
	fwd := relay.NewForwarder(db, url, centreKey, slog.New(slog.DiscardHandler))
	fwd.Node, fwd.Batch = "03", 25
	fwd.BackoffBase, fwd.BackoffMax, fwd.Interval = 5*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond
	return &counter{db: db, fwd: fwd}
}

// connect fetches the hub's configuration and logs the window's clerk in,
// offline-capable: the PIN hash came with the configuration.
func (c *counter) connect(t testing.TB) {
	t.Helper()
	must(t, c.fwd.RefreshConfig(ctx))
	c.login(t)
}

func (c *counter) login(t testing.TB) {
	p, err := app.LoadProfile("national", "")
	must(t, err)
	c.svc = app.NewService(c.db, app.SystemClock{}, p, app.NewCalendar(), slog.New(slog.DiscardHandler))
	c.clerk, err = c.svc.Login(ctx, "0103", clerkPIN)
	must(t, err)
	ws, err := c.db.Windows(ctx)
	must(t, err)
	for _, w := range ws {
		if w.Number == 3 {
			c.win = w.ID
		}
	}
}

// idNumber makes a valid ID number (GB 11643 check digit) for person i.
func idNumber(i int) string {
	body := fmt.Sprintf("3709111985%02d%02d%03d", 1+i%12, 1+i%28, i%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += int(body[k]-'0') * w[k]
	}
	return body + string("10X98765432"[sum%11])
}

// visit registers, completes and rates one transaction at the counter; every
// seventh is a theme, every fifth rating a bad review.
func (c *counter) visit(t testing.TB) {
	t.Helper()
	i := c.n
	c.n++
	req := app.RegisterRequest{WindowID: c.win, ApplicantName: "李明", IDNumber: idNumber(i), Phone: "13812345678",
		Items: []string{"RS001"}}
	if i%7 == 3 {
		req.Items, req.Theme, req.ThemeName = []string{"WJ001", "YB001"}, true, "ZT001"
	}
	reg, err := c.svc.Register(ctx, c.clerk, req)
	must(t, err)
	_, err = c.svc.Advance(ctx, c.clerk, reg.Transactions[0].ID, app.TxCompleted, "")
	must(t, err)
	rq := app.RateRequest{TransactionID: reg.Transactions[0].ID, Level: app.LevelVeryGood, Channel: app.ChannelKeypad}
	if i%5 == 0 {
		rq.Level, rq.Tags = app.LevelBad, []string{"办理时间长"}
	}
	rows, err := c.svc.Rate(ctx, nil, rq)
	must(t, err)
	if rq.Level == app.LevelBad {
		c.bad += len(rows)
	}
}

// waitEmpty waits until the counter's outbox is drained (or fails the test
// after a generous deadline: this is a wait, not a timing assertion).
func (c *counter) waitEmpty(t testing.TB) relay.Status {
	t.Helper()
	var st relay.Status
	eventually.Within(t, 90*time.Second, "the outbox drained", func() bool {
		var err error
		st, err = c.fwd.Status(ctx)
		must(t, err)
		return st.Backlog == 0 && st.Connected
	})
	return st
}

// checkOnce compares the hub with the counter: every transaction and rating
// of the counter is on the hub exactly once, in its last state; every bad
// review has exactly one work order there; the hub's county outbox has each
// rating once.
func checkOnce(t *testing.T, hub *storage.DB, c *counter) {
	t.Helper()
	type pair struct {
		txs, evals []string
	}
	uids := func(d *storage.DB) (out pair) {
		q := func(sql string) []string {
			rows, err := rawQuery(d, sql)
			must(t, err)
			return rows
		}
		out.txs = q(`SELECT uid || ' ' || serial || ' ' || status FROM transactions ORDER BY uid`)
		out.evals = q(`SELECT uid || ' ' || level || ' ' || visit FROM evaluations ORDER BY uid`)
		return
	}
	want, got := uids(c.db), uids(hub)
	if strings.Join(want.txs, "\n") != strings.Join(got.txs, "\n") {
		t.Fatalf("transactions differ: counter %d, hub %d", len(want.txs), len(got.txs))
	}
	if strings.Join(want.evals, "\n") != strings.Join(got.evals, "\n") {
		t.Fatalf("evaluations differ: counter %d, hub %d", len(want.evals), len(got.evals))
	}
	orders, err := rawQuery(hub, `SELECT count(*) || ' ' || count(DISTINCT evaluation_id) FROM work_orders`)
	must(t, err)
	if orders[0] != fmt.Sprintf("%d %d", c.bad, c.bad) {
		t.Fatalf("hub work orders (count, distinct evaluations) = %s, want %d bad reviews once each", orders[0], c.bad)
	}
	county, err := rawQuery(hub, `SELECT count(*) || ' ' || count(DISTINCT record_uid) FROM outbox WHERE kind = 'evaluation'`)
	must(t, err)
	if county[0] != fmt.Sprintf("%d %d", len(want.evals), len(want.evals)) {
		t.Fatalf("hub county outbox evaluations = %s, want %d once each", county[0], len(want.evals))
	}
}

// rawQuery reads one text column through a second, read-only handle.
func rawQuery(d *storage.DB, q string) ([]string, error) {
	sdb, err := sql.Open("sqlite", "file:"+d.Path()+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	rows, err := sdb.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Records made while the hub is down wait in the counter's outbox with the
// status saying so, and arrive exactly once when it is back.
func TestOfflineBacklogArrivesOnce(t *testing.T) {
	hubDB := newHubDB(t, filepath.Join(t.TempDir(), "hub.db"))
	defer hubDB.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	srv := &http.Server{Handler: bearer(relay.NewHandler(hubDB, quiet))}
	go srv.Serve(ln)
	c := newCounter(t, "http://"+addr)
	c.connect(t)
	must(t, srv.Close()) // the hub goes away
	c.login(t)           // clerks still log in: the PIN hashes came with the configuration

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := c.fwd.Start(rctx)
	for range 200 {
		c.visit(t)
	}
	st, err := c.fwd.Status(ctx)
	must(t, err)
	if st.Connected || st.Backlog < 600 || !strings.Contains(st.Pending(), fmt.Sprintf("%d 条记录已保存在本机", st.Backlog)) {
		t.Fatalf("offline status %+v: %s", st, st.Pending())
	}
	tx, err := c.db.Transaction(ctx, 1)
	must(t, err)
	if !strings.HasPrefix(tx.Serial, "BM"+tx.CreatedAt.Format("20060102")+"03") || len(tx.Serial) != 16 {
		t.Fatalf("counter serial %s lacks the node prefix 03", tx.Serial)
	}

	ln2, err := net.Listen("tcp", addr) // back, same address
	must(t, err)
	srv2 := &http.Server{Handler: bearer(relay.NewHandler(hubDB, quiet))}
	go srv2.Serve(ln2)
	defer srv2.Close()
	st = c.waitEmpty(t)
	if st.Rejected != 0 || st.LastError != "" || st.Pending() != "记录已全部上传" {
		t.Fatalf("status after recovery %+v: %s", st, st.Pending())
	}
	cancel()
	<-done
	checkOnce(t, hubDB, c)
}

// lossy loses the answers of the first n record posts after the hub stored them.
type lossy struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (l *lossy) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/records") || l.n.Add(-1) < 0 {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("connection reset by peer (injected after the hub stored the batch)")
}

func TestLostAnswerDoesNotDuplicate(t *testing.T) {
	hubDB := newHubDB(t, filepath.Join(t.TempDir(), "hub.db"))
	defer hubDB.Close()
	srv := httptest.NewServer(bearer(relay.NewHandler(hubDB, quiet)))
	defer srv.Close()
	c := newCounter(t, srv.URL)
	c.connect(t)
	l := &lossy{next: http.DefaultTransport}
	l.n.Store(3)
	c.fwd.Client = &http.Client{Transport: l}
	for range 40 {
		c.visit(t)
	}
	var total relay.Result
	for i := 0; ; i++ {
		res, err := c.fwd.Drain(ctx)
		total.Sent += res.Sent
		total.Duplicates += res.Duplicates
		if err == nil {
			break
		}
		if i > 5 {
			t.Fatalf("drain keeps failing: %v", err)
		}
		if st, _ := c.fwd.Status(ctx); st.Connected || st.LastError == "" {
			t.Fatalf("status after a lost answer: %+v", st)
		}
	}
	if total.Duplicates == 0 {
		t.Fatalf("resent batches were not recognised as duplicates: %+v", total)
	}
	checkOnce(t, hubDB, c)
}

// A rating the hub cannot accept (the visit was already rated there, by QR)
// goes to the counter's rejected list with the reason; the records behind it
// arrive.
func TestRejectedRecordDoesNotBlock(t *testing.T) {
	hubDB := newHubDB(t, filepath.Join(t.TempDir(), "hub.db"))
	defer hubDB.Close()
	p, _ := app.LoadProfile("national", "")
	hubSvc := app.NewService(hubDB, app.SystemClock{}, p, app.NewCalendar(), quiet)
	srv := httptest.NewServer(bearer(relay.ForService(hubDB, hubSvc, quiet)))
	defer srv.Close()
	c := newCounter(t, srv.URL)
	c.connect(t)

	reg, err := c.svc.Register(ctx, c.clerk, app.RegisterRequest{WindowID: c.win, ApplicantName: "张伟",
		IDNumber: idNumber(900), Items: []string{"RS001"}})
	must(t, err)
	_, err = c.svc.Advance(ctx, c.clerk, reg.Transactions[0].ID, app.TxCompleted, "")
	must(t, err)
	_, err = c.fwd.Drain(ctx)
	must(t, err)
	// The applicant scans the receipt's QR code: the hub stores that rating.
	_, err = hubSvc.Rate(ctx, nil, app.RateRequest{Serial: reg.Transactions[0].Serial, Level: app.LevelGood, Channel: app.ChannelQR})
	must(t, err)
	// Meanwhile the counter's keypad rates the same visit, and work goes on.
	_, err = c.svc.Rate(ctx, nil, app.RateRequest{TransactionID: reg.Transactions[0].ID, Level: app.LevelVeryGood,
		Channel: app.ChannelKeypad})
	must(t, err)
	for range 5 {
		c.visit(t)
	}
	res, err := c.fwd.Drain(ctx)
	must(t, err)
	if res.Rejected != 1 || res.Sent < 15 {
		t.Fatalf("drain %+v", res)
	}
	rej, err := c.fwd.Rejected(ctx, 0)
	must(t, err)
	if len(rej) != 1 || rej[0].Kind != storage.OutboxEvaluation || !strings.Contains(rej[0].RejectReason, "中心主机退回") ||
		!strings.Contains(rej[0].RejectReason, "已有评价") {
		t.Fatalf("rejected %+v", rej)
	}
	st, err := c.fwd.Status(ctx)
	must(t, err)
	if st.Backlog != 0 || st.Rejected != 1 || !strings.Contains(st.Pending(), "1 条被中心主机退回") {
		t.Fatalf("status %+v: %s", st, st.Pending())
	}
	// The hub has the QR rating instead of the keypad's, and all the others.
	n, err := rawQuery(hubDB, `SELECT count(*) FROM evaluations`)
	must(t, err)
	want, err := rawQuery(c.db, `SELECT count(*) FROM evaluations`)
	must(t, err)
	if n[0] != want[0] {
		t.Fatalf("hub has %s evaluations, counter %s", n[0], want[0])
	}
	// The forwarded bad review has its work order on the hub, with the
	// deadlines of the hub's rules (SZ 22).
	orders, err := hubDB.WorkOrders(ctx, app.OrderFilter{})
	must(t, err)
	if len(orders) != c.bad || c.bad == 0 || orders[0].ContactDue.IsZero() || orders[0].FinishDue.IsZero() ||
		orders[0].ClerkID != c.clerk.ID {
		t.Fatalf("hub work orders %+v, want %d", orders, c.bad)
	}
}

// A wrong centre key is refused with a Chinese reason, and nothing is sent.
func TestWrongKeyRefused(t *testing.T) {
	hubDB := newHubDB(t, filepath.Join(t.TempDir(), "hub.db"))
	defer hubDB.Close()
	srv := httptest.NewServer(bearer(relay.NewHandler(hubDB, quiet)))
	defer srv.Close()
	c := newCounter(t, srv.URL)
	c.fwd.Key = "wrong"
	err := c.fwd.RefreshConfig(ctx)
	var re *relay.Error
	if !errors.As(err, &re) || !strings.Contains(re.Msg, "中心密钥不正确") {
		t.Fatalf("err %v", err)
	}
}

// startChild runs this test binary as the hub on path at addr.
func startChild(t *testing.T, path, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RELAY_CHILD_HUB="+path, "RELAY_CHILD_ADDR="+addr)
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "READY" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child hub: %q %v", line, err)
	}
	return cmd
}

// The hub process is killed (SIGKILL) while the counter is forwarding, and
// restarted on the same file: every counter record is on the hub exactly once.
func TestHubKilledMidSession(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "hub.db")
	newHubDB(t, path).Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()

	child := startChild(t, path, addr)
	c := newCounter(t, "http://"+addr)
	c.fwd.Batch = 4 // many small requests, so the kill lands inside the session
	c.connect(t)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.db.OnOutbox(c.fwd.Kick)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.fwd.Run(rctx) }()

	for range 60 {
		c.visit(t)
	}
	// Kill while rows are in flight: some stored on the hub, some not.
	eventually.True(t, "rows in flight", func() bool {
		st, err := c.fwd.Status(ctx)
		must(t, err)
		return st.Backlog < 150
	})
	must(t, child.Process.Signal(syscall.SIGKILL))
	child.Wait()
	st, err := c.fwd.Status(ctx)
	must(t, err)
	t.Logf("hub killed with %d of the counter's rows not yet acknowledged", st.Backlog)
	for range 40 { // the counter keeps working while the hub is dead
		c.visit(t)
	}
	child = startChild(t, path, addr)
	c.waitEmpty(t)
	cancel()
	wg.Wait()
	must(t, child.Process.Signal(syscall.SIGKILL))
	child.Wait()

	hubDB, err := storage.Open(path)
	must(t, err)
	defer hubDB.Close()
	checkOnce(t, hubDB, c)
}

// BenchmarkDrainBacklog: a counter's backlog (100 visits: about 390
// records) drained to a hub on loopback, both on real files.
func BenchmarkDrainBacklog(b *testing.B) {
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		hubDB := newHubDB(b, filepath.Join(dir, "hub.db"))
		srv := httptest.NewServer(bearer(relay.NewHandler(hubDB, quiet)))
		c := newCounter(b, srv.URL)
		c.fwd.Batch = relay.DefaultBatch
		c.connect(b)
		for range 100 {
			c.visit(b)
		}
		st, _ := c.fwd.Status(ctx)
		b.StartTimer()
		start := time.Now()
		if _, err := c.fwd.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Backlog)/time.Since(start).Seconds(), "records/s")
		b.ReportMetric(float64(st.Backlog), "records")
		b.StopTimer()
		srv.Close()
		hubDB.Close()
	}
}

// The handler answers what it cannot serve with a code and a Chinese message.
func TestHandlerRefusals(t *testing.T) {
	hubDB := newHubDB(t, filepath.Join(t.TempDir(), "hub.db"))
	defer hubDB.Close()
	h := relay.NewHandler(hubDB, quiet)
	big := `{"records":[` + strings.Repeat(`{"kind":"transaction","uid":"x","payload":{}},`, relay.MaxBatch) + `{}]}`
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/v1/relay/nothing", "", 404, "not_found"},
		{"POST", "/api/v1/relay/config", "", 405, "method"},
		{"GET", "/api/v1/relay/records", "", 405, "method"},
		{"POST", "/api/v1/relay/records", "{not json", 400, "bad_body"},
		{"POST", "/api/v1/relay/records", big, 413, "batch_too_large"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, asHub(httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))))
		var eb struct{ Code, Msg string }
		_ = json.Unmarshal(rec.Body.Bytes(), &eb)
		if rec.Code != c.status || eb.Code != c.code || !strings.ContainsFunc(eb.Msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("%s %s: %d %+v, want %d %s with a Chinese message", c.method, c.path, rec.Code, eb, c.status, c.code)
		}
	}
	// A hub not yet initialised says so.
	empty, err := storage.Open(filepath.Join(t.TempDir(), "empty.db"))
	must(t, err)
	defer empty.Close()
	rec := httptest.NewRecorder()
	relay.NewHandler(empty, quiet).ServeHTTP(rec, asHub(httptest.NewRequest("GET", "/api/v1/relay/config", nil)))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "not_initialised") {
		t.Fatalf("empty hub: %d %s", rec.Code, rec.Body)
	}
}
