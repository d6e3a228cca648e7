//go:build !nogui

package gui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"bianmin/app"
	"bianmin/app/pinyinime"
	"bianmin/cli"
	"bianmin/devices"
	"bianmin/devices/devconf"
	"bianmin/devices/idcard"
	"bianmin/devices/voice"
	"bianmin/node"
	"bianmin/screens"
	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/sync/lan"
	"bianmin/sync/relay"
)

// station is what one running program owns besides its main window: the
// database, the queue (local, or the hub's across the LAN), the window's
// devices, the hub's LAN server, the counter's forwarder to the hub, the
// customer-facing rating window and the hall display's voice.
type station struct {
	a      fyne.App
	log    *slog.Logger
	dbPath string
	node   node.Node
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	db     *storage.DB
	svc    *app.Service
	hall   app.Hall
	queue  *app.Queue
	rig    *devices.WindowRig
	fwd    *relay.Forwarder
	hub    *cli.Hub
	client *lan.Client
	sender *countysync.Sender // the hub's upload to the county, when configured
	// stopSender ends the running upload (new settings restart it).
	stopSender context.CancelFunc
	lanAt      net.Addr // where the LAN API listens (hub with a window)

	ratingWin fyne.Window
	halls     []*screens.HallDisplay // the open hall displays (UI goroutine only)
	// ratingOneScreen: the rating window found no second monitor.
	ratingOneScreen bool
	rating          *screens.Rating
	voice           *voice.Announcer
}

func newStation(a fyne.App, n node.Node, dbPath string, log *slog.Logger) *station {
	ctx, cancel := context.WithCancel(context.Background())
	return &station{a: a, node: n, dbPath: dbPath, log: log, ctx: ctx, cancel: cancel}
}

// open opens (or reopens) the database and starts what the role runs on it.
func (s *station) open(ctx context.Context) (*app.Service, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	if s.node.Role == node.Counter {
		if err := s.joinHub(ctx); err != nil {
			return nil, err
		}
	}
	svc, db, err := cli.OpenService(ctx, s.dbPath, s.log)
	if err != nil {
		return nil, err
	}
	s.db, s.svc = db, svc
	if s.node.Role == node.Counter {
		cl, err := lan.NewPinnedClient(s.node.Hub, s.node.Pin, lan.Credential(s.node.Key), s.log)
		if err != nil {
			return nil, err
		}
		s.client = cl
		s.hall = s.client
		// The counter's own serial numbers carry its window number, so no
		// two counters (nor the hub) ever give out the same 流水号.
		if err := db.SetNodeNumber(ctx, s.node.Window); err != nil {
			return nil, err
		}
		s.fwd.DB = db // joinHub's handle is closed
		s.fwd.Start(s.ctx)
	} else {
		s.queue = app.NewQueue(db, svc.Clock, s.log)
		s.hall = s.queue
		if s.node.Listen != "" {
			if err := s.serveLocked(ctx); err != nil {
				s.log.Warn("LAN hub not started", "listen", s.node.Listen, "err", err)
			}
		}
		s.startSenderLocked(ctx)
	}
	s.startDevicesLocked(ctx)
	return svc, nil
}

// joinHub opens the counter's own database and takes the centre's
// configuration (staff, windows, items, categories) from the hub; with the
// hub away, a counter that has it already works on.
func (s *station) joinHub(ctx context.Context) error {
	db, err := storage.Open(s.dbPath)
	if err != nil {
		return err
	}
	db.LogRepairs(s.log)
	if err := lan.CheckHubURL(s.node.Hub); err != nil {
		db.Close()
		return err
	}
	s.fwd = relay.NewForwarder(db, strings.TrimRight(s.node.Hub, "/")+"/api/v1/relay", s.node.Key, s.log)
	s.fwd.Client = &http.Client{Transport: lan.PinnedTransport(s.node.Pin), Timeout: 60 * time.Second}
	s.fwd.Node = fmt.Sprintf("%02d", s.node.Window)
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = s.fwd.RefreshConfig(cctx)
	cancel()
	if err == nil {
		db.Close()
		return nil
	}
	_, cerr := db.Centre(ctx)
	db.Close()
	if cerr == nil {
		s.log.Warn("hub unreachable: working on the configuration already here", "err", err)
		return nil
	}
	return &app.UserError{Code: app.CodeHubUnreachable, Err: err,
		Msg: "第一次使用需要连接中心主机以取得人员和事项配置，请检查网络和中心主机是否开机后重试；如本机已被撤销，请中心负责人重新添加"}
}

