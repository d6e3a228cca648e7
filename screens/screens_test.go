package screens

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/internal/testcentre"
	"bianmin/storage"
)

// now is a Tuesday morning in March 2026, China time.
var now = time.Date(2026, 3, 10, 10, 0, 0, 0, app.ChinaTime)

type fixture struct {
	db      *storage.DB
	clock   *app.FakeClock
	svc     *app.Service
	manager app.Staff
	window  int64
}

// newFixture opens a real SQLite database in a temp dir with a centre, a
// manager (0001 / 123456), one window and one service item.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := testcentre.New(t, "测试镇便民服务中心", now)
	w, err := c.DB.AddWindow(ctx, app.Window{Number: 1, Name: "综合受理窗口", Kind: "综合受理", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DB.SaveItem(ctx, app.ServiceItem{Code: "X001", Name: "居民身份证明", Instant: true, Active: true}); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: c.DB, clock: c.Clock, svc: c.Svc, manager: c.Manager, window: w}
}

// finished adds a transaction completed at `at`.
func (f *fixture) finished(t testing.TB, at time.Time) app.Transaction {
	t.Helper()
	tx, err := f.db.AddTransaction(context.Background(), app.Transaction{
		ItemCode: "X001", BatchCount: 1, WindowID: f.window, ClerkID: f.manager.ID, Status: app.TxCompleted,
		Visits: 1, CreatedAt: at.Add(-20 * time.Minute), AcceptedAt: at.Add(-15 * time.Minute), CompletedAt: at,
		ApplicantName: "张三",
	})
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// rate rates tx on the window keypad at the clock's time.
func (f *fixture) rate(t *testing.T, tx app.Transaction, l app.Level) {
	t.Helper()
	req := app.RateRequest{TransactionID: tx.ID, Level: l, Channel: app.ChannelKeypad}
	if !l.Valid() || l <= app.LevelBad {
		req.Tags = []string{"态度不好"}
	}
	if _, err := f.svc.Rate(context.Background(), nil, req); err != nil {
		t.Fatalf("rate %s: %v", l.Name(), err)
	}
}

// syncEnv runs slow work at once, so each call returns with the screen updated.
func syncEnv(t *testing.T) *Env {
	test.NewTempApp(t)
	test.ApplyTheme(t, Theme{})
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1366, 768))
	return &Env{Win: w, Go: func(f func()) { f() }, After: neverAfter}
}

// neverAfter is the AfterFunc of a synchronous Env: its timers never fire
// (work runs on the test's goroutine, so a due one would race with it);
// tests that want a delayed dialog set ProgressDelay below zero.
func neverAfter(time.Duration, func()) func() { return func() {} }

// texts lists every string drawn in the window, overlays (dialogs) included.
func texts(w fyne.Window) []string {
	var out []string
	objs := test.LaidOutObjects(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		objs = append(objs, test.LaidOutObjects(o)...)
	}
	for _, o := range objs {
		if t, ok := o.(*canvas.Text); ok && t.Visible() && t.Text != "" {
			out = append(out, t.Text)
		}
	}
	return out
}

func assertShown(t *testing.T, w fyne.Window, want string) {
	t.Helper()
	if !slices.Contains(texts(w), want) {
		t.Errorf("%q is not on the screen; shown: %q", want, texts(w))
	}
}

