package storage

import (
	"reflect"
	"testing"
	"time"

	"bianmin/app"
)

// TestFactCountsAgreeWithRows: the facts counted in SQL are app.CountFacts
// of the row facts, for every grouping and period, on a demo centre with
// corrections, bad reviews verified invalid, a bad review whose second work
// order reversed the first's verdict and a paper form entered weeks after
// the day it was filled in, ratings by a channel this build does not
// know; Compute gives the same figures for both.
func TestFactCountsAgreeWithRows(t *testing.T) {
	d, res, end := demo70(t)
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, app.ChinaTime)
	oct := sep.AddDate(0, 1, 0)
	rows, err := d.EvalFacts(ctx, sep, oct)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := d.RatedOrders(ctx, sep, oct)
	if err != nil || len(orders) < 2 {
		t.Fatalf("%d September orders, %v", len(orders), err)
	}
	// The first September order's review is found mistaken by a second
	// order; the second's, found malicious first, is then found valid.
	more := []app.WorkOrder{
		{EvaluationID: orders[0].EvaluationID, Category: app.CatStaff, Verdict: app.VerdictMistaken},
		{EvaluationID: orders[1].EvaluationID, Category: app.CatStaff, Verdict: app.VerdictMalicious},
		{EvaluationID: orders[1].EvaluationID, Category: app.CatStaff, Verdict: app.VerdictValid},
	}
	if _, err := d.AddEvaluations(ctx, nil, more, nil, app.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	// A paper form filled in on 15 September, entered in November.
	paper := app.Evaluation{Visit: 1, Dimension: app.DimWindow, Level: app.LevelBad, Channel: app.ChannelPaper,
		Kind: app.KindActive, ItemCode: rows[0].ItemCode, WindowID: rows[0].WindowID, ClerkID: rows[0].ClerkID,
		RatedAt: sep.AddDate(0, 0, 14), FormNo: "P-2026-000099"}
	// Two ratings by a channel this build does not know (a newer build's).
	newer := paper
	newer.FormNo, newer.Channel, newer.Level = "", "wechat", app.LevelVeryGood
	newer2 := newer
	newer2.Level = app.LevelVeryBad
	if _, err := d.AddEvaluations(ctx, []app.Evaluation{paper, newer, newer2}, nil, nil, app.AuditEntry{}); err != nil {
		t.Fatal(err)
	}

	invalid := 0
	for _, period := range [][2]time.Time{{sep, oct}, {oct, oct.AddDate(0, 1, 0)}, {{}, {}}, {end.AddDate(1, 0, 0), end.AddDate(1, 1, 0)}} {
		from, to := period[0], period[1]
		var f app.Facts
		if f.Evals, err = d.EvalFacts(ctx, from, to); err != nil {
			t.Fatal(err)
		}
		if f.Orders, err = d.OrderFacts(ctx, from, to); err != nil {
			t.Fatal(err)
		}
		if f.Txs, err = d.TxFacts(ctx, from, to); err != nil {
			t.Fatal(err)
		}
		for _, by := range []app.GroupBy{app.ByNone, app.ByWindow, app.ByClerk, app.ByItem} {
			want := app.CountFacts(f, by)
			got, err := d.FactCounts(ctx, from, to, by)
			if err != nil {
				t.Fatal(err)
			}
			if !sameFacts(got, want) {
				t.Errorf("%v–%v by %q:\n got %+v\nwant %+v", from, to, by, got, want)
				continue
			}
			mRows, gRows := app.Compute(p, f, by)
			mCounts, gCounts := app.Compute(p, got, by)
			if !reflect.DeepEqual(mRows, mCounts) || !reflect.DeepEqual(gRows, gCounts) {
				t.Errorf("%v–%v by %q: metrics differ\nrows   %+v\ncounts %+v", from, to, by, mRows, mCounts)
			}
			for _, e := range got.Evals {
				if e.Verdict.Invalid() {
					invalid += e.N
				}
			}
		}
	}
	if invalid == 0 || res.Corrections == 0 {
		t.Errorf("%d invalid bad reviews counted, %d corrections: the exceptions were not exercised", invalid, res.Corrections)
	}
}

// sameFacts compares facts, an empty list equal to none.
func sameFacts(a, b app.Facts) bool {
	same := func(x, y any, n, m int) bool { return n == 0 && m == 0 || reflect.DeepEqual(x, y) }
	return same(a.Evals, b.Evals, len(a.Evals), len(b.Evals)) && same(a.Orders, b.Orders, len(a.Orders), len(b.Orders)) &&
		same(a.Txs, b.Txs, len(a.Txs), len(b.Txs))
}
