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
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// Rater stores a rating: (*app.Service).Rate, or the counter's local store
// that forwards to the hub later.
type Rater interface {
	Rate(ctx context.Context, actor *app.Staff, req app.RateRequest) ([]app.Evaluation, error)
}

// RatingTarget is what the customer rates: one finished (or accepted) 办件
// with what SZ art. 11 says the person must see: the item, the 流水号 and the
// clerk's number and name. No personal data of the applicant is shown.
type RatingTarget struct {
	Tx           app.Transaction
	ItemName     string
	WindowNumber int
	ClerkNo      string
	ClerkName    string
}

// RatingDeps is what the customer-facing rating screen needs.
type RatingDeps struct {
	Rater   Rater
	Profile *app.Profile // the levels' names and which are bad; its bad tags
	Device  string       // stored with the rating, e.g. "window-3-tablet"
	// Idle is how long the screen waits for the customer before it returns
	// to 欢迎评价 and stores nothing (the system's timeout rules then apply);
	// default 90 s. Each touch restarts it.
	Idle time.Duration
	// Done is how long the thank-you (or a refusal) stays; default 5 s.
	Done  time.Duration
	After AfterFunc // nil = real timers
	// OnFullScreen hears F11's new state, to remember it; nil = not remembered.
	OnFullScreen func(bool)
	// OnIdle runs when the screen is back at 欢迎评价 with nothing waiting
	// (a one-monitor PC hides the window then, giving the clerk's screen
	// back); nil = nothing.
	OnIdle func()
}

// Rating states.
const (
	RatingIdle   = "idle"
	RatingChoose = "choose" // the five levels
	RatingReason = "reason" // a bad level: tags and text, then 提交
	RatingDone   = "done"   // thank-you or refusal
)

// Rating is the customer-facing screen of 窗口双屏互动 (JZ 4.4.1), shown in
// a second window turned to the customer: 欢迎评价 until the counter starts
// a rating, then the 办件 and five very big level buttons (keys 1–5 too);
// after a bad level the profile's tags as big toggles and an optional text,
// then 提交; a thank-you; back to idle. Ratings are stored with
// app.ChannelTablet (政务大厅平板电脑).
type Rating struct {
	Levels map[app.Level]*widget.Button
	Tags   map[string]*widget.Button
	Text   *widget.Entry
	Submit *widget.Button
	Back   *widget.Button // back to the levels
	Status *canvas.Text   // a refusal in place (red)
	Info   *widget.Label  // the 办件 and the clerk
	// Headline is the big line of the idle and done views: 欢迎评价, the
	// thank-you, or a refusal.
	Headline *canvas.Text
	Sub      *canvas.Text

	// State is one of the Rating* states; Target is the 办件 being rated
	// (nil when idle); Level and Chosen what the customer picked.
	State  string
	Target *RatingTarget
	Level  app.Level
	Chosen map[string]bool

	env    *Env
	deps   RatingDeps
	queue  []RatingTarget // targets waiting while one is being rated
	cancel func()
	seq    int // timer generation: a stale timer does nothing
	saving bool
	obj    *fyne.Container
	views  map[string]fyne.CanvasObject
}

// NewRating builds the rating screen for env.Win (the customer-side window):
// set its content to Content() and call Attach.
func NewRating(env *Env, deps RatingDeps) *Rating {
	if deps.Idle <= 0 {
		deps.Idle = 90 * time.Second
	}
	if deps.Done <= 0 {
		deps.Done = 5 * time.Second
	}
	deps.After = afterOrReal(deps.After)
	r := &Rating{env: env, deps: deps, Levels: map[app.Level]*widget.Button{}, Tags: map[string]*widget.Button{},
		Chosen: map[string]bool{}, views: map[string]fyne.CanvasObject{}}

	r.Headline = bigText("", 80, colPrimary)
	r.Sub = bigText("", 30, colMuted)
	r.views[RatingIdle] = container.NewCenter(container.NewVBox(r.Headline, r.Sub))
	r.views[RatingDone] = r.views[RatingIdle]

	r.Info = widget.NewLabel("")
	r.Info.Alignment = fyne.TextAlignCenter
	r.Info.Wrapping = fyne.TextWrapWord
	r.Info.TextStyle.Bold = true
	ask := bigText("请您对本次服务进行评价", 44, colInk)
	var buttons []fyne.CanvasObject
	for l := app.LevelVeryGood; l >= app.LevelVeryBad; l-- {
		b := widget.NewButton(r.levelName(l), func() { r.ChooseLevel(l) })
		b.Importance = levelImportance(deps.Profile, l)
		r.Levels[l] = b
		key := bigText(fmt.Sprintf("按键 %d", l), 22, colMuted)
		buttons = append(buttons, container.NewBorder(nil, key, nil, nil, bigButton(b, 44, 220)))
	}
	info := container.NewThemeOverride(r.Info, sizedTheme{text: 30}) // read from a step away
	r.views[RatingChoose] = container.NewBorder(container.NewVBox(info, ask), nil, nil, nil,
		container.NewPadded(container.NewGridWithColumns(5, buttons...)))

	r.Status = bigText("", 30, colError)
	r.Text = widget.NewMultiLineEntry()
	r.Text.SetPlaceHolder("您的意见（可不填）")
	r.Text.SetMinRowsVisible(2)
	r.Text.Wrapping = fyne.TextWrapWord
	r.Text.OnChanged = func(string) { r.touch() }
	var tagButtons []fyne.CanvasObject
	if deps.Profile != nil {
		for _, t := range deps.Profile.Tags.Bad {
			b := widget.NewButton(t, func() { r.Toggle(t) })
			r.Tags[t] = b
			tagButtons = append(tagButtons, bigButton(b, 32, 100))
		}
	}
	r.Submit = widget.NewButton("提交", r.submit)
	r.Submit.Importance = widget.HighImportance
	r.Back = widget.NewButton("重新选择", func() { r.touch(); r.show(RatingChoose) })
	why := bigText("请告诉我们哪里做得不好（可多选）", 40, colInk)
	r.views[RatingReason] = container.NewBorder(container.NewVBox(why, r.Status), nil, nil, nil,
		container.NewVBox(container.NewGridWithColumns(4, tagButtons...),
			container.NewThemeOverride(r.Text, sizedTheme{text: 28}),
			container.NewGridWithColumns(2, bigButton(r.Back, 32, 100), bigButton(r.Submit, 36, 100))))

	r.obj = container.NewStack()
	r.toIdle()
	return r
}