func TestDashboardShowsTheFigures(t *testing.T) {
	f := newFixture(t)
	// Earlier this month: one good rating.
	f.clock.Set(time.Date(2026, 3, 3, 15, 0, 0, 0, app.ChinaTime))
	f.rate(t, f.finished(t, f.clock.Now().Add(-time.Minute)), app.LevelVeryGood)
	// Today: 非常满意, 满意, 基本满意, 非常不满意 (a bad review opens a work order), and one unrated.
	f.clock.Set(now)
	for _, l := range []app.Level{app.LevelVeryGood, app.LevelGood, app.LevelBasic, app.LevelVeryBad} {
		f.rate(t, f.finished(t, now.Add(-time.Hour)), l)
	}
	f.finished(t, now.Add(-time.Hour))

	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	d.Reload()

	want := map[string][2]string{
		"好评率":       {"75.0%  (3/4)", "80.0%  (4/5)"},
		"主动评价好评率":   {"75.0%  (3/4)", "80.0%  (4/5)"},
		"未评率":       {"0.0%  (0/4)", "0.0%  (0/5)"},
		"差评回复率":     {"0.0%  (0/1)", "0.0%  (0/1)"},
		"差评回访整改率":   {"0.0%  (0/1)", "0.0%  (0/1)"},
		"差评回访整改满意率": {Dash, Dash}, // nothing rectified yet: undefined
		"主动评价率":     {"80.0%  (4/5)", "83.3%  (5/6)"},
		"平均得分":      {"6.00 分  (4条)", "6.80 分  (5条)"},
		"评价总数":      {"4", "5"},
		"有效差评":      {"1", "1"},
	}
	for row, w := range want {
		for i, period := range []string{"today", "month"} {
			if got := d.Cells[row][i].Text; got != w[i] {
				t.Errorf("%s %s = %q, want %q", row, period, got, w[i])
			}
		}
		assertShown(t, env.Win, w[0])
	}
	if d.OpenOrders.Text != "1" || d.Overdue.Text != "0" {
		t.Errorf("work orders: open %q overdue %q, want 1 and 0", d.OpenOrders.Text, d.Overdue.Text)
	}
	assertShown(t, env.Win, "测试镇便民服务中心")
	assertShown(t, env.Win, "评价器")
	info := d.Info.Text + d.User.Text
	for _, s := range []string{"370911105000", "国家标准", "王主任", "0001"} {
		if !strings.Contains(info, s) {
			t.Errorf("header %q lacks %q", info, s)
		}
	}

	// Three working days later the bad review's contact deadline has passed: overdue, and F5 shows it.
	f.clock.Set(now.AddDate(0, 0, 7))
	d.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF5})
	if d.Overdue.Text != "1" {
		t.Errorf("after F5 a week later: overdue %q, want 1", d.Overdue.Text)
	}
	if got := d.Cells["好评率"][0].Text; got != Dash {
		t.Errorf("a day without ratings: 好评率 today = %q, want %q", got, Dash)
	}
}

func TestDashboardEmptyCentreShowsDashes(t *testing.T) {
	f := newFixture(t)
	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	d.Reload()
	for _, r := range RateRows {
		for i := range 2 {
			if got := d.Cells[r.Name][i].Text; got != Dash {
				t.Errorf("%s[%d] = %q on an empty centre, want %q", r.Name, i, got, Dash)
			}
		}
	}
	if got := d.Cells["评价总数"][1].Text; got != "0" {
		t.Errorf("评价总数 = %q, want 0", got)
	}
	assertShown(t, env.Win, "本月暂无评价")
}

func TestLoginWrongPINKeepsNumber(t *testing.T) {
	f := newFixture(t)
	env := syncEnv(t)
	var got *app.Staff
	l := NewLogin(env, f.svc, "测试镇便民服务中心", "", func(s *app.Staff) { got = s })
	env.Win.SetContent(l.Content())

	test.Type(l.No, "0001")
	l.No.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter moves on to the password
	if env.Win.Canvas().Focused() != l.PIN {
		t.Errorf("after Enter in 工号 the focus is on %v, want the password", env.Win.Canvas().Focused())
	}
	test.Type(l.PIN, "999999")
	l.PIN.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	if got != nil {
		t.Fatal("a wrong PIN signed in")
	}
	assertShown(t, env.Win, "工号或密码错误") // in the dialog and under the form
	if env.Win.Canvas().Overlays().Top() == nil {
		t.Error("no error dialog")
	}
	if l.No.Text != "0001" {
		t.Errorf("工号 after a failed login = %q, want it kept", l.No.Text)
	}
	if l.PIN.Text != "" {
		t.Error("the wrong password was left in the field")
	}

	// Enter closes the dialog and puts the cursor back into the password.
	focused, ok := env.Win.Canvas().Focused().(*keyButton)
	if !ok {
		t.Fatalf("the dialog's button has no focus (focus: %T)", env.Win.Canvas().Focused())
	}
	focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if top := env.Win.Canvas().Overlays().Top(); top != nil {
		t.Error("Enter did not close the error dialog")
	}
	if env.Win.Canvas().Focused() != l.PIN {
		t.Errorf("after the dialog the focus is on %T, want the password", env.Win.Canvas().Focused())
	}
	test.Type(l.PIN, "123456")
	test.Tap(l.Submit)
	if got == nil || got.No != "0001" || got.Role != app.RoleManager {
		t.Fatalf("the right PIN did not sign in: %+v", got)
	}
}

func TestLoginAsksForMissingFields(t *testing.T) {
	f := newFixture(t)
	env := syncEnv(t)
	l := NewLogin(env, f.svc, "x", "", func(*app.Staff) { t.Error("signed in without a password") })
	env.Win.SetContent(l.Content())
	test.Type(l.No, "0001")
	test.Tap(l.Submit)
	if l.Status.Text != "请输入密码" {
		t.Errorf("status %q, want 请输入密码", l.Status.Text)
	}
}

var errNotInitialised = errors.New("not initialised")

