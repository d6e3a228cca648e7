// Command shotdemo opens one queue screen (counter, rating, kiosk, hall) on
// a throwaway centre in a temp dir, for screenshots under Xvfb:
//
//	../shared/tools/shot docs/screenshots/counter.png -- go run ./internal/gui/shotdemo counter
//	../shared/tools/shot -g 1920x1080 docs/screenshots/hall.png -- go run ./internal/gui/shotdemo hall
//
// It runs the real queue.Queue and app.Service on SQLite, with a morning's
// tickets issued and called.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/queue"
	"bianmin/devices"
	"bianmin/devices/devconf"
	"bianmin/screens"
	"bianmin/storage"
	"bianmin/sync/lan"
	"bianmin/wire"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: shotdemo counter|rating|rating-bad|kiosk|kiosk-ticket|hall|hall10|pcs|settings|dashboard|ledger|cases")
		os.Exit(2)
	}
	which := os.Args[1]
	dir, err := os.MkdirTemp("", "shotdemo")
	must(err)
	defer os.RemoveAll(dir)
	ctx := context.Background()
	switch which {
	case "dashboard", "ledger", "ledger-detail", "cases":
		demoScreens(ctx, which, dir)
		return
	}
	db, err := storage.Open(filepath.Join(dir, "centre.db"))
	must(err)
	defer db.Close()
	clock := app.SystemClock{}
	p, err := app.LoadProfile("national", "")
	must(err)
	svc := app.NewService(db, clock, p, app.NewCalendar(), nil)
	must(db.SaveCentre(ctx, app.Centre{Name: "泰山区省庄镇便民服务中心", AreaCode: "370902101000", Profile: "national"}))
	clerk, err := svc.BootstrapManager(ctx, app.Staff{No: "0007", Name: "李晓红"}, "123456")
	must(err)
	var wins []int64
	kinds := []string{"综合受理", "综合受理", "社保医保", "不动产登记"}
	if which == "hall10" { // a big centre: ten windows
		kinds = append(kinds, "综合受理", "综合受理", "综合受理", "综合受理", "综合受理", "综合受理")
	}
	for i, kind := range kinds {
		id, err := db.AddWindow(ctx, app.Window{Number: i + 1, Name: kind + "窗口", Kind: kind, Active: true})
		must(err)
		wins = append(wins, id)
	}
	cats := []app.QueueCategory{
		{Prefix: "A", Name: "综合受理", Windows: append(append([]int64{}, wins[:2]...), wins[4:]...)},
		{Prefix: "B", Name: "社保医保", Windows: wins[2:3]},
		{Prefix: "C", Name: "不动产登记", Windows: wins[3:]},
		{Prefix: "D", Name: "民政优抚", Windows: wins[:2]},
		{Prefix: "E", Name: "户籍证明", Windows: wins[:1]},
		{Prefix: "F", Name: "办不成事反映", Windows: wins[:1]},
	}
	for i := range cats {
		cats[i].ID, err = db.AddCategory(ctx, cats[i])
		must(err)
	}
	for _, it := range []app.ServiceItem{
		{Code: "370902-001", Name: "居民身份证明", Instant: true, Pinyin: "jmsfzm", Materials: []string{"居民身份证", "户口簿"}},
		{Code: "370902-014", Name: "最低生活保障申请", PromiseDays: 10, Pinyin: "zdshbzsq",
			Materials: []string{"申请书", "家庭收入证明", "户口簿", "居民身份证"}},
		{Code: "370902-022", Name: "高龄津贴申领", Instant: true, Pinyin: "gljtsl", Materials: []string{"居民身份证"}},
	} {
		it.Active = true
		must(db.SaveItem(ctx, it))
	}
	q := queue.New(db, clock, nil)
	must(q.SaveSettings(ctx, app.QueueSettings{PriorityRatio: 3, Repeat: 2,
		Notice: "温馨提示：请按号码顺序到窗口办理；60岁以上老年人、残疾人、孕妇请走绿色通道；办事不成可到F号“办不成事反映”窗口。"}))
	issue := func(cat int, n int, prio app.PriorityKind) {
		for range n {
			_, err := q.Issue(ctx, app.IssueRequest{CategoryID: cats[cat].ID, Priority: prio})
			must(err)
		}
	}
	issue(0, 19, "")
	issue(1, 4, "")
	issue(2, 2, "")
	issue(3, 3, "")
	issue(0, 1, app.PriorityElderly)
	calls := []int64{wins[1], wins[2], wins[3], wins[0], wins[1], wins[0]}
	calls = append(calls, wins[4:]...)
	for i, w := range calls {
		_, err := q.CallNext(ctx, w, clerk.ID)
		must(err)
		if i == 3 {
			must(q.NoShow(ctx, w))
		}
	}

	a := fyneapp.NewWithID("cn.gov.bianmin.shotdemo")
	a.Settings().SetTheme(screens.Theme{})
	win := a.NewWindow("便民 · " + which)
	env := &screens.Env{Win: win, Log: slog.Default()}
	size := fyne.NewSize(1366, 768)
	if len(os.Args) > 2 && os.Args[2] == "small" {
		size = fyne.NewSize(1024, 768)
	}
	switch which {
	case "counter":
		c := screens.NewCounter(env, screens.CounterDeps{Hall: q, Reg: svc, Clerk: &clerk, WindowID: wins[0],
			Drafts: screens.FileDrafts{Dir: dir},
			SignIn: func(ctx context.Context, no, pin string) (*app.Staff, error) { return svc.Login(ctx, no, pin) }})
		win.SetContent(c.Content())
		c.Start()
		go func() {
			time.Sleep(1500 * time.Millisecond)
			fyne.Do(func() {
				c.Name.SetText("王秀英")
				c.ID.SetText("11010519491231002X")
				c.Phone.SetText("13812345678")
				c.ItemQuery.SetText("370902-014")
				c.ItemQuery.OnSubmitted(c.ItemQuery.Text)
			})
			time.Sleep(500 * time.Millisecond)
			fyne.Do(func() {
				for _, m := range []string{"申请书", "户口簿", "居民身份证"} {
					c.Materials["370902-014"][m].SetChecked(true)
				}
				c.ItemQuery.SetText("gljt")
			})
		}()
	case "rating", "rating-bad":
		r := screens.NewRating(env, screens.RatingDeps{Rater: svc, Profile: p, Device: "demo"})
		win.SetContent(r.Content())
		r.Attach()
		tx, err := db.AddTransaction(ctx, app.Transaction{ItemCode: "370902-001", BatchCount: 1, WindowID: wins[0],
			ClerkID: clerk.ID, Status: app.TxCompleted, Visits: 1, CreatedAt: time.Now().Add(-10 * time.Minute),
			AcceptedAt: time.Now().Add(-8 * time.Minute), CompletedAt: time.Now(), ApplicantName: "王秀英"})
		must(err)
		r.Start(screens.RatingTarget{Tx: tx, ItemName: "居民身份证明", WindowNumber: 1, ClerkNo: clerk.No, ClerkName: clerk.Name})
		if which == "rating-bad" {
			r.ChooseLevel(app.LevelBad)
			r.Toggle("等候时间长")
		}
	case "kiosk", "kiosk-ticket":
		k := screens.NewKiosk(env, screens.KioskDeps{Hall: q, Title: "省庄镇便民服务中心", Reset: time.Hour})
		win.SetContent(k.Content())
		if which == "kiosk-ticket" {
			go func() {
				time.Sleep(time.Second)
				fyne.Do(func() { k.Take(cats[0]) })
			}()
		}
	case "hall", "hall10":
		size = fyne.NewSize(1920, 1080)
		d := screens.NewHallDisplay(env, screens.HallDisplayDeps{Hall: q, Title: "省庄镇便民服务中心"})
		win.SetContent(d.Content())
		d.Start()
		go func() {
			time.Sleep(1500 * time.Millisecond)
			_, err := q.CallNext(ctx, wins[0], clerk.ID)
			must(err)
		}()
	case "pcs":
		size = fyne.NewSize(1024, 768)
		_, pin, err := lan.HubCert(ctx, db)
		must(err)
		reg := lan.NewRegistry(db, pin, nil)
		for _, pc := range []struct {
			role app.PCRole
			win  int
		}{{app.PCCounter, 1}, {app.PCCounter, 2}, {app.PCKiosk, 0}, {app.PCDisplay, 0}} {
			_, code, err := reg.Add(ctx, &clerk, pc.role, pc.win, "", "192.168.1.10:8787")
			must(err)
			if pc.win != 2 {
				_, _, err = reg.Enroll(ctx, code.Token, fmt.Sprintf("SZZ-PC%02d", pc.win+1))
				must(err)
			}
		}
		list := screens.NewPCList(env, shotPCs{reg, db}, &clerk)
		win.SetContent(list.Content())
		list.Reload()
		go func() {
			time.Sleep(1200 * time.Millisecond)
			fyne.Do(func() { list.AddPC(app.PCCounter, 3, "") })
		}()
	case "settings":
		size = fyne.NewSize(1024, 768)
		cs := screens.NewCentreSettings(env, admin.New(svc, db, q), &clerk)
		win.SetContent(cs.Content())
		cs.Reload()
		go func() {
			time.Sleep(1200 * time.Millisecond)
			fyne.Do(func() { cs.EditWindow(wins[0]) })
		}()
	case "devices":
		size = fyne.NewSize(1024, 768)
		rig, err := devices.StartWindow(ctx, devconf.Default(), devices.WindowOptions{Rater: svc, Audit: db,
			Centre: "泰山区省庄镇便民服务中心", ConfigPath: filepath.Join(dir, devconf.FileName), SimDir: filepath.Join(dir, "printed")})
		must(err)
		defer rig.Close()
		ds := screens.NewDeviceSettings(env, rig, 0)
		win.SetContent(ds.Content())
	default:
		fmt.Fprintln(os.Stderr, "unknown screen", which)
		os.Exit(2)
	}
	win.Resize(size)
	win.ShowAndRun()
}

