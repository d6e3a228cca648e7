package storage

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"bianmin/app"
)

func serviceOn(t *testing.T, d *DB) *app.Service {
	t.Helper()
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	return app.NewService(d, app.NewFakeClock(t0.Add(time.Hour)), p, app.NewCalendar(), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// Two devices rating one visit at the same instant: the rules check and the
// insert are separate steps, so the database's one-per-visit index decides,
// and the loser gets the rules' refusal, not a second stored rating.
func TestRacingRatingsStoreOne(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	svc := serviceOn(t, d)
	for round := 0; round < 20; round++ {
		tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "I001", WindowID: f.win1, ClerkID: f.clerk1,
			Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: t0, CompletedAt: t0.Add(30 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch := []app.Channel{app.ChannelKeypad, app.ChannelTablet, app.ChannelQR, app.ChannelSMS}[i]
				_, errs[i] = svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelGood, Channel: ch})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case app.ErrorCode(err) != "already_rated":
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		evs, _ := d.EvaluationsFor(ctx, []int64{tx.ID})
		if ok != 1 || len(evs) != 1 {
			t.Fatalf("round %d: %d accepted, %d stored", round, ok, len(evs))
		}
	}
}

// A bad review corrected to good leaves the order out of the order facts'
// count (CorrectedTo is filled), and its order is closed.
func TestOrderFactsSeeCorrections(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	svc := serviceOn(t, d)
	mgr := &app.Staff{ID: f.manager, Role: app.RoleManager, Active: true}
	tx, _ := d.AddTransaction(ctx, app.Transaction{ItemCode: "I001", WindowID: f.win1, ClerkID: f.clerk1,
		Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: t0, CompletedAt: t0.Add(30 * time.Minute)})
	rows, err := svc.Rate(ctx, mgr, app.RateRequest{TransactionID: tx.ID, Level: app.LevelVeryBad, Text: "排队太久", Channel: app.ChannelPaper, FormNo: "P0001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Correct(ctx, mgr, rows[0].ID, app.RateRequest{Level: app.LevelVeryGood}, "表上勾选的是非常满意"); err != nil {
		t.Fatal(err)
	}
	facts, err := d.OrderFacts(ctx, t0, t0.Add(24*time.Hour))
	if err != nil || len(facts) != 1 || facts[0].CorrectedTo != app.LevelVeryGood || facts[0].State != app.OrderClosed {
		t.Fatalf("%v %+v", err, facts)
	}
	st, err := svc.Stats(ctx, t0, t0.Add(24*time.Hour), app.ByNone)
	if err != nil || st.BadOrders != 0 || st.Total != 1 || st.ValidBad != 0 {
		t.Fatalf("%v %+v", err, st.Counts)
	}
}

// The dashboard settles rating windows that have closed, so 未评 appears
// without anyone running `bianmin stats`.
func TestDashboardSettlesTimeouts(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	p, _ := app.LoadProfile("national", "")
	clk := app.NewFakeClock(t0.Add(time.Hour))
	svc := app.NewService(d, clk, p, app.NewCalendar(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "I001", WindowID: f.win1, ClerkID: f.clerk1,
		Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: t0, CompletedAt: t0.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	db, err := svc.Dashboard(ctx)
	if err != nil || db.Month.TimeoutUnrated != 0 {
		t.Fatalf("window still open: %v %+v", err, db)
	}
	clk.Set(t0.AddDate(0, 0, 9)) // Mon 3 Mar + 5 working days = Mon 10 Mar; now Wed 12 Mar
	db, err = svc.Dashboard(ctx)
	if err != nil || db.Month.TimeoutUnrated != 1 || db.Month.UnratedRate == nil || *db.Month.UnratedRate != 1 {
		t.Fatalf("after the window: %v %+v", err, db.Month.Counts)
	}
}

// A form number entered twice is told apart from a visit rated twice.
func TestFormNumberTwiceIsNotAlreadyRated(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	svc := serviceOn(t, d)
	mgr := &app.Staff{ID: f.manager, Role: app.RoleManager, Active: true}
	var txs []app.Transaction
	for i := 0; i < 2; i++ {
		tx, _ := d.AddTransaction(ctx, app.Transaction{ItemCode: "I001", WindowID: f.win1, ClerkID: f.clerk1,
			Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: t0, CompletedAt: t0.Add(30 * time.Minute)})
		txs = append(txs, tx)
	}
	req := app.RateRequest{TransactionID: txs[0].ID, Level: app.LevelGood, Channel: app.ChannelPaper, FormNo: "F1"}
	if _, err := svc.Rate(ctx, mgr, req); err != nil {
		t.Fatal(err)
	}
	req.TransactionID = txs[1].ID
	if _, err := svc.Rate(ctx, mgr, req); app.ErrorCode(err) != "form_entered" {
		t.Fatalf("second use of form F1: %v", err)
	}
}
