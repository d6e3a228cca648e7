package screens

import (
	"context"
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
	// Report renders and saves a monthly report and returns the PDF's path
	// (cli.SaveMonthReport); nil hides the dashboard's 月报 button.
	Report func(ctx context.Context, svc *app.Service, month time.Time, by string) (string, error)
	// WorkOrderSheet writes one work order's sheet as a PDF and returns its
	// path (cli.SaveWorkOrder); nil hides the ledger's 打印工单.
	WorkOrderSheet func(ctx context.Context, svc *app.Service, actor *app.Staff, id int64) (string, error)
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
}

// NewShell makes the flow for env.Win; call Start.
func NewShell(env *Env, be Backend) *Shell { return &Shell{env: env, be: be} }

// Service is the opened service (nil before Open succeeded).
func (s *Shell) Service() *app.Service { return s.svc }

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
		if c, err := svc.Store.Centre(ctx); err == nil && c.Name != "" {
			o.centre = c.Name
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
	s.setup = st
	s.setContent("setup", st.Content(), nil)
	st.Focus()
}

// ShowLogin shows the login screen.
func (s *Shell) ShowLogin() {
	s.env.Win.SetTitle("便民 · 好差评 — " + s.centre)
	l := NewLogin(s.env, s.svc, s.centre, s.hint, s.showDashboard)
	s.login = l
	s.setContent("login", l.Content(), nil)
	l.Focus()
}

// showDashboard shows a manager the dashboard; a clerk sees their own orders.
func (s *Shell) showDashboard(user *app.Staff) {
	if user.Role != app.RoleManager {
		s.showMyOrders(user)
		return
	}
	d := NewDashboard(s.env, s.svc, user)
	d.OnLogout = s.ShowLogin
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
