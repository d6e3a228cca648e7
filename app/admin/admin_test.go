package admin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/queue"
	"bianmin/internal/testcentre"
	"bianmin/storage"
)

// hallT0 is a Monday morning of the queue tests.
var hallT0 = time.Date(2025, 3, 3, 9, 0, 0, 0, app.ChinaTime)

// The manager's setup on a real database file.

type adminRig struct {
	t       *testing.T
	ctx     context.Context
	db      *storage.DB
	clk     *app.FakeClock
	svc     *app.Service
	q       *queue.Queue
	adm     *admin.Admin
	manager *app.Staff
}

func newAdminRig(t *testing.T) *adminRig {
	t.Helper()
	c := testcentre.New(t, "示范镇便民服务中心", hallT0)
	r := &adminRig{t: t, ctx: context.Background(), db: c.DB, clk: c.Clock, svc: c.Svc, manager: &c.Manager}
	r.q = queue.New(c.DB, c.Clock, nil)
	r.adm = admin.New(r.svc, r.db, r.q)
	return r
}

func (r *adminRig) window(n int, kind string) app.Window {
	r.t.Helper()
	w, err := r.adm.AddWindow(r.ctx, r.manager, app.Window{Number: n, Name: kind + "窗口", Kind: kind})
	if err != nil {
		r.t.Fatal(err)
	}
	return w
}

func (r *adminRig) staff(no, name string, role app.Role) app.Staff {
	r.t.Helper()
	s, err := r.adm.AddStaff(r.ctx, r.manager, app.Staff{No: no, Name: name, Role: role}, "2468")
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

func (r *adminRig) audit() []string {
	r.t.Helper()
	log, err := r.db.AuditLog(r.ctx, hallT0.Add(-time.Hour), hallT0.Add(time.Hour))
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for i, a := range log {
		if i > 0 && a.Action != "login" { // [0] is the bootstrap manager's
			out = append(out, a.Action+" "+a.Detail)
		}
	}
	return out
}

func wantRefusal(t *testing.T, err error, code app.Code) {
	t.Helper()
	if app.ErrorCode(err) != code {
		t.Fatalf("err = %v, want refusal %q", err, code)
	}
	if msg := app.UserMessage(err); msg == "" || strings.ContainsAny(msg[:1], "abcdefghijklmnopqrstuvwxyz") {
		t.Errorf("refusal %q has no Chinese message: %q", code, msg)
	}
}

func TestAdminManagerOnly(t *testing.T) {
	r := newAdminRig(t)
	w := r.window(1, app.WindowGeneral)
	clerk := r.staff("1001", "张三", app.RoleClerk)
	ctx := r.ctx
	for name, err := range map[string]error{
		"nil actor": func() error {
			_, err := r.adm.AddWindow(ctx, nil, app.Window{Number: 2, Name: "x", Kind: app.WindowGeneral})
			return err
		}(),
		"config": func() error { _, err := r.adm.CentreConfig(ctx, &clerk); return err }(),
		"add window": func() error {
			_, err := r.adm.AddWindow(ctx, &clerk, app.Window{Number: 2, Name: "x", Kind: app.WindowGeneral})
			return err
		}(),
		"edit window": func() error { w2 := w; w2.Name = "改"; _, err := r.adm.UpdateWindow(ctx, &clerk, w2); return err }(),
		"deactivate":  r.adm.SetWindowActive(ctx, &clerk, w.ID, false),
		"add staff": func() error {
			_, err := r.adm.AddStaff(ctx, &clerk, app.Staff{No: "1002", Name: "李四", Role: app.RoleClerk}, "1234")
			return err
		}(),
		"edit staff": func() error {
			c := clerk
			c.Role = app.RoleManager
			_, err := r.adm.UpdateStaff(ctx, &clerk, c)
			return err
		}(),
		"reset pin":  r.adm.ResetPIN(ctx, &clerk, r.manager.ID, "9999"),
		"stop staff": r.adm.SetStaffActive(ctx, &clerk, r.manager.ID, false),
		"posts":      r.adm.SetPosts(ctx, &clerk, w.ID, clerk.ID, 0),
		"add category": func() error {
			_, err := r.adm.AddCategory(ctx, &clerk, app.QueueCategory{Prefix: "A", Name: "综合", Windows: []int64{w.ID}})
			return err
		}(),
		"settings": r.adm.SaveQueueSettings(ctx, &clerk, app.QueueSettings{PriorityRatio: 4, Repeat: 1}),
		"read settings": func() error {
			_, err := r.adm.QueueSettings(ctx, &clerk)
			return err
		}(),
	} {
		if app.ErrorCode(err) != "forbidden" || !errors.Is(err, app.ErrForbidden) {
			t.Errorf("%s by a clerk: err = %v, want forbidden", name, err)
		}
	}
	// A clerk forging the manager role in their session is still refused:
	// the stored record decides.
	forged := clerk
	forged.Role = app.RoleManager
	if _, err := r.adm.AddWindow(ctx, &forged, app.Window{Number: 2, Name: "x", Kind: app.WindowGeneral}); app.ErrorCode(err) != "forbidden" {
		t.Errorf("forged session: err = %v", err)
	}
	if _, err := r.adm.AddStaff(ctx, &forged, app.Staff{No: "1003", Name: "王五", Role: app.RoleManager}, "1234"); app.ErrorCode(err) != "forbidden" {
		t.Errorf("forged session added staff: err = %v", err)
	}
	cfg, err := r.adm.CentreConfig(ctx, r.manager)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Windows) != 1 || len(cfg.Staff) != 2 || len(cfg.Posts) != 0 || len(cfg.Categories) != 0 {
		t.Errorf("nothing may have changed: %+v", cfg)
	}
	for _, s := range cfg.Staff {
		if s.PINHash != "" {
			t.Errorf("config carries the PIN hash of %s", s.No)
		}
	}
	if s, _ := r.adm.QueueSettings(ctx, r.manager); s.PriorityRatio != queue.DefaultPriorityRatio {
		t.Errorf("settings changed by a clerk: %+v", s)
	}
}

