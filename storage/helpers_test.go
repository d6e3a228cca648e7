package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/demo"
	"bianmin/internal/testdb"
)

var ctx = context.Background()

// t0 is a fixed instant used by tests: Monday 2025-03-03 09:00 China time.
var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, app.ChinaTime)

// followUp turns a rating into a follow-up: the schema holds one active or
// timeout rating per visit, so tests that need a second row for one
// transaction use this kind.
func followUp(e app.Evaluation) app.Evaluation {
	e.Kind = app.KindFollowUp
	return e
}

func openTest(t testing.TB) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "bianmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	d.SetClock(app.NewFakeClock(t0))
	return d
}

// demos are the demo centres of this package's tests, each generated once.
var demos testdb.Templates[*demo.Result]

func TestMain(m *testing.M) { os.Exit(demos.Main(m)) }

// demo70 is a copy of its own of seventy days of a demo centre (national
// profile, seed 5) ending at end, open, and what the generator made.
func demo70(t *testing.T) (d *DB, res *demo.Result, end time.Time) {
	t.Helper()
	end = time.Date(2026, 11, 3, 12, 0, 0, 0, app.ChinaTime)
	path := filepath.Join(t.TempDir(), "demo.db")
	res = demos.Copy(t, "70 days", path, func(path string) (*demo.Result, error) {
		d, err := Open(path)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		p, err := app.LoadProfile("national", "")
		if err != nil {
			return nil, err
		}
		return demo.Generate(ctx, d, p, app.NewCalendar(), demo.Options{Days: 70, Seed: 5, End: end})
	})
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, res, end
}

// fixture is a small centre: two windows, three staff, two items.
type fixture struct {
	win1, win2     int64
	clerk1, clerk2 int64
	manager        int64
	cat            int64
}

func seed(t testing.TB, d *DB) fixture {
	t.Helper()
	var f fixture
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.SaveCentre(ctx, app.Centre{Name: "城关镇便民服务中心", AreaCode: "110101001000", Profile: "national"}))
	f.win1, err = d.AddWindow(ctx, app.Window{Number: 1, Name: "综合受理窗口", Kind: "综合受理", Active: true})
	must(err)
	f.win2, err = d.AddWindow(ctx, app.Window{Number: 2, Name: "综合出件窗口", Kind: "综合出件", Active: true})
	must(err)
	f.clerk1, err = d.AddStaff(ctx, app.Staff{No: "0001", Name: "张三", Role: app.RoleClerk, PINHash: "h1", Active: true})
	must(err)
	f.clerk2, err = d.AddStaff(ctx, app.Staff{No: "0002", Name: "李四", Role: app.RoleClerk, PINHash: "h2", Active: true})
	must(err)
	f.manager, err = d.AddStaff(ctx, app.Staff{No: "9001", Name: "王主任", Role: app.RoleManager, PINHash: "h9", Active: true})
	must(err)
	must(d.SaveItem(ctx, app.ServiceItem{Code: "110000001", Name: "户口迁移", Department: "公安", Instant: true, Active: true}))
	must(d.SaveItem(ctx, app.ServiceItem{Code: "110000002", Name: "城乡居民医保参保登记", Department: "医保", PromiseDays: 5,
		Materials: []string{"身份证", "户口簿"}, Active: true}))
	f.cat, err = d.AddCategory(ctx, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{f.win1, f.win2}})
	must(err)
	return f
}

// finishedTx adds a completed transaction at window 1 by clerk 1.
func finishedTx(t testing.TB, d *DB, f fixture, done time.Time) app.Transaction {
	t.Helper()
	tx, err := d.AddTransaction(ctx, app.Transaction{
		ItemCode: "110000001", ApplicantName: "赵六", WindowID: f.win1, ClerkID: f.clerk1,
		Status: app.TxCompleted, Visits: 1, CreatedAt: done.Add(-10 * time.Minute), AcceptedAt: done.Add(-9 * time.Minute),
		CompletedAt: done,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// rating is an active window rating of tx.
func rating(tx app.Transaction, level app.Level, at time.Time) app.Evaluation {
	return app.Evaluation{
		EventID: "ev-" + tx.Serial, TransactionID: tx.ID, Visit: tx.Visits, Dimension: app.DimWindow, Level: level,
		Channel: app.ChannelKeypad, Kind: app.KindActive, Rater: app.RaterApplicant,
		WindowID: tx.WindowID, ClerkID: tx.ClerkID, ItemCode: tx.ItemCode, RatedAt: at,
	}
}

func addEvals(t testing.TB, d *DB, evs ...app.Evaluation) []app.Evaluation {
	t.Helper()
	out, err := d.AddEvaluations(ctx, evs, nil, nil, app.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t testing.TB, d *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func fileHash(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func noProblems(t testing.TB, d *DB) {
	t.Helper()
	problems, err := d.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("Check found problems: %v", problems)
	}
}

func mustf(t testing.TB, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}
