package screens

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// CentreAdmin is what the 中心设置 screen needs: the centre's setup and the
// queue's settings. *admin.Admin implements it (app/admin); every method
// checks the manager role itself, whatever this screen shows.
type CentreAdmin interface {
	CentreConfig(ctx context.Context, actor *app.Staff) (app.CentreConfig, error)
	AddWindow(ctx context.Context, actor *app.Staff, w app.Window) (app.Window, error)
	UpdateWindow(ctx context.Context, actor *app.Staff, w app.Window) (app.Window, error)
	SetWindowActive(ctx context.Context, actor *app.Staff, id int64, active bool) error
	SetPosts(ctx context.Context, actor *app.Staff, windowID, a, b int64) error
	AddStaff(ctx context.Context, actor *app.Staff, st app.Staff, pin string) (app.Staff, error)
	UpdateStaff(ctx context.Context, actor *app.Staff, st app.Staff) (app.Staff, error)
	ResetPIN(ctx context.Context, actor *app.Staff, id int64, pin string) error
	SetStaffActive(ctx context.Context, actor *app.Staff, id int64, active bool) error
	AddCategory(ctx context.Context, actor *app.Staff, c app.QueueCategory) (app.QueueCategory, error)
	UpdateCategory(ctx context.Context, actor *app.Staff, c app.QueueCategory) (app.QueueCategory, error)
	QueueSettings(ctx context.Context, actor *app.Staff) (app.QueueSettings, error)
	SaveQueueSettings(ctx context.Context, actor *app.Staff, s app.QueueSettings) error
}

// Labels of the choices.
const (
	vacantPost = "（空缺）"
	roleClerk  = "窗口工作人员"
	roleMgr    = "中心负责人"
	addWinHint = "添加办理窗口…"
)

var repeatChoices = []string{"1", "2", "3", "4", "5"}

// CentreSettings is the manager's 中心设置 screen: 窗口 (with the A and B
// clerk of each window, AB岗), 工作人员, 排队业务 (the ticket letter and the
// windows that serve it, most preferred first) and 叫号设置. Each tab is a
// list on the left and a form on the right; a refusal shows in red under the
// form and what was typed stays. Nothing is deleted: windows and staff are
// 停用 (deactivated), since ratings refer to them.
type CentreSettings struct {
	Tabs    *container.AppTabs
	Back    *widget.Button
	LoadMsg *widget.Label // a failed load, above the tabs
	// OnBack runs when the user leaves the screen.
	OnBack func()

	// 窗口
	WinTab                      *SettingsTab
	WinNumber, WinName          *widget.Entry
	WinKind, WinPostA, WinPostB *widget.Select
	// 工作人员
	StaffTab            *SettingsTab
	StaffNo, StaffName  *widget.Entry
	StaffRole           *widget.Select
	StaffPIN, StaffPIN2 *widget.Entry
	StaffPINLabel       *widget.Label
	// 排队业务
	CatTab             *SettingsTab
	CatPrefix, CatName *widget.Entry
	CatWindows         *fyne.Container // the chosen windows, in preference order
	CatAdd             *widget.Select  // adds a window to the end
	// 叫号设置
	Ratio     *widget.Entry
	Overnight *widget.Check
	Notice    *widget.Entry
	Repeat    *widget.Select
	SetSave   *widget.Button
	SetMsg    *widget.Label

	env  *Env
	be   CentreAdmin
	user *app.Staff
	obj  fyne.CanvasObject
	cfg  app.CentreConfig

	catWins       []int64
	catRemoveBtns []*widget.Button // 移除 of each chosen window
	settingsShown bool
	// confirm asks before 停用; tests replace it.
	confirm func(title, msg string, ok func())
}

