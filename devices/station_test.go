//go:build linux

package devices

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/devices/keypad"
	"bianmin/devices/serialport"
	"bianmin/internal/eventually"
	"bianmin/storage"
)

type env struct {
	db  *storage.DB
	svc *app.Service
	tx  app.Transaction
}

// newEnv: a real SQLite file, the real service, one completed transaction.
func newEnv(t *testing.T) *env { return newEnvB(t) }

func newEnvB(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, _ := app.LoadProfile("national", "")
	svc := app.NewService(db, app.SystemClock{}, p, app.NewCalendar(), quiet())
	if err := db.SaveCentre(ctx, app.Centre{Name: "测试中心", AreaCode: "370911105000", Profile: "national"}); err != nil {
		t.Fatal(err)
	}
	wid, _ := db.AddWindow(ctx, app.Window{Number: 3, Name: "综合受理", Kind: "综合受理", Active: true})
	clerk, err := svc.BootstrapManager(ctx, app.Staff{No: "0107", Name: "张三"}, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveItem(ctx, app.ServiceItem{Code: "I1", Name: "残疾人证申领", Instant: true, Active: true}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(app.ChinaTime)
	tx, err := db.AddTransaction(ctx, app.Transaction{ItemCode: "I1", WindowID: wid, ClerkID: clerk.ID,
		Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: now.Add(-10 * time.Minute), CompletedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: db, svc: svc, tx: tx}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (e *env) evalCount(t *testing.T) int {
	t.Helper()
	evs, err := e.db.EvaluationsFor(context.Background(), []int64{e.tx.ID})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// plug makes a pty pair and points link at its slave, as udev's by-id link
// would point at a re-plugged USB-serial adapter.
func plug(t *testing.T, link string) *serialport.PTY { return plugB(t, link) }

func plugB(t testing.TB, link string) *serialport.PTY {
	t.Helper()
	pty, err := serialport.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	os.Remove(link)
	if err := os.Symlink(pty.SlaveName, link); err != nil {
		t.Fatal(err)
	}
	return pty
}

type statusLog struct {
	mu sync.Mutex
	s  []State
}

func (l *statusLog) add(s Status) { l.mu.Lock(); l.s = append(l.s, s.State); l.mu.Unlock() }
func (l *statusLog) wait(t *testing.T, want State) {
	t.Helper()
	eventually.True(t, "status "+string(want), func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.s) > 0 && l.s[len(l.s)-1] == want
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventually.True(t, what, cond)
}

// Complete a transaction → START_RATING on the keypad → RESULT → exactly one
// evaluation, also when RESULT arrives three times; unplug → reconnecting →
// re-plug → rates again without a restart.
func TestFrameKeypadEndToEnd(t *testing.T) {
	e := newEnv(t)
	link := filepath.Join(t.TempDir(), "keypad")
	pty := plug(t, link)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	outcomes := make(chan Outcome, 8)
	st := &Station{Device: "3号窗口评价器", Rater: e.svc, Audit: e.db, Clock: app.SystemClock{}, Log: quiet(),
		BadTags: e.svc.Profile.Tags.Bad, OnOutcome: func(o Outcome) { outcomes <- o }}
	var sl statusLog
	kp := &Keypad{Cfg: KeypadConfig{Enabled: true, Port: link, Mode: "frame", Addr: 1}, Station: st, Log: quiet(),
		OnStatus: sl.add, MaxBackoff: 200 * time.Millisecond}
	go kp.Run(ctx)
	sl.wait(t, StateConnected)

	sim := &keypad.Sim{RW: pty.Master, Addr: 1, Model: "SIM", Firmware: "1",
		Rate: func(s keypad.StartRating) (*keypad.Result, time.Duration) {
			return &keypad.Result{Txn: s.Txn, Stars: 1, Reasons: []byte{1, 3}}, 10 * time.Millisecond
		}}
	simCtx, simStop := context.WithCancel(ctx)
	go sim.Run(simCtx)
	if msg, err := kp.Test(); err != nil || msg == "" {
		t.Fatalf("测试: %q %v", msg, err)
	}
	if err := kp.StartRating(Pending{TxID: e.tx.ID, Serial: e.tx.Serial, ClerkNo: "0107", ClerkName: "张三"}); err != nil {
		t.Fatal(err)
	}
	o := <-outcomes
	if !o.Stored || o.Level != app.LevelVeryBad {
		t.Fatalf("outcome %+v", o)
	}
	evs, _ := e.db.EvaluationsFor(ctx, []int64{e.tx.ID})
	if len(evs) != 1 || evs[0].Channel != app.ChannelKeypad || len(evs[0].Tags) != 2 || evs[0].Tags[0] != e.svc.Profile.Tags.Bad[0] {
		t.Fatalf("evaluations %+v", evs)
	}
	orders, _ := e.db.WorkOrders(ctx, app.OrderFilter{OpenOnly: true})
	if len(orders) != 1 {
		t.Fatalf("bad review opened %d work orders", len(orders))
	}
	// The device re-sends the same RESULT (new SEQ, as after a power cycle) twice more.
	pl, _ := keypad.Result{Txn: e.tx.Serial, Stars: 1, Reasons: []byte{1}}.Payload()
	st.SetPending(Pending{TxID: e.tx.ID, Serial: e.tx.Serial})
	sim.Send(keypad.CmdResult, pl)
	sim.Send(keypad.CmdResult, pl)
	<-outcomes
	if n := e.evalCount(t); n != 1 {
		t.Fatalf("repeated RESULT stored %d evaluations", n)
	}

	// Unplug.
	simStop()
	pty.Close()
	sl.wait(t, StateReconnecting)
	// Re-plug a new device on the same link; a new transaction is rated.
	pty2 := plug(t, link)
	defer pty2.Close()
	sl.wait(t, StateConnected)
	sim2 := &keypad.Sim{RW: pty2.Master, Addr: 1, Rate: func(s keypad.StartRating) (*keypad.Result, time.Duration) {
		return &keypad.Result{Txn: s.Txn, Stars: 5}, 0
	}}
	go sim2.Run(ctx)
	now := time.Now().In(app.ChinaTime)
	tx2, _ := e.db.AddTransaction(ctx, app.Transaction{ItemCode: "I1", WindowID: e.tx.WindowID, ClerkID: e.tx.ClerkID,
		Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: now, CompletedAt: now})
	var err error
	waitFor(t, "START_RATING after re-plug", func() bool {
		err = kp.StartRating(Pending{TxID: tx2.ID, Serial: tx2.Serial, ClerkNo: "0107", ClerkName: "张三"})
		return err == nil
	})
	if o := <-outcomes; !o.Stored || o.Level != app.LevelVeryGood || o.Serial != tx2.Serial {
		t.Fatalf("after re-plug: %+v", o)
	}
}

// A key with no rating pending is logged, never stored; an ascii bad rating
// collects its reason keys.
func TestASCIIKeypad(t *testing.T) {
	e := newEnv(t)
	link := filepath.Join(t.TempDir(), "keypad")
	pty := plug(t, link)
	defer pty.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outcomes := make(chan Outcome, 4)
	st := &Station{Device: "1号窗口评价器", Rater: e.svc, Audit: e.db, Clock: app.SystemClock{}, Log: quiet(),
		BadTags: e.svc.Profile.Tags.Bad, ReasonWait: 150 * time.Millisecond, OnOutcome: func(o Outcome) { outcomes <- o }}
	var sl statusLog
	kp := &Keypad{Cfg: KeypadConfig{Enabled: true, Port: link, Mode: "ascii", KeyMap: "54321"}, Station: st,
		Log: quiet(), OnStatus: sl.add}
	go kp.Run(ctx)
	sl.wait(t, StateConnected)

	pty.Master.Write([]byte("1\r\n")) // stray: nothing pending
	// Taken when it is audited; only then is a rating started.
	eventually.True(t, "the stray key audited", func() bool {
		log, err := e.db.AuditLog(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(log, func(a app.AuditEntry) bool { return a.Action == "keypad_stray_key" })
	})
	if n := e.evalCount(t); n != 0 {
		t.Fatalf("stray key stored %d evaluations", n)
	}
	_ = kp.StartRating(Pending{TxID: e.tx.ID, Serial: e.tx.Serial})
	pty.Master.Write([]byte("4BC")) // reversed map: '4' = 2 stars, reasons 2 and 3
	o := <-outcomes
	if !o.Stored || o.Level != app.LevelBad {
		t.Fatalf("outcome %+v", o)
	}
	evs, _ := e.db.EvaluationsFor(ctx, []int64{e.tx.ID})
	if len(evs) != 1 || len(evs[0].Tags) != 2 || evs[0].Tags[1] != e.svc.Profile.Tags.Bad[2] {
		t.Fatalf("evaluations %+v", evs)
	}
}
