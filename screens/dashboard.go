package screens

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// Dashboard is the centre manager's first screen: today's and this month's
// 好差评 figures (Service.Dashboard) and the open 差评工单. F5 or the
// 刷新 button reloads it.
type Dashboard struct {
	Title   *canvas.Text  // centre name
	Info    *widget.Label // area code and profile
	User    *widget.Label // the signed-in user
	Updated *widget.Label // when the figures were computed, or "正在刷新…"
	Refresh *widget.Button
	Logout  *widget.Button
	Report  *widget.Button // 月报: hidden until SetReport
	// BackupButton (备份数据) writes a backup with the progress bar; hidden
	// until SetBackup.
	BackupButton *widget.Button
	backup       func(ctx context.Context) (string, error)
	Ledger       *widget.Button // 差评台账: opens the ledger (LedgerScreen) in the window
	Paper        *widget.Button // 录入评价表: opens the paper-form entry (PaperScreen)
	Watch        *widget.Button // 重点关注: opens the watch lists (WatchScreen)
	// Callback (随机抽评) opens the quarterly call-back (CallbackScreen).
	Callback *widget.Button
	// Tools is the row of the manager's tools; AddTool appends to it.
	Tools *fyne.Container
	// OnLogout runs when the user signs out (the shell shows the login screen).
	OnLogout func()
	// PrintSheet writes a work order's sheet (PDF) and returns its path; nil
	// hides the ledger's 打印工单.
	PrintSheet func(ctx context.Context, actor *app.Staff, id int64) (string, error)
	// PrintSheets writes several orders' sheets into one PDF; nil hides the
	// ledger's 打印所列工单.
	PrintSheets func(ctx context.Context, actor *app.Staff, ids []int64) (string, error)
	// SaveCallList writes a call-back list as a PDF and returns its path.
	SaveCallList func(ctx context.Context, list *app.CallbackList) (string, error)
	// CallbackScreen is the call-back screen when open (for tests).
	CallbackScreen *CallbackScreen
	// ExportLedger writes the ledger's orders as filtered to an xlsx and
	// returns its path; nil hides the ledger's 导出 Excel.
	ExportLedger func(ctx context.Context, actor *app.Staff, f app.LedgerFilter) (string, error)

	TodayHead, MonthHead *widget.Label
	// Cells holds the value labels of the metrics table by row name
	// (RateRows and CountRows): [0] today, [1] this month.
	Cells      map[string][2]*widget.Label
	OpenOrders *canvas.Text
	Overdue    *canvas.Text
	Channels   *fyne.Container // rows of 评价渠道 | 今日 | 本月
	Trend      *fyne.Container // the last 12 months: 月份 | 好评率 | 有效差评 | 办件
	// Logins warns of failed PIN attempts in the last day; hidden when none.
	Logins *widget.Label

	env    *Env
	svc    *app.Service
	user   *app.Staff
	obj    fyne.CanvasObject
	render ReportFunc
	// BlankForms writes n numbered blank paper forms and returns the PDF's
	// path (cli.SaveBlankForms); nil hides 录入评价表's 打印空白评价表.
	BlankForms func(ctx context.Context, n int) (string, error)
	// BackedUp is the last backup written (for tests).
	BackedUp string
	// ReportDialog is the last 月报 dialog shown (for tests).
	ReportDialog *ReportDialog
	// LedgerScreen is the ledger opened by the 差评台账 button (for tests).
	LedgerScreen *Ledger
	// PaperScreen is the paper-form entry opened by 录入评价表 (for tests).
	PaperScreen *PaperEntry
	// WatchScreen is the page opened by 重点关注 (for tests).
	WatchScreen *WatchScreen
}

// Env is the dashboard's environment (for screens main opens from a tool).
func (d *Dashboard) Env() *Env { return d.env }

// AddTool adds a button to the manager's tool row (the roles wired in by
// main: 窗口服务, 大厅屏, 取号机, 设备设置 …).
func (d *Dashboard) AddTool(label string, run func()) *widget.Button {
	b := widget.NewButton(label, run)
	d.Tools.Add(b)
	return b
}

