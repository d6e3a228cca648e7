package screens

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/app/pinyinime"
)

// CounterDeps is what the counter screen needs; the integrator builds it
// from the node's role (standalone: the local queue and service; counter
// PC: the LAN client and the local service that forwards to the hub).
type CounterDeps struct {
	Hall     app.Hall  // the queue (required)
	Reg      Registrar // 办件登记 (required): *app.Service
	Clerk    *app.Staff
	WindowID int64
	// Drafts keeps the half-filled form (FileDrafts in the node's data
	// folder); nil = no drafts.
	Drafts Drafts
	// SignIn checks a clerk's 工号 and password for the A/B hand-over
	// ((*app.Service).Login); nil hides 换岗.
	SignIn func(ctx context.Context, no, pin string) (*app.Staff, error)
	// PrintNotice prints the 一次性告知单 when materials are missing; nil =
	// shown on screen only. Called off the UI goroutine.
	PrintNotice func(Notice) error
	// StartRating starts the window keypad's rating of the finished 办件
	// (the keypad path); nil = none.
	StartRating func(app.Transaction)
	// ShowRating shows the customer-facing rating screen (Rating.Start);
	// nil = none. Both may be set. It runs on the UI goroutine.
	ShowRating func(RatingTarget)
	// IDCards, when set, is the window's ID card reader: the counter passes
	// it a function to run on the UI goroutine for each card placed (name and
	// number, or the Chinese reason it could not be read), and nil to stop.
	IDCards func(func(IDCardRead))
	// PinyinOn starts the counter with the built-in pinyin input on (a PC
	// with no system IME); F5 switches it either way.
	PinyinOn bool
	// RatingNote, after ShowRating, is what the clerk should know about
	// where it appeared (no second monitor: on this screen); "" = nothing.
	RatingNote func() string

	// Cases finds the 在办件 to continue them here (*app.Service); nil
	// hides 在办件 F12.
	Cases CaseFinder

	// Local: the Hall is the queue in this process (standalone, or the
	// hub's own PC), so there is no link to the hub to show.
	Local bool

	Do   func(func())                                    // events to the UI goroutine; nil = fyne.Do
	Wait func(ctx context.Context, d time.Duration) bool // reconnect backoff; nil = a real sleep
}

// Notice is a 一次性告知单 (JZ 7.6.2): everything the applicant must still
// bring, per item, told once. The integrator prints it with
// printing.NoticeDoc, one printing.Notice per item (Item = Name).
type Notice struct {
	Serial       string
	Applicant    string // masked (app.MaskName), as printing.Notice wants it
	Items        []NoticeItem
	WindowNumber int
	ClerkNo      string
	ClerkName    string
	At           time.Time
}

// NoticeItem is one item's missing materials.
type NoticeItem struct {
	Code, Name string
	Missing    []string
}

// Counter function keys (the dashboard's F5 stays 刷新 there).
const (
	keyCall     = fyne.KeyF1
	keyRecall   = fyne.KeyF2
	keyNoShow   = fyne.KeyF3
	keyTransfer = fyne.KeyF4
	keyPause    = fyne.KeyF6
	keyHandOver = fyne.KeyF7
	keyAccept   = fyne.KeyF8
	keyComplete = fyne.KeyF9
	keyFinish   = fyne.KeyF10
)

// counterKeyNames names every function key of the counter for the key guide
// at the bottom of the screen, in its order; TestCounterKeyGuide checks that
// each bound key is here.
var counterKeyNames = []struct {
	key  fyne.KeyName
	what string
}{
	{keyCall, "叫号"}, {keyRecall, "重呼"}, {keyNoShow, "过号"}, {keyTransfer, "转移"}, {keyPause, "暂停/恢复"},
	{keyHandOver, "换岗"}, {keyAccept, "受理"}, {keyComplete, "办结"}, {keyFinish, "结束服务"}, {keyCases, "在办件"},
	{keyPinyin, "拼音输入"},
}

