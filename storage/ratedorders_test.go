package storage

import (
	"testing"
	"time"

	"bianmin/app"
)

// TestRatedOrdersMatchOrderFacts: RatedOrders returns the orders OrderFacts
// counts, in the same order, with the same facts, on a demo centre.
func TestRatedOrdersMatchOrderFacts(t *testing.T) {
	d, res, _ := demo70(t)
	if res.Corrections == 0 {
		t.Log("no corrections in this demo")
	}
	for _, m := range []time.Time{time.Date(2026, 9, 1, 0, 0, 0, 0, app.ChinaTime), time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime), {}} {
		to := m.AddDate(0, 1, 0)
		if m.IsZero() {
			to = time.Time{} // open both ends: everything
		}
		facts, err := d.OrderFacts(ctx, m, to)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.RatedOrders(ctx, m, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(facts) || len(got) == 0 {
			t.Fatalf("%v: %d rated orders, %d facts", m, len(got), len(facts))
		}
		for i, f := range facts {
			o := got[i]
			if o.Verdict != f.Verdict || o.Category != f.Category || o.State != f.State || o.OnSite != f.OnSite ||
				o.WindowID != f.WindowID || o.ClerkID != f.ClerkID || o.ItemCode != f.ItemCode || o.CorrectedTo != f.CorrectedTo ||
				o.RepliedAt.IsZero() == f.Replied || o.CallbackResult != f.CallbackResult {
				t.Errorf("order %d: %+v\nfacts %+v", o.ID, o, f)
			}
			if !m.IsZero() && (o.RatedAt.Before(m) || !o.RatedAt.Before(to)) {
				t.Errorf("order %d rated %v", o.ID, o.RatedAt)
			}
			if !o.Level.Valid() || o.CreatedAt.Before(o.RatedAt) {
				t.Errorf("order %d: level %d, created %v before rated %v", o.ID, o.Level, o.CreatedAt, o.RatedAt)
			}
		}
	}
}
