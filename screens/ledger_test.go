package screens

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// cellLabel draws the cell of the ledger's table at row, col with the
// table's own create and update functions, as the table does.
func cellLabel(t *testing.T, l *Ledger, row, col int) *widget.Label {
	t.Helper()
	rows, cols := l.List.Length()
	if row >= rows || col >= cols {
		t.Fatalf("no cell %d,%d in a table of %d×%d", row, col, rows, cols)
	}
	o := l.List.CreateCell()
	l.List.UpdateCell(widget.TableCellID{Row: row, Col: col}, o)
	return cellOf(o).label
}

func anyShown(t *testing.T, l *Ledger, env *Env, sub string) bool {
	t.Helper()
	for _, s := range texts(env.Win) {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// The dashboard's 差评台账 button opens the ledger; an overdue order is red;
// the manager works an order through the loop with the Chinese forms and sees
// its full history; 返回首页 goes back.
func TestLedgerScreen(t *testing.T) {
	f := newFixture(t)
	// Rated Tue 3 Mar: contact (clerk, 2 working days) due Thu 5 Mar.
	f.clock.Set(time.Date(2026, 3, 3, 10, 0, 0, 0, app.ChinaTime))
	f.rate(t, f.finished(t, f.clock.Now().Add(-time.Minute)), app.LevelBad)
	f.clock.Set(now) // Tue 10 Mar
	f.rate(t, f.finished(t, now.Add(-time.Minute)), app.LevelVeryBad)

	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	test.Tap(d.Ledger)
	l := d.LedgerScreen
	if l == nil || env.Win.Content() != l.Content() {
		t.Fatal("the ledger is not shown")
	}
	if len(l.Entries) != 2 || l.Count.Text != "共 2 件" {
		t.Fatalf("entries %d, count %q", len(l.Entries), l.Count.Text)
	}
	// Overdue first, in red; the next deadline in its own column.
	if l.Entries[0].Order.ID != 1 {
		t.Errorf("the overdue order is not listed first: %d", l.Entries[0].Order.ID)
	}
	for col, want := range map[int]string{0: "1", 4: "联系 03-05 已超期"} {
		if lb := cellLabel(t, l, 0, col); lb.Text != want || lb.Importance != widget.DangerImportance {
			t.Errorf("overdue cell %d: %q in %v", col, lb.Text, lb.Importance)
		}
	}
	for col, want := range map[int]string{0: "2", 4: "联系 03-12"} {
		if lb := cellLabel(t, l, 1, col); lb.Text != want || lb.Importance != widget.MediumImportance {
			t.Errorf("fresh cell %d: %q in %v", col, lb.Text, lb.Importance)
		}
	}
	// A click on 工单 sorts by number, again reverses, a third time back.
	for i, want := range [][]int64{{1, 2}, {2, 1}, {1, 2}} {
		l.SortBy(0)
		if got := []int64{l.Entries[0].Order.ID, l.Entries[1].Order.ID}; got[0] != want[0] || got[1] != want[1] {
			t.Errorf("sort click %d: %v, want %v", i+1, got, want)
		}
	}
	if !l.Contact.Disabled() {
		t.Error("step buttons enabled with nothing selected")
	}
	l.Filter.SetSelected("已超期")
	if len(l.Entries) != 1 || l.Entries[0].Order.ID != 1 {
		t.Fatalf("overdue filter: %d", len(l.Entries))
	}
	l.List.Select(widget.TableCellID{})
	if l.Selected == nil || l.Selected.Order.ID != 1 || l.Contact.Disabled() {
		t.Fatal("order 1 not selected")
	}
	if !anyShown(t, l, env, "联系评价人：2026-03-05　已超期") {
		t.Errorf("deadline not shown: %q", texts(env.Win))
	}

	// An empty form is refused with the reason in Chinese; nothing is recorded.
	test.Tap(l.Contact)
	l.Form.Submit()
	if !anyShown(t, l, env, "请填写联系方式和结果") {
		t.Fatalf("no refusal shown: %q", texts(env.Win))
	}
	steps := func() int {
		s, err := f.db.OrderSteps(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		return len(s)
	}
	if steps() != 0 {
		t.Fatal("an empty step was stored")
	}
	for _, o := range append([]fyne.CanvasObject(nil), env.Win.Canvas().Overlays().List()...) {
		if o != nil {
			o.Hide()
		}
	}

	l.Filter.SetSelected("全部")
	do := func(b func(), fill func(*StepForm)) {
		t.Helper()
		b()
		fill(l.Form)
		l.Form.Submit()
	}
	do(func() { test.Tap(l.Contact) }, func(s *StepForm) { s.Detail.SetText("电话联系评价人，说明情况并致歉") })
	do(func() { test.Tap(l.Verify) }, func(s *StepForm) {
		s.Choice.SetSelected("有效差评")
		s.Detail.SetText("调阅监控，差评属实")
	})
	do(func() { test.Tap(l.OnSite) }, func(s *StepForm) {
		s.Problem.SetText("等候时间长")
		s.Action.SetText("增开窗口")
		s.Response.SetText("表示理解")
		s.ReRated.SetChecked(true)
	})
	if !l.OnSite.Disabled() {
		t.Error("现场化解 still offered after rectification")
	}
	do(func() { test.Tap(l.CallBack) }, func(s *StepForm) { s.Choice.SetSelected("满意"); s.Detail.SetText("电话回访") })
	do(func() { test.Tap(l.Close) }, func(s *StepForm) { s.Detail.SetText("结果已反馈评价人") })

	o, err := f.db.WorkOrder(context.Background(), 1)
	if err != nil || o.State != app.OrderClosed || o.Verdict != app.VerdictValid || !o.OnSite || o.CallbackResult != app.CallbackSatisfied {
		t.Fatalf("order %v %+v", err, o)
	}
	if l.Selected == nil || len(l.Selected.Steps) != 5 || !l.Close.Disabled() {
		t.Fatalf("detail after closing: %+v", l.Selected)
	}
	for _, want := range []string{"联系评价人", "核实", "现场化解", "回访", "办结"} {
		if !anyShown(t, l, env, "　"+want+"　王主任") {
			t.Errorf("history lacks %s: %q", want, texts(env.Win))
		}
	}
	test.Tap(l.Back)
	if env.Win.Content() != d.Content() {
		t.Fatal("返回首页 did not show the dashboard")
	}
}

// 打印工单 writes the selected order's sheet through the injected printer
// and is hidden when none is wired.
func TestLedgerPrintSheet(t *testing.T) {
	f := newFixture(t)
	f.rate(t, f.finished(t, now.Add(-time.Minute)), app.LevelBad)
	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	test.Tap(d.Ledger)
	if d.LedgerScreen.Print.Visible() {
		t.Fatal("打印工单 shown without a printer")
	}
	var asked []int64
	d.PrintSheet = func(ctx context.Context, actor *app.Staff, id int64) (string, error) {
		if actor.ID != f.manager.ID {
			t.Errorf("printed as %v", actor)
		}
		asked = append(asked, id)
		return filepath.Join(t.TempDir(), "差评工单-1.pdf"), nil
	}
	test.Tap(d.Ledger)
	l := d.LedgerScreen
	if !l.Print.Visible() || !l.Print.Disabled() {
		t.Fatal("打印工单 should show, disabled until an order is chosen")
	}
	l.List.Select(widget.TableCellID{})
	test.Tap(l.Print)
	if len(asked) != 1 || asked[0] != 1 || !strings.HasSuffix(l.Printed, "差评工单-1.pdf") {
		t.Errorf("asked %v, printed %q", asked, l.Printed)
	}
}