// keyGuide is the one line listing the keys bound in keys, then the keys
// every field and dialog share.
func keyGuide(keys hotkeys) string {
	var parts []string
	for _, k := range counterKeyNames {
		if keys[k.key] != nil {
			parts = append(parts, string(k.key)+" "+k.what)
		}
	}
	parts = append(parts, "Tab 下一栏", "回车 确认", "Esc 关闭/返回")
	return strings.Join(parts, "　")
}

// Counter is the clerk's screen at a window: the queue (call, recall,
// no-show, call back, transfer, pause, A/B hand-over) above the registration
// of the 办件 (applicant, items by name, pinyin initials, code or a barcode
// scanner, batch, theme, agent, materials) and its outcome (受理, 办结, 退件,
// 不予受理). Every frequent action has a function key, shown on its button.
// The form is saved as a draft on every change and restored when the screen
// opens again; a refusal or a hub failure is shown in place and keeps it.
type Counter struct {
	// KeyGuide lists all the keys, at the bottom.
	KeyGuide *widget.Label
	// NamePinyin and AgentPinyin are the built-in pinyin inputs of 申请人
	// and 代办人 (F5).
	NamePinyin, AgentPinyin *pinyinField
	pinyin                  *pinyinSwitch
	// Top line.
	WindowTitle *canvas.Text
	ClerkLabel  *widget.Label
	Link        *widget.Label // the link to the hub
	PausedLabel *widget.Label

	// Queue.
	Ticket    *canvas.Text // the ticket being served, very large
	TicketSub *widget.Label
	Waiting   *widget.Label
	Call      *hkButton
	Recall    *hkButton
	NoShow    *hkButton
	Transfer  *hkButton
	Pause     *hkButton
	HandOver  *hkButton
	Finish    *hkButton
	NoShows   *fyne.Container // the recall list
	// CallBacks holds the 召回 buttons by ticket ID.
	CallBacks map[int64]*hkButton

	// Registration.
	Name        *hkEntry
	ID          *hkEntry
	IDMasked    *widget.Label // the accepted number, masked
	IDEdit      *hkButton
	IDHint      *widget.Label
	Phone       *hkEntry
	PhoneHint   *widget.Label
	ItemQuery   *hkEntry
	Results     *fyne.Container
	ResultBtns  []*hkButton
	Selected    *fyne.Container
	Batch       *hkEntry
	Theme       *hkCheck
	ThemeQuery  *hkEntry
	ThemeLabel  *widget.Label
	Agent       *hkEntry
	Status      *widget.Label // refusals (red) and outcomes (green)
	Accept      *hkButton
	Complete    *hkButton
	Return      *hkButton
	Refuse      *hkButton
	Clear       *hkButton
	Cases       *hkButton                      // 在办件 F12
	Materials   map[string]map[string]*hkCheck // item code → material → its check
	NoticeShown *Notice                        // the last 一次性告知单 shown

	// State.
	State    app.WindowState
	Clerk    *app.Staff
	Items    []app.ServiceItem // chosen, in order
	ThemeIt  *app.ServiceItem  // the 一件事 theme, when chosen
	IDNumber string            // the accepted ID number (full; shown masked)
	// Registered are the rows Register stored for this form, not yet
	// accepted or finished; 受理/办结 continue them instead of registering again.
	Registered []app.Transaction
	Missing    map[string][]string

	cases    *CasesDialog
	env      *Env
	deps     CounterDeps
	keys     hotkeys
	obj      fyne.CanvasObject
	received map[string]map[string]bool
	results  []app.ServiceItem
	searches int
	loads    int
	busy     bool
	restored bool // no draft saves while the form is being filled from one
	saver    *draftSaver
	cancel   context.CancelFunc
	windowNo int

	transfer     *TransferForm
	handOver     *HandOverForm
	reasonDialog dialog.Dialog
	reasonEntry  *hkEntry
	noticeDialog dialog.Dialog
}

