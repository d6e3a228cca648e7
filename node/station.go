package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
	"bianmin/devices"
	"bianmin/devices/devconf"
	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/sync/lan"
	"bianmin/sync/relay"
	"bianmin/wire"
)

// Station is what a PC runs for its role behind its screens: the database,
// the queue (local, or the hub's across the LAN), the window's devices, the
// hub's LAN server, the counter's forwarder to the hub and the upload to the
// county. It opens no window: internal/gui shows the screens over it, and
// its tests need neither cgo nor a display.
type Station struct {
	dbPath string
	log    *slog.Logger
	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	mu     sync.Mutex
	n      Node
	db     *storage.DB
	svc    *app.Service
	hall   app.Hall
	queue  *queue.Queue
	rig    *devices.WindowRig
	fwd    *relay.Forwarder
	hub    *wire.Hub
	client *lan.Client
	sender *countysync.Sender // the hub's upload to the county, when configured
	// stopSender ends the running upload (new settings restart it).
	stopSender context.CancelFunc
	lanAt      net.Addr // where the LAN API listens (hub with a window)
}

// NewStation is the station of a PC with node n and its database at dbPath;
// Open starts it (ConnectHall for a kiosk or hall display).
func NewStation(n Node, dbPath string, log *slog.Logger) *Station {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Station{n: n, dbPath: dbPath, log: log, ctx: ctx, cancel: cancel}
}

// Node is this PC's node.json as the station runs it.
func (s *Station) Node() Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// DBPath is the database file.
func (s *Station) DBPath() string { return s.dbPath }

// Log is the station's log.
func (s *Station) Log() *slog.Logger { return s.log }

// Context ends when the station closes: the work it starts runs in it.
func (s *Station) Context() context.Context { return s.ctx }

// DB is the open database (nil before Open, and on a kiosk or hall display).
func (s *Station) DB() *storage.DB {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db
}

// Service is the opened service (nil before Open).
func (s *Station) Service() *app.Service {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.svc
}

// Hall is the queue the screens call: this PC's own, or the hub's.
func (s *Station) Hall() app.Hall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hall
}

// Queue is this PC's own queue (the hub or a standalone PC; nil on a counter).
func (s *Station) Queue() *queue.Queue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue
}

// Rig is the window's devices (nil when they did not start).
func (s *Station) Rig() *devices.WindowRig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rig
}

// Forwarder is a counter's sender to the hub (nil elsewhere).
func (s *Station) Forwarder() *relay.Forwarder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fwd
}

// ServesLAN reports whether this PC serves the centre's LAN API (a
// standalone PC with --listen): the 局域网电脑 screen is then its to show.
func (s *Station) ServesLAN() bool { return s.hubNow() != nil }

func (s *Station) hubNow() *wire.Hub {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hub
}

// LANAddr is where the LAN API listens (nil when it does not).
func (s *Station) LANAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lanAt
}

// ConnectHall makes the hub's queue this PC's hall, across the LAN: a kiosk
// or a hall display, which have no database and no login.
func (s *Station) ConnectHall() error {
	n := s.Node()
	cl, err := lan.NewPinnedClient(n.Hub, n.Pin, lan.Credential(n.Key), s.log)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.client = cl
	s.hall = cl
	return nil
}

// SetFullScreen keeps a kiosk's or hall display's F11 state in node.json for
// the next start (on a PC with that role).
func (s *Station) SetFullScreen(fs bool) {
	s.mu.Lock()
	if s.n.Role != Kiosk && s.n.Role != Display {
		s.mu.Unlock()
		return
	}
	s.n.FullScreen = fs
	n := s.n
	s.mu.Unlock()
	if err := Save(Path(s.dbPath), n); err != nil {
		s.log.Warn("node settings not saved", "err", err)
	}
}

