package screens

import (
	"context"
	"fmt"
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

// Ledger is the manager's 差评台账: the work orders filtered by state or
// deadline and by window, clerk and item, each with its deadlines (overdue in
// red), the full history of the selected order, and buttons for the steps of
// the loop, classification and reassignment, and the appeal decision.
type Ledger struct {
	Filter *widget.Select
	// WindowFilter, ClerkFilter and ItemFilter narrow the list; their first
	// option (全部…) selects everything.
	WindowFilter, ClerkFilter, ItemFilter *widget.Select
	// Search finds orders by 工单号, 流水号, name or item (Enter searches);
	// CategoryFilter narrows by 类别, From and To by the order's date
	// (年-月-日, both days included).
	Search         *hkEntry
	CategoryFilter *widget.Select
	From, To       *hkEntry
	// Export writes what is listed to xlsx with ExportXLSX and opens it.
	Export     *widget.Button
	ExportXLSX func(ctx context.Context, f app.LedgerFilter) (path string, err error)
	// Exported is the last file written (for tests); Filtered the filter of
	// the list shown.
	Exported string
	Filtered app.LedgerFilter
	// List is the table of orders; a click on a column's header sorts by it.
	List    *widget.Table
	Count   *widget.Label
	Detail  *fyne.Container // the selected order: summary, deadlines, history
	Back    *widget.Button
	Refresh *widget.Button
	// Step buttons, enabled when an order is selected.
	Contact, Verify, Rectify, OnSite, CallBack, Close *widget.Button
	// Notify records that the rated clerk was told (SZ 25), without the
	// evaluator's data; the appeal window may count from it.
	Notify *widget.Button
	// Assign (分类/转办) classifies the order and changes who is responsible,
	// with a reason; Decide (申诉裁定) decides the clerk's pending appeal.
	Assign, Decide *widget.Button
	// Print (打印工单) writes the selected order's sheet with PrintSheet and
	// opens it; hidden while PrintSheet is nil.
	Print      *widget.Button
	PrintSheet func(ctx context.Context, id int64) (path string, err error)
	// PrintListed (打印所列工单) writes the sheets of every order listed into
	// one PDF with PrintSheets (the month's binder); hidden while it is nil.
	PrintListed *widget.Button
	PrintSheets func(ctx context.Context, ids []int64) (path string, err error)
	// Printed is the last sheet written (for tests).
	Printed string
	// OnBack runs when the user leaves the ledger.
	OnBack func()

	// Entries are the orders listed; Selected is the chosen order (nil when none).
	Entries  []app.LedgerEntry // as listed (sorted)
	loaded   []app.LedgerEntry // as the service returned them
	sortCol  int               // 1-based column of ledgerCols; 0 = the ledger's order
	sortDesc bool
	Selected *app.OrderDetail
	// Form is the step form on show (for tests).
	Form *StepForm

	env  *Env
	svc  *app.Service
	user *app.Staff
	obj  fyne.CanvasObject

	// choices of the filters and the assignee list, by option label
	windowByLabel map[string]int64
	clerkByLabel  map[string]int64
	itemByLabel   map[string]string
	assignees     []string // active staff, as staffLabel
	assigneeID    map[string]int64
}

// First options of the window, clerk and item filters.
const (
	allWindows = "全部窗口"
	allClerks  = "全部人员"
	allItems   = "全部事项"
)

func windowLabel(w app.Window) string { return fmt.Sprintf("%d号窗口 %s", w.Number, w.Name) }
func staffLabel(s app.Staff) string   { return s.No + " " + s.Name }
func itemLabel(it app.ServiceItem) string {
	return it.Name + "（" + it.Code + "）"
}

// Work-order categories offered by 分类/转办, in order.
var categoryChoices = []app.OrderCategory{app.CatItem, app.CatSystem, app.CatStaff}

// Appeal decisions offered by 申诉裁定.
var decisionChoices = []struct {
	label string
	v     app.Verdict
}{
	{"申诉不成立，维持有效差评", app.VerdictValid},
	{"申诉成立，认定为误评", app.VerdictMistaken},
	{"申诉成立，认定为恶意评价", app.VerdictMalicious},
}

// Ledger filters, in the order offered.
var ledgerFilters = []struct {
	name string
	f    app.LedgerFilter
}{
	{"未办结", app.LedgerFilter{OpenOnly: true}},
	{"已超期", app.LedgerFilter{OpenOnly: true, OverdueOnly: true}},
	{"即将到期", app.LedgerFilter{OpenOnly: true, DueSoonOnly: true}},
	{"待联系", app.LedgerFilter{State: app.OrderOpen}},
	{"已联系", app.LedgerFilter{State: app.OrderContacted}},
	{"整改中", app.LedgerFilter{State: app.OrderRectifying}},
	{"待回访", app.LedgerFilter{State: app.OrderRectified}},
	{"已回访", app.LedgerFilter{State: app.OrderCalledBack}},
	{"已办结", app.LedgerFilter{State: app.OrderClosed}},
	{"全部", app.LedgerFilter{}},
}

// NewLedger builds the ledger screen; call Reload to fill it.
func NewLedger(env *Env, svc *app.Service, user *app.Staff) *Ledger {
	l := &Ledger{env: env, svc: svc, user: user}
	var names []string
	for _, f := range ledgerFilters {
		names = append(names, f.name)
	}
	l.Filter = newSelect(names, func(string) { l.Reload() })
	l.Filter.Selected = names[0]
	l.WindowFilter = newSelect([]string{allWindows}, func(string) { l.Reload() })
	l.WindowFilter.Selected = allWindows
	l.ClerkFilter = newSelect([]string{allClerks}, func(string) { l.Reload() })
	l.ClerkFilter.Selected = allClerks
	l.ItemFilter = newSelect([]string{allItems}, func(string) { l.Reload() })
	l.ItemFilter.Selected = allItems
	l.Count = widget.NewLabel("")
	keys := hotkeys{}
	l.Search = newHKEntry(keys, "工单号、流水号、姓名或事项，回车查找")
	l.Search.OnSubmitted = func(string) { l.Reload() }
	l.From = newHKEntry(keys, "起 年-月-日")
	l.To = newHKEntry(keys, "止 年-月-日")
	l.From.OnSubmitted = func(string) { l.Reload() }
	l.To.OnSubmitted = func(string) { l.Reload() }
	cats := []string{"全部类别"}
	for _, c := range categoryChoices {
		cats = append(cats, c.Name())
	}
	l.CategoryFilter = newSelect(cats, func(string) { l.Reload() })
	l.CategoryFilter.Selected = cats[0]
	l.Export = widget.NewButton("导出 Excel", l.export)
	l.Export.Hide()
	l.PrintListed = widget.NewButton("打印所列工单", l.printListed)
	l.PrintListed.Hide()
	l.Back = widget.NewButton("返回首页", func() {
		if l.OnBack != nil {
			l.OnBack()
		}
	})
	l.Refresh = widget.NewButton("刷新", l.Reload)
	l.List = newLedgerTable(l)
	l.Contact = widget.NewButton("联系评价人", func() { l.showForm(app.StepContacted) })
	l.Verify = widget.NewButton("核实", func() { l.showForm(app.StepVerified) })
	l.Rectify = widget.NewButton("整改", func() { l.showForm(app.StepRectified) })
	l.OnSite = widget.NewButton("现场化解", func() { l.showForm(app.StepOnSite) })
	l.CallBack = widget.NewButton("回访", func() { l.showForm(app.StepCalledBack) })
	l.Close = widget.NewButton("办结", func() { l.showForm(app.StepClosed) })
	l.Notify = widget.NewButton("通知被评价人", func() { l.showForm(app.StepNotified) })
	l.Assign = widget.NewButton("分类/转办", func() { l.showForm(app.StepAssigned) })
	l.Decide = widget.NewButton("申诉裁定", func() { l.showForm(app.StepAppealDecision) })
	l.Print = widget.NewButton("打印工单", l.printSheet)
	l.Print.Hide()
	l.Detail = container.NewVBox(widget.NewLabel("请在左侧选择工单"))
	l.setButtons()

	title := widget.NewLabelWithStyle("差评台账", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, container.NewHBox(title, widget.NewLabel("筛选："), l.Filter, l.Count),
		container.NewHBox(l.Refresh, l.Back))
	filters := container.NewHBox(widget.NewLabel("窗口："), l.WindowFilter, widget.NewLabel("被评价人："), l.ClerkFilter,
		widget.NewLabel("事项："), l.ItemFilter)
	search := container.NewBorder(nil, nil, widget.NewLabel("查找："),
		container.NewHBox(l.CategoryFilter, widget.NewLabel("评价日期："), container.New(&fixedWidth{w: 130}, l.From),
			container.New(&fixedWidth{w: 130}, l.To), l.Export, l.PrintListed), l.Search)
	top = container.NewVBox(top, container.NewHScroll(filters), search)
	buttons := container.NewGridWithColumns(3, l.Contact, l.Verify, l.Rectify, l.OnSite, l.CallBack, l.Close,
		l.Assign, l.Decide, l.Notify, l.Print)
	right := container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(container.NewPadded(l.Detail)))
	split := container.NewHSplit(card("工单列表（红色为已超期）", l.List), card("工单详情", right))
	split.Offset = 0.6 // the table's columns at 1024×768
	l.obj = container.NewBorder(container.NewPadded(top), nil, nil, nil, split)
	l.loadChoices()
	return l
}