// TestShellFirstStartToDashboard walks the whole flow on a new database: the
// first-start form, login, and the dashboard with the new centre's name.
func TestShellFirstStartToDashboard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	var db *storage.DB
	t.Cleanup(func() {
		if db != nil {
			db.Close()
		}
	})
	clock := app.NewFakeClock(now)
	open := func(context.Context) (*app.Service, error) {
		if db == nil {
			return nil, errNotInitialised
		}
		p, err := app.LoadProfile("taian", "")
		if err != nil {
			return nil, err
		}
		return app.NewService(db, clock, p, app.NewCalendar(), nil), nil
	}
	var setupIn SetupInput
	be := Backend{
		Open:       open,
		FirstStart: func(err error) bool { return errors.Is(err, errNotInitialised) },
		Setup: func(ctx context.Context, in SetupInput) (string, error) {
			setupIn = in
			var err error
			if db, err = storage.Open(path); err != nil {
				return "", err
			}
			if err := db.SaveCentre(ctx, app.Centre{Name: in.Name, AreaCode: in.AreaCode, Profile: in.Profile}); err != nil {
				return "", err
			}
			svc, _ := open(ctx)
			_, err = svc.BootstrapManager(ctx, app.Staff{No: in.ManagerNo, Name: in.ManagerName}, in.PIN)
			return "", err
		},
	}
	env := syncEnv(t)
	sh := NewShell(env, be)
	sh.Start()

	assertShown(t, env.Win, "首次使用：设置便民服务中心")
	st := sh.setup
	test.Type(st.Name, "泰山镇便民服务中心")
	test.Type(st.AreaCode, "37091110500") // 11 digits: refused
	test.Tap(st.Submit)
	if !strings.Contains(st.Status.Text, "12位数字") {
		t.Errorf("a short area code: status %q", st.Status.Text)
	}
	test.Type(st.AreaCode, "0")
	for _, c := range Profiles() {
		if c.Name == "taian" {
			st.Profile.SetSelected(c.Title)
		}
	}
	test.Type(st.ManagerNo, "0009")
	test.Type(st.ManagerNam, "李站长")
	test.Type(st.PIN, "2468")
	test.Type(st.PIN2, "2468")
	test.Tap(st.Submit)
	if setupIn.Profile != "taian" || setupIn.AreaCode != "370911105000" || setupIn.Demo {
		t.Fatalf("setup got %+v", setupIn)
	}

	assertShown(t, env.Win, "泰山镇便民服务中心") // login title
	l := sh.login
	test.Type(l.No, "0009")
	test.Type(l.PIN, "2468")
	l.PIN.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	assertShown(t, env.Win, "评价指标")
	assertShown(t, env.Win, "泰山镇便民服务中心")
}

func TestDashboardRefreshErrorShowsDialog(t *testing.T) {
	f := newFixture(t)
	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	f.db.Close() // the database goes away under the screen
	d.Reload()
	if d.Updated.Text != "刷新未成功" {
		t.Errorf("status %q, want 刷新未成功", d.Updated.Text)
	}
	if env.Win.Canvas().Overlays().Top() == nil {
		t.Fatal("no error dialog")
	}
	assertShown(t, env.Win, "刷新未成功") // the dialog title
	if d.Refresh.Disabled() {
		t.Error("the refresh button stays disabled after an error")
	}
}

// Loading the demo at first start shows a progress bar that the load
// drives, not only "请稍候"; it goes away when the load is done.
func TestSetupDemoShowsProgress(t *testing.T) {
	env := syncEnv(t)
	var seen []float64
	var st *Setup
	st = NewSetup(env, Profiles(), func(ctx context.Context, in SetupInput) error {
		if !in.Demo || in.Progress == nil {
			t.Fatalf("no progress reporter for a demo load: %+v", in)
		}
		for _, f := range []float64{0.25, 0.5, 1} {
			in.Progress(f)
			if !st.Progress.Visible() {
				t.Errorf("progress bar hidden during the load")
			}
			seen = append(seen, st.Progress.Value)
		}
		return nil
	}, func(SetupInput) {})
	env.Win.SetContent(st.Content())
	test.Type(st.Name, "泰山镇便民服务中心")
	test.Type(st.AreaCode, "370911105000")
	st.Profile.SetSelected(Profiles()[0].Title)
	test.Type(st.ManagerNo, "0009")
	test.Type(st.ManagerNam, "李站长")
	test.Type(st.PIN, "2468")
	test.Type(st.PIN2, "2468")
	st.Demo.SetChecked(true)
	test.Tap(st.Submit)
	if !slices.Equal(seen, []float64{0.25, 0.5, 1}) {
		t.Errorf("the bar showed %v", seen)
	}
	if st.Progress.Visible() {
		t.Error("the progress bar stayed after the load")
	}
}
