package app_test

import (
	"fmt"
	"testing"
	"time"

	"bianmin/app"
)

// rated stores a finished transaction of clerk at window 1 rated `level` at `when`.
func (f *lfix) rated(clerk *app.Staff, when time.Time, level app.Level, ticket int64, handling time.Duration) app.Transaction {
	f.t.Helper()
	f.clk.Set(when)
	f.serialNo++
	tx, err := f.st.AddTransaction(f.ctx, app.Transaction{ItemCode: "I1", WindowID: 1, ClerkID: clerk.ID,
		Status: app.TxCompleted, Visits: 1, CreatedAt: when.Add(-handling), CompletedAt: when, TicketID: ticket,
		Serial: fmt.Sprintf("S%04d", f.serialNo)})
	if err != nil {
		f.t.Fatal(err)
	}
	req := app.RateRequest{TransactionID: tx.ID, Level: level, Channel: app.ChannelKeypad}
	if f.svc.Profile.IsBad(level) {
		req.Tags = []string{"态度不好"}
	}
	if _, err := f.svc.Rate(f.ctx, nil, req); err != nil {
		f.t.Fatal(err)
	}
	return tx
}

// SZ 30: a clerk ranked lowest three complete months running is listed; one
// lowest in two of them is not; a clerk with too few ratings is not ranked.
func TestLowRankedThreeMonths(t *testing.T) {
	f := newLedger(t, "shenzhen", at(2026, 8, 3, 9))
	c := f.staff("0103", "赵窗口", app.RoleClerk)
	few := f.staff("0104", "钱窗口", app.RoleClerk)
	months := []time.Month{8, 9, 10}
	for mi, m := range months {
		for d := 0; d < 10; d++ {
			when := at(2026, m, 3+d, 10)
			f.rated(f.a, when, app.LevelBasic, 1, 10*time.Minute) // a: 6 points each month
			lvlB := app.LevelVeryGood
			if mi == 1 {
				lvlB = app.LevelBasic // b ties with a in September only
			}
			f.rated(f.b, when.Add(time.Hour), lvlB, 1, 10*time.Minute)
			f.rated(c, when.Add(2*time.Hour), app.LevelGood, 1, 10*time.Minute)
			if d < 3 {
				f.rated(few, when.Add(3*time.Hour), app.LevelVeryBad, 1, 10*time.Minute)
			}
		}
	}
	f.clk.Set(at(2026, 11, 20, 9))
	if _, err := f.svc.LowRanked(f.ctx, f.a, app.DefaultLowRankRules); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("a clerk saw the ranking: %v", err)
	}
	got, err := f.svc.LowRanked(f.ctx, f.mgr, app.DefaultLowRankRules)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].StaffID != f.a.ID || len(got[0].Months) != 3 || got[0].Months[0] != "2026-08" ||
		got[0].Ranks[0] != 1 || got[0].Ranks[2] != 1 || got[0].Ranked[0] != 3 || got[0].Values[0] != 6 {
		t.Fatalf("low ranked %+v", got)
	}
	// The bottom two: c (8 points) is second lowest in August but not in
	// September, where a and b tie lowest: still a alone.
	two := app.DefaultLowRankRules
	two.Bottom = 2
	got, _ = f.svc.LowRanked(f.ctx, f.mgr, two)
	if len(got) != 1 || got[0].StaffID != f.a.ID || got[0].Ranks[1] != 1 {
		t.Fatalf("bottom two: %+v", got)
	}
	// b, lowest only in September, is not listed; with a one-month run it is.
	one := app.LowRankRules{Months: 1, Bottom: 1, MinRatings: 10}
	f.clk.Set(at(2026, 10, 20, 9))
	got, _ = f.svc.LowRanked(f.ctx, f.mgr, one)
	if len(got) != 2 || got[0].StaffID != f.a.ID || got[1].StaffID != f.b.ID || got[1].Ranks[0] != 2 {
		t.Fatalf("September alone (a and b tie): %+v", got)
	}
	// In December the run is Sep–Nov; November has no ratings: nobody.
	f.clk.Set(at(2026, 12, 2, 9))
	if got, _ := f.svc.LowRanked(f.ctx, f.mgr, app.DefaultLowRankRules); len(got) != 0 {
		t.Errorf("a month without ratings still ranked: %+v", got)
	}
}

// Five good ratings of ticketless transactions completed within seconds, at
// one window within half an hour, are shown; real service is not.
func TestSuspiciousGoodRuns(t *testing.T) {
	f := newLedger(t, "national", at(2026, 11, 2, 9))
	base := at(2026, 11, 10, 14)
	for i := 0; i < 6; i++ {
		f.rated(f.a, base.Add(time.Duration(i)*4*time.Minute), app.LevelVeryGood, 0, 20*time.Second)
	}
	// Real work: a ticket and minutes of handling, at the same pace.
	for i := 0; i < 8; i++ {
		f.rated(f.b, base.Add(2*time.Hour+time.Duration(i)*3*time.Minute), app.LevelVeryGood, 7, 12*time.Minute)
	}
	// Four quick ones only: below the count.
	for i := 0; i < 4; i++ {
		f.rated(f.b, base.Add(5*time.Hour+time.Duration(i)*time.Minute), app.LevelVeryGood, 0, 5*time.Second)
	}
	f.clk.Set(at(2026, 11, 20, 9))
	runs, err := f.svc.Suspicious(f.ctx, f.mgr, app.DefaultSuspiciousRules)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Count != 6 || len(runs[0].Serials) != 6 || runs[0].ClerkNames[0] != f.a.Name ||
		!runs[0].From.Equal(base) {
		t.Fatalf("runs %+v", runs)
	}
	if _, err := f.svc.Suspicious(f.ctx, f.b, app.DefaultSuspiciousRules); app.ErrorCode(err) != "forbidden" {
		t.Errorf("a clerk saw the patterns: %v", err)
	}
}
