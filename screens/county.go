package screens

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// CountyForm is what the 县级上传 screen edits: the county platform's
// address, keys and upload interval. The county's codes and mappings stay
// with the backend, which merges the form into the stored settings.
type CountyForm struct {
	URL, AppKey, Secret, QRKey string
	AllowHTTP                  bool
	Interval                   time.Duration
}

// CountyBackend is what the 县级上传 settings screen needs: the stored
// settings, saving them (which restarts the upload), a test of the county's
// answer with the trust rules (a signed request, a verified reply) and the
// upload's state. The screen knows nothing of the sync package.
type CountyBackend interface {
	CountySettings(ctx context.Context) (CountyForm, error)
	SaveCountySettings(ctx context.Context, f CountyForm) error
	TestCounty(ctx context.Context, f CountyForm) (string, error)
	UploadStatus(ctx context.Context) ([]string, error)
	// SendNow starts an upload at once (立即上传).
	SendNow()
}

// CountySettings is the manager's 县级上传 screen: the county platform's
// address and keys, 测试连接, 保存, and where the upload stands.
type CountySettings struct {
	URL, AppKey  *hkEntry
	Secret, QR   *hkEntry
	AllowHTTP    *widget.Check
	Interval     *hkEntry // minutes
	Test, Save   *widget.Button
	SendNow      *widget.Button
	Back         *widget.Button
	Msg, Backlog *widget.Label
	OnBack       func()

	env *Env
	be  CountyBackend
	obj fyne.CanvasObject
}

