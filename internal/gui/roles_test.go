//go:build !nogui

package gui

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/cli"
	"bianmin/node"
	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/sync/lan"
)

func TestNodeSettings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "node.json")
	n, err := node.Load(p)
	if err != nil || n.Role != node.Standalone {
		t.Fatalf("no file: %+v %v", n, err)
	}
	pin := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for _, bad := range []node.Node{{Role: node.Counter}, {Role: node.Counter, Hub: "10.0.0.1:8787", Key: "k", Pin: pin, Window: 1},
		{Role: node.Counter, Hub: "http://10.0.0.1:8787", Key: "k", Pin: pin, Window: 1},
		{Role: node.Counter, Hub: "https://h:8787", Key: "k", Window: 1},
		{Role: node.Counter, Hub: "https://h:8787", Key: "k", Pin: pin}, {Role: "server"}} {
		if err := bad.Check(); err == nil || !strings.ContainsAny(err.Error(), "中心窗口角色") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	good := node.Node{Role: node.Counter, Hub: "https://192.168.1.10:8787", Pin: pin, Key: "pc3.secret", Window: 3, Tablet: true}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	if err := node.Save(p, good); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("node.json holds the centre key but is %v", fi.Mode().Perm())
	}
	if back, err := node.Load(p); err != nil || back != good {
		t.Errorf("round trip %+v %v", back, err)
	}
	if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Load(p); err == nil {
		t.Error("a torn node.json was accepted")
	}
}

// A counter that has not joined is a usage error, and nothing is saved.
func TestGUICounterNeedsHub(t *testing.T) {
	db := filepath.Join(t.TempDir(), "counter.db")
	if code := Run([]string{"--db", db, "--role", "counter", "--window", "2"}); code != 2 {
		t.Errorf("counter without --hub = %d, want 2", code)
	}
	if _, err := os.Stat(node.Path(db)); err == nil {
		t.Error("a refused role was saved")
	}
}

// testHub is a demo centre's hub running in this process: the queue behind
// the LAN API with the counter relay mounted, over TLS on loopback, as
// `bianmin serve` and a window with --listen run it.
type testHub struct {
	url  string // https://127.0.0.1:port
	addr string
	hub  *cli.Hub
	q    *app.Queue
	d    *storage.DB
}

func hubFixture(t *testing.T) *testHub {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hub.db")
	ctx := context.Background()
	if err := cli.LoadDemo(ctx, db, 3, 1); err != nil {
		t.Fatal(err)
	}
	svc, d, err := cli.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := app.NewQueue(d, app.SystemClock{}, nil)
	hub, err := cli.NewHub(ctx, d, svc, q, slogDiscard())
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
	return &testHub{url: hs.URL, addr: strings.TrimPrefix(hs.URL, "https://"), hub: hub, q: q, d: d}
}

// code adds a PC to the hub and returns its join code, as the manager's
// 局域网电脑 screen does.
func (h *testHub) code(t *testing.T, role app.PCRole, window int) string {
	t.Helper()
	_, code, err := h.hub.Registry.Add(context.Background(), nil, role, window, "", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	return code.String()
}

// A new counter PC joins the hub: it takes the centre's staff and windows
// into its own database and shows the login; the hall display follows the
// hub's queue.
func TestWindowCounterAndDisplayJoinTheHub(t *testing.T) {
	if os.Getenv("BIANMIN_WINDOW_TESTS") == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("real-window test: run under Xvfb with BIANMIN_WINDOW_TESTS=1 (make test does)")
	}
	h := hubFixture(t)
	counterDB := filepath.Join(t.TempDir(), "counter", "counter.db")
	startWindowArgs(t, "login", "--db", counterDB, "--join", h.code(t, app.PCCounter, 1))
	local, err := storage.Open(counterDB)
	if err != nil {
		t.Fatal(err)
	}
	staff, err := local.AllStaff(context.Background())
	local.Close()
	if err != nil || len(staff) < 2 {
		t.Errorf("the counter has %d staff from the hub (%v)", len(staff), err)
	}
	n, err := node.Load(node.Path(counterDB))
	if err != nil || n.Role != node.Counter || n.Window != 1 {
		t.Errorf("counter role not kept: %+v %v", n, err)
	}
	startWindowArgs(t, "display", "--db", filepath.Join(t.TempDir(), "display.db"), "--join", h.code(t, app.PCDisplay, 0))
}

