package screens

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"bianmin/app"
)

// HallDisplayDeps is what the hall display (大厅屏) needs.
type HallDisplayDeps struct {
	Hall app.Hall
	// Announce speaks a call (devices/voice); nil = silent. It is called on
	// the UI goroutine once per called event (a 重呼 too) and must return at
	// once: the voice engine queues the speech itself.
	Announce func(app.Call)
	// Title is the heading, e.g. the centre's name; default 便民服务中心.
	Title string
	// OnFullScreen runs after F11 toggles full screen, with the new state, so
	// the integrator can remember it (with the window's size) for the next
	// start. Nil = not remembered.
	OnFullScreen func(bool)
	// Local: the Hall is the queue in this process (the hub's own PC), so
	// there is no link to show.
	Local bool
	// Now is the clock shown in the corner; nil = time.Now.
	Now func() time.Time

	After AfterFunc    // nil = real timers (the notice's scrolling, the clock)
	Do    func(func()) // how events reach the UI goroutine; nil = fyne.Do
	// Wait is the backoff between reconnects; nil = a real sleep.
	Wait func(ctx context.Context, d time.Duration) bool
}

// Hall display palette: light text on a dark blue ground, read from metres away.
var (
	hallGround = color.NRGBA{R: 0x06, G: 0x2a, B: 0x5a, A: 0xff}
	hallPanel  = color.NRGBA{R: 0x0b, G: 0x3d, B: 0x7e, A: 0xff}
	hallWhite  = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	hallYellow = color.NRGBA{R: 0xff, G: 0xd5, B: 0x4f, A: 0xff}
	hallDim    = color.NRGBA{R: 0xb8, G: 0xc8, B: 0xe0, A: 0xff}
	hallRed    = color.NRGBA{R: 0xff, G: 0x8a, B: 0x80, A: 0xff}
)

const (
	hallRecentRows = 6
	hallScrollStep = 3 // pixels per tick
	hallScrollTick = 40 * time.Millisecond
)

// HallDisplay is the full-screen calling board: the newest call in very
// large type (A012 → 3号窗口), every window's current ticket, the last six
// calls, the waiting count per category and a scrolling notice. It follows
// the Hall's events and announces each call.
type HallDisplay struct {
	Headline *canvas.Text // the newest call
	Sub      *canvas.Text // 请 A012 号到 3 号窗口办理
	Current  *fyne.Container
	Recent   []*canvas.Text
	Waiting  *canvas.Text // the waiting count per category, one line
	Notice   *canvas.Text
	Status   *canvas.Text // the link to the hub, small
	// Voice shows, in red, why the calls are not heard (SetVoiceProblem).
	Voice *canvas.Text
	Clock *canvas.Text
	// Board is the last board shown; Announced counts the calls announced.
	Board     app.Board
	Announced int

	env       *Env
	deps      HallDisplayDeps
	obj       fyne.CanvasObject
	noticeBox *fyne.Container
	cancel    context.CancelFunc
	stopTick  func()
	loads     int
	lastCall  *app.Call
	stopped   bool
	headBox   *fyne.Container
	subBox    *fyne.Container
	recentBox []*fyne.Container
	waitBox   *fyne.Container
}