// NewCounter builds the counter for the signed-in clerk at deps.WindowID and
// restores the window's draft; call Start to load the queue state and follow
// the hall, Stop when leaving.
func NewCounter(env *Env, deps CounterDeps) *Counter {
	c := &Counter{env: env, deps: deps, Clerk: deps.Clerk, keys: hotkeys{}, CallBacks: map[int64]*hkButton{},
		Materials: map[string]map[string]*hkCheck{}, received: map[string]map[string]bool{}}
	if deps.Drafts != nil {
		c.saver = &draftSaver{d: deps.Drafts, key: c.draftKey(), goFn: env.Go, log: env.log()}
	}
	k := c.keys
	k[keyCall], k[keyRecall], k[keyNoShow], k[keyTransfer] = c.callNext, c.recall, c.noShow, c.openTransfer
	k[keyPause], k[keyAccept], k[keyComplete], k[keyFinish] = c.togglePause, c.accept, c.complete, c.finishTicket
	if deps.SignIn != nil {
		k[keyHandOver] = c.openHandOver
	}
	if deps.Cases != nil {
		k[keyCases] = c.openCases
	}
	c.pinyin = &pinyinSwitch{on: deps.PinyinOn}
	k[keyPinyin] = c.togglePinyin

	// Top line.
	c.WindowTitle = canvas.NewText("窗口", colPrimary)
	c.WindowTitle.TextSize = 30
	c.WindowTitle.TextStyle.Bold = true
	c.ClerkLabel = boldLabel("")
	c.Link = widget.NewLabel("正在连接中心主机…")
	c.Link.Importance = widget.LowImportance
	if deps.Local {
		c.Link.Hide()
	}
	c.PausedLabel = widget.NewLabel("")
	c.PausedLabel.Importance = widget.DangerImportance
	c.PausedLabel.TextStyle.Bold = true
	c.showClerk()

	// Queue.
	c.Ticket = canvas.NewText("—", colPrimary)
	c.Ticket.TextSize = 72
	c.Ticket.TextStyle.Bold = true
	c.Ticket.Alignment = fyne.TextAlignCenter
	c.TicketSub = widget.NewLabel("尚未叫号")
	c.TicketSub.Alignment = fyne.TextAlignCenter
	c.Waiting = boldLabel("等候 — 人")
	c.Waiting.Alignment = fyne.TextAlignCenter
	c.Call = newHKButton(k, "叫号 F1", c.callNext)
	c.Call.Importance = widget.HighImportance
	c.Recall = newHKButton(k, "重呼 F2", c.recall)
	c.NoShow = newHKButton(k, "过号 F3", c.noShow)
	c.Transfer = newHKButton(k, "转移 F4", c.openTransfer)
	c.Pause = newHKButton(k, "暂停 F6", c.togglePause)
	c.HandOver = newHKButton(k, "换岗 F7", c.openHandOver)
	if deps.SignIn == nil {
		c.HandOver.Hide()
	}
	c.Finish = newHKButton(k, "结束服务 F10", c.finishTicket)
	c.NoShows = container.NewVBox()
	queueButtons := container.NewGridWithColumns(2, c.Call, c.Recall, c.NoShow, c.Transfer, c.Pause, c.Finish, c.HandOver)
	queue := card("叫号", container.NewBorder(
		container.NewVBox(c.Ticket, c.TicketSub, c.Waiting, queueButtons, widget.NewSeparator(), boldLabel("过号（可召回）")),
		nil, nil, nil, container.NewVScroll(c.NoShows)))

	// Registration.
	c.Name = newHKEntry(k, "申请人姓名")
	c.Name.OnChanged = func(string) { c.changed() }
	c.Name.OnSubmitted = func(string) { c.focus(c.ID) }
	c.ID = newHKEntry(k, "18位居民身份证号码，可用读卡器")
	c.ID.OnChanged = c.idChanged
	c.ID.OnSubmitted = func(string) { c.idChanged(c.ID.Text) }
	c.IDMasked = boldLabel("")
	c.IDEdit = newHKButton(k, "重新输入", c.editID)
	// A verified number leaves the cursor here, so Tab goes on to 联系电话
	// as from any field; Enter does too (a typed number ends with it).
	c.IDEdit.enter = func() { c.focus(c.Phone) }
	c.IDHint = widget.NewLabel("")
	c.IDHint.Importance = widget.LowImportance
	c.IDHint.Wrapping = fyne.TextWrapWord
	c.Phone = newHKEntry(k, "手机或带区号的固定电话（可不填）")
	c.Phone.OnChanged = c.phoneChanged
	c.Phone.OnSubmitted = func(string) { c.focus(c.ItemQuery) }
	c.PhoneHint = widget.NewLabel("")
	c.PhoneHint.Importance = widget.DangerImportance
	c.IDHint.Hide()
	c.PhoneHint.Hide()
	c.ItemQuery = newHKEntry(k, "事项名称、拼音首字母或编码；扫码枪扫描事项条码")
	c.ItemQuery.OnChanged = func(string) { c.search(false) }
	c.ItemQuery.OnSubmitted = func(string) { c.search(true) }
	c.Results = container.NewVBox()
	c.Selected = container.NewVBox()
	c.Batch = newHKEntry(k, "1")
	c.Batch.OnChanged = func(string) { c.changed() }
	c.Theme = newHKCheck(k, "一件事（主题）", func(bool) { c.themeChanged() })
	c.ThemeQuery = newHKEntry(k, "主题名称或编码，回车查找")
	c.ThemeQuery.OnSubmitted = func(string) { c.findTheme() }
	c.ThemeQuery.OnChanged = func(string) { c.changed() }
	c.ThemeLabel = widget.NewLabel("")
	c.ThemeLabel.Wrapping = fyne.TextWrapWord
	c.ThemeLabel.Hide()
	c.Agent = newHKEntry(k, "帮办代办人姓名（本人办理不填）")
	c.NamePinyin = newPinyinField(c.pinyin, c.Name, pinyinime.Names)
	c.AgentPinyin = newPinyinField(c.pinyin, c.Agent, pinyinime.Names)
	c.Agent.OnChanged = func(string) { c.changed() }
	c.Status = widget.NewLabel("")
	c.Status.Wrapping = fyne.TextWrapWord
	c.Status.TextStyle.Bold = true
	c.Accept = newHKButton(k, "受理 F8", c.accept)
	c.Accept.Importance = widget.HighImportance
	c.Complete = newHKButton(k, "办结 F9", c.complete)
	c.Complete.Importance = widget.HighImportance
	c.Return = newHKButton(k, "退件", func() { c.askReason(app.TxReturned) })
	c.Refuse = newHKButton(k, "不予受理", func() { c.askReason(app.TxRefused) })
	c.Refuse.Importance = widget.DangerImportance
	c.Clear = newHKButton(k, "清空表单", c.confirmClear)

	idRow := container.NewStack(c.ID, container.NewBorder(nil, nil, nil, c.IDEdit, c.IDMasked))
	c.showIDMode(false)
	themeRow := container.NewBorder(nil, nil, c.Theme, nil, c.ThemeQuery)
	form := widget.NewForm(
		widget.NewFormItem("申请人", container.NewVBox(c.Name, c.NamePinyin.Bar)),
		widget.NewFormItem("身份证号", container.NewVBox(idRow, c.IDHint)),
		widget.NewFormItem("联系电话", container.NewVBox(c.Phone, c.PhoneHint)),
		widget.NewFormItem("办理事项", container.NewVBox(c.ItemQuery, c.Results)),
		widget.NewFormItem("已选事项", c.Selected),
		widget.NewFormItem("批量件数", container.NewGridWithColumns(3, c.Batch)),
		widget.NewFormItem("主题", container.NewVBox(themeRow, c.ThemeLabel)),
		widget.NewFormItem("代办人", container.NewVBox(c.Agent, c.AgentPinyin.Bar)),
	)
	c.Cases = newHKButton(k, "在办件 F12", c.openCases)
	if deps.Cases == nil {
		c.Cases.Hide()
	}
	actions := container.NewGridWithColumns(6, c.Accept, c.Complete, c.Return, c.Refuse, c.Clear, c.Cases)
	reg := card("办件登记", container.NewBorder(nil, container.NewVBox(c.Status, actions), nil, nil,
		container.NewVScroll(form)))

	top := container.NewStack(canvas.NewRectangle(colPanel), container.NewPadded(container.NewBorder(nil, nil,
		container.NewHBox(c.WindowTitle, c.ClerkLabel, c.PausedLabel), c.Link)))
	body := container.New(&splitLayout{ratio: 0.32}, container.NewPadded(queue), container.NewPadded(reg))
	c.KeyGuide = widget.NewLabel(keyGuide(k))
	c.KeyGuide.Importance = widget.LowImportance
	c.KeyGuide.Wrapping = fyne.TextWrapWord
	c.obj = container.NewBorder(top, c.KeyGuide, nil, nil, body)

	c.restoreDraft()
	c.showQueue()
	return c
}

