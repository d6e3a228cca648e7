package screens

import (
	"context"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// RunWithProgress runs work as Run does and, if it is still running after
// Env.ProgressDelay, shows a modal dialog titled title saying what is being
// done, with a bar: it fills as the work reports its steps
// (app.ReportProgress on work's context) and moves without a figure until
// the first report. The dialog closes before done runs. Call it on the UI
// goroutine.
func RunWithProgress[T any](e *Env, title, what string, work func(ctx context.Context) (T, error), done func(T, error)) {
	p := newProgressDialog(e, title, what)
	delay := e.ProgressDelay
	switch {
	case delay < 0:
		p.show()
	case delay == 0:
		delay = 400 * time.Millisecond
		fallthrough
	default:
		p.cancel = afterOrReal(e.After)(delay, p.show)
	}
	Run(e, func(ctx context.Context) (T, error) {
		return work(app.WithProgress(ctx, p.report))
	}, func(v T, err error) {
		p.finish()
		done(v, err)
	})
}

// progressDialog is RunWithProgress's dialog. report is called from the
// worker; everything else runs on the UI goroutine.
type progressDialog struct {
	env      *Env
	dlg      dialog.Dialog
	bar      *widget.ProgressBar
	infinite *widget.ProgressBarInfinite
	step     *widget.Label
	cancel   func() // the delayed show

	mu       sync.Mutex
	finished bool
	last     time.Time
}

func newProgressDialog(e *Env, title, what string) *progressDialog {
	p := &progressDialog{env: e, bar: widget.NewProgressBar(), infinite: widget.NewProgressBarInfinite(), step: widget.NewLabel("")}
	p.bar.Hide()
	p.infinite.Stop()
	msg := widget.NewLabel(what)
	msg.Wrapping = fyne.TextWrapWord
	p.dlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(msg, container.NewStack(p.infinite, p.bar), p.step), e.Win)
	p.dlg.Resize(fyne.NewSize(440, 0))
	return p
}

func (p *progressDialog) show() {
	p.mu.Lock()
	finished := p.finished
	p.mu.Unlock()
	if finished {
		return
	}
	if !p.bar.Visible() {
		p.infinite.Start()
	}
	p.dlg.Show()
}

// report shows done of total; about 20 updates a second at most reach the UI.
func (p *progressDialog) report(done, total int) {
	p.mu.Lock()
	now := time.Now()
	skip := p.finished || (done < total && now.Sub(p.last) < 50*time.Millisecond)
	if !skip {
		p.last = now
	}
	p.mu.Unlock()
	if skip || total <= 0 {
		return
	}
	fyne.Do(func() {
		p.infinite.Stop()
		p.infinite.Hide()
		p.bar.Show()
		p.bar.SetValue(float64(done) / float64(total))
		p.step.SetText(fmt.Sprintf("%d / %d", done, total))
	})
}

func (p *progressDialog) finish() {
	p.mu.Lock()
	p.finished = true
	p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
	}
	p.infinite.Stop()
	p.dlg.Hide()
}