// serveLocked makes this standalone PC the centre's hub on the LAN too.
func (s *station) serveLocked(ctx context.Context) error {
	hub, err := cli.NewHub(ctx, s.db, s.svc, s.queue, s.log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.node.Listen)
	if err != nil {
		return err
	}
	s.hub = hub
	go func() {
		if err := hub.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("LAN hub stopped", "err", err)
		}
	}()
	s.lanAt = ln.Addr()
	s.log.Info("LAN hub serving", "listen", ln.Addr().String(), "pin", hub.Pin)
	return nil
}

// startSenderLocked uploads to the county in the background when `bianmin
// sync` has saved the county's address and keys: every few minutes, and at
// once on 立即上传.
func (s *station) startSenderLocked(ctx context.Context) {
	set, err := countysync.LoadSettings(ctx, s.db)
	if err != nil {
		s.log.Warn("county settings unreadable", "err", err)
		return
	}
	if !set.Configured() {
		return
	}
	snd := countysync.NewSender(s.db, set)
	snd.Rater = s.svc // QR ratings made on phones come down with the county's config
	s.sender = snd
	sctx, stop := context.WithCancel(s.ctx)
	s.stopSender = stop
	go func() {
		if err := snd.Run(sctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("county upload stopped", "err", err)
		}
	}()
}

// countyAdmin is the 县级上传 screen's backend on the station.
type countyAdmin struct{ s *station }

func (c countyAdmin) CountySettings(ctx context.Context) (screens.CountyForm, error) {
	set, err := countysync.LoadSettings(ctx, c.s.db)
	return screens.CountyForm{URL: set.URL, AppKey: set.AppKey, Secret: set.Secret, QRKey: set.QRKey,
		AllowHTTP: set.AllowHTTP, Interval: set.Interval}, err
}

// merged is the stored settings with the form over them: the county's codes
// and mappings stay as they are.
func (c countyAdmin) merged(ctx context.Context, f screens.CountyForm) (countysync.Settings, error) {
	set, err := countysync.LoadSettings(ctx, c.s.db)
	if err != nil {
		return set, err
	}
	set.URL, set.AppKey, set.Secret, set.QRKey, set.AllowHTTP = f.URL, f.AppKey, f.Secret, f.QRKey, f.AllowHTTP
	if f.Interval > 0 {
		set.Interval = f.Interval
	}
	return set, nil
}

