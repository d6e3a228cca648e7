package devices

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"bianmin/app"
	"bianmin/devices/devconf"
	"bianmin/devices/escpos"
	"bianmin/devices/idcard"
	"bianmin/devices/keypad"
	"bianmin/devices/serialport"
	"bianmin/printing"
	"bianmin/printing/sysprint"
)

// RateLink is the county's rating link for the receipt's QR code: a template
// holding {serial} and {sig} (printing.RateURL) and the key that signs it.
type RateLink struct {
	Template string
	Key      []byte
}

// demoRateLink is used only when the printer is simulated and no link was
// given, so the demo's receipts carry a QR code; a real printer with no link
// prints receipts without one rather than a code to a made-up address.
var demoRateLink = RateLink{Template: "https://hcp.example.gov.cn/m/pj?bh={serial}&qm={sig}", Key: []byte("bianmin-demo")}

// WindowOptions is what a window PC's devices need besides their configuration.
type WindowOptions struct {
	Rater   Rater   // required: the app.Service, or the counter's store that forwards to the hub
	Audit   Auditor // optional: stray keys, timeouts and unmatched results are audited here
	Clock   app.Clock
	BadTags []string // the profile's bad-review tags: keypad reason key n → BadTags[n-1]
	Device  string   // stored with each keypad rating, e.g. "3号窗口评价器"
	Centre  string   // printed at the top of receipts, notices and tickets
	Rate    RateLink // the receipt's QR code; empty = no QR (demo link when the printer is simulated)
	// ConfigPath is where Save writes the configuration (devconf.PathFor(db)).
	ConfigPath string
	// SimDir receives the simulated printer's jobs (.bin) and their previews
	// (.png); default <temp>/bianmin-printer.
	SimDir string
	// SimStars is what the simulated keypad's person presses: 1–5, or 0 for a
	// mostly-good random level. SimDelay is how long they take (default 2 s).
	SimStars int
	SimDelay time.Duration
	// StatusEvery is how often the printer's status is asked (default 30 s).
	StatusEvery time.Duration
	Log         *slog.Logger
}

// WindowRig runs one window PC's keypad and printer, real or simulated, and
// gives the screens plain functions: start a rating, print, status lines, and
// what the settings screen needs (ports, test, preview, save).
type WindowRig struct {
	opts WindowOptions
	log  *slog.Logger
	ctx  context.Context

	mu       sync.Mutex
	cfg      devconf.Config
	cur      *rigRun
	onRated  func(Outcome)
	onStatus func()
	onCard   func(*idcard.Card, string)
	// receipts wait for the keypad's outcome of their visit (by 流水号).
	receipts map[string]pendingReceipt

	printMu sync.Mutex // one job (or status query) at a time
}

// rigRun is the devices started for one configuration.
type rigRun struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup

	keypad   *Keypad // nil when none
	kpSim    *simKeypad
	kpStatus devconf.Status // when keypad is nil

	printer  *Printer // nil when none
	prSim    *simPrinter
	prof     escpos.Profile
	prMu     sync.Mutex
	prStatus devconf.Status

	reader   *IDReader // nil when none
	idSim    *simIDReader
	idStatus devconf.Status // when reader is nil
}

// StartWindow starts the configured devices; devices the configuration does
// not name are simulated on pseudo-terminals when cfg.Simulate is set (Linux),
// and reported as not configured otherwise. It fails only on a bad
// configuration; a device that is absent is reported in Status and retried.
func StartWindow(ctx context.Context, cfg devconf.Config, opts WindowOptions) (*WindowRig, error) {
	if opts.Rater == nil {
		return nil, errors.New("devices: StartWindow needs a Rater")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = app.SystemClock{}
	}
	if opts.Device == "" {
		opts.Device = "窗口评价器"
	}
	if opts.SimDir == "" {
		opts.SimDir = filepath.Join(os.TempDir(), "bianmin-printer")
	}
	if opts.SimDelay == 0 {
		opts.SimDelay = 2 * time.Second
	}
	if opts.StatusEvery == 0 {
		opts.StatusEvery = 30 * time.Second
	}
	r := &WindowRig{opts: opts, log: opts.Log, ctx: ctx}
	r.mu.Lock()
	r.start(cfg)
	r.mu.Unlock()
	go func() {
		<-ctx.Done()
		r.Close()
	}()
	return r, nil
}

// OnRated sets what runs when the keypad produced a rating (stored or
// refused, Outcome.Message says which in Chinese) or timed out. It runs on a
// device goroutine: a screen hands it to its UI goroutine (fyne.Do).
func (r *WindowRig) OnRated(f func(Outcome)) { r.mu.Lock(); r.onRated = f; r.mu.Unlock() }

