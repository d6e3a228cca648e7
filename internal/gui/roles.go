//go:build !nogui

package gui

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"fyne.io/fyne/v2"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/pinyinime"
	"bianmin/devices"
	"bianmin/devices/idcard"
	"bianmin/devices/voice"
	"bianmin/node"
	"bianmin/screens"
	countysync "bianmin/sync"
)

// station is what one running program owns: what its role runs
// (node.Station) and the windows it shows besides the main one, the
// customer-facing rating window and the hall displays with their voice.
type station struct {
	*node.Station
	a fyne.App

	ratingWin fyne.Window
	halls     []*screens.HallDisplay // the open hall displays (UI goroutine only)
	// ratingOneScreen: the rating window found no second monitor.
	ratingOneScreen bool
	rating          *screens.Rating
	voice           *voice.Announcer
}

func newStation(a fyne.App, n node.Node, dbPath string, log *slog.Logger) *station {
	return &station{Station: node.NewStation(n, dbPath, log), a: a}
}

// close ends the hall voice and the station.
func (s *station) close() {
	if s.voice != nil {
		s.voice.Close()
	}
	s.Close()
}

// countyAdmin is the 县级上传 screen's backend on the station: the screen's
// form over the stored settings.
type countyAdmin struct{ s *station }

func (c countyAdmin) CountySettings(ctx context.Context) (screens.CountyForm, error) {
	set, err := c.s.Station.CountySettings(ctx)
	return screens.CountyForm{URL: set.URL, AppKey: set.AppKey, Secret: set.Secret, QRKey: set.QRKey,
		AllowHTTP: set.AllowHTTP, Interval: set.Interval}, err
}

// merged is the stored settings with the form over them: the county's codes
// and mappings stay as they are.
func (c countyAdmin) merged(ctx context.Context, f screens.CountyForm) (countysync.Settings, error) {
	set, err := c.s.Station.CountySettings(ctx)
	if err != nil {
		return set, err
	}
	set.URL, set.AppKey, set.Secret, set.QRKey, set.AllowHTTP = f.URL, f.AppKey, f.Secret, f.QRKey, f.AllowHTTP
	if f.Interval > 0 {
		set.Interval = f.Interval
	}
	return set, nil
}

// SaveCountySettings stores the settings and restarts the upload with them.
func (c countyAdmin) SaveCountySettings(ctx context.Context, f screens.CountyForm) error {
	set, err := c.merged(ctx, f)
	if err != nil {
		return err
	}
	return c.s.Station.SaveCountySettings(ctx, set)
}

// TestCounty asks the county with the form's settings.
func (c countyAdmin) TestCounty(ctx context.Context, f screens.CountyForm) (string, error) {
	set, err := c.merged(ctx, f)
	if err != nil {
		return "", err
	}
	return c.s.Station.TestCounty(ctx, set)
}

func (c countyAdmin) SendNow() { c.s.Station.SendNow() }

func (c countyAdmin) UploadStatus(ctx context.Context) ([]string, error) {
	return c.s.Station.UploadStatus(ctx)
}

// counterDeps wires the counter screen for the signed-in user.
func (s *station) counterDeps(ctx context.Context, svc *app.Service, user *app.Staff) (screens.CounterDeps, error) {
	w, err := s.WindowFor(ctx, user)
	if err != nil {
		return screens.CounterDeps{}, err
	}
	hall, rig, n := s.Hall(), s.Rig(), s.Node()
	clerk := *user
	d := screens.CounterDeps{
		Hall: hall, Reg: svc, Clerk: user, WindowID: w.ID, Local: n.Role != node.Counter,
		Drafts: screens.FileDrafts{Dir: filepath.Join(filepath.Dir(s.DBPath()), "drafts")},
		SignIn: svc.Login, Cases: svc,
		// No system IME for Chinese: names go in with the built-in pinyin input.
		PinyinOn: !pinyinime.SystemIME(),
	}
	if n.Role == node.Counter && s.Forwarder() != nil {
		d.Cases = node.HubCases{Svc: svc, Fwd: s.Forwarder()}
	}
	if rig != nil {
		d.PrintNotice = func(n screens.Notice) error {
			for _, it := range n.Items {
				if err := rig.PrintNotice(s.Context(), app.Transaction{Serial: n.Serial, ApplicantName: n.Applicant},
					it.Name, it.Missing, w.Number, clerk); err != nil {
					return err
				}
			}
			return nil
		}
		d.IDCards = func(f func(screens.IDCardRead)) {
			if f == nil {
				rig.OnIDCard(nil)
				return
			}
			rig.OnIDCard(func(c *idcard.Card, problem string) {
				r := screens.IDCardRead{Problem: problem}
				if c != nil {
					r.Name, r.Number = c.Name, c.Number
				}
				fyne.Do(func() { f(r) })
			})
		}
		// Every finished visit gets its 办件回执, whichever way it is rated.
		d.StartRating = func(tx app.Transaction) {
			if n.Tablet {
				go func() {
					if err := rig.PrintReceipt(s.Context(), tx, []string{tx.ItemName}, w.Number, clerk); err != nil {
						s.Log().Warn("receipt not printed", "serial", tx.Serial, "err", err)
					}
				}()
				return
			}
			// Held until the keypad's answer (which may come at once), so a
			// rated visit's receipt does not ask to rate again.
			rig.PrintReceiptAfterRating(tx, []string{tx.ItemName}, w.Number, clerk)
			if err := rig.StartRating(tx, clerk, w.Number); err != nil {
				s.Log().Warn("keypad rating not started", "serial", tx.Serial, "err", err)
				rig.FlushReceipts()
			}
		}
	}
	if n.Tablet {
		// On the UI goroutine already (the counter calls it there).
		d.ShowRating = func(t screens.RatingTarget) { s.showRating(svc, t) }
		d.RatingNote = func() string {
			if s.ratingOneScreen {
				return "本机只有一块显示器，评价画面显示在本屏，评价完自动关闭"
			}
			return ""
		}
	}
	return d, nil
}