// loadChoices fills the window, clerk and item filters and the assignee list.
func (l *Ledger) loadChoices() {
	Run(l.env, func(ctx context.Context) (*app.LedgerChoices, error) {
		return l.svc.LedgerChoices(ctx, l.user)
	}, func(c *app.LedgerChoices, err error) {
		if err != nil {
			l.env.ShowError("ledger choices failed", "读取窗口、人员和事项未成功", err, nil)
			return
		}
		l.windowByLabel, l.clerkByLabel, l.itemByLabel = map[string]int64{}, map[string]int64{}, map[string]string{}
		l.assignees, l.assigneeID = nil, map[string]int64{}
		wins, clerks, items := []string{allWindows}, []string{allClerks}, []string{allItems}
		for _, w := range c.Windows {
			wins = append(wins, windowLabel(w))
			l.windowByLabel[windowLabel(w)] = w.ID
		}
		for _, s := range c.Staff {
			clerks = append(clerks, staffLabel(s))
			l.clerkByLabel[staffLabel(s)] = s.ID
			if s.Active {
				l.assignees = append(l.assignees, staffLabel(s))
				l.assigneeID[staffLabel(s)] = s.ID
			}
		}
		for _, it := range c.Items {
			items = append(items, itemLabel(it))
			l.itemByLabel[itemLabel(it)] = it.Code
		}
		l.WindowFilter.SetOptions(wins)
		l.ClerkFilter.SetOptions(clerks)
		l.ItemFilter.SetOptions(items)
	})
}