// NewCentreSettings builds the screen for the manager user; call Reload to
// fill it.
func NewCentreSettings(env *Env, be CentreAdmin, user *app.Staff) *CentreSettings {
	s := &CentreSettings{env: env, be: be, user: user}
	s.confirm = func(title, msg string, ok func()) {
		d := dialog.NewConfirm(title, msg, func(yes bool) {
			if yes {
				ok()
			}
		}, env.Win)
		env.escapable(d, nil, d.Hide)
		d.Show()
	}
	s.LoadMsg = msgLabel()
	s.LoadMsg.Hide()
	s.Back = widget.NewButton("返回", func() {
		if s.OnBack != nil {
			s.OnBack()
		}
	})
	s.buildWindows()
	s.buildStaff()
	s.buildCategories()
	s.buildSettings()
	// Enter in a one-line field saves its form, as the save button does.
	for e, save := range map[*widget.Entry]func(){
		s.WinNumber: s.saveWindow, s.WinName: s.saveWindow,
		s.StaffNo: s.saveStaff, s.StaffName: s.saveStaff, s.StaffPIN2: s.saveStaff,
		s.CatPrefix: s.saveCategory, s.CatName: s.saveCategory, s.Ratio: s.saveSettings,
	} {
		e.OnSubmitted = func(string) { save() }
	}

	s.Tabs = container.NewAppTabs(
		container.NewTabItem("窗口", s.split(s.WinTab.Rows, s.windowForm())),
		container.NewTabItem("工作人员", s.split(s.StaffTab.Rows, s.staffForm())),
		container.NewTabItem("排队业务", s.split(s.CatTab.Rows, s.categoryForm())),
		container.NewTabItem("叫号设置", s.settingsForm()),
	)
	title := widget.NewLabelWithStyle("中心设置", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel("窗口和工作人员只能停用，不能删除：已有的办件和评价仍要用到它们。")
	top := container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(s.Back, title), nil, hint), s.LoadMsg)
	s.obj = container.NewBorder(container.NewPadded(top), nil, nil, nil, s.Tabs)
	return s
}

// Content is the screen.
func (s *CentreSettings) Content() fyne.CanvasObject { return s.obj }

func msgLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	return l
}

// say shows err's Chinese message in red, or ok in the normal colour.
func (s *CentreSettings) say(l *widget.Label, ok string, err error) {
	if err != nil {
		s.env.log().Warn("centre settings refused", "err", err, "code", app.ErrorCode(err))
		l.Importance = widget.DangerImportance
		l.SetText(app.UserMessage(err))
		return
	}
	l.Importance = widget.SuccessImportance
	l.SetText(ok)
}

func (s *CentreSettings) split(rows, form fyne.CanvasObject) fyne.CanvasObject {
	sp := container.NewHSplit(container.NewVScroll(rows), container.NewVScroll(form))
	sp.Offset = 0.58
	return sp
}

// Reload reads the setup and the queue settings again. The forms keep what
// is typed in them; the settings form is filled on the first load only.
func (s *CentreSettings) Reload() {
	type loaded struct {
		cfg app.CentreConfig
		set app.QueueSettings
	}
	Run(s.env, func(ctx context.Context) (loaded, error) {
		var l loaded
		var err error
		if l.cfg, err = s.be.CentreConfig(ctx, s.user); err != nil {
			return l, err
		}
		l.set, err = s.be.QueueSettings(ctx, s.user)
		return l, err
	}, func(l loaded, err error) {
		if err != nil {
			s.env.log().Warn("centre settings not loaded", "err", err)
			s.LoadMsg.Importance = widget.DangerImportance
			s.LoadMsg.SetText("读取中心设置失败：" + app.UserMessage(err))
			s.LoadMsg.Show()
			return
		}
		s.LoadMsg.Hide()
		s.show(l.cfg)
		if s.WinTab.editing == 0 && s.WinName.Text == "" {
			s.WinTab.reset() // suggest the next free number
		}
		if !s.settingsShown {
			s.showSettings(l.set)
			s.settingsShown = true
		}
	})
}

// apply runs write off the UI goroutine and then reads the setup again, so
// the lists show what is stored whatever happened. after (when not nil) runs
// next with whether write succeeded; then msg shows ok or the refusal. A
// refusal leaves the form as typed.
func (s *CentreSettings) apply(msg *widget.Label, write func(ctx context.Context) (string, error), after func(ok bool)) {
	type result struct {
		ok          string
		err, cfgErr error
		cfg         app.CentreConfig
	}
	Run(s.env, func(ctx context.Context) (result, error) {
		var r result
		r.ok, r.err = write(ctx)
		r.cfg, r.cfgErr = s.be.CentreConfig(ctx, s.user)
		return r, nil
	}, func(r result, _ error) {
		if r.cfgErr == nil {
			s.show(r.cfg)
		}
		if after != nil {
			after(r.err == nil)
		}
		switch {
		case r.err != nil:
			s.say(msg, "", r.err)
		case r.cfgErr != nil:
			s.say(msg, "", fmt.Errorf("saved, but the setup was not read again: %w", r.cfgErr))
		default:
			s.say(msg, r.ok, nil)
		}
	})
}

// show renders the lists and the choices of cfg.
func (s *CentreSettings) show(cfg app.CentreConfig) {
	s.cfg = cfg
	s.renderWindows()
	s.renderStaff()
	s.renderCategories()
	s.WinPostA.SetOptions(s.staffChoices())
	s.WinPostB.SetOptions(s.staffChoices())
	s.renderCatPicker()
}