// demoScreens opens the manager's dashboard, the ledger, or a counter's
// 在办件 on a 30-day demo centre at 1024×768 (the counter PCs' screens).
func demoScreens(ctx context.Context, which, dir string) {
	path := filepath.Join(dir, "demo.db")
	must(wire.LoadDemo(ctx, path, 30, 1))
	svc, db, err := wire.OpenService(ctx, path, nil)
	must(err)
	defer db.Close()
	manager, err := svc.Login(ctx, "0001", "123456")
	must(err)
	a := fyneapp.NewWithID("cn.gov.bianmin.shotdemo")
	a.Settings().SetTheme(screens.Theme{})
	win := a.NewWindow("便民 · " + which)
	env := &screens.Env{Win: win, Log: slog.Default()}
	switch which {
	case "dashboard", "ledger", "ledger-detail":
		d := screens.NewDashboard(env, svc, manager)
		win.SetContent(d.Content())
		d.Reload()
		if which != "dashboard" {
			go func() {
				time.Sleep(1500 * time.Millisecond)
				fyne.Do(func() { d.Ledger.OnTapped() })
				if which == "ledger-detail" {
					time.Sleep(1500 * time.Millisecond)
					fyne.Do(func() { d.LedgerScreen.List.Select(widget.TableCellID{}) })
				}
			}()
		}
	case "cases":
		ws, err := db.Windows(ctx)
		must(err)
		q := queue.New(db, svc.Clock, nil)
		c := screens.NewCounter(env, screens.CounterDeps{Hall: q, Reg: svc, Cases: svc, Clerk: manager,
			WindowID: ws[0].ID, Drafts: screens.FileDrafts{Dir: dir}})
		win.SetContent(c.Content())
		c.Start()
		go func() {
			time.Sleep(1500 * time.Millisecond)
			fyne.Do(func() { c.Cases.OnTapped() })
		}()
	}
	win.Resize(fyne.NewSize(1024, 768))
	win.ShowAndRun()
}

// shotPCs is the hub's registry for the 局域网电脑 screen, as main wires it.
type shotPCs struct {
	reg *lan.Registry
	db  *storage.DB
}

func (s shotPCs) PCs(ctx context.Context) ([]app.PC, []app.Window, error) {
	pcs, err := s.reg.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	ws, err := s.db.Windows(ctx)
	return pcs, ws, err
}

func (s shotPCs) AddPC(ctx context.Context, actor *app.Staff, role app.PCRole, window int, name string) (app.PC, string, error) {
	p, c, err := s.reg.Add(ctx, actor, role, window, name, "192.168.1.10:8787")
	return p, c.String(), err
}

func (s shotPCs) RevokePC(ctx context.Context, actor *app.Staff, id int64) error {
	return s.reg.Revoke(ctx, actor, id)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "shotdemo:", err)
		os.Exit(1)
	}
}