// ShowSub puts a sub-screen (差评台账, 录入评价, a tool's screen) in the
// dashboard's window and returns what its 返回 does: bring the dashboard
// back, refreshed.
// Escape (with nothing focused, or after a first Escape leaves a field)
// goes back too, unless the screen sets its own key handler.
func (d *Dashboard) ShowSub(name string, content fyne.CanvasObject) (back func()) {
	cv := d.env.Win.Canvas()
	home := cv.OnTypedKey()
	back = func() {
		d.env.Win.SetContent(d.obj)
		cv.SetOnTypedKey(home)
		d.Reload()
	}
	d.env.Win.SetContent(content)
	cv.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			back()
		}
	})
	d.env.shown(name)
	return back
}

// SetBackup enables 备份数据, which writes a backup with f.
func (d *Dashboard) SetBackup(f func(ctx context.Context) (string, error)) {
	d.backup = f
	if f != nil {
		d.BackupButton.Show()
	}
}

// runBackup writes a backup, with a progress bar, and says where it is.
func (d *Dashboard) runBackup() {
	if d.backup == nil {
		return
	}
	d.BackupButton.Disable()
	RunWithProgress(d.env, "备份数据", "正在备份中心的数据库，期间可以照常办件…", d.backup, func(path string, err error) {
		d.BackupButton.Enable()
		if err != nil {
			d.env.ShowError("backup failed", "备份未成功", err, nil)
			return
		}
		size := ""
		if fi, err := os.Stat(path); err == nil {
			size = fmt.Sprintf("（%.1f MB）", float64(fi.Size())/(1<<20))
		}
		d.env.log().Info("backup written", "path", path)
		d.BackedUp = path
		showSavedWith(d.env, "备份完成", "备份已保存在："+"\n"+path+size+"\n\n请把它拷到U盘或另一台电脑上保管；恢复时请联系县里的技术人员。", path)
	})
}

// SetReport enables the 月报 button, which generates reports with f.
func (d *Dashboard) SetReport(f ReportFunc) {
	d.render = f
	if f != nil {
		d.Report.Show()
	}
}

func (d *Dashboard) showReport() {
	d.ReportDialog = NewReportDialog(d.env, d.render, d.user, d.svc.Clock.Now())
	d.ReportDialog.Show()
}

// NewDashboard builds the dashboard for the signed-in user; call Reload to fill it.
func NewDashboard(env *Env, svc *app.Service, user *app.Staff) *Dashboard {
	d := &Dashboard{env: env, svc: svc, user: user, Cells: map[string][2]*widget.Label{}}

	d.Title = canvas.NewText("", colInk)
	d.Title.TextSize = 30
	d.Title.TextStyle.Bold = true
	d.Info = widget.NewLabel("")
	d.Info.Truncation = fyne.TextTruncateEllipsis
	d.User = widget.NewLabel("")
	d.Updated = widget.NewLabel("")
	d.Updated.Alignment = fyne.TextAlignTrailing
	d.Refresh = widget.NewButton("刷新 (F5)", d.Reload)
	d.Refresh.Importance = widget.HighImportance
	d.Logout = widget.NewButton("退出登录", func() {
		if d.OnLogout != nil {
			d.OnLogout()
		}
	})
	d.Report = widget.NewButton("月报", d.showReport)
	d.Report.Hide()
	d.Ledger = widget.NewButton("差评台账 F3", d.openLedger)
	d.Paper = widget.NewButton("录入评价表 F2", d.openPaperEntry)
	d.Watch = widget.NewButton("重点关注 F4", d.openWatch)
	d.Callback = widget.NewButton("随机抽评", d.openCallback)
	d.BackupButton = widget.NewButton("备份数据", d.runBackup)
	d.BackupButton.Hide()
	d.Tools = container.NewHBox(d.Paper, d.Ledger, d.Watch, d.Callback, d.Report, d.BackupButton)
	// At 1024×768 the centre's name, the user, the time and the buttons do
	// not fit one line: the buttons stay at the top right, the user beside
	// the tools, and the area code and rules shorten with "…".
	top := container.NewBorder(nil, nil, nil, container.NewHBox(d.Refresh, d.Logout), d.Title)
	second := container.NewBorder(nil, nil, nil, d.Updated, d.Info)
	d.Logins = widget.NewLabel("")
	d.Logins.Importance = widget.DangerImportance
	d.Logins.Wrapping = fyne.TextWrapWord
	d.Logins.Hide()
	header := container.NewStack(canvas.NewRectangle(colPanel),
		container.NewPadded(container.NewVBox(top, second, d.Logins,
			container.NewBorder(nil, nil, nil, d.User, container.NewHScroll(d.Tools)))))

	// Metrics table: 指标 | 今日 | 本月.
	d.TodayHead = boldLabel("今日")
	d.MonthHead = boldLabel("本月")
	rows := []fyne.CanvasObject{tableRow(0, boldLabel("指标"), d.TodayHead, d.MonthHead)}
	for _, r := range append(append([]RateRow{}, RateRows...), CountRows...) {
		name := widget.NewLabel(r.Name)
		today, month := widget.NewLabel(Dash), widget.NewLabel(Dash)
		d.Cells[r.Name] = [2]*widget.Label{today, month}
		rows = append(rows, tableRow(len(rows), name, today, month))
	}
	note := widget.NewLabel("“—”表示分母为零，该项无法计算。")
	note.Importance = widget.LowImportance
	metrics := container.NewVBox(append(rows, note)...)

	// Right column: work orders, then ratings by channel.
	d.OpenOrders = bigNumber(colInk)
	d.Overdue = bigNumber(colInk)
	orders := card("差评工单", container.NewGridWithColumns(2,
		container.NewVBox(widget.NewLabelWithStyle("未办结", fyne.TextAlignCenter, fyne.TextStyle{}), d.OpenOrders),
		container.NewVBox(widget.NewLabelWithStyle("已超期", fyne.TextAlignCenter, fyne.TextStyle{}), d.Overdue)))
	d.Channels = container.NewVBox()
	channels := card("评价渠道（评价次数）", d.Channels)
	d.Trend = container.NewVBox()
	trend := card("近12个月", d.Trend)

	body := container.NewGridWithColumns(2,
		card("评价指标", metrics),
		container.NewVBox(orders, channels, trend))
	d.obj = container.NewBorder(header, nil, nil, nil, container.NewVScroll(container.NewPadded(body)))
	return d
}

