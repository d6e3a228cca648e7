package screens

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// SetupInput is what the first-start screen collects.
type SetupInput struct {
	Name        string // 中心名称
	AreaCode    string // 12-digit 行政区划代码
	Profile     string // policy profile name (app.BuiltinProfiles)
	ManagerNo   string // 负责人工号
	ManagerName string
	PIN         string
	Demo        bool // 载入演示数据
	// Progress, set by the screen, shows how far the demo load is (0–1);
	// safe to call from any goroutine.
	Progress func(done float64)
}

// ProfileChoice is a policy profile offered on the first-start screen.
type ProfileChoice struct {
	Name  string // national, shenzhen, taian
	Title string // 国家标准, …
}

// Profiles lists the built-in profiles with their Chinese titles.
func Profiles() []ProfileChoice {
	var out []ProfileChoice
	for _, n := range app.BuiltinProfiles() {
		title := n
		if p, err := app.LoadProfile(n, ""); err == nil && p.Title != "" {
			title = p.Title
		}
		out = append(out, ProfileChoice{Name: n, Title: title})
	}
	return out
}

// Setup is the first-start screen: the centre, its rules and its first manager.
type Setup struct {
	Name, AreaCode        *widget.Entry
	Profile               *widget.RadioGroup
	ManagerNo, ManagerNam *widget.Entry
	PIN, PIN2             *widget.Entry
	Demo                  *widget.Check
	Submit                *widget.Button
	Status                *widget.Label
	// Progress shows the demo load (about 20 s for 90 days on a slow PC).
	Progress *widget.ProgressBar
	// JoinCode and Join: a window PC, kiosk or hall display joins an
	// existing centre instead (hidden when no join is wired).
	JoinCode   *widget.Entry
	Join       *widget.Button
	JoinStatus *widget.Label

	env      *Env
	choices  []ProfileChoice
	onSubmit func(ctx context.Context, in SetupInput) error
	onDone   func(SetupInput)
	obj      fyne.CanvasObject
	box      *fyne.Container
	join     func(ctx context.Context, code string) (string, error)
}

// EnableJoin adds the 加入已有的中心 part: join runs off the UI goroutine
// with the code typed and returns what this PC now is, in Chinese; the
// program must then be restarted in its new role.
func (s *Setup) EnableJoin(join func(ctx context.Context, code string) (string, error)) {
	s.join = join
	s.JoinCode = widget.NewEntry()
	s.JoinCode.SetPlaceHolder("中心负责人在“局域网电脑”中添加本机后得到的加入码")
	s.JoinCode.OnSubmitted = func(string) { s.doJoin() }
	s.Join = widget.NewButton("加入中心", s.doJoin)
	s.JoinStatus = widget.NewLabel("")
	s.JoinStatus.Wrapping = fyne.TextWrapWord
	head := widget.NewLabelWithStyle("本机是窗口电脑、取号机或大厅屏？", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	note := widget.NewLabel("如果中心已有中心主机，请不要在上面新建中心，而是输入加入码：")
	note.Wrapping = fyne.TextWrapWord
	s.box.Add(widget.NewSeparator())
	s.box.Add(head)
	s.box.Add(note)
	s.box.Add(container.NewBorder(nil, nil, nil, s.Join, s.JoinCode))
	s.box.Add(s.JoinStatus)
}

func (s *Setup) doJoin() {
	code := strings.TrimSpace(s.JoinCode.Text)
	if code == "" {
		s.JoinStatus.Importance = widget.DangerImportance
		s.JoinStatus.SetText("请输入加入码。")
		return
	}
	s.Join.Disable()
	s.JoinStatus.Importance = widget.MediumImportance
	s.JoinStatus.SetText("正在连接中心主机…")
	Run(s.env, func(ctx context.Context) (string, error) { return s.join(ctx, code) }, func(what string, err error) {
		s.Join.Enable()
		if err != nil {
			s.JoinStatus.Importance = widget.DangerImportance
			s.JoinStatus.SetText(app.UserMessage(err))
			s.env.log().Warn("join failed", "err", err)
			return
		}
		s.JoinStatus.Importance = widget.SuccessImportance
		s.JoinStatus.SetText("已加入中心：" + what + "。请关闭程序后重新打开，本机即以新的角色运行。")
		s.Submit.Disable()
		s.JoinCode.Disable()
		s.Join.Disable()
	})
}

// NewSetup builds the first-start screen. onSubmit runs off the UI goroutine
// (it creates the database and may generate demo data); onDone runs on the UI
// goroutine after it succeeded.
func NewSetup(env *Env, choices []ProfileChoice, onSubmit func(context.Context, SetupInput) error, onDone func(SetupInput)) *Setup {
	s := &Setup{env: env, choices: choices, onSubmit: onSubmit, onDone: onDone}
	s.Name = widget.NewEntry()
	s.Name.SetPlaceHolder("例如：某某镇便民服务中心")
	s.AreaCode = widget.NewEntry()
	s.AreaCode.SetPlaceHolder("12位数字，例如 370911100000")
	var titles []string
	for _, c := range choices {
		titles = append(titles, c.Title)
	}
	s.Profile = widget.NewRadioGroup(titles, nil)
	s.Profile.Horizontal = false
	s.Profile.Required = true
	if len(titles) > 0 {
		s.Profile.SetSelected(titles[0])
		for _, c := range choices {
			if c.Name == "national" {
				s.Profile.SetSelected(c.Title)
			}
		}
	}
	s.ManagerNo = widget.NewEntry()
	s.ManagerNo.SetPlaceHolder("负责人登录用的工号")
	s.ManagerNam = widget.NewEntry()
	s.PIN = widget.NewPasswordEntry()
	s.PIN.SetPlaceHolder("4至12位数字")
	s.PIN2 = widget.NewPasswordEntry()
	s.PIN2.OnSubmitted = func(string) { s.submit() }
	s.Demo = widget.NewCheck("载入演示数据（90天的模拟办件和评价，供培训和试用）", nil)
	s.Submit = widget.NewButton("开始使用", s.submit)
	s.Submit.Importance = widget.HighImportance
	s.Status = widget.NewLabel("")
	s.Status.Wrapping = fyne.TextWrapWord
	s.Status.Importance = widget.DangerImportance
	s.Progress = widget.NewProgressBar()
	s.Progress.TextFormatter = func() string { return fmt.Sprintf("演示数据 %.0f%%", s.Progress.Value*100) }
	s.Progress.Hide()

	title := canvas.NewText("首次使用：设置便民服务中心", colInk)
	title.TextSize = 30
	title.TextStyle.Bold = true
	intro := widget.NewLabel("本机还没有便民服务中心的数据。请填写以下信息，建立本中心的数据库。")
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem("中心名称", s.Name),
		widget.NewFormItem("行政区划代码", s.AreaCode),
		widget.NewFormItem("评价规则", s.Profile),
		widget.NewFormItem("负责人工号", s.ManagerNo),
		widget.NewFormItem("负责人姓名", s.ManagerNam),
		widget.NewFormItem("登录密码", s.PIN),
		widget.NewFormItem("再次输入密码", s.PIN2),
	)
	s.box = container.NewVBox(title, intro, widget.NewSeparator(), form, s.Demo, s.Submit, s.Progress, s.Status)
	s.obj = container.NewVScroll(container.NewCenter(container.New(&fixedWidth{w: 760}, container.NewPadded(s.box))))
	return s
}

