package screens

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// KioskDeps is what the ticket kiosk (取号机) needs.
type KioskDeps struct {
	Hall app.Hall
	// PrintTicket prints the ticket (printing + devices); nil = no printer.
	// Without a printer, or when it fails, the number is shown very large
	// with 请牢记您的号码.
	PrintTicket func(app.IssuedTicket) error
	// Title is the heading, e.g. the centre's name; default 便民服务中心.
	Title string
	// Reset is how long the ticket stays on screen before the kiosk returns
	// to the categories; default 8 s (15 s when it was not printed).
	Reset time.Duration
	After AfterFunc // nil = real timers
	// OnFullScreen hears F11's new state, to remember it; nil = not remembered.
	OnFullScreen func(bool)
}

// Kiosk is the touch screen where people take a ticket: big category
// buttons with their waiting counts, a 绿色通道 choice for 老年人, 残疾人 and
// 孕妇, then the ticket, printed and shown.
type Kiosk struct {
	// Categories holds the category buttons by category ID (after Reload).
	Categories map[int64]*widget.Button
	Priority   map[app.PriorityKind]*widget.Button
	// Chosen is the 绿色通道 reason picked for the next ticket.
	Chosen app.PriorityKind
	// Number is the big ticket number of the result view; Note tells
	// whether to take the printed ticket or remember the number.
	Number *canvas.Text
	Note   *canvas.Text
	Detail *canvas.Text
	Status *canvas.Text // the start view's error line
	Done   *widget.Button
	// Last is the last ticket issued (nil before); Printed whether it was printed.
	Last    *app.IssuedTicket
	Printed bool
	// Showing is "start" or "ticket".
	Showing string

	env    *Env
	deps   KioskDeps
	obj    *fyne.Container
	grid   *fyne.Container
	start  fyne.CanvasObject
	ticket fyne.CanvasObject
	busy   bool
	cancel func()
	seq    int
}

// NewKiosk builds the kiosk screen for env.Win; call Reload to fill in the
// categories (and again whenever it should refresh the waiting counts).
func NewKiosk(env *Env, deps KioskDeps) *Kiosk {
	if deps.Title == "" {
		deps.Title = "便民服务中心"
	}
	if deps.Reset <= 0 {
		deps.Reset = 8 * time.Second
	}
	deps.After = afterOrReal(deps.After)
	k := &Kiosk{env: env, deps: deps, Categories: map[int64]*widget.Button{},
		Priority: map[app.PriorityKind]*widget.Button{}}

	title := bigText(deps.Title, 52, colPrimary)
	ask := bigText("请点击您要办理的业务取号", 36, colInk)
	k.Status = bigText("", 28, colError)
	var prio []fyne.CanvasObject
	for _, p := range []app.PriorityKind{app.PriorityElderly, app.PriorityDisabled, app.PriorityPregnant} {
		b := widget.NewButton(p.Name(), func() { k.choosePriority(p) })
		k.Priority[p] = b
		prio = append(prio, bigButton(b, 30, 90))
	}
	green := bigText("绿色通道（老年人、残疾人、孕妇 请先点选）", 26, colMuted)
	k.grid = container.NewGridWithColumns(3)
	k.start = container.NewBorder(
		container.NewVBox(title, ask, k.Status),
		container.NewVBox(widget.NewSeparator(), green, container.NewGridWithColumns(3, prio...)),
		nil, nil, container.NewPadded(k.grid))

	k.Number = bigText("", 200, colPrimary)
	k.Detail = bigText("", 36, colInk)
	k.Note = bigText("", 44, colError)
	k.Done = widget.NewButton("完成", k.ShowStart)
	k.Done.Importance = widget.HighImportance
	k.ticket = container.NewBorder(nil, container.NewCenter(container.New(&fixedWidth{w: 420}, bigButton(k.Done, 34, 90))), nil, nil,
		container.NewCenter(container.NewVBox(bigText("您的号码", 40, colInk), k.Number, k.Detail, k.Note)))

	k.obj = container.NewStack()
	k.ShowStart()
	return k
}

// Content is the screen's canvas object.
func (k *Kiosk) Content() fyne.CanvasObject { return k.obj }

// Attach lets F11 (a keyboard plugged in while setting up) toggle full screen.
func (k *Kiosk) Attach() {
	k.env.Win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyF11 {
			toggleFullScreen(k.env.Win, k.deps.OnFullScreen)
		}
	})
}

func (k *Kiosk) show(name string, o fyne.CanvasObject) {
	k.Showing = name
	k.obj.Objects = []fyne.CanvasObject{container.NewPadded(o)}
	k.obj.Refresh()
}

// kioskRefresh is how often the start screen rereads the waiting counts.
const kioskRefresh = 30 * time.Second

// ShowStart shows the categories again, with fresh waiting counts (reread
// every half minute while nobody takes a ticket).
func (k *Kiosk) ShowStart() {
	k.setPriority(app.PriorityNone)
	k.show("start", k.start)
	k.Reload()
	k.arm(kioskRefresh, k.refresh)
}