// Content is the screen's canvas object.
func (c *Counter) Content() fyne.CanvasObject { return c.obj }

// TypedKey handles the function keys when no field has the focus; set it as
// the window canvas's OnTypedKey (Start does).
func (c *Counter) TypedKey(ev *fyne.KeyEvent) { c.keys.handle(ev) }

// Start loads the window's state, follows the hall's events and puts the
// cursor into the form.
func (c *Counter) Start() {
	c.env.Win.Canvas().SetOnTypedKey(c.TypedKey)
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	w := &hallWatch{hall: c.deps.Hall, do: c.deps.Do, wait: c.deps.Wait, log: c.env.log().Info,
		onEvent: func(ev app.HallEvent) {
			switch ev.Kind {
			case app.EventIssued, app.EventFinished, app.EventWindow, app.EventCalled:
				c.Reload()
			}
		},
		onStatus: func(ok bool, msg string) {
			c.setLink(ok, msg)
			if ok {
				c.Reload()
			}
		}}
	go w.run(ctx)
	if c.deps.IDCards != nil {
		c.deps.IDCards(c.CardRead)
	}
	c.Reload()
	c.focus(c.Name)
	if c.pinyin.on {
		c.status(true, "本机未检测到中文输入法，已打开拼音输入（F5 开关）：输入拼音或首字母，空格选第一个，数字键选其他")
	}
}