// Content is the screen's canvas object.
func (l *Ledger) Content() fyne.CanvasObject { return l.obj }

// Reload reads the ledger with the chosen filter.
func (l *Ledger) Reload() {
	f := ledgerFilters[0].f
	for _, x := range ledgerFilters {
		if x.name == l.Filter.Selected {
			f = x.f
		}
	}
	f.WindowID = l.windowByLabel[l.WindowFilter.Selected]
	f.ClerkID = l.clerkByLabel[l.ClerkFilter.Selected]
	f.ItemCode = l.itemByLabel[l.ItemFilter.Selected]
	f.Query = strings.TrimSpace(l.Search.Text)
	for _, c := range categoryChoices {
		if c.Name() == l.CategoryFilter.Selected {
			f.Category = c
		}
	}
	var bad string
	if f.From, bad = ledgerDay(l.From.Text, 0); bad != "" {
		l.Count.SetText(bad)
		return
	}
	if f.To, bad = ledgerDay(l.To.Text, 1); bad != "" {
		l.Count.SetText(bad)
		return
	}
	l.Filtered = f
	Run(l.env, func(ctx context.Context) ([]app.LedgerEntry, error) {
		return l.svc.Ledger(ctx, l.user, f)
	}, func(es []app.LedgerEntry, err error) {
		if err != nil {
			l.env.ShowError("ledger load failed", "读取差评台账未成功", err, nil)
			return
		}
		l.loaded = es
		l.applySort()
		l.Count.SetText(fmt.Sprintf("共 %d 件", len(es)))
		l.List.UnselectAll()
		l.List.Refresh()
		if l.Selected != nil {
			l.Select(l.Selected.Order.ID)
		}
	})
}

