package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/internal/eventually"
	"bianmin/internal/testhub"
)

// node.json keeps a PC's role, owner-only, and refuses a role without what it needs.
func TestNodeSettings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "json")
	n, err := Load(p)
	if err != nil || n.Role != Standalone {
		t.Fatalf("no file: %+v %v", n, err)
	}
	pin := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for _, bad := range []Node{{Role: Counter}, {Role: Counter, Hub: "10.0.0.1:8787", Key: "k", Pin: pin, Window: 1},
		{Role: Counter, Hub: "http://10.0.0.1:8787", Key: "k", Pin: pin, Window: 1},
		{Role: Counter, Hub: "https://h:8787", Key: "k", Window: 1},
		{Role: Counter, Hub: "https://h:8787", Key: "k", Pin: pin}, {Role: "server"}} {
		if err := bad.Check(); err == nil || !strings.ContainsAny(err.Error(), "中心窗口角色") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	good := Node{Role: Counter, Hub: "https://192.168.1.10:8787", Pin: pin, Key: "pc3.secret", Window: 3, Tablet: true}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	if err := Save(p, good); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("json holds the centre key but is %v", fi.Mode().Perm())
	}
	if back, err := Load(p); err != nil || back != good {
		t.Errorf("round trip %+v %v", back, err)
	}
	if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil {
		t.Error("a torn json was accepted")
	}
}

// A counter PC registers, completes and rates a transaction on its own
// database; the forwarder the station starts brings both to the
// hub, with the counter's window number in the serial.
func TestCounterStationForwardsToHub(t *testing.T) {
	h := testhub.Start(t)
	hub := h.DB
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "counter.db")
	n, err := Join(ctx, Node{}, h.Code(t, app.PCCounter, 2))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Check(); err != nil || n.Role != Counter || n.Window != 2 || !strings.HasPrefix(n.Hub, "https://") {
		t.Fatalf("joined node %+v: %v", n, err)
	}
	st := NewStation(n, dbPath, nil)
	t.Cleanup(st.Close)
	svc, err := st.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := svc.Login(ctx, "1003", "123456")
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.WindowFor(ctx, clerk)
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
	eventually.Within(t, 30*time.Second, "the hub receiving "+tx.Serial+" with its rating", func() bool {
		got, err := hub.TransactionBySerial(ctx, tx.Serial)
		if err != nil || got.Status != app.TxCompleted {
			return false
		}
		evs, _ := hub.EvaluationsFor(ctx, []int64{got.ID})
		return len(evs) == 1 && evs[0].Level == app.LevelVeryGood
	})
}
