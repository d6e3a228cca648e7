package screens

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// The counter's registration form: fields, validation as typed, item search,
// materials, the draft, and the outcome buttons.

// counterDraft is the saved form.
type counterDraft struct {
	Name       string              `json:"name,omitempty"`
	IDNumber   string              `json:"id,omitempty"`       // accepted
	IDTyped    string              `json:"id_typed,omitempty"` // not yet accepted
	Phone      string              `json:"phone,omitempty"`
	Items      []app.ServiceItem   `json:"items,omitempty"`
	Received   map[string][]string `json:"received,omitempty"`
	Batch      string              `json:"batch,omitempty"`
	Theme      bool                `json:"theme,omitempty"`
	ThemeQuery string              `json:"theme_query,omitempty"`
	ThemeItem  *app.ServiceItem    `json:"theme_item,omitempty"`
	Agent      string              `json:"agent,omitempty"`
	Registered []app.Transaction   `json:"registered,omitempty"`
	Missing    map[string][]string `json:"missing,omitempty"`
}

func (c *Counter) draftKey() string { return fmt.Sprintf("counter-window-%d", c.deps.WindowID) }

// draftSaver writes the newest draft off the UI goroutine, one write at a
// time; drafts typed meanwhile collapse into the latest.
type draftSaver struct {
	d       Drafts
	key     string
	goFn    func(func())
	log     *slog.Logger
	mu      sync.Mutex
	next    []byte
	pending bool
	running bool
}

func (s *draftSaver) save(b []byte) {
	s.mu.Lock()
	s.next, s.pending = b, true
	if s.running {
		s.mu.Unlock()
		return
	}
	s.running = true
	s.mu.Unlock()
	job := func() {
		for {
			s.mu.Lock()
			if !s.pending {
				s.running = false
				s.mu.Unlock()
				return
			}
			b := s.next
			s.pending = false
			s.mu.Unlock()
			if err := s.d.Save(s.key, b); err != nil {
				s.log.Warn("counter: draft not saved", "err", err)
			}
		}
	}
	if s.goFn != nil {
		s.goFn(job)
	} else {
		go job()
	}
}

func (c *Counter) draft() counterDraft {
	d := counterDraft{Name: c.Name.Text, IDNumber: c.IDNumber, Phone: c.Phone.Text, Items: c.Items,
		Received: c.receivedMap(), Batch: c.Batch.Text, Theme: c.Theme.Checked, ThemeQuery: c.ThemeQuery.Text,
		ThemeItem: c.ThemeIt, Agent: c.Agent.Text, Registered: c.Registered, Missing: c.Missing}
	if c.IDNumber == "" {
		d.IDTyped = c.ID.Text
	}
	return d
}

// changed saves the draft (every change of the form).
func (c *Counter) changed() {
	if c.restored || c.saver == nil {
		return
	}
	b, err := json.Marshal(c.draft())
	if err != nil {
		c.env.log().Warn("counter: draft", "err", err)
		return
	}
	c.saver.save(b)
}

// restoreDraft fills the form from the saved draft, if any.
func (c *Counter) restoreDraft() {
	if c.deps.Drafts == nil {
		return
	}
	b, err := c.deps.Drafts.Load(c.draftKey())
	if err != nil {
		c.env.log().Warn("counter: draft not read", "err", err)
		c.status(false, "上次未完成的登记无法读取，请重新填写")
		return
	}
	if len(b) == 0 {
		return
	}
	var d counterDraft
	if err := json.Unmarshal(b, &d); err != nil {
		c.env.log().Warn("counter: draft unreadable", "err", err)
		return
	}
	c.restored = true
	defer func() { c.restored = false }()
	c.Name.SetText(d.Name)
	if d.IDNumber != "" {
		c.IDNumber = d.IDNumber
		c.IDMasked.SetText(app.MaskID(d.IDNumber) + "　✔ 已核验")
		c.showIDMode(true)
	} else {
		c.ID.SetText(d.IDTyped)
	}
	c.Phone.SetText(d.Phone)
	c.Batch.SetText(d.Batch)
	c.Agent.SetText(d.Agent)
	c.ThemeQuery.SetText(d.ThemeQuery)
	c.Theme.SetChecked(d.Theme)
	c.ThemeIt = d.ThemeItem
	c.Items = d.Items
	c.received = map[string]map[string]bool{}
	for code, ms := range d.Received {
		c.received[code] = map[string]bool{}
		for _, m := range ms {
			c.received[code][m] = true
		}
	}
	c.Registered, c.Missing = d.Registered, d.Missing
	c.showItems()
	c.themeChanged()
	c.lockForm()
	if c.isEmptyDraft(d) {
		return
	}
	if len(c.Registered) > 0 {
		c.status(false, "已恢复上次未完成的办件 "+c.Registered[0].Serial+"（已登记，尚未受理或办结）")
	} else {
		c.status(true, "已恢复上次未提交的登记内容")
	}
}

