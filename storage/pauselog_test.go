package storage

import (
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
)

// A rating at a window that has been paused for more than the grace is
// listed; one just after the pause began, or after it was resumed, is not.
func TestRatedWhilePaused(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	clk := app.NewFakeClock(t0)
	d.SetClock(clk)
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := app.NewService(d, clk, p, app.NewCalendar(), nil)
	q := queue.New(d, clk, nil)
	mgr := &app.Staff{ID: f.manager, No: "9001", Name: "王主任", Role: app.RoleManager, Active: true}

	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	clk.Set(at(0))
	mustf(t, q.SetPaused(ctx, f.win1, true), "pause")
	early := finishedTx(t, d, f, at(-1))
	late := finishedTx(t, d, f, at(-1))
	after := finishedTx(t, d, f, at(-1))
	addEvals(t, d, rating(early, app.LevelGood, at(1)), rating(late, app.LevelVeryGood, at(10)))
	clk.Set(at(20))
	mustf(t, q.SetPaused(ctx, f.win1, false), "resume")
	addEvals(t, d, rating(after, app.LevelVeryGood, at(30)))
	// Paused again and never resumed: open to now.
	clk.Set(at(40))
	mustf(t, q.SetPaused(ctx, f.win1, true), "pause again")
	still := finishedTx(t, d, f, at(39))
	addEvals(t, d, rating(still, app.LevelVeryGood, at(50)))
	clk.Set(at(60))

	got, err := svc.RatedWhilePaused(ctx, mgr, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Serial != late.Serial || !got[0].PausedSince.Equal(at(0)) || got[1].Serial != still.Serial ||
		got[0].Window != 1 {
		t.Fatalf("paused ratings %+v", got)
	}
	if _, err := svc.RatedWhilePaused(ctx, &app.Staff{ID: f.clerk1, Role: app.RoleClerk, Active: true}, 7); app.ErrorCode(err) != "forbidden" {
		t.Errorf("a clerk saw the list: %v", err)
	}
}
