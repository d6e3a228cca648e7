package screens

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// MyOrders is what a clerk sees after login: the bad-review work orders about
// them (Service.MyOrders), never with the evaluator's identity, and a 申诉
// button to appeal within the limit.
type MyOrders struct {
	List    *widget.List
	Count   *widget.Label
	Detail  *fyne.Container
	Appeal  *widget.Button // 申诉: enabled when the selected order can be appealed
	Refresh *widget.Button
	Logout  *widget.Button
	// Back (返回窗口) is shown by SetBack: the clerk came from the counter.
	Back *widget.Button
	// OnLogout runs when the clerk signs out.
	OnLogout func()

	// Orders are the clerk's orders, newest first; Selected is the chosen one.
	Orders   []app.ClerkOrder
	Selected *app.ClerkOrder
	// Form is the appeal form on show (for tests).
	Form *AppealForm

	env  *Env
	svc  *app.Service
	user *app.Staff
	obj  fyne.CanvasObject
}

// AppealForm is the clerk's 申诉 form.
type AppealForm struct {
	Evidence *widget.Entry
	dlg      dialog.Dialog
	submit   func()
}

// Submit files the appeal, as the 提交申诉 button does.
func (f *AppealForm) Submit() { f.submit() }

// NewMyOrders builds the clerk's view; call Reload to fill it.
func NewMyOrders(env *Env, svc *app.Service, user *app.Staff) *MyOrders {
	m := &MyOrders{env: env, svc: svc, user: user}
	m.Count = widget.NewLabel("")
	m.Refresh = widget.NewButton("刷新", m.Reload)
	m.Logout = widget.NewButton("退出登录", func() {
		if m.OnLogout != nil {
			m.OnLogout()
		}
	})
	m.Back = widget.NewButton("返回窗口", nil)
	m.Back.Hide()
	m.Appeal = widget.NewButton("申诉", m.showAppeal)
	m.Appeal.Importance = widget.HighImportance
	m.Appeal.Disable()
	m.List = widget.NewList(func() int { return len(m.Orders) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(myOrderRow(m.Orders[i])) })
	m.List.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(m.Orders) {
			m.show(m.Orders[i].ID)
		}
	}
	m.Detail = container.NewVBox(widget.NewLabel("请在左侧选择工单"))

	who := ""
	if user != nil {
		who = user.No + " " + user.Name
	}
	title := widget.NewLabelWithStyle("我的差评工单", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, container.NewHBox(title, widget.NewLabel(who), m.Count),
		container.NewHBox(m.Refresh, m.Back, m.Logout))
	note := widget.NewLabel("评价人的姓名和联系方式不向被评价人显示。对差评有异议的，可在申诉期限内提出申诉并说明理由和证据。")
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	right := container.NewBorder(nil, container.NewGridWithColumns(4, m.Appeal), nil, nil,
		container.NewVScroll(container.NewPadded(m.Detail)))
	split := container.NewHSplit(card("差评工单", m.List), card("工单详情", right))
	split.Offset = 0.45
	m.obj = container.NewBorder(container.NewPadded(container.NewVBox(top, note)), nil, nil, nil, split)
	return m
}

// Content is the screen's canvas object.
func (m *MyOrders) Content() fyne.CanvasObject { return m.obj }

// SetBack shows 返回窗口, which runs back.
func (m *MyOrders) SetBack(back func()) {
	m.Back.OnTapped = back
	m.Back.Show()
}

// myOrderRow is one line of the clerk's list.
func myOrderRow(c app.ClerkOrder) string {
	s := fmt.Sprintf("工单%d  %s  %s  %s", c.ID, c.CreatedAt.Format("01-02"), c.ItemName, c.State.Name())
	switch {
	case c.Appeal.Pending():
		s += "  申诉待复核"
	case c.Appeal != nil:
		s += "  申诉已复核"
	case c.CanAppeal && c.AppealDue.IsZero():
		s += "  可申诉"
	case c.CanAppeal:
		s += fmt.Sprintf("  可申诉至 %s", c.AppealDue.Format("01-02"))
	}
	return s
}

// Reload reads the clerk's orders, keeping the selected one.
func (m *MyOrders) Reload() {
	Run(m.env, func(ctx context.Context) ([]app.ClerkOrder, error) {
		return m.svc.MyOrders(ctx, m.user)
	}, func(list []app.ClerkOrder, err error) {
		if err != nil {
			m.env.ShowError("my orders load failed", "读取我的差评工单未成功", err, nil)
			return
		}
		m.Orders = list
		m.Count.SetText(fmt.Sprintf("共 %d 件", len(list)))
		m.List.Refresh()
		if m.Selected != nil {
			m.show(m.Selected.ID)
		}
	})
}