// OnStatus sets what runs when a status line changed (device goroutine).
func (r *WindowRig) OnStatus(f func()) { r.mu.Lock(); r.onStatus = f; r.mu.Unlock() }

func (r *WindowRig) statusChanged(run *rigRun) {
	r.mu.Lock()
	f := r.onStatus
	live := r.cur == run
	r.mu.Unlock()
	if f != nil && live {
		f()
	}
}

// start brings up the devices of cfg; r.mu is held.
func (r *WindowRig) start(cfg devconf.Config) {
	ctx, cancel := context.WithCancel(r.ctx)
	run := &rigRun{cancel: cancel}
	r.cfg = cfg
	r.cur = run
	r.startKeypad(ctx, run, cfg)
	r.startPrinter(ctx, run, cfg)
	r.startReader(ctx, run, cfg)
}

func (r *WindowRig) startKeypad(ctx context.Context, run *rigRun, cfg devconf.Config) {
	k := cfg.Keypad
	st := devconf.Status{Device: "评价器"}
	if !k.Enabled {
		st.State, st.Text = devconf.StateDisabled, "已停用"
		run.kpStatus = st
		return
	}
	kc := KeypadConfig{Enabled: true, Port: k.Port, Baud: k.Baud, Mode: k.Mode, Addr: byte(k.Addr),
		KeyMap: k.KeyMap, Timeout: byte(k.TimeoutS)}
	maxBackoff := 10 * time.Second
	if !cfg.KeypadConfigured() {
		if !cfg.Simulate {
			st.State, st.Text = devconf.StateNone, "未配置（请在“设备设置”中选择评价器串口）"
			run.kpStatus = st
			return
		}
		sim, err := newSimKeypad(ctx, r.log, r.opts.SimStars, r.opts.SimDelay)
		if err != nil {
			r.log.Warn("keypad simulator not started", "err", err)
			st.State, st.Text = devconf.StateNone, "未配置（"+simUnavailable(err)+"）"
			run.kpStatus = st
			return
		}
		run.kpSim = sim
		kc.Port, kc.Mode, kc.Addr, kc.Baud = sim.port.link, devconf.ModeFrame, 1, 9600
		maxBackoff = time.Second
	}
	station := &Station{Device: r.opts.Device, Rater: r.opts.Rater, Audit: r.opts.Audit, Clock: r.opts.Clock,
		Log: r.log, BadTags: r.opts.BadTags, OnOutcome: func(o Outcome) {
			go r.receiptAfter(o)
			r.mu.Lock()
			f := r.onRated
			live := r.cur == run
			r.mu.Unlock()
			if f != nil && live {
				f(o)
			}
		}}
	run.keypad = &Keypad{Cfg: kc, Station: station, Log: r.log, MaxBackoff: maxBackoff,
		OnStatus: func(Status) { r.statusChanged(run) }}
	run.wg.Add(1)
	go func() { defer run.wg.Done(); run.keypad.Run(ctx) }()
}

// errNoSim: simulated devices need pseudo-terminals (Linux).
var errNoSim = errors.New("devices: simulated devices need Linux pseudo-terminals")

func simUnavailable(err error) string {
	if errors.Is(err, errNoSim) {
		return "模拟设备仅在 Linux 上可用"
	}
	return "模拟设备无法启动，详见日志"
}

// Profile returns the escpos profile of a printer configuration.
func Profile(p devconf.Printer) escpos.Profile {
	prof := escpos.Profile80
	if p.Paper == 58 {
		prof = escpos.Profile58
	}
	if p.QR != "" {
		prof.NativeQR = p.QR != devconf.QRRaster
	}
	if p.Cut != "" {
		prof.Cut = escpos.CutMode(p.Cut)
	}
	return prof
}

