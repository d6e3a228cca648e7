package screens

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// BenchmarkPaperEntry100Forms types 100 paper forms through the real entry
// screen and SQLite, as a practised user does: scan the form's 流水号 QR (the
// scanner types it and Enter), one level key, for a bad review the tag keys
// and Enter, Enter past the text, the form number (scanned or typed) and
// Enter. It reports the keys the person presses per form (a scan counts as
// one), the characters typed per form all told, and the program's own time
// per form. The seconds a person needs follow from the keys: see README.
func BenchmarkPaperEntry100Forms(b *testing.B) {
	const forms = 100
	var personKeys, allKeys int
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		txs := make([]app.Transaction, forms)
		for k := range txs {
			txs[k] = f.finished(b, now.Add(-time.Duration(forms-k)*time.Minute))
		}
		a := test.NewTempApp(b)
		a.Settings().SetTheme(Theme{})
		w := test.NewTempWindow(b, widget.NewLabel(""))
		w.Resize(fyne.NewSize(1366, 768))
		env := &Env{Win: w, Go: func(f func()) { f() }, After: neverAfter}
		d := NewDashboard(env, f.svc, &f.manager)
		w.SetContent(d.Content())
		test.Tap(d.Paper)
		p := d.PaperScreen
		personKeys, allKeys = 0, 0
		typeText := func(s string, scanned bool) {
			test.Type(w.Canvas().Focused(), s)
			allKeys += len([]rune(s))
			if !scanned {
				personKeys += len([]rune(s))
			}
		}
		press := func() {
			w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			allKeys++
			personKeys++
		}
		b.StartTimer()
		start := time.Now()
		for k, tx := range txs {
			typeText(tx.Serial, true) // the scanner types the 流水号 …
			w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			allKeys++
			personKeys++ // … and Enter: one pull of the trigger
			bad := k%10 == 9
			if bad {
				typeText("2", false)
				typeText("1", false) // tag 1
				press()
			} else {
				typeText("5", false)
			}
			press()                                            // no text
			typeText(fmt.Sprintf("F20260310-%05d", k+1), true) // the form's own QR
			press()
			if p.Entered != k+1 {
				b.Fatalf("form %d not saved: %q", k+1, p.Status.Text)
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		var txIDs []int64
		for _, tx := range txs {
			txIDs = append(txIDs, tx.ID)
		}
		if n, err := f.db.EvaluationsFor(context.Background(), txIDs); err != nil || len(n) != forms {
			b.Fatalf("%d evaluations stored (%v)", len(n), err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(personKeys)/forms, "person-keys/form")
	b.ReportMetric(float64(allKeys)/forms, "chars/form")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N*forms), "ms/form")
}
