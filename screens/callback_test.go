package screens

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/cli"
)

// The quarterly call-back in the window, on a demo centre's SQLite file:
// the quarter's sample is drawn (audited), a number is shown only when
// revealed (audited), a reached call stores a 电话回访 rating, an unreached
// one is recorded, and the list prints.
func TestCallbackInWindow(t *testing.T) {
	svc, db, m := demoCentre(t)
	ctx := context.Background()
	env := syncEnv(t)
	dir := t.TempDir()
	d := NewDashboard(env, svc, m)
	d.SaveCallList = func(ctx context.Context, l *app.CallbackList) (string, error) {
		return cli.SaveCallList(ctx, svc, filepath.Join(dir, "bianmin.db"), l)
	}
	env.Win.SetContent(d.Content())
	test.Tap(d.Callback)
	c := d.CallbackScreen
	if c == nil {
		t.Fatal("随机抽评 opened nothing")
	}
	if c.Quarter.Selected != "2026年第4季度" {
		t.Errorf("quarter %q", c.Quarter.Selected)
	}
	c.Size.SetText("5")
	test.Tap(c.Draw)
	if c.List == nil || len(c.List.Entries) == 0 {
		t.Fatalf("no sample: %q", c.Status.Text)
	}
	first, second := c.List.Entries[0], c.List.Entries[len(c.List.Entries)-1]
	tx, err := db.Transaction(ctx, first.TxID)
	if err != nil {
		t.Fatal(err)
	}
	if shownContains(env, tx.Phone) {
		t.Fatal("a full number is on screen before it was revealed")
	}
	c.RevealPhone(first.TxID)
	if c.Revealed[first.TxID] != tx.Phone || !shownContains(env, tx.Phone) {
		t.Errorf("revealed %q, want %q", c.Revealed[first.TxID], tx.Phone)
	}
	c.Record(first.TxID, app.CallbackOutcome{Reached: true, Level: app.LevelVeryGood, Text: "服务很好"})
	evs, err := db.EvaluationsFor(ctx, []int64{first.TxID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		found = found || (e.Channel == app.ChannelCallback && e.Level == app.LevelVeryGood)
	}
	if !found {
		t.Errorf("no 电话回访 rating stored: %+v", evs)
	}
	if first.TxID != second.TxID {
		c.Record(second.TxID, app.CallbackOutcome{Reached: false, Note: "未接通"})
	}
	log, err := db.AuditLog(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Action)
	}
	all := strings.Join(actions, ",")
	for _, want := range []string{"callback_sample", "reveal_phone"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %s: %s", want, all)
		}
	}
	if first.TxID != second.TxID && !strings.Contains(all, "callback_unreached") {
		t.Errorf("the unreached call was not recorded: %s", all)
	}
	test.Tap(c.Print)
	if !strings.Contains(c.Status.Text, "名单已保存") {
		t.Fatalf("print: %q", c.Status.Text)
	}
	p := strings.TrimPrefix(c.Status.Text, "名单已保存：")
	if b, err := os.ReadFile(p); err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Errorf("the list %s: %v", p, err)
	}
}