// Content is the screen's canvas object.
func (r *Rating) Content() fyne.CanvasObject { return r.obj }

// Attach sends the window's typed digits 1–5 to the screen (the keys of a
// keypad or keyboard on the customer side); F11 toggles full screen.
func (r *Rating) Attach() {
	r.env.Win.Canvas().SetOnTypedRune(r.TypedRune)
	r.env.Win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyF11 {
			toggleFullScreen(r.env.Win, r.deps.OnFullScreen)
		}
	})
}

// TypedRune chooses level 1–5 while the levels are shown.
func (r *Rating) TypedRune(c rune) {
	if r.State == RatingChoose && c >= '1' && c <= '5' {
		r.ChooseLevel(app.Level(c - '0'))
	}
}

func (r *Rating) levelName(l app.Level) string {
	if r.deps.Profile != nil {
		if n := r.deps.Profile.Def(l).Name; n != "" {
			return n
		}
	}
	return l.Name()
}

func (r *Rating) isBad(l app.Level) bool {
	if r.deps.Profile != nil {
		return r.deps.Profile.IsBad(l)
	}
	return l <= app.LevelBad
}

func levelImportance(p *app.Profile, l app.Level) widget.Importance {
	bad := l <= app.LevelBad
	if p != nil {
		bad = p.IsBad(l)
	}
	switch {
	case bad:
		return widget.DangerImportance
	case l == app.LevelVeryGood || l == app.LevelGood:
		return widget.HighImportance
	}
	return widget.MediumImportance
}

// Start shows target's rating; when a rating is under way, target waits its
// turn (a theme or several 办件 finished together).
func (r *Rating) Start(t RatingTarget) {
	if r.State != RatingIdle {
		r.queue = append(r.queue, t)
		return
	}
	r.begin(t)
}

func (r *Rating) begin(t RatingTarget) {
	r.Target = &t
	r.Level = app.LevelNone
	r.Chosen = map[string]bool{}
	r.Text.SetText("")
	r.Status.Text = ""
	r.Status.Refresh()
	for _, b := range r.Tags {
		b.Importance = widget.MediumImportance
		b.Refresh()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "办理事项：%s\n办件流水号：%s", nonEmpty(t.ItemName, t.Tx.ItemCode), t.Tx.Serial)
	if t.WindowNumber > 0 || t.ClerkNo != "" {
		b.WriteString("\n")
		if t.WindowNumber > 0 {
			fmt.Fprintf(&b, "%d号窗口　", t.WindowNumber)
		}
		fmt.Fprintf(&b, "工作人员：%s %s", t.ClerkNo, t.ClerkName)
	}
	r.Info.SetText(b.String())
	r.show(RatingChoose)
	r.arm(r.deps.Idle, r.timedOut)
}

