package screens

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// Backend is what the shell needs from main: opening the centre's service and
// creating a new centre. main wires it to the cli package, so screens needs no
// SQL driver.
type Backend struct {
	// Open opens the database and returns the service.
	Open func(ctx context.Context) (*app.Service, error)
	// FirstStart reports whether an error from Open means "no centre set up yet".
	FirstStart func(error) bool
	// Setup creates the centre (and the demo data when asked); the returned
	// hint is shown on the login screen (e.g. the demo manager's 工号 and password).
	Setup func(ctx context.Context, in SetupInput) (hint string, err error)
	// Join makes this PC a member of an existing centre with a join code and
	// says what it now is; nil hides 加入中心 on the first-start screen.
	Join func(ctx context.Context, code string) (string, error)
	// Report renders and saves a monthly report and returns the PDF's path
	// (cli.SaveMonthReport); nil hides the dashboard's 月报 button.
	Report func(ctx context.Context, svc *app.Service, month time.Time, by string) (string, error)
	// WorkOrderSheet writes one work order's sheet as a PDF and returns its
	// path (cli.SaveWorkOrder); nil hides the ledger's 打印工单.
	WorkOrderSheet func(ctx context.Context, svc *app.Service, actor *app.Staff, id int64) (string, error)
	// WorkOrderSheets writes several work orders' sheets into one PDF and
	// returns its path (cli.SaveWorkOrders); nil hides 打印所列工单.
	WorkOrderSheets func(ctx context.Context, svc *app.Service, actor *app.Staff, ids []int64) (string, error)
	// CallList writes a call-back list (PDF) and returns its path
	// (cli.SaveCallList); nil hides 打印名单.
	CallList func(ctx context.Context, svc *app.Service, list *app.CallbackList) (string, error)
	// LedgerXLSX writes the ledger's orders as filtered to an xlsx and
	// returns its path (cli.SaveLedgerXLSX); nil hides 导出 Excel.
	LedgerXLSX func(ctx context.Context, svc *app.Service, actor *app.Staff, f app.LedgerFilter) (string, error)
	// BlankForms writes n numbered blank paper forms and returns the PDF's
	// path (cli.SaveBlankForms); nil hides 打印空白评价表.
	BlankForms func(ctx context.Context, svc *app.Service, n int) (string, error)
	// Backup writes a consistent backup of the database and returns its path
	// (cli.SaveBackup); nil hides 备份数据.
	Backup func(ctx context.Context) (string, error)
	// Counter gives the signed-in user the counter screen's dependencies at
	// this PC's window (queue, registration, devices, drafts). When set,
	// clerks work at the counter (their work orders one button away) and
	// managers get 窗口服务; nil: clerks see their work orders only.
	Counter func(ctx context.Context, svc *app.Service, user *app.Staff) (CounterDeps, error)
	// CounterOnly: a counter PC whose database is a copy: everyone signs in
	// to the counter; the centre's figures and ledger live on the hub.
	CounterOnly bool
	// Tools adds the role's buttons (大厅屏, 取号机, 设备设置 …) to the
	// manager's dashboard.
	Tools func(d *Dashboard, svc *app.Service, user *app.Staff)
	// OnLogout runs when a user signs out (the window PC forgets the clerk).
	OnLogout func()
	// Devices is this PC's keypad and printer as the counter's bar shows
	// them; nil: no line.
	Devices DeviceWatch
}

// DeviceWatch is what the counter's bar shows about the window's devices:
// status lines (评价器：已连接 …) and each keypad outcome as it happens.
type DeviceWatch interface {
	Lines() []string
	// OnRated sets what runs (on a device goroutine) when the keypad gave
	// or refused a rating, or timed out; msg is Chinese, stored whether a
	// rating was kept. nil unsets it.
	OnRated(func(msg string, stored bool))
	// OnStatus sets what runs (on a device goroutine) when a status changes.
	OnStatus(func())
}

