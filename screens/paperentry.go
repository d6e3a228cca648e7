package screens

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/app/pinyinime"
)

// PaperEntry is the screen where the manager enters 书面评价表, built for
// speed and the keyboard alone: scan the form's QR (or type the 流水号) and
// Enter; the transaction shows at once; one key 1–5 for the level; number
// keys for the bad-review tags; optional text; the form number and the
// form's date (today by default); Enter saves and the next form is ready.
// A refusal is shown in place with its reason and nothing typed is lost.
type PaperEntry struct {
	// Channel picks what is entered: 书面评价表 (the default) or a rating
	// another channel passed on (12345热线, 短信, 意见簿/意见箱, 电话回访).
	Channel *widget.Select
	Serial  *widget.Entry
	Info    *widget.Label // the transaction of the 流水号, or what is wrong with it
	Level   *levelEntry   // one key, 1–5
	// LevelName shows the chosen level's name.
	LevelName *widget.Label
	Tags      *widget.Entry // tag numbers, e.g. "13" for tags 1 and 3
	TagList   *widget.Label // the profile's bad tags, numbered, chosen ones in 【】
	Text      *hkEntry
	// TextPinyin is the built-in pinyin input of 意见 (F5).
	TextPinyin *pinyinField
	FormNo     *widget.Entry
	Date       *widget.Entry // YYYY-MM-DD
	Save       *widget.Button
	Back       *widget.Button
	// BlankForms (打印空白评价表) prints numbered blank forms for the
	// counters; hidden until SetBlankForms.
	BlankForms *widget.Button
	blankForms func(ctx context.Context, n int) (string, error)
	// BlankPrinted is the last blank-forms PDF written, BlankDialog the
	// dialog asking how many (for tests).
	BlankPrinted string
	BlankDialog  dialog.Dialog
	Status       *widget.Label // the last refusal, in red, above the save button
	Count        *widget.Label // 本次已录入 N 张
	Last         *widget.Label // the last form saved
	// OnBack runs when the user leaves the screen.
	OnBack func()

	// Entered is how many forms were saved since the screen opened; Current
	// is the transaction of the last 流水号 looked up (nil when none).
	Entered int
	Current *app.PaperFormInfo

	env      *Env
	svc      *app.Service
	user     *app.Staff
	obj      fyne.CanvasObject
	lookups  int // sequence of 流水号 look-ups; a late answer for an old one is dropped
	saving   bool
	channels map[string]app.Channel // by Chinese name
	formNoIt *widget.FormItem
	dateIt   *widget.FormItem
	form     *widget.Form
}

// channel is the channel chosen (书面评价表 until another is picked).
func (p *PaperEntry) channel() app.Channel {
	if c, ok := p.channels[p.Channel.Selected]; ok {
		return c
	}
	return app.ChannelPaper
}

// channelChosen relabels the form for the channel: a paper form has a form
// number and a date on it; the others have an optional reference.
func (p *PaperEntry) channelChosen() {
	if p.form == nil {
		return
	}
	if p.channel() == app.ChannelPaper {
		p.formNoIt.Text, p.dateIt.Text = "表号", "表上日期"
		p.FormNo.SetPlaceHolder("评价表右上角的表号，如 F20261125-00001")
	} else {
		p.formNoIt.Text, p.dateIt.Text = "来源编号", "评价日期"
		p.FormNo.SetPlaceHolder("12345工单号、意见簿页码等（可不填）")
	}
	p.form.Refresh()
	p.Status.SetText("")
	p.focus(p.Serial)
}

// levelEntry takes one key, 1 to 5, as the level; other keys are ignored.
type levelEntry struct {
	widget.Entry
	onLevel func(app.Level)
}

