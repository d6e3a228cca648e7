package screens

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/queue"
)

// openCentreSettings shows the 中心设置 screen for user on f's database,
// with 停用 confirmed at once.
func openCentreSettings(t *testing.T, f *fixture, user *app.Staff) (*CentreSettings, *Env, *admin.Admin) {
	t.Helper()
	env := syncEnv(t)
	adm := admin.New(f.svc, f.db, queue.New(f.db, f.clock, nil))
	s := NewCentreSettings(env, adm, user)
	s.confirm = func(_, _ string, ok func()) { ok() }
	env.Win.SetContent(s.Content())
	s.Reload()
	return s, env, adm
}

func wantMsg(t *testing.T, l *widget.Label, sub string, danger bool) {
	t.Helper()
	if !strings.Contains(l.Text, sub) {
		t.Errorf("message = %q, want it to contain %q", l.Text, sub)
	}
	if (l.Importance == widget.DangerImportance) != danger {
		t.Errorf("message %q: danger = %v, want %v", l.Text, !danger, danger)
	}
}

// A manager sets up a centre: a clerk, a second window with the clerk as its
// A post, a category served by both windows (window 2 first), the queue
// settings; all of it is in the database afterwards.
func TestCentreSettingsSetsUpACentre(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, env, adm := openCentreSettings(t, f, &f.manager)
	assertShown(t, env.Win, "窗口")
	if !shownContains(env, "1号窗口 综合受理窗口（综合受理）") {
		t.Errorf("window 1 is not listed: %q", texts(env.Win))
	}
	if s.WinNumber.Text != "2" {
		t.Errorf("suggested window number = %q, want 2", s.WinNumber.Text)
	}

	// 工作人员: 张三, clerk, PIN 2468.
	s.Tabs.SelectIndex(1)
	test.Type(s.StaffNo, "1001")
	test.Type(s.StaffName, "张三")
	test.Type(s.StaffPIN, "2468")
	test.Type(s.StaffPIN2, "2468")
	test.Tap(s.StaffTab.Save)
	wantMsg(t, s.StaffTab.Msg, "已保存 1001 张三", false)
	clerk, err := f.db.StaffByNo(ctx, "1001")
	if err != nil || clerk.Role != app.RoleClerk || !clerk.Active || !app.VerifyPIN(clerk.PINHash, "2468") {
		t.Fatalf("stored clerk = %+v, %v", clerk, err)
	}
	if s.StaffNo.Text != "" || s.StaffPIN.Text != "" {
		t.Error("the staff form is not emptied for the next one")
	}
	if !shownContains(env, "1001 张三　窗口工作人员") {
		t.Errorf("the clerk is not listed: %q", texts(env.Win))
	}

	// 窗口: 2号 社保医保专窗, 部门专窗, A岗 张三.
	s.Tabs.SelectIndex(0)
	test.Type(s.WinName, "社保医保专窗")
	s.WinKind.SetSelected(app.WindowDept)
	if !slices.Contains(s.WinPostA.Options, "1001 张三") {
		t.Fatalf("post choices = %q", s.WinPostA.Options)
	}
	s.WinPostA.SetSelected("1001 张三")
	test.Tap(s.WinTab.Save)
	wantMsg(t, s.WinTab.Msg, "已保存 2号窗口 社保医保专窗", false)
	wins, _ := f.db.Windows(ctx)
	if len(wins) != 2 || wins[1].Number != 2 || wins[1].Kind != app.WindowDept || !wins[1].Active {
		t.Fatalf("windows = %+v", wins)
	}
	w2 := wins[1].ID
	posts, _ := f.db.Posts(ctx)
	if want := []app.Post{{WindowID: w2, StaffID: clerk.ID, Post: "A"}}; !slices.Equal(posts, want) {
		t.Errorf("posts = %+v, want %+v", posts, want)
	}
	if !shownContains(env, "A岗：1001 张三　B岗：空缺") {
		t.Errorf("the post is not listed: %q", texts(env.Win))
	}
	if s.WinNumber.Text != "3" || s.WinName.Text != "" {
		t.Errorf("window form after adding: number %q name %q", s.WinNumber.Text, s.WinName.Text)
	}

	// Edit window 1: the manager as its B post.
	s.EditWindow(f.window)
	s.WinPostB.SetSelected("0001 王主任")
	test.Tap(s.WinTab.Save)
	wantMsg(t, s.WinTab.Msg, "已保存 1号窗口", false)
	posts, _ = f.db.Posts(ctx)
	if len(posts) != 2 || posts[0] != (app.Post{WindowID: f.window, StaffID: f.manager.ID, Post: "B"}) {
		t.Errorf("posts = %+v", posts)
	}

	// 排队业务: b 社保医保, windows 1 and 2, then 2 moved first.
	s.Tabs.SelectIndex(2)
	test.Type(s.CatPrefix, "b")
	test.Type(s.CatName, "社保医保")
	s.AddCatWindow(f.window)
	s.AddCatWindow(w2)
	if len(s.CatAdd.Options) != 0 {
		t.Errorf("windows still offered: %q", s.CatAdd.Options)
	}
	s.moveCatWindow(1, -1)
	assertShown(t, env.Win, "1. 2号窗口 社保医保专窗")
	test.Tap(s.CatTab.Save)
	wantMsg(t, s.CatTab.Msg, "已保存排队业务 B 社保医保", false)
	cats, _ := f.db.Categories(ctx)
	if len(cats) != 1 || cats[0].Prefix != "B" || cats[0].Name != "社保医保" || !slices.Equal(cats[0].Windows, []int64{w2, f.window}) {
		t.Fatalf("categories = %+v", cats)
	}
	if !shownContains(env, "办理窗口：2号 → 1号") {
		t.Errorf("the category is not listed: %q", texts(env.Win))
	}

	// 叫号设置.
	s.Tabs.SelectIndex(3)
	if s.Ratio.Text != "3" || s.Repeat.Selected != "2" {
		t.Errorf("defaults shown: ratio %q repeat %q", s.Ratio.Text, s.Repeat.Selected)
	}
	s.Ratio.SetText("")
	test.Type(s.Ratio, "4")
	s.Overnight.SetChecked(true)
	test.Type(s.Notice, "午休 12:00–14:00 暂停取号")
	s.Repeat.SetSelected("3")
	s.Ratio.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter saves, as 保存 does
	wantMsg(t, s.SetMsg, "叫号设置已保存", false)
	set, err := adm.QueueSettings(ctx, &f.manager)
	if err != nil {
		t.Fatal(err)
	}
	if want := (app.QueueSettings{PriorityRatio: 4, KeepOvernight: true, Notice: "午休 12:00–14:00 暂停取号", Repeat: 3}); set != want {
		t.Errorf("settings = %+v, want %+v", set, want)
	}

	// Every change is in the audit log.
	log, err := f.db.AuditLog(ctx, now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Action)
	}
	for _, a := range []string{"add_staff", "add_window", "set_posts", "add_category", "queue_settings"} {
		if !slices.Contains(actions, a) {
			t.Errorf("no %s in the audit log: %q", a, actions)
		}
	}
}