// ledgerDay reads a 年-月-日 field: the start of that day plus add days
// (1 for the inclusive end of a range); "" is no bound.
func ledgerDay(s string, add int) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, ""
	}
	d, err := time.ParseInLocation("2006-01-02", s, app.ChinaTime)
	if err != nil {
		return time.Time{}, "日期应写成 年-月-日，如 2026-11-01"
	}
	return d.AddDate(0, 0, add), ""
}

// SetExport enables 导出 Excel, which writes the listed orders with f.
func (l *Ledger) SetExport(f func(ctx context.Context, lf app.LedgerFilter) (string, error)) {
	l.ExportXLSX = f
	l.Export.Show()
}

// export writes the orders as filtered to an xlsx and opens it.
func (l *Ledger) export() {
	if l.ExportXLSX == nil {
		return
	}
	f := l.Filtered
	l.Export.Disable()
	RunWithProgress(l.env, "导出 Excel", fmt.Sprintf("正在导出所列的 %d 件工单…", len(l.Entries)),
		func(ctx context.Context) (string, error) { return l.ExportXLSX(ctx, f) },
		func(path string, err error) {
			l.Export.Enable()
			if err != nil {
				l.env.ShowError("ledger export failed", "导出未成功", err, nil)
				return
			}
			l.Exported = path
			openFile(l.env, path)
		})
}

// Select shows the full history of order id.
func (l *Ledger) Select(id int64) {
	Run(l.env, func(ctx context.Context) (*app.OrderDetail, error) {
		return l.svc.OrderDetail(ctx, l.user, id)
	}, func(d *app.OrderDetail, err error) {
		if err != nil {
			l.env.ShowError("order detail failed", "读取工单未成功", err, nil)
			return
		}
		l.Selected = d
		l.List.Refresh() // the selected row's background
		l.showDetail()
		l.setButtons()
	})
}