// Stop ends following the hall (and the card reader).
func (c *Counter) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	if c.deps.IDCards != nil {
		c.deps.IDCards(nil)
	}
}

func (c *Counter) focus(o fyne.Focusable) {
	if cv := c.env.Win.Canvas(); cv != nil {
		cv.Focus(o)
	}
}

func (c *Counter) clerkID() int64 {
	if c.Clerk == nil {
		return 0
	}
	return c.Clerk.ID
}

func (c *Counter) showClerk() {
	if c.Clerk == nil {
		c.ClerkLabel.SetText("未登录")
		return
	}
	post := ""
	if c.State.Post != "" && c.State.ClerkID == c.Clerk.ID {
		post = "（" + c.State.Post + "岗）"
	}
	c.ClerkLabel.SetText(fmt.Sprintf("工作人员 %s %s%s", c.Clerk.No, c.Clerk.Name, post))
}

// togglePinyin switches the built-in pinyin input of the name fields.
func (c *Counter) togglePinyin() {
	c.pinyin.on = !c.pinyin.on
	c.NamePinyin.off()
	c.AgentPinyin.off()
	if c.pinyin.on {
		c.status(true, "拼音输入已打开（F5 关闭）：输入拼音或首字母，空格选第一个，数字键选其他，回车保留字母")
	} else {
		c.status(true, "拼音输入已关闭（F5 打开），可使用系统输入法")
	}
}

// RatingOutcome shows what became of the keypad's rating (stored, timed
// out, refused and why) in the form's status line; on the UI goroutine.
func (c *Counter) RatingOutcome(msg string, stored bool) {
	if !stored {
		msg = "评价器：" + msg
	}
	c.status(stored, msg)
}

func (c *Counter) setLink(ok bool, msg string) {
	if c.deps.Local {
		return
	}
	c.Link.SetText(msg)
	if ok {
		c.Link.Importance = widget.LowImportance
	} else {
		c.Link.Importance = widget.DangerImportance
	}
	c.Link.Refresh()
}

// hallErr shows a refused or failed queue action in the form's status
// line (the form is never touched) and the link line when the hub is away.
func (c *Counter) hallErr(what string, err error) {
	c.env.log().Warn("counter: "+what, "err", err, "code", app.ErrorCode(err))
	if app.ErrorCode(err) == app.CodeHubUnreachable {
		c.setLink(false, "无法连接中心主机："+app.UserMessage(err))
	}
	c.status(false, app.UserMessage(err))
}