// Content is the screen's canvas object.
func (s *Setup) Content() fyne.CanvasObject { return s.obj }

// Focus puts the cursor into the first field.
func (s *Setup) Focus() { s.env.Win.Canvas().Focus(s.Name) }

// Input reads the form.
func (s *Setup) Input() SetupInput {
	in := SetupInput{
		Name:        strings.TrimSpace(s.Name.Text),
		AreaCode:    strings.TrimSpace(s.AreaCode.Text),
		ManagerNo:   strings.TrimSpace(s.ManagerNo.Text),
		ManagerName: strings.TrimSpace(s.ManagerNam.Text),
		PIN:         s.PIN.Text,
		Demo:        s.Demo.Checked,
	}
	for _, c := range s.choices {
		if c.Title == s.Profile.Selected {
			in.Profile = c.Name
		}
	}
	return in
}

// check returns the first problem with the form, in Chinese, and the field to fix.
func (s *Setup) check(in SetupInput) (string, fyne.Focusable) {
	switch {
	case in.Name == "":
		return "请填写中心名称", s.Name
	case app.ValidateAreaCode(in.AreaCode) != nil:
		return app.UserMessage(app.ValidateAreaCode(in.AreaCode)), s.AreaCode
	case in.Profile == "":
		return "请选择评价规则", nil
	case in.ManagerNo == "":
		return "请填写负责人工号", s.ManagerNo
	case in.ManagerName == "":
		return "请填写负责人姓名", s.ManagerNam
	case app.ValidatePIN(in.PIN) != nil:
		return app.UserMessage(app.ValidatePIN(in.PIN)), s.PIN
	case in.PIN != s.PIN2.Text:
		return "两次输入的密码不一致", s.PIN2
	}
	return "", nil
}

func (s *Setup) submit() {
	in := s.Input()
	if msg, field := s.check(in); msg != "" {
		s.Status.SetText(msg)
		if field != nil {
			s.env.Win.Canvas().Focus(field)
		}
		return
	}
	s.Submit.Disable()
	if in.Demo {
		s.Status.Importance = widget.MediumImportance
		s.Status.SetText("正在建立数据库并生成演示数据…")
		s.Progress.SetValue(0)
		s.Progress.Show()
		in.Progress = func(f float64) { fyne.Do(func() { s.Progress.SetValue(f) }) }
	} else {
		s.Status.SetText("正在建立数据库…")
	}
	Run(s.env, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.onSubmit(ctx, in)
	}, func(_ struct{}, err error) {
		s.Submit.Enable()
		s.Progress.Hide()
		s.Status.Importance = widget.DangerImportance
		if err != nil {
			s.Status.SetText(app.UserMessage(err))
			s.env.ShowError("first-start setup failed", "设置未完成", err, nil)
			return
		}
		s.Status.SetText("")
		s.onDone(in)
	})
}
