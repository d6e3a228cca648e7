package storage

import (
	"testing"
	"time"

	"bianmin/app"
)

// A 现场化解 lands in onsite_resolutions with the order's new state, its step
// and one outbox row, all in one transaction, and reads back through app.
func TestRecordOnSite(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	clk := app.NewFakeClock(t0)
	d.SetClock(clk)
	p, err := app.LoadProfile("national", "")
	mustf(t, err, "profile")
	svc := app.NewService(d, clk, p, app.NewCalendar(), nil)
	tx := finishedTx(t, d, f, t0)
	_, err = svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelVeryBad, Channel: app.ChannelKeypad,
		Tags: []string{"等候时间长"}, EvaluatorName: "赵六", EvaluatorTel: "13800138000"})
	mustf(t, err, "rate")
	orders, err := d.WorkOrders(ctx, app.OrderFilter{})
	mustf(t, err, "orders")
	o := orders[0]
	outboxBefore := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'workorder'`)

	clk.Set(t0.Add(30 * time.Minute))
	clerk := &app.Staff{ID: f.clerk1, Role: app.RoleClerk, Active: true}
	settled := t0.Add(15 * time.Minute)
	got, err := svc.RecordOnSite(ctx, clerk, o.ID, app.OnSiteInput{Problem: "等候时间长", Action: "开放临时窗口即时办理",
		Response: "群众表示满意", ReRated: true, At: settled})
	mustf(t, err, "record on-site")
	stored, err := d.WorkOrder(ctx, o.ID)
	mustf(t, err, "reload")
	if !stored.OnSite || stored.State != app.OrderRectified || !stored.RepliedAt.Equal(settled) ||
		!stored.RectifiedAt.Equal(settled) || !got.RectifiedAt.Equal(settled) {
		t.Fatalf("order %+v", stored)
	}
	rs, err := d.OnSiteResolutions(ctx, o.ID)
	mustf(t, err, "resolutions")
	if len(rs) != 1 || rs[0].ID == 0 || rs[0].Problem != "等候时间长" || rs[0].Action != "开放临时窗口即时办理" ||
		rs[0].StaffID != f.clerk1 || rs[0].Response != "群众表示满意" || !rs[0].ReRated || !rs[0].At.Equal(settled) {
		t.Fatalf("resolutions %+v", rs)
	}
	steps, err := d.OrderSteps(ctx, o.ID)
	mustf(t, err, "steps")
	if len(steps) != 1 || steps[0].Step != "onsite" || steps[0].StaffID != f.clerk1 {
		t.Fatalf("steps %+v", steps)
	}
	if n := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'workorder'`); n != outboxBefore+1 {
		t.Fatalf("outbox rows %d, want %d", n, outboxBefore+1)
	}
	// The call-back is due 5 working days after the resolution (Mon 3 Mar 2025 → Mon 10 Mar).
	mgr := &app.Staff{ID: f.manager, Role: app.RoleManager, Active: true}
	det, err := svc.OrderDetail(ctx, mgr, o.ID)
	mustf(t, err, "detail")
	if due, ok := det.Due(app.DueCallback); !ok || due.Due.Format("2006-01-02") != "2025-03-10" || len(det.OnSite) != 1 {
		t.Fatalf("detail %+v", det)
	}
	// A missing order is refused and leaves nothing behind.
	_, err = d.RecordOnSite(ctx, app.WorkOrder{ID: 999, State: app.OrderRectified}, app.OrderStep{Step: "onsite"},
		app.OnSiteResolution{Problem: "x", Action: "y", Response: "z"})
	if err == nil || count(t, d, `SELECT count(*) FROM onsite_resolutions`) != 1 {
		t.Fatalf("missing order: %v", err)
	}
	noProblems(t, d)
}
