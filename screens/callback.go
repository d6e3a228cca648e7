package screens

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// CallbackScreen is the quarterly random call-back (TA 办件随机抽评) done in
// the window: draw the quarter's sample (the draw is audited and
// reproducible by its seed), call down the list with each number revealed
// only when dialled (audited), record reached with the answer or not
// reached, and print the list.
type CallbackScreen struct {
	Quarter *widget.Select
	Size    *hkEntry
	Draw    *widget.Button
	Print   *widget.Button
	Back    *widget.Button
	Status  *widget.Label
	Rows    *fyne.Container
	// List is the drawn sample; Revealed the numbers shown, by transaction.
	List     *app.CallbackList
	Revealed map[int64]string
	// SaveList writes the list as a PDF and returns its path; nil hides 打印名单.
	SaveList func(ctx context.Context, list *app.CallbackList) (string, error)
	OnBack   func()

	env      *Env
	svc      *app.Service
	user     *app.Staff
	quarters map[string]app.Quarter
	obj      fyne.CanvasObject
	reveal   map[int64]*widget.Label
	done     map[int64]*widget.Label
}

// NewCallbackScreen builds the screen for the manager user.
func NewCallbackScreen(env *Env, svc *app.Service, user *app.Staff) *CallbackScreen {
	c := &CallbackScreen{env: env, svc: svc, user: user, quarters: map[string]app.Quarter{}, Revealed: map[int64]string{},
		reveal: map[int64]*widget.Label{}, done: map[int64]*widget.Label{}}
	var names []string
	q := app.QuarterOf(svc.Clock.Now())
	for i := 0; i < 5; i++ {
		names = append(names, q.Chinese())
		c.quarters[q.Chinese()] = q
		if q.Q == 1 {
			q = app.Quarter{Year: q.Year - 1, Q: 4}
		} else {
			q = app.Quarter{Year: q.Year, Q: q.Q - 1}
		}
	}
	c.Quarter = newSelect(names, nil)
	c.Quarter.SetSelected(names[0])
	c.Size = newHKEntry(hotkeys{}, "20")
	c.Size.SetText("20")
	c.Draw = widget.NewButton("抽取", c.draw)
	c.Draw.Importance = widget.HighImportance
	c.Print = widget.NewButton("打印名单", c.print)
	c.Print.Disable()
	c.Back = widget.NewButton("返回首页", func() {
		if c.OnBack != nil {
			c.OnBack()
		}
	})
	c.Status = widget.NewLabel("选择季度和抽取件数，点“抽取”。号码在拨打时才显示，每次显示都会记录。")
	c.Status.Wrapping = fyne.TextWrapWord
	c.Rows = container.NewVBox()
	title := widget.NewLabelWithStyle("办件随机抽评（电话回访）", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, container.NewHBox(title, c.Quarter, widget.NewLabel("件数"),
		container.New(&fixedWidth{w: 70}, c.Size), c.Draw, c.Print), c.Back)
	c.obj = container.NewBorder(container.NewPadded(container.NewVBox(top, c.Status)), nil, nil, nil,
		container.NewVScroll(container.NewPadded(c.Rows)))
	return c
}

// Content is the screen.
func (c *CallbackScreen) Content() fyne.CanvasObject { return c.obj }

func (c *CallbackScreen) draw() {
	q := c.quarters[c.Quarter.Selected]
	n, err := strconv.Atoi(strings.TrimSpace(c.Size.Text))
	if err != nil || n < 1 {
		c.Status.SetText("抽取件数应为正整数，如 20")
		return
	}
	seed := uint64(q.Year*10 + q.Q) // as `bianmin callback`: the same quarter, the same list
	c.Draw.Disable()
	RunWithProgress(c.env, "随机抽评", "正在读取"+q.Chinese()+"的办件并抽取…", func(ctx context.Context) (*app.CallbackList, error) {
		return c.svc.CallbackSample(ctx, c.user, q, n, seed)
	}, func(l *app.CallbackList, err error) {
		c.Draw.Enable()
		if err != nil {
			c.Status.SetText(app.UserMessage(err))
			return
		}
		c.List = l
		c.Status.SetText(fmt.Sprintf("%s：从 %d 件中抽取 %d 件（种子 %d）。", l.Quarter.Chinese(), l.Population, len(l.Entries), l.Seed))
		c.showRows()
		if c.SaveList != nil {
			c.Print.Enable()
		}
	})
}