// Open opens (or reopens) the database and starts what the role runs on it.
func (s *Station) Open(ctx context.Context) (*app.Service, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	if s.n.Role == Counter {
		if err := s.joinHub(ctx); err != nil {
			return nil, err
		}
	}
	svc, db, err := wire.OpenService(ctx, s.dbPath, s.log)
	if err != nil {
		return nil, err
	}
	s.db, s.svc = db, svc
	if s.n.Role == Counter {
		cl, err := lan.NewPinnedClient(s.n.Hub, s.n.Pin, lan.Credential(s.n.Key), s.log)
		if err != nil {
			return nil, err
		}
		s.client = cl
		s.hall = s.client
		// The counter's own serial numbers carry its window number, so no
		// two counters (nor the hub) ever give out the same 流水号.
		if err := db.SetNodeNumber(ctx, s.n.Window); err != nil {
			return nil, err
		}
		s.fwd.DB = db // joinHub's handle is closed
		s.fwd.Start(s.ctx)
	} else {
		s.queue = queue.New(db, svc.Clock, s.log)
		s.hall = s.queue
		if s.n.Listen != "" {
			if err := s.serveLocked(ctx); err != nil {
				s.log.Warn("LAN hub not started", "listen", s.n.Listen, "err", err)
			}
		}
		s.startSenderLocked()
	}
	s.startDevicesLocked(ctx)
	return svc, nil
}