// showRating opens the customer-facing rating window (窗口双屏互动) and
// starts the rating of t on it.
func (s *station) showRating(svc *app.Service, t screens.RatingTarget) {
	if s.ratingWin == nil {
		w := s.a.NewWindow("请您评价")
		w.Resize(fyne.NewSize(1024, 700))
		r := screens.NewRating(&screens.Env{Win: w, Log: s.Log()}, screens.RatingDeps{Rater: svc, Profile: svc.Profile,
			Device: fmt.Sprintf("%d号窗口双屏", t.WindowNumber),
			// On a one-monitor PC the window covers the clerk's: give it back.
			OnIdle: func() {
				if s.ratingOneScreen && s.ratingWin != nil {
					s.ratingWin.Hide()
				}
			}})
		w.SetContent(r.Content())
		r.Attach()
		w.SetCloseIntercept(func() { w.Hide() }) // the clerk cannot lose it by a stray click
		s.ratingWin, s.rating = w, r
		w.Show()
		if !placeOnOtherScreen(w) {
			s.ratingOneScreen = true
			s.Log().Info("tablet rating: no second monitor, the rating window opens on the clerk's screen")
			fitToScreen(w, fyne.NewSize(1024, 700))
		} else {
			s.Log().Info("tablet rating: on the second monitor")
		}
	}
	s.ratingWin.Show()
	s.rating.Start(t)
}

// showHallDisplay opens the hall display (大厅屏) in its own window.
func (s *station) showHallDisplay(title string) fyne.Window {
	w := s.a.NewWindow("大厅屏 — " + title)
	fitToScreen(w, fyne.NewSize(1920, 1080))
	if s.voice == nil {
		cfg := voice.Config{Engine: "auto"}
		if s.Queue() != nil { // 叫号设置: how often each call is spoken
			if qs, err := s.Queue().Settings(context.Background()); err == nil && qs.Repeat > 0 {
				cfg.Repeat = qs.Repeat
			}
		}
		cfg.OnStatus = func(string) { fyne.Do(s.showVoiceProblem) }
		s.voice = voice.New(cfg, s.Log())
		s.Log().Info("hall voice", "status", s.voice.Status())
	}
	v := s.voice
	d := screens.NewHallDisplay(&screens.Env{Win: w, Log: s.Log()}, screens.HallDisplayDeps{
		Hall: s.Hall(), Title: title,
		Announce:     func(c app.Call) { v.Announce(voice.Text(c.Number, c.WindowNumber)) },
		OnFullScreen: s.SetFullScreen,
	})
	s.halls = append(s.halls, d)
	d.SetVoiceProblem(v.Problem())
	w.SetContent(d.Content())
	w.SetOnClosed(func() {
		d.Stop()
		s.halls = slices.DeleteFunc(s.halls, func(h *screens.HallDisplay) bool { return h == d })
	})
	w.Show()
	d.Start()
	if s.Node().Role == node.Display && s.Node().FullScreen {
		w.SetFullScreen(true)
	}
	return w
}

// showVoiceProblem puts the voice's problem (no sound) on every hall
// display this PC shows; on the UI goroutine.
func (s *station) showVoiceProblem() {
	if s.voice == nil {
		return
	}
	p := s.voice.Problem()
	if p != "" {
		s.Log().Warn("hall voice silent", "status", p)
	}
	for _, d := range s.halls {
		d.SetVoiceProblem(p)
	}
}

