package screens

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/app/queue"
)

// fakeWatch stands in for the window's devices on the counter's bar.
type fakeWatch struct {
	mu      sync.Mutex
	lines   []string
	onRated func(string, bool)
}

func (w *fakeWatch) Lines() []string { w.mu.Lock(); defer w.mu.Unlock(); return w.lines }
func (w *fakeWatch) OnRated(f func(string, bool)) {
	w.mu.Lock()
	w.onRated = f
	w.mu.Unlock()
}
func (w *fakeWatch) OnStatus(func()) {}
func (w *fakeWatch) rated(msg string, stored bool) {
	w.mu.Lock()
	f := w.onRated
	w.mu.Unlock()
	f(msg, stored)
}

// After 办结 the clerk reads "请申请人评价" in the form's status line; the
// keypad's outcome (stored, or timed out and why) replaces it there, where
// the clerk looks, and the bar keeps the devices' short lines.
func TestCounterShowsKeypadOutcome(t *testing.T) {
	svc, db, _ := demoCentre(t)
	watch := &fakeWatch{lines: []string{"评价器正常", "打印机正常（模拟）"}}
	be := Backend{
		Open: func(context.Context) (*app.Service, error) { return svc, nil },
		Counter: func(ctx context.Context, svc *app.Service, user *app.Staff) (CounterDeps, error) {
			ws, err := db.Windows(ctx)
			if err != nil {
				return CounterDeps{}, err
			}
			return CounterDeps{Hall: queue.New(db, svc.Clock, nil), Reg: svc, Cases: svc, Clerk: user,
				WindowID: ws[0].ID, Local: true, Drafts: FileDrafts{Dir: t.TempDir()}, Do: newUIQueue().do}, nil
		},
		Devices: watch,
	}
	env := syncEnv(t)
	sh := NewShell(env, be)
	sh.Start()
	// The counter's bar refreshes on a ticker goroutine: stop it with the
	// test, as leaving the counter does, or it runs into the next tests.
	t.Cleanup(sh.leave)
	test.Type(sh.login.No, "1001")
	test.Type(sh.login.PIN, "123456")
	sh.login.PIN.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c := sh.desk
	if c == nil {
		t.Fatalf("the clerk did not reach the counter: %q", texts(env.Win))
	}
	if sh.DeviceLine.Text != "评价器正常　打印机正常（模拟）" {
		t.Errorf("device line %q", sh.DeviceLine.Text)
	}
	c.status(true, "办结：流水号 X　请申请人评价")

	watch.rated("流水号 X　评价器超时，办事人未评价（可扫码或填写评价表补评）", false)
	if !strings.Contains(c.Status.Text, "评价器：流水号 X　评价器超时") || strings.Contains(c.Status.Text, "请申请人评价") ||
		c.Status.Importance != widget.DangerImportance {
		t.Errorf("timed out: status %q (importance %v)", c.Status.Text, c.Status.Importance)
	}
	watch.rated("流水号 X　已收到评价：满意", true)
	if c.Status.Text != "✔ 流水号 X　已收到评价：满意" {
		t.Errorf("stored: status %q", c.Status.Text)
	}
}
