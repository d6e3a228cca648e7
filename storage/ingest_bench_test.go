package storage

import (
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bianmin/app"
)

// plainIngest is the baseline the ingest benchmarks compare against: the same
// driver and pragmas (WAL, synchronous=FULL, BEGIN IMMEDIATE), one prepared
// INSERT of an evaluation row per transaction into a table with the same
// columns and no index, trigger, outbox or audit.
type plainIngest struct {
	db  *sql.DB
	ins *sql.Stmt
}

// benchDir is where an ingest benchmark keeps its files: a new folder in
// $BIANMIN_BENCH_DIR when set, so the figures can be taken on the disk a
// centre's PC has (an HDD's fsync takes milliseconds, this VM's well under
// one, and the ratios depend on it), or the test's temporary folder.
func benchDir(b *testing.B) string {
	b.Helper()
	root := os.Getenv("BIANMIN_BENCH_DIR")
	if root == "" {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp(root, "bianmin-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func openPlain(b *testing.B) *plainIngest {
	b.Helper()
	db, err := sql.Open("sqlite", fileURI(filepath.Join(benchDir(b), "plain.db"), rwParams()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE evaluations (id INTEGER PRIMARY KEY, uid TEXT NOT NULL, event_id TEXT NOT NULL,
		transaction_id INTEGER, visit INTEGER NOT NULL, dimension TEXT NOT NULL, level INTEGER NOT NULL, tags TEXT NOT NULL,
		text TEXT NOT NULL, channel TEXT NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL, rater TEXT NOT NULL,
		evaluator_name TEXT NOT NULL, evaluator_tel TEXT NOT NULL, corrects_id INTEGER, form_no TEXT NOT NULL,
		entered_by INTEGER, window_id INTEGER, clerk_id INTEGER, item_code TEXT NOT NULL, rated_at INTEGER NOT NULL,
		created_at INTEGER NOT NULL) STRICT`); err != nil {
		b.Fatal(err)
	}
	ins, err := db.Prepare(insertEvalSQL)
	if err != nil {
		b.Fatal(err)
	}
	return &plainIngest{db: db, ins: ins}
}

func (p *plainIngest) add(b *testing.B, e *app.Evaluation) {
	e.UID, e.CreatedAt = newUID(), time.Now()
	e.RatedAt = e.CreatedAt
	tx, err := p.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	var id int64
	if err := tx.Stmt(p.ins).QueryRow(evalArgs(e, "[]")...).Scan(&id); err != nil {
		tx.Rollback()
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// benchRating is rating i of an ingest benchmark: every 50th a bad one with
// its work order.
func benchRating(f fixture, txID int64, i int) (app.Evaluation, []app.WorkOrder, []int) {
	e := app.Evaluation{TransactionID: txID, Visit: 1, Dimension: app.DimWindow, Level: app.LevelVeryGood,
		Channel: app.ChannelKeypad, Kind: app.KindActive, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001"}
	if i%50 == 49 {
		e.Level = app.LevelVeryBad
		return e, []app.WorkOrder{{TransactionID: txID, ClerkID: f.clerk1, Category: app.CatStaff}}, []int{0}
	}
	return e, nil, nil
}

func ingestOne(d *DB, f fixture, txID int64, i int) error {
	e, orders, orderFor := benchRating(f, txID, i)
	_, err := d.AddEvaluations(ctx, []app.Evaluation{e}, orders, orderFor,
		app.AuditEntry{StaffID: f.clerk1, Action: "rate"})
	return err
}

// BenchmarkIngestVsPlain stores ratings one by one as the counter does (each
// AddEvaluations its own durable commit, with outbox row, audit entry and the
// transaction's rated flags) and, interleaved in the same run, the plain
// baseline; it reports both rates and ratio = ingest / plain.
func BenchmarkIngestVsPlain(b *testing.B) {
	d, err := Open(filepath.Join(benchDir(b), "ingest.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	f := seed(b, d)
	txIDs := bulkTransactions(b, d, f, b.N)
	p := openPlain(b)
	const chunk = 50
	var tIngest, tPlain time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i += chunk {
		n := min(chunk, b.N-i)
		start := time.Now()
		for j := i; j < i+n; j++ {
			e, _, _ := benchRating(f, txIDs[j], j)
			p.add(b, &e)
		}
		tPlain += time.Since(start)
		start = time.Now()
		for j := i; j < i+n; j++ {
			if err := ingestOne(d, f, txIDs[j], j); err != nil {
				b.Fatal(err)
			}
		}
		tIngest += time.Since(start)
	}
	ingest, plain := float64(b.N)/tIngest.Seconds(), float64(b.N)/tPlain.Seconds()
	b.ReportMetric(ingest, "ratings/s")
	b.ReportMetric(plain, "plain/s")
	b.ReportMetric(ingest/plain, "ratio")
}

// BenchmarkIngestConcurrent has 10 writers storing ratings at once (ten
// windows' keypads), each call acknowledged only after its durable commit,
// and reports ratio = their combined rate / the plain single-writer rate
// measured in the same run.
func BenchmarkIngestConcurrent(b *testing.B) {
	d, err := Open(filepath.Join(benchDir(b), "ingest.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	f := seed(b, d)
	txIDs := bulkTransactions(b, d, f, b.N)
	p := openPlain(b)
	const writers = 10
	var commits int
	d.onGroup = func(int) { commits++ } // called under the write lock
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		e, _, _ := benchRating(f, txIDs[i], i)
		p.add(b, &e)
	}
	tPlain := time.Since(start)
	start = time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < b.N; i += writers {
				if err := ingestOne(d, f, txIDs[i], i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	tIngest := time.Since(start)
	ingest, plain := float64(b.N)/tIngest.Seconds(), float64(b.N)/tPlain.Seconds()
	b.ReportMetric(ingest, "ratings/s")
	b.ReportMetric(plain, "plain/s")
	b.ReportMetric(ingest/plain, "ratio")
	if commits > 0 {
		b.ReportMetric(float64(b.N)/float64(commits), "ratings/commit")
	}
}