// showKiosk opens the ticket kiosk (取号机) in its own window.
func (s *station) showKiosk(title string) fyne.Window {
	w := s.a.NewWindow("取号机 — " + title)
	fitToScreen(w, fyne.NewSize(1280, 1024))
	deps := screens.KioskDeps{Hall: s.Hall(), Title: title, OnFullScreen: s.SetFullScreen}
	if rig := s.Rig(); rig != nil {
		deps.PrintTicket = func(t app.IssuedTicket) error { return rig.PrintTicket(s.Context(), t, title) }
	}
	k := screens.NewKiosk(&screens.Env{Win: w, Log: s.Log()}, deps)
	w.SetContent(k.Content())
	k.Attach() // F11
	w.Show()
	if s.Node().Role == node.Kiosk && s.Node().FullScreen {
		w.SetFullScreen(true)
	}
	return w
}

// deviceWatch shows the window's devices on the counter's bar.
type deviceWatch struct{ s *station }

func (w deviceWatch) rig() *devices.WindowRig { return w.s.Rig() }

func (w deviceWatch) Lines() []string {
	var out []string
	fwd := w.s.Forwarder()
	if fwd != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if st, err := fwd.Status(ctx); err == nil {
			out = append(out, st.Pending())
		}
		cancel()
	}
	r := w.rig()
	if r == nil {
		return append(out, "外接设备未启动")
	}
	for _, st := range r.Status() {
		out = append(out, st.Short())
	}
	return out
}

func (w deviceWatch) OnRated(f func(string, bool)) {
	if r := w.rig(); r != nil {
		if f == nil {
			r.OnRated(nil)
			return
		}
		r.OnRated(func(o devices.Outcome) {
			msg := o.Text()
			if o.Serial != "" {
				msg = "流水号 " + o.Serial + "　" + msg
			}
			f(msg, o.Stored)
		})
	}
}

func (w deviceWatch) OnStatus(f func()) {
	if r := w.rig(); r != nil {
		r.OnStatus(f)
	}
}

// The 中心设置 screen runs on app/admin.
var _ screens.CentreAdmin = (*admin.Admin)(nil)

// tools adds the standalone PC's roles to the manager's dashboard.
func (s *station) tools(d *screens.Dashboard, svc *app.Service, user *app.Staff) {
	title := "便民服务中心"
	if c, err := svc.Records().Centre(context.Background()); err == nil && c.Name != "" {
		title = c.Name
	}
	d.AddTool("大厅屏", func() { s.showHallDisplay(title) })
	d.AddTool("取号机", func() { s.showKiosk(title) })
	// The setup is changed on the database the queue and svc run on, taken
	// together now, as the dashboard is built for them.
	if q, db := s.Queue(), s.DB(); q != nil && db != nil {
		open := func() {
			cs := screens.NewCentreSettings(d.Env(), admin.New(svc, db, q), user)
			cs.OnBack = d.ShowSub("centre-settings", cs.Content())
			cs.Reload()
		}
		d.AddTool("中心设置", open)
		// A new centre has no windows yet: setting them up comes first.
		if ws, err := svc.Records().Windows(context.Background()); err == nil && len(ws) == 0 {
			go fyne.Do(open)
		}
	}
	if s.DB() != nil && s.Node().Role != node.Counter {
		// Set up here too (not only with `bianmin sync`), with 测试连接.
		d.AddTool("县级上传", func() {
			cs := screens.NewCountySettings(d.Env(), countyAdmin{s})
			cs.OnBack = d.ShowSub("county", cs.Content())
			cs.Reload()
		})
	}
	if s.ServesLAN() && s.DB() != nil {
		d.AddTool("局域网电脑", func() { s.showLAN(d, user) })
	}
	if db := s.DB(); db != nil {
		d.AddTool("上传退回", func() {
			set, err := countysync.LoadSettings(context.Background(), db)
			if err != nil {
				d.Env().ShowError("county settings unreadable", "上传退回", err, nil)
				return
			}
			r := screens.NewRejected(d.Env(), senderRejected{countysync.NewSender(db, set)}, user)
			r.OnBack = d.ShowSub("rejected", r.Content())
			r.Reload()
		})
	}
	if s.Rig() != nil {
		d.AddTool("设备设置", func() {
			ds := screens.NewDeviceSettings(d.Env(), s.Rig(), 2*time.Second)
			back := d.ShowSub("devices", ds.Content())
			ds.OnBack = back
		})
	}
}

// showLAN opens the manager's list of LAN PCs (局域网电脑): add one (its
// join code), revoke one.
func (s *station) showLAN(d *screens.Dashboard, user *app.Staff) {
	if !s.ServesLAN() {
		return
	}
	p := screens.NewPCList(d.Env(), s.Station, user)
	p.OnBack = d.ShowSub("pcs", p.Content())
	p.Reload()
}

// senderRejected gives the 上传退回 screen the county sender's rejected
// records in the screen's own type (screens imports no sync package).
type senderRejected struct{ *countysync.Sender }

func (s senderRejected) Rejected(ctx context.Context, limit int) ([]screens.RejectedRecord, error) {
	list, err := s.Sender.Rejected(ctx, limit)
	out := make([]screens.RejectedRecord, len(list))
	for i, r := range list {
		out[i] = screens.RejectedRecord(r)
	}
	return out, err
}