func (c *Counter) status(ok bool, msg string) {
	if ok && msg != "" {
		msg = "✔ " + msg
	}
	c.Status.SetText(msg)
	if ok {
		c.Status.Importance = widget.MediumImportance // dark ink: the theme's green is hard to read
	} else {
		c.Status.Importance = widget.DangerImportance
	}
	c.Status.Refresh()
}

// Reload reads the window's state (current ticket, waiting, recall list).
func (c *Counter) Reload() {
	c.loads++
	seq := c.loads
	Run(c.env, func(ctx context.Context) (app.WindowState, error) {
		return c.deps.Hall.Window(ctx, c.deps.WindowID)
	}, func(st app.WindowState, err error) {
		if seq != c.loads {
			return
		}
		if err != nil {
			c.hallErr("window state", err)
			return
		}
		c.State = st
		c.windowNo = st.Number
		c.showQueue()
	})
}

func (c *Counter) showQueue() {
	st := c.State
	if st.Number > 0 {
		c.WindowTitle.Text = fmt.Sprintf("%d号窗口", st.Number)
	}
	c.WindowTitle.Refresh()
	c.showClerk()
	if st.Paused {
		c.PausedLabel.SetText("暂停服务中")
		c.Pause.SetText("恢复 F6")
	} else {
		c.PausedLabel.SetText("")
		c.Pause.SetText("暂停 F6")
	}
	if t := st.Current; t != nil {
		c.Ticket.Text = t.Number
		sub := "办理中"
		if t.PriorityKind != app.PriorityNone {
			sub += "　绿色通道（" + t.PriorityKind.Name() + "）"
		} else if t.Priority {
			sub += "　绿色通道"
		}
		if !t.CalledAt.IsZero() {
			sub += "　叫号 " + t.CalledAt.In(app.ChinaTime).Format("15:04")
		}
		if t.Calls > 1 {
			sub += fmt.Sprintf("　已呼 %d 次", t.Calls)
		}
		c.TicketSub.SetText(sub)
	} else {
		c.Ticket.Text = "—"
		c.TicketSub.SetText("当前无办理中的号，按 F1 叫号")
	}
	c.Ticket.Refresh()
	c.Waiting.SetText(fmt.Sprintf("等候 %d 人", st.Waiting))
	c.CallBacks = map[int64]*hkButton{}
	var rows []fyne.CanvasObject
	for _, t := range st.NoShows {
		b := newHKButton(c.keys, "召回", func() { c.callBack(t.ID) })
		c.CallBacks[t.ID] = b
		at := ""
		if !t.CalledAt.IsZero() {
			at = t.CalledAt.In(app.ChinaTime).Format("15:04")
		}
		rows = append(rows, container.NewBorder(nil, nil, nil, b, widget.NewLabel(t.Number+"　"+at)))
	}
	if len(rows) == 0 {
		none := widget.NewLabel("无")
		none.Importance = widget.LowImportance
		rows = append(rows, none)
	}
	c.NoShows.Objects = rows
	c.NoShows.Refresh()
}

// queueAct runs one queue action and reloads the window's state.
func (c *Counter) queueAct(what string, work func(ctx context.Context) (string, error)) {
	Run(c.env, work, func(msg string, err error) {
		if c.env.Win.Canvas().Focused() == nil {
			c.focus(c.Name) // a tapped button that went away had it
		}
		if err != nil {
			c.hallErr(what, err)
		} else {
			c.setLink(true, "与中心主机连接正常")
			if msg != "" {
				c.status(true, msg)
			}
		}
		c.Reload()
	})
}

func (c *Counter) callNext() {
	c.queueAct("call next", func(ctx context.Context) (string, error) {
		t, err := c.deps.Hall.CallNext(ctx, c.deps.WindowID, c.clerkID())
		if err != nil {
			return "", err
		}
		return "已叫号 " + t.Number, nil
	})
	c.focus(c.Name)
}

func (c *Counter) recall() {
	c.queueAct("recall", func(ctx context.Context) (string, error) {
		t, err := c.deps.Hall.Recall(ctx, c.deps.WindowID)
		if err != nil {
			return "", err
		}
		return "已重呼 " + t.Number, nil
	})
}

