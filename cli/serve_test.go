package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/sync/lan"
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

var keyRE = regexp.MustCompile(`已生成中心密钥（只显示这一次，请抄下）：(\S+)`)

func TestServeGeneratesTheKeyOnceAndServesTheQueue(t *testing.T) {
	db := initDB(t, t.TempDir())
	s := startServe(t, "--db", db, "--listen", "127.0.0.1:0")
	out := s.out.String()
	m := keyRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "在各窗口电脑上填写此密钥") || !strings.Contains(out, "http://"+s.addr) {
		t.Fatalf("first start output:\n%s", out)
	}
	key := m[1]
	if err := lan.CheckKey(key); err != nil {
		t.Fatalf("generated key %q: %v", key, err)
	}
	ctx := context.Background()
	c := lan.NewClient(s.addr, key, nil)
	defer c.Close()
	if _, err := c.Board(ctx); err != nil {
		t.Fatalf("board with the printed key: %v", err)
	}
	bad := lan.NewClient(s.addr, key+"x", nil)
	defer bad.Close()
	if _, err := bad.Board(ctx); app.ErrorCode(err) != "unauthorized" {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := c.Issue(ctx, app.IssueRequest{CategoryID: 999}); app.ErrorCode(err) != "unknown_category" {
		t.Fatalf("unknown category: %v", err)
	}
	if code, out := s.stop(); code != 0 || !strings.Contains(out, "中心主机已停止") {
		t.Fatalf("stop: %d\n%s", code, out)
	}
	d, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := d.Settings(ctx, lan.KeySetting)
	d.Close()
	if err != nil || kv[lan.KeySetting] != key {
		t.Fatalf("stored key %v %v, printed %q", kv, err, key)
	}

	// The second start uses the stored key and does not show it.
	s = startServe(t, "--db", db, "--listen", "127.0.0.1:0")
	if out := s.out.String(); strings.Contains(out, key) || !strings.Contains(out, "使用已保存的中心密钥") {
		t.Fatalf("second start output:\n%s", out)
	}
	c2 := lan.NewClient(s.addr, key, nil)
	defer c2.Close()
	if _, err := c2.Categories(ctx); err != nil {
		t.Fatalf("stored key: %v", err)
	}
	s.stop()

	// --key replaces it.
	s = startServe(t, "--db", db, "--listen", "127.0.0.1:0", "--key", "new-centre-key-2026")
	if out := s.out.String(); strings.Contains(out, "new-centre-key-2026") || !strings.Contains(out, "中心密钥已更新") {
		t.Fatalf("--key output:\n%s", out)
	}
	c3 := lan.NewClient(s.addr, key, nil)
	defer c3.Close()
	if _, err := c3.Board(ctx); app.ErrorCode(err) != "unauthorized" {
		t.Fatalf("old key after --key: %v", err)
	}
	c4 := lan.NewClient(s.addr, "new-centre-key-2026", nil)
	defer c4.Close()
	if _, err := c4.Board(ctx); err != nil {
		t.Fatalf("new key: %v", err)
	}
	s.stop()
}

func TestServeRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	if code, _, errs := run(t, "serve", "--db", db, "--listen", "127.0.0.1:0", "--key", "short"); code != 2 || !strings.Contains(errs, "至少需要12个字符") {
		t.Errorf("short key: %d %s", code, errs)
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