// A counter PC registers, completes and rates a transaction on its own
// database; the forwarder started by the window's wiring brings both to the
// hub, with the counter's window number in the serial.
func TestCounterStationForwardsToHub(t *testing.T) {
	h := hubFixture(t)
	hub := h.d
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "counter.db")
	n, err := node.Join(ctx, node.Node{}, h.code(t, app.PCCounter, 2))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Check(); err != nil || n.Role != node.Counter || n.Window != 2 || !strings.HasPrefix(n.Hub, "https://") {
		t.Fatalf("joined node %+v: %v", n, err)
	}
	st := newStation(nil, n, dbPath, nil)
	st.log = slogDiscard()
	t.Cleanup(st.close)
	svc, err := st.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := svc.Login(ctx, "1003", "123456")
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.windowFor(ctx, clerk)
	if err != nil || w.Number != 2 {
		t.Fatalf("window %+v %v", w, err)
	}
	items, err := svc.SearchItems(ctx, "", 1)
	if err != nil || len(items) == 0 {
		t.Fatalf("items from the hub: %v %v", items, err)
	}
	reg, err := svc.Register(ctx, clerk, app.RegisterRequest{WindowID: w.ID, ApplicantName: "李雷",
		IDNumber: "11010519491231002X", Items: []string{items[0].Code}})
	if err != nil {
		t.Fatal(err)
	}
	tx := reg.Transactions[0]
	if !strings.HasPrefix(tx.Serial[10:], "02") {
		t.Errorf("serial %s lacks the window's node number", tx.Serial)
	}
	if _, err := svc.Advance(ctx, clerk, tx.ID, app.TxCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelVeryGood, Channel: app.ChannelKeypad}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := hub.TransactionBySerial(ctx, tx.Serial)
		if err == nil && got.Status == app.TxCompleted {
			evs, _ := hub.EvaluationsFor(ctx, []int64{got.ID})
			if len(evs) == 1 && evs[0].Level == app.LevelVeryGood {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not receive %s with its rating (last: %+v, %v)", tx.Serial, got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// The rating window goes to a monitor that is not the clerk's (primary)
// one; with one monitor there is none.
func TestOtherScreen(t *testing.T) {
	main, side := screenArea{0, 0, 1366, 728}, screenArea{1366, 0, 1024, 768}
	if a, ok := otherScreen([]screenArea{main, side}, 0); !ok || a != side {
		t.Errorf("two monitors: %+v %v", a, ok)
	}
	if a, ok := otherScreen([]screenArea{side, main}, 1); !ok || a != side {
		t.Errorf("primary second: %+v %v", a, ok)
	}
	if _, ok := otherScreen([]screenArea{main}, 0); ok {
		t.Error("one monitor gave another")
	}
	if _, ok := otherScreen(nil, -1); ok {
		t.Error("no monitors (not started) gave one")
	}
}

// 县级上传 set up from the window, against the county simulator on
// loopback: 测试连接 passes with the right keys and says why with wrong ones;
// saving starts the upload.
func TestCountyAdminAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "centre.db")
	if _, err := cli.InitCentre(ctx, dbPath, "national", "测试镇便民服务中心", "370911105000",
		cli.Manager{No: "0001", Name: "负责人", PIN: "123456"}, false, slogDiscard()); err != nil {
		t.Fatal(err)
	}
	sim, err := countysync.OpenSimulator(filepath.Join(dir, "county.db"), countysync.SimOptions{
		Keys: map[string]string{"k1": "s1"}, Config: []byte(`{"version": "2026.3", "items": [{"code": "370911-001", "name": "居民身份证明"}]}`), Log: slogDiscard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	st := newStation(nil, node.Node{}, dbPath, nil)
	st.log = slogDiscard()
	t.Cleanup(st.close)
	if _, err := st.open(ctx); err != nil {
		t.Fatal(err)
	}
	ca := countyAdmin{st}
	// The county's own codes, set earlier (by its configuration): the form keeps them.
	old := countysync.DefaultSettings()
	old.URL, old.AppKey, old.Secret, old.TaskType = srv.URL, "k0", "s0", "county-code-kept"
	if err := countysync.SaveSettings(ctx, st.db, old); err != nil {
		t.Fatal(err)
	}
	set, err := ca.CountySettings(ctx)
	if err != nil || set.AppKey != "k0" || set.Interval != old.Interval {
		t.Fatalf("the form shows %+v %v", set, err)
	}
	set.AppKey, set.Secret = "k1", "wrong"
	if _, err := ca.TestCounty(ctx, set); err == nil || !strings.Contains(app.UserMessage(err), "县级平台连接未成功") {
		t.Errorf("a wrong secret: %v", err)
	}
	set.Secret = "s1"
	if msg, err := ca.TestCounty(ctx, set); err != nil || !strings.Contains(msg, "签名核验通过") {
		t.Fatalf("the right keys: %q %v", msg, err)
	}
	if err := ca.SaveCountySettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	if got, err := countysync.LoadSettings(ctx, st.db); err != nil || got.AppKey != "k1" || got.Secret != "s1" || got.TaskType != "county-code-kept" {
		t.Errorf("stored %+v %v: the form's keys over the county's codes", got, err)
	}
	st.mu.Lock()
	running := st.sender != nil
	st.mu.Unlock()
	if !running {
		t.Error("saving did not start the upload")
	}
	if lines, err := ca.UploadStatus(ctx); err != nil || len(lines) == 0 {
		t.Errorf("status %q %v", lines, err)
	}
}
