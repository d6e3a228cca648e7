package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"bianmin/app"
	"bianmin/app/demo/memstore"
)

// onsiteMem adds the on-site records to the in-memory store.
type onsiteMem struct {
	*memstore.Store
	mu     sync.Mutex
	onsite []app.OnSiteResolution
}

func (m *onsiteMem) RecordOnSite(ctx context.Context, o app.WorkOrder, step app.OrderStep, r app.OnSiteResolution) (app.OnSiteResolution, error) {
	if err := m.UpdateWorkOrder(ctx, o, step); err != nil {
		return r, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r.ID = int64(len(m.onsite) + 1)
	m.onsite = append(m.onsite, r)
	return r, nil
}

func (m *onsiteMem) OnSiteResolutions(_ context.Context, id int64) ([]app.OnSiteResolution, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []app.OnSiteResolution
	for _, r := range m.onsite {
		if r.OrderID == id {
			out = append(out, r)
		}
	}
	return out, nil
}

type lfix struct {
	t        *testing.T
	ctx      context.Context
	st       *onsiteMem
	clk      *app.FakeClock
	svc      *app.Service
	mgr      *app.Staff
	a, b     *app.Staff
	serialNo int
}

func at(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, app.ChinaTime)
}

func newLedger(t *testing.T, profile string, now time.Time) *lfix {
	t.Helper()
	p, err := app.LoadProfile(profile, "")
	if err != nil {
		t.Fatal(err)
	}
	st := &onsiteMem{Store: memstore.New()}
	clk := app.NewFakeClock(now)
	f := &lfix{t: t, ctx: context.Background(), st: st, clk: clk,
		svc: app.NewService(st, clk, p, app.NewCalendar(), slog.New(slog.NewTextHandler(io.Discard, nil)))}
	f.mgr = f.staff("0001", "王主任", app.RoleManager)
	f.a = f.staff("0101", "李窗口", app.RoleClerk)
	f.b = f.staff("0102", "陈窗口", app.RoleClerk)
	for _, it := range []app.ServiceItem{{Code: "I1", Name: "户口迁移"}, {Code: "I2", Name: "医保参保登记"},
		{Code: "I3", Name: "低保申请"}, {Code: "I4", Name: "居住证明"}} {
		it.Active = true
		if err := st.SaveItem(f.ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *lfix) staff(no, name string, r app.Role) *app.Staff {
	s := app.Staff{No: no, Name: name, Role: r, Active: true}
	id, err := f.st.AddStaff(f.ctx, s)
	if err != nil {
		f.t.Fatal(err)
	}
	s.ID = id
	return &s
}

// bad records a 不满意 window rating of a transaction by clerk at `when` and
// returns the work order it opened.
func (f *lfix) bad(clerk *app.Staff, item string, when time.Time, mod func(*app.RateRequest)) app.WorkOrder {
	f.t.Helper()
	f.clk.Set(when)
	f.serialNo++
	tx, err := f.st.AddTransaction(f.ctx, app.Transaction{ItemCode: item, WindowID: 1, ClerkID: clerk.ID,
		Status: app.TxCompleted, Visits: 1, CreatedAt: when.Add(-10 * time.Minute), CompletedAt: when,
		Serial: fmt.Sprintf("S%04d", f.serialNo)})
	if err != nil {
		f.t.Fatal(err)
	}
	req := app.RateRequest{TransactionID: tx.ID, Level: app.LevelBad, Channel: app.ChannelKeypad, Tags: []string{"态度不好"}}
	if mod != nil {
		mod(&req)
	}
	rows, err := f.svc.Rate(f.ctx, nil, req)
	if err != nil {
		f.t.Fatal(err)
	}
	os, err := f.st.WorkOrders(f.ctx, app.OrderFilter{EvaluationID: rows[0].ID})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range os {
		if o.EvaluationID == rows[0].ID {
			return o
		}
	}
	f.t.Fatal("no order opened")
	return app.WorkOrder{}
}

func (f *lfix) good(clerk *app.Staff, when time.Time) {
	f.t.Helper()
	f.clk.Set(when)
	f.serialNo++
	tx, err := f.st.AddTransaction(f.ctx, app.Transaction{ItemCode: "I1", WindowID: 1, ClerkID: clerk.ID,
		Status: app.TxCompleted, Visits: 1, CreatedAt: when.Add(-10 * time.Minute), CompletedAt: when,
		Serial: fmt.Sprintf("S%04d", f.serialNo)})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.Rate(f.ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelVeryGood, Channel: app.ChannelKeypad}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *lfix) step(actor *app.Staff, id int64, in app.StepInput) app.WorkOrder {
	f.t.Helper()
	o, err := f.svc.RecordStep(f.ctx, actor, id, in)
	if err != nil {
		f.t.Fatalf("step %s on %d: %v", in.Kind, id, err)
	}
	return o
}

func (f *lfix) entry(id int64) app.LedgerEntry {
	f.t.Helper()
	d, err := f.svc.OrderDetail(f.ctx, f.mgr, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d.LedgerEntry
}

func wantErr(t *testing.T, err error, code app.Code) {
	t.Helper()
	if app.ErrorCode(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if !strings.ContainsFunc(app.UserMessage(err), func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Fatalf("message for %s is not Chinese: %q", code, app.UserMessage(err))
	}
}

const day = "2006-01-02"

// Every deadline of the loop, hand-computed across weekends, the 2026
// holidays and the 调休 working Saturdays, for each built-in profile (all
// three carry 2/3/10/5/3/3 working days, so the dates agree).
func TestLedgerDeadlines(t *testing.T) {
	cases := []struct {
		name                     string
		created                  time.Time
		contactStaff, contactItm string
		finish, appealDue        string
		appealAt                 time.Time
		reviewDue                string
		rectifyAt                time.Time
		callbackDue              string
	}{
		// 春节: Sat 14 Feb worked, 15–23 Feb off, Sat 28 Feb worked.
		// After Fri 13 Feb: 14(1) 24(2) 25(3) 26 27 28(6) 2 3 4 5(10).
		{"spring festival", at(2026, 2, 13, 10), "2026-02-24", "2026-02-25", "2026-03-05", "2026-02-25",
			// appeal 24 Feb → 25 26 27; rectified Fri 27 Feb → Sat 28, 2, 3, 4, 5 Mar
			at(2026, 2, 24, 9), "2026-02-27", at(2026, 2, 27, 15), "2026-03-05"},
		// 国庆: 1–7 Oct off, Sat 10 Oct worked. After Wed 30 Sep: 8 9 10(3) 12 13 14 15 16 19 20(10).
		{"national day", at(2026, 9, 30, 16), "2026-10-09", "2026-10-10", "2026-10-20", "2026-10-10",
			// appeal Fri 9 Oct → Sat 10, 12, 13; rectified Fri 9 Oct → Sat 10, 12, 13, 14, 15
			at(2026, 10, 9, 9), "2026-10-13", at(2026, 10, 9, 15), "2026-10-15"},
		// 清明: 4–6 Apr off. After Fri 3 Apr: 7 8 9 10 13 14 15 16 17 20(10).
		{"qingming", at(2026, 4, 3, 11), "2026-04-08", "2026-04-09", "2026-04-20", "2026-04-09",
			at(2026, 4, 8, 9), "2026-04-13", at(2026, 4, 8, 15), "2026-04-15"},
		// Created on a Saturday off; Sun 20 Sep is a 调休 working day, 25–27 Sep 中秋, 1–7 Oct 国庆.
		// After Sat 19 Sep: 20(1) 21 22 23 24 28 29 30 8 9(10).
		{"weekend before mid-autumn", at(2026, 9, 19, 10), "2026-09-21", "2026-09-22", "2026-10-09", "2026-09-22",
			// appeal Mon 21 → 22 23 24; rectified Tue 22 → 23 24 28 29 30
			at(2026, 9, 21, 9), "2026-09-24", at(2026, 9, 22, 15), "2026-09-30"},
	}
	for _, profile := range []string{"national", "shenzhen", "taian"} {
		for _, c := range cases {
			t.Run(profile+"/"+c.name, func(t *testing.T) {
				f := newLedger(t, profile, c.created)
				o := f.bad(f.a, "I1", c.created, nil)
				if o.Category != app.CatStaff || o.ContactDue.Format(day) != c.contactStaff || o.FinishDue.Format(day) != c.finish {
					t.Fatalf("order: %s contact %s finish %s", o.Category, o.ContactDue.Format(day), o.FinishDue.Format(day))
				}
				if got := appealDue(t, f.svc, o).Format(day); got != c.appealDue {
					t.Errorf("appeal due %s, want %s", got, c.appealDue)
				}
				// Reclassified to an item before contact: 3 working days from creation.
				o, err := f.svc.Assign(f.ctx, f.mgr, o.ID, app.AssignInput{Category: app.CatItem, AssigneeID: f.b.ID, Reason: "实为材料清单不清"})
				if err != nil || o.ContactDue.Format(day) != c.contactItm {
					t.Fatalf("assign: %v, contact %s want %s", err, o.ContactDue.Format(day), c.contactItm)
				}
				f.clk.Set(c.appealAt)
				if _, err := f.svc.FileAppeal(f.ctx, f.a, o.ID, "监控显示已一次性告知所需材料"); err != nil {
					t.Fatal(err)
				}
				f.clk.Set(c.rectifyAt)
				f.step(f.mgr, o.ID, app.StepInput{Kind: app.StepRectified, Detail: "更新办事指南"})
				e := f.entry(o.ID)
				want := map[app.DueKind]string{app.DueContact: c.contactItm, app.DueFinish: c.finish,
					app.DueAppealReview: c.reviewDue, app.DueCallback: c.callbackDue}
				for k, w := range want {
					d, ok := e.Due(k)
					if !ok || d.Due.Format(day) != w {
						t.Errorf("%s due %s (present %v), want %s", k, d.Due.Format(day), ok, w)
					}
				}
			})
		}
	}
}

// Overdue and due-soon flags move with the clock, and the daily summary counts them.
func TestLedgerOverdueAndSummary(t *testing.T) {
	f := newLedger(t, "national", at(2026, 2, 13, 10))
	// After Fri 13 Feb: Sat 14 (调休) is the 1st working day, 24 Feb (after 春节) the 2nd.
	o := f.bad(f.a, "I1", at(2026, 2, 13, 10), nil) // contact by 24 Feb, finish by 5 Mar
	other := f.bad(f.b, "I2", at(2026, 2, 13, 11), nil)
	f.step(f.mgr, other.ID, app.StepInput{Kind: app.StepContacted, Detail: "电话联系，评价人表示理解"})

	f.clk.Set(at(2026, 2, 13, 17)) // Friday: the next working day is Sat 14, so not yet due soon
	if d, _ := f.entry(o.ID).Due(app.DueContact); d.DueSoon || d.Overdue {
		t.Fatalf("13 Feb: %+v", d)
	}
	f.clk.Set(at(2026, 2, 23, 9)) // Monday, still 春节: due by the end of the next working day
	if d, _ := f.entry(o.ID).Due(app.DueContact); !d.DueSoon || d.Overdue {
		t.Fatalf("23 Feb: %+v", d)
	}
	f.clk.Set(at(2026, 2, 25, 0).Add(time.Second)) // just past the end of 24 Feb
	e := f.entry(o.ID)
	if d, _ := e.Due(app.DueContact); !d.Overdue || !e.Overdue {
		t.Fatalf("25 Feb: %+v", d)
	}
	if d, _ := e.Due(app.DueFinish); d.Overdue || d.DueSoon {
		t.Fatalf("finish flagged early: %+v", d)
	}
	if f.entry(other.ID).Overdue {
		t.Fatal("a contacted order is overdue")
	}
	only, err := f.svc.Ledger(f.ctx, f.mgr, app.LedgerFilter{OverdueOnly: true})
	if err != nil || len(only) != 1 || only[0].Order.ID != o.ID {
		t.Fatalf("overdue filter: %v %d", err, len(only))
	}
	sum, err := f.svc.Summary(f.ctx, f.mgr)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Open != 2 || sum.Overdue[app.DueContact] != 1 || len(sum.OverdueOrders) != 1 || sum.NewToday != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if txt := sum.Text(); !strings.Contains(txt, "已超期 1 件") || !strings.Contains(txt, "联系评价人应于02-24前完成") {
		t.Errorf("summary text:\n%s", txt)
	}
	// Late contact: done, marked late, no longer overdue.
	o = f.step(f.mgr, o.ID, app.StepInput{Kind: app.StepContacted, Detail: "电话联系"})
	if d, _ := f.entry(o.ID).Due(app.DueContact); d.Overdue || !d.Late {
		t.Fatalf("late contact: %+v", d)
	}
	// 4 Mar: finish due 5 Mar → due soon; 6 Mar → overdue.
	f.clk.Set(at(2026, 3, 4, 9))
	if d, _ := f.entry(o.ID).Due(app.DueFinish); !d.DueSoon {
		t.Fatalf("4 Mar: %+v", d)
	}
	f.clk.Set(at(2026, 3, 6, 9))
	if d, _ := f.entry(o.ID).Due(app.DueFinish); !d.Overdue {
		t.Fatalf("6 Mar: %+v", d)
	}
	if _, err := f.svc.Summary(f.ctx, f.a); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("clerk read the summary: %v", err)
	}
	if _, err := f.svc.Ledger(f.ctx, f.a, app.LedgerFilter{}); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("clerk read the ledger: %v", err)
	}
}

// Classification and reassignment: manager only, with a reason, recorded.
func TestLedgerAssign(t *testing.T) {
	f := newLedger(t, "shenzhen", at(2026, 3, 2, 10))
	o := f.bad(f.a, "I1", at(2026, 3, 2, 10), nil)
	_, err := f.svc.Assign(f.ctx, f.a, o.ID, app.AssignInput{Category: app.CatSystem, AssigneeID: f.a.ID, Reason: "x"})
	wantErr(t, err, "forbidden")
	_, err = f.svc.Assign(f.ctx, f.mgr, o.ID, app.AssignInput{Category: app.CatSystem, AssigneeID: f.b.ID, Reason: " "})
	wantErr(t, err, "need_reason")
	_, err = f.svc.Assign(f.ctx, f.mgr, o.ID, app.AssignInput{Category: app.CatSystem, AssigneeID: 999, Reason: "x"})
	wantErr(t, err, "bad_assignee")
	f.step(f.mgr, o.ID, app.StepInput{Kind: app.StepContacted, Detail: "电话联系"})
	o2, err := f.svc.Assign(f.ctx, f.mgr, o.ID, app.AssignInput{Category: app.CatSystem, AssigneeID: f.b.ID, Reason: "评价器故障导致"})
	if err != nil || o2.Category != app.CatSystem || o2.AssigneeID != f.b.ID || !o2.ContactDue.Equal(o.ContactDue) {
		t.Fatalf("%v %+v", err, o2)
	}
	_, err = f.svc.Assign(f.ctx, f.mgr, o.ID, app.AssignInput{Category: app.CatSystem, AssigneeID: f.b.ID, Reason: "again"})
	wantErr(t, err, "no_change")
	d, err := f.svc.OrderDetail(f.ctx, f.mgr, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Steps[len(d.Steps)-1]
	if last.Step != "assigned" || last.StaffName != "王主任" || last.Name != "分类指派" ||
		last.Detail != "分类：人员 → 系统；责任人：未指定 → 陈窗口；原因：评价器故障导致" {
		t.Fatalf("step %+v", last)
	}
	if d.AssigneeName != "陈窗口" || d.ClerkName != "李窗口" || d.ItemName != "户口迁移" {
		t.Errorf("names %+v", d.LedgerEntry)
	}
}

// Appeals: the rated clerk, once, within 3 working days, with evidence; the
// manager decides; a 误评 decision sets the verdict, the rating stays.
func TestLedgerAppeal(t *testing.T) {
	f := newLedger(t, "taian", at(2026, 4, 30, 15)) // before 劳动节: 1–5 May off, Sat 9 May worked
	o := f.bad(f.a, "I1", at(2026, 4, 30, 15), nil)
	if got := appealDue(t, f.svc, o).Format(day); got != "2026-05-08" { // 6, 7, 8 May
		t.Fatalf("appeal due %s", got)
	}
	_, err := f.svc.FileAppeal(f.ctx, f.b, o.ID, "不是我")
	wantErr(t, err, "not_yours")
	_, err = f.svc.FileAppeal(f.ctx, f.a, o.ID, "  ")
	wantErr(t, err, "need_evidence")
	_, err = f.svc.DecideAppeal(f.ctx, f.mgr, o.ID, app.VerdictMistaken, "x")
	wantErr(t, err, "no_appeal")

	f.clk.Set(at(2026, 5, 8, 17)) // the last day of the limit
	if _, err := f.svc.FileAppeal(f.ctx, f.a, o.ID, "评价器记录显示评价人误按，附监控截图"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.FileAppeal(f.ctx, f.a, o.ID, "再次申诉")
	wantErr(t, err, "appeal_exists")
	e := f.entry(o.ID)
	if !e.Appeal.Pending() || e.Appeal.Evidence != "评价器记录显示评价人误按，附监控截图" ||
		e.Appeal.ReviewDue.Format(day) != "2026-05-12" { // Sat 9, 11, 12 May
		t.Fatalf("appeal %+v", e.Appeal)
	}
	_, err = f.svc.DecideAppeal(f.ctx, f.a, o.ID, app.VerdictMistaken, "x")
	wantErr(t, err, "forbidden")
	_, err = f.svc.DecideAppeal(f.ctx, f.mgr, o.ID, app.VerdictMistaken, "")
	wantErr(t, err, "need_reason")
	f.clk.Set(at(2026, 5, 13, 9))
	if d, _ := f.entry(o.ID).Due(app.DueAppealReview); !d.Overdue {
		t.Fatalf("review not overdue: %+v", d)
	}
	o, err = f.svc.DecideAppeal(f.ctx, f.mgr, o.ID, app.VerdictMistaken, "调取评价器日志并联系评价人确认误按")
	if err != nil || o.Verdict != app.VerdictMistaken {
		t.Fatalf("%v %+v", err, o)
	}
	e = f.entry(o.ID)
	if e.Appeal.Pending() || e.Appeal.Verdict != app.VerdictMistaken || e.Appeal.Reason != "调取评价器日志并联系评价人确认误按" {
		t.Fatalf("decided appeal %+v", e.Appeal)
	}
	if d, _ := e.Due(app.DueAppealReview); d.Overdue || !d.Late {
		t.Fatalf("review %+v", d)
	}
	ev, err := f.st.Evaluation(f.ctx, o.EvaluationID)
	if err != nil || ev.Level != app.LevelBad {
		t.Fatalf("the rating changed: %v %+v", err, ev)
	}

	// Too late: after the third working day.
	o2 := f.bad(f.a, "I1", at(2026, 5, 11, 10), nil) // 12, 13, 14 May
	f.clk.Set(at(2026, 5, 15, 8))
	_, err = f.svc.FileAppeal(f.ctx, f.a, o2.ID, "证据")
	wantErr(t, err, "appeal_late")
}

// The clerk sees their own orders without the evaluator's name or phone.
func TestClerkViewHidesEvaluator(t *testing.T) {
	for _, field := range reflect.VisibleFields(reflect.TypeOf(app.ClerkOrder{})) {
		n := strings.ToLower(field.Name)
		if strings.Contains(n, "evaluator") || strings.Contains(n, "tel") || strings.Contains(n, "phone") || strings.Contains(n, "name") && field.Name != "ItemName" {
			t.Errorf("ClerkOrder has field %s", field.Name)
		}
	}
	f := newLedger(t, "shenzhen", at(2026, 3, 2, 10))
	o := f.bad(f.a, "I1", at(2026, 3, 2, 10), func(r *app.RateRequest) {
		r.EvaluatorName, r.EvaluatorTel = "赵小六", "13800138000"
		r.Text = "窗口态度差。我是赵小六，有事打13800138000或0538-8221234"
	})
	f.step(f.mgr, o.ID, app.StepInput{Kind: app.StepContacted, Detail: "电话13800138000联系赵小六，了解情况"})
	if _, err := f.svc.FileAppeal(f.ctx, f.a, o.ID, "当时评价人赵小六材料不全，已一次性告知"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DecideAppeal(f.ctx, f.mgr, o.ID, app.VerdictValid, "经与赵小六（13800138000）沟通，差评属实"); err != nil {
		t.Fatal(err)
	}
	mine, err := f.svc.MyOrders(f.ctx, f.a)
	if err != nil || len(mine) != 1 {
		t.Fatalf("%v %d", err, len(mine))
	}
	all := fmt.Sprintf("%+v %+v", mine, *mine[0].Appeal)
	for _, secret := range []string{"赵小六", "13800138000", "0538-8221234", "8221234"} {
		if strings.Contains(all, secret) {
			t.Errorf("the clerk's view shows %q: %s", secret, all)
		}
	}
	c := mine[0]
	if c.Level != app.LevelBad || c.ItemName != "户口迁移" || c.Verdict != app.VerdictValid || c.CanAppeal ||
		!strings.HasPrefix(c.Text, "窗口态度差") || len(c.Steps) != 3 || c.Steps[0].Name != "联系评价人" || c.Steps[0].Detail != "" {
		t.Errorf("view %+v", c)
	}
	// The manager's ledger shows the evaluator masked.
	e := f.entry(o.ID)
	if e.EvaluatorName != "赵**" || e.EvaluatorTel != "138****8000" {
		t.Errorf("manager view %q %q", e.EvaluatorName, e.EvaluatorTel)
	}
	if others, err := f.svc.MyOrders(f.ctx, f.b); err != nil || len(others) != 0 {
		t.Fatalf("another clerk sees %d orders (%v)", len(others), err)
	}
	if _, err := f.svc.OrderDetail(f.ctx, f.a, o.ID); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("a clerk opened the manager's detail: %v", err)
	}
}

// The whole loop for each verdict, then Service.Stats against hand-computed rates.
func TestLedgerLoopAndStats(t *testing.T) {
	f := newLedger(t, "national", at(2026, 3, 2, 9))
	ctx := f.ctx
	contact := app.StepInput{Kind: app.StepContacted, Detail: "电话联系评价人"}
	closeIt := app.StepInput{Kind: app.StepClosed, Detail: "结果已反馈"}

	// 1 valid: contact, verify, rectify, call back 满意, close.
	o1 := f.bad(f.a, "I1", at(2026, 3, 2, 10), nil)
	f.step(f.mgr, o1.ID, contact)
	f.step(f.mgr, o1.ID, app.StepInput{Kind: app.StepVerified, Verdict: app.VerdictValid, Detail: "监控属实"})
	f.step(f.mgr, o1.ID, app.StepInput{Kind: app.StepRectified, Detail: "批评教育"})
	f.step(f.mgr, o1.ID, app.StepInput{Kind: app.StepCalledBack, Callback: app.CallbackSatisfied})
	f.step(f.mgr, o1.ID, closeIt)
	// 2 误评: contact, verify, close.
	o2 := f.bad(f.a, "I1", at(2026, 3, 3, 10), nil)
	f.step(f.mgr, o2.ID, contact)
	f.step(f.mgr, o2.ID, app.StepInput{Kind: app.StepVerified, Verdict: app.VerdictMistaken, Detail: "评价人确认误按"})
	f.step(f.mgr, o2.ID, closeIt)
	// 3 恶意: contact, verify, close.
	o3 := f.bad(f.b, "I2", at(2026, 3, 4, 10), nil)
	f.step(f.mgr, o3.ID, contact)
	f.step(f.mgr, o3.ID, app.StepInput{Kind: app.StepVerified, Verdict: app.VerdictMalicious, Detail: "监控显示与服务无关"})
	f.step(f.mgr, o3.ID, closeIt)
	// 4 on the spot, then called back 不满意, closed (verdict pending: counts as valid).
	o4 := f.bad(f.b, "I2", at(2026, 3, 5, 10), nil)
	f.clk.Set(at(2026, 3, 5, 10).Add(20 * time.Minute))
	o4, err := f.svc.RecordOnSite(ctx, f.b, o4.ID, app.OnSiteInput{Problem: "等候时间长", Action: "引导至空闲窗口即时办理",
		Response: "表示理解", ReRated: true})
	if err != nil || !o4.OnSite || o4.RepliedAt.IsZero() || o4.RectifiedAt.IsZero() || o4.State != app.OrderRectified {
		t.Fatalf("on-site: %v %+v", err, o4)
	}
	_, err = f.svc.RecordOnSite(ctx, f.b, o4.ID, app.OnSiteInput{Problem: "x", Action: "y", Response: "z"})
	wantErr(t, err, "already_rectified")
	f.step(f.mgr, o4.ID, app.StepInput{Kind: app.StepCalledBack, Callback: app.CallbackNotSatisfied})
	f.step(f.mgr, o4.ID, closeIt)
	// 5 appeal decided 误评, closed.
	o5 := f.bad(f.a, "I1", at(2026, 3, 6, 10), nil)
	if _, err := f.svc.FileAppeal(ctx, f.a, o5.ID, "监控显示评价人误按"); err != nil {
		t.Fatal(err)
	}
	f.step(f.mgr, o5.ID, contact)
	if _, err := f.svc.DecideAppeal(ctx, f.mgr, o5.ID, app.VerdictMistaken, "核实为误评"); err != nil {
		t.Fatal(err)
	}
	f.step(f.mgr, o5.ID, closeIt)
	// 6 rectified and called back 基本满意, still open.
	o6 := f.bad(f.b, "I3", at(2026, 3, 9, 10), nil)
	f.step(f.mgr, o6.ID, contact)
	f.step(f.mgr, o6.ID, app.StepInput{Kind: app.StepRectified, Detail: "修订告知单"})
	f.step(f.mgr, o6.ID, app.StepInput{Kind: app.StepCalledBack, Callback: app.CallbackBasic})
	// 7 untouched.
	f.bad(f.a, "I3", at(2026, 3, 10, 10), nil)
	// and three good ratings.
	for d := 11; d <= 13; d++ {
		f.good(f.a, at(2026, 3, d, 10))
	}

	d4, err := f.svc.OrderDetail(ctx, f.mgr, o4.ID)
	if err != nil || len(d4.OnSite) != 1 || d4.OnSite[0].Problem != "等候时间长" || !d4.OnSite[0].ReRated ||
		d4.OnSite[0].StaffID != f.b.ID || d4.Steps[0].Name != "现场化解" {
		t.Fatalf("on-site detail: %v %+v", err, d4)
	}

	f.clk.Set(at(2026, 3, 20, 9))
	rep, err := f.svc.Stats(ctx, at(2026, 3, 1, 0), at(2026, 4, 1, 0), app.ByNone)
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Metrics
	// 7 差评件, 6 replied (all but 7) → 差评回复率 6/7.
	// Valid (incl. pending): 1, 4, 6, 7 → 4; rectified and called back: 1, 4, 6 → 差评回访整改率 3/4.
	// Satisfied (满意, 基本满意 under national): 1, 6 → 差评回访整改满意率 2/3.
	if m.BadOrders != 7 || m.Replied != 6 || m.ValidBadOrders != 4 || m.Rectified != 3 || m.RectifySatisfied != 2 || m.OnSite != 1 {
		t.Fatalf("counts %+v", m.Counts)
	}
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{{"差评回复率", m.BadReplyRate, 6.0 / 7}, {"差评回访整改率", m.BadRectifyRate, 3.0 / 4},
		{"差评回访整改满意率", m.BadRectifySatisfiedRate, 2.0 / 3},
		// 10 ratings, 4 valid bad → 好评率 6/10; 未评率 (0 + 3 invalid)/10.
		{"好评率", m.GoodRate, 6.0 / 10}, {"未评率", m.UnratedRate, 3.0 / 10}} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// The ledger: open orders 6 and 7; 7 is overdue on contact.
	open, err := f.svc.Ledger(ctx, f.mgr, app.LedgerFilter{OpenOnly: true})
	if err != nil || len(open) != 2 || !open[0].Overdue || open[0].Order.State != app.OrderOpen {
		t.Fatalf("open ledger %v %+v", err, open)
	}
	closed, _ := f.svc.Ledger(ctx, f.mgr, app.LedgerFilter{State: app.OrderClosed})
	if len(closed) != 5 {
		t.Fatalf("closed %d", len(closed))
	}
}

// Watch lists from constructed histories (SZ 26, SZ 27, GB/T 39735 8.2.2).
func TestWatchLists(t *testing.T) {
	now := at(2026, 6, 30, 17)
	f := newLedger(t, "shenzhen", now)
	c := f.staff("0103", "周窗口", app.RoleClerk)
	d := f.staff("0104", "吴窗口", app.RoleClerk)
	valid := func(o app.WorkOrder) {
		f.step(f.mgr, o.ID, app.StepInput{Kind: app.StepVerified, Verdict: app.VerdictValid, Detail: "属实"})
	}
	// Clerk a: three valid within a week (1, 3, 5 Jun), item I1.
	for _, dd := range []int{1, 3, 5} {
		valid(f.bad(f.a, "I1", at(2026, 6, dd, 10), nil))
	}
	// Clerk b: three valid in the year, months apart, item I2; a fourth before the year.
	valid(f.bad(f.b, "I2", at(2025, 5, 20, 10), nil))
	for _, t := range []time.Time{at(2025, 9, 10, 10), at(2026, 1, 15, 10), at(2026, 5, 20, 10)} {
		valid(f.bad(f.b, "I2", t, nil))
	}
	// Clerk c: two valid and one pending within three days, item I3.
	valid(f.bad(c, "I3", at(2026, 6, 10, 10), nil))
	valid(f.bad(c, "I3", at(2026, 6, 11, 10), nil))
	f.bad(c, "I3", at(2026, 6, 12, 10), nil)
	// Clerk d: five malicious verdicts, three from one phone, item I4.
	for i, tel := range []string{"13900000001", "13900000002", "13900000001", "13900000002", "13900000001"} {
		o := f.bad(d, "I4", at(2026, time.Month(2+i), 3, 10), func(r *app.RateRequest) {
			r.EvaluatorName, r.EvaluatorTel = "钱某某", tel
		})
		f.step(f.mgr, o.ID, app.StepInput{Kind: app.StepVerified, Verdict: app.VerdictMalicious, Detail: "监控显示故意差评"})
	}
	f.clk.Set(now)
	if _, err := f.svc.Watch(f.ctx, f.a); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("a clerk read the watch lists: %v", err)
	}
	w, err := f.svc.Watch(f.ctx, f.mgr)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Clerks) != 2 {
		t.Fatalf("clerks %+v", w.Clerks)
	}
	ca, cb := w.Clerks[0], w.Clerks[1]
	if ca.StaffID != f.a.ID || ca.YearCount != 3 || ca.WeekCount != 3 || ca.Reason != "一年内有效差评3次，一周内有效差评3次（2026-06-01 至 06-05）" {
		t.Errorf("clerk a %+v", ca)
	}
	if cb.StaffID != f.b.ID || cb.YearCount != 3 || cb.WeekCount != 1 || cb.Reason != "一年内有效差评3次" || cb.No != "0102" {
		t.Errorf("clerk b %+v", cb)
	}
	if len(w.Evaluators) != 1 || w.Evaluators[0].Count != 3 || w.Evaluators[0].Tel != "139****0001" || w.Evaluators[0].Name != "钱**" {
		t.Errorf("evaluators %+v", w.Evaluators)
	}
	// I1 (3 in 5 days) and I3 (3 in 3 days, pending counts) burst; I2 is spread out, I4's are invalid.
	if len(w.Items) != 2 || w.Items[0].ItemCode != "I1" || w.Items[1].ItemCode != "I3" || w.Items[1].Count != 3 ||
		w.Items[0].ItemName != "户口迁移" || len(w.Items[0].OrderIDs) != 3 {
		t.Errorf("items %+v", w.Items)
	}
}

// appealDue is the order's appeal limit counted from its creation: the
// clerk notified at once where the profile counts from the notification.
func appealDue(t *testing.T, svc *app.Service, o app.WorkOrder) time.Time {
	t.Helper()
	due, ok := svc.AppealDue(o, []app.OrderStep{{OrderID: o.ID, At: o.CreatedAt, Step: string(app.StepNotified)}})
	if !ok {
		t.Fatalf("appeal limit not started for order %d", o.ID)
	}
	return due
}

// The ledger's filter options carry names, never the staff's PIN hashes,
// and only a manager reads them.
func TestLedgerChoicesWithoutSecrets(t *testing.T) {
	f := newLedger(t, "national", at(2026, 6, 30, 17))
	if _, err := f.svc.LedgerChoices(f.ctx, f.a); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("a clerk read the choices: %v", err)
	}
	if _, err := f.st.AddStaff(f.ctx, app.Staff{No: "0105", Name: "郑窗口", Role: app.RoleClerk, Active: true,
		PINHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA"}); err != nil {
		t.Fatal(err)
	}
	raw, err := f.st.AllStaff(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	hashed := 0
	for _, s := range raw {
		if s.PINHash != "" {
			hashed++
		}
	}
	if hashed == 0 {
		t.Fatal("no staff with a PIN in the fixture: the test would prove nothing")
	}
	c, err := f.svc.LedgerChoices(f.ctx, f.mgr)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Staff) < 3 || len(c.Items) == 0 {
		t.Fatalf("choices %+v", c)
	}
	for _, s := range c.Staff {
		if s.PINHash != "" || s.No == "" || s.Name == "" {
			t.Errorf("staff choice %+v", s)
		}
	}
}