func (c *Counter) isEmptyDraft(d counterDraft) bool {
	return d.Name == "" && d.IDNumber == "" && d.IDTyped == "" && d.Phone == "" && len(d.Items) == 0 &&
		d.Agent == "" && len(d.Registered) == 0
}

func (c *Counter) receivedMap() map[string][]string {
	out := map[string][]string{}
	add := func(it app.ServiceItem) {
		for _, m := range it.Materials {
			if c.received[it.Code][m] {
				out[it.Code] = append(out[it.Code], m)
			}
		}
	}
	for _, it := range c.Items {
		add(it)
	}
	if c.ThemeIt != nil {
		add(*c.ThemeIt)
	}
	return out
}

// idChanged checks the ID number as it is typed; a valid number is kept and
// shown masked.
func (c *Counter) idChanged(s string) {
	if c.IDNumber != "" {
		return // accepted; 重新输入 starts again
	}
	id := strings.ToUpper(strings.TrimSpace(s))
	hint, bad := "", false
	switch n := len(id); {
	case n == 0:
	case n < 18:
		for i := 0; i < n && i < 17; i++ {
			if id[i] < '0' || id[i] > '9' {
				hint, bad = "身份证号码前17位应为数字", true
				break
			}
		}
		if !bad {
			hint = fmt.Sprintf("已输入 %d/18 位", n)
		}
	case n > 18:
		hint, bad = "身份证号码应为18位", true
	default:
		if v, err := app.ValidateIDNumber(id); err != nil {
			hint, bad = app.UserMessage(err), true
		} else {
			c.IDNumber = v
			c.IDMasked.SetText(app.MaskID(v) + "　✔ 已核验")
			setHint(c.IDHint, "", widget.LowImportance)
			c.showIDMode(true)
			// The full number lives in IDNumber only, never on the screen.
			c.restored = true
			c.ID.SetText("")
			c.restored = false
			c.changed()
			if c.env.Win.Canvas().Focused() == c.ID {
				// Not on to 联系电话 by itself: the clerk's Tab would then
				// skip it and the phone would go into 办理事项.
				c.focus(c.IDEdit)
			}
			return
		}
	}
	imp := widget.LowImportance
	if bad {
		imp = widget.DangerImportance
	}
	setHint(c.IDHint, hint, imp)
	c.changed()
}

// showIDMode shows the entry (typing) or the masked accepted number.
func (c *Counter) showIDMode(accepted bool) {
	if accepted {
		c.ID.Hide()
		c.IDMasked.Show()
		c.IDEdit.Show()
	} else {
		c.ID.Show()
		c.IDMasked.Hide()
		c.IDEdit.Hide()
	}
}

func (c *Counter) editID() {
	c.IDNumber = ""
	setText(&c.ID.Entry, "")
	c.showIDMode(false)
	c.focus(c.ID)
	c.changed()
}

func (c *Counter) phoneChanged(s string) {
	s = strings.TrimSpace(s)
	msg := ""
	if n := len(strings.ReplaceAll(s, "-", "")); s != "" && n >= 11 {
		if _, err := app.ValidatePhone(s); err != nil {
			msg = app.UserMessage(err)
		}
	}
	setHint(c.PhoneHint, msg, widget.DangerImportance)
	c.changed()
}