func newLevelEntry() *levelEntry {
	e := &levelEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedRune replaces the level with the digit typed.
func (e *levelEntry) TypedRune(r rune) {
	if r < '1' || r > '5' {
		return
	}
	e.SetText(string(r))
	if e.onLevel != nil {
		e.onLevel(app.Level(r - '0'))
	}
}

// NewPaperEntry builds the entry screen for the signed-in user; call Focus.
func NewPaperEntry(env *Env, svc *app.Service, user *app.Staff) *PaperEntry {
	p := &PaperEntry{env: env, svc: svc, user: user, channels: map[string]app.Channel{}}
	var names []string
	for _, c := range app.ManagerChannels() {
		names = append(names, c.Name())
		p.channels[c.Name()] = c
	}
	p.Channel = newSelect(names, func(string) { p.channelChosen() })
	p.Serial = widget.NewEntry()
	p.Serial.SetPlaceHolder("扫描评价表二维码，或输入办件流水号后按回车")
	p.Serial.OnSubmitted = func(string) { p.lookup() }
	p.Info = widget.NewLabel("")
	p.Info.Wrapping = fyne.TextWrapWord

	p.Level = newLevelEntry()
	p.Level.SetPlaceHolder("按 1–5")
	p.Level.onLevel = p.levelChosen
	p.Level.OnSubmitted = func(string) { p.next(p.Level) }
	p.LevelName = widget.NewLabel("")
	var scale []string
	for l := app.LevelVeryGood; l >= app.LevelVeryBad; l-- {
		scale = append(scale, fmt.Sprintf("%d = %s", l, svc.Profile.Def(l).Name))
	}
	levelHelp := widget.NewLabel(strings.Join(scale, "　"))
	levelHelp.Importance = widget.LowImportance

	p.Tags = widget.NewEntry()
	p.Tags.SetPlaceHolder("差评时按标签序号，如 13")
	p.Tags.OnChanged = func(string) { p.showTags() }
	p.Tags.OnSubmitted = func(string) { p.next(p.Tags) }
	p.TagList = widget.NewLabel("")
	p.TagList.Wrapping = fyne.TextWrapWord
	p.showTags()

	textKeys := hotkeys{}
	p.Text = newHKEntry(textKeys, "评价表上写的意见（可不填；F5 拼音输入）")
	pySwitch := &pinyinSwitch{}
	p.TextPinyin = newPinyinField(pySwitch, p.Text, pinyinime.Text)
	textKeys[keyPinyin] = func() {
		pySwitch.on = !pySwitch.on
		p.TextPinyin.off()
		if pySwitch.on {
			p.Last.SetText("拼音输入已打开（F5 关闭）")
		} else {
			p.Last.SetText("拼音输入已关闭")
		}
	}
	p.Text.OnSubmitted = func(string) { p.next(p.Text) }
	p.FormNo = widget.NewEntry()
	p.FormNo.SetPlaceHolder("评价表右上角的表号，如 F20261125-00001")
	p.FormNo.OnSubmitted = func(string) { p.submit() }
	p.Date = widget.NewEntry()
	p.Date.SetPlaceHolder("年-月-日")
	p.Date.OnSubmitted = func(string) { p.submit() }
	p.Date.SetText(p.today())

	p.Save = widget.NewButton("保存 (回车)", p.submit)
	p.Save.Importance = widget.HighImportance
	p.Back = widget.NewButton("返回首页", func() {
		if p.OnBack != nil {
			p.OnBack()
		}
	})
	p.Status = widget.NewLabel("")
	p.Status.Wrapping = fyne.TextWrapWord
	p.Status.Importance = widget.DangerImportance
	p.Count = boldLabel("本次已录入 0 张")
	p.Last = widget.NewLabel("")
	p.Last.Importance = widget.SuccessImportance

	p.formNoIt = widget.NewFormItem("表号", p.FormNo)
	p.dateIt = widget.NewFormItem("表上日期", p.Date)
	form := widget.NewForm(
		widget.NewFormItem("评价渠道", p.Channel),
		widget.NewFormItem("流水号", p.Serial),
		widget.NewFormItem("办件", p.Info),
		widget.NewFormItem("评价等级", container.NewBorder(nil, levelHelp, nil, p.LevelName, p.Level)),
		widget.NewFormItem("差评标签", container.NewBorder(nil, p.TagList, nil, nil, p.Tags)),
		widget.NewFormItem("意见", container.NewVBox(p.Text, p.TextPinyin.Bar)),
		p.formNoIt,
		p.dateIt,
	)
	help := widget.NewLabel("回车：流水号→等级→标签→意见→表号→保存；Tab 可逐项移动。保存后自动清空，光标回到流水号。")
	help.Wrapping = fyne.TextWrapWord
	help.Importance = widget.LowImportance

	p.form = form
	p.Channel.SetSelected(app.ChannelPaper.Name())
	title := widget.NewLabelWithStyle("录入评价（书面评价表及其他渠道）", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.BlankForms = widget.NewButton("打印空白评价表", p.askBlankForms)
	p.BlankForms.Hide()
	top := container.NewBorder(nil, nil, container.NewHBox(title, p.Count), container.NewHBox(p.BlankForms, p.Back))
	body := container.NewVBox(form, p.Status, p.Save, p.Last, help)
	p.obj = container.NewBorder(container.NewPadded(top), nil, nil, nil,
		container.NewVScroll(container.NewCenter(container.New(&fixedWidth{w: 860}, card("评价表内容", body)))))
	return p
}

// Content is the screen's canvas object.
func (p *PaperEntry) Content() fyne.CanvasObject { return p.obj }

// Focus puts the cursor into the 流水号 field.
func (p *PaperEntry) Focus() { p.focus(p.Serial) }

func (p *PaperEntry) focus(o fyne.Focusable) {
	if c := p.env.Win.Canvas(); c != nil {
		c.Focus(o)
	}
}

func (p *PaperEntry) today() string { return p.svc.Clock.Now().Format("2006-01-02") }

// lookup shows the transaction of the 流水号 and moves on to the level. A
// blank form's QR (its form number) goes to the 表号 field instead.
func (p *PaperEntry) lookup() {
	serial := strings.TrimSpace(p.Serial.Text)
	if serial == "" {
		p.Status.SetText("请扫描或输入办件流水号")
		return
	}
	if app.IsFormNo(serial) {
		setText(p.FormNo, serial)
		setText(p.Serial, "")
		p.Status.SetText("")
		p.Info.SetText("已读取表号 " + serial + "，请输入评价表上手写的流水号")
		return
	}
	p.lookups++
	seq := p.lookups
	p.Status.SetText("")
	p.Info.SetText("正在查找…")
	p.focus(p.Level)
	Run(p.env, func(ctx context.Context) (*app.PaperFormInfo, error) {
		return p.svc.PaperFormContext(ctx, p.user, serial)
	}, func(info *app.PaperFormInfo, err error) {
		if seq != p.lookups {
			return
		}
		p.Current = info
		if err != nil {
			p.env.log().Info("paper form lookup refused", "serial", serial, "code", app.ErrorCode(err), "err", err)
			p.Info.SetText("")
			p.refused(err)
			return
		}
		p.Info.SetText(describeTx(info))
		if info.Rated != nil {
			p.Status.SetText(info.RatedMsg)
			p.focus(p.Serial)
			selectAll(p.Serial)
		}
	})
}

// describeTx is the transaction as the entry screen shows it.
func describeTx(info *app.PaperFormInfo) string {
	tx := info.Tx
	var b strings.Builder
	fmt.Fprintf(&b, "%s　%s", tx.Serial, info.ItemName)
	if info.WindowNo != 0 {
		fmt.Fprintf(&b, "　%d号窗口", info.WindowNo)
	}
	if info.ClerkNo != "" {
		fmt.Fprintf(&b, "　工号 %s", info.ClerkNo)
	}
	b.WriteString("\n")
	if !tx.CompletedAt.IsZero() {
		fmt.Fprintf(&b, "%s %s", tx.Status.Name(), tx.CompletedAt.Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintf(&b, "%s（受理 %s）", tx.Status.Name(), tx.CreatedAt.Format("2006-01-02"))
	}
	if !info.Due.IsZero() {
		fmt.Fprintf(&b, "　评价时限至 %s", info.Due.Format("2006-01-02 15:04"))
	}
	if info.Rated != nil {
		b.WriteString("　已评价")
	} else {
		b.WriteString("　尚未评价")
	}
	return b.String()
}

// selectAll selects the field's text, so the next scan or typing replaces
// it while what was typed stays visible.
func selectAll(e *widget.Entry) { e.TypedShortcut(&fyne.ShortcutSelectAll{}) }

// setText replaces the field's text. The selection goes first: Fyne drops
// the next key typed into an entry whose text was set while selected.
func setText(e *widget.Entry, s string) {
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
	e.SetText(s)
}

// levelChosen shows the level and moves on: to the tags for a bad review,
// to the text otherwise.
func (p *PaperEntry) levelChosen(l app.Level) {
	p.LevelName.SetText(p.svc.Profile.Def(l).Name)
	if p.svc.Profile.IsBad(l) {
		p.focus(p.Tags)
	} else {
		p.focus(p.Text)
	}
}

// next moves the cursor on after Enter in from; from the text it saves when
// the form number is already filled in (a blank form's QR was scanned).
func (p *PaperEntry) next(from fyne.Focusable) {
	switch from {
	case p.Level:
		if p.level() == app.LevelNone {
			p.Status.SetText("请按数字键 1–5 选择评价等级")
			return
		}
		p.levelChosen(p.level())
	case p.Tags:
		p.focus(p.Text)
	case p.Text:
		if strings.TrimSpace(p.FormNo.Text) != "" {
			p.submit()
			return
		}
		p.focus(p.FormNo)
	}
}

func (p *PaperEntry) level() app.Level {
	if n, err := strconv.Atoi(p.Level.Text); err == nil && app.Level(n).Valid() {
		return app.Level(n)
	}
	return app.LevelNone
}

// tags reads the tag numbers typed: single digits ("13"), or numbers
// separated by spaces or commas when the profile has ten tags or more.
func (p *PaperEntry) tags() ([]string, error) {
	bad := p.svc.Profile.Tags.Bad
	var nums []string
	text := strings.TrimSpace(p.Tags.Text)
	if strings.ContainsAny(text, " ,，、") {
		nums = strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(" ,，、", r) })
	} else {
		for _, r := range text {
			nums = append(nums, string(r))
		}
	}
	var out []string
	seen := map[int]bool{}
	for _, s := range nums {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > len(bad) {
			return out, fmt.Errorf("没有序号为 %s 的标签，请输入 1–%d", s, len(bad))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, bad[n-1])
		}
	}
	return out, nil
}

