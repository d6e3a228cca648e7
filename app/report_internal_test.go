package app

import (
	"testing"
	"time"
)

func TestMeanP90(t *testing.T) {
	if m, p := meanP90(nil); m != nil || p != nil {
		t.Fatal("empty sample gives a value")
	}
	xs := []float64{10, 1, 2, 3, 4, 5, 6, 7, 8, 9} // nearest rank: ceil(0.9×10) = 9th = 9
	m, p := meanP90(xs)
	if *m != 5.5 || *p != 9 {
		t.Errorf("mean %v p90 %v", *m, *p)
	}
	if xs[0] != 10 {
		t.Error("meanP90 sorted its input")
	}
	if m, p := meanP90([]float64{4}); *m != 4 || *p != 4 {
		t.Errorf("one sample: %v %v", *m, *p)
	}
}

func TestDeadlineState(t *testing.T) {
	due := Date(2026, 10, 10).Add(17 * time.Hour)
	now := Date(2026, 10, 12)
	for _, c := range []struct {
		due, done, now time.Time
		want           DeadlineState
	}{
		{time.Time{}, time.Time{}, now, DeadlineNone},
		{due, due.Add(-time.Hour), now, DeadlineMet},
		{due, due, now, DeadlineMet},
		{due, due.Add(time.Minute), now, DeadlineMissed},
		{due, time.Time{}, now, DeadlineMissed},
		{due, time.Time{}, due.Add(-time.Hour), DeadlinePending},
	} {
		if got := deadline(c.due, c.done, c.now); got != c.want {
			t.Errorf("deadline(%v, %v, %v) = %s, want %s", c.due, c.done, c.now, got.Name(), c.want.Name())
		}
	}
}

func TestRankMarksLowest(t *testing.T) {
	r := func(v float64) *float64 { return &v }
	gs := []Group{
		{Key: "1", Metrics: Metrics{GoodRate: r(0.9)}},
		{Key: "2", Metrics: Metrics{GoodRate: nil}},
		{Key: "3", Metrics: Metrics{GoodRate: r(0.8)}},
		{Key: "4", Metrics: Metrics{GoodRate: r(1)}},
		{Key: "5", Metrics: Metrics{GoodRate: r(0.8)}},
	}
	out := rank(gs)
	var keys []string
	for _, g := range out {
		keys = append(keys, g.Key)
		if g.Lowest != (g.Key == "3" || g.Key == "5") {
			t.Errorf("%s lowest = %v", g.Key, g.Lowest)
		}
	}
	if got := keys; got[0] != "4" || got[1] != "1" || got[4] != "2" || out[4].Rank != 0 || out[3].Rank != 4 {
		t.Errorf("order %q ranks %+v", keys, out)
	}
	// One group, or all equal: nothing is marked.
	if out := rank(gs[:1]); out[0].Lowest {
		t.Error("a single group marked lowest")
	}
	if out := rank([]Group{gs[2], gs[4]}); out[0].Lowest || out[1].Lowest {
		t.Error("equal groups marked lowest")
	}
}

func TestWatchItemsConcentration(t *testing.T) {
	g := func(key string, total, bad int) RankedGroup {
		return RankedGroup{Group: Group{Key: key, Label: key, Metrics: Metrics{Counts: Counts{Total: total, ValidBad: bad}}}}
	}
	// Centre: 400 ratings, 20 valid bad reviews (5%).
	items := []RankedGroup{g("busy-usual", 200, 6), g("hot", 100, 10), g("small", 10, 2), g("rest", 90, 2)}
	out := watchItems(items, 20, 400)
	var keys []string
	for _, w := range out {
		keys = append(keys, w.Code)
	}
	// hot: 10% is twice 5%; busy-usual: 3% (though 30% of the month's);
	// small: 20%, but 2 are only 10% of the month's.
	if len(keys) != 1 || keys[0] != "hot" {
		t.Errorf("watched %q", keys)
	}
	out = watchItems([]RankedGroup{g("a", 10, 2), g("b", 90, 3)}, 5, 100)
	if len(out) != 1 || out[0].Code != "a" {
		t.Errorf("shares: %+v", out)
	}
	if out := watchItems(items, 0, 0); len(out) != 0 {
		t.Errorf("no bad reviews, watched %+v", out)
	}
}
