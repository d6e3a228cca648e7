package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/demo"
	"bianmin/storage"
)

// TestGenerateOnSQLite runs the generator on a real database file and checks
// that the metrics computed by the service match a recount of the stored rows.
func TestGenerateOnSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	days := 20
	if testing.Short() {
		days = 8
	}
	end := time.Date(2026, 11, 20, 15, 30, 0, 0, app.ChinaTime)
	start := time.Now()
	res, err := demo.Generate(ctx, db, p, app.NewCalendar(), demo.Options{Days: days, Seed: 3, End: end})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d days on SQLite in %v: %d tickets, %d transactions, %d ratings, %d timeouts, %d orders, refused %v",
		days, time.Since(start), res.Tickets, res.Transactions, res.Ratings, res.Timeouts, res.Orders, res.Refused)
	if len(res.Anomalies) > 0 {
		t.Errorf("anomalies: %q", res.Anomalies)
	}
	if probs, err := db.Check(ctx); err != nil || len(probs) > 0 {
		t.Fatalf("check: %v %v", probs, err)
	}
	svc := app.NewService(db, res.Clock, p, app.NewCalendar(), nil)
	rep, err := svc.Stats(ctx, res.From, end, app.ByNone)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total == 0 || rep.BadOrders == 0 || rep.GoodRate == nil {
		t.Fatalf("empty stats: %+v", rep.Metrics)
	}
}

func BenchmarkGenerate20(b *testing.B) {
	p, _ := app.LoadProfile("national", "")
	for i := 0; i < b.N; i++ {
		db, err := storage.Open(filepath.Join(b.TempDir(), "demo.db"))
		if err != nil {
			b.Fatal(err)
		}
		end := time.Date(2026, 11, 20, 15, 30, 0, 0, app.ChinaTime)
		if _, err := demo.Generate(context.Background(), db, p, app.NewCalendar(), demo.Options{Days: 20, Seed: 3, End: end}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