func (c *Counter) noShow() {
	c.queueAct("no-show", func(ctx context.Context) (string, error) {
		return "已过号，可在过号列表中召回", c.deps.Hall.NoShow(ctx, c.deps.WindowID)
	})
}

func (c *Counter) callBack(ticketID int64) {
	c.queueAct("call back", func(ctx context.Context) (string, error) {
		t, err := c.deps.Hall.CallBack(ctx, c.deps.WindowID, c.clerkID(), ticketID)
		if err != nil {
			return "", err
		}
		return "已召回 " + t.Number, nil
	})
}

func (c *Counter) finishTicket() {
	c.queueAct("finish", func(ctx context.Context) (string, error) {
		return "本号服务已结束", c.deps.Hall.Finish(ctx, c.deps.WindowID)
	})
}

func (c *Counter) togglePause() {
	paused := !c.State.Paused
	c.queueAct("pause", func(ctx context.Context) (string, error) {
		if paused {
			return "已暂停服务，大厅不再向本窗口叫号", c.deps.Hall.SetPaused(ctx, c.deps.WindowID, true)
		}
		return "已恢复服务", c.deps.Hall.SetPaused(ctx, c.deps.WindowID, false)
	})
}

// transferChoices is what the transfer dialog offers.
type transferChoices struct {
	cats    []app.QueueCategory
	windows []app.WindowState
}

// TransferForm is the open transfer dialog (for tests).
type TransferForm struct {
	Category *hkSelect
	Window   *hkSelect
	Return   *hkCheck
	Dialog   dialog.Dialog
	submit   func()
}

// Submit transfers as chosen, as the 转移 button does.
func (f *TransferForm) Submit() {
	f.Dialog.Hide()
	f.submit()
}

// TransferDialog is the last transfer dialog opened.
func (c *Counter) TransferDialog() *TransferForm { return c.transfer }

func (c *Counter) openTransfer() {
	if c.State.Current == nil {
		c.status(false, "当前没有办理中的号，无法转移")
		return
	}
	Run(c.env, func(ctx context.Context) (transferChoices, error) {
		cats, err := c.deps.Hall.Categories(ctx)
		if err != nil {
			return transferChoices{}, err
		}
		out := transferChoices{cats: cats}
		seen := map[int64]bool{c.deps.WindowID: true}
		for _, cat := range cats {
			for _, id := range cat.Windows {
				if seen[id] {
					continue
				}
				seen[id] = true
				if ws, err := c.deps.Hall.Window(ctx, id); err == nil {
					out.windows = append(out.windows, ws)
				}
			}
		}
		slices.SortFunc(out.windows, func(a, b app.WindowState) int { return a.Number - b.Number })
		return out, nil
	}, func(ch transferChoices, err error) {
		if err != nil {
			c.hallErr("transfer choices", err)
			return
		}
		c.showTransfer(ch)
	})
}

func (c *Counter) showTransfer(ch transferChoices) {
	const keepCat, anyWindow = "（不改变业务类别）", "（该类别任一窗口）"
	catOpts := []string{keepCat}
	for _, cat := range ch.cats {
		catOpts = append(catOpts, cat.Prefix+" "+cat.Name)
	}
	winOpts := []string{anyWindow}
	for _, w := range ch.windows {
		winOpts = append(winOpts, fmt.Sprintf("%d号窗口", w.Number))
	}
	keys := hotkeys{}
	f := &TransferForm{Category: newHKSelect(keys, catOpts), Window: newHKSelect(keys, winOpts),
		Return: newHKCheck(keys, "办完后返回本窗口", nil)}
	f.Category.SetSelected(keepCat)
	f.Window.SetSelected(anyWindow)
	ticket := c.State.Current.Number
	f.submit = func() {
		req := app.TransferRequest{FromWindow: c.deps.WindowID, Return: f.Return.Checked}
		if i := f.Category.SelectedIndex(); i > 0 {
			req.ToCategory = ch.cats[i-1].ID
		}
		if i := f.Window.SelectedIndex(); i > 0 {
			req.ToWindow = ch.windows[i-1].WindowID
		}
		if req.ToCategory == 0 && req.ToWindow == 0 {
			c.status(false, "请选择转往的业务类别或窗口")
			return
		}
		c.queueAct("transfer", func(ctx context.Context) (string, error) {
			return ticket + " 已转移", c.deps.Hall.Transfer(ctx, req)
		})
	}
	content := widget.NewForm(
		widget.NewFormItem("转往类别", f.Category),
		widget.NewFormItem("转往窗口", f.Window),
		widget.NewFormItem("", f.Return),
	)
	f.Dialog = c.env.keyConfirm("转移 "+ticket, "转移", "取消 (Esc)", content, keys, f.submit)
	f.Dialog.Resize(fyne.NewSize(520, 0))
	c.transfer = f
	f.Dialog.Show()
	c.env.Win.Canvas().Focus(f.Category)
}