// NewHallDisplay builds the display for env.Win; call Start to follow the
// hall and Stop when the window closes.
func NewHallDisplay(env *Env, deps HallDisplayDeps) *HallDisplay {
	if deps.Title == "" {
		deps.Title = "便民服务中心"
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	deps.After = afterOrReal(deps.After)
	d := &HallDisplay{env: env, deps: deps}

	title := hallText(deps.Title+"　叫号信息", 44, hallWhite, fyne.TextAlignLeading)
	d.Clock = hallText("", 40, hallWhite, fyne.TextAlignTrailing)
	d.Status = hallText("正在连接中心主机…", 18, hallDim, fyne.TextAlignTrailing)
	if deps.Local {
		d.Status.Hide()
	}
	d.Voice = hallText("", 18, hallRed, fyne.TextAlignTrailing)
	d.Voice.Hide()
	header := container.NewStack(canvas.NewRectangle(hallPanel), container.NewPadded(
		container.NewBorder(nil, nil, title, container.NewVBox(d.Clock, d.Status, d.Voice))))

	d.Headline = hallText("等候叫号", 170, hallYellow, fyne.TextAlignCenter)
	d.Sub = hallText("请留意叫号，按号码顺序到窗口办理", 52, hallWhite, fyne.TextAlignCenter)
	d.headBox, d.subBox = fitted(d.Headline, 170), fitted(d.Sub, 52)
	d.Current = container.NewGridWithColumns(3)
	left := container.NewBorder(
		container.NewVBox(d.headBox, d.subBox, canvasLine()),
		nil, nil, nil,
		container.NewVBox(hallText("正在办理", 40, hallDim, fyne.TextAlignLeading), d.Current))

	var recent []fyne.CanvasObject
	recent = append(recent, hallText("最近叫号", 40, hallDim, fyne.TextAlignLeading))
	for range hallRecentRows {
		t := hallText("", 64, hallWhite, fyne.TextAlignLeading)
		d.Recent = append(d.Recent, t)
		box := fitted(t, 64)
		d.recentBox = append(d.recentBox, box)
		recent = append(recent, box)
	}
	right := container.NewStack(canvas.NewRectangle(hallPanel), container.NewPadded(container.NewVBox(recent...)))

	d.Waiting = hallText("", 40, hallWhite, fyne.TextAlignLeading)
	d.waitBox = fitted(d.Waiting, 40)
	d.Notice = hallText("", 44, hallYellow, fyne.TextAlignLeading)
	d.noticeBox = container.New(&noticeLayout{text: d.Notice}, d.Notice)
	footer := container.NewStack(canvas.NewRectangle(hallPanel), container.NewPadded(container.NewVBox(
		container.NewBorder(nil, nil, hallText("等候人数　", 40, hallDim, fyne.TextAlignLeading), nil, d.waitBox),
		d.noticeBox)))

	body := container.New(&splitLayout{ratio: 0.66}, container.NewPadded(left), container.NewPadded(right))
	d.obj = container.NewStack(canvas.NewRectangle(hallGround),
		container.NewBorder(header, footer, nil, nil, body))
	return d
}

// Content is the screen's canvas object.
func (d *HallDisplay) Content() fyne.CanvasObject { return d.obj }

// SetVoiceProblem shows why the hall hears no calls (devices/voice
// Announcer.Problem), so whoever passes the screen sees it; "" hides it.
func (d *HallDisplay) SetVoiceProblem(msg string) {
	d.Voice.Text = msg
	if msg == "" {
		d.Voice.Hide()
	} else {
		d.Voice.Show()
	}
	d.Voice.Refresh()
}

// TypedKey handles F11, which toggles full screen (the integrator sets it as the window
// canvas's OnTypedKey; Start does it too).
func (d *HallDisplay) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyF11 {
		toggleFullScreen(d.env.Win, d.deps.OnFullScreen)
	}
}

// Start loads the board, follows the hall's events (resubscribing with
// backoff when the link drops) and starts the clock and the notice.
func (d *HallDisplay) Start() {
	d.env.Win.Canvas().SetOnTypedKey(d.TypedKey)
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	w := &hallWatch{hall: d.deps.Hall, do: d.deps.Do, wait: d.deps.Wait, onEvent: d.Handle,
		onStatus: d.linkStatus, log: d.env.log().Info}
	go w.run(ctx)
	d.Reload()
	d.tick()
}

// Stop ends the subscription and the timers.
func (d *HallDisplay) Stop() {
	if d.cancel != nil {
		d.cancel()
	}
	d.stopped = true
	if d.stopTick != nil {
		d.stopTick()
	}
}

func (d *HallDisplay) linkStatus(ok bool, msg string) {
	d.Status.Text = msg
	d.Status.Color = hallDim
	if !ok {
		d.Status.Color = hallRed
	}
	d.Status.Refresh()
	if ok {
		d.Reload() // events may have been missed while the link was down
	}
}

// Handle shows one hall event: a call at once (and announced), then the
// whole board fresh from the hall.
func (d *HallDisplay) Handle(ev app.HallEvent) {
	if ev.Kind == app.EventCalled && ev.Call != nil {
		c := *ev.Call
		d.showHeadline(&c)
		d.Announced++
		if d.deps.Announce != nil {
			d.deps.Announce(c)
		}
	}
	d.Reload()
}

// Reload fetches the board; the last answer asked for wins.
func (d *HallDisplay) Reload() {
	d.loads++
	seq := d.loads
	Run(d.env, func(ctx context.Context) (app.Board, error) {
		return d.deps.Hall.Board(ctx)
	}, func(b app.Board, err error) {
		if seq != d.loads {
			return
		}
		if err != nil {
			d.env.log().Warn("hall display: board", "err", err)
			d.linkStatusText("暂时无法读取叫号信息：" + app.UserMessage(err))
			return
		}
		d.show(b)
	})
}

func (d *HallDisplay) linkStatusText(s string) {
	d.Status.Text = s
	d.Status.Color = hallRed
	d.Status.Refresh()
}

func callLine(c app.Call) string { return fmt.Sprintf("%s → %d号窗口", c.Number, c.WindowNumber) }

func (d *HallDisplay) showHeadline(c *app.Call) {
	d.lastCall = c
	d.Headline.Text = callLine(*c)
	d.Sub.Text = fmt.Sprintf("请 %s 号 到 %d 号窗口 办理", c.Number, c.WindowNumber)
	d.headBox.Refresh()
	d.subBox.Refresh()
}

