package storage

import (
	"io"
	"log/slog"
	"testing"

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