// search looks the query up; on Enter (a scanner ends with it) an exact
// code, or a single match, is added at once.
func (c *Counter) search(enter bool) {
	q := strings.TrimSpace(c.ItemQuery.Text)
	if q == "" {
		c.showResults(nil)
		return
	}
	if enter && IsSerial(q) && c.deps.Cases != nil && len(c.Items) == 0 {
		c.openSerial(q) // a receipt's barcode: continue that case
		return
	}
	c.searches++
	seq := c.searches
	Run(c.env, func(ctx context.Context) ([]app.ServiceItem, error) {
		return c.deps.Reg.SearchItems(ctx, q, 8)
	}, func(items []app.ServiceItem, err error) {
		if seq != c.searches {
			return
		}
		if err != nil {
			c.hallErr("search items", err)
			return
		}
		if enter {
			for _, it := range items {
				if strings.EqualFold(it.Code, q) {
					c.addItem(it)
					return
				}
			}
			if len(items) > 0 {
				c.addItem(items[0]) // the highlighted first result
				return
			}
			if len(items) == 0 {
				c.status(false, "事项清单中没有找到“"+q+"”，请换个名称、拼音首字母或编码")
			}
		}
		c.showResults(items)
	})
}

func (c *Counter) showResults(items []app.ServiceItem) {
	c.results = items
	c.ResultBtns = nil
	var objs []fyne.CanvasObject
	for _, it := range items {
		b := newHKButton(c.keys, itemLine(it), func() { c.addItem(it) })
		b.Alignment = widget.ButtonAlignLeading
		if len(objs) == 0 {
			b.Importance = widget.HighImportance // what Enter in the search picks
		}
		c.ResultBtns = append(c.ResultBtns, b)
		objs = append(objs, b)
	}
	c.Results.Objects = objs
	c.Results.Refresh()
}

func itemLine(it app.ServiceItem) string {
	kind := "即办件"
	if !it.Instant {
		kind = fmt.Sprintf("承诺件 %d个工作日", it.PromiseDays)
	}
	return fmt.Sprintf("%s　%s　（%s）", it.Code, it.Name, kind)
}

// addItem adds an item to the form (once) and readies the search for the next.
func (c *Counter) addItem(it app.ServiceItem) {
	if c.locked() {
		c.status(false, "办件已登记，不能再增加事项；如需更改请先清空表单")
		return
	}
	for _, have := range c.Items {
		if have.Code == it.Code {
			c.status(false, "事项“"+it.Name+"”已在列表中；同一事项多次申报请填写批量件数")
			setText(&c.ItemQuery.Entry, "")
			c.showResults(nil)
			return
		}
	}
	c.Items = append(c.Items, it)
	c.status(true, "已添加事项："+it.Name)
	setText(&c.ItemQuery.Entry, "")
	c.showResults(nil)
	c.showItems()
	c.changed()
	c.focus(c.ItemQuery)
}

func (c *Counter) removeItem(code string) {
	if c.locked() {
		return
	}
	for i, it := range c.Items {
		if it.Code == code {
			c.Items = append(c.Items[:i:i], c.Items[i+1:]...)
			break
		}
	}
	delete(c.received, code)
	c.showItems()
	c.changed()
}

// showItems lists the chosen items, each with its materials checklist.
func (c *Counter) showItems() {
	c.Materials = map[string]map[string]*hkCheck{}
	var objs []fyne.CanvasObject
	for _, it := range c.Items {
		rm := newHKButton(c.keys, "移除", func() { c.removeItem(it.Code) })
		if c.locked() {
			rm.Disable()
		}
		head := container.NewBorder(nil, nil, nil, rm, boldLabel(itemLine(it)))
		objs = append(objs, head, c.materialChecks(it))
	}
	if len(objs) == 0 {
		none := widget.NewLabel("尚未选择事项")
		none.Importance = widget.LowImportance
		objs = append(objs, none)
	}
	c.Selected.Objects = objs
	c.Selected.Refresh()
}

