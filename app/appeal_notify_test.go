package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
)

// SZ 25: 被评价人可在收到通知3个工作日内申诉. On the Shenzhen profile the
// appeal window starts when the clerk's notification is recorded, not when
// the order opened; the notification withholds the evaluator; on the national
// profile nothing changes. Real SQLite.
func TestAppealCountsFromNotification(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		profile  string
		lateOK   bool // an appeal 6 working days after the order, 2 after the notification
		notified bool
	}{{"shenzhen", true, true}, {"national", false, true}} {
		t.Run(c.profile, func(t *testing.T) {
			db, err := storage.Open(filepath.Join(t.TempDir(), "c.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			p, err := app.LoadProfile(c.profile, "")
			if err != nil {
				t.Fatal(err)
			}
			mon := time.Date(2026, 11, 2, 10, 0, 0, 0, app.ChinaTime) // a Monday
			clk := app.NewFakeClock(mon)
			svc := app.NewService(db, clk, p, app.NewCalendar(), nil)
			if err := db.SaveCentre(ctx, app.Centre{Name: "测试镇便民服务中心", AreaCode: "370911105000", Profile: c.profile}); err != nil {
				t.Fatal(err)
			}
			m, err := svc.BootstrapManager(ctx, app.Staff{No: "0001", Name: "王主任"}, "123456")
			if err != nil {
				t.Fatal(err)
			}
			mgr := &m
			cl, err := svc.AddStaff(ctx, mgr, app.Staff{No: "0101", Name: "李窗口", Role: app.RoleClerk}, "123456")
			if err != nil {
				t.Fatal(err)
			}
			clerk := &cl
			if err := db.SaveItem(ctx, app.ServiceItem{Code: "I1", Name: "户口迁移", Active: true}); err != nil {
				t.Fatal(err)
			}
			tx, err := db.AddTransaction(ctx, app.Transaction{ItemCode: "I1", ClerkID: clerk.ID, Status: app.TxCompleted,
				Visits: 1, BatchCount: 1, CreatedAt: mon.Add(-10 * time.Minute), CompletedAt: mon, Serial: "S0001"})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelBad, Channel: app.ChannelKeypad,
				Tags: []string{"态度不好"}, EvaluatorName: "钱某某", EvaluatorTel: "13900000001"})
			if err != nil {
				t.Fatal(err)
			}
			orders, err := db.WorkOrders(ctx, app.OrderFilter{EvaluationID: rows[0].ID})
			if err != nil || len(orders) != 1 {
				t.Fatalf("orders %v %v", orders, err)
			}
			id := orders[0].ID

			// The notice may not name the evaluator.
			clk.Set(mon.AddDate(0, 0, 3)) // Thursday
			_, err = svc.RecordStep(ctx, mgr, id, app.StepInput{Kind: app.StepNotified, Detail: "已告知，评价人钱某某 13900000001"})
			if app.ErrorCode(err) != "evaluator_in_notice" {
				t.Fatalf("a notice naming the evaluator: %v", err)
			}
			if _, err := svc.RecordStep(ctx, clerk, id, app.StepInput{Kind: app.StepNotified, Detail: "已告知"}); app.ErrorCode(err) != "forbidden" {
				t.Errorf("a clerk recorded the notice: %v", err)
			}
			if _, err := svc.RecordStep(ctx, mgr, id, app.StepInput{Kind: app.StepNotified,
				Detail: "当面告知差评内容（态度不好），说明可在3个工作日内申诉"}); err != nil {
				t.Fatal(err)
			}
			mine, err := svc.MyOrders(ctx, clerk)
			if err != nil || len(mine) != 1 {
				t.Fatalf("my orders %v %v", mine, err)
			}
			// Shenzhen: Thu + 3 working days = Tue 10 Nov; national: Mon + 3 = Thu 5 Nov.
			want := "2026-11-05"
			if c.profile == "shenzhen" {
				want = "2026-11-10"
			}
			if got := mine[0].AppealDue.Format("2006-01-02"); got != want {
				t.Errorf("appeal due %s, want %s", got, want)
			}
			clk.Set(time.Date(2026, 11, 9, 9, 0, 0, 0, app.ChinaTime)) // Monday after
			_, err = svc.FileAppeal(ctx, clerk, id, "当时在解释政策，并非态度不好，有监控为证")
			if c.lateOK && err != nil {
				t.Errorf("appeal within 3 working days of the notice refused: %v", err)
			}
			if !c.lateOK && app.ErrorCode(err) != "appeal_late" {
				t.Errorf("appeal 5 working days after the order: %v", err)
			}
			d, err := svc.OrderDetail(ctx, mgr, id)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, st := range d.Steps {
				names = append(names, st.Name)
			}
			if !strings.Contains(strings.Join(names, ","), "通知被评价人") {
				t.Errorf("steps %q", names)
			}
		})
	}
}