// show puts a board on the screen.
func (d *HallDisplay) show(b app.Board) {
	d.Board = b
	if len(b.Recent) > 0 {
		newest := b.Recent[0]
		if d.lastCall == nil || newest.At.After(d.lastCall.At) || newest.TicketID == d.lastCall.TicketID {
			d.showHeadline(&newest)
		}
	}
	var cur []fyne.CanvasObject
	for _, c := range b.Current {
		cell := container.NewStack(canvas.NewRectangle(hallPanel), container.NewPadded(container.NewVBox(
			fitted(hallText(fmt.Sprintf("%d号窗口", c.WindowNumber), 40, hallDim, fyne.TextAlignCenter), 40),
			fitted(hallText(c.Number, 96, hallWhite, fyne.TextAlignCenter), 96))))
		cur = append(cur, cell)
	}
	d.Current.Layout = container.NewGridWithColumns(hallColumns(len(cur))).Layout
	d.Current.Objects = cur
	d.Current.Refresh()
	for i, t := range d.Recent {
		t.Text = ""
		if i < len(b.Recent) {
			t.Text = callLine(b.Recent[i])
		}
		t.Color = hallWhite
		if i == 0 {
			t.Color = hallYellow
		}
		d.recentBox[i].Refresh()
	}
	var wait []string
	for _, w := range b.Waiting {
		wait = append(wait, fmt.Sprintf("%s %s %d人", w.Prefix, w.Name, w.Waiting))
	}
	d.Waiting.Text = strings.Join(wait, "　　")
	d.waitBox.Refresh()
	if d.Notice.Text != b.Notice {
		d.Notice.Text = b.Notice
		d.Notice.Refresh()
	}
}

// tick moves the notice and updates the clock, then schedules itself.
func (d *HallDisplay) tick() {
	if d.stopped {
		return
	}
	now := d.deps.Now().In(app.ChinaTime)
	if s := now.Format("15:04"); d.Clock.Text != s {
		d.Clock.Text = s
		d.Clock.Refresh()
	}
	if l, ok := d.noticeBox.Layout.(*noticeLayout); ok && d.Notice.Text != "" {
		l.offset += hallScrollStep
		d.noticeBox.Refresh()
	}
	d.stopTick = d.deps.After(hallScrollTick, d.tick)
}

// hallColumns keeps up to ten windows' current tickets in two rows.
func hallColumns(n int) int {
	switch {
	case n <= 6:
		return 3
	case n <= 8:
		return 4
	case n <= 10:
		return 5
	}
	return 6
}

func hallText(s string, size float32, c color.Color, align fyne.TextAlign) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Bold = true
	t.Alignment = align
	return t
}

func canvasLine() fyne.CanvasObject {
	r := canvas.NewRectangle(hallDim)
	r.SetMinSize(fyne.NewSize(1, 2))
	return r
}

// noticeLayout scrolls one line of text from right to left: the text is at
// the left edge at first and moves left by offset pixels, coming back in
// from the right edge when it has left the box. Its minimum width is zero, so a long notice never
// widens the window.
type noticeLayout struct {
	text   *canvas.Text
	offset float32
}

func (n *noticeLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(0, n.text.MinSize().Height)
}

func (n *noticeLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	w := n.text.MinSize().Width
	span := size.Width + w
	if span <= 0 {
		return
	}
	for n.offset > w { // gone off the left edge: back in from the right
		n.offset -= span
	}
	n.text.Resize(fyne.NewSize(w, size.Height))
	n.text.Move(fyne.NewPos(-n.offset, 0))
}

// splitLayout puts two objects side by side, the first taking ratio of the width.
type splitLayout struct{ ratio float32 }

func (s *splitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return layout.NewHBoxLayout().MinSize(objs)
}

func (s *splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	w := size.Width * s.ratio
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(w, size.Height))
	objs[1].Move(fyne.NewPos(w, 0))
	objs[1].Resize(fyne.NewSize(size.Width-w, size.Height))
}

// fitLayout shows one text at its size, or smaller when the space is too
// narrow for it: a long window name never pushes the board off the screen.
type fitLayout struct {
	text *canvas.Text
	max  float32
}

func fitted(t *canvas.Text, maxSize float32) *fyne.Container {
	return container.New(&fitLayout{text: t, max: maxSize}, t)
}

func (f *fitLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	h := fyne.MeasureText("国", f.max, f.text.TextStyle).Height
	return fyne.NewSize(0, h)
}

func (f *fitLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	ts := f.max
	if w := fyne.MeasureText(f.text.Text, f.max, f.text.TextStyle).Width; w > size.Width && w > 0 {
		ts = f.max * size.Width / w * 0.97 // glyph widths do not scale exactly
	}
	if ts != f.text.TextSize {
		f.text.TextSize = ts
		f.text.Refresh()
	}
	f.text.Move(fyne.NewPos(0, 0))
	f.text.Resize(size)
}
