package app_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/demo"
	"bianmin/app/demo/memstore"
)

// TestMonthReportModel checks the report against Stats and against the
// tickets and orders it was computed from, on a demo centre in memory.
func TestMonthReportModel(t *testing.T) {
	ctx := context.Background()
	p, err := app.LoadProfile("shenzhen", "")
	if err != nil {
		t.Fatal(err)
	}
	cal := app.NewCalendar()
	st := memstore.New()
	end := time.Date(2026, 11, 3, 12, 0, 0, 0, app.ChinaTime)
	if _, err := demo.Generate(ctx, st, p, cal, demo.Options{Days: 75, Seed: 3, End: end}); err != nil {
		t.Fatal(err)
	}
	svc := app.NewService(st, app.NewFakeClock(end), p, cal, nil)
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime)
	r, err := svc.MonthReport(ctx, month.Add(36*time.Hour), "0001 测试")
	if err != nil {
		t.Fatal(err)
	}
	if !r.From.Equal(month) || !r.To.Equal(month.AddDate(0, 1, 0)) || r.Month != "2026-10" {
		t.Fatalf("period %v – %v %s", r.From, r.To, r.Month)
	}
	for _, c := range []struct {
		got  app.Metrics
		from time.Time
		by   app.GroupBy
	}{{r.Summary, month, app.ByNone}, {r.Prev.Metrics, month.AddDate(0, -1, 0), app.ByNone}} {
		s, err := svc.Stats(ctx, c.from, c.from.AddDate(0, 1, 0), c.by)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.got, s.Metrics) {
			t.Errorf("%s: report %+v\nstats %+v", c.from.Format("2006-01"), c.got.Counts, s.Metrics.Counts)
		}
	}
	if r.Summary.Total == 0 || r.Summary.BadOrders == 0 {
		t.Fatal("demo month without ratings or bad reviews")
	}
	if r.LastYear.Total != 0 || r.LastYear.GoodRate != nil {
		t.Error("last year has figures before the centre existed")
	}
	// Groups: every group of Stats, ranked by good rate.
	for _, g := range []struct {
		by  app.GroupBy
		got []app.RankedGroup
	}{{app.ByWindow, r.Windows}, {app.ByClerk, r.Clerks}, {app.ByItem, r.Items}} {
		s, _ := svc.Stats(ctx, month, month.AddDate(0, 1, 0), g.by)
		if len(s.Groups) != len(g.got) {
			t.Errorf("%s: %d groups, stats %d", g.by, len(g.got), len(s.Groups))
		}
		for i := 1; i < len(g.got); i++ {
			a, b := g.got[i-1].GoodRate, g.got[i].GoodRate
			if b != nil && (a == nil || *a < *b) {
				t.Errorf("%s: not ranked at %d", g.by, i)
			}
		}
	}
	// Bad reviews: as many as Stats counts, overdue first, none of them before the month.
	if len(r.Orders) != r.Summary.BadOrders {
		t.Errorf("%d orders listed, %d counted", len(r.Orders), r.Summary.BadOrders)
	}
	seenOnTime := false
	for _, o := range r.Orders {
		if o.RatedAt.Before(r.From) || !o.RatedAt.Before(r.To) {
			t.Errorf("order %d rated %v", o.ID, o.RatedAt)
		}
		if !o.Overdue {
			seenOnTime = true
		} else if seenOnTime {
			t.Errorf("overdue order %d after an order on time", o.ID)
		}
	}
	cats := 0
	for _, c := range r.BadByCategory {
		cats += c.Count
	}
	if cats != r.Summary.BadOrders {
		t.Errorf("categories add up to %d, not %d", cats, r.Summary.BadOrders)
	}
	// Queue: every ticket of the month, once.
	tickets := 0
	for _, tk := range st.Tickets() {
		if !tk.IssuedAt.Before(r.From) && tk.IssuedAt.Before(r.To) {
			tickets++
		}
	}
	q := r.Queue
	hours := 0
	for _, n := range q.ByHour {
		hours += n
	}
	if q.Tickets != tickets || hours != tickets || q.Served+q.NoShows+q.NotCalled != tickets || tickets == 0 {
		t.Errorf("queue: %d tickets (%d by hour; %d+%d+%d), want %d", q.Tickets, hours, q.Served, q.NoShows, q.NotCalled, tickets)
	}
	if q.AvgWait == nil || q.P90Wait == nil || *q.P90Wait < 0 || q.BusiestHour < 8 || q.BusiestHour > 17 {
		t.Errorf("queue figures %+v", q.QueueFigures)
	}
	sum := 0
	for _, c := range q.Categories {
		sum += c.Tickets
	}
	if sum != tickets {
		t.Errorf("categories hold %d tickets of %d", sum, tickets)
	}
	// Daily: the days add up to the month.
	total := 0
	for _, d := range r.Daily {
		total += d.Total
	}
	if len(r.Daily) != 31 || total != r.Summary.Total {
		t.Errorf("%d days with %d ratings, month %d", len(r.Daily), total, r.Summary.Total)
	}
	// Clerk watch list (SZ 26): recount the year's verified valid staff reviews.
	year, err := st.RatedOrders(ctx, r.To.AddDate(-1, 0, 0), r.To)
	if err != nil {
		t.Fatal(err)
	}
	perClerk := map[int64]int{}
	for _, o := range year {
		if o.Verdict == app.VerdictValid && o.Category == app.CatStaff && o.ClerkID != 0 {
			perClerk[o.ClerkID]++
		}
	}
	watched := map[int64]bool{}
	for _, w := range r.WatchClerks {
		watched[w.StaffID] = true
		if w.YearCount != perClerk[w.StaffID] {
			t.Errorf("clerk %s: %d in the year, recounted %d", w.Name, w.YearCount, perClerk[w.StaffID])
		}
		if w.YearCount < app.WatchYearBad && w.WeekCount < app.WatchWeekBad {
			t.Errorf("clerk %s watched without reason: %+v", w.Name, w)
		}
	}
	for id, n := range perClerk {
		if n >= app.WatchYearBad && !watched[id] {
			t.Errorf("clerk %d with %d valid bad reviews not watched", id, n)
		}
	}
	for _, w := range r.WatchItems {
		if w.ValidBad < 2 {
			t.Errorf("item %s watched: %+v", w.Name, w)
		}
	}
}