func (r *WindowRig) startPrinter(ctx context.Context, run *rigRun, cfg devconf.Config) {
	p := cfg.Printer
	run.prof = Profile(p)
	st := devconf.Status{Device: "打印机"}
	if !p.Enabled {
		st.State, st.Text = devconf.StateDisabled, "已停用（不打印回执和告知单）"
		run.prStatus = st
		return
	}
	pc := PrinterConfig{Enabled: true, Conn: p.Kind, Address: p.Address, Baud: p.Baud, Profile: run.prof}
	if !cfg.PrinterConfigured() {
		if !cfg.Simulate {
			st.State, st.Text = devconf.StateNone, "未配置（请在“设备设置”中选择打印机）"
			run.prStatus = st
			return
		}
		sim, err := newSimPrinter(ctx, r.log, r.opts.SimDir, run.prof, func(string) {
			run.prMu.Lock()
			run.prStatus = r.simPrinterStatus(run, "")
			run.prMu.Unlock()
			r.statusChanged(run)
		})
		if err != nil {
			r.log.Warn("printer simulator not started", "err", err)
			st.State, st.Text = devconf.StateNone, "未配置（"+simUnavailable(err)+"）"
			run.prStatus = st
			return
		}
		run.prSim = sim
		pc.Conn, pc.Address, pc.Baud = devconf.KindSerial, sim.port.link, 115200
	}
	run.printer = &Printer{Cfg: pc, Log: r.log}
	run.prStatus = devconf.Status{Device: "打印机", State: devconf.StateConnecting, Text: "正在检查（" + r.printerName(run) + "）",
		Simulated: run.prSim != nil}
	run.wg.Add(1)
	go func() {
		defer run.wg.Done()
		for {
			r.pollPrinter(ctx, run)
			select {
			case <-ctx.Done():
				return
			case <-time.After(r.opts.StatusEvery):
			}
		}
	}()
}

func (r *WindowRig) printerName(run *rigRun) string {
	if run.prSim != nil {
		return "模拟打印机，" + run.prof.Name
	}
	if run.printer.Cfg.Conn == devconf.KindSystem {
		return "系统打印机：" + run.printer.Cfg.Address + "，" + run.prof.Name
	}
	return run.printer.Cfg.Address + "，" + run.prof.Name
}

// pollPrinter asks the printer's status and updates its line.
func (r *WindowRig) pollPrinter(ctx context.Context, run *rigRun) {
	r.printMu.Lock()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	st, err := run.printer.Status(qctx)
	cancel()
	r.printMu.Unlock()
	if ctx.Err() != nil {
		return
	}
	r.setPrinterResult(run, st, err)
}

// setPrinterResult turns a status query's or a job's result into the line.
func (r *WindowRig) setPrinterResult(run *rigRun, st escpos.Status, err error) {
	line := devconf.Status{Device: "打印机", Simulated: run.prSim != nil}
	var pe *PrintError
	switch {
	case errors.As(err, &pe):
		line.State, line.Text = devconf.StateError, "错误："+pe.Msg
	case err != nil:
		line.State, line.Text = devconf.StateError, "错误：打印机无应答，请检查打印机是否开机"
	case !st.OK():
		line.State, line.Text = devconf.StateError, "错误："+st.Message()
	default:
		line.State, line.Text = devconf.StateConnected, "已连接（"+r.printerName(run)+"）"
		switch run.printer.Cfg.Conn {
		case devconf.KindFile:
			line.Text = "已连接（" + r.printerName(run) + "，设备文件不回传缺纸状态）"
		case devconf.KindSystem:
			line.Text = "已就绪（" + r.printerName(run) + "，经系统打印，不回传缺纸状态）"
		}
		if st.PaperLow {
			line.Text += "，" + st.Message()
			line.Warn = st.Message()
		}
	}
	if run.prSim != nil && line.State == devconf.StateConnected {
		warn := line.Warn
		line = r.simPrinterStatus(run, line.Text)
		line.Warn = warn
	}
	run.prMu.Lock()
	changed := run.prStatus != line
	run.prStatus = line
	run.prMu.Unlock()
	if changed {
		r.statusChanged(run)
	}
}

// simPrinterStatus is the simulated printer's line: where its jobs go and the
// preview of the last one.
func (r *WindowRig) simPrinterStatus(run *rigRun, text string) devconf.Status {
	if text == "" {
		text = "已连接（" + r.printerName(run) + "）"
	}
	last := run.prSim.Last()
	if last != "" {
		text += "，最近一张的预览：" + last
	} else {
		text += "，打印件保存在 " + run.prSim.dir
	}
	return devconf.Status{Device: "打印机", State: devconf.StateConnected, Text: text, Simulated: true, Preview: last}
}

// Close stops the devices (and the simulators) and waits for them.
func (r *WindowRig) Close() {
	r.mu.Lock()
	run := r.cur
	r.cur = nil
	r.mu.Unlock()
	if run != nil {
		run.stop()
	}
}

func (run *rigRun) stop() {
	run.cancel()
	if run.kpSim != nil {
		run.kpSim.close()
	}
	if run.prSim != nil {
		run.prSim.close()
	}
	if run.idSim != nil {
		run.idSim.close()
	}
	run.wg.Wait()
}