func (c *Counter) materialChecks(it app.ServiceItem) fyne.CanvasObject {
	if len(it.Materials) == 0 {
		l := widget.NewLabel("　无需材料")
		l.Importance = widget.LowImportance
		return l
	}
	checks := map[string]*hkCheck{}
	var objs []fyne.CanvasObject
	for _, m := range it.Materials {
		ch := newHKCheck(c.keys, m, nil)
		ch.Checked = c.received[it.Code][m]
		ch.OnChanged = func(on bool) {
			if c.received[it.Code] == nil {
				c.received[it.Code] = map[string]bool{}
			}
			c.received[it.Code][m] = on
			c.changed()
		}
		if c.locked() {
			ch.Disable()
		}
		checks[m] = ch
		objs = append(objs, ch)
	}
	c.Materials[it.Code] = checks
	return container.NewGridWithColumns(2, objs...)
}

func (c *Counter) themeChanged() {
	if c.Theme.Checked {
		c.ThemeQuery.Enable()
	} else {
		c.ThemeQuery.Disable()
	}
	switch {
	case !c.Theme.Checked:
		setHint(c.ThemeLabel, "", widget.MediumImportance)
	case c.ThemeIt == nil:
		setHint(c.ThemeLabel, "输入主题名称或编码后按回车；主题下的各事项在上面“办理事项”中添加（至少两个）", widget.MediumImportance)
	default:
		setHint(c.ThemeLabel, "主题："+itemLine(*c.ThemeIt), widget.MediumImportance)
	}
	c.changed()
}

// findTheme resolves the typed theme to an item of the list.
func (c *Counter) findTheme() {
	q := strings.TrimSpace(c.ThemeQuery.Text)
	if q == "" {
		return
	}
	Run(c.env, func(ctx context.Context) ([]app.ServiceItem, error) {
		return c.deps.Reg.SearchItems(ctx, q, 5)
	}, func(items []app.ServiceItem, err error) {
		if err != nil {
			c.hallErr("search theme", err)
			return
		}
		var pick *app.ServiceItem
		for i, it := range items {
			if strings.EqualFold(it.Code, q) || it.Name == q {
				pick = &items[i]
			}
		}
		if pick == nil && len(items) == 1 {
			pick = &items[0]
		}
		if pick == nil {
			c.status(false, "没有唯一匹配“"+q+"”的主题，请输入完整的主题名称或编码")
			return
		}
		c.ThemeIt = pick
		c.ThemeQuery.SetText(pick.Name)
		c.themeChanged()
		c.focus(c.ItemQuery)
	})
}

// locked: once registered, the form's content is what was stored.
func (c *Counter) locked() bool { return len(c.Registered) > 0 }

