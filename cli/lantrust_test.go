package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/queue"
	"bianmin/storage"
	"bianmin/sync/lan"
	"bianmin/sync/relay"
	"bianmin/wire"
)

// These tests run the hub as `bianmin serve` does (wire.NewHub: TLS, the PC
// registry, the relay) on loopback, and PCs that joined it with their
// codes, and try what each role must not do.

type lanRig struct {
	d       *storage.DB
	svc     *app.Service
	hub     *wire.Hub
	srv     *httptest.Server
	addr    string
	win1    app.Window
	win2    app.Window
	clerk1  app.Staff // posted at window 1
	clerk2  app.Staff // posted at window 2
	manager *app.Staff
}

func newLANRig(t *testing.T) *lanRig {
	t.Helper()
	ctx := context.Background()
	db := initDB(t, t.TempDir())
	svc, d, err := wire.OpenService(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	r := &lanRig{d: d, svc: svc}
	if r.manager, err = svc.Login(ctx, "0001", "123456"); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	adm := admin.New(svc, d, nil)
	r.win1, err = adm.AddWindow(ctx, r.manager, app.Window{Number: 1, Name: "综合受理窗口", Kind: "综合受理"})
	must(err)
	r.win2, err = adm.AddWindow(ctx, r.manager, app.Window{Number: 2, Name: "综合受理窗口", Kind: "综合受理"})
	must(err)
	r.clerk1, err = svc.AddStaff(ctx, r.manager, app.Staff{No: "0101", Name: "王芳", Role: app.RoleClerk}, "246810")
	must(err)
	r.clerk2, err = svc.AddStaff(ctx, r.manager, app.Staff{No: "0102", Name: "刘洋", Role: app.RoleClerk}, "135790")
	must(err)
	must(adm.SetPosts(ctx, r.manager, r.win1.ID, r.clerk1.ID, 0))
	must(adm.SetPosts(ctx, r.manager, r.win2.ID, r.clerk2.ID, 0))
	_, err = adm.AddCategory(ctx, r.manager, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{r.win1.ID, r.win2.ID}})
	must(err)
	must(d.SaveItem(ctx, app.ServiceItem{Code: "RS001", Name: "城乡居民养老保险参保登记", Department: "人社所", Instant: true, Active: true}))
	r.hub, err = wire.NewHub(ctx, d, svc, queue.New(d, app.SystemClock{}, nil), slog.New(slog.DiscardHandler))
	must(err)
	r.srv = httptest.NewUnstartedServer(r.hub.Server.Handler)
	r.srv.TLS = r.hub.Server.TLSConfig
	r.srv.StartTLS()
	t.Cleanup(func() {
		r.hub.Server.Handler.(*lan.Server).CloseStreams()
		r.srv.Close()
	})
	r.addr = strings.TrimPrefix(r.srv.URL, "https://")
	return r
}

// pc is a PC that joined the rig's hub.
type pc struct {
	code lan.JoinCode
	res  lan.EnrollResponse
	cl   *lan.Client
}