// Reconfigure stops the devices and starts those of cfg (the settings
// screen's 保存). A rating waiting on the old keypad is dropped.
func (r *WindowRig) Reconfigure(cfg devconf.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	old := r.cur
	r.cur = nil
	r.mu.Unlock()
	if old != nil {
		old.stop() // outside r.mu: its goroutines report status through it
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	r.start(cfg)
	return nil
}

func (r *WindowRig) run() *rigRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// Config returns the configuration the devices run with.
func (r *WindowRig) Config() devconf.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// Status returns the keypad's, the printer's and the ID reader's status lines.
func (r *WindowRig) Status() []devconf.Status {
	run := r.run()
	if run == nil {
		return []devconf.Status{
			{Device: "评价器", State: devconf.StateDisabled, Text: "已停止"},
			{Device: "打印机", State: devconf.StateDisabled, Text: "已停止"},
			{Device: "读卡器", State: devconf.StateDisabled, Text: "已停止"},
		}
	}
	return []devconf.Status{run.keypadStatus(), run.printerStatus(), run.readerStatus()}
}

func (run *rigRun) printerStatus() devconf.Status {
	run.prMu.Lock()
	defer run.prMu.Unlock()
	return run.prStatus
}

func (run *rigRun) keypadStatus() devconf.Status {
	if run.keypad == nil {
		return run.kpStatus
	}
	s := run.keypad.Status()
	where := run.keypad.Cfg.Port + "，" + modeName(run.keypad.Cfg.Mode)
	if run.kpSim != nil {
		where = "模拟评价器，" + modeName(run.keypad.Cfg.Mode)
	}
	return deviceLine("评价器", where, run.kpSim != nil, s)
}

// deviceLine is a reconnecting device's status line (keypad, ID reader):
// where names its port, s is the manager's state.
func deviceLine(device, where string, simulated bool, s Status) devconf.Status {
	line := devconf.Status{Device: device, Simulated: simulated}
	switch s.State {
	case StateConnected:
		line.State, line.Text = devconf.StateConnected, "已连接（"+where+"）"
	case StateReconnecting:
		if s.Cause != "" {
			line.State, line.Text = devconf.StateError, "错误："+s.Cause+"；正在重试"
		} else {
			line.State, line.Text = devconf.StateReconnecting, "正在重连（连接中断："+where+"）"
		}
	case StateDisabled:
		line.State, line.Text = devconf.StateDisabled, "已停止"
	default:
		line.State, line.Text = devconf.StateConnecting, "正在连接（"+where+"）"
	}
	return line
}

func modeName(m string) string {
	if m == devconf.ModeASCII {
		return "ascii 按键协议"
	}
	return "frame 协议"
}

// Text is what the counter shows for a keypad outcome: "已收到评价：满意",
// or why nothing was stored.
func (o Outcome) Text() string {
	if o.Stored {
		return "已收到评价：" + o.Level.Name()
	}
	return o.Message
}

// userErr wraps err with the Chinese message the clerk sees.
func userErr(code app.Code, msg string, err error) error {
	return &app.UserError{Code: code, Msg: msg, Err: err}
}

// StartRating asks the keypad to rate tx, finished (or accepted) by clerk at
// window windowNo; a frame keypad shows the 流水号, the clerk's number and
// name. The result comes to the OnRated hook. When the keypad is
// disconnected the request is kept and sent when it comes back, and the
// error says so.
func (r *WindowRig) StartRating(tx app.Transaction, clerk app.Staff, windowNo int) error {
	run := r.run()
	if run == nil || run.keypad == nil {
		return userErr("no_keypad", "本窗口没有可用的评价器，请引导办事人扫描回执上的二维码或填写书面评价表", nil)
	}
	if tx.ID == 0 || tx.Serial == "" {
		return userErr("no_transaction", "没有可评价的办件", nil)
	}
	err := run.keypad.StartRating(Pending{TxID: tx.ID, Serial: tx.Serial, ClerkNo: clerk.No, ClerkName: clerk.Name,
		Since: r.opts.Clock.Now()})
	switch {
	case err == nil:
		r.log.Info("rating started on keypad", "serial", tx.Serial, "window", windowNo, "clerk", clerk.No)
		return nil
	case errors.Is(err, ErrNotConnected):
		return userErr("keypad_offline", "评价器未连接，连接恢复后会自动发起评价；也可请办事人扫码评价", err)
	default:
		return userErr("keypad_no_answer", "评价器无应答，请检查评价器电源和连接线", err)
	}
}

// CancelRating withdraws the pending rating (the clerk moved on); a receipt
// held for it prints now, asking to scan and rate.
func (r *WindowRig) CancelRating() {
	defer r.FlushReceipts()
	if run := r.run(); run != nil && run.keypad != nil {
		if err := run.keypad.Cancel(); err != nil {
			r.log.Info("keypad cancel not acknowledged", "err", err)
		}
	}
}

// print sends one job to the printer and updates its status line.
func (r *WindowRig) print(ctx context.Context, what string, job []byte) error {
	run := r.run()
	if run == nil || run.printer == nil {
		if run != nil && run.printerStatus().State == devconf.StateDisabled {
			return userErr("printer_disabled", "打印机已停用，本次未打印"+what, ErrPrinterDisabled)
		}
		return userErr("no_printer", "本窗口未配置打印机，本次未打印"+what+"（可在“设备设置”中配置）", nil)
	}
	r.printMu.Lock()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	err := run.printer.Print(ctx, job)
	cancel()
	r.printMu.Unlock()
	if err != nil {
		r.setPrinterResult(run, escpos.Status{}, err)
		var pe *PrintError
		if errors.As(err, &pe) {
			return userErr("printer", pe.Msg+"（"+what+"未打印）", err)
		}
		return userErr("printer", "打印失败，请检查打印机（"+what+"未打印）", err)
	}
	r.setPrinterResult(run, escpos.Status{}, nil)
	r.log.Info("printed", "what", what, "bytes", len(job))
	return nil
}

func (r *WindowRig) rateURL(run *rigRun, serial string) string {
	link := r.opts.Rate
	if link.Template == "" && run != nil && run.prSim != nil {
		link = demoRateLink
	}
	if link.Template == "" {
		return ""
	}
	return printing.RateURL(link.Template, link.Key, serial)
}

func (r *WindowRig) profile() escpos.Profile {
	if run := r.run(); run != nil {
		return run.prof
	}
	return escpos.Profile80
}

// receipt lays out tx's 办件回执.
func (r *WindowRig) receipt(run *rigRun, prof escpos.Profile, tx app.Transaction, items []string, windowNo int, clerk app.Staff) ([]byte, error) {
	return r.receiptRated(run, prof, tx, items, windowNo, clerk, "")
}

func (r *WindowRig) receiptRated(run *rigRun, prof escpos.Profile, tx app.Transaction, items []string, windowNo int, clerk app.Staff, rated string) ([]byte, error) {
	if len(items) == 0 && tx.ItemName != "" {
		items = []string{tx.ItemName}
	}
	accepted := tx.AcceptedAt
	if accepted.IsZero() {
		accepted = tx.CreatedAt
	}
	return printing.ReceiptDoc(prof, printing.Receipt{Centre: r.opts.Centre, Serial: tx.Serial, Items: items,
		WindowNo: windowNo, ClerkNo: clerk.No, Accepted: accepted.In(app.ChinaTime), Completed: inChina(tx.CompletedAt),
		Applicant: app.MaskName(tx.ApplicantName), RateURL: r.rateURL(run, tx.Serial), Rated: rated})
}

func inChina(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(app.ChinaTime)
}

// pendingReceipt is a 办件回执 held until the keypad's outcome of its visit.
type pendingReceipt struct {
	tx       app.Transaction
	items    []string
	windowNo int
	clerk    app.Staff
}

// PrintReceiptAfterRating holds tx's 办件回执 until the keypad's rating of the
// visit ends: rated, the receipt thanks the person and carries no QR code
// (one rating per visit, GB/T 39734 7.1.1); timed out or refused, it asks
// them to scan and rate. Call it before StartRating (the answer may come
// at once) and FlushReceipts when the rating could not start. It does not
// wait for the printer.
func (r *WindowRig) PrintReceiptAfterRating(tx app.Transaction, items []string, windowNo int, clerk app.Staff) {
	r.FlushReceipts() // a visit the keypad is no longer rating: its receipt goes now
	r.mu.Lock()
	if r.receipts == nil {
		r.receipts = map[string]pendingReceipt{}
	}
	r.receipts[tx.Serial] = pendingReceipt{tx: tx, items: items, windowNo: windowNo, clerk: clerk}
	r.mu.Unlock()
}

// FlushReceipts prints every held receipt as unrated (with the QR code), in
// the background.
func (r *WindowRig) FlushReceipts() {
	r.mu.Lock()
	var serials []string
	for s := range r.receipts {
		serials = append(serials, s)
	}
	r.mu.Unlock()
	for _, s := range serials {
		go r.receiptAfter(Outcome{Serial: s})
	}
}

// receiptAfter prints the receipt held for o's visit, if any.
func (r *WindowRig) receiptAfter(o Outcome) {
	r.mu.Lock()
	p, ok := r.receipts[o.Serial]
	delete(r.receipts, o.Serial)
	r.mu.Unlock()
	if !ok {
		return
	}
	run := r.run()
	rated := ""
	if o.Stored {
		rated = o.Level.Name()
	}
	job, err := r.receiptRated(run, r.profile(), p.tx, p.items, p.windowNo, p.clerk, rated)
	if err == nil {
		err = r.print(r.ctx, "办件回执", job)
	}
	if err != nil {
		r.log.Warn("receipt not printed", "serial", o.Serial, "err", err)
	}
}

// PrintReceipt prints tx's 办件回执 with the signed rating QR code (the
// applicant's name masked, the clerk's number only).
func (r *WindowRig) PrintReceipt(ctx context.Context, tx app.Transaction, items []string, windowNo int, clerk app.Staff) error {
	run := r.run()
	job, err := r.receipt(run, r.profile(), tx, items, windowNo, clerk)
	if err != nil {
		return userErr("receipt_layout", "回执排版失败（详见日志）", err)
	}
	return r.print(ctx, "办件回执", job)
}

// PrintNotice prints a 一次性告知单: every material still missing for item.
func (r *WindowRig) PrintNotice(ctx context.Context, tx app.Transaction, item string, missing []string, windowNo int, clerk app.Staff) error {
	if len(missing) == 0 {
		return userErr("nothing_missing", "材料已齐全，无需打印一次性告知单", nil)
	}
	if item == "" {
		item = tx.ItemName
	}
	date := tx.CreatedAt
	if date.IsZero() {
		date = r.opts.Clock.Now()
	}
	job := printing.NoticeDoc(r.profile(), printing.Notice{Centre: r.opts.Centre, Item: item, Missing: missing,
		ClerkNo: clerk.No, WindowNo: windowNo, Date: date.In(app.ChinaTime), Applicant: app.MaskName(tx.ApplicantName)})
	return r.print(ctx, "一次性告知单", job)
}

// PrintTicket prints a queue ticket (the kiosk's printer).
func (r *WindowRig) PrintTicket(ctx context.Context, t app.IssuedTicket, centre string) error {
	if centre == "" {
		centre = r.opts.Centre
	}
	issued := t.Ticket.IssuedAt
	if issued.IsZero() {
		issued = r.opts.Clock.Now()
	}
	job := printing.TicketDoc(r.profile(), printing.Ticket{Centre: centre, Number: t.Ticket.Number, Category: t.Category.Name,
		Ahead: t.Ahead, IssuedAt: issued.In(app.ChinaTime), Notice: "请留意大厅叫号屏和语音提示"})
	return r.print(ctx, "排队号票", job)
}

// --- the settings screen's functions ---

// SystemPrinters lists the printers installed in the system and its default.
func (r *WindowRig) SystemPrinters(ctx context.Context) ([]string, string, error) {
	names, err := sysprint.Printers(ctx)
	if err != nil {
		return nil, "", sysprintErr(err)
	}
	def, err := sysprint.Default(ctx)
	return names, def, sysprintErr(err)
}

func (r *WindowRig) Ports() ([]devconf.Port, error) {
	list, err := serialport.List()
	if err != nil {
		return nil, userErr("no_port_list", "无法列出本机串口，可直接输入串口名称", err)
	}
	out := make([]devconf.Port, 0, len(list))
	for _, p := range list {
		out = append(out, devconf.Port{Name: p.Name, Label: p.Label})
	}
	return out, nil
}

// Save validates cfg, writes it to the configuration file and restarts the
// devices with it.
func (r *WindowRig) Save(ctx context.Context, cfg devconf.Config) error {
	if r.opts.ConfigPath == "" {
		return userErr("no_config_path", "未指定设备配置文件，设置无法保存", nil)
	}
	if err := devconf.Save(r.opts.ConfigPath, cfg); err != nil {
		return err
	}
	r.log.Info("device configuration saved", "path", r.opts.ConfigPath)
	return r.Reconfigure(cfg)
}

// sameKeypad reports whether k is the keypad the rig runs (so 测试 goes
// through the running link instead of opening its port a second time).
func (r *WindowRig) sameKeypad(k devconf.Keypad) (*rigRun, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.cur
	if run == nil || run.keypad == nil {
		return nil, false
	}
	cur := r.cfg.Keypad
	if strings.TrimSpace(k.Port) == "" && run.kpSim != nil {
		return run, true
	}
	return run, strings.TrimSpace(k.Port) == cur.Port && k.Mode == cur.Mode && k.Baud == cur.Baud &&
		k.Addr == cur.Addr && k.KeyMap == cur.KeyMap
}

// TestKeypad proves the keypad k answers: a frame keypad is pinged (model and
// firmware reported); an ascii keypad, which never answers, is listened to
// for a few seconds for a key.
func (r *WindowRig) TestKeypad(ctx context.Context, k devconf.Keypad) (string, error) {
	if err := k.Validate(); err != nil {
		return "", err
	}
	if !k.Enabled {
		return "", userErr("keypad_disabled", "评价器未启用：请先勾选“启用评价器”", nil)
	}
	if run, same := r.sameKeypad(k); same {
		msg, err := run.keypad.Test()
		if err != nil {
			return "", keypadTestErr(run.keypad.Cfg.Port, run.keypad.Status(), err)
		}
		if run.kpSim != nil {
			msg += "（模拟评价器）"
		}
		return msg, nil
	} else if run != nil && strings.TrimSpace(k.Port) == run.keypad.Cfg.Port {
		return "", userErr("keypad_busy", "该串口正由评价器使用，设置有改动：请先点“保存”，再点“测试”", nil)
	}
	port := strings.TrimSpace(k.Port)
	if port == "" {
		return "", userErr("keypad_no_port", "请先选择评价器所接的串口", nil)
	}
	return testKeypadPort(ctx, k, r.log)
}

func keypadTestErr(port string, st Status, err error) error {
	if errors.Is(err, ErrNotConnected) {
		if st.Cause != "" {
			return userErr("keypad_open", st.Cause, err)
		}
		return userErr("keypad_offline", "评价器未连接（"+port+"），请检查连接线；程序会自动重连", err)
	}
	return userErr("keypad_no_answer", "串口已打开，但评价器没有应答：请检查评价器电源、协议（frame/ascii）、地址和波特率", err)
}

// testKeypadPort opens a port the rig does not hold and tests the keypad on it.
func testKeypadPort(ctx context.Context, k devconf.Keypad, log *slog.Logger) (string, error) {
	port := strings.TrimSpace(k.Port)
	sp, err := serialport.Open(serialport.Config{Name: port, Baud: k.Baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		return "", userErr("keypad_open", PortError(port, err), err)
	}
	defer sp.Close()
	cfg := KeypadConfig{Enabled: true, Port: port, Baud: k.Baud, Mode: k.Mode, Addr: byte(k.Addr), KeyMap: k.KeyMap}
	if k.Mode == devconf.ModeASCII {
		return listenASCII(ctx, sp, cfg)
	}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	station := &Station{Log: log}
	kp := &Keypad{Cfg: cfg, Station: station, Log: log}
	done := make(chan error, 1)
	go func() { done <- kp.serve(tctx, sp) }()
	defer func() { cancel(); <-done }()
	// serve installs the link host before it reads; wait for it.
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		kp.mu.Lock()
		ready := kp.host != nil
		kp.mu.Unlock()
		if ready {
			break
		}
	}
	msg, err := kp.Test()
	if err != nil {
		return "", keypadTestErr(port, Status{}, err)
	}
	return msg, nil
}

// listenASCII waits up to five seconds for a key of an ascii keypad.
func listenASCII(ctx context.Context, sp serialport.Port, cfg KeypadConfig) (string, error) {
	m := keypad.DefaultKeyMap()
	if cfg.KeyMap != "" {
		var err error
		if m, err = keypad.ParseKeyMap(cfg.KeyMap); err != nil {
			return "", userErr("bad_key_map", "按键映射无效", err)
		}
	}
	dec := &keypad.ASCIIDecoder{Map: m}
	buf := make([]byte, 64)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && ctx.Err() == nil; {
		n, err := sp.Read(buf)
		if n == 0 {
			if serialport.NoData(n, err) {
				continue
			}
			return "", userErr("keypad_read", "读取评价器串口出错："+err.Error(), err)
		}
		for _, key := range dec.Feed(buf[:n]) {
			if key.Stars > 0 {
				return fmt.Sprintf("评价器正常：收到按键 %d 星（%s）", key.Stars, app.Level(key.Stars).Name()), nil
			}
		}
	}
	return "串口 " + cfg.Port + " 已打开，但 5 秒内没有收到按键。ascii 评价器只在按键时发送数据：请按住评价器上的键再点“测试”。", nil
}

// samePrinter reports whether p is the printer the rig runs.
func (r *WindowRig) samePrinter(p devconf.Printer) (*rigRun, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.cur
	if run == nil || run.printer == nil {
		return nil, false
	}
	if (p.Kind == devconf.KindNone || p.Kind == "") && run.prSim != nil {
		return run, true
	}
	cur := r.cfg.Printer
	return run, p.Kind == cur.Kind && strings.TrimSpace(p.Address) == cur.Address && p.Baud == cur.Baud
}

// TestPrinter prints a test page on the printer p (status first, so paper-out
// is told, not lost).
func (r *WindowRig) TestPrinter(ctx context.Context, p devconf.Printer) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	if !p.Enabled {
		return "", userErr("printer_disabled", "打印机未启用：请先勾选“启用打印机”", nil)
	}
	prof := Profile(p)
	job := TestPage(prof, r.opts.Centre, r.opts.Clock.Now())
	run, same := r.samePrinter(p)
	if same {
		before := 0
		if run.prSim != nil {
			before = run.prSim.Count()
		}
		if err := r.print(ctx, "测试页", job); err != nil {
			return "", err
		}
		if run.prSim != nil {
			for end := time.Now().Add(5 * time.Second); run.prSim.Count() == before && time.Now().Before(end); {
				time.Sleep(20 * time.Millisecond)
			}
			return "测试页已打印到模拟打印机，预览：" + run.prSim.Last(), nil
		}
		return "测试页已发送，打印机状态正常", nil
	}
	if p.Kind == devconf.KindNone || p.Kind == "" {
		return "", userErr("printer_none", "请先选择打印机的连接方式和地址", nil)
	}
	pr := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: p.Kind, Address: strings.TrimSpace(p.Address), Baud: p.Baud, Profile: prof},
		Log: r.log}
	r.printMu.Lock()
	err := pr.Print(ctx, job)
	r.printMu.Unlock()
	var pe *PrintError
	switch {
	case errors.As(err, &pe):
		return "", userErr("printer", pe.Msg, err)
	case err != nil:
		return "", userErr("printer", "测试页未打印，请检查打印机", err)
	}
	return "测试页已发送，打印机状态正常", nil
}