func nonEmpty(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

// show switches the view.
func (r *Rating) show(state string) {
	r.State = state
	r.obj.Objects = []fyne.CanvasObject{container.NewPadded(r.views[state])}
	r.obj.Refresh()
}

// arm (re)starts the screen's one timer.
func (r *Rating) arm(d time.Duration, f func()) {
	if r.cancel != nil {
		r.cancel()
	}
	r.seq++
	seq := r.seq
	r.cancel = r.deps.After(d, func() {
		if seq == r.seq {
			f()
		}
	})
}

func (r *Rating) disarm() {
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.seq++
}

// touch restarts the idle timeout while the customer is busy.
func (r *Rating) touch() {
	if r.State == RatingChoose || r.State == RatingReason {
		r.arm(r.deps.Idle, r.timedOut)
	}
}

// timedOut leaves without storing anything: the rating window stays open for
// other channels, and the system's timeout rules settle the unrated case.
func (r *Rating) timedOut() {
	if r.Target != nil {
		r.env.log().Info("tablet rating timed out", "serial", r.Target.Tx.Serial)
	}
	r.next()
}

// next starts the next waiting target, or goes idle.
func (r *Rating) next() {
	r.Target = nil
	r.saving = false
	if len(r.queue) > 0 {
		t := r.queue[0]
		r.queue = r.queue[1:]
		r.State = RatingIdle
		r.begin(t)
		return
	}
	r.toIdle()
}

func (r *Rating) toIdle() {
	r.disarm()
	r.Target = nil
	setBig(r.Headline, "欢迎评价", colPrimary)
	setBig(r.Sub, "请对本次服务作出评价，您的意见将帮助我们改进工作", colMuted)
	r.show(RatingIdle)
	if r.deps.OnIdle != nil {
		r.deps.OnIdle()
	}
}

// ChooseLevel is a tap on a level (or its key): a good level is stored at
// once; a bad one asks why first.
func (r *Rating) ChooseLevel(l app.Level) {
	if r.State != RatingChoose || r.saving || !l.Valid() {
		return
	}
	r.Level = l
	if r.isBad(l) {
		r.Status.Text = ""
		r.Status.Refresh()
		r.show(RatingReason)
		r.touch()
		return
	}
	r.store(nil, "")
}

// Toggle picks or drops a bad-review tag.
func (r *Rating) Toggle(tag string) {
	if r.State != RatingReason {
		return
	}
	r.touch()
	r.Chosen[tag] = !r.Chosen[tag]
	if b := r.Tags[tag]; b != nil {
		if r.Chosen[tag] {
			b.Importance = widget.HighImportance
			b.SetText("✔ " + tag)
		} else {
			b.Importance = widget.MediumImportance
			b.SetText(tag)
		}
	}
	if r.Chosen[tag] {
		r.Status.Text = ""
		r.Status.Refresh()
	}
}

func (r *Rating) submit() {
	if r.State != RatingReason || r.saving {
		return
	}
	r.touch()
	var tags []string
	if r.deps.Profile != nil {
		for _, t := range r.deps.Profile.Tags.Bad {
			if r.Chosen[t] {
				tags = append(tags, t)
			}
		}
	}
	text := strings.TrimSpace(r.Text.Text)
	needWhy := r.deps.Profile == nil || r.deps.Profile.Rating.BadNeedsWhy
	if needWhy && len(tags) == 0 && text == "" {
		setBig(r.Status, "请至少选择一项原因，或写下您的意见", colError)
		return
	}
	r.store(tags, text)
}

// store saves the rating; the answer shows as the thank-you or the refusal.
func (r *Rating) store(tags []string, text string) {
	t := r.Target
	if t == nil {
		return
	}
	r.saving = true
	r.disarm()
	req := app.RateRequest{TransactionID: t.Tx.ID, Level: r.Level, Tags: tags, Text: text,
		Channel: app.ChannelTablet, Device: r.deps.Device}
	Run(r.env, func(ctx context.Context) ([]app.Evaluation, error) {
		return r.deps.Rater.Rate(ctx, nil, req)
	}, func(_ []app.Evaluation, err error) {
		r.saving = false
		if err != nil {
			r.env.log().Info("tablet rating refused", "serial", t.Tx.Serial, "code", app.ErrorCode(err), "err", err)
			if r.State == RatingReason && app.ErrorCode(err) == app.CodeBadNeedsReason {
				setBig(r.Status, app.UserMessage(err), colError)
				r.touch()
				return
			}
			setBig(r.Headline, "未能保存评价", colError)
			setBig(r.Sub, app.UserMessage(err), colInk)
		} else {
			r.env.log().Info("tablet rating stored", "serial", t.Tx.Serial, "level", int(req.Level))
			setBig(r.Headline, "感谢您的评价！", colPrimary)
			setBig(r.Sub, "您的评价是："+r.levelName(req.Level), colMuted)
		}
		r.show(RatingDone)
		r.arm(r.deps.Done, r.next)
	})
}

// bigText is a centred canvas text of size s.
func bigText(s string, size float32, c color.Color) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Bold = true
	t.Alignment = fyne.TextAlignCenter
	return t
}

func setBig(t *canvas.Text, s string, c color.Color) {
	t.Text = s
	t.Color = c
	t.Refresh()
}

// bigButton gives b at least height h and a label of text size ts (a themed
// override, so the button's own text is big, not a text drawn over it).
func bigButton(b *widget.Button, ts float32, h float32) fyne.CanvasObject {
	return container.NewThemeOverride(container.New(&minHeight{h: h}, b), sizedTheme{text: ts})
}

// minHeight stacks its objects with at least height h.
type minHeight struct{ h float32 }

func (m *minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := layout.NewStackLayout().MinSize(objs)
	s.Height = max(s.Height, m.h)
	return s
}

func (m *minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	layout.NewStackLayout().Layout(objs, size)
}

// sizedTheme is Theme with another text size (for the big buttons).
type sizedTheme struct {
	Theme
	text float32
}

func (s sizedTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameText {
		return s.text
	}
	return s.Theme.Size(n)
}
