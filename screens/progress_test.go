package screens

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// progressShown finds the progress dialog's determinate bar among the
// window's overlays, and whether the dialog is up.
func progressShown(w fyne.Window) (*widget.ProgressBar, bool) {
	for _, o := range w.Canvas().Overlays().List() {
		for _, x := range test.LaidOutObjects(o) {
			if b, ok := x.(*widget.ProgressBar); ok && b.Visible() {
				return b, true
			}
			if _, ok := x.(*widget.ProgressBarInfinite); ok && x.Visible() {
				return nil, true
			}
		}
	}
	return nil, false
}

// Long work shows a dialog whose bar moves without a figure until the work
// reports its steps, then fills with them; it closes before the result is
// handled. Quick work (the default delay) shows nothing.
func TestProgressDialogForLongWork(t *testing.T) {
	env := syncEnv(t)
	env.ProgressDelay = -1 // at once: the test's work is instant
	var seen []float64
	var before, after bool
	RunWithProgress(env, "导出 Excel", "正在导出…", func(ctx context.Context) (int, error) {
		_, before = progressShown(env.Win)
		said := false
		for _, x := range texts(env.Win) {
			said = said || x == "正在导出…"
		}
		if !said {
			t.Error("the dialog does not say what is being done")
		}
		for i := 1; i <= 4; i++ {
			app.ReportProgress(ctx, i, 4)
			if b, _ := progressShown(env.Win); b != nil {
				seen = append(seen, b.Value)
			}
		}
		return 4, nil
	}, func(n int, err error) {
		_, after = progressShown(env.Win)
	})
	if !before {
		t.Error("no progress dialog while the work ran")
	}
	if len(seen) == 0 || seen[0] != 0.25 || seen[len(seen)-1] != 1 {
		t.Errorf("bar values %v, want from 0.25 up to 1", seen)
	}
	if after {
		t.Error("the progress dialog was still up when the result was handled")
	}

	env.ProgressDelay = 0
	var shown bool
	RunWithProgress(env, "快", "很快", func(ctx context.Context) (int, error) {
		_, shown = progressShown(env.Win)
		return 0, nil
	}, func(int, error) {})
	if shown {
		t.Error("instant work flashed a progress dialog")
	}

	// Work that outlasts the delay: the dialog comes when the timer fires,
	// and the timer is cancelled when the work ends.
	var due func()
	var delay time.Duration
	env.After = func(d time.Duration, f func()) func() {
		delay, due = d, f
		return func() { due = nil }
	}
	RunWithProgress(env, "慢", "很慢", func(ctx context.Context) (int, error) {
		if due == nil {
			t.Fatal("no timer for the progress dialog")
		}
		due()
		_, shown = progressShown(env.Win)
		return 0, nil
	}, func(int, error) {})
	if delay != 400*time.Millisecond || !shown {
		t.Errorf("after %v the dialog was shown: %v; want after 400ms, shown", delay, shown)
	}
	if due != nil {
		t.Error("the timer was not cancelled when the work ended")
	}
}

// Every reads off the UI goroutine and shows on it, tick after tick, until
// stopped; stopping twice is harmless.
func TestEveryRefreshes(t *testing.T) {
	test.NewTempApp(t)
	reads := 0
	shown := make(chan int, 8)
	stop := Every(time.Millisecond, func() int { reads++; return reads }, func(n int) { shown <- n })
	for want := 1; want <= 3; want++ {
		if got := <-shown; got != want {
			t.Fatalf("tick %d showed %d", want, got)
		}
	}
	stop()
	stop()
}