// NewCountySettings builds the screen; call Reload to fill it.
func NewCountySettings(env *Env, be CountyBackend) *CountySettings {
	s := &CountySettings{env: env, be: be}
	keys := hotkeys{}
	s.URL = newHKEntry(keys, "县级平台地址，如 https://hcp.县.gov.cn")
	s.AppKey = newHKEntry(keys, "县里分配的接入编号（AppKey）")
	s.Secret = newHKEntry(keys, "县里分配的密钥（Secret）")
	s.Secret.Password = true
	s.QR = newHKEntry(keys, "回执二维码签名密钥（县里提供，可不填）")
	s.QR.Password = true
	s.AllowHTTP = widget.NewCheck("县里只提供 http（不加密）地址时允许使用（不推荐）", nil)
	s.Interval = newHKEntry(keys, "5")
	s.Msg = widget.NewLabel("")
	s.Msg.Wrapping = fyne.TextWrapWord
	s.Backlog = widget.NewLabel("")
	s.Backlog.Wrapping = fyne.TextWrapWord
	s.Test = widget.NewButton("测试连接", s.test)
	s.Save = widget.NewButton("保存", s.save)
	s.Save.Importance = widget.HighImportance
	s.SendNow = widget.NewButton("立即上传", func() {
		s.be.SendNow()
		s.say("已开始上传，稍后点“刷新”查看。", nil)
	})
	refresh := widget.NewButton("刷新", s.Reload)
	s.Back = widget.NewButton("返回首页", func() {
		if s.OnBack != nil {
			s.OnBack()
		}
	})
	form := widget.NewForm(
		widget.NewFormItem("平台地址", s.URL),
		widget.NewFormItem("接入编号", s.AppKey),
		widget.NewFormItem("密钥", s.Secret),
		widget.NewFormItem("二维码密钥", s.QR),
		widget.NewFormItem("", s.AllowHTTP),
		widget.NewFormItem("上传间隔（分钟）", container.New(&fixedWidth{w: 120}, s.Interval)),
	)
	title := widget.NewLabelWithStyle("县级上传", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel("地址和密钥由县级平台提供。密钥保存在本机数据库中，不会显示出来。")
	hint.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(hint, form, container.NewHBox(s.Test, s.Save), s.Msg,
		card("上传情况", container.NewVBox(s.Backlog, container.NewHBox(s.SendNow, refresh))))
	s.obj = container.NewBorder(container.NewPadded(container.NewBorder(nil, nil, title, s.Back)), nil, nil, nil,
		container.NewVScroll(container.NewCenter(container.New(&fixedWidth{w: 760}, container.NewPadded(body)))))
	return s
}

// Content is the screen.
func (s *CountySettings) Content() fyne.CanvasObject { return s.obj }

// Reload shows the stored settings and the upload's state.
func (s *CountySettings) Reload() {
	type loaded struct {
		set   CountyForm
		lines []string
	}
	Run(s.env, func(ctx context.Context) (loaded, error) {
		var l loaded
		var err error
		if l.set, err = s.be.CountySettings(ctx); err != nil {
			return l, err
		}
		l.lines, err = s.be.UploadStatus(ctx)
		return l, err
	}, func(l loaded, err error) {
		if err != nil {
			s.env.ShowError("county settings failed", "县级上传", err, nil)
			return
		}
		s.URL.SetText(l.set.URL)
		s.AppKey.SetText(l.set.AppKey)
		s.Secret.SetText(l.set.Secret)
		s.QR.SetText(l.set.QRKey)
		s.AllowHTTP.SetChecked(l.set.AllowHTTP)
		s.Interval.SetText(strconv.Itoa(max(1, int(l.set.Interval/time.Minute))))
		s.showStatus(l.lines)
	})
}

func (s *CountySettings) showStatus(lines []string) {
	if len(lines) == 0 {
		s.Backlog.SetText("尚未配置县级上传。")
		return
	}
	s.Backlog.SetText(strings.Join(lines, "\n"))
}

// form reads what the form shows.
func (s *CountySettings) form() (CountyForm, string) {
	var set CountyForm
	set.URL = strings.TrimRight(strings.TrimSpace(s.URL.Text), "/")
	set.AppKey = strings.TrimSpace(s.AppKey.Text)
	set.Secret = strings.TrimSpace(s.Secret.Text)
	set.QRKey = strings.TrimSpace(s.QR.Text)
	set.AllowHTTP = s.AllowHTTP.Checked
	minutes, err := strconv.Atoi(strings.TrimSpace(s.Interval.Text))
	if err != nil {
		return set, "上传间隔应为分钟数，如 5"
	}
	if minutes < 1 || minutes > 1440 {
		return set, "上传间隔应在1至1440分钟之间"
	}
	set.Interval = time.Duration(minutes) * time.Minute
	if set.URL == "" || set.AppKey == "" || set.Secret == "" {
		return set, "请填写平台地址、接入编号和密钥"
	}
	return set, ""
}

func (s *CountySettings) say(text string, err error) {
	if err != nil {
		s.Msg.Importance = widget.DangerImportance
		text = app.UserMessage(err)
	} else {
		s.Msg.Importance = widget.SuccessImportance
	}
	s.Msg.SetText(text)
}

func (s *CountySettings) test() {
	set, bad := s.form()
	if bad != "" {
		s.say(bad, &app.UserError{Code: "bad_county_form", Msg: bad})
		return
	}
	s.Test.Disable()
	s.Msg.Importance = widget.MediumImportance
	s.Msg.SetText("正在连接县级平台…")
	Run(s.env, func(ctx context.Context) (string, error) { return s.be.TestCounty(ctx, set) },
		func(msg string, err error) {
			s.Test.Enable()
			if err != nil {
				s.env.log().Info("county test failed", "url", set.URL, "err", err)
			}
			s.say(msg, err)
		})
}

func (s *CountySettings) save() {
	set, bad := s.form()
	if bad != "" {
		s.say(bad, &app.UserError{Code: "bad_county_form", Msg: bad})
		return
	}
	s.Save.Disable()
	Run(s.env, func(ctx context.Context) ([]string, error) {
		if err := s.be.SaveCountySettings(ctx, set); err != nil {
			return nil, err
		}
		return s.be.UploadStatus(ctx)
	}, func(lines []string, err error) {
		s.Save.Enable()
		if err != nil {
			s.env.log().Info("county settings not saved", "err", err)
			s.say("", err)
			return
		}
		s.say("已保存，县级上传已按新设置开始。", nil)
		s.showStatus(lines)
	})
}