// showTags lists the profile's bad tags with the chosen ones in 【】.
func (p *PaperEntry) showTags() {
	chosen, _ := p.tags()
	var parts []string
	for i, t := range p.svc.Profile.Tags.Bad {
		s := fmt.Sprintf("%d %s", i+1, t)
		for _, c := range chosen {
			if c == t {
				s = "【" + s + "】"
			}
		}
		parts = append(parts, s)
	}
	p.TagList.SetText(strings.Join(parts, "　"))
}

// parseFormDate reads the date written on a form: 2026-03-10, 2026/3/10,
// 20260310, or 3-10 (this year).
func parseFormDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(s))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-1-2", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("1-2", s, now.Location()); err == nil {
		return time.Date(now.Year(), t.Month(), t.Day(), 0, 0, 0, 0, now.Location()), nil
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

// submit saves the form; a refusal is shown in place and the cursor goes to
// the field to correct, with everything typed kept.
func (p *PaperEntry) submit() {
	if p.saving {
		return
	}
	if strings.TrimSpace(p.Serial.Text) == "" {
		p.Status.SetText("请扫描或输入办件流水号")
		p.focus(p.Serial)
		return
	}
	lvl := p.level()
	if lvl == app.LevelNone {
		p.Status.SetText("请按数字键 1–5 选择评价等级")
		p.focus(p.Level)
		return
	}
	tags, err := p.tags()
	if err != nil {
		p.Status.SetText(err.Error())
		p.focus(p.Tags)
		return
	}
	if !p.svc.Profile.IsBad(lvl) {
		tags = nil // tag numbers left over from a bad level typed first
	}
	if strings.TrimSpace(p.FormNo.Text) == "" && p.channel() == app.ChannelPaper {
		p.Status.SetText("请输入评价表上的表号")
		p.focus(p.FormNo)
		return
	}
	date, err := parseFormDate(p.Date.Text, p.svc.Clock.Now())
	if err != nil {
		p.Status.SetText("表上日期格式应为 " + p.today())
		p.focus(p.Date)
		selectAll(p.Date)
		return
	}
	form := app.PaperForm{Channel: p.channel(), Serial: strings.TrimSpace(p.Serial.Text), Level: lvl, Tags: tags,
		Text: p.Text.Text, FormNo: p.FormNo.Text, Date: date}
	p.saving = true
	p.Save.Disable()
	p.Status.SetText("")
	Run(p.env, func(ctx context.Context) ([]app.Evaluation, error) {
		return p.svc.EnterPaperForm(ctx, p.user, form)
	}, func(rows []app.Evaluation, err error) {
		p.saving = false
		p.Save.Enable()
		if err != nil {
			p.env.log().Info("paper form refused", "serial", form.Serial, "form", form.FormNo,
				"code", app.ErrorCode(err), "err", err)
			p.refused(err)
			return
		}
		p.env.log().Info("paper form entered", "serial", form.Serial, "form", form.FormNo, "rows", len(rows))
		p.Entered++
		p.Count.SetText(fmt.Sprintf("本次已录入 %d 张", p.Entered))
		p.Last.SetText(fmt.Sprintf("已保存：表号 %s　流水号 %s　%s", strings.TrimSpace(form.FormNo), form.Serial,
			p.svc.Profile.Def(lvl).Name))
		p.clear()
	})
}

