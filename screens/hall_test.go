package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"bianmin/app"
)

// A called event shows the call at once, refreshes the board and is
// announced exactly once; when the stream closes the display resubscribes.
func TestHallDisplayFollowsEvents(t *testing.T) {
	env := syncEnv(t)
	env.Win.Resize(fyne.NewSize(1920, 1080))
	hall := newFakeHall()
	ui := newUIQueue()
	timers := &fakeTimers{}
	var announced []app.Call
	waits := make(chan time.Duration, 8)
	resume := make(chan bool)
	d := NewHallDisplay(env, HallDisplayDeps{Hall: hall, Title: "测试镇便民服务中心", Do: ui.do, After: timers.after,
		Now:      func() time.Time { return now },
		Announce: func(c app.Call) { announced = append(announced, c) },
		Wait:     func(_ context.Context, d time.Duration) bool { waits <- d; return <-resume }})
	env.Win.SetContent(d.Content())
	d.Start()
	t.Cleanup(d.Stop)
	ui.next(t) // subscribed
	if d.Status.Text != "与中心主机连接正常" || d.Clock.Text != "10:00" {
		t.Errorf("status %q clock %q", d.Status.Text, d.Clock.Text)
	}
	if len(d.Board.Waiting) != 2 || !strings.Contains(d.Waiting.Text, "A 综合受理 3人") {
		t.Errorf("waiting not shown: %q", texts(env.Win))
	}

	// Window 1 calls A001: the hub sends the event.
	if _, err := hall.CallNext(context.Background(), 11, 7); err != nil {
		t.Fatal(err)
	}
	hall.events <- app.HallEvent{Seq: 1, Kind: app.EventCalled, Call: &app.Call{TicketID: 1, Number: "A001",
		WindowID: 11, WindowNumber: 1, At: time.Date(2026, 3, 10, 9, 0, 0, 0, app.ChinaTime)}}
	ui.next(t)
	if d.Headline.Text != "A001 → 1号窗口" {
		t.Errorf("headline %q", d.Headline.Text)
	}
	if len(announced) != 1 || announced[0].Number != "A001" || d.Announced != 1 {
		t.Errorf("announced %+v", announced)
	}
	if d.Recent[0].Text != "A001 → 1号窗口" || len(d.Board.Current) != 1 {
		t.Errorf("recent %q, current %+v", d.Recent[0].Text, d.Board.Current)
	}
	if d.Headline.TextSize < 100 {
		t.Errorf("the call is drawn at %v pt: too small for the hall", d.Headline.TextSize)
	}
	// Other events refresh the board and announce nothing.
	hall.events <- app.HallEvent{Seq: 2, Kind: app.EventIssued}
	ui.next(t)
	if len(announced) != 1 {
		t.Errorf("announced %d times", len(announced))
	}

	// The link drops: the display says so, waits and subscribes again.
	close(hall.events)
	ui.next(t)
	if !strings.Contains(d.Status.Text, "中断") {
		t.Errorf("status after the drop %q", d.Status.Text)
	}
	if w := <-waits; w != time.Second {
		t.Errorf("first backoff %v", w)
	}
	hall.mu.Lock()
	hall.events = make(chan app.HallEvent, 4)
	hall.mu.Unlock()
	resume <- true
	ui.next(t)
	if d.Status.Text != "与中心主机连接正常" || hall.subscriptions() != 2 {
		t.Errorf("after resubscribing: %q, %d subscriptions", d.Status.Text, hall.subscriptions())
	}

	// The notice scrolls on the ticker.
	assertShown(t, env.Win, hall.notice)
	before := d.Notice.Position().X
	timers.fire(hallScrollTick)
	if d.Notice.Position().X >= before {
		t.Errorf("the notice did not move: %v → %v", before, d.Notice.Position().X)
	}
}

// F11 toggles full screen and tells the integrator; on the hub's own PC
// (Local) there is no link line.
func TestHallDisplayFullScreenAndLocal(t *testing.T) {
	env := syncEnv(t)
	var states []bool
	d := NewHallDisplay(env, HallDisplayDeps{Hall: newFakeHall(), Local: true, After: (&fakeTimers{}).after,
		Do: newUIQueue().do, OnFullScreen: func(fs bool) { states = append(states, fs) }})
	env.Win.SetContent(d.Content())
	d.Start()
	t.Cleanup(d.Stop)
	if d.Status.Visible() {
		t.Error("a local display shows a link line")
	}
	for range 2 {
		env.Win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF11})
	}
	if len(states) != 2 || !states[0] || states[1] || env.Win.FullScreen() {
		t.Errorf("F11 states %v, full screen now %t", states, env.Win.FullScreen())
	}
}

// A hall that hears nothing says so on the display, in red under the link.
func TestHallDisplayShowsSilentVoice(t *testing.T) {
	env := syncEnv(t)
	env.Win.Resize(fyne.NewSize(1920, 1080))
	d := NewHallDisplay(env, HallDisplayDeps{Hall: newFakeHall(), Local: true, Do: newUIQueue().do,
		After: (&fakeTimers{}).after, Now: func() time.Time { return now }})
	env.Win.SetContent(d.Content())
	if d.Voice.Visible() {
		t.Fatal("a voice problem shown before any")
	}
	const msg = "语音：叫号无法发声（提示音也播放失败），请检查音箱和声音设备"
	d.SetVoiceProblem(msg)
	if !d.Voice.Visible() || d.Voice.Color != hallRed {
		t.Errorf("problem not shown in red")
	}
	assertShown(t, env.Win, msg)
	d.SetVoiceProblem("")
	if d.Voice.Visible() {
		t.Error("the problem stayed after the sound came back")
	}
}