// Shell runs the window's flow: first start → login → dashboard (a clerk:
// their own work orders).
type Shell struct {
	env    *Env
	be     Backend
	svc    *app.Service
	centre string // the centre's name, for the login screen
	hint   string

	// the screen on show, for tests
	setup *Setup
	login *Login
	dash  *Dashboard
	mine  *MyOrders // a clerk's own orders
	desk  *Counter  // the counter on show

	// DeviceLine is the counter bar's device status (for tests).
	DeviceLine *widget.Label
	stopLine   func()
}

// leave stops what the shown screen runs (the counter's event stream).
func (s *Shell) leave() {
	if s.be.Devices != nil {
		s.be.Devices.OnRated(nil)
		s.be.Devices.OnStatus(nil)
	}
	if s.stopLine != nil {
		s.stopLine()
		s.stopLine = nil
	}
	if s.desk != nil {
		s.desk.Stop()
		s.desk = nil
	}
}

func (s *Shell) logout() {
	s.leave()
	if s.be.OnLogout != nil {
		s.be.OnLogout()
	}
	s.ShowLogin()
}

// NewShell makes the flow for env.Win; call Start.
func NewShell(env *Env, be Backend) *Shell { return &Shell{env: env, be: be} }

// Start opens the database and shows the first-start or the login screen.
func (s *Shell) Start() {
	s.setContent("opening", container.NewCenter(widget.NewLabel("正在打开数据库…")), nil)
	type opened struct {
		svc    *app.Service
		centre string
	}
	Run(s.env, func(ctx context.Context) (opened, error) {
		svc, err := s.be.Open(ctx)
		if err != nil {
			return opened{}, err
		}
		o := opened{svc: svc, centre: "便民服务中心"}
		// A failure here only leaves the generic title; the dashboard reports errors.
		if name, err := svc.CentreName(ctx); err == nil && name != "" {
			o.centre = name
		}
		return o, nil
	}, func(o opened, err error) {
		switch {
		case err == nil:
			s.svc, s.centre = o.svc, o.centre
			s.ShowLogin()
		case s.be.FirstStart != nil && s.be.FirstStart(err):
			s.showSetup()
		default:
			s.showFailure(err)
		}
	})
}

func (s *Shell) setContent(name string, obj fyne.CanvasObject, onKey func(*fyne.KeyEvent)) {
	s.env.Win.SetContent(obj)
	s.env.Win.Canvas().SetOnTypedKey(onKey)
	s.env.shown(name)
}

func (s *Shell) showFailure(err error) {
	msg := widget.NewLabel("无法打开数据库：" + app.UserMessage(err))
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	retry := widget.NewButton("重试", s.Start)
	retry.Importance = widget.HighImportance
	s.setContent("failure", container.NewCenter(container.New(&fixedWidth{w: 560}, container.NewVBox(msg, retry))), nil)
	s.env.ShowError("open database failed", "无法打开数据库", err, nil)
}

func (s *Shell) showSetup() {
	st := NewSetup(s.env, Profiles(), func(ctx context.Context, in SetupInput) error {
		hint, err := s.be.Setup(ctx, in)
		s.hint = hint
		return err
	}, func(SetupInput) { s.Start() })
	if s.be.Join != nil {
		st.EnableJoin(s.be.Join)
	}
	s.setup = st
	s.setContent("setup", st.Content(), nil)
	st.Focus()
}

// ShowLogin shows the login screen.
func (s *Shell) ShowLogin() {
	s.leave()
	s.env.Win.SetTitle("便民 · 好差评 — " + s.centre)
	l := NewLogin(s.env, s.svc, s.centre, s.hint, s.showDashboard)
	s.login = l
	s.setContent("login", l.Content(), nil)
	l.Focus()
}