// SaveCountySettings stores the settings (validated, https unless allowed)
// and restarts the upload with them.
func (c countyAdmin) SaveCountySettings(ctx context.Context, f screens.CountyForm) error {
	set, err := c.merged(ctx, f)
	if err != nil {
		return err
	}
	if err := countysync.SaveSettings(ctx, c.s.db, set); err != nil {
		return err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.stopSender != nil {
		c.s.stopSender()
		c.s.stopSender = nil
	}
	c.s.sender = nil
	c.s.startSenderLocked(ctx)
	c.s.log.Info("county settings saved from the window", "url", set.URL)
	return nil
}

// TestCounty asks the county for this centre's configuration: a signed
// request whose answer must verify (county-upload.md "Trust").
func (c countyAdmin) TestCounty(ctx context.Context, f screens.CountyForm) (string, error) {
	set, err := c.merged(ctx, f)
	if err != nil {
		return "", err
	}
	if err := set.Validate(); err != nil {
		return "", err
	}
	centre, err := c.s.db.Centre(ctx)
	if err != nil {
		return "", err
	}
	snd := countysync.NewSender(c.s.db, set)
	if _, err := snd.FetchConfig(ctx, centre.AreaCode); err != nil {
		return "", &app.UserError{Code: "county_test_failed", Msg: "县级平台连接未成功：" + app.UserMessage(err), Err: err}
	}
	return "县级平台应答正常，签名核验通过。", nil
}

// SendNow starts an upload at once (立即上传).
func (c countyAdmin) SendNow() {
	c.s.mu.Lock()
	snd := c.s.sender
	c.s.mu.Unlock()
	if snd != nil {
		snd.SendNow()
	}
}

func (c countyAdmin) UploadStatus(ctx context.Context) ([]string, error) {
	c.s.mu.Lock()
	snd := c.s.sender
	c.s.mu.Unlock()
	if snd == nil {
		return nil, nil
	}
	st, err := snd.Status(ctx)
	if err != nil {
		return nil, err
	}
	return st.Lines(), nil
}

// startDevicesLocked starts this window PC's keypad and printer: as
// configured in devices.json, simulated on pseudo-terminals where none is.
func (s *station) startDevicesLocked(ctx context.Context) {
	cfgPath := devconf.PathFor(s.dbPath)
	cfg, err := devconf.Load(cfgPath)
	if err != nil {
		s.log.Warn("device settings unreadable, using defaults", "path", cfgPath, "err", err)
		cfg = devconf.Default()
	}
	centre, _ := s.db.Centre(ctx)
	rig, err := devices.StartWindow(s.ctx, cfg, devices.WindowOptions{
		Rater: s.svc, Audit: s.db, Clock: s.svc.Clock, BadTags: s.svc.Profile.Tags.Bad,
		Device: fmt.Sprintf("%d号窗口评价器", s.node.Window), Centre: centre.Name,
		ConfigPath: cfgPath, SimDir: filepath.Join(filepath.Dir(s.dbPath), "printer-sim"), Log: s.log,
	})
	if err != nil {
		s.log.Warn("devices not started", "err", err)
		return
	}
	s.rig = rig
}

// stopLocked stops what open started (before a reopen, and at exit).
func (s *station) stopLocked() {
	if s.rig != nil {
		s.rig.Close()
		s.rig = nil
	}
	if s.hub != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = s.hub.Server.Shutdown(ctx)
		cancel()
		s.hub = nil
	}
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			s.log.Warn("close database", "err", err)
		}
		s.db = nil
	}
}

// close ends everything.
func (s *station) close() {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.voice != nil {
		s.voice.Close()
	}
	s.stopLocked()
}

// windowFor is the window the user serves at this PC: the PC's window
// number when set, else the user's A/B post, else the first active window.
func (s *station) windowFor(ctx context.Context, user *app.Staff) (app.Window, error) {
	ws, err := s.svc.Records().Windows(ctx)
	if err != nil {
		return app.Window{}, err
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].Number < ws[j].Number })
	byID := map[int64]app.Window{}
	for _, w := range ws {
		if w.Active {
			byID[w.ID] = w
		}
	}
	if s.node.Window > 0 {
		for _, w := range ws {
			if w.Active && w.Number == s.node.Window {
				return w, nil
			}
		}
		return app.Window{}, &app.UserError{Code: "unknown_window",
			Msg: fmt.Sprintf("本机设置的%d号窗口不存在或已停用，请联系管理员", s.node.Window)}
	}
	posts, err := s.svc.Records().Posts(ctx)
	if err != nil {
		return app.Window{}, err
	}
	for _, p := range posts {
		if w, ok := byID[p.WindowID]; ok && p.StaffID == user.ID {
			return w, nil
		}
	}
	for _, w := range ws {
		if w.Active {
			return w, nil
		}
	}
	return app.Window{}, &app.UserError{Code: "no_window", Msg: "中心还没有在用的窗口，请先由负责人设置窗口"}
}