func (r *lanRig) join(t *testing.T, role app.PCRole, window int) pc {
	t.Helper()
	_, code, err := r.hub.Registry.Add(context.Background(), r.manager, role, window, "", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lan.Join(context.Background(), code, string(role)+"-pc")
	if err != nil {
		t.Fatalf("join as %s: %v", role, err)
	}
	cl, err := lan.NewPinnedClient(code.URL(), code.Pin, res.Credential, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return pc{code: code, res: res, cl: cl}
}

// raw sends one request as p and returns the status and body.
func (p pc) raw(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	hc := &http.Client{Transport: lan.PinnedTransport(p.code.Pin), Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(method, p.code.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+string(p.res.Credential))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A hall display reads the board and follows the calls, with no phone
// numbers in what it gets, and may do nothing else: no records, no
// configuration (no PIN hashes, no ID key), no tickets, no calls.
func TestDisplayCannotPostRecords(t *testing.T) {
	r := newLANRig(t)
	ctx := context.Background()
	display := r.join(t, app.PCDisplay, 0)
	kiosk := r.join(t, app.PCKiosk, 0)
	before, err := r.d.ExportConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"node":"x","records":[{"kind":"transaction","uid":"forged","payload":{}}]}`
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/relay/records", rec},
		{"GET", "/api/v1/relay/config", ""},
		{"POST", "/api/v1/tickets", `{"CategoryID":1}`},
		{"POST", "/api/v1/windows/" + itoa(r.win1.ID) + "/call-next", ""},
		{"GET", "/api/v1/windows/" + itoa(r.win1.ID), ""},
	} {
		st, body := display.raw(t, c.method, c.path, c.body)
		if st != http.StatusForbidden || !strings.Contains(body, "forbidden") || strings.Contains(body, "pinHash") ||
			strings.Contains(body, "idKey") {
			t.Errorf("display %s %s: %d %s", c.method, c.path, st, body)
		}
	}
	if _, err := display.cl.Board(ctx); err != nil {
		t.Fatalf("the display reading the board: %v", err)
	}
	// An appointment ticket with a phone number: the display's stream has
	// the ticket, not the number.
	events, err := display.cl.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kiosk.cl.Issue(ctx, app.IssueRequest{CategoryID: 1, Phone: "13812345678"}); err != nil {
		t.Fatalf("the kiosk issuing: %v", err)
	}
	select {
	case ev := <-events:
		if ev.Kind != app.EventIssued || ev.Ticket == nil || ev.Ticket.Phone != "" || ev.Ticket.Number == "" {
			t.Fatalf("display got %+v (ticket %+v)", ev, ev.Ticket)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event reached the display")
	}
	after, err := r.d.ExportConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Staff) != len(before.Staff) {
		t.Fatal("configuration changed")
	}
	if rows, err := r.d.PendingOutbox(ctx, storage.DefaultDestination, 100); err != nil || hasUID(rows, "forged") {
		t.Fatalf("the display's record reached the hub: %v", err)
	}
}

func hasUID(rows []storage.OutboxRow, uid string) bool {
	for _, r := range rows {
		if r.RecordUID == uid {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A counter calls tickets for its own window only, gets PIN hashes only of
// the staff posted there, and its records of another window are refused.
func TestCounterPostsOnlyItsWindow(t *testing.T) {
	r := newLANRig(t)
	ctx := context.Background()
	counter := r.join(t, app.PCCounter, 1)
	if counter.res.Role != app.PCCounter || counter.res.Window != 1 {
		t.Fatalf("joined as %+v", counter.res)
	}
	if _, err := counter.cl.Issue(ctx, app.IssueRequest{CategoryID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := counter.cl.CallNext(ctx, r.win2.ID, r.clerk2.ID); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("counter 1 calling for window 2: %v", err)
	}
	if _, err := counter.cl.CallNext(ctx, r.win1.ID, r.clerk1.ID); err != nil {
		t.Fatalf("counter 1 calling for its own window: %v", err)
	}

	// Its copy of the configuration: clerk 1 may sign in there, nobody else.
	local, err := storage.Open(filepath.Join(t.TempDir(), "counter.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	fwd := relay.NewForwarder(local, counter.code.URL()+"/api/v1/relay", string(counter.res.Credential), nil)
	fwd.Client = &http.Client{Transport: lan.PinnedTransport(counter.code.Pin), Timeout: 30 * time.Second}
	if err := fwd.RefreshConfig(ctx); err != nil {
		t.Fatal(err)
	}
	staff, err := local.AllStaff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range staff {
		if (s.ID == r.clerk1.ID) != (s.PINHash != "") {
			t.Errorf("staff %s on counter 1 has PIN hash %q", s.No, s.PINHash)
		}
	}
	p, _ := app.LoadProfile("national", "")
	csvc := app.NewService(local, app.SystemClock{}, p, app.NewCalendar(), nil)
	if _, err := csvc.Login(ctx, "0001", "123456"); err == nil {
		t.Fatal("the manager's PIN works on a counter where the manager is not posted")
	}
	clerk, err := csvc.Login(ctx, "0101", "246810")
	if err != nil {
		t.Fatalf("the clerk posted at window 1 signing in on its counter: %v", err)
	}

	// A case of its own window goes through; one forged for window 2 does not.
	if err := local.SetNodeNumber(ctx, 1); err != nil {
		t.Fatal(err)
	}
	reg, err := csvc.Register(ctx, clerk, app.RegisterRequest{WindowID: r.win1.ID, ApplicantName: "李明",
		IDNumber: "11010519491231002X", Items: []string{"RS001"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := fwd.Drain(ctx)
	if err != nil || res.Sent != 1 || res.Rejected != 0 {
		t.Fatalf("own window's case: %+v %v", res, err)
	}
	forged := reg.Transactions[0]
	forged.UID, forged.Serial, forged.WindowID, forged.ClerkID = "forged-w2", "BM20261203019999", r.win2.ID, r.clerk2.ID
	payload, _ := json.Marshal(forged)
	body, _ := json.Marshal(relay.RecordsRequest{Node: "01", Records: []storage.RelayRecord{
		{Kind: storage.OutboxTransaction, UID: forged.UID, Payload: payload}}})
	st, out := counter.raw(t, "POST", "/api/v1/relay/records", string(body))
	var rr relay.RecordsResponse
	_ = json.Unmarshal([]byte(out), &rr)
	if st != http.StatusOK || len(rr.Results) != 1 || rr.Results[0].Status != storage.ImportRejected ||
		!strings.Contains(rr.Results[0].Reason, "其他窗口") {
		t.Fatalf("forged window-2 case: %d %s", st, out)
	}
	if _, err := r.d.TransactionBySerial(ctx, forged.Serial); err == nil {
		t.Fatal("the forged case is on the hub")
	}
}

// A revoked PC is refused at once, on every path, with a Chinese reason; its
// unsent records stay in its outbox; its join code cannot bring it back.
func TestRevokedPCIsRefused(t *testing.T) {
	r := newLANRig(t)
	ctx := context.Background()
	counter := r.join(t, app.PCCounter, 1)
	if _, err := counter.cl.Board(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.hub.Registry.Revoke(ctx, &app.Staff{ID: 9, Role: app.RoleClerk}, counter.res.PC); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("a clerk revoking a PC: %v", err)
	}
	if err := r.hub.Registry.Revoke(ctx, r.manager, counter.res.PC); err != nil {
		t.Fatal(err)
	}
	_, err := counter.cl.Board(ctx)
	if app.ErrorCode(err) != "pc_revoked" || !strings.Contains(app.UserMessage(err), "撤销") {
		t.Fatalf("board after revoke: %v", err)
	}
	if st, body := counter.raw(t, "GET", "/api/v1/relay/config", ""); st != http.StatusUnauthorized || !strings.Contains(body, "pc_revoked") {
		t.Fatalf("config after revoke: %d %s", st, body)
	}
	if _, err := lan.Join(ctx, counter.code, "again"); app.ErrorCode(err) != "bad_join_code" {
		t.Fatalf("rejoin with the old code: %v", err)
	}
	log, err := r.d.AuditLog(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var revoked bool
	for _, a := range log {
		revoked = revoked || (a.Action == "pc_revoked" && a.StaffID == r.manager.ID)
	}
	if !revoked {
		t.Fatal("no audit entry for the revocation")
	}
}

// The join code pins the hub's certificate: another machine at the hub's
// address (same port, its own certificate) gets neither the token nor any
// request, and the PC says so; the real hub then takes the same code.
func TestJoinPinsHubCertificate(t *testing.T) {
	r := newLANRig(t)
	ctx := context.Background()
	_, code, err := r.hub.Registry.Add(ctx, r.manager, app.PCCounter, 1, "", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	impostor := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reached.Add(1)
		w.Write([]byte(`{"credential":"pc1.x","role":"counter"}`))
	}))
	defer impostor.Close()
	fake := code
	fake.Addr = strings.TrimPrefix(impostor.URL, "https://")
	_, err = lan.Join(ctx, fake, "victim")
	if app.ErrorCode(err) != "hub_pin_mismatch" || !strings.Contains(app.UserMessage(err), "证书指纹不符") {
		t.Fatalf("join at the impostor: %v", err)
	}
	if reached.Load() != 0 {
		t.Fatal("a request reached the impostor")
	}
	// A client already joined, pointed at the impostor, sends nothing either.
	cl, err := lan.NewPinnedClient(impostor.URL, code.Pin, "pc1.secret-secret-secret-secret-secret-secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Board(ctx); app.ErrorCode(err) != "hub_unreachable" || reached.Load() != 0 {
		t.Fatalf("pinned client at the impostor: %v (%d requests)", err, reached.Load())
	}
	if _, err := lan.Join(ctx, code, "counter-pc"); err != nil {
		t.Fatalf("join at the real hub: %v", err)
	}
}

// Nothing on the LAN goes in clear: a PC is refused an http:// hub
// address, and the hub does not answer plain HTTP (a request without TLS
// issues no ticket).
func TestPlainHTTPRefusedOnLAN(t *testing.T) {
	r := newLANRig(t)
	ctx := context.Background()
	if _, err := lan.NewPinnedClient("http://"+r.addr, r.hub.Pin, "pc1.x", nil); app.ErrorCode(err) != "plain_http" ||
		!strings.Contains(app.UserMessage(err), "https://") {
		t.Fatalf("client for an http:// hub: %v", err)
	}
	counter := r.join(t, app.PCCounter, 1)
	req, _ := http.NewRequest("POST", "http://"+r.addr+"/api/v1/tickets", bytes.NewReader([]byte(`{"CategoryID":1}`)))
	req.Header.Set("Authorization", "Bearer "+string(counter.res.Credential))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("the hub answered plain HTTP: %s", body)
		}
	}
	b, err := counter.cl.Board(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range b.Waiting {
		if w.Waiting != 0 {
			t.Fatalf("a plain-HTTP request issued a ticket: %+v", b.Waiting)
		}
	}
}

// counterPC is a joined counter with its own database, service and
// forwarder, as internal/gui/roles.go wires one.
type counterPC struct {
	db  *storage.DB
	svc *app.Service
	fwd *relay.Forwarder
}

func (r *lanRig) counterPC(t *testing.T, window int) counterPC {
	t.Helper()
	ctx := context.Background()
	p := r.join(t, app.PCCounter, window)
	db, err := storage.Open(filepath.Join(t.TempDir(), "counter.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SetNodeNumber(ctx, window); err != nil {
		t.Fatal(err)
	}
	fwd := relay.NewForwarder(db, p.code.URL()+"/api/v1/relay", string(p.res.Credential), nil)
	fwd.Client = &http.Client{Transport: lan.PinnedTransport(p.code.Pin), Timeout: 30 * time.Second}
	if err := fwd.RefreshConfig(ctx); err != nil {
		t.Fatal(err)
	}
	prof, _ := app.LoadProfile("national", "")
	return counterPC{db: db, svc: app.NewService(db, app.SystemClock{}, prof, app.NewCalendar(), nil), fwd: fwd}
}

// A 承诺件 accepted and rated at window 1's PC is completed at window 2's PC:
// window 2 does not hold it, fetches it from the hub by 流水号 (with its
// rated visit), completes it as the applicant's second visit at window 2, and
// both PCs' records reach the hub once, with nothing rejected.
func TestPromisedItemAtAnotherCounterPC(t *testing.T) {
	r := newLANRig(t)
	ctx := context.Background()
	if err := r.d.SaveItem(ctx, app.ServiceItem{Code: "P001", Name: "城乡低保申请", Department: "民政办", PromiseDays: 10, Active: true}); err != nil {
		t.Fatal(err)
	}
	pc1, pc2 := r.counterPC(t, 1), r.counterPC(t, 2)
	clerk1, err := pc1.svc.Login(ctx, "0101", "246810")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := pc1.svc.Register(ctx, clerk1, app.RegisterRequest{WindowID: r.win1.ID, ApplicantName: "王秀英",
		IDNumber: "11010519491231002X", Items: []string{"P001"}})
	if err != nil {
		t.Fatal(err)
	}
	tx := reg.Transactions[0]
	if _, err := pc1.svc.Advance(ctx, clerk1, tx.ID, app.TxAccepted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := pc1.svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelVeryGood, Channel: app.ChannelKeypad}); err != nil {
		t.Fatal(err)
	}
	if res, err := pc1.fwd.Drain(ctx); err != nil || res.Rejected != 0 {
		t.Fatalf("window 1 drain %+v %v", res, err)
	}

	clerk2, err := pc2.svc.Login(ctx, "0102", "135790")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := relay.CaseBySerial(ctx, pc2.svc, pc2.fwd, clerk2, "BM20990101019999"); app.ErrorCode(err) != "case_not_fetched" ||
		!strings.Contains(app.UserMessage(err), "中心主机上也没有办件") {
		t.Fatalf("an unknown 流水号: %v", err)
	}
	oc, err := relay.CaseBySerial(ctx, pc2.svc, pc2.fwd, clerk2, tx.Serial)
	if err != nil || oc.Tx.Status != app.TxAccepted || !oc.Promised || oc.Due.IsZero() {
		t.Fatalf("case at window 2: %+v %v", oc, err)
	}
	done, err := pc2.svc.Advance(ctx, clerk2, oc.Tx.ID, app.TxCompleted, "")
	if err != nil || done[0].Visits != 2 || done[0].WindowID != r.win2.ID {
		t.Fatalf("completion at window 2: %+v %v", done, err)
	}
	if _, err := pc2.svc.Rate(ctx, nil, app.RateRequest{TransactionID: oc.Tx.ID, Level: app.LevelGood, Channel: app.ChannelKeypad}); err != nil {
		t.Fatal(err)
	}
	if res, err := pc2.fwd.Drain(ctx); err != nil || res.Rejected != 0 || res.Sent == 0 {
		t.Fatalf("window 2 drain %+v %v", res, err)
	}
	hubTx, err := r.d.TransactionBySerial(ctx, tx.Serial)
	if err != nil || hubTx.Status != app.TxCompleted || hubTx.Visits != 2 || hubTx.WindowID != r.win2.ID {
		t.Fatalf("hub's case %+v %v", hubTx, err)
	}
	evs, err := r.d.EvaluationsFor(ctx, []int64{hubTx.ID})
	if err != nil || len(evs) != 2 || evs[0].Visit != 1 || evs[1].Visit != 2 || evs[1].WindowID != r.win2.ID {
		t.Fatalf("hub's ratings %+v %v", evs, err)
	}
}
