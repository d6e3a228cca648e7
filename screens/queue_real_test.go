package screens

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/app/queue"
)

// One person's morning on the real queue (queue.Queue) and the real service
// over a SQLite file: a ticket from the kiosk, called at the counter with F1
// and shown and announced on the hall display, registered and finished at
// the counter, and rated 非常满意 on the customer's screen.
func TestQueueScreensOnTheRealQueue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.AddCategory(ctx, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{f.window}}); err != nil {
		t.Fatal(err)
	}
	q := queue.New(f.db, f.clock, nil)

	// The hall display, on its own window.
	hallEnv := syncEnv(t)
	hallUI := newUIQueue()
	var announced []app.Call
	disp := NewHallDisplay(hallEnv, HallDisplayDeps{Hall: q, Do: hallUI.do, After: (&fakeTimers{}).after,
		Announce: func(c app.Call) { announced = append(announced, c) }})
	hallEnv.Win.SetContent(disp.Content())
	disp.Start()
	t.Cleanup(disp.Stop)
	hallUI.next(t) // subscribed

	// The kiosk issues A001.
	kioskEnv := syncEnv(t)
	kiosk := NewKiosk(kioskEnv, KioskDeps{Hall: q, After: (&fakeTimers{}).after})
	kioskEnv.Win.SetContent(kiosk.Content())
	test.Tap(kiosk.Categories[1])
	if kiosk.Number.Text != "A001" || kiosk.Note.Text != "请牢记您的号码" {
		t.Fatalf("kiosk shows %q %q (status %q)", kiosk.Number.Text, kiosk.Note.Text, kiosk.Status.Text)
	}
	hallUI.next(t) // issued
	if len(disp.Board.Waiting) != 1 || disp.Board.Waiting[0].Waiting != 1 {
		t.Errorf("hall waiting %+v", disp.Board.Waiting)
	}

	// The customer-facing rating screen.
	rateEnv := syncEnv(t)
	rating := NewRating(rateEnv, RatingDeps{Rater: f.svc, Profile: f.svc.Profile, Device: "w1", After: (&fakeTimers{}).after})
	rateEnv.Win.SetContent(rating.Content())
	rating.Attach()

	// The counter calls it with F1.
	env := syncEnv(t)
	c := NewCounter(env, CounterDeps{Hall: q, Reg: f.svc, Clerk: &f.manager, WindowID: f.window,
		Drafts: FileDrafts{Dir: t.TempDir()}, ShowRating: rating.Start, Do: newUIQueue().do})
	env.Win.SetContent(c.Content())
	c.Start()
	t.Cleanup(c.Stop)
	if c.WindowTitle.Text != "1号窗口" || c.Waiting.Text != "等候 1 人" {
		t.Errorf("counter top %q %q", c.WindowTitle.Text, c.Waiting.Text)
	}
	env.Win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyF1})
	if c.Ticket.Text != "A001" {
		t.Fatalf("counter ticket %q (status %q)", c.Ticket.Text, c.Status.Text)
	}
	hallUI.next(t) // called
	if disp.Headline.Text != "A001 → 1号窗口" || len(announced) != 1 {
		t.Errorf("hall headline %q, announced %d", disp.Headline.Text, len(announced))
	}

	// Registration and 办结.
	test.Type(c.Name, "王秀英")
	c.focus(c.ID)
	test.Type(c.ID, validID("11010519491231002"))
	c.focus(c.ItemQuery)
	test.Type(c.ItemQuery, "X001")
	enter(c.ItemQuery)
	if len(c.Items) != 1 {
		t.Fatalf("item not added: %q", c.Status.Text)
	}
	env.Win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyF9})
	if rating.State != RatingChoose || rating.Target == nil {
		t.Fatalf("the rating screen did not start (counter status %q)", c.Status.Text)
	}
	tx, err := f.db.Transaction(ctx, rating.Target.Tx.ID)
	if err != nil || tx.Status != app.TxCompleted || tx.TicketID == 0 || tx.IDMasked != "110105********002X" {
		t.Fatalf("stored transaction %+v (%v)", tx, err)
	}

	test.TypeOnCanvas(rateEnv.Win.Canvas(), "5")
	es := f.evals(t, tx)
	if len(es) != 1 || es[0].Channel != app.ChannelTablet || es[0].Level != app.LevelVeryGood {
		t.Fatalf("stored ratings %+v (screen %q %q)", es, rating.Headline.Text, rating.Sub.Text)
	}
	f.clock.Advance(time.Minute)
}
