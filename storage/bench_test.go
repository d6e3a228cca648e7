package storage

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
)

// bulkTransactions inserts n finished transactions in one transaction.
func bulkTransactions(b testing.TB, d *DB, f fixture, n int) []int64 {
	b.Helper()
	tx, err := d.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]int64, n)
	at := t0.UnixMilli()
	for i := range ids {
		err := tx.QueryRow(`INSERT INTO transactions (serial, uid, item_code, batch_id, batch_count, is_theme, agent_name,
			applicant_name, id_masked, id_hash, phone, window_id, clerk_id, status, visits, created_at, completed_at)
			VALUES (?, ?, '110000001', '', 1, 0, '', '', '', '', '', ?, ?, 'completed', 1, ?, ?) RETURNING id`,
			fmt.Sprintf("BMBENCH%09d", i), newUID(), f.win1, f.clerk1, at, at).Scan(&ids[i])
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return ids
}

// The ten-year database: a busy centre, 2016–2025, ~2 million evaluations.
const (
	bigEvaluations = 2_000_000
	bigGenVersion  = 3 // bump when the generator changes, to rebuild the cache
)

var (
	bigFrom = time.Date(2016, 1, 1, 0, 0, 0, 0, app.ChinaTime)
	bigTo   = time.Date(2026, 1, 1, 0, 0, 0, 0, app.ChinaTime)
	// The month the benchmark reads.
	monthFrom = time.Date(2025, 6, 1, 0, 0, 0, 0, app.ChinaTime)
	monthTo   = time.Date(2025, 7, 1, 0, 0, 0, 0, app.ChinaTime)
)

// BenchmarkEvalFactsMonth10y times what a monthly report reads: EvalFacts,
// OrderFacts and TxFacts for one month of a database holding ten years.
func BenchmarkEvalFactsMonth10y(b *testing.B) {
	d := bigDB(b)
	var ne, no, nt int
	var te, to, tt time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := time.Now()
		ef, err := d.EvalFacts(ctx, monthFrom, monthTo)
		if err != nil {
			b.Fatal(err)
		}
		te += time.Since(s)
		s = time.Now()
		of, err := d.OrderFacts(ctx, monthFrom, monthTo)
		if err != nil {
			b.Fatal(err)
		}
		to += time.Since(s)
		s = time.Now()
		tf, err := d.TxFacts(ctx, monthFrom, monthTo)
		if err != nil {
			b.Fatal(err)
		}
		tt += time.Since(s)
		ne, no, nt = len(ef), len(of), len(tf)
	}
	b.StopTimer()
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(te+to+tt), "ms/month")
	// CPU time of the whole process per month: on a machine shared with other
	// work the wall time above varies with the load, this much less.
	b.ReportMetric(ms(cpuTime()-cpu0), "cpu-ms/month")
	b.ReportMetric(ms(te), "eval-ms")
	b.ReportMetric(ms(to), "order-ms")
	b.ReportMetric(ms(tt), "tx-ms")
	b.ReportMetric(float64(ne), "evalfacts")
	b.ReportMetric(float64(no), "orderfacts")
	b.ReportMetric(float64(nt), "txfacts")
}

// BenchmarkFinishedUnrated10y times the timeout sweeper's query on the same
// database, where nearly every finished transaction is already rated.
func BenchmarkFinishedUnrated10y(b *testing.B) {
	d := bigDB(b)
	var n int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		txs, err := d.FinishedUnrated(ctx, bigTo, 200)
		if err != nil {
			b.Fatal(err)
		}
		n = len(txs)
	}
	b.ReportMetric(float64(n), "unrated")
}

// bigDB opens the cached ten-year database under os.TempDir(), building it
// first when missing (about a minute or two; only ever from a benchmark).
func bigDB(b *testing.B) *DB {
	b.Helper()
	if testing.Short() {
		b.Skip("the ten-year database is not built in -short mode")
	}
	// Named by generator version only: a file built at an older schema is
	// migrated forward by Open, as a real centre's database would be.
	path := filepath.Join(os.TempDir(), fmt.Sprintf("bianmin-bench-10y-g%d.db", bigGenVersion))
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		start := time.Now()
		tmp := path + ".building"
		for _, s := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(tmp + s)
		}
		if err := buildBigDB(tmp); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s in %v", path, time.Since(start).Round(time.Second))
	}
	d, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// buildBigDB writes the ten-year centre with prepared statements in a single