// TestPage is the settings screen's test print: the profile's widths, Chinese
// text and a QR code, so a wrong paper width or a printer without native QR
// shows at once.
func TestPage(p escpos.Profile, centre string, at time.Time) []byte {
	d := escpos.New(p)
	d.Align(escpos.Center).Bold(true).Line(centre).Size(2, 2).Line("打印测试页").Size(1, 1).Bold(false)
	d.Align(escpos.Left).Rule()
	d.Line("纸宽：" + p.Name + fmt.Sprintf("（每行 %d 个字符）", p.Columns))
	d.Line("中文：便民服务中心 好差评 办件回执")
	qr := "图片（raster）"
	if p.NativeQR {
		qr = "打印机自带（native）"
	}
	d.Line("二维码：" + qr)
	d.Line("时间：" + at.In(app.ChinaTime).Format("2006-01-02 15:04:05"))
	d.Rule().Align(escpos.Center)
	_ = d.QR("https://example.gov.cn/bianmin-test", 4)
	d.Line("看到此页说明打印机工作正常")
	return d.Cut().Bytes()
}

// Preview renders a sample 办件回执 exactly as it would be sent to the
// printer p (the settings screen's 预览).
func (r *WindowRig) Preview(ctx context.Context, p devconf.Printer) (image.Image, error) {
	prof := Profile(p)
	now := r.opts.Clock.Now()
	centre := r.opts.Centre
	if centre == "" {
		centre = "便民服务中心"
	}
	sample := app.Transaction{Serial: "BM" + now.In(app.ChinaTime).Format("20060102") + "000001", ApplicantName: "张三",
		CreatedAt: now.Add(-12 * time.Minute), AcceptedAt: now.Add(-10 * time.Minute), CompletedAt: now}
	o := r.opts
	o.Centre = centre
	rr := &WindowRig{opts: o}
	run := r.run()
	if run == nil {
		run = &rigRun{}
	}
	job, err := rr.receipt(run, prof, sample, []string{"城乡居民基本养老保险参保登记"}, 3, app.Staff{No: "0107", Name: "示例"})
	if err != nil {
		return nil, userErr("preview", "预览生成失败（详见日志）", err)
	}
	img, err := printing.Preview(job, prof)
	if err != nil {
		return nil, userErr("preview", "预览生成失败（详见日志）", err)
	}
	return img, nil
}