// Content is the screen's canvas object.
func (d *Dashboard) Content() fyne.CanvasObject { return d.obj }

// TypedKey handles the dashboard's keys (F2 录入评价表, F3 差评台账, F4
// 重点关注, F5 刷新: the tools a manager opens most, by keyboard); the shell
// sets it as the window canvas's key handler.
func (d *Dashboard) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyF2:
		d.openPaperEntry()
	case fyne.KeyF3:
		d.openLedger()
	case fyne.KeyF4:
		d.openWatch()
	case fyne.KeyF5:
		d.Reload()
	}
}

// Reload recomputes the figures off the UI goroutine and shows them.
func (d *Dashboard) Reload() {
	if d.Refresh.Disabled() {
		return // a refresh is already running
	}
	d.Refresh.Disable()
	d.Updated.SetText("正在刷新…")
	began := time.Now()
	Run(d.env, func(ctx context.Context) (*app.Dashboard, error) {
		return d.svc.Dashboard(ctx)
	}, func(db *app.Dashboard, err error) {
		d.env.log().Info("dashboard refreshed", "elapsed", time.Since(began), "ok", err == nil)
		d.Refresh.Enable()
		if err != nil {
			d.Updated.SetText("刷新未成功")
			d.env.ShowError("dashboard refresh failed", "刷新未成功", err, nil)
			return
		}
		d.Show(db)
	})
}

// showTrend lists the last 12 months (newest first): 好评率, 有效差评, 办件.
func (d *Dashboard) showTrend(ms []app.TrendMonth) {
	d.Trend.Objects = nil
	d.Trend.Add(tableRow(0, boldLabel("月份"), boldLabel("好评率"), boldLabel("有效差评"), boldLabel("办件")))
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		rate := Dash
		if m.GoodRate != nil {
			rate = fmt.Sprintf("%.1f%%", *m.GoodRate*100)
		}
		d.Trend.Add(tableRow(len(d.Trend.Objects), widget.NewLabel(m.Month.Format("2006-01")), widget.NewLabel(rate),
			widget.NewLabel(strconv.Itoa(m.ValidBad)), widget.NewLabel(strconv.Itoa(m.Transactions))))
	}
	d.Trend.Refresh()
}