func (c *CallbackScreen) showRows() {
	c.Rows.RemoveAll()
	for _, e := range c.List.Entries {
		e := e
		line := widget.NewLabel(fmt.Sprintf("%s　%s　%d号窗口　工号%s　%s　%s　%s", e.Serial, e.ItemName, e.Window, e.ClerkNo,
			e.CompletedAt.In(app.ChinaTime).Format("01-02"), e.Applicant, e.Phone))
		line.Truncation = fyne.TextTruncateEllipsis
		num := widget.NewLabel("")
		status := widget.NewLabel("")
		c.reveal[e.TxID], c.done[e.TxID] = num, status
		show := widget.NewButton("显示号码", func() { c.RevealPhone(e.TxID) })
		reached := widget.NewButton("已接通…", func() { c.askAnswer(e) })
		missed := widget.NewButton("未接通", func() { c.Record(e.TxID, app.CallbackOutcome{Reached: false, Note: "未接通"}) })
		c.Rows.Add(container.NewVBox(line, container.NewHBox(show, num, reached, missed, status), widget.NewSeparator()))
	}
	c.Rows.Refresh()
}

// RevealPhone shows the full number of one sampled transaction (audited).
func (c *CallbackScreen) RevealPhone(txID int64) {
	Run(c.env, func(ctx context.Context) (string, error) { return c.svc.RevealPhone(ctx, c.user, txID) },
		func(p string, err error) {
			if err != nil {
				c.env.ShowError("reveal phone failed", "显示号码", err, nil)
				return
			}
			c.Revealed[txID] = p
			if l := c.reveal[txID]; l != nil {
				l.SetText(p)
			}
		})
}

// Record stores one call's outcome.
func (c *CallbackScreen) Record(txID int64, out app.CallbackOutcome) {
	Run(c.env, func(ctx context.Context) (struct{}, error) {
		_, err := c.svc.RecordCallback(ctx, c.user, txID, out)
		return struct{}{}, err
	}, func(_ struct{}, err error) {
		l := c.done[txID]
		if err != nil {
			if l != nil {
				l.Importance = widget.DangerImportance
				l.SetText(app.UserMessage(err))
			}
			return
		}
		if l != nil {
			l.Importance = widget.SuccessImportance
			if out.Reached {
				l.SetText("已记录：" + c.svc.Profile.Def(out.Level).Name)
			} else {
				l.SetText("已记录：未接通")
			}
		}
	})
}

// askAnswer asks the person's answer for a reached call.
func (c *CallbackScreen) askAnswer(e app.CallbackEntry) {
	var names []string
	levels := map[string]app.Level{}
	for l := app.LevelVeryGood; l >= app.LevelVeryBad; l-- {
		n := fmt.Sprintf("%d %s", l, c.svc.Profile.Def(l).Name)
		names = append(names, n)
		levels[n] = l
	}
	keys := hotkeys{}
	level := newHKSelect(keys, names)
	text := newHKEntry(keys, "意见和建议（可不填）")
	form := widget.NewForm(widget.NewFormItem("评价", level), widget.NewFormItem("意见", text))
	d := c.env.keyConfirm("回访 "+e.Serial, "保存", "取消 (Esc)", form, keys, func() {
		l, ok := levels[level.Selected]
		if !ok {
			if st := c.done[e.TxID]; st != nil {
				st.SetText("请选择评价")
			}
			return
		}
		c.Record(e.TxID, app.CallbackOutcome{Reached: true, Level: l, Text: text.Text})
	})
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	c.env.Win.Canvas().Focus(level)
}

func (c *CallbackScreen) print() {
	if c.List == nil || c.SaveList == nil {
		return
	}
	l := c.List
	c.Print.Disable()
	RunWithProgress(c.env, "随机抽评", "正在生成回访名单…", func(ctx context.Context) (string, error) { return c.SaveList(ctx, l) }, func(p string, err error) {
		c.Print.Enable()
		if err != nil {
			c.env.ShowError("call list failed", "打印名单未成功", err, nil)
			return
		}
		c.Status.SetText("名单已保存：" + p)
		docReady(c.env, "回访名单", p)
	})
}

// openCallback shows the call-back in the dashboard's window.
func (d *Dashboard) openCallback() {
	c := NewCallbackScreen(d.env, d.svc, d.user)
	c.SaveList = d.SaveCallList
	d.CallbackScreen = c
	c.OnBack = d.ShowSub("callback", c.Content())
}