// Refusals show in red under the form, and what was typed stays.
func TestCentreSettingsRefusalsKeepTheForm(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, env, _ := openCentreSettings(t, f, &f.manager)

	// A second window 1.
	s.WinNumber.SetText("")
	test.Type(s.WinNumber, "1")
	test.Type(s.WinName, "便民窗口")
	s.WinKind.SetSelected(app.WindowCross)
	test.Tap(s.WinTab.Save)
	wantMsg(t, s.WinTab.Msg, "1号窗口已存在", true)
	if s.WinNumber.Text != "1" || s.WinName.Text != "便民窗口" || s.WinKind.Selected != app.WindowCross {
		t.Errorf("the window form lost what was typed: %q %q %q", s.WinNumber.Text, s.WinName.Text, s.WinKind.Selected)
	}
	if wins, _ := f.db.Windows(ctx); len(wins) != 1 {
		t.Errorf("windows = %+v", wins)
	}
	// No kind chosen.
	s.WinNumber.SetText("2")
	s.WinKind.ClearSelected()
	test.Tap(s.WinTab.Save)
	wantMsg(t, s.WinTab.Msg, "请选择窗口类型", true)

	// A 工号 in use, then PINs that differ, then a PIN of letters.
	s.Tabs.SelectIndex(1)
	test.Type(s.StaffNo, "0001")
	test.Type(s.StaffName, "李四")
	test.Type(s.StaffPIN, "1357")
	test.Type(s.StaffPIN2, "1357")
	test.Tap(s.StaffTab.Save)
	wantMsg(t, s.StaffTab.Msg, "工号 0001 已被使用", true)
	if s.StaffNo.Text != "0001" || s.StaffName.Text != "李四" || s.StaffPIN.Text != "1357" {
		t.Errorf("the staff form lost what was typed: %q %q", s.StaffNo.Text, s.StaffName.Text)
	}
	assertShown(t, env.Win, "工号 0001 已被使用（停用的工作人员也占用工号），请换一个工号")
	s.StaffPIN2.SetText("1358")
	test.Tap(s.StaffTab.Save)
	wantMsg(t, s.StaffTab.Msg, "两次输入的密码不一致", true)
	if all, _ := f.db.AllStaff(ctx); len(all) != 1 {
		t.Errorf("staff = %+v", all)
	}
	// Oneself cannot be deactivated (the button is off; app refuses too).
	s.SetStaffActive(f.manager.ID, false)
	wantMsg(t, s.StaffTab.Msg, "不能停用自己的账号", true)
	if m, _ := f.db.StaffByID(ctx, f.manager.ID); !m.Active {
		t.Error("the manager deactivated themself")
	}

	// A bad letter; no window.
	s.Tabs.SelectIndex(2)
	test.Type(s.CatPrefix, "1")
	test.Type(s.CatName, "综合受理")
	s.AddCatWindow(f.window)
	test.Tap(s.CatTab.Save)
	wantMsg(t, s.CatTab.Msg, "号码字母应为一个大写英文字母", true)
	if s.CatPrefix.Text != "1" || s.CatName.Text != "综合受理" || !slices.Equal(s.catWins, []int64{f.window}) {
		t.Errorf("the category form lost what was typed: %q %q %v", s.CatPrefix.Text, s.CatName.Text, s.catWins)
	}
	s.CatPrefix.SetText("A")
	test.Tap(s.catRemove(0))
	test.Tap(s.CatTab.Save)
	wantMsg(t, s.CatTab.Msg, "请至少选择一个办理该业务的窗口", true)

	// Now a category served only by window 1: window 1 cannot be deactivated.
	s.AddCatWindow(f.window)
	test.Tap(s.CatTab.Save)
	wantMsg(t, s.CatTab.Msg, "已保存排队业务 A 综合受理", false)
	s.Tabs.SelectIndex(0)
	s.SetWindowActive(f.window, false)
	wantMsg(t, s.WinTab.Msg, "唯一的办理窗口", true)

	// A ratio of 0.
	s.Tabs.SelectIndex(3)
	s.Ratio.SetText("0")
	test.Tap(s.SetSave)
	wantMsg(t, s.SetMsg, "绿色通道连续叫号数应在 1 到 20 之间", true)
	if s.Ratio.Text != "0" {
		t.Errorf("ratio = %q", s.Ratio.Text)
	}
}

