package screens

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// This file holds what the queue screens (counter, rating, kiosk, hall
// display) share: function keys that work wherever the focus is, timers that
// tests fire by hand, and the subscription to the Hall's events with
// reconnect and backoff.

// AfterFunc runs f on the UI goroutine once d has passed; the returned func
// cancels it (f may still run once if it was already due, so screens guard
// their timeouts with a sequence number). Nil in a deps struct means real
// timers (time.AfterFunc + fyne.Do); tests pass a fake they fire by hand.
type AfterFunc func(d time.Duration, f func()) (cancel func())

func realAfter(d time.Duration, f func()) func() {
	t := time.AfterFunc(d, func() { fyne.Do(f) })
	return func() { t.Stop() }
}

func afterOrReal(a AfterFunc) AfterFunc {
	if a == nil {
		return realAfter
	}
	return a
}

// toggleFullScreen is F11 on the display, kiosk and rating windows; then,
// when not nil, hears the new state (the integrator remembers it).
func toggleFullScreen(w fyne.Window, then func(bool)) {
	fs := !w.FullScreen()
	w.SetFullScreen(fs)
	if then != nil {
		then(fs)
	}
}

// hotkeys maps function keys to actions. Fyne gives an unmodified F-key only
// to the focused widget (the canvas's OnTypedKey hears it only when nothing
// has the focus), so every focusable widget of a screen with hotkeys is one
// of the hk* widgets below, which hand the keys on.
type hotkeys map[fyne.KeyName]func()

func (h hotkeys) handle(ev *fyne.KeyEvent) bool {
	if f := h[ev.Name]; f != nil {
		f()
		return true
	}
	return false
}

// hkEntry is an entry that passes the screen's function keys on.
type hkEntry struct {
	widget.Entry
	keys hotkeys
	py   *pinyinField // the built-in pinyin input, when the field has one
}

func newHKEntry(keys hotkeys, placeholder string) *hkEntry {
	e := &hkEntry{keys: keys}
	e.PlaceHolder = placeholder
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey runs a function key's action; other keys edit the text.
func (e *hkEntry) TypedKey(ev *fyne.KeyEvent) {
	if e.py != nil && e.py.typedKey(ev) {
		return
	}
	if e.keys.handle(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}

// TypedRune goes to the pinyin input first when it is on.
func (e *hkEntry) TypedRune(r rune) {
	if e.py != nil && e.py.typedRune(r) {
		return
	}
	e.Entry.TypedRune(r)
}

// hkButton is a button that Enter presses too and that passes the screen's
// function keys on.
type hkButton struct {
	widget.Button
	keys  hotkeys
	enter func() // instead of pressing it, when set
}

func newHKButton(keys hotkeys, label string, tapped func()) *hkButton {
	b := &hkButton{keys: keys}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Enter and runs function keys' actions.
func (b *hkButton) TypedKey(ev *fyne.KeyEvent) {
	if b.keys.handle(ev) {
		return
	}
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if b.enter != nil {
			b.enter()
			return
		}
		b.Tapped(nil)
		return
	}
	b.Button.TypedKey(ev)
}

// hkCheck is a check box that passes the screen's function keys on.
type hkCheck struct {
	widget.Check
	keys hotkeys
}

func newHKCheck(keys hotkeys, label string, changed func(bool)) *hkCheck {
	c := &hkCheck{keys: keys}
	c.Text = label
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey runs function keys' actions; Space toggles as usual.
func (c *hkCheck) TypedKey(ev *fyne.KeyEvent) {
	if c.keys.handle(ev) {
		return
	}
	c.Check.TypedKey(ev)
}

// hallWatch keeps a subscription to the Hall's events: when Subscribe fails
// or the channel closes (the LAN hub went away) it subscribes again after a
// backoff of 1 s, doubling to 30 s. Events and status changes reach the
// screen through do (fyne.Do by default), on the UI goroutine.
type hallWatch struct {
	hall     app.Hall
	do       func(func())
	onEvent  func(app.HallEvent)
	onStatus func(connected bool, msg string) // connected: (re)subscribed; refetch what may be missed
	wait     func(ctx context.Context, d time.Duration) bool
	log      func(msg string, args ...any)
}

const (
	watchFirstBackoff = time.Second
	watchMaxBackoff   = 30 * time.Second
)

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// run subscribes until ctx ends.
func (w *hallWatch) run(ctx context.Context) {
	do := w.do
	if do == nil {
		do = fyne.Do
	}
	wait := w.wait
	if wait == nil {
		wait = sleepCtx
	}
	backoff := watchFirstBackoff
	for ctx.Err() == nil {
		ch, err := w.hall.Subscribe(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if w.log != nil {
				w.log("hall subscribe failed", "err", err, "retry", backoff)
			}
			msg := fmt.Sprintf("与中心主机的连接中断，%d 秒后重试", int(backoff/time.Second))
			do(func() { w.onStatus(false, msg) })
			if !wait(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, watchMaxBackoff)
			continue
		}
		do(func() { w.onStatus(true, "与中心主机连接正常") })
		backoff = watchFirstBackoff
		for ev := range ch {
			do(func() { w.onEvent(ev) })
		}
		if ctx.Err() != nil {
			return
		}
		if w.log != nil {
			w.log("hall event stream closed; resubscribing", "after", backoff)
		}
		do(func() { w.onStatus(false, "与中心主机的连接中断，正在重新连接…") })
		if !wait(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, watchMaxBackoff)
	}
}