// showDashboard shows a manager the dashboard; a clerk the counter (or, with
// no counter wired, their own orders).
func (s *Shell) showDashboard(user *app.Staff) {
	s.leave()
	if s.be.Counter != nil && (s.be.CounterOnly || user.Role != app.RoleManager) {
		s.showCounter(user)
		return
	}
	if user.Role != app.RoleManager {
		s.showMyOrders(user)
		return
	}
	d := NewDashboard(s.env, s.svc, user)
	d.OnLogout = s.logout
	if s.be.Counter != nil {
		d.AddTool("窗口服务", func() { s.showCounter(user) })
	}
	if s.be.Tools != nil {
		s.be.Tools(d, s.svc, user)
	}
	if s.be.Report != nil {
		svc, report := s.svc, s.be.Report
		d.SetReport(func(ctx context.Context, month time.Time, user *app.Staff) (string, error) {
			by := ""
			if user != nil {
				by = user.No + " " + user.Name
			}
			return report(ctx, svc, month, by)
		})
	}
	if s.be.WorkOrderSheets != nil {
		svc, ws := s.svc, s.be.WorkOrderSheets
		d.PrintSheets = func(ctx context.Context, actor *app.Staff, ids []int64) (string, error) {
			return ws(ctx, svc, actor, ids)
		}
	}
	if s.be.CallList != nil {
		svc, cl := s.svc, s.be.CallList
		d.SaveCallList = func(ctx context.Context, list *app.CallbackList) (string, error) { return cl(ctx, svc, list) }
	}
	if s.be.LedgerXLSX != nil {
		svc, xl := s.svc, s.be.LedgerXLSX
		d.ExportLedger = func(ctx context.Context, actor *app.Staff, f app.LedgerFilter) (string, error) {
			return xl(ctx, svc, actor, f)
		}
	}
	d.SetBackup(s.be.Backup)
	if s.be.BlankForms != nil {
		svc, bf := s.svc, s.be.BlankForms
		d.BlankForms = func(ctx context.Context, n int) (string, error) { return bf(ctx, svc, n) }
	}
	if s.be.WorkOrderSheet != nil {
		svc, sheet := s.svc, s.be.WorkOrderSheet
		d.PrintSheet = func(ctx context.Context, actor *app.Staff, id int64) (string, error) {
			return sheet(ctx, svc, actor, id)
		}
	}
	s.dash = d
	s.setContent("dashboard", d.Content(), d.TypedKey)
	d.Reload()
}

// showCounter shows the user the counter at this PC's window, with a bar to
// their work orders (a clerk), back to the dashboard (a manager) and out.
func (s *Shell) showCounter(user *app.Staff) {
	s.leave()
	s.setContent("opening-counter", container.NewCenter(widget.NewLabel("正在打开窗口服务…")), nil)
	svc, counter := s.svc, s.be.Counter
	Run(s.env, func(ctx context.Context) (CounterDeps, error) {
		return counter(ctx, svc, user)
	}, func(deps CounterDeps, err error) {
		if err != nil {
			s.env.ShowError("counter failed", "无法打开窗口服务", err, nil)
			s.ShowLogin()
			return
		}
		c := NewCounter(s.env, deps)
		s.desk = c
		var buttons []fyne.CanvasObject
		if user.Role == app.RoleManager && !s.be.CounterOnly {
			buttons = append(buttons, widget.NewButton("返回首页", func() { s.showDashboard(user) }))
		} else {
			buttons = append(buttons, widget.NewButton("我的差评工单", func() {
				s.leave()
				s.showMyOrders(user)
			}))
		}
		buttons = append(buttons, widget.NewButton("退出登录", s.logout))
		s.DeviceLine = widget.NewLabel("")
		s.DeviceLine.Truncation = fyne.TextTruncateEllipsis
		if dw := s.be.Devices; dw != nil {
			show := func() { s.DeviceLine.SetText(strings.Join(dw.Lines(), "　")) }
			show()
			dw.OnStatus(func() { fyne.Do(show) })
			// Each outcome goes to the form's status line, where the clerk
			// looks after 办结, and replaces "请申请人评价".
			dw.OnRated(func(msg string, stored bool) { fyne.Do(func() { c.RatingOutcome(msg, stored) }) })
			// The line also says how many records wait for the hub: refresh it
			// (the count is read off the UI goroutine).
			s.stopLine = Every(10*time.Second, func() string { return strings.Join(dw.Lines(), "　") }, s.DeviceLine.SetText)
		}
		bar := container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), s.DeviceLine)
		s.setContent("counter", container.NewBorder(bar, nil, nil, nil, c.Content()), c.TypedKey)
		c.Start()
	})
}
