package storage

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"bianmin/app"
)

// BenchmarkStatsMonth10y is `bianmin stats` for one month on the ten-year
// database, end to end through app.Service: the three fact queries and the
// GB/T 39735 computation, ungrouped and grouped by clerk. The target
// is under 200 ms on a 2-core machine.
func BenchmarkStatsMonth10y(b *testing.B) {
	d := bigDB(b)
	p, err := app.LoadProfile("national", "")
	if err != nil {
		b.Fatal(err)
	}
	svc := app.NewService(d, app.NewFakeClock(bigTo), p, app.NewCalendar(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, by := range []app.GroupBy{app.ByNone, app.ByClerk} {
		name := string(by)
		if name == "" {
			name = "all"
		}
		b.Run(name, func(b *testing.B) {
			var total int
			for i := 0; i < b.N; i++ {
				st, err := svc.Stats(ctx, monthFrom, monthTo, by)
				if err != nil {
					b.Fatal(err)
				}
				total = st.Total
			}
			b.ReportMetric(float64(total), "ratings")
		})
	}
}

// handStatsSQL is what one would write by hand for a month's figures by
// clerk: one aggregate pass per fact table over the same covering indexes,
// the rates' numerators as conditional sums, orders by their creation time.
var handStatsSQL = []string{`
	SELECT IFNULL(clerk_id, 0), count(*), sum(kind = 'active'), sum(kind = 'timeout'),
		sum(kind = 'active' AND level IN (1, 2)), sum(kind = 'active' AND level IN (4, 5)), sum(level), sum(channel = 'keypad')
	FROM evaluations WHERE rated_at >= ? AND rated_at < ? GROUP BY 1`, `
	SELECT IFNULL(clerk_id, 0), count(*), sum(active_rated)
	FROM transactions WHERE completed_at >= ? AND completed_at < ? AND is_theme = 0
		AND status IN ('completed', 'returned', 'refused') GROUP BY 1`, `
	SELECT IFNULL(clerk_id, 0), count(*), sum(replied_at IS NOT NULL), sum(verdict IN ('mistaken', 'malicious')),
		sum(rectified_at IS NOT NULL AND called_back_at IS NOT NULL), sum(on_site)
	FROM work_orders WHERE created_at >= ? AND created_at < ? GROUP BY 1`}

// BenchmarkStatsVsHandSQL times `bianmin stats --by clerk` for one month of
// the ten-year database (2 M evaluations) through app.Service, and, in the
// same loop, handStatsSQL on the same file; ratio = stats / hand.
func BenchmarkStatsVsHandSQL(b *testing.B) {
	d := bigDB(b)
	p, err := app.LoadProfile("national", "")
	if err != nil {
		b.Fatal(err)
	}
	svc := app.NewService(d, app.NewFakeClock(bigTo), p, app.NewCalendar(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	lo, hi := monthFrom.UnixMilli(), monthTo.UnixMilli()
	hand := func() int {
		n := 0
		for _, q := range handStatsSQL {
			rows, err := d.db.QueryContext(ctx, q, lo, hi)
			if err != nil {
				b.Fatal(err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			rows.Close()
		}
		return n
	}
	var tStats, tHand time.Duration
	var total int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if hand() == 0 {
			b.Fatal("hand-written SQL found nothing")
		}
		tHand += time.Since(start)
		start = time.Now()
		st, err := svc.Stats(ctx, monthFrom, monthTo, app.ByClerk)
		if err != nil {
			b.Fatal(err)
		}
		tStats += time.Since(start)
		total = st.Total
	}
	b.ReportMetric(float64(total), "ratings")
	b.ReportMetric(float64(tStats.Microseconds())/float64(b.N)/1000, "stats_ms")
	b.ReportMetric(float64(tHand.Microseconds())/float64(b.N)/1000, "hand_ms")
	b.ReportMetric(tStats.Seconds()/tHand.Seconds(), "ratio")
}