// HandOverForm is the open A/B hand-over dialog (for tests).
type HandOverForm struct {
	No, PIN *hkEntry
	Post    *widget.RadioGroup
	Status  *widget.Label
	Dialog  dialog.Dialog
	submit  func()
}

// Submit signs the clerk in.
func (f *HandOverForm) Submit() { f.submit() }

// HandOverDialog is the last hand-over dialog opened.
func (c *Counter) HandOverDialog() *HandOverForm { return c.handOver }

// openHandOver lets the other clerk (AB岗, JZ 7.6.4) sign in at this window:
// the form's draft stays, and the next registrations are theirs.
func (c *Counter) openHandOver() {
	if c.deps.SignIn == nil {
		return
	}
	keys := hotkeys{}
	f := &HandOverForm{No: newHKEntry(keys, "接班人员工号"), PIN: newHKEntry(keys, ""),
		Post: widget.NewRadioGroup([]string{"A岗", "B岗"}, nil), Status: widget.NewLabel("")}
	f.PIN.Password = true
	f.Status.Importance = widget.DangerImportance
	f.Status.Wrapping = fyne.TextWrapWord
	f.Post.Horizontal = true
	if c.State.Post == "B" {
		f.Post.SetSelected("A岗")
	} else {
		f.Post.SetSelected("B岗")
	}
	ok := newHKButton(keys, "接班登录", nil)
	ok.Importance = widget.HighImportance
	cancel := newHKButton(keys, "取消 (Esc)", nil)
	content := container.NewVBox(widget.NewForm(
		widget.NewFormItem("工号", f.No),
		widget.NewFormItem("密码", f.PIN),
		widget.NewFormItem("岗位", f.Post),
	), f.Status, container.NewGridWithColumns(2, cancel, ok))
	d := dialog.NewCustomWithoutButtons("换岗（AB岗）", content, c.env.Win)
	f.Dialog = d
	cancel.OnTapped = d.Hide
	c.env.escapable(d, keys, d.Hide)
	f.submit = func() {
		no, pin, post := strings.TrimSpace(f.No.Text), f.PIN.Text, strings.TrimSuffix(f.Post.Selected, "岗")
		if no == "" || pin == "" {
			f.Status.SetText("请输入接班人员的工号和密码")
			return
		}
		Run(c.env, func(ctx context.Context) (*app.Staff, error) {
			st, err := c.deps.SignIn(ctx, no, pin)
			if err != nil {
				return nil, err
			}
			return st, c.deps.Hall.SignIn(ctx, c.deps.WindowID, st.ID, post)
		}, func(st *app.Staff, err error) {
			if err != nil {
				c.env.log().Info("counter: hand-over refused", "no", no, "code", app.ErrorCode(err), "err", err)
				f.Status.SetText(app.UserMessage(err))
				return
			}
			c.Clerk = st
			d.Hide()
			c.status(true, fmt.Sprintf("%s %s 已在%s岗接班", st.No, st.Name, post))
			c.Reload()
		})
	}
	ok.OnTapped = f.submit
	f.PIN.OnSubmitted = func(string) { f.submit() }
	f.No.OnSubmitted = func(string) { c.env.Win.Canvas().Focus(f.PIN) }
	c.handOver = f
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	c.env.Win.Canvas().Focus(f.No)
}