// 停用 keeps the row, marked, and 启用 brings it back.
func TestCentreSettingsDeactivates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clerk, err := f.svc.AddStaff(ctx, &f.manager, app.Staff{No: "1001", Name: "张三", Role: app.RoleClerk}, "2468")
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.New(f.svc, f.db, nil).SetPosts(ctx, &f.manager, f.window, clerk.ID, 0); err != nil {
		t.Fatal(err)
	}
	s, env, _ := openCentreSettings(t, f, &f.manager)
	s.Tabs.SelectIndex(1)
	s.SetStaffActive(clerk.ID, false)
	wantMsg(t, s.StaffTab.Msg, "已停用 1001 张三", false)
	if !shownContains(env, "【已停用】1001 张三") {
		t.Errorf("the deactivated clerk is not marked: %q", texts(env.Win))
	}
	if p, _ := f.db.Posts(ctx); len(p) != 0 {
		t.Errorf("posts of a deactivated clerk = %+v", p)
	}
	if _, err := f.svc.Login(ctx, "1001", "2468"); app.ErrorCode(err) != "bad_login" {
		t.Errorf("a deactivated clerk signs in: %v", err)
	}
	s.SetStaffActive(clerk.ID, true)
	wantMsg(t, s.StaffTab.Msg, "已启用 1001 张三", false)

	s.Tabs.SelectIndex(0)
	s.SetWindowActive(f.window, false)
	wantMsg(t, s.WinTab.Msg, "已停用 1号窗口", false)
	if !shownContains(env, "【已停用】1号窗口") {
		t.Errorf("the deactivated window is not marked: %q", texts(env.Win))
	}
	if w, _ := f.db.Windows(ctx); len(w) != 1 || w[0].Active {
		t.Errorf("windows = %+v", w)
	}
}

// A clerk gets no setup: the load is refused and says why.
func TestCentreSettingsClerkRefused(t *testing.T) {
	f := newFixture(t)
	clerk, err := f.svc.AddStaff(context.Background(), &f.manager, app.Staff{No: "1001", Name: "张三", Role: app.RoleClerk}, "2468")
	if err != nil {
		t.Fatal(err)
	}
	s, env, _ := openCentreSettings(t, f, &clerk)
	if !s.LoadMsg.Visible() {
		t.Fatal("no refusal shown")
	}
	assertShown(t, env.Win, "读取中心设置失败：此操作需要中心负责人权限")
	test.Type(s.WinName, "偷偷加的窗口")
	s.WinKind.SetSelected(app.WindowGeneral)
	test.Tap(s.WinTab.Save)
	wantMsg(t, s.WinTab.Msg, "此操作需要中心负责人权限", true)
	if wins, _ := f.db.Windows(context.Background()); len(wins) != 1 {
		t.Errorf("windows = %+v", wins)
	}
}