func (l *Ledger) setButtons() {
	all := []*widget.Button{l.Contact, l.Verify, l.Rectify, l.OnSite, l.CallBack, l.Close, l.Assign, l.Decide, l.Notify}
	for _, b := range all {
		if l.Selected == nil || l.Selected.Order.State == app.OrderClosed {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if l.Selected != nil && !l.Selected.Order.RectifiedAt.IsZero() {
		l.OnSite.Disable()
	}
	if l.Selected == nil || !l.Selected.Appeal.Pending() {
		l.Decide.Disable()
	}
	if l.Selected == nil {
		l.Print.Disable()
	} else {
		l.Print.Enable()
	}
}

// SetPrintSheet enables 打印工单.
func (l *Ledger) SetPrintSheet(f func(ctx context.Context, id int64) (string, error)) {
	l.PrintSheet = f
	if f != nil {
		l.Print.Show()
	}
}

// SetPrintSheets enables 打印所列工单.
func (l *Ledger) SetPrintSheets(f func(ctx context.Context, ids []int64) (string, error)) {
	l.PrintSheets = f
	if f != nil {
		l.PrintListed.Show()
	}
}

// printListed writes every listed order's sheet into one PDF and opens it.
func (l *Ledger) printListed() {
	if l.PrintSheets == nil || len(l.Entries) == 0 {
		return
	}
	ids := make([]int64, len(l.Entries))
	for i, e := range l.Entries {
		ids[i] = e.Order.ID
	}
	l.PrintListed.Disable()
	RunWithProgress(l.env, "打印所列工单", fmt.Sprintf("正在生成 %d 张差评工单…", len(ids)),
		func(ctx context.Context) (string, error) { return l.PrintSheets(ctx, ids) },
		func(path string, err error) {
			l.PrintListed.Enable()
			if err != nil {
				l.env.ShowError("work order sheets failed", "打印工单未成功", err, nil)
				return
			}
			l.Printed = path
			docReady(l.env, fmt.Sprintf("%d 张差评工单", len(ids)), path)
		})
}

// printSheet writes the selected order's sheet and offers to print or open
// it (docReady; a closed order can be printed too, for the binder).
func (l *Ledger) printSheet() {
	if l.Selected == nil || l.PrintSheet == nil {
		return
	}
	id := l.Selected.Order.ID
	l.Print.Disable()
	Run(l.env, func(ctx context.Context) (string, error) {
		return l.PrintSheet(ctx, id)
	}, func(path string, err error) {
		l.setButtons()
		if err != nil {
			l.env.ShowError("work order sheet failed", "打印工单未成功", err, nil)
			return
		}
		l.Printed = path
		docReady(l.env, fmt.Sprintf("差评工单 %d", id), path)
	})
}

func (l *Ledger) showDetail() {
	d := l.Selected
	o := d.Order
	l.Detail.Objects = nil
	add := func(s string) {
		lb := widget.NewLabel(s)
		lb.Wrapping = fyne.TextWrapWord
		l.Detail.Add(lb)
	}
	l.Detail.Add(boldLabel(fmt.Sprintf("工单%d  %s", o.ID, o.State.Name())))
	add(fmt.Sprintf("事项：%s　被评价人：%s　分类：%s　责任人：%s", d.ItemName, d.ClerkName, o.Category.Name(), d.AssigneeName))
	add(fmt.Sprintf("评价：%s（%s，%s）　标签：%s", d.Level.Name(), d.Channel.Name(), d.RatedAt.Format("2006-01-02 15:04"),
		strings.Join(d.Tags, "、")))
	if d.Text != "" {
		add("评价内容：" + d.Text)
	}
	if d.EvaluatorName != "" || d.EvaluatorTel != "" {
		add(fmt.Sprintf("评价人：%s %s", d.EvaluatorName, d.EvaluatorTel))
	}
	add("核实结论：" + o.Verdict.Name())
	l.Detail.Add(boldLabel("期限"))
	for _, due := range d.Dues {
		s := fmt.Sprintf("%s：%s", due.Kind.Name(), due.Due.Format("2006-01-02"))
		c := colInk
		switch {
		case due.Done() && due.Late:
			s += fmt.Sprintf("　已完成（%s，超期完成）", due.DoneAt.Format("01-02 15:04"))
		case due.Done():
			s += fmt.Sprintf("　已完成（%s）", due.DoneAt.Format("01-02 15:04"))
		case due.Overdue:
			s += "　已超期"
			c = colError
		case due.DueSoon:
			s += "　即将到期"
		}
		t := canvas.NewText(s, c)
		l.Detail.Add(t)
		if due.Rule != "" {
			r := widget.NewLabel("　时限：" + due.Rule)
			r.Wrapping = fyne.TextWrapWord
			r.Importance = widget.LowImportance
			l.Detail.Add(r)
		}
	}
	if a := d.Appeal; a != nil {
		l.Detail.Add(boldLabel("申诉"))
		add(fmt.Sprintf("%s 提出：%s（复核期限 %s）", a.FiledAt.Format("01-02 15:04"), a.Evidence, a.ReviewDue.Format("01-02")))
		if !a.Pending() {
			add(fmt.Sprintf("%s 复核：%s，%s", a.DecidedAt.Format("01-02 15:04"), a.Verdict.Name(), a.Reason))
		}
	}
	l.Detail.Add(boldLabel("处理记录"))
	if len(d.Steps) == 0 {
		add("（暂无）")
	}
	for _, st := range d.Steps {
		add(fmt.Sprintf("%s　%s　%s　%s", st.At.Format("01-02 15:04"), st.Name, st.StaffName, st.Detail))
	}
	l.Detail.Refresh()
}

// StepForm is the Chinese form for one step of the loop.
type StepForm struct {
	Kind     app.StepKind
	Detail   *hkEntry
	Choice   *widget.Select // verdict (核实) or call-back result (回访)
	Problem  *hkEntry       // on-site
	Action   *hkEntry
	Response *hkEntry
	// Pinyin is the built-in pinyin input of the note (F5).
	Pinyin   *pinyinField
	ReRated  *widget.Check
	Category *widget.Select // 分类/转办
	Assignee *widget.Select
	dlg      dialog.Dialog
	submit   func()
}

// Submit saves the form, as the 保存 button does.
func (f *StepForm) Submit() { f.submit() }

var verdictChoices = map[string]app.Verdict{"有效差评": app.VerdictValid, "误评": app.VerdictMistaken, "恶意评价": app.VerdictMalicious}

func (l *Ledger) showForm(kind app.StepKind) {
	if l.Selected == nil {
		return
	}
	id := l.Selected.Order.ID
	keys := hotkeys{}
	f := &StepForm{Kind: kind, Detail: newHKEntry(keys, "")}
	f.Detail.MultiLine = true
	f.Detail.Wrapping = fyne.TextWrapWord
	py := &pinyinSwitch{}
	f.Pinyin = newPinyinField(py, f.Detail, pinyinime.Text)
	keys[keyPinyin] = func() { py.on = !py.on; f.Pinyin.off() }
	note := container.NewVBox(f.Detail, f.Pinyin.Bar)
	var items []*widget.FormItem
	title := app.StepName(string(kind))
	o := l.Selected.Order
	switch kind {
	case app.StepAssigned:
		title = "分类/转办"
		var cats []string
		for _, c := range categoryChoices {
			cats = append(cats, c.Name())
		}
		f.Category = newSelect(cats, nil)
		if o.Category != "" {
			f.Category.Selected = o.Category.Name()
		}
		f.Assignee = newSelect(l.assignees, nil)
		for label, sid := range l.assigneeID {
			if sid == o.AssigneeID {
				f.Assignee.Selected = label
			}
		}
		f.Detail.SetPlaceHolder("分类或更换责任人的原因（必填）")
		items = append(items, widget.NewFormItem("分类", f.Category), widget.NewFormItem("责任人", f.Assignee),
			widget.NewFormItem("原因", note))
	case app.StepAppealDecision:
		title = "申诉裁定"
		var labels []string
		for _, c := range decisionChoices {
			labels = append(labels, c.label)
		}
		f.Choice = newSelect(labels, nil)
		f.Detail.SetPlaceHolder("复核依据（申诉材料、与评价人沟通、调阅监控、调查等）")
		if a := l.Selected.Appeal; a != nil {
			ev := widget.NewLabel(a.Evidence)
			ev.Wrapping = fyne.TextWrapWord
			items = append(items, widget.NewFormItem("申诉理由", ev))
		}
		items = append(items, widget.NewFormItem("复核结论", f.Choice), widget.NewFormItem("复核依据", note))
	case app.StepContacted:
		f.Detail.SetPlaceHolder("联系方式（电话、上门）和结果")
		items = append(items, widget.NewFormItem("联系情况", note))
	case app.StepVerified:
		f.Choice = newSelect([]string{"有效差评", "误评", "恶意评价"}, nil)
		f.Detail.SetPlaceHolder("核实方式和依据（调阅监控、询问当事人、评价器记录等）")
		items = append(items, widget.NewFormItem("核实结论", f.Choice), widget.NewFormItem("核实依据", note))
	case app.StepRectified:
		f.Detail.SetPlaceHolder("立行立改 / 列入整改台账 / 解释说明，写明措施")
		items = append(items, widget.NewFormItem("整改情况", note))
	case app.StepCalledBack:
		f.Choice = newSelect([]string{string(app.CallbackSatisfied), string(app.CallbackBasic), string(app.CallbackNotSatisfied)}, nil)
		f.Detail.SetPlaceHolder("回访方式和评价人意见")
		items = append(items, widget.NewFormItem("对整改结果", f.Choice), widget.NewFormItem("回访情况", note))
	case app.StepNotified:
		f.Detail.SetPlaceHolder("告知被评价人的内容和方式（不写评价人的姓名、电话）")
		items = append(items, widget.NewFormItem("通知内容", note))
	case app.StepClosed:
		f.Detail.SetPlaceHolder("处理结果已反馈评价人并上报")
		items = append(items, widget.NewFormItem("办结说明", note))
	case app.StepOnSite:
		f.Problem, f.Action, f.Response = newHKEntry(keys, ""), newHKEntry(keys, ""), newHKEntry(keys, "")
		f.ReRated = widget.NewCheck("群众已重新评价", nil)
		items = append(items, widget.NewFormItem("问题", f.Problem), widget.NewFormItem("处理", f.Action),
			widget.NewFormItem("群众意见", f.Response), widget.NewFormItem("", f.ReRated))
	}
	f.submit = func() {
		Run(l.env, func(ctx context.Context) (app.WorkOrder, error) {
			switch kind {
			case app.StepOnSite:
				return l.svc.RecordOnSite(ctx, l.user, id, app.OnSiteInput{Problem: f.Problem.Text, Action: f.Action.Text,
					Response: f.Response.Text, ReRated: f.ReRated.Checked})
			case app.StepAssigned:
				in := app.AssignInput{AssigneeID: l.assigneeID[f.Assignee.Selected], Reason: f.Detail.Text}
				for _, c := range categoryChoices {
					if c.Name() == f.Category.Selected {
						in.Category = c
					}
				}
				return l.svc.Assign(ctx, l.user, id, in)
			case app.StepAppealDecision:
				v := app.Verdict("")
				for _, c := range decisionChoices {
					if c.label == f.Choice.Selected {
						v = c.v
					}
				}
				return l.svc.DecideAppeal(ctx, l.user, id, v, f.Detail.Text)
			}
			in := app.StepInput{Kind: kind, Detail: f.Detail.Text}
			if f.Choice != nil {
				if kind == app.StepVerified {
					in.Verdict = verdictChoices[f.Choice.Selected]
				} else {
					in.Callback = app.CallbackResult(f.Choice.Selected)
				}
			}
			return l.svc.RecordStep(ctx, l.user, id, in)
		}, func(_ app.WorkOrder, err error) {
			if err != nil {
				l.env.ShowError("record step failed", title+"未保存", err, nil)
				return
			}
			if f.dlg != nil {
				f.dlg.Hide()
			}
			l.Form = nil
			l.Reload()
		})
	}
	form := widget.NewForm(items...)
	f.dlg = dialog.NewCustomConfirm(fmt.Sprintf("工单%d：%s", id, title), "保存", "取消", form, func(ok bool) {
		if ok {
			f.submit()
		}
	}, l.env.Win)
	f.dlg.Resize(fyne.NewSize(520, 0))
	l.Form = f
	l.env.escapable(f.dlg, keys, f.dlg.Hide)
	f.dlg.Show()
}

// openLedger shows the ledger in the dashboard's window; 返回首页 brings the
// dashboard back, refreshed.
func (d *Dashboard) openLedger() {
	l := NewLedger(d.env, d.svc, d.user)
	if d.PrintSheet != nil {
		user := d.user
		l.SetPrintSheet(func(ctx context.Context, id int64) (string, error) { return d.PrintSheet(ctx, user, id) })
	}
	if d.PrintSheets != nil {
		user := d.user
		l.SetPrintSheets(func(ctx context.Context, ids []int64) (string, error) { return d.PrintSheets(ctx, user, ids) })
	}
	if d.ExportLedger != nil {
		user := d.user
		l.SetExport(func(ctx context.Context, f app.LedgerFilter) (string, error) { return d.ExportLedger(ctx, user, f) })
	}
	d.LedgerScreen = l
	l.OnBack = d.ShowSub("ledger", l.Content())
	l.Reload()
}
