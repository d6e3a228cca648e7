package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// 重点关注 from the dashboard: a run of instant, ticketless good ratings is
// listed with its window and serials; empty lists say 无; 返回首页 goes back.
func TestWatchScreenFromDashboard(t *testing.T) {
	f := newFixture(t)
	env := syncEnv(t)
	var serials []string
	for i := 0; i < 5; i++ {
		at := now.Add(-2*time.Hour + time.Duration(i)*5*time.Minute)
		tx, err := f.db.AddTransaction(context.Background(), app.Transaction{
			ItemCode: "X001", BatchCount: 1, WindowID: f.window, ClerkID: f.manager.ID, Status: app.TxCompleted,
			Visits: 1, CreatedAt: at.Add(-10 * time.Second), CompletedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Set(at)
		f.rate(t, tx, app.LevelVeryGood)
		serials = append(serials, tx.Serial)
	}
	f.clock.Set(now)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	test.Tap(d.Watch)
	w := d.WatchScreen
	if w == nil || env.Win.Content() != w.Content() {
		t.Fatal("重点关注 did not open")
	}
	got := sectionText(w, "suspicious")
	if !strings.Contains(got, "1号窗口") || !strings.Contains(got, "连续好评5次") || !strings.Contains(got, serials[0]) {
		t.Errorf("suspicious section: %q", got)
	}
	if c := sectionText(w, "clerks"); c != "无" {
		t.Errorf("clerks section: %q", c)
	}
	test.Tap(w.Back)
	if env.Win.Content() != d.Content() {
		t.Error("返回首页 did not bring the dashboard back")
	}
}

// sectionText joins the labels of one watch section.
func sectionText(w *WatchScreen, key string) string {
	var out []string
	for _, o := range w.Sections[key].Objects {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return strings.Join(out, "\n")
}