// ---- lookups ----

func (s *CentreSettings) window(id int64) (app.Window, bool) {
	i := slices.IndexFunc(s.cfg.Windows, func(w app.Window) bool { return w.ID == id })
	if i < 0 {
		return app.Window{}, false
	}
	return s.cfg.Windows[i], true
}

func (s *CentreSettings) staff(id int64) (app.Staff, bool) {
	i := slices.IndexFunc(s.cfg.Staff, func(x app.Staff) bool { return x.ID == id })
	if i < 0 {
		return app.Staff{}, false
	}
	return s.cfg.Staff[i], true
}

func (s *CentreSettings) post(windowID int64, post string) int64 {
	for _, p := range s.cfg.Posts {
		if p.WindowID == windowID && p.Post == post {
			return p.StaffID
		}
	}
	return 0
}

func (s *CentreSettings) staffName(id int64) string {
	if st, ok := s.staff(id); ok {
		return staffLabel(st)
	}
	return "空缺"
}

// staffChoices are the active staff for a post, vacant first.
func (s *CentreSettings) staffChoices() []string {
	out := []string{vacantPost}
	for _, st := range s.cfg.Staff {
		if st.Active {
			out = append(out, staffLabel(st))
		}
	}
	return out
}

func (s *CentreSettings) staffIDOf(label string) int64 {
	for _, st := range s.cfg.Staff {
		if st.Active && staffLabel(st) == label {
			return st.ID
		}
	}
	return 0
}

func shortWindow(w app.Window) string { return fmt.Sprintf("%d号窗口 %s", w.Number, w.Name) }

func rowLine(text string, active bool, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	if !active {
		l.Importance = widget.LowImportance
		l.SetText("【已停用】" + text)
	}
	return container.NewBorder(nil, widget.NewSeparator(), nil, container.NewHBox(buttons...), l)
}

func emptyNote(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}

// SettingsTab is what a list-and-form tab (窗口, 工作人员, 排队业务) has
// besides its own fields: the list, the form's title (新增… until a row is
// edited), its 保存… and 新增… buttons, its message line, and which row the
// form edits.
type SettingsTab struct {
	Rows      *fyne.Container
	Title     *widget.Label
	Save, New *widget.Button
	Msg       *widget.Label

	what    string
	editing int64 // 0 = the form adds a new one
	clear   func()
	edit    func(id int64)
}