// transaction, bypassing AddEvaluations (and its per-rating fsync and outbox
// rows). The data is deterministic.
func buildBigDB(path string) error {
	d, err := Open(path)
	if err != nil {
		return err
	}
	const nWindows, nStaff, nItems = 8, 16, 200
	for i := 1; i <= nWindows; i++ {
		if _, err := d.AddWindow(ctx, app.Window{Number: i, Name: fmt.Sprintf("%d号窗口", i), Kind: "综合受理", Active: true}); err != nil {
			return err
		}
	}
	for i := 1; i <= nStaff; i++ {
		if _, err := d.AddStaff(ctx, app.Staff{No: fmt.Sprintf("%04d", i), Name: fmt.Sprintf("工作人员%d", i),
			Role: app.RoleClerk, Active: true}); err != nil {
			return err
		}
	}
	for i := 1; i <= nItems; i++ {
		if err := d.SaveItem(ctx, app.ServiceItem{Code: fmt.Sprintf("11%07d", i), Name: fmt.Sprintf("事项%d", i),
			Department: "综合", Instant: i%3 != 0, PromiseDays: 5, Active: true}); err != nil {
			return err
		}
	}
	if err := d.Close(); err != nil {
		return err
	}

	// A private connection tuned for one bulk load: no journal, no fsync.
	raw, err := sql.Open("sqlite", path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)&_pragma=foreign_keys(0)")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	tx, err := raw.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insTx, err := tx.Prepare(`INSERT INTO transactions (serial, uid, item_code, batch_id, batch_count, is_theme, agent_name,
		applicant_name, id_masked, id_hash, phone, window_id, clerk_id, status, visits, created_at, accepted_at, completed_at)
		VALUES (?, ?, ?, '', 1, 0, '', ?, '', '', '', ?, ?, ?, 1, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	insEv, err := tx.Prepare(`INSERT INTO evaluations (uid, event_id, transaction_id, visit, dimension, level, tags, text,
		channel, device, kind, rater, evaluator_name, evaluator_tel, corrects_id, form_no, entered_by, window_id, clerk_id,
		item_code, rated_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, '[]', '', ?, '', ?, ?, '', '', ?, '', NULL, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	insWO, err := tx.Prepare(`INSERT INTO work_orders (uid, evaluation_id, transaction_id, clerk_id, window_id, item_code,
		category, state, verdict, on_site, created_at, replied_at, rectified_at, called_back_at, callback_result, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'closed', ?, ?, ?, ?, ?, ?, '满意', ?)`)
	if err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(2016, 2025))
	uid := func() string { return fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) }
	var days []time.Time
	for day := bigFrom; day.Before(bigTo); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days = append(days, day)
		}
	}
	perDay := bigEvaluations / len(days)
	channels := []string{"keypad", "keypad", "keypad", "tablet", "qr", "paper", "selfservice"}
	cats := []string{"staff", "item", "system"}
	verdicts := []string{"valid", "valid", "mistaken", "malicious", ""}
	evalCount := 0
	for di, day := range days {
		lastDay := di == len(days)-1
		open := day.Add(8*time.Hour + 30*time.Minute)
		dayEvals := 0
		for seq := 1; dayEvals < perDay; seq++ {
			created := open.Add(time.Duration(rng.IntN(8*3600)) * time.Second)
			completed := created.Add(time.Duration(2+rng.IntN(20)) * time.Minute)
			win := 1 + rng.IntN(nWindows)
			clerk := 1 + (win-1)*2 + rng.IntN(2)
			item := fmt.Sprintf("11%07d", 1+int(rng.ExpFloat64()*30)%nItems)
			status := "completed"
			if rng.IntN(50) == 0 {
				status = "returned"
			}
			var txID int64
			if err := insTx.QueryRow(fmt.Sprintf("BM%s%06d", day.Format("20060102"), seq), uid(), item,
				"申请人", win, clerk, status, created.UnixMilli(), created.UnixMilli(), completed.UnixMilli()).Scan(&txID); err != nil {
				return err
			}
			if lastDay && rng.IntN(20) == 0 {
				continue // a few of the last day's transactions still await their rating
			}
			addEval := func(dim string, visit int, kind string, level int, rated time.Time, corrects any) (int64, error) {
				var id int64
				channel, rater := channels[rng.IntN(len(channels))], "applicant"
				if kind == "timeout" {
					channel, rater = "system", ""
				}
				err := insEv.QueryRow(uid(), fmt.Sprintf("e%d-%d", di, seq), txID, visit, dim, level, channel, kind, rater,
					corrects, win, clerk, item, rated.UnixMilli(), rated.UnixMilli()).Scan(&id)
				dayEvals++
				evalCount++
				return id, err
			}
			rated := completed.Add(time.Duration(5+rng.IntN(60)) * time.Second)
			kind, level := "active", 5
			switch r := rng.IntN(1000); {
			case r < 150:
				kind, level = "timeout", 0
			case r < 170:
				level = 1 + rng.IntN(2) // 不满意 / 非常不满意: 2% of ratings
			case r < 250:
				level = 3 + rng.IntN(2)
			}
			id, err := addEval("window", 1, kind, level, rated, nil)
			if err != nil {
				return err
			}
			if level == 1 || level == 2 {
				c := created.Add(time.Minute)
				if _, err := insWO.Exec(uid(), id, txID, clerk, win, item, cats[rng.IntN(3)], verdicts[rng.IntN(len(verdicts))],
					rng.IntN(4) == 0, rated.UnixMilli(), c.Add(time.Hour).UnixMilli(), c.Add(48*time.Hour).UnixMilli(),
					c.Add(72*time.Hour).UnixMilli(), c.Add(73*time.Hour).UnixMilli()); err != nil {
					return err
				}
			}
			if rng.IntN(10) == 0 { // an item rating after completion
				if _, err := addEval("item", 0, "active", 4+rng.IntN(2), rated.Add(time.Minute), nil); err != nil {
					return err
				}
			}
			if rng.IntN(1000) == 0 { // the rating was keyed wrongly and corrected
				if _, err := addEval("window", 1, "active", 4, rated, id); err != nil {
					return err
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := raw.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		return err
	}
	return nil
}
