package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/internal/testcentre"
	"bianmin/storage"
)

// loginRig is a centre on a real database file with its first manager.
type loginRig struct {
	ctx     context.Context
	db      *storage.DB
	clk     *app.FakeClock
	svc     *app.Service
	manager *app.Staff
}

func newLoginRig(t *testing.T) *loginRig {
	t.Helper()
	c := testcentre.New(t, "示范镇便民服务中心", time.Date(2025, 3, 3, 9, 0, 0, 0, app.ChinaTime))
	return &loginRig{ctx: context.Background(), db: c.DB, clk: c.Clock, svc: c.Svc, manager: &c.Manager}
}

// Five wrong PINs in a row, then a wait that doubles with every further
// failure; during it even the right PIN is refused unchecked. The count is
// in the database (it survives a restart), every attempt is audited, and
// the manager sees who failed.
func TestLoginAttemptsLimited(t *testing.T) {
	r := newLoginRig(t)
	if err := r.db.SaveCentre(r.ctx, app.Centre{Name: "示范镇便民服务中心", AreaCode: "370911105000", Profile: "national"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.AddStaff(r.ctx, r.manager, app.Staff{No: "0103", Name: "刘洋", Role: app.RoleClerk}, "246810"); err != nil {
		t.Fatal(err)
	}
	fail := func(no, pin, wantCode, wantMsg string) {
		t.Helper()
		_, err := r.svc.Login(r.ctx, no, pin)
		if string(app.ErrorCode(err)) != wantCode || !strings.Contains(app.UserMessage(err), wantMsg) {
			t.Fatalf("login %s/%s: %v (%q), want %s mentioning %q", no, pin, err, app.UserMessage(err), wantCode, wantMsg)
		}
	}
	for i := 1; i <= 3; i++ {
		fail("0103", "000000", "bad_login", "工号或密码错误")
		r.clk.Advance(time.Second)
	}
	fail("0103", "000000", "bad_login", "再错1次将暂停登录")
	fail("0103", "000000", "bad_login", "请30秒后再试")
	fail("0103", "246810", "login_locked", "连续输错5次")

	// The program restarts: the wait still holds.
	path := r.db.Path()
	r.db.Close()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := app.NewService(db, r.clk, r.svc.Profile, app.NewCalendar(), nil)
	r.clk.Advance(20 * time.Second)
	_, err = svc.Login(r.ctx, "0103", "246810")
	if app.ErrorCode(err) != "login_locked" || !strings.Contains(app.UserMessage(err), "秒后再试") {
		t.Fatalf("after a restart within the wait: %v", err)
	}
	// After the wait one more try; another failure doubles the wait.
	r.clk.Advance(11 * time.Second)
	if _, err := svc.Login(r.ctx, "0103", "111111"); !strings.Contains(app.UserMessage(err), "1分钟后再试") {
		t.Fatalf("sixth failure: %v", err)
	}
	r.clk.Advance(59 * time.Second)
	if _, err := svc.Login(r.ctx, "0103", "246810"); app.ErrorCode(err) != "login_locked" {
		t.Fatalf("within the doubled wait: %v", err)
	}
	// A 工号 nobody has is limited the same way (the answers do not tell).
	for range 5 {
		_, _ = svc.Login(r.ctx, "9999", "123456")
	}
	if _, err := svc.Login(r.ctx, "9999", "123456"); app.ErrorCode(err) != "login_locked" {
		t.Fatalf("unknown 工号 not limited: %v", err)
	}

	// The manager sees both; a clerk may not look.
	if _, err := svc.FailedLogins(r.ctx, &app.Staff{ID: 2, Role: app.RoleClerk}); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("clerk read failed logins: %v", err)
	}
	fails, err := svc.FailedLogins(r.ctx, r.manager)
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 2 || fails[0].No != "9999" || fails[0].Name != "" || fails[1].No != "0103" || fails[1].Name != "刘洋" ||
		fails[1].Count != 6 || fails[1].Blocked != 3 || fails[1].Until.IsZero() {
		t.Fatalf("failed logins %+v", fails)
	}
	dash, err := svc.Dashboard(r.ctx)
	if err != nil || len(dash.FailedLogins) != 2 {
		t.Fatalf("dashboard failed logins %+v %v", dash, err)
	}

	// After the wait the right PIN works and the count starts again.
	r.clk.Advance(2 * time.Second)
	if _, err := svc.Login(r.ctx, "0103", "246810"); err != nil {
		t.Fatalf("login after the wait: %v", err)
	}
	fails, _ = svc.FailedLogins(r.ctx, r.manager)
	if len(fails) != 1 || fails[0].No != "9999" {
		t.Fatalf("after a good login %+v", fails)
	}
	if _, err := svc.Login(r.ctx, "0103", "000000"); app.UserMessage(err) != "工号或密码错误" {
		t.Fatalf("first failure after a good login: %v", err)
	}

	// Every attempt is in the audit log, with the 工号 typed.
	log, err := db.AuditLog(r.ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range log {
		if a.Detail == "0103" {
			count[a.Action]++
		}
	}
	if count[app.AuditLoginFailed] != 7 || count[app.AuditLoginBlocked] != 3 || count[app.AuditLogin] != 1 {
		t.Fatalf("audit of 0103: %v", count)
	}
}
