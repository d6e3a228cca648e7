package screens

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/demo"
	"bianmin/app/queue"
	"bianmin/internal/testdb"
	"bianmin/storage"
	countysync "bianmin/sync"
)

// small is the smallest screen counter PCs have.
var small = fyne.NewSize(1024, 768)

// demos are the demo centres of this package's tests, each generated once.
var demos testdb.Templates[struct{}]

func TestMain(m *testing.M) { os.Exit(demos.Main(m)) }

// demoCentre is a two-week demo centre on a real SQLite file of the test's
// own, for screens as a manager sees them with realistic data (long item
// names, many orders).
func demoCentre(t *testing.T) (*app.Service, *storage.DB, *app.Staff) {
	t.Helper()
	ctx := context.Background()
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	cal := app.NewCalendar()
	end := time.Date(2026, 11, 30, 17, 0, 0, 0, app.ChinaTime)
	path := filepath.Join(t.TempDir(), "demo.db")
	demos.Copy(t, "two weeks", path, func(path string) (struct{}, error) {
		db, err := storage.Open(path)
		if err != nil {
			return struct{}{}, err
		}
		defer db.Close()
		_, err = demo.Generate(ctx, db, p, cal, demo.Options{Days: 14, Seed: 3, End: end,
			Centre: "泰山区省庄镇便民服务中心", Area: "370902101000"})
		return struct{}{}, err
	})
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := app.NewService(db, app.NewFakeClock(end), p, cal, nil)
	m, err := svc.Login(ctx, "0001", "123456")
	if err != nil {
		t.Fatal(err)
	}
	return svc, db, m
}