// show shows order id from the loaded list.
func (m *MyOrders) show(id int64) {
	m.Selected = nil
	for i := range m.Orders {
		if m.Orders[i].ID == id {
			m.Selected = &m.Orders[i]
		}
	}
	m.Appeal.Disable()
	m.Detail.Objects = nil
	c := m.Selected
	if c == nil {
		m.Detail.Add(widget.NewLabel("请在左侧选择工单"))
		m.Detail.Refresh()
		return
	}
	if c.CanAppeal {
		m.Appeal.Enable()
	}
	add := func(s string) {
		lb := widget.NewLabel(s)
		lb.Wrapping = fyne.TextWrapWord
		m.Detail.Add(lb)
	}
	m.Detail.Add(boldLabel(fmt.Sprintf("工单%d  %s", c.ID, c.State.Name())))
	add(fmt.Sprintf("事项：%s　分类：%s　核实结论：%s", c.ItemName, c.Category.Name(), c.Verdict.Name()))
	add(fmt.Sprintf("评价：%s（%s）　标签：%s", c.Level.Name(), c.CreatedAt.Format("2006-01-02 15:04"), strings.Join(c.Tags, "、")))
	if c.Text != "" {
		add("评价内容：" + c.Text)
	}
	m.Detail.Add(boldLabel("期限"))
	p := m.svc.Profile
	add("联系评价人：" + c.ContactDue.Format("2006-01-02") + "　" + p.DueRule(app.DueContact, c.Category))
	add("办结：" + c.FinishDue.Format("2006-01-02") + "　" + p.DueRule(app.DueFinish, c.Category))
	appealLine := "申诉：" + c.AppealDue.Format("2006-01-02") + " 前　" + p.AppealRule()
	if c.AppealDue.IsZero() {
		appealLine = "申诉：" + p.AppealRule() + "（尚未通知）"
	}
	if c.CanAppeal {
		appealLine += "　可申诉"
	}
	add(appealLine)
	if a := c.Appeal; a != nil {
		m.Detail.Add(boldLabel("申诉"))
		add(fmt.Sprintf("%s 提出：%s", a.FiledAt.Format("01-02 15:04"), a.Evidence))
		if a.Pending() {
			add(fmt.Sprintf("待负责人复核（复核期限 %s）", a.ReviewDue.Format("01-02")))
		} else {
			add(fmt.Sprintf("%s 复核：%s，%s", a.DecidedAt.Format("01-02 15:04"), a.Verdict.Name(), a.Reason))
		}
	}
	m.Detail.Add(boldLabel("处理记录"))
	if len(c.Steps) == 0 {
		add("（暂无）")
	}
	for _, st := range c.Steps {
		add(strings.TrimSpace(fmt.Sprintf("%s　%s　%s", st.At.Format("01-02 15:04"), st.Name, st.Detail)))
	}
	m.Detail.Refresh()
}

// showAppeal shows the 申诉 form for the selected order.
func (m *MyOrders) showAppeal() {
	if m.Selected == nil {
		return
	}
	id := m.Selected.ID
	f := &AppealForm{Evidence: widget.NewMultiLineEntry()}
	f.Evidence.Wrapping = fyne.TextWrapWord
	f.Evidence.SetPlaceHolder("申诉理由及证据材料（如办件记录、监控时段、证人等）")
	f.submit = func() {
		Run(m.env, func(ctx context.Context) (app.WorkOrder, error) {
			return m.svc.FileAppeal(ctx, m.user, id, f.Evidence.Text)
		}, func(_ app.WorkOrder, err error) {
			if err != nil {
				m.env.ShowError("file appeal failed", "申诉未提交", err, nil)
				return
			}
			if f.dlg != nil {
				f.dlg.Hide()
			}
			m.Form = nil
			m.Reload()
		})
	}
	form := widget.NewForm(widget.NewFormItem("申诉理由", f.Evidence))
	f.dlg = dialog.NewCustomConfirm(fmt.Sprintf("工单%d：申诉", id), "提交申诉", "取消", form, func(ok bool) {
		if ok {
			f.submit()
		}
	}, m.env.Win)
	f.dlg.Resize(fyne.NewSize(520, 0))
	m.Form = f
	m.env.escapable(f.dlg, nil, f.dlg.Hide)
	f.dlg.Show()
}

// showMyOrders shows a clerk's own orders after login.
func (s *Shell) showMyOrders(user *app.Staff) {
	m := NewMyOrders(s.env, s.svc, user)
	m.OnLogout = s.logout
	if s.be.Counter != nil {
		m.SetBack(func() { s.showCounter(user) })
	}
	s.mine = m
	s.setContent("my-orders", m.Content(), nil)
	m.Reload()
}
