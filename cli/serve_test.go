package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/internal/eventually"
	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/sync/lan"
	"bianmin/wire"
)

// lockedBuffer is an io.Writer the serving goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type served struct {
	out, errs *lockedBuffer
	addr      string
	stop      func() (int, string)
}

var listenRE = regexp.MustCompile(`监听 (\S+?)。`)

// startServe runs `bianmin serve` until stop, waiting for its listen line.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{out: &lockedBuffer{}, errs: &lockedBuffer{}}
	done := make(chan int, 1)
	go func() { done <- Run(ctx, append([]string{"serve"}, args...), s.out, s.errs) }()
	s.stop = func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, s.out.String()
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
			return 0, ""
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(s.out.String()); m != nil && strings.Contains(s.out.String(), "Ctrl+C") {
			s.addr = m[1]
			t.Cleanup(func() { cancel() })
			return s
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d\n%s\n%s", code, s.out, s.errs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start\n%s\n%s", s.out, s.errs)
	return nil
}

var (
	pinRE  = regexp.MustCompile(`证书指纹：(\S+)`)
	codeRE = regexp.MustCompile(`(?m)^  (\S+/\S+/\S+)$`)
)

// pcAdd runs `bianmin pc add` and returns the join code it printed.
func pcAdd(t *testing.T, args ...string) lan.JoinCode {
	t.Helper()
	code, out, errs := run(t, append([]string{"pc", "add"}, args...)...)
	m := codeRE.FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "24小时内有效") {
		t.Fatalf("pc add %v: %d\n%s\n%s", args, code, out, errs)
	}
	j, err := lan.ParseJoinCode(m[1])
	if err != nil {
		t.Fatalf("printed join code %q: %v", m[1], err)
	}
	return j
}

// serve speaks TLS with the hub's own certificate (the same after a
// restart); `pc add` gives a join code for it; a PC that joined with it works
// as its role allows; `pc list` shows it; `pc revoke` shuts it out at once.
func TestServeEnrollsPCsOverTLS(t *testing.T) {
	db := initDB(t, t.TempDir())
	s := startServe(t, "--db", db, "--listen", "127.0.0.1:0")
	out := s.out.String()
	m := pinRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "bianmin pc add") {
		t.Fatalf("first start output:\n%s", out)
	}
	pin := m[1]
	ctx := context.Background()
	if code, _, errs := run(t, "pc", "add", "--db", db, "--role", "counter", "--window", "99", "--addr", s.addr); code == 0 ||
		!strings.Contains(errs, "没有启用中的 99 号窗口") {
		t.Fatalf("pc add for a window that does not exist: %d %s", code, errs)
	}
	j := pcAdd(t, "--db", db, "--role", "kiosk", "--addr", s.addr, "--name", "大厅取号机")
	if j.Pin != pin || j.Addr != s.addr {
		t.Fatalf("join code %+v, hub pin %s at %s", j, pin, s.addr)
	}
	res, err := lan.Join(ctx, j, "kiosk-pc")
	if err != nil || res.Role != app.PCKiosk {
		t.Fatalf("join: %+v %v", res, err)
	}
	if _, err := lan.Join(ctx, j, "again"); app.ErrorCode(err) != "bad_join_code" {
		t.Fatalf("the join code worked twice: %v", err)
	}
	c, err := lan.NewPinnedClient(j.URL(), j.Pin, res.Credential, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Board(ctx); err != nil {
		t.Fatalf("board as the kiosk: %v", err)
	}
	if _, err := c.Issue(ctx, app.IssueRequest{CategoryID: 999}); app.ErrorCode(err) != "unknown_category" {
		t.Fatalf("the kiosk issuing: %v", err)
	}
	if _, err := c.CallNext(ctx, 1, 0); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("the kiosk calling a ticket: %v", err)
	}
	if code, out, _ := run(t, "pc", "list", "--db", db); code != 0 || !strings.Contains(out, "大厅取号机") || !strings.Contains(out, "已加入") ||
		!strings.Contains(out, "kiosk-pc") {
		t.Fatalf("pc list: %d\n%s", code, out)
	}
	if code, out, errs := run(t, "pc", "revoke", "--db", db, "--id", "1"); code != 0 || !strings.Contains(out, "已撤销") {
		t.Fatalf("pc revoke: %d %s %s", code, out, errs)
	}
	if _, err := c.Board(ctx); app.ErrorCode(err) != "pc_revoked" {
		t.Fatalf("board after revoke: %v", err)
	}
	if code, out := s.stop(); code != 0 || !strings.Contains(out, "中心主机已停止") {
		t.Fatalf("stop: %d\n%s", code, out)
	}
	// The second start keeps the certificate: joined PCs keep working.
	s = startServe(t, "--db", db, "--listen", "127.0.0.1:0")
	if m := pinRE.FindStringSubmatch(s.out.String()); m == nil || m[1] != pin {
		t.Fatalf("pin changed across a restart:\n%s", s.out)
	}
	s.stop()
}

func TestServeRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	if code, _, errs := run(t, "serve", "--db", db, "--listen", "127.0.0.1:0", "--key", "a-centre-key-0001"); code != 2 || !strings.Contains(errs, "key") {
		t.Errorf("--key (no longer a thing): %d %s", code, errs)
	}
	if code, _, errs := run(t, "serve", "--db", dir+"/none.db", "--listen", "127.0.0.1:0"); code != 1 || !strings.Contains(errs, "bianmin init") {
		t.Errorf("no database: %d %s", code, errs)
	}
	s := startServe(t, "--db", db, "--listen", "127.0.0.1:0")
	defer s.stop()
	if code, _, errs := run(t, "serve", "--db", db, "--listen", s.addr); code != 1 || !strings.Contains(errs, "端口可能已被占用") {
		t.Errorf("port in use: %d %s", code, errs)
	}
}

// A closet hub (`bianmin serve`) uploads to the county as the hub's window
// does, once the county is set up: a demo centre's whole backlog arrives,
// and the start says so.
func TestServeUploadsToTheCounty(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "hub.db")
	if err := wire.LoadDemo(ctx, db, 2, 1); err != nil {
		t.Fatal(err)
	}
	sim, err := countysync.OpenSimulator(filepath.Join(dir, "county.db"), countysync.SimOptions{Keys: map[string]string{"k1": "s1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	if code, out, errs := run(t, "sync", "--db", db, "--county", srv.URL, "--key", "k1", "--secret", "s1", "--status"); code != 0 {
		t.Fatalf("sync settings: %d\n%s\n%s", code, out, errs)
	}
	s := startServe(t, "--db", db, "--listen", "127.0.0.1:0")
	if !strings.Contains(s.out.String(), "县级平台上传已开启") {
		t.Errorf("serve does not say the upload is on:\n%s", s.out)
	}
	eventually.True(t, "the backlog at the county", func() bool {
		ro, err := storage.OpenReadOnly(db)
		if err != nil {
			return false
		}
		defer ro.Close()
		st, err := ro.OutboxStats(ctx, storage.DefaultDestination)
		return err == nil && st.Pending == 0
	})
	cnt, err := sim.Counts(ctx)
	if err != nil || cnt.Records == 0 || cnt.Rejections != 0 {
		t.Fatalf("county holds %+v, %v", cnt, err)
	}
	if code, _ := s.stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}