// counterDeps wires the counter screen for the signed-in user.
func (s *station) counterDeps(ctx context.Context, svc *app.Service, user *app.Staff) (screens.CounterDeps, error) {
	w, err := s.windowFor(ctx, user)
	if err != nil {
		return screens.CounterDeps{}, err
	}
	s.mu.Lock()
	hall, rig := s.hall, s.rig
	s.mu.Unlock()
	clerk := *user
	d := screens.CounterDeps{
		Hall: hall, Reg: svc, Clerk: user, WindowID: w.ID, Local: s.node.Role != node.Counter,
		Drafts: screens.FileDrafts{Dir: filepath.Join(filepath.Dir(s.dbPath), "drafts")},
		SignIn: svc.Login, Cases: svc,
		// No system IME for Chinese: names go in with the built-in pinyin input.
		PinyinOn: !pinyinime.SystemIME(),
	}
	if s.node.Role == node.Counter && s.fwd != nil {
		d.Cases = hubCases{svc, s.fwd}
	}
	if rig != nil {
		d.PrintNotice = func(n screens.Notice) error {
			for _, it := range n.Items {
				if err := rig.PrintNotice(s.ctx, app.Transaction{Serial: n.Serial, ApplicantName: n.Applicant},
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
			if s.node.Tablet {
				go func() {
					if err := rig.PrintReceipt(s.ctx, tx, []string{tx.ItemName}, w.Number, clerk); err != nil {
						s.log.Warn("receipt not printed", "serial", tx.Serial, "err", err)
					}
				}()
				return
			}
			// Held until the keypad's answer (which may come at once), so a
			// rated visit's receipt does not ask to rate again.
			rig.PrintReceiptAfterRating(tx, []string{tx.ItemName}, w.Number, clerk)
			if err := rig.StartRating(tx, clerk, w.Number); err != nil {
				s.log.Warn("keypad rating not started", "serial", tx.Serial, "err", err)
				rig.FlushReceipts()
			}
		}
	}
	if s.node.Tablet {
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
		r := screens.NewRating(&screens.Env{Win: w, Log: s.log}, screens.RatingDeps{Rater: svc, Profile: svc.Profile,
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
			s.log.Info("tablet rating: no second monitor, the rating window opens on the clerk's screen")
			fitToScreen(w, fyne.NewSize(1024, 700))
		} else {
			s.log.Info("tablet rating: on the second monitor")
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
		if s.queue != nil { // 叫号设置: how often each call is spoken
			if qs, err := s.queue.Settings(context.Background()); err == nil && qs.Repeat > 0 {
				cfg.Repeat = qs.Repeat
			}
		}
		cfg.OnStatus = func(string) { fyne.Do(s.showVoiceProblem) }
		s.voice = voice.New(cfg, s.log)
		s.log.Info("hall voice", "status", s.voice.Status())
	}
	v := s.voice
	d := screens.NewHallDisplay(&screens.Env{Win: w, Log: s.log}, screens.HallDisplayDeps{
		Hall: s.hall, Title: title,
		Announce:     func(c app.Call) { v.Announce(voice.Text(c.Number, c.WindowNumber)) },
		OnFullScreen: s.rememberFullScreen,
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
	if s.node.Role == node.Display && s.node.FullScreen {
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
		s.log.Warn("hall voice silent", "status", p)
	}
	for _, d := range s.halls {
		d.SetVoiceProblem(p)
	}
}

// showKiosk opens the ticket kiosk (取号机) in its own window.
func (s *station) showKiosk(title string) fyne.Window {
	w := s.a.NewWindow("取号机 — " + title)
	fitToScreen(w, fyne.NewSize(1280, 1024))
	deps := screens.KioskDeps{Hall: s.hall, Title: title, OnFullScreen: s.rememberFullScreen}
	if rig := s.rig; rig != nil {
		deps.PrintTicket = func(t app.IssuedTicket) error { return rig.PrintTicket(s.ctx, t, title) }
	}
	k := screens.NewKiosk(&screens.Env{Win: w, Log: s.log}, deps)
	w.SetContent(k.Content())
	k.Attach() // F11
	w.Show()
	if s.node.Role == node.Kiosk && s.node.FullScreen {
		w.SetFullScreen(true)
	}
	return w
}

// deviceWatch shows the window's devices on the counter's bar.
type deviceWatch struct{ s *station }

func (w deviceWatch) rig() *devices.WindowRig {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.rig
}

func (w deviceWatch) Lines() []string {
	var out []string
	w.s.mu.Lock()
	fwd := w.s.fwd
	w.s.mu.Unlock()
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

// tools adds the standalone PC's roles to the manager's dashboard.
func (s *station) tools(d *screens.Dashboard, svc *app.Service, user *app.Staff) {
	title := "便民服务中心"
	if c, err := svc.Records().Centre(context.Background()); err == nil && c.Name != "" {
		title = c.Name
	}
	d.AddTool("大厅屏", func() { s.showHallDisplay(title) })
	d.AddTool("取号机", func() { s.showKiosk(title) })
	if q := s.queue; q != nil {
		open := func() {
			cs := screens.NewCentreSettings(d.Env(), app.NewAdmin(svc, q), user)
			cs.OnBack = d.ShowSub("centre-settings", cs.Content())
			cs.Reload()
		}
		d.AddTool("中心设置", open)
		// A new centre has no windows yet: setting them up comes first.
		if ws, err := svc.Records().Windows(context.Background()); err == nil && len(ws) == 0 {
			go fyne.Do(open)
		}
	}
	if s.db != nil && s.node.Role != node.Counter {
		// Set up here too (not only with `bianmin sync`), with 测试连接.
		d.AddTool("县级上传", func() {
			cs := screens.NewCountySettings(d.Env(), countyAdmin{s})
			cs.OnBack = d.ShowSub("county", cs.Content())
			cs.Reload()
		})
	}
	if s.hub != nil && s.db != nil {
		d.AddTool("局域网电脑", func() { s.showLAN(d, user) })
	}
	if db := s.db; db != nil {
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
	if s.rig != nil {
		d.AddTool("设备设置", func() {
			ds := screens.NewDeviceSettings(d.Env(), s.rig, 2*time.Second)
			back := d.ShowSub("devices", ds.Content())
			ds.OnBack = back
		})
	}
}

// showLAN opens the manager's list of LAN PCs (局域网电脑): add one (its
// join code), revoke one.
func (s *station) showLAN(d *screens.Dashboard, user *app.Staff) {
	if s.hub == nil {
		return
	}
	p := screens.NewPCList(d.Env(), pcAdmin{s}, user)
	p.OnBack = d.ShowSub("pcs", p.Content())
	p.Reload()
}

// hubCases is a counter PC's 在办件: its own database, and by 流水号 any
// case of the centre, brought from the hub (a 承诺件 accepted at another
// window).
type hubCases struct {
	svc *app.Service
	fwd *relay.Forwarder
}

func (h hubCases) OpenCases(ctx context.Context, actor *app.Staff, q string, windowID int64) ([]app.OpenCase, error) {
	return h.svc.OpenCases(ctx, actor, q, windowID)
}

func (h hubCases) CaseBySerial(ctx context.Context, actor *app.Staff, serial string) (app.OpenCase, error) {
	return relay.CaseBySerial(ctx, h.svc, h.fwd, actor, serial)
}

// pcAdmin is the hub's registry for the 局域网电脑 screen.
type pcAdmin struct{ s *station }

func (a pcAdmin) PCs(ctx context.Context) ([]app.PC, []app.Window, error) {
	pcs, err := a.s.hub.Registry.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	ws, err := a.s.db.Windows(ctx)
	return pcs, ws, err
}

func (a pcAdmin) AddPC(ctx context.Context, actor *app.Staff, role app.PCRole, window int, name string) (app.PC, string, error) {
	var addrs []string
	if a.s.lanAt != nil {
		addrs = cli.HubAddrs(a.s.lanAt)
	}
	if len(addrs) == 0 {
		addrs = []string{a.s.node.Listen}
	}
	pc, code, err := a.s.hub.Registry.Add(ctx, actor, role, window, name, addrs[0])
	return pc, code.String(), err
}

func (a pcAdmin) RevokePC(ctx context.Context, actor *app.Staff, id int64) error {
	return a.s.hub.Registry.Revoke(ctx, actor, id)
}

// rememberFullScreen keeps the kiosk's or hall display's F11 state for the
// next start (on a PC with that role).
func (s *station) rememberFullScreen(fs bool) {
	if s.node.Role != node.Kiosk && s.node.Role != node.Display {
		return
	}
	s.node.FullScreen = fs
	if err := node.Save(node.Path(s.dbPath), s.node); err != nil {
		s.log.Warn("node settings not saved", "err", err)
	}
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