func (k *Kiosk) refresh() {
	if k.Showing == "start" && !k.busy {
		k.Reload()
	}
	k.arm(kioskRefresh, k.refresh)
}

// arm (re)starts the kiosk's one timer.
func (k *Kiosk) arm(d time.Duration, f func()) {
	if k.cancel != nil {
		k.cancel()
	}
	k.seq++
	seq := k.seq
	k.cancel = k.deps.After(d, func() {
		if seq == k.seq {
			f()
		}
	})
}

type kioskData struct {
	cats    []app.QueueCategory
	waiting map[int64]int
}

// Reload reads the categories and their waiting counts.
func (k *Kiosk) Reload() {
	Run(k.env, func(ctx context.Context) (kioskData, error) {
		cats, err := k.deps.Hall.Categories(ctx)
		if err != nil {
			return kioskData{}, err
		}
		d := kioskData{cats: cats, waiting: map[int64]int{}}
		// The counts are a courtesy: without them the buttons still work.
		if b, err := k.deps.Hall.Board(ctx); err == nil {
			for _, w := range b.Waiting {
				d.waiting[w.CategoryID] = w.Waiting
			}
		}
		return d, nil
	}, func(d kioskData, err error) {
		if err != nil {
			k.env.log().Warn("kiosk: categories", "err", err)
			setBig(k.Status, "暂时无法取号："+app.UserMessage(err)+"　请稍候或咨询工作人员", colError)
			return
		}
		if len(d.cats) == 0 {
			setBig(k.Status, "暂无可取号的业务，请咨询工作人员", colError)
		} else {
			setBig(k.Status, "", colError)
		}
		k.Categories = map[int64]*widget.Button{}
		var objs []fyne.CanvasObject
		for _, c := range d.cats {
			b := widget.NewButton(fmt.Sprintf("%s  %s\n等候 %d 人", c.Prefix, c.Name, d.waiting[c.ID]), func() { k.Take(c) })
			b.Importance = widget.HighImportance
			k.Categories[c.ID] = b
			objs = append(objs, bigButton(b, 40, 160))
		}
		cols := 3
		if len(objs) <= 4 {
			cols = 2
		}
		k.grid.Layout = container.NewGridWithColumns(cols).Layout
		k.grid.Objects = objs
		k.grid.Refresh()
	})
}

func (k *Kiosk) choosePriority(p app.PriorityKind) {
	if k.Chosen == p {
		p = app.PriorityNone // a second tap takes it back
	}
	k.setPriority(p)
}

func (k *Kiosk) setPriority(p app.PriorityKind) {
	k.Chosen = p
	for kind, b := range k.Priority {
		if kind == p {
			b.Importance = widget.SuccessImportance
			b.SetText("✔ " + kind.Name())
		} else {
			b.Importance = widget.MediumImportance
			b.SetText(kind.Name())
		}
	}
}

// Take issues a ticket of category c (a tap on its button), prints it and
// shows it.
func (k *Kiosk) Take(c app.QueueCategory) {
	if k.busy {
		return
	}
	k.busy = true
	req := app.IssueRequest{CategoryID: c.ID, Priority: k.Chosen}
	type issued struct {
		t       app.IssuedTicket
		printed bool
	}
	Run(k.env, func(ctx context.Context) (issued, error) {
		t, err := k.deps.Hall.Issue(ctx, req)
		if err != nil {
			return issued{}, err
		}
		out := issued{t: t}
		if k.deps.PrintTicket != nil {
			if perr := k.deps.PrintTicket(t); perr != nil {
				k.env.log().Warn("kiosk: ticket not printed", "number", t.Ticket.Number, "err", perr)
			} else {
				out.printed = true
			}
		}
		return out, nil
	}, func(r issued, err error) {
		k.busy = false
		if err != nil {
			k.env.log().Warn("kiosk: issue", "category", c.ID, "err", err)
			setBig(k.Status, "取号未成功："+app.UserMessage(err)+"　请重试或咨询工作人员", colError)
			return
		}
		k.Last, k.Printed = &r.t, r.printed
		k.showTicket(r.t, r.printed)
	})
}

func (k *Kiosk) showTicket(t app.IssuedTicket, printed bool) {
	setBig(k.Number, t.Ticket.Number, colPrimary)
	detail := fmt.Sprintf("%s　前面还有 %d 人", t.Category.Name, t.Ahead)
	if t.Ticket.PriorityKind != app.PriorityNone {
		detail += "　绿色通道（" + t.Ticket.PriorityKind.Name() + "）"
	}
	setBig(k.Detail, detail, colInk)
	reset := k.deps.Reset
	switch {
	case printed:
		setBig(k.Note, "请取走号票，留意大厅叫号", colPrimary)
	case k.deps.PrintTicket != nil:
		setBig(k.Note, "号票未能打印，请牢记您的号码", colError)
		reset *= 2
	default:
		setBig(k.Note, "请牢记您的号码", colError)
		reset *= 2
	}
	k.show("ticket", k.ticket)
	k.arm(reset, k.ShowStart)
}