// Show puts db on the screen. It must run on the UI goroutine.
func (d *Dashboard) Show(db *app.Dashboard) {
	d.Title.Text = db.Centre.Name
	d.Title.Refresh()
	if d.user != nil {
		d.User.SetText(fmt.Sprintf("%s %s（工号 %s）", d.user.Role.Name(), d.user.Name, d.user.No))
	}
	d.Info.SetText(fmt.Sprintf("行政区划代码 %s  ｜  评价规则：%s", db.Centre.AreaCode, db.Profile))
	d.Updated.SetText("数据时间 " + db.Now.Format("2006-01-02 15:04"))
	d.TodayHead.SetText(fmt.Sprintf("今日（%d月%d日）", db.Now.Month(), db.Now.Day()))
	d.MonthHead.SetText(fmt.Sprintf("本月（%d月）", db.Now.Month()))

	for i, rep := range []*app.StatsReport{db.Today, db.Month} {
		var m *app.Metrics
		if rep != nil {
			m = &rep.Metrics
		}
		for _, r := range append(append([]RateRow{}, RateRows...), CountRows...) {
			text := Dash
			if m != nil {
				text = r.Value(m)
			}
			d.Cells[r.Name][i].SetText(text)
		}
	}

	if text := LoginWarning(db.FailedLogins); text != "" {
		d.Logins.SetText(text)
		d.Logins.Show()
	} else {
		d.Logins.Hide()
	}

	d.OpenOrders.Text = strconv.Itoa(db.OpenOrders)
	d.OpenOrders.Refresh()
	d.Overdue.Text = strconv.Itoa(db.Overdue)
	d.Overdue.Color = colInk
	if db.Overdue > 0 {
		d.Overdue.Color = colError
	}
	d.Overdue.Refresh()

	d.Channels.Objects = nil
	d.Channels.Add(tableRow(0, boldLabel("渠道"), boldLabel("今日"), boldLabel("本月")))
	for _, ch := range app.Channels() {
		t, m := channelCount(db.Today, ch), channelCount(db.Month, ch)
		if t == 0 && m == 0 {
			continue
		}
		d.Channels.Add(tableRow(len(d.Channels.Objects), widget.NewLabel(ch.Name()),
			widget.NewLabel(strconv.Itoa(t)), widget.NewLabel(strconv.Itoa(m))))
	}
	if len(d.Channels.Objects) == 1 {
		d.Channels.Add(widget.NewLabel("本月暂无评价"))
	}
	d.Channels.Refresh()
	d.showTrend(db.Trend)
}

func channelCount(r *app.StatsReport, ch app.Channel) int {
	if r == nil {
		return 0
	}
	return r.ByChannel[ch]
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func bigNumber(c color.Color) *canvas.Text {
	t := canvas.NewText("—", c)
	t.TextSize = 40
	t.TextStyle.Bold = true
	t.Alignment = fyne.TextAlignCenter
	return t
}

// tableRow lays out three cells in equal columns, shading every other row.
func tableRow(i int, cells ...fyne.CanvasObject) fyne.CanvasObject {
	// Cells shorten with "…" rather than widen the screen past 1024 pixels
	// (at 1366 they are whole).
	for _, o := range cells {
		if l, ok := o.(*widget.Label); ok {
			l.Truncation = fyne.TextTruncateEllipsis
		}
	}
	row := container.NewGridWithColumns(len(cells), cells...)
	if i%2 == 1 {
		return container.NewStack(canvas.NewRectangle(colPanel), row)
	}
	return row
}

// card is a titled, bordered panel.
func card(title string, content fyne.CanvasObject) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	border := canvas.NewRectangle(color.Transparent)
	border.StrokeColor = colBorder
	border.StrokeWidth = 1
	border.CornerRadius = 6
	return container.NewStack(border, container.NewPadded(
		container.NewBorder(container.NewVBox(head, widget.NewSeparator()), nil, nil, nil, content)))
}

// LoginWarning is the dashboard's line about failed PIN attempts: who, how
// often, and whether that 工号 is waiting now. Empty when there were none.
func LoginWarning(fails []app.LoginFailure) string {
	if len(fails) == 0 {
		return ""
	}
	var parts []string
	for _, f := range fails {
		who := "工号 " + f.No
		if f.Name != "" {
			who += "（" + f.Name + "）"
		} else {
			who += "（无此工号）"
		}
		p := fmt.Sprintf("%s连续输错%d次，最近 %s", who, f.Count, f.Last.Format("01-02 15:04"))
		if !f.Until.IsZero() {
			p += "，暂停登录至 " + f.Until.Format("15:04:05")
		}
		parts = append(parts, p)
	}
	return "登录失败提醒（近24小时）：" + strings.Join(parts, "；") + "。如非本人误输，请留意是否有人试探密码。"
}
