package screens

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// Login is the sign-in screen: 工号 and 密码, Enter submits. A USB barcode
// scanner that types the 工号 and Enter moves on to the password.
type Login struct {
	No     *widget.Entry
	PIN    *widget.Entry
	Submit *widget.Button
	Status *widget.Label // the last error or "正在登录…", in the form so it stays visible

	env  *Env
	svc  *app.Service
	onOK func(*app.Staff)
	obj  fyne.CanvasObject
}

// NewLogin builds the login screen for centre; onOK runs on the UI goroutine
// with the signed-in staff member. hint, when not empty, is shown under the form
// (the demo credentials after loading demo data).
func NewLogin(env *Env, svc *app.Service, centre, hint string, onOK func(*app.Staff)) *Login {
	l := &Login{env: env, svc: svc, onOK: onOK}
	l.No = widget.NewEntry()
	l.No.SetPlaceHolder("工号，或扫描工作证")
	l.No.OnSubmitted = func(string) { l.onNoSubmitted() }
	l.PIN = widget.NewPasswordEntry()
	l.PIN.SetPlaceHolder("4至12位数字")
	l.PIN.OnSubmitted = func(string) { l.submit() }
	l.Submit = widget.NewButton("登录", l.submit)
	l.Submit.Importance = widget.HighImportance
	l.Status = widget.NewLabel("")
	l.Status.Wrapping = fyne.TextWrapWord
	l.Status.Importance = widget.DangerImportance

	title := canvas.NewText(centre, colInk)
	title.TextSize = 34
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	sub := widget.NewLabelWithStyle("政务服务“好差评”管理 · 请登录", fyne.TextAlignCenter, fyne.TextStyle{})

	form := widget.NewForm(
		widget.NewFormItem("工号", l.No),
		widget.NewFormItem("密码", l.PIN),
	)
	items := []fyne.CanvasObject{title, sub, widget.NewSeparator(), form, l.Submit, l.Status}
	if hint != "" {
		h := widget.NewLabel(hint)
		h.Wrapping = fyne.TextWrapWord
		items = append(items, h)
	}
	box := container.NewVBox(items...)
	// A fixed-width column in the middle of the window.
	l.obj = container.NewCenter(container.New(&fixedWidth{w: 520}, box))
	return l
}

// Content is the screen's canvas object.
func (l *Login) Content() fyne.CanvasObject { return l.obj }

// Focus puts the cursor into the 工号 field.
func (l *Login) Focus() {
	if c := l.env.Win.Canvas(); c != nil {
		c.Focus(l.No)
	}
}

func (l *Login) onNoSubmitted() {
	if strings.TrimSpace(l.No.Text) != "" && l.PIN.Text != "" {
		l.submit()
		return
	}
	l.env.Win.Canvas().Focus(l.PIN)
}

// submit checks the 工号 and PIN off the UI goroutine (Argon2 takes tens of ms).
func (l *Login) submit() {
	no, pin := strings.TrimSpace(l.No.Text), l.PIN.Text
	if no == "" {
		l.Status.SetText("请输入工号")
		l.env.Win.Canvas().Focus(l.No)
		return
	}
	if pin == "" {
		l.Status.SetText("请输入密码")
		l.env.Win.Canvas().Focus(l.PIN)
		return
	}
	l.Submit.Disable()
	l.Status.SetText("正在登录…")
	Run(l.env, func(ctx context.Context) (*app.Staff, error) {
		return l.svc.Login(ctx, no, pin)
	}, func(st *app.Staff, err error) {
		l.Submit.Enable()
		if err != nil {
			// Keep the 工号; clear only the password, and put the cursor back in it.
			l.PIN.SetText("")
			l.Status.SetText(app.UserMessage(err))
			l.env.ShowError("login failed", "登录未成功", err, func() { l.env.Win.Canvas().Focus(l.PIN) })
			return
		}
		l.Status.SetText("")
		l.env.log().Info("signed in", "staff", st.No, "role", st.Role)
		l.onOK(st)
	})
}

// fixedWidth lays out its objects stacked vertically at a fixed width (or the
// available width, when smaller).
type fixedWidth struct{ w float32 }

func (f *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := layout.NewStackLayout().MinSize(objs)
	if s.Width < f.w {
		s.Width = f.w
	}
	return s
}

func (f *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	layout.NewStackLayout().Layout(objs, size)
}