func TestAdminWindows(t *testing.T) {
	r := newAdminRig(t)
	ctx := r.ctx
	w1 := r.window(1, app.WindowGeneral)
	w2 := r.window(2, app.WindowDelivery)

	_, err := r.adm.AddWindow(ctx, r.manager, app.Window{Number: 1, Name: "第二个一号", Kind: app.WindowGeneral})
	wantRefusal(t, err, "duplicate_window")
	_, err = r.adm.AddWindow(ctx, r.manager, app.Window{Number: 3, Name: "  ", Kind: app.WindowGeneral})
	wantRefusal(t, err, "bad_window")
	_, err = r.adm.AddWindow(ctx, r.manager, app.Window{Number: 0, Name: "零号", Kind: app.WindowGeneral})
	wantRefusal(t, err, "bad_window")
	_, err = r.adm.AddWindow(ctx, r.manager, app.Window{Number: 3, Name: "社保窗口", Kind: "社保"})
	wantRefusal(t, err, "bad_window")

	// Edit: number 1 is taken; 5 is free. Kind and name change.
	e := w2
	e.Number = 1
	_, err = r.adm.UpdateWindow(ctx, r.manager, e)
	wantRefusal(t, err, "duplicate_window")
	e.Number, e.Name, e.Kind = 5, " 惠企政策窗口 ", app.WindowBusiness
	got, err := r.adm.UpdateWindow(ctx, r.manager, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "惠企政策窗口" || !got.Active {
		t.Errorf("edited window = %+v", got)
	}

	// A category served only by window 1 keeps it from being deactivated.
	if _, err := r.adm.AddCategory(ctx, r.manager, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{w1.ID}}); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, r.adm.SetWindowActive(ctx, r.manager, w1.ID, false), "window_needed")
	cat, _ := r.q.Categories(ctx)
	if _, err := r.adm.UpdateCategory(ctx, r.manager, app.QueueCategory{ID: cat[0].ID, Prefix: "A", Name: "综合受理",
		Windows: []int64{w1.ID, w2.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := r.adm.SetWindowActive(ctx, r.manager, w1.ID, false); err != nil {
		t.Fatal(err)
	}
	// Its number is free again; reactivating the old one is then refused.
	r.window(1, app.WindowCross)
	wantRefusal(t, r.adm.SetWindowActive(ctx, r.manager, w1.ID, true), "duplicate_window")
	// Editing keeps a deactivated window deactivated.
	e1 := w1
	e1.Number, e1.Active = 9, true
	if got, err := r.adm.UpdateWindow(ctx, r.manager, e1); err != nil || got.Active {
		t.Fatalf("edit inactive window: %+v, %v", got, err)
	}
	if err := r.adm.SetWindowActive(ctx, r.manager, w1.ID, true); err != nil {
		t.Fatal(err)
	}
	// Windows 1 (new), 5 and 9 are active.
	wins, _ := r.db.Windows(ctx)
	var nums []int
	for _, w := range wins {
		if w.Active {
			nums = append(nums, w.Number)
		}
	}
	if !slices.Equal(nums, []int{1, 5, 9}) {
		t.Errorf("active windows = %v", nums)
	}
	want := []string{
		"add_window 1号窗口 综合受理窗口（综合受理）",
		"add_window 2号窗口 综合出件窗口（综合出件）",
		"edit_window 2号窗口 综合出件窗口（综合出件） → 5号窗口 惠企政策窗口（惠企政策）",
		"add_category A 综合受理 窗口 1",
		"edit_category A 综合受理 窗口 1 → A 综合受理 窗口 1、5",
		"deactivate_window 1号窗口 综合受理窗口",
		"add_window 1号窗口 跨域通办窗口（跨域通办）",
		"edit_window 1号窗口 综合受理窗口（综合受理） → 9号窗口 综合受理窗口（综合受理）",
		"activate_window 9号窗口 综合受理窗口",
	}
	if got := r.audit(); !slices.Equal(got, want) {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A window stored before the JZ 4.2.3 names (专窗) keeps its kind when only its name is edited.
func TestAdminWindowLegacyKind(t *testing.T) {
	r := newAdminRig(t)
	id, err := r.db.AddWindow(r.ctx, app.Window{Number: 4, Name: "社保医保专窗", Kind: "专窗", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.adm.UpdateWindow(r.ctx, r.manager, app.Window{ID: id, Number: 4, Name: "社保专窗", Kind: "专窗"}); err != nil {
		t.Fatal(err)
	}
	_, err = r.adm.UpdateWindow(r.ctx, r.manager, app.Window{ID: id, Number: 4, Name: "社保专窗", Kind: "别的"})
	wantRefusal(t, err, "bad_window")
}

func TestAdminStaff(t *testing.T) {
	r := newAdminRig(t)
	ctx := r.ctx
	clerk := r.staff("1001", "张三", app.RoleClerk)

	_, err := r.adm.AddStaff(ctx, r.manager, app.Staff{No: " 1001 ", Name: "另一个张三", Role: app.RoleClerk}, "1234")
	wantRefusal(t, err, "duplicate_staff")
	_, err = r.adm.AddStaff(ctx, r.manager, app.Staff{No: "1002", Name: "李四", Role: app.RoleClerk}, "12a4")
	wantRefusal(t, err, "bad_pin")
	_, err = r.adm.AddStaff(ctx, r.manager, app.Staff{No: "1002", Name: "", Role: app.RoleClerk}, "1234")
	wantRefusal(t, err, "bad_staff")

	// The last manager: not deactivated, not demoted, not by themself.
	wantRefusal(t, r.adm.SetStaffActive(ctx, r.manager, r.manager.ID, false), "self_deactivate")
	me := *r.manager
	me.Role = app.RoleClerk
	_, err = r.adm.UpdateStaff(ctx, r.manager, me)
	wantRefusal(t, err, "self_role")

	second := r.staff("0002", "赵副主任", app.RoleManager)
	// With two managers, one may deactivate the other.
	if err := r.adm.SetStaffActive(ctx, r.manager, second.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Login(ctx, "0002", "2468"); app.ErrorCode(err) != "bad_login" {
		t.Errorf("deactivated staff signed in: %v", err)
	}
	// The deactivated manager's old session is refused too.
	if _, err := r.adm.AddWindow(ctx, &second, app.Window{Number: 1, Name: "x", Kind: app.WindowGeneral}); app.ErrorCode(err) != "forbidden" {
		t.Errorf("deactivated manager's session: %v", err)
	}
	if err := r.adm.SetStaffActive(ctx, r.manager, second.ID, true); err != nil {
		t.Fatal(err)
	}
	// The second deactivates the first and is then the last manager: they
	// can neither deactivate themself nor become a clerk.
	if err := r.adm.SetStaffActive(ctx, &second, r.manager.ID, false); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, r.adm.SetStaffActive(ctx, &second, second.ID, false), "self_deactivate")
	s2 := second
	s2.Role = app.RoleClerk
	_, err = r.adm.UpdateStaff(ctx, &second, s2)
	wantRefusal(t, err, "self_role")

	// Edit name and role of a clerk; the 工号 stays.
	c := clerk
	c.No, c.Name, c.Role = "9999", " 张三丰 ", app.RoleManager
	got, err := r.adm.UpdateStaff(ctx, &second, c)
	if err != nil {
		t.Fatal(err)
	}
	if got.No != "1001" || got.Name != "张三丰" || got.Role != app.RoleManager || got.PINHash != "" {
		t.Errorf("edited staff = %+v", got)
	}
	// Two managers again: the second may be demoted by the new one.
	s2.Role = app.RoleClerk
	if _, err := r.adm.UpdateStaff(ctx, &got, s2); err != nil {
		t.Fatal(err)
	}
	// The demoted one can no longer change the setup.
	wantRefusal(t, r.adm.SetStaffActive(ctx, &second, got.ID, false), "forbidden")

	// Reset PIN: rules of AddStaff; the old PIN stops working.
	wantRefusal(t, r.adm.ResetPIN(ctx, &got, clerk.ID, "12"), "bad_pin")
	if err := r.adm.ResetPIN(ctx, &got, clerk.ID, "8642"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Login(ctx, "1001", "2468"); app.ErrorCode(err) != "bad_login" {
		t.Errorf("old PIN still works: %v", err)
	}
	if _, err := r.svc.Login(ctx, "1001", "8642"); err != nil {
		t.Errorf("new PIN: %v", err)
	}
	for _, a := range r.audit() {
		if strings.Contains(a, "8642") || strings.Contains(a, "2468") {
			t.Errorf("audit entry shows a PIN: %q", a)
		}
	}
	if got := r.audit(); !slices.Contains(got, "reset_pin 1001 张三丰") || !slices.Contains(got, "deactivate_staff 0001 王主任") {
		t.Errorf("audit = %q", got)
	}
}

func TestAdminPostsAndCategories(t *testing.T) {
	r := newAdminRig(t)
	ctx := r.ctx
	w1 := r.window(1, app.WindowGeneral)
	w2 := r.window(2, app.WindowDept)
	a := r.staff("1001", "张三", app.RoleClerk)
	b := r.staff("1002", "李四", app.RoleClerk)

	wantRefusal(t, r.adm.SetPosts(ctx, r.manager, w1.ID, a.ID, a.ID), "same_post")
	if err := r.adm.SetPosts(ctx, r.manager, w1.ID, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	// 李四 is A at window 2 and B at window 1.
	if err := r.adm.SetPosts(ctx, r.manager, w2.ID, b.ID, 0); err != nil {
		t.Fatal(err)
	}
	// Deactivating 李四 leaves both posts vacant; he cannot be given one.
	if err := r.adm.SetStaffActive(ctx, r.manager, b.ID, false); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, r.adm.SetPosts(ctx, r.manager, w2.ID, b.ID, 0), "staff_inactive")
	cfg, err := r.adm.CentreConfig(ctx, r.manager)
	if err != nil {
		t.Fatal(err)
	}
	if want := []app.Post{{WindowID: w1.ID, StaffID: a.ID, Post: "A"}}; !slices.Equal(cfg.Posts, want) {
		t.Errorf("posts = %+v, want %+v", cfg.Posts, want)
	}

	// Categories: one capital letter, unique; a name; active windows.
	for _, c := range []struct {
		cat  app.QueueCategory
		code app.Code
	}{
		{app.QueueCategory{Prefix: "AB", Name: "综合", Windows: []int64{w1.ID}}, "bad_prefix"},
		{app.QueueCategory{Prefix: "1", Name: "综合", Windows: []int64{w1.ID}}, "bad_prefix"},
		{app.QueueCategory{Prefix: "甲", Name: "综合", Windows: []int64{w1.ID}}, "bad_prefix"},
		{app.QueueCategory{Prefix: "A", Name: " ", Windows: []int64{w1.ID}}, "bad_category"},
		{app.QueueCategory{Prefix: "A", Name: "综合"}, "no_windows"},
		{app.QueueCategory{Prefix: "A", Name: "综合", Windows: []int64{w1.ID, w1.ID}}, "bad_category"},
		{app.QueueCategory{Prefix: "A", Name: "综合", Windows: []int64{99}}, "unknown_window"},
	} {
		_, err := r.adm.AddCategory(ctx, r.manager, c.cat)
		wantRefusal(t, err, c.code)
	}
	// A lower-case letter is taken as the capital.
	ca, err := r.adm.AddCategory(ctx, r.manager, app.QueueCategory{Prefix: "a", Name: "综合受理", Windows: []int64{w2.ID, w1.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if ca.Prefix != "A" {
		t.Errorf("prefix = %q", ca.Prefix)
	}
	_, err = r.adm.AddCategory(ctx, r.manager, app.QueueCategory{Prefix: "A", Name: "社保", Windows: []int64{w2.ID}})
	wantRefusal(t, err, "duplicate_prefix")
	cb, err := r.adm.AddCategory(ctx, r.manager, app.QueueCategory{Prefix: "B", Name: "社保", Windows: []int64{w2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	cb.Prefix = "A"
	_, err = r.adm.UpdateCategory(ctx, r.manager, cb)
	wantRefusal(t, err, "duplicate_prefix")
	cb.Prefix, cb.Name, cb.Windows = "S", "社保医保", []int64{w1.ID, w2.ID}
	if _, err := r.adm.UpdateCategory(ctx, r.manager, cb); err != nil {
		t.Fatal(err)
	}
	// The queue reads the preference order: window 1 prefers S, window 2 prefers A.
	cats, _ := r.q.Categories(ctx)
	if len(cats) != 2 || cats[1].Prefix != "S" || !slices.Equal(cats[1].Windows, []int64{w1.ID, w2.ID}) ||
		!slices.Equal(cats[0].Windows, []int64{w2.ID, w1.ID}) {
		t.Errorf("categories = %+v", cats)
	}
	// A ticket of S is called at window 1 by its A clerk.
	if _, err := r.q.Issue(ctx, app.IssueRequest{CategoryID: cb.ID}); err != nil {
		t.Fatal(err)
	}
	if err := r.q.SignIn(ctx, w1.ID, a.ID, "A"); err != nil {
		t.Fatal(err)
	}
	if tk, err := r.q.CallNext(ctx, w1.ID, a.ID); err != nil || tk.Number != "S001" {
		t.Errorf("call at window 1: %+v, %v", tk, err)
	}
}

func TestAdminQueueSettings(t *testing.T) {
	r := newAdminRig(t)
	ev, err := r.q.Subscribe(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := app.QueueSettings{PriorityRatio: 4, KeepOvernight: true, Notice: "午休 12:00–14:00 暂停取号", Repeat: 3}
	if err := r.adm.SaveQueueSettings(r.ctx, r.manager, want); err != nil {
		t.Fatal(err)
	}
	got, err := r.adm.QueueSettings(r.ctx, r.manager)
	if err != nil || got != want {
		t.Errorf("settings = %+v, %v; want %+v", got, err, want)
	}
	select {
	case e := <-ev:
		if e.Kind != app.EventWindow {
			t.Errorf("event = %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Error("the hall was not told")
	}
	wantRefusal(t, r.adm.SaveQueueSettings(r.ctx, r.manager, app.QueueSettings{PriorityRatio: 0, Repeat: 2}), "invalid_setting")
	if a := r.audit(); len(a) != 1 || !strings.HasPrefix(a[0], "queue_settings 绿色通道 4") {
		t.Errorf("audit = %q", a)
	}
}

// A change to windows or categories tells the hall displays to refetch, and
// a refused change tells them nothing. (The setup's changes exist only on the
// Admin, so no path changes the setup without telling the hall.)
func TestSetupChangesTellTheHall(t *testing.T) {
	r := newAdminRig(t)
	w := r.window(1, app.WindowKinds()[0])
	ev, err := r.q.Subscribe(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	told := func(what string) {
		t.Helper()
		select {
		case e := <-ev:
			if e.Kind != app.EventWindow || e.WindowID != 0 {
				t.Errorf("%s: event %+v, want a hall-wide EventWindow", what, e)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: the hall was not told", what)
		}
	}
	w.Name = "综合受理窗口"
	if _, err := r.adm.UpdateWindow(r.ctx, r.manager, w); err != nil {
		t.Fatal(err)
	}
	told("UpdateWindow")
	c, err := r.adm.AddCategory(r.ctx, r.manager, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{w.ID}})
	if err != nil {
		t.Fatal(err)
	}
	told("AddCategory")
	c.Name = "综合业务"
	if _, err := r.adm.UpdateCategory(r.ctx, r.manager, c); err != nil {
		t.Fatal(err)
	}
	told("UpdateCategory")
	// Publishing is synchronous: an event of the refusal would be waiting.
	wantRefusal(t, r.adm.SetWindowActive(r.ctx, r.manager, w.ID, false), "window_needed")
	select {
	case e := <-ev:
		t.Errorf("a refused change told the hall: %+v", e)
	default:
	}
	w2 := r.window(2, app.WindowKinds()[0])
	if err := r.adm.SetWindowActive(r.ctx, r.manager, w2.ID, false); err != nil {
		t.Fatal(err)
	}
	told("SetWindowActive")
}
