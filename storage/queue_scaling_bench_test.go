package storage

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
)

// fillWaiting stores n waiting tickets of the fixture's category, issued
// one second apart before the clock's now, in one transaction (Issue would
// take a durable commit each).
func fillWaiting(b *testing.B, d *DB, f fixture, now time.Time, n int) {
	b.Helper()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	day := now.In(app.ChinaTime).Format("2006-01-02")
	for i := 0; i < n; i++ {
		prio := 0
		if i%10 == 0 {
			prio = 1 // 绿色通道 now and then, as in a hall
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (category_id, number, day, priority, issued_at, no_show, state)
			VALUES (?, ?, ?, ?, ?, 0, 'waiting')`, f.cat, fmt.Sprintf("Z%05d", i), day, prio,
			now.Add(-time.Duration(n-i)*time.Second).UnixMilli()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func p99(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

// BenchmarkCallNextScaling: CallNext's p99 with 30, 3,000 and 30,000 tickets
// waiting, each call finishing the previous ticket and a new ticket issued
// before it (timed apart), so the queue keeps its length. The
// ratios against 30 waiting come from the same run, so a slow or busy
// machine cannot hide a call that grows with the queue.
func BenchmarkCallNextScaling(b *testing.B) {
	sizes := []int{30, 3000, 30000}
	type bench struct {
		q   *queue.Queue
		f   fixture
		clk *app.FakeClock
	}
	benches := map[int]bench{}
	for _, n := range sizes {
		d, err := Open(b.TempDir() + "/queue.db")
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		f, q, clk := queueFixture(b, d)
		fillWaiting(b, d, f, clk.Now(), n)
		benches[n] = bench{q, f, clk}
	}
	samples, issues := map[int][]time.Duration{}, map[int][]time.Duration{}
	const calls = 20 // per size and iteration
	i := 0
	for b.Loop() {
		for _, n := range sizes {
			x := benches[n]
			for k := 0; k < calls; k++ {
				i++
				x.clk.Advance(time.Second)
				start := time.Now()
				if _, err := x.q.Issue(ctx, app.IssueRequest{CategoryID: x.f.cat}); err != nil {
					b.Fatal(err)
				}
				issues[n] = append(issues[n], time.Since(start))
				start = time.Now()
				if _, err := x.q.CallNext(ctx, x.f.win1+int64(i%2), 0); err != nil {
					b.Fatal(err)
				}
				samples[n] = append(samples[n], time.Since(start))
			}
		}
	}
	base := p99(samples[30])
	b.ReportMetric(float64(base.Microseconds())/1000, "p99_30_ms")
	b.ReportMetric(float64(p99(samples[3000]))/float64(base), "p99_3000_over_30")
	b.ReportMetric(float64(p99(samples[30000]))/float64(base), "p99_30000_over_30")
	// Taking a ticket counts the waiting (its place in line) from waiting_counts.
	b.ReportMetric(float64(p99(issues[30000]))/float64(p99(issues[30])), "issue_p99_30000_over_30")
}
