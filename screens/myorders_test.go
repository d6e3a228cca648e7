package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// clerkFixture adds to newFixture a clerk (1001 赵小明 / 123456), a second
// window and a second item, and two bad reviews: order 1 about the manager at
// window 1 on X001, order 2 about the clerk at window 2 on X002, whose
// evaluator left a name and phone number.
type clerkFixture struct {
	*fixture
	clerk   app.Staff
	window2 int64
}

func newClerkFixture(t *testing.T) *clerkFixture {
	t.Helper()
	ctx := context.Background()
	f := &clerkFixture{fixture: newFixture(t)}
	var err error
	if f.clerk, err = f.svc.AddStaff(ctx, &f.manager, app.Staff{No: "1001", Name: "赵小明", Role: app.RoleClerk, Active: true}, "123456"); err != nil {
		t.Fatal(err)
	}
	if f.window2, err = f.db.AddWindow(ctx, app.Window{Number: 2, Name: "社保窗口", Kind: "专窗", Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SaveItem(ctx, app.ServiceItem{Code: "X002", Name: "城乡居民医保参保登记", Instant: true, Active: true}); err != nil {
		t.Fatal(err)
	}
	f.rate(t, f.finished(t, now.Add(-time.Hour)), app.LevelBad)
	at := now.Add(-time.Minute)
	tx, err := f.db.AddTransaction(ctx, app.Transaction{ItemCode: "X002", BatchCount: 1, WindowID: f.window2,
		ClerkID: f.clerk.ID, Status: app.TxCompleted, Visits: 1, CreatedAt: at.Add(-20 * time.Minute),
		AcceptedAt: at.Add(-15 * time.Minute), CompletedAt: at, ApplicantName: "李四"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelVeryBad,
		Channel: app.ChannelKeypad, Tags: []string{"态度不好"}, Text: "李四反映等了很久，电话13812345678",
		EvaluatorName: "李四", EvaluatorTel: "13812345678"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func hideOverlays(env *Env) {
	for _, o := range append([]fyne.CanvasObject(nil), env.Win.Canvas().Overlays().List()...) {
		if o != nil {
			o.Hide()
		}
	}
}

// The window, clerk and item filters narrow the ledger; 分类/转办 needs a
// reason and records it; the clerk appeals from their own view, which never
// shows who rated; the manager decides the appeal with 申诉裁定.
func TestLedgerFiltersAssignAndAppeal(t *testing.T) {
	f := newClerkFixture(t)
	ctx := context.Background()
	env := syncEnv(t)
	l := NewLedger(env, f.svc, &f.manager)
	env.Win.SetContent(l.Content())
	l.Filter.SetSelected("全部")
	if len(l.Entries) != 2 {
		t.Fatalf("entries %d", len(l.Entries))
	}
	ids := func() []int64 {
		var out []int64
		for _, e := range l.Entries {
			out = append(out, e.Order.ID)
		}
		return out
	}
	for _, c := range []struct {
		sel   func(string)
		label string
		want  int64
	}{
		{l.WindowFilter.SetSelected, "2号窗口 社保窗口", 2},
		{l.ClerkFilter.SetSelected, "1001 赵小明", 2},
		{l.ItemFilter.SetSelected, "居民身份证明（X001）", 1},
	} {
		c.sel(c.label)
		if got := ids(); len(got) != 1 || got[0] != c.want {
			t.Errorf("filter %s: orders %v, want [%d]", c.label, got, c.want)
		}
		l.WindowFilter.SetSelected(allWindows)
		l.ClerkFilter.SetSelected(allClerks)
		l.ItemFilter.SetSelected(allItems)
	}
	if len(l.Entries) != 2 {
		t.Fatalf("after clearing the filters: %v", ids())
	}

	// 分类/转办: refused without a reason, then recorded.
	l.ClerkFilter.SetSelected("1001 赵小明")
	l.List.Select(widget.TableCellID{})
	if l.Selected == nil || l.Selected.Order.ID != 2 || l.Assign.Disabled() {
		t.Fatal("order 2 not selected")
	}
	if !l.Decide.Disabled() {
		t.Error("申诉裁定 offered without an appeal")
	}
	test.Tap(l.Assign)
	l.Form.Category.SetSelected("人员")
	l.Form.Assignee.SetSelected("1001 赵小明")
	l.Form.Submit()
	if !anyShown(t, l, env, "分类或更换责任人须填写原因") {
		t.Fatalf("no refusal shown: %q", texts(env.Win))
	}
	hideOverlays(env)
	l.Form.Detail.SetText("被评价人本人整改")
	l.Form.Submit()
	o, err := f.db.WorkOrder(ctx, 2)
	if err != nil || o.Category != app.CatStaff || o.AssigneeID != f.clerk.ID {
		t.Fatalf("after 分类/转办: %v %+v", err, o)
	}
	if !anyShown(t, l, env, "原因：被评价人本人整改") {
		t.Errorf("the reason is not in the history: %q", texts(env.Win))
	}

	// The clerk's view: only their order, no evaluator identity, 申诉.
	cenv := syncEnv(t)
	m := NewMyOrders(cenv, f.svc, &f.clerk)
	cenv.Win.SetContent(m.Content())
	m.Reload()
	if len(m.Orders) != 1 || m.Orders[0].ID != 2 || m.Count.Text != "共 1 件" {
		t.Fatalf("clerk sees %+v", m.Orders)
	}
	if !m.Appeal.Disabled() {
		t.Error("申诉 enabled with nothing selected")
	}
	m.List.Select(0)
	if m.Selected == nil || m.Appeal.Disabled() {
		t.Fatal("order 2 not selectable for an appeal")
	}
	noIdentity := func() {
		t.Helper()
		for _, s := range texts(cenv.Win) {
			if strings.Contains(s, "李") || strings.Contains(s, "1381") || strings.Contains(s, "5678") {
				t.Errorf("the clerk's view shows the evaluator: %q", s)
			}
		}
	}
	noIdentity()
	test.Tap(m.Appeal)
	m.Form.Submit()
	if !anyShown(t, l, cenv, "申诉须写明理由并提供证据材料") {
		t.Fatalf("empty appeal not refused: %q", texts(cenv.Win))
	}
	hideOverlays(cenv)
	m.Form.Evidence.SetText("当日系统故障，监控 10:05–10:20 可证")
	m.Form.Submit()
	if m.Selected == nil || m.Selected.Appeal == nil || !m.Appeal.Disabled() {
		t.Fatalf("after the appeal: %+v", m.Selected)
	}
	if !anyShown(t, l, cenv, "待负责人复核") {
		t.Errorf("pending appeal not shown: %q", texts(cenv.Win))
	}
	noIdentity()

	// The manager decides it: 误评.
	l.Reload()
	if l.Selected == nil || l.Decide.Disabled() {
		t.Fatal("申诉裁定 not offered for a pending appeal")
	}
	test.Tap(l.Decide)
	l.Form.Choice.SetSelected("申诉成立，认定为误评")
	l.Form.Detail.SetText("调阅监控，系统故障属实")
	l.Form.Submit()
	if o, err = f.db.WorkOrder(ctx, 2); err != nil || o.Verdict != app.VerdictMistaken {
		t.Fatalf("after 申诉裁定: %v %+v", err, o)
	}
	if !l.Decide.Disabled() {
		t.Error("申诉裁定 still offered after the decision")
	}
	m.Reload()
	if a := m.Selected.Appeal; a == nil || a.Pending() || a.Verdict != app.VerdictMistaken {
		t.Fatalf("clerk's view of the decision: %+v", a)
	}
	if !anyShown(t, l, cenv, "误评") {
		t.Errorf("decision not shown to the clerk: %q", texts(cenv.Win))
	}
}

// A clerk who signs in sees their own orders, not the manager's dashboard;
// the ledger refuses them in app/ whatever the screen.
func TestShellClerkSeesOwnOrders(t *testing.T) {
	f := newClerkFixture(t)
	env := syncEnv(t)
	sh := NewShell(env, Backend{Open: func(context.Context) (*app.Service, error) { return f.svc, nil }})
	sh.Start()
	test.Type(sh.login.No, "1001")
	test.Type(sh.login.PIN, "123456")
	sh.login.PIN.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if sh.mine == nil || env.Win.Content() != sh.mine.Content() || sh.dash != nil {
		t.Fatal("a clerk did not get their own orders after login")
	}
	assertShown(t, env.Win, "我的差评工单")
	if len(sh.mine.Orders) != 1 {
		t.Errorf("clerk's orders: %d", len(sh.mine.Orders))
	}
	if _, err := f.svc.Ledger(context.Background(), &f.clerk, app.LedgerFilter{}); app.ErrorCode(err) != "forbidden" {
		t.Errorf("a clerk read the ledger: %v", err)
	}
	test.Tap(sh.mine.Logout)
	if env.Win.Content() != sh.login.Content() {
		t.Error("退出登录 did not show the login screen")
	}
}