func (c *Counter) lockForm() {
	for _, e := range []*hkEntry{c.Name, c.ID, c.Phone, c.Batch, c.ThemeQuery, c.Agent, c.ItemQuery} {
		if c.locked() {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if c.locked() {
		c.Theme.Disable()
		c.IDEdit.Disable()
	} else {
		c.Theme.Enable()
		c.IDEdit.Enable()
		if !c.Theme.Checked {
			c.ThemeQuery.Disable()
		}
	}
	c.showItems()
}

// request reads the form; a mistake is shown in place with the cursor on
// the field, and nothing is cleared.
func (c *Counter) request() (RegisterRequest, bool) {
	req := RegisterRequest{WindowID: c.deps.WindowID, ClerkID: c.clerkID(),
		ApplicantName: strings.TrimSpace(c.Name.Text), Phone: strings.TrimSpace(c.Phone.Text),
		Theme: c.Theme.Checked, AgentName: strings.TrimSpace(c.Agent.Text), Received: c.receivedMap()}
	if c.State.Current != nil {
		req.TicketID = c.State.Current.ID
	}
	refuse := func(msg string, f fyne.Focusable) (RegisterRequest, bool) {
		c.status(false, msg)
		if f != nil {
			c.focus(f)
		}
		return req, false
	}
	if req.ApplicantName == "" {
		return refuse("请填写申请人姓名", c.Name)
	}
	if c.IDNumber == "" {
		msg := c.IDHint.Text
		if msg == "" || c.IDHint.Importance != widget.DangerImportance {
			msg = "请输入申请人的18位身份证号码"
		}
		return refuse(msg, c.ID)
	}
	req.IDNumber = c.IDNumber
	if req.Phone != "" {
		if _, err := app.ValidatePhone(req.Phone); err != nil {
			return refuse(app.UserMessage(err), c.Phone)
		}
	}
	if len(c.Items) == 0 {
		return refuse("请至少选择一个办理事项", c.ItemQuery)
	}
	for _, it := range c.Items {
		req.Items = append(req.Items, it.Code)
	}
	req.BatchCount = 1
	if b := strings.TrimSpace(c.Batch.Text); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > 999 {
			return refuse("批量件数应为1至999的整数", c.Batch)
		}
		req.BatchCount = n
	}
	if req.Theme {
		if c.ThemeIt == nil {
			return refuse("请先查找并选定“一件事”主题（输入名称后按回车）", c.ThemeQuery)
		}
		if len(c.Items) < 2 {
			return refuse("“一件事”主题至少包含两个事项", c.ItemQuery)
		}
		req.ThemeName = c.ThemeIt.Code
	}
	return req, true
}

func (c *Counter) accept()   { c.act(app.TxAccepted, "") }
func (c *Counter) complete() { c.act(app.TxCompleted, "") }

// askReason asks why for 退件 / 不予受理 (the applicant is told it at once).
func (c *Counter) askReason(to app.TxStatus) {
	keys := hotkeys{}
	reason := newHKEntry(keys, "原因（将一次性告知申请人）")
	reason.MultiLine = true
	reason.Wrapping = fyne.TextWrapWord
	reason.SetMinRowsVisible(3)
	if to == app.TxReturned && len(c.Missing) > 0 {
		reason.SetText("材料不全，已一次性告知所缺材料")
	}
	d := c.env.keyConfirm(to.Name(), "确定", "取消 (Esc)", reason, keys, func() { c.act(to, reason.Text) })
	d.Resize(fyne.NewSize(520, 0))
	c.reasonDialog = d
	c.reasonEntry = reason
	d.Show()
	c.env.Win.Canvas().Focus(reason)
}

// act registers the form when not yet registered and moves the 办件 to `to`.
// Missing materials stop 受理/办结 at the 一次性告知单 first.
func (c *Counter) act(to app.TxStatus, note string) {
	if c.busy {
		return
	}
	if (to == app.TxReturned || to == app.TxRefused) && strings.TrimSpace(note) == "" {
		c.status(false, to.Name()+"须填写原因，以便一次性告知申请人")
		return
	}
	if c.locked() {
		c.advance(to, note)
		return
	}
	req, ok := c.request()
	if !ok {
		return
	}
	c.busy = true
	c.status(true, "正在登记…")
	Run(c.env, func(ctx context.Context) (Registration, error) {
		return c.deps.Reg.Register(ctx, c.Clerk, req)
	}, func(reg Registration, err error) {
		c.busy = false
		if err != nil {
			c.refused("register", err)
			return
		}
		c.Registered, c.Missing = reg.Transactions, reg.Missing
		c.lockForm()
		c.changed()
		if len(reg.Missing) > 0 && (to == app.TxAccepted || to == app.TxCompleted) {
			c.showNotice(to)
			return
		}
		c.advance(to, note)
	})
}

// refused shows a refusal in place, with the cursor on the field to correct.
func (c *Counter) refused(what string, err error) {
	c.hallErr(what, err)
	switch app.ErrorCode(err) {
	case "no_name", "bad_name":
		c.focus(c.Name)
	case "bad_id":
		c.editID()
		c.status(false, app.UserMessage(err))
	case "bad_phone":
		c.focus(c.Phone)
	case "bad_agent":
		c.focus(c.Agent)
	case "bad_batch":
		c.focus(c.Batch)
	case "no_theme", "unknown_theme":
		c.focus(c.ThemeQuery)
	case "no_item", "dup_item", "unknown_item", "inactive_item", "theme_items":
		c.focus(c.ItemQuery)
	}
}

func (c *Counter) itemName(code string) string {
	if c.ThemeIt != nil && c.ThemeIt.Code == code {
		return c.ThemeIt.Name
	}
	for _, it := range c.Items {
		if it.Code == code {
			return it.Name
		}
	}
	return code
}

// notice builds the 一次性告知单 of the registration.
func (c *Counter) notice() Notice {
	n := Notice{Applicant: app.MaskName(strings.TrimSpace(c.Name.Text)), WindowNumber: c.windowNo}
	if len(c.Registered) > 0 {
		n.Serial, n.At = c.Registered[0].Serial, c.Registered[0].CreatedAt
	}
	if c.Clerk != nil {
		n.ClerkNo, n.ClerkName = c.Clerk.No, c.Clerk.Name
	}
	var codes []string
	if c.ThemeIt != nil {
		codes = append(codes, c.ThemeIt.Code)
	}
	for _, it := range c.Items {
		codes = append(codes, it.Code)
	}
	for _, code := range codes {
		if m := c.Missing[code]; len(m) > 0 {
			n.Items = append(n.Items, NoticeItem{Code: code, Name: c.itemName(code), Missing: m})
		}
	}
	return n
}

// showNotice shows (and prints) what the applicant must still bring; the
// clerk returns the 办件 with it, goes on anyway (容缺受理), or closes it.
func (c *Counter) showNotice(to app.TxStatus) {
	n := c.notice()
	c.NoticeShown = &n
	var b strings.Builder
	for _, it := range n.Items {
		fmt.Fprintf(&b, "%s：\n", it.Name)
		for i, m := range it.Missing {
			fmt.Fprintf(&b, "　%d. %s\n", i+1, m)
		}
	}
	body := widget.NewLabel(strings.TrimSpace(b.String()))
	body.Wrapping = fyne.TextWrapWord
	printed := widget.NewLabel("")
	printed.Wrapping = fyne.TextWrapWord
	if c.deps.PrintNotice != nil {
		printed.SetText("正在打印告知单…")
		Run(c.env, func(context.Context) (struct{}, error) {
			return struct{}{}, c.deps.PrintNotice(n)
		}, func(_ struct{}, err error) {
			if err != nil {
				c.env.log().Warn("counter: notice not printed", "serial", n.Serial, "err", err)
				printed.SetText("告知单未能打印：" + app.UserMessage(err) + "　请口头告知或手写")
				printed.Importance = widget.DangerImportance
			} else {
				printed.SetText("告知单已打印，请交给申请人")
			}
			printed.Refresh()
		})
	}
	head := widget.NewLabel(fmt.Sprintf("流水号 %s　申请人 %s\n以下材料尚未提交，请一次性告知申请人：", n.Serial, n.Applicant))
	head.Wrapping = fyne.TextWrapWord
	keys := hotkeys{}
	ret := newHKButton(keys, "退件并告知", nil)
	ret.Importance = widget.WarningImportance
	goOn := newHKButton(keys, "容缺继续"+to.Name(), nil)
	closeB := newHKButton(keys, "返回修改 (Esc)", nil)
	content := container.NewVBox(head, body, printed, container.NewGridWithColumns(3, ret, goOn, closeB))
	d := dialog.NewCustomWithoutButtons("一次性告知单", content, c.env.Win)
	ret.OnTapped = func() {
		d.Hide()
		c.advance(app.TxReturned, "材料不全，已一次性告知："+missingText(n))
	}
	goOn.OnTapped = func() { d.Hide(); c.advance(to, "容缺") }
	closeB.OnTapped = d.Hide
	c.env.escapable(d, keys, d.Hide)
	d.Resize(fyne.NewSize(620, 0))
	c.noticeDialog = d
	d.Show()
	c.env.Win.Canvas().Focus(closeB)
	c.status(false, "材料不全：已登记 "+n.Serial+"，请按告知单一次性告知申请人")
}

func missingText(n Notice) string {
	var parts []string
	for _, it := range n.Items {
		parts = append(parts, it.Name+"（"+strings.Join(it.Missing, "、")+"）")
	}
	return strings.Join(parts, "；")
}

// advance moves the registered 办件 (with its theme or batch) to `to`.
func (c *Counter) advance(to app.TxStatus, note string) {
	if len(c.Registered) == 0 || c.busy {
		return
	}
	head := c.Registered[0] // the theme parent, or the first of a batch: Advance moves the group
	c.busy = true
	Run(c.env, func(ctx context.Context) ([]app.Transaction, error) {
		return c.deps.Reg.Advance(ctx, c.Clerk, head.ID, to, note)
	}, func(txs []app.Transaction, err error) {
		c.busy = false
		if err != nil {
			c.hallErr("advance "+string(to), err)
			return
		}
		for _, t := range txs {
			if t.ID == head.ID {
				head = t
			}
		}
		if head.ItemName == "" {
			head.ItemName = c.itemName(head.ItemCode)
		}
		msg := fmt.Sprintf("%s：流水号 %s　%s", to.Name(), head.Serial, head.ItemName)
		switch {
		case to.Finished():
			msg += "　请申请人评价"
			if note := c.startRating(head); note != "" {
				msg += "（" + note + "）"
			}
		case to == app.TxAccepted && c.promised():
			// A 承诺件's acceptance is a visit of its own, rated at the
			// window (GB39734 7.1.1); the applicant comes back with the
			// receipt's 流水号 to finish it.
			msg += fmt.Sprintf("　承诺件，请申请人评价本次服务；凭回执流水号来办结（第%d次来办）", head.Visits)
			if note := c.startRating(head); note != "" {
				msg += "（" + note + "）"
			}
		}
		c.clearForm()
		c.status(true, msg)
	})
}

// promised reports whether the form's 办件 is a 承诺件 (any of its items).
func (c *Counter) promised() bool {
	for _, it := range c.Items {
		if !it.Instant {
			return true
		}
	}
	return false
}

// startRating starts the rating of tx on the keypad and/or the rating
// window; it returns what the clerk should be told about it ("" = nothing).
func (c *Counter) startRating(tx app.Transaction) string {
	if c.deps.StartRating != nil {
		c.deps.StartRating(tx)
	}
	if c.deps.ShowRating != nil {
		t := RatingTarget{Tx: tx, ItemName: tx.ItemName, WindowNumber: c.windowNo}
		if c.Clerk != nil {
			t.ClerkNo, t.ClerkName = c.Clerk.No, c.Clerk.Name
		}
		c.deps.ShowRating(t)
		if c.deps.RatingNote != nil {
			return c.deps.RatingNote()
		}
	}
	return ""
}

func (c *Counter) confirmClear() {
	if c.isEmptyDraft(c.draft()) {
		return
	}
	msg := "清空后已填写的内容将丢失，确定清空？"
	if c.locked() {
		msg = "办件 " + c.Registered[0].Serial + " 已登记但尚未受理或办结，清空后将无法在本窗口继续办理。确定清空？"
	}
	keys := hotkeys{}
	d := c.env.keyConfirm("清空表单", "清空", "取消 (Esc)", widget.NewLabel(msg), keys, func() {
		c.clearForm()
		c.status(true, "表单已清空")
	})
	d.Show()
}

// clearForm empties the form (and the draft) for the next person.
func (c *Counter) clearForm() {
	c.restored = true
	c.Registered, c.Missing, c.Items, c.ThemeIt, c.IDNumber = nil, nil, nil, nil, ""
	c.received = map[string]map[string]bool{}
	for _, e := range []*hkEntry{c.Name, c.ID, c.Phone, c.Batch, c.ThemeQuery, c.Agent, c.ItemQuery} {
		e.Enable()
		setText(&e.Entry, "")
	}
	c.Theme.SetChecked(false)
	setHint(c.IDHint, "", widget.LowImportance)
	setHint(c.PhoneHint, "", widget.DangerImportance)
	c.showIDMode(false)
	c.showResults(nil)
	c.restored = false
	c.lockForm()
	c.themeChanged() // saves the empty draft
	c.focus(c.Name)
}

// setHint shows a field's hint under it, or hides it (no empty line) when
// there is nothing to say.
func setHint(l *widget.Label, text string, imp widget.Importance) {
	l.Text, l.Importance = text, imp
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
	l.Refresh()
}