// joinHub opens the counter's own database and takes the centre's
// configuration (staff, windows, items, categories) from the hub; with the
// hub away, a counter that has it already works on.
func (s *Station) joinHub(ctx context.Context) error {
	db, err := storage.Open(s.dbPath)
	if err != nil {
		return err
	}
	db.LogRepairs(s.log)
	if err := lan.CheckHubURL(s.n.Hub); err != nil {
		db.Close()
		return err
	}
	s.fwd = relay.NewForwarder(db, strings.TrimRight(s.n.Hub, "/")+"/api/v1/relay", s.n.Key, s.log)
	s.fwd.Client = &http.Client{Transport: lan.PinnedTransport(s.n.Pin), Timeout: 60 * time.Second}
	s.fwd.Node = fmt.Sprintf("%02d", s.n.Window)
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
func (s *Station) serveLocked(ctx context.Context) error {
	hub, err := wire.NewHub(ctx, s.db, s.svc, s.queue, s.log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.n.Listen)
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
func (s *Station) startSenderLocked() {
	snd, stop, err := countysync.Start(s.ctx, s.db, s.svc, s.log)
	if err != nil {
		s.log.Warn("county settings unreadable", "err", err)
		return
	}
	s.sender, s.stopSender = snd, stop
}

// stopSenderLocked stops the upload to the county and waits for it.
func (s *Station) stopSenderLocked() {
	if s.stopSender != nil {
		s.stopSender()
	}
	s.sender, s.stopSender = nil, nil
}

// CountySettings are the stored settings of the upload to the county.
func (s *Station) CountySettings(ctx context.Context) (countysync.Settings, error) {
	return countysync.LoadSettings(ctx, s.DB())
}

// SaveCountySettings stores the settings (validated, https unless allowed)
// and restarts the upload with them.
func (s *Station) SaveCountySettings(ctx context.Context, set countysync.Settings) error {
	if err := countysync.SaveSettings(ctx, s.DB(), set); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopSenderLocked()
	s.startSenderLocked()
	s.log.Info("county settings saved from the window", "url", set.URL)
	return nil
}

// TestCounty asks the county for this centre's configuration with set: a
// signed request whose answer must verify (county-upload.md "Trust").
func (s *Station) TestCounty(ctx context.Context, set countysync.Settings) (string, error) {
	if err := set.Validate(); err != nil {
		return "", err
	}
	db := s.DB()
	centre, err := db.Centre(ctx)
	if err != nil {
		return "", err
	}
	snd := countysync.NewSender(db, set)
	if _, err := snd.FetchConfig(ctx, centre.AreaCode); err != nil {
		return "", &app.UserError{Code: "county_test_failed", Msg: "县级平台连接未成功：" + app.UserMessage(err), Err: err}
	}
	return "县级平台应答正常，签名核验通过。", nil
}

// SendNow starts an upload at once (立即上传).
func (s *Station) SendNow() {
	if snd := s.countySender(); snd != nil {
		snd.SendNow()
	}
}

// UploadStatus is the upload's status lines (none when it is not set up).
func (s *Station) UploadStatus(ctx context.Context) ([]string, error) {
	snd := s.countySender()
	if snd == nil {
		return nil, nil
	}
	st, err := snd.Status(ctx)
	if err != nil {
		return nil, err
	}
	return st.Lines(), nil
}

func (s *Station) countySender() *countysync.Sender {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sender
}

// startDevicesLocked starts this window PC's keypad and printer: as
// configured in devices.json, simulated on pseudo-terminals where none is.
func (s *Station) startDevicesLocked(ctx context.Context) {
	cfgPath := devconf.PathFor(s.dbPath)
	cfg, err := devconf.Load(cfgPath)
	if err != nil {
		s.log.Warn("device settings unreadable, using defaults", "path", cfgPath, "err", err)
		cfg = devconf.Default()
	}
	centre, _ := s.db.Centre(ctx)
	rig, err := devices.StartWindow(s.ctx, cfg, devices.WindowOptions{
		Rater: s.svc, Audit: s.db, Clock: s.svc.Clock, BadTags: s.svc.Profile.Tags.Bad,
		Device: fmt.Sprintf("%d号窗口评价器", s.n.Window), Centre: centre.Name,
		ConfigPath: cfgPath, SimDir: filepath.Join(filepath.Dir(s.dbPath), "printer-sim"), Log: s.log,
	})
	if err != nil {
		s.log.Warn("devices not started", "err", err)
		return
	}
	s.rig = rig
}

// stopLocked stops what open started (before a reopen, and at exit).
func (s *Station) stopLocked() {
	s.stopSenderLocked() // before the database it reads closes
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

// Close stops everything the station started.
func (s *Station) Close() {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

// WindowFor is the window the user serves at this PC: the PC's window
// number when set, else the user's A/B post, else the first active window.
func (s *Station) WindowFor(ctx context.Context, user *app.Staff) (app.Window, error) {
	ws, err := s.Service().Records().Windows(ctx)
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
	window := s.Node().Window
	if window > 0 {
		for _, w := range ws {
			if w.Active && w.Number == window {
				return w, nil
			}
		}
		return app.Window{}, &app.UserError{Code: "unknown_window",
			Msg: fmt.Sprintf("本机设置的%d号窗口不存在或已停用，请联系管理员", window)}
	}
	posts, err := s.Service().Records().Posts(ctx)
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

// HubCases is a counter PC's 在办件: its own database, and by 流水号 any
// case of the centre, brought from the hub (a 承诺件 accepted at another
// window).
type HubCases struct {
	Svc *app.Service
	Fwd *relay.Forwarder
}

func (h HubCases) OpenCases(ctx context.Context, actor *app.Staff, q string, windowID int64) ([]app.OpenCase, error) {
	return h.Svc.OpenCases(ctx, actor, q, windowID)
}

func (h HubCases) CaseBySerial(ctx context.Context, actor *app.Staff, serial string) (app.OpenCase, error) {
	return relay.CaseBySerial(ctx, h.Svc, h.Fwd, actor, serial)
}

// PCs lists the centre's LAN PCs and its windows (the 局域网电脑 screen).
func (s *Station) PCs(ctx context.Context) ([]app.PC, []app.Window, error) {
	pcs, err := s.hubNow().Registry.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	ws, err := s.DB().Windows(ctx)
	return pcs, ws, err
}

// AddPC adds a LAN PC and returns its join code, naming this hub's address.
func (s *Station) AddPC(ctx context.Context, actor *app.Staff, role app.PCRole, window int, name string) (app.PC, string, error) {
	var addrs []string
	if s.LANAddr() != nil {
		addrs = wire.HubAddrs(s.LANAddr())
	}
	if len(addrs) == 0 {
		addrs = []string{s.Node().Listen}
	}
	pc, code, err := s.hubNow().Registry.Add(ctx, actor, role, window, name, addrs[0])
	return pc, code.String(), err
}

// RevokePC revokes a LAN PC's credential.
func (s *Station) RevokePC(ctx context.Context, actor *app.Staff, id int64) error {
	return s.hubNow().Registry.Revoke(ctx, actor, id)
}