// fits checks that a screen needs no more than 1024×768 (a window whose
// content needs more grows past the screen, and its right-hand buttons are
// lost) and that each control in reach is inside the window.
func fits(t *testing.T, env *Env, name string, reach ...fyne.CanvasObject) {
	t.Helper()
	env.Win.Resize(small)
	if m := env.Win.Content().MinSize(); m.Width > small.Width || m.Height > small.Height {
		t.Errorf("%s needs %.0f×%.0f, more than 1024×768", name, m.Width, m.Height)
	}
	for _, o := range reach {
		if !o.Visible() {
			t.Errorf("%s: a control is hidden", name)
			continue
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		if pos.X+o.Size().Width > small.Width+1 || pos.Y+o.Size().Height > small.Height+1 {
			t.Errorf("%s: control %T at %v (%v) is outside 1024×768", name, o, pos, o.Size())
		}
	}
}

// escape presses Esc with nothing focused, as after a field let it go.
func escape(env *Env) {
	env.Win.Canvas().Unfocus()
	if h := env.Win.Canvas().OnTypedKey(); h != nil {
		h(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}
}

// Every screen a manager or a clerk opens, with a demo centre's data, fits
// 1024×768 with its back or sign-out control on screen, and Escape leaves
// each sub-screen for the dashboard (the first three opened by their keys).
func TestScreensFitSmallDisplay(t *testing.T) {
	svc, db, m := demoCentre(t)
	ctx := context.Background()
	_, rig, _, _ := deviceScreen(t)
	env := syncEnv(t)
	env.Win.Resize(small)

	d := NewDashboard(env, svc, m)
	// Every tool the window wires, so their buttons take their room too.
	d.ExportLedger = func(context.Context, *app.Staff, app.LedgerFilter) (string, error) { return "", nil }
	d.PrintSheets = func(context.Context, *app.Staff, []int64) (string, error) { return "", nil }
	d.PrintSheet = func(context.Context, *app.Staff, int64) (string, error) { return "", nil }
	d.SetBackup(func(context.Context) (string, error) { return "", nil })
	d.SetReport(func(context.Context, time.Time, *app.Staff) (string, error) { return "", nil })
	env.Win.SetContent(d.Content())
	d.Reload()
	fits(t, env, "首页", d.Logout, d.Refresh, d.Ledger, d.Paper, d.Watch, d.Callback, d.Report, d.BackupButton)
	home := env.Win.Content()

	// Each sub-screen of the dashboard, then Escape.
	for _, sub := range []struct {
		name string
		open func() []fyne.CanvasObject
	}{
		{"差评台账", func() []fyne.CanvasObject {
			d.TypedKey(key(fyne.KeyF3))
			l := d.LedgerScreen
			if len(l.Entries) > 0 {
				l.List.Select(widget.TableCellID{})
			}
			return []fyne.CanvasObject{l.Back, l.Refresh, l.Contact, l.Close, l.Export, l.PrintListed, l.Print}
		}},
		{"录入评价表", func() []fyne.CanvasObject {
			d.TypedKey(key(fyne.KeyF2))
			return []fyne.CanvasObject{d.PaperScreen.Back}
		}},
		{"重点关注", func() []fyne.CanvasObject {
			d.TypedKey(key(fyne.KeyF4))
			return []fyne.CanvasObject{d.WatchScreen.Back}
		}},
		{"中心设置", func() []fyne.CanvasObject {
			cs := NewCentreSettings(d.Env(), admin.New(svc, db, queue.New(db, svc.Clock, nil)), m)
			cs.OnBack = d.ShowSub("centre-settings", cs.Content())
			cs.Reload()
			return []fyne.CanvasObject{cs.Back}
		}},
		{"上传退回", func() []fyne.CanvasObject {
			set := countysync.DefaultSettings()
			r := NewRejected(d.Env(), senderSource{countysync.NewSender(db, set)}, m)
			r.OnBack = d.ShowSub("rejected", r.Content())
			r.Reload()
			return []fyne.CanvasObject{r.Back}
		}},
		{"随机抽评", func() []fyne.CanvasObject {
			d.openCallback()
			d.CallbackScreen.Size.SetText("20")
			d.CallbackScreen.draw()
			return []fyne.CanvasObject{d.CallbackScreen.Back, d.CallbackScreen.Draw}
		}},
		{"县级上传", func() []fyne.CanvasObject {
			cs := NewCountySettings(d.Env(), &fakeCounty{stored: countysync.DefaultSettings()})
			cs.OnBack = d.ShowSub("county", cs.Content())
			cs.Reload()
			return []fyne.CanvasObject{cs.Back, cs.Save}
		}},
		{"设备设置", func() []fyne.CanvasObject {
			ds := NewDeviceSettings(d.Env(), rig, -1)
			ds.OnBack = d.ShowSub("devices", ds.Content())
			return []fyne.CanvasObject{ds.Save, ds.Back}
		}},
	} {
		reach := sub.open()
		if env.Win.Content() == home {
			t.Fatalf("%s did not open", sub.name)
		}
		fits(t, env, sub.name, reach...)
		escape(env)
		if env.Win.Content() != home {
			t.Errorf("Escape did not leave %s", sub.name)
		}
	}

	// The clerk's counter and its 在办件 list.
	ws, err := db.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cenv := syncEnv(t)
	c := NewCounter(cenv, CounterDeps{Hall: queue.New(db, svc.Clock, nil), Reg: svc, Cases: svc, Clerk: m,
		WindowID: ws[0].ID, Drafts: FileDrafts{Dir: t.TempDir()}, Do: newUIQueue().do})
	cenv.Win.SetContent(c.Content())
	c.Start()
	t.Cleanup(c.Stop)
	fits(t, cenv, "窗口服务", c.Call, c.Finish, c.Accept, c.Complete, c.Clear, c.Cases)
	c.openCases()
	if cd := c.CasesShown(); cd == nil || len(cd.Cases) == 0 {
		t.Fatal("在办件 empty on a demo centre")
	}
	fits(t, cenv, "在办件", c.CasesShown().Query)

	// The clerk's own orders (我的工单) after login, with 返回窗口 and 退出登录.
	clerk, err := svc.Login(ctx, "1001", "123456")
	if err != nil {
		t.Fatal(err)
	}
	menv := syncEnv(t)
	mo := NewMyOrders(menv, svc, clerk)
	mo.SetBack(func() {})
	menv.Win.SetContent(mo.Content())
	mo.Reload()
	fits(t, menv, "我的工单", mo.Back, mo.Logout)
}

// A centre on the national profile is not told that the Shenzhen measures
// are its rules: the watch lists cite them as borrowed.
func TestWatchCitesItsRules(t *testing.T) {
	svc, _, m := demoCentre(t) // national
	env := syncEnv(t)
	w := NewWatchScreen(env, svc, m)
	env.Win.SetContent(w.Content())
	w.Reload()
	if !shownContains(env, "（参照深圳办法第二十六条，本中心规则未作规定）") {
		t.Errorf("the borrowed rule is not cited as such: %q", texts(env.Win))
	}
	if shownContains(env, "（深圳办法第二十六条）") {
		t.Error("the Shenzhen article is shown as the national centre's own rule")
	}
}

// The dashboard's 12-month trend comes from the same Stats as the report:
// this month's row is the month column's figures, and an earlier month's
// row is that month's stats.
func TestDashboardTrend(t *testing.T) {
	svc, _, m := demoCentre(t)
	ctx := context.Background()
	db, err := svc.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Trend) != 12 {
		t.Fatalf("%d months", len(db.Trend))
	}
	last := db.Trend[11]
	if !last.Month.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, app.ChinaTime)) || last.ValidBad != db.Month.ValidBad ||
		last.Transactions != db.Month.Transactions {
		t.Errorf("this month %+v, month column valid bad %d transactions %d", last, db.Month.ValidBad, db.Month.Transactions)
	}
	oct := db.Trend[10]
	st, err := svc.Stats(ctx, oct.Month, oct.Month.AddDate(0, 1, 0), app.ByNone)
	if err != nil {
		t.Fatal(err)
	}
	if oct.ValidBad != st.ValidBad || oct.Transactions != st.Transactions {
		t.Errorf("October %+v, stats %d/%d", oct, st.ValidBad, st.Transactions)
	}
	env := syncEnv(t)
	d := NewDashboard(env, svc, m)
	env.Win.SetContent(d.Content())
	d.Reload()
	if len(d.Trend.Objects) != 13 {
		t.Fatalf("trend rows %d", len(d.Trend.Objects))
	}
	assertShown(t, env.Win, "2026-11")
	assertShown(t, env.Win, "2025-12")
	env.Win.Resize(small)
	if m := env.Win.Content().MinSize(); m.Width > small.Width {
		t.Errorf("the trend widens the dashboard to %.0f", m.Width)
	}
}
