// Package screens holds the Fyne screens of bianmin: first start, login and
// the manager's dashboard. Screens call app.Service and nothing below it (no
// SQL, no serial ports), and never import fyne.io/fyne/v2/app, so their tests
// run headless with fyne.io/fyne/v2/test and need no GL driver.
//
// Threading: widget callbacks run on Fyne's UI goroutine. Slow work (SQLite,
// Argon2 PIN checks, the demo generator) runs through Env.Run on another
// goroutine, and its result comes back to the UI with fyne.Do; a line that
// refreshes itself uses Every, a timer Env.After.
package screens

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// Env is what every screen needs: its window, the log, and how slow work runs.
type Env struct {
	Win fyne.Window
	Log *slog.Logger
	// Go starts slow work off the UI goroutine. Nil means `go f()`. Tests set
	// it to run f at once, so that assertions see the finished screen.
	Go func(f func())
	// Timeout bounds one piece of slow work; zero means two minutes.
	Timeout time.Duration
	// ProgressDelay is how long RunWithProgress waits before it shows its
	// progress dialog (quick work shows none); zero means 400 ms, negative
	// shows it at once.
	ProgressDelay time.Duration
	// After schedules UI work for later (the delayed progress dialog). Nil
	// means real timers posting to the UI goroutine; tests whose Go runs
	// work on their own goroutine pass a fake, since a real timer would touch
	// widgets from its goroutine while the test does.
	After AfterFunc
	// PrintPDF sends a PDF to this PC's A4 printer and names the printer;
	// nil (no system printing here) leaves documents to be opened only.
	PrintPDF func(ctx context.Context, path string) (printer string, err error)
}

func (e *Env) log() *slog.Logger {
	if e.Log == nil {
		return slog.Default()
	}
	return e.Log
}

// Every refreshes something on screen every d until the returned stop is
// called (a status line that refreshes itself): read runs off the UI
// goroutine, so it may be slow (a database count), and show gets its
// result on the UI goroutine.
func Every[T any](d time.Duration, read func() T, show func(T)) (stop func()) {
	t := time.NewTicker(d)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-t.C:
				v := read()
				fyne.Do(func() { show(v) })
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { t.Stop(); close(done) }) }
}

// Run runs work off the UI goroutine and then done on it, with work's result.
func Run[T any](e *Env, work func(ctx context.Context) (T, error), done func(T, error)) {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	job := func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		v, err := work(ctx)
		cancel()
		fyne.Do(func() { done(v, err) })
	}
	if e.Go != nil {
		e.Go(job)
		return
	}
	go job()
}

// ShowError logs what failed (English, with err's detail) and shows the
// Chinese message (app.UserMessage) in a dialog titled title. The dialog's
// button has the focus, so Enter, Space or Esc closes it; then, when not nil,
// runs after it is closed.
func (e *Env) ShowError(what, title string, err error, then func()) {
	e.log().Warn(what, "err", err, "code", app.ErrorCode(err))
	msg := widget.NewLabel(app.UserMessage(err))
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	ok := newKeyButton("知道了")
	d := dialog.NewCustomWithoutButtons(title, container.NewVBox(msg, container.NewCenter(ok)), e.Win)
	ok.OnTapped = d.Hide
	d.Resize(fyne.NewSize(460, 0))
	if then != nil {
		d.SetOnClosed(then)
	}
	d.Show()
	e.Win.Canvas().Focus(ok)
}

// keyButton is a button that Enter and Esc press too, not only Space: the
// users work from the keyboard (and a barcode scanner that ends with Enter).
type keyButton struct{ widget.Button }

func newKeyButton(label string) *keyButton {
	b := &keyButton{}
	b.Text = label
	b.Importance = widget.HighImportance
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Enter, Return, Space and Esc.
func (b *keyButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape:
		b.Tapped(nil)
		return
	}
	b.Button.TypedKey(ev)
}

// shown records which screen is on the window (the window tests wait for it).
func (e *Env) shown(screen string) {
	e.log().Info("screen shown", "screen", screen)
}