// refused shows why and puts the cursor on the field to correct.
func (p *PaperEntry) refused(err error) {
	p.Status.SetText(app.UserMessage(err))
	switch app.ErrorCode(err) {
	case "no_serial", app.CodeUnknownTransaction, app.CodeAlreadyRated, "timed_out", "no_visit", "empty_theme":
		p.focus(p.Serial)
		selectAll(p.Serial)
	case app.CodeBadNeedsReason:
		p.focus(p.Tags)
	case "bad_level":
		p.focus(p.Level)
	case "no_form_no", "form_entered":
		p.focus(p.FormNo)
		selectAll(p.FormNo)
	case "window_closed", "form_date", "future":
		p.focus(p.Date)
		selectAll(p.Date)
	}
}

// clear empties the form for the next one and puts the cursor in 流水号.
func (p *PaperEntry) clear() {
	p.Current = nil
	for _, e := range []*widget.Entry{p.Serial, p.Tags, &p.Text.Entry, p.FormNo, &p.Level.Entry} {
		setText(e, "")
	}
	p.LevelName.SetText("")
	setText(p.Date, p.today())
	p.Info.SetText("")
	p.Status.SetText("")
	p.focus(p.Serial)
}

// openPaperEntry shows the paper-form entry in the dashboard's window;
// 返回首页 brings the dashboard back, refreshed.
func (d *Dashboard) openPaperEntry() {
	p := NewPaperEntry(d.env, d.svc, d.user)
	p.SetBlankForms(d.BlankForms)
	d.PaperScreen = p
	p.OnBack = d.ShowSub("paperentry", p.Content())
	p.Focus()
}

