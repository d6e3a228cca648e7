package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/wire"
)

// busyDB returns a demo centre with days of history at perDay tickets a
// working day, ending at reportEnd. Generating a busy year takes minutes, so
// the file is kept in the system temp directory and reused by later runs
// (delete it to rebuild: the name carries the parameters).
func busyDB(b *testing.B, days, perDay int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("bianmin-report-bench-%dd-%dpd-v1.db", days, perDay))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	os.Remove(tmp)
	began := time.Now()
	res := demoDB(b, tmp, days, perDay, reportEnd)
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s in %v: %d tickets, %d transactions, %d ratings", path, time.Since(began).Round(time.Second),
		res.Tickets, res.Transactions, res.Ratings)
	return path
}

// BenchmarkReportDemo: the report of a month of the demo centre (400 days
// of history at the most its six windows serve, ~4,000 transactions a month),
// and a year of monthly reports.
func BenchmarkReportDemo(b *testing.B) {
	benchReport(b, busyDB(b, 400, 330), time.Date(2026, 9, 1, 0, 0, 0, 0, app.ChinaTime))
}

// BenchmarkReportBusy: the same for a busy centre, ~6,000 transactions a month.
func BenchmarkReportBusy(b *testing.B) {
	benchReport(b, busyCentreDB(b), time.Date(2026, 9, 1, 0, 0, 0, 0, app.ChinaTime))
}

// benchReport times computing and rendering (PDF and xlsx) the report of
// month from a SQLite file, the model alone, and twelve monthly reports in a
// row (a year's worth, as at the year's end).
func benchReport(b *testing.B, db string, month time.Time) {
	ctx := context.Background()
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	svc.Clock = fixedClock{month.AddDate(0, 1, 3)}
	st, err := svc.Stats(ctx, month, month.AddDate(0, 1, 0), app.ByNone)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s %s: %d transactions, %d ratings, %d work orders", filepath.Base(db), month.Format("2006-01"),
		st.Transactions, st.Total, st.BadOrders)
	b.Run("month", func(b *testing.B) {
		var np, nx int
		for i := 0; i < b.N; i++ {
			pdf, xl, err := RenderMonthReport(ctx, svc, month, "0001 中心负责人", true)
			if err != nil {
				b.Fatal(err)
			}
			np, nx = len(pdf), len(xl)
		}
		b.ReportMetric(float64(st.Transactions), "tx/month")
		b.ReportMetric(float64(np), "pdf-bytes")
		b.ReportMetric(float64(nx), "xlsx-bytes")
	})
	b.Run("month-pdf-only", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := RenderMonthReport(ctx, svc, month, "0001 中心负责人", false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("month-model-only", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := svc.MonthReport(ctx, month, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("year-of-months", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for m := month.AddDate(0, -11, 0); !m.After(month); m = m.AddDate(0, 1, 0) {
				if _, _, err := RenderMonthReport(ctx, svc, m, "0001 中心负责人", true); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
