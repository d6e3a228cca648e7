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

	"bianmin/app"
	"bianmin/internal/testhub"
	"bianmin/node"
	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/wire"
)

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

// A new counter PC joins the hub: it takes the centre's staff and windows
// into its own database and shows the login; the hall display follows the
// hub's queue.
func TestWindowCounterAndDisplayJoinTheHub(t *testing.T) {
	if os.Getenv("BIANMIN_WINDOW_TESTS") == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("real-window test: run under Xvfb with BIANMIN_WINDOW_TESTS=1 (make test does)")
	}
	h := testhub.Start(t)
	counterDB := filepath.Join(t.TempDir(), "counter", "counter.db")
	startWindowArgs(t, "login", "--db", counterDB, "--join", h.Code(t, app.PCCounter, 1))
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
	startWindowArgs(t, "display", "--db", filepath.Join(t.TempDir(), "display.db"), "--join", h.Code(t, app.PCDisplay, 0))
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
	if _, err := wire.InitCentre(ctx, dbPath, "national", "测试镇便民服务中心", "370911105000",
		wire.Manager{No: "0001", Name: "负责人", PIN: "123456"}, false, slogDiscard()); err != nil {
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
	st := newStation(nil, node.Node{}, dbPath, slogDiscard())
	t.Cleanup(st.close)
	if _, err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	ca := countyAdmin{st}
	// The county's own codes, set earlier (by its configuration): the form keeps them.
	old := countysync.DefaultSettings()
	old.URL, old.AppKey, old.Secret, old.TaskType = srv.URL, "k0", "s0", "county-code-kept"
	if err := countysync.SaveSettings(ctx, st.DB(), old); err != nil {
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
	if got, err := countysync.LoadSettings(ctx, st.DB()); err != nil || got.AppKey != "k1" || got.Secret != "s1" || got.TaskType != "county-code-kept" {
		t.Errorf("stored %+v %v: the form's keys over the county's codes", got, err)
	}
	// Only a running upload has a status.
	if lines, err := ca.UploadStatus(ctx); err != nil || len(lines) == 0 {
		t.Errorf("saving did not start the upload: status %q %v", lines, err)
	}
}