// SetBlankForms shows 打印空白评价表, which writes n numbered blank forms
// with f and returns the PDF's path.
func (p *PaperEntry) SetBlankForms(f func(ctx context.Context, n int) (string, error)) {
	p.blankForms = f
	if f != nil {
		p.BlankForms.Show()
	}
}

// askBlankForms asks how many blank forms to print (two to an A4 sheet),
// then makes them with a progress bar and offers 打印 / 打开.
func (p *PaperEntry) askBlankForms() {
	if p.blankForms == nil {
		return
	}
	keys := hotkeys{}
	count := newHKEntry(keys, "20")
	count.SetText("20")
	msg := widget.NewLabel("每张 A4 纸印两份（裁开使用），每份有不重复的表号。")
	msg.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	do := func() {
		n, err := strconv.Atoi(strings.TrimSpace(count.Text))
		if err != nil || n < 1 || n > 2000 {
			msg.SetText("张数应为 1 至 2000 之间的整数")
			msg.Importance = widget.DangerImportance
			msg.Refresh()
			return
		}
		d.Hide()
		RunWithProgress(p.env, "打印空白评价表", fmt.Sprintf("正在生成 %d 份空白评价表…", n),
			func(ctx context.Context) (string, error) { return p.blankForms(ctx, n) },
			func(path string, err error) {
				if err != nil {
					p.env.ShowError("blank forms failed", "空白评价表未生成", err, nil)
					return
				}
				p.BlankPrinted = path
				docReady(p.env, fmt.Sprintf("%d 份空白评价表", n), path)
			})
	}
	count.OnSubmitted = func(string) { do() }
	yes := newHKButton(keys, "生成 (回车)", do)
	yes.Importance = widget.HighImportance
	no := newHKButton(keys, "取消 (Esc)", nil)
	d = dialog.NewCustomWithoutButtons("打印空白评价表", container.NewVBox(
		widget.NewForm(widget.NewFormItem("份数", count)), msg, container.NewCenter(container.NewHBox(no, yes))), p.env.Win)
	no.OnTapped = d.Hide
	p.env.escapable(d, keys, d.Hide)
	p.BlankDialog = d
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
	p.env.Win.Canvas().Focus(count)
}