// newSettingsTab makes the tab for what: save stores the form, clear empties
// its fields, edit fills them with a stored row.
func newSettingsTab(what string, save, clear func(), edit func(id int64)) *SettingsTab {
	t := &SettingsTab{Rows: container.NewVBox(), Msg: msgLabel(), what: what, clear: clear, edit: edit}
	t.Title = widget.NewLabelWithStyle("新增"+what, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.Save = widget.NewButton("保存"+what, save)
	t.Save.Importance = widget.HighImportance
	t.New = widget.NewButton("新增"+what, func() { t.reset(); t.Msg.SetText("") })
	return t
}

// reset empties the form for a new row.
func (t *SettingsTab) reset() {
	t.editing = 0
	t.Title.SetText("新增" + t.what)
	t.clear()
}

// startEdit turns the form to the stored row id, called label.
func (t *SettingsTab) startEdit(id int64, label string) {
	t.editing = id
	t.Title.SetText("编辑 " + label)
	t.Msg.SetText("")
}

// saved is what follows a save: an edited row is read back into the form, a
// new one empties it for the next.
func (t *SettingsTab) saved(ok, editing bool, id int64) {
	switch {
	case ok && editing:
		t.edit(id)
	case ok:
		t.reset()
	}
}

// card lays the form out: title, fields, what follows them, the message line
// and the buttons.
func (t *SettingsTab) card(form fyne.CanvasObject, more ...fyne.CanvasObject) fyne.CanvasObject {
	objs := append([]fyne.CanvasObject{t.Title, form}, more...)
	objs = append(objs, t.Msg, container.NewHBox(t.Save, t.New))
	return widget.NewCard("", "", container.NewVBox(objs...))
}

// field is a labelled row of a form.
type field struct {
	label string
	obj   fyne.CanvasObject
}

func formOf(fields ...field) *widget.Form {
	f := widget.NewForm()
	for _, x := range fields {
		f.Append(x.label, x.obj)
	}
	return f
}

// entryFor is a one-line entry showing hint while empty.
func entryFor(hint string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(hint)
	return e
}

// ---- 窗口 ----

func (s *CentreSettings) buildWindows() {
	s.WinNumber = entryFor("如 3（大厅屏和叫号时显示）")
	s.WinName = entryFor("如 综合受理窗口、社保医保专窗")
	s.WinKind = newSelect(app.WindowKinds(), nil)
	s.WinKind.PlaceHolder = "请选择（JZ 4.2.3）"
	s.WinPostA = newSelect([]string{vacantPost}, nil)
	s.WinPostB = newSelect([]string{vacantPost}, nil)
	s.WinTab = newSettingsTab("窗口", s.saveWindow, s.clearWindow, s.EditWindow)
	s.WinTab.reset()
}

func (s *CentreSettings) windowForm() fyne.CanvasObject {
	form := formOf(field{"窗口号", s.WinNumber}, field{"窗口名称", s.WinName}, field{"窗口类型", s.WinKind},
		field{"A岗", s.WinPostA}, field{"B岗", s.WinPostB})
	return s.WinTab.card(form, emptyNote("AB岗（JZ 7.6.4）：A岗不在时由B岗顶岗。\n一人可在别的窗口兼任B岗。"))
}

// clearWindow empties the window form for a new window, suggesting the next number.
func (s *CentreSettings) clearWindow() {
	next := 1
	for _, w := range s.cfg.Windows {
		if w.Active && w.Number >= next {
			next = w.Number + 1
		}
	}
	s.WinNumber.SetText(strconv.Itoa(next))
	s.WinName.SetText("")
	s.WinKind.SetOptions(app.WindowKinds())
	s.WinKind.ClearSelected()
	s.WinPostA.SetSelected(vacantPost)
	s.WinPostB.SetSelected(vacantPost)
}

// EditWindow fills the window form with the window (its 编辑 button).
func (s *CentreSettings) EditWindow(id int64) {
	w, ok := s.window(id)
	if !ok {
		return
	}
	s.WinTab.startEdit(id, shortWindow(w))
	s.WinNumber.SetText(strconv.Itoa(w.Number))
	s.WinName.SetText(w.Name)
	kinds := app.WindowKinds()
	if !slices.Contains(kinds, w.Kind) && w.Kind != "" {
		kinds = append(kinds, w.Kind) // a kind stored before JZ 4.2.3 names may stay
	}
	s.WinKind.SetOptions(kinds)
	s.WinKind.SetSelected(w.Kind)
	s.WinPostA.SetSelected(s.postChoice(id, "A"))
	s.WinPostB.SetSelected(s.postChoice(id, "B"))
}

func (s *CentreSettings) postChoice(windowID int64, post string) string {
	if st, ok := s.staff(s.post(windowID, post)); ok && st.Active {
		return staffLabel(st)
	}
	return vacantPost
}

func (s *CentreSettings) renderWindows() {
	s.WinTab.Rows.RemoveAll()
	if len(s.cfg.Windows) == 0 {
		s.WinTab.Rows.Add(emptyNote("还没有窗口。请在右边填写窗口号、名称和类型，点“保存窗口”。"))
	}
	for _, w := range s.cfg.Windows {
		id := w.ID
		text := fmt.Sprintf("%s（%s）\nA岗：%s　B岗：%s", shortWindow(w), w.Kind,
			s.staffName(s.post(id, "A")), s.staffName(s.post(id, "B")))
		edit := widget.NewButton("编辑", func() { s.EditWindow(id) })
		var toggle *widget.Button
		if w.Active {
			toggle = widget.NewButton("停用", func() { s.SetWindowActive(id, false) })
		} else {
			toggle = widget.NewButton("启用", func() { s.SetWindowActive(id, true) })
		}
		s.WinTab.Rows.Add(rowLine(text, w.Active, edit, toggle))
	}
}

func atoiOrZero(t string) int {
	n, err := strconv.Atoi(strings.TrimSpace(t))
	if err != nil {
		return 0
	}
	return n
}

// saveWindow adds or edits the window, then sets its posts.
func (s *CentreSettings) saveWindow() {
	w := app.Window{ID: s.WinTab.editing, Number: atoiOrZero(s.WinNumber.Text), Name: s.WinName.Text, Kind: s.WinKind.Selected}
	a, b := s.staffIDOf(s.WinPostA.Selected), s.staffIDOf(s.WinPostB.Selected)
	editing := s.WinTab.editing != 0
	oldA, oldB := s.post(s.WinTab.editing, "A"), s.post(s.WinTab.editing, "B")
	var saved app.Window // written by the work, read after it (Run orders them)
	s.apply(s.WinTab.Msg, func(ctx context.Context) (string, error) {
		var err error
		if editing {
			saved, err = s.be.UpdateWindow(ctx, s.user, w)
		} else {
			saved, err = s.be.AddWindow(ctx, s.user, w)
		}
		if err != nil {
			return "", err
		}
		if a != oldA || b != oldB {
			if err := s.be.SetPosts(ctx, s.user, saved.ID, a, b); err != nil {
				return "", err
			}
		}
		return "已保存 " + shortWindow(saved), nil
	}, func(ok bool) {
		s.WinTab.saved(ok, editing, saved.ID)
		if !ok && saved.ID != 0 && !editing {
			// The window is stored but its posts were refused: the form
			// goes on editing it, as typed.
			msg := s.WinTab.Msg.Text
			s.WinTab.startEdit(saved.ID, shortWindow(saved))
			s.WinTab.Msg.SetText(msg)
		}
	})
}

// SetWindowActive 停用s (after confirming) or 启用s the window.
func (s *CentreSettings) SetWindowActive(id int64, active bool) {
	w, ok := s.window(id)
	if !ok {
		return
	}
	s.toggleActive(s.WinTab.Msg, active, shortWindow(w), "", "停用窗口", "停用后不再叫号，已有的办件和评价记录保留。",
		func(ctx context.Context) error { return s.be.SetWindowActive(ctx, s.user, id, active) })
}

// toggleActive 启用s at once, or 停用s after confirming, what label names:
// change makes the change; afterOn is added to the message when 启用d;
// title and why are the confirmation's.
func (s *CentreSettings) toggleActive(msg *widget.Label, active bool, label, afterOn, title, why string, change func(ctx context.Context) error) {
	do := func() {
		s.apply(msg, func(ctx context.Context) (string, error) {
			if err := change(ctx); err != nil {
				return "", err
			}
			if active {
				return "已启用 " + label + afterOn, nil
			}
			return "已停用 " + label, nil
		}, nil)
	}
	if active {
		do()
		return
	}
	s.confirm(title, "停用 "+label+"？\n"+why, do)
}

// ---- 工作人员 ----

func (s *CentreSettings) buildStaff() {
	s.StaffNo = entryFor("如 1001（登录用，不能修改）")
	s.StaffName = widget.NewEntry()
	s.StaffRole = newSelect([]string{roleClerk, roleMgr}, nil)
	s.StaffPIN = widget.NewPasswordEntry()
	s.StaffPIN.SetPlaceHolder("4至12位数字")
	s.StaffPIN2 = widget.NewPasswordEntry()
	s.StaffPIN2.SetPlaceHolder("再输入一次")
	s.StaffPINLabel = emptyNote("")
	s.StaffTab = newSettingsTab("工作人员", s.saveStaff, s.clearStaff, s.EditStaff)
	s.StaffTab.reset()
}

func (s *CentreSettings) staffForm() fyne.CanvasObject {
	form := formOf(field{"工号", s.StaffNo}, field{"姓名", s.StaffName}, field{"角色", s.StaffRole},
		field{"密码", s.StaffPIN}, field{"确认密码", s.StaffPIN2})
	return s.StaffTab.card(form, s.StaffPINLabel)
}

func (s *CentreSettings) clearStaff() {
	s.StaffNo.SetText("")
	s.StaffNo.Enable()
	s.StaffName.SetText("")
	s.StaffRole.SetSelected(roleClerk)
	s.StaffPIN.SetText("")
	s.StaffPIN2.SetText("")
	s.StaffPINLabel.SetText("初始密码由本人首次登录时使用；请当面告知，不要写在纸上。")
}

// EditStaff fills the staff form with the member (their 编辑 button).
func (s *CentreSettings) EditStaff(id int64) {
	st, ok := s.staff(id)
	if !ok {
		return
	}
	s.StaffTab.startEdit(id, staffLabel(st))
	s.StaffNo.SetText(st.No)
	s.StaffNo.Disable()
	s.StaffName.SetText(st.Name)
	if st.Role == app.RoleManager {
		s.StaffRole.SetSelected(roleMgr)
	} else {
		s.StaffRole.SetSelected(roleClerk)
	}
	s.StaffPIN.SetText("")
	s.StaffPIN2.SetText("")
	s.StaffPINLabel.SetText("忘记密码时在这里输入新密码（重置密码）；不改密码请留空。")
}

// ResetPIN opens the member's form with the focus on the new PIN (their 重置密码 button).
func (s *CentreSettings) ResetPIN(id int64) {
	s.EditStaff(id)
	if s.env.Win != nil && s.Tabs != nil {
		s.env.Win.Canvas().Focus(s.StaffPIN)
	}
}

// postsOf lists the member's posts, as 1号窗口A岗.
func (s *CentreSettings) postsOf(id int64) string {
	var out []string
	for _, p := range s.cfg.Posts {
		if p.StaffID != id {
			continue
		}
		if w, ok := s.window(p.WindowID); ok {
			out = append(out, fmt.Sprintf("%d号窗口%s岗", w.Number, p.Post))
		}
	}
	if len(out) == 0 {
		return "无"
	}
	return strings.Join(out, "、")
}

func (s *CentreSettings) renderStaff() {
	s.StaffTab.Rows.RemoveAll()
	for _, st := range s.cfg.Staff {
		id := st.ID
		text := fmt.Sprintf("%s　%s\n岗位：%s", staffLabel(st), st.Role.Name(), s.postsOf(id))
		if s.user != nil && id == s.user.ID {
			text = fmt.Sprintf("%s　%s（本人）\n岗位：%s", staffLabel(st), st.Role.Name(), s.postsOf(id))
		}
		edit := widget.NewButton("编辑", func() { s.EditStaff(id) })
		pin := widget.NewButton("重置密码", func() { s.ResetPIN(id) })
		var toggle *widget.Button
		if st.Active {
			toggle = widget.NewButton("停用", func() { s.SetStaffActive(id, false) })
			if s.user != nil && id == s.user.ID {
				toggle.Disable() // app refuses it too; another manager must do it
			}
		} else {
			toggle = widget.NewButton("启用", func() { s.SetStaffActive(id, true) })
			pin.Disable()
		}
		s.StaffTab.Rows.Add(rowLine(text, st.Active, edit, pin, toggle))
	}
}

func (s *CentreSettings) saveStaff() {
	pin, pin2 := s.StaffPIN.Text, s.StaffPIN2.Text
	if pin != pin2 {
		s.say(s.StaffTab.Msg, "", &app.UserError{Code: "pin_mismatch", Msg: "两次输入的密码不一致，请重新输入"})
		return
	}
	if pin != "" || s.StaffTab.editing == 0 {
		// The PIN rule first, so that an edit with a bad new PIN stores nothing.
		if err := app.ValidatePIN(pin); err != nil {
			s.say(s.StaffTab.Msg, "", err)
			return
		}
	}
	role := app.RoleClerk
	if s.StaffRole.Selected == roleMgr {
		role = app.RoleManager
	}
	st := app.Staff{ID: s.StaffTab.editing, No: s.StaffNo.Text, Name: s.StaffName.Text, Role: role}
	editing := s.StaffTab.editing != 0
	var saved app.Staff
	s.apply(s.StaffTab.Msg, func(ctx context.Context) (string, error) {
		var err error
		if !editing {
			saved, err = s.be.AddStaff(ctx, s.user, st, pin)
			if err != nil {
				return "", err
			}
			return "已保存 " + staffLabel(saved) + "，请到“窗口”中为其安排岗位", nil
		}
		if saved, err = s.be.UpdateStaff(ctx, s.user, st); err != nil {
			return "", err
		}
		if pin != "" {
			if err := s.be.ResetPIN(ctx, s.user, st.ID, pin); err != nil {
				return "", err
			}
			return "已保存 " + staffLabel(saved) + "，密码已重置", nil
		}
		return "已保存 " + staffLabel(saved), nil
	}, func(ok bool) { s.StaffTab.saved(ok, editing, saved.ID) })
}

// SetStaffActive 停用s (after confirming) or 启用s the member.
func (s *CentreSettings) SetStaffActive(id int64, active bool) {
	st, ok := s.staff(id)
	if !ok {
		return
	}
	s.toggleActive(s.StaffTab.Msg, active, staffLabel(st), "，请到“窗口”中为其安排岗位", "停用工作人员",
		"停用后不能登录，其A/B岗位将空出；评价记录保留。",
		func(ctx context.Context) error { return s.be.SetStaffActive(ctx, s.user, id, active) })
}

// ---- 排队业务 ----

func (s *CentreSettings) buildCategories() {
	s.CatPrefix = entryFor("一个大写字母，如 A（号码 A001）")
	s.CatName = entryFor("取号机按钮上的名称，如 综合受理")
	s.CatWindows = container.NewVBox()
	s.CatAdd = newSelect(nil, s.catAdded)
	s.CatAdd.PlaceHolder = addWinHint
	s.CatTab = newSettingsTab("排队业务", s.saveCategory, s.clearCategory, s.EditCategory)
	s.CatTab.reset()
}

func (s *CentreSettings) categoryForm() fyne.CanvasObject {
	form := formOf(field{"号码字母", s.CatPrefix}, field{"业务名称", s.CatName})
	wins := container.NewVBox(widget.NewLabel("办理窗口（排在前面的窗口优先叫这项业务的号）"), s.CatWindows, s.CatAdd)
	return s.CatTab.card(form, wins)
}

func (s *CentreSettings) clearCategory() {
	s.CatPrefix.SetText("")
	s.CatName.SetText("")
	s.catWins = nil
	s.renderCatPicker()
}

// EditCategory fills the category form (its 编辑 button). Windows since
// deactivated are left out: they cannot serve.
func (s *CentreSettings) EditCategory(id int64) {
	i := slices.IndexFunc(s.cfg.Categories, func(c app.QueueCategory) bool { return c.ID == id })
	if i < 0 {
		return
	}
	c := s.cfg.Categories[i]
	s.CatTab.startEdit(id, c.Prefix+" "+c.Name)
	s.CatPrefix.SetText(c.Prefix)
	s.CatName.SetText(c.Name)
	s.catWins = nil
	for _, wid := range c.Windows {
		if w, ok := s.window(wid); ok && w.Active {
			s.catWins = append(s.catWins, wid)
		}
	}
	s.renderCatPicker()
}

// AddCatWindow appends the window to the category form's windows.
func (s *CentreSettings) AddCatWindow(id int64) {
	if w, ok := s.window(id); ok {
		s.CatAdd.SetSelected(shortWindow(w))
	}
}

// renderCatPicker shows the chosen windows with ↑ ↓ 移除, and offers the others.
func (s *CentreSettings) renderCatPicker() {
	s.CatWindows.RemoveAll()
	s.catRemoveBtns = s.catRemoveBtns[:0]
	if len(s.catWins) == 0 {
		if slices.ContainsFunc(s.cfg.Windows, func(w app.Window) bool { return w.Active }) {
			s.CatWindows.Add(emptyNote("还没有选择窗口"))
		} else {
			s.CatWindows.Add(emptyNote("还没有在用的窗口：请先在“窗口”中添加"))
		}
	}
	for i, id := range s.catWins {
		w, _ := s.window(id)
		up := widget.NewButton("上移", func() { s.moveCatWindow(i, -1) })
		down := widget.NewButton("下移", func() { s.moveCatWindow(i, 1) })
		del := widget.NewButton("移除", func() {
			s.catWins = slices.Delete(s.catWins, i, i+1)
			s.renderCatPicker()
		})
		s.catRemoveBtns = append(s.catRemoveBtns, del)
		if i == 0 {
			up.Disable()
		}
		if i == len(s.catWins)-1 {
			down.Disable()
		}
		l := widget.NewLabel(fmt.Sprintf("%d. %s", i+1, shortWindow(w)))
		s.CatWindows.Add(container.NewBorder(nil, nil, nil, container.NewHBox(up, down, del), l))
	}
	var opts []string
	for _, w := range s.cfg.Windows {
		if w.Active && !slices.Contains(s.catWins, w.ID) {
			opts = append(opts, shortWindow(w))
		}
	}
	// Offer the other active windows; the selection is only a way to add.
	s.CatAdd.OnChanged = nil
	s.CatAdd.SetOptions(opts)
	s.CatAdd.ClearSelected()
	s.CatAdd.OnChanged = s.catAdded
	if len(opts) == 0 {
		s.CatAdd.Disable()
	} else {
		s.CatAdd.Enable()
	}
}

func (s *CentreSettings) catRemove(i int) *widget.Button { return s.catRemoveBtns[i] }

// catAdded appends the window chosen in CatAdd.
func (s *CentreSettings) catAdded(label string) {
	for _, w := range s.cfg.Windows {
		if w.Active && shortWindow(w) == label && !slices.Contains(s.catWins, w.ID) {
			s.catWins = append(s.catWins, w.ID)
		}
	}
	s.renderCatPicker()
}

func (s *CentreSettings) moveCatWindow(i, by int) {
	j := i + by
	if j < 0 || j >= len(s.catWins) {
		return
	}
	s.catWins[i], s.catWins[j] = s.catWins[j], s.catWins[i]
	s.renderCatPicker()
}

func (s *CentreSettings) renderCategories() {
	s.CatTab.Rows.RemoveAll()
	if len(s.cfg.Categories) == 0 {
		s.CatTab.Rows.Add(emptyNote("还没有排队业务。先在“窗口”中建好窗口，再在右边添加业务：取号机上每项业务一个按钮"))
	}
	for _, c := range s.cfg.Categories {
		id := c.ID
		var wins []string
		for _, wid := range c.Windows {
			if w, ok := s.window(wid); ok {
				t := fmt.Sprintf("%d号", w.Number)
				if !w.Active {
					t += "（已停用）"
				}
				wins = append(wins, t)
			}
		}
		ws := strings.Join(wins, " → ")
		if ws == "" {
			ws = "无"
		}
		text := fmt.Sprintf("%s　%s（%s001 起）\n办理窗口：%s", c.Prefix, c.Name, c.Prefix, ws)
		s.CatTab.Rows.Add(rowLine(text, true, widget.NewButton("编辑", func() { s.EditCategory(id) })))
	}
}

func (s *CentreSettings) saveCategory() {
	c := app.QueueCategory{ID: s.CatTab.editing, Prefix: s.CatPrefix.Text, Name: s.CatName.Text, Windows: slices.Clone(s.catWins)}
	editing := s.CatTab.editing != 0
	var saved app.QueueCategory
	s.apply(s.CatTab.Msg, func(ctx context.Context) (string, error) {
		var err error
		if editing {
			saved, err = s.be.UpdateCategory(ctx, s.user, c)
		} else {
			saved, err = s.be.AddCategory(ctx, s.user, c)
		}
		if err != nil {
			return "", err
		}
		return "已保存排队业务 " + saved.Prefix + " " + saved.Name, nil
	}, func(ok bool) { s.CatTab.saved(ok, editing, saved.ID) })
}

// ---- 叫号设置 ----

func (s *CentreSettings) buildSettings() {
	s.Ratio = widget.NewEntry()
	s.Overnight = widget.NewCheck("未叫到的号隔夜保留（次日上班仍可叫；不勾选则每天从 001 重新取号）", nil)
	s.Notice = widget.NewMultiLineEntry()
	s.Notice.SetPlaceHolder("如：午休时间 12:00–14:00 暂停取号")
	s.Notice.Wrapping = fyne.TextWrapWord
	s.Notice.SetMinRowsVisible(3)
	s.Repeat = newSelect(repeatChoices, nil)
	s.SetSave = widget.NewButton("保存叫号设置", s.saveSettings)
	s.SetSave.Importance = widget.HighImportance
	s.SetMsg = msgLabel()
}

func (s *CentreSettings) settingsForm() fyne.CanvasObject {
	// Short fields keep their width; only the notice spans the form.
	narrow := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	ratio := container.NewHBox(widget.NewLabel("每连续"), narrow(s.Ratio, 90), widget.NewLabel("个优先号后叫一个普通号"))
	repeat := container.NewHBox(narrow(s.Repeat, 90), widget.NewLabel("次"))
	form := widget.NewForm(
		widget.NewFormItem("绿色通道", ratio),
		widget.NewFormItem("隔夜保留", s.Overnight),
		widget.NewFormItem("大厅屏滚动通知", s.Notice),
		widget.NewFormItem("语音播报次数", repeat),
	)
	left := widget.NewCard("", "", container.NewVBox(form, s.SetMsg, container.NewHBox(s.SetSave)))
	help := container.NewVBox(
		emptyNote("绿色通道：老年人、残疾人、孕妇等取优先号，先于普通号叫。连续叫了这么多个优先号后，若有普通号在等，就叫一个普通号，普通号不会一直等下去。"),
		emptyNote("隔夜保留：下午没叫到的号第二天上班仍然有效，号码接着排；不保留时每天从001重新取号。"),
		emptyNote("大厅屏滚动通知：显示在大厅屏底部，最多500字；留空则不显示。"),
		emptyNote("语音播报次数：每次叫号念几遍“请 A012 号到 3 号窗口”。"),
		emptyNote("保存后大厅屏、取号机和各窗口立即按新设置工作。"),
	)
	return s.split(container.NewPadded(left), widget.NewCard("说明", "", help))
}

func (s *CentreSettings) showSettings(set app.QueueSettings) {
	s.Ratio.SetText(strconv.Itoa(set.PriorityRatio))
	s.Overnight.SetChecked(set.KeepOvernight)
	s.Notice.SetText(set.Notice)
	s.Repeat.SetSelected(strconv.Itoa(set.Repeat))
}

func (s *CentreSettings) saveSettings() {
	set := app.QueueSettings{PriorityRatio: atoiOrZero(s.Ratio.Text), KeepOvernight: s.Overnight.Checked,
		Notice: s.Notice.Text, Repeat: atoiOrZero(s.Repeat.Selected)}
	Run(s.env, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.be.SaveQueueSettings(ctx, s.user, set)
	}, func(_ struct{}, err error) {
		s.say(s.SetMsg, "叫号设置已保存，大厅屏和取号机立即生效", err)
	})
}
