package lan

import (
	"context"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/apptest"
)

// BenchmarkCallToDisplays: a window calls the next ticket through the LAN
// API and ten hall displays / counters hold the event stream; the figure is
// the time from the call leaving the counter to the called event arriving at
// each display (ten samples per call). Target: p99 < 50 ms on loopback.
//
// "queue" is the centre's queue on SQLite (each call a durable commit);
// "memory" is the same queue on the in-memory store (no disk), so its
// figure is the LAN layer's share;
// "queue-in-process" is the queue with the counter and the ten displays in
// the hub's own process (no LAN), so the difference to "queue" is the LAN's.
//
//	go test -bench CallToDisplays -run '^$' ./sync/lan/
func BenchmarkCallToDisplays(b *testing.B) {
	b.Run("queue", func(b *testing.B) {
		benchCallToDisplays(b, openTestHall(b, filepath.Join(b.TempDir(), "hub.db"), 2), true)
	})
	b.Run("memory", func(b *testing.B) { benchCallToDisplays(b, apptest.MemHall(b, 2), true) })
	b.Run("queue-in-process", func(b *testing.B) {
		benchCallToDisplays(b, openTestHall(b, filepath.Join(b.TempDir(), "hub.db"), 2), false)
	})
}

// waitingInHall is how many tickets wait during the call benchmark.
const waitingInHall = 20

func benchCallToDisplays(b *testing.B, hall app.Hall, overLAN bool) {
	const displays = 10
	// Every party holds its own Hall: a LAN client, or the hall itself.
	party := func() app.Hall { return hall }
	if overLAN {
		h := startHub(b, hall)
		party = func() app.Hall { return h.client(b) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	counter, kiosk := party(), party()
	issue := func() {
		if _, err := kiosk.Issue(ctx, app.IssueRequest{CategoryID: testCategory}); err != nil {
			b.Fatal(err)
		}
	}
	// A busy morning: about 20 people waiting, one more taking a ticket for
	// each one called (the kiosk's ticket is not part of the figure).
	for i := 0; i < waitingInHall; i++ {
		issue()
	}
	type arrival struct {
		ticket int64
		at     time.Time
	}
	arrivals := make(chan arrival, displays*64)
	for d := 0; d < displays; d++ {
		ch, err := party().Subscribe(ctx)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for ev := range ch {
				if ev.Kind == app.EventCalled && ev.Call != nil {
					arrivals <- arrival{ev.Call.TicketID, time.Now()}
				}
			}
		}()
	}
	lat := make([]time.Duration, 0, b.N*displays)
	last := make([]time.Duration, 0, b.N) // the slowest display of each call
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		issue()
		start := time.Now()
		tk, err := counter.CallNext(ctx, 1, 1)
		if err != nil {
			b.Fatal(err)
		}
		var slowest time.Duration
		for n := 0; n < displays; {
			select {
			case a := <-arrivals:
				if a.ticket != tk.ID {
					continue
				}
				d := a.at.Sub(start)
				lat = append(lat, d)
				slowest = max(slowest, d)
				n++
			case <-time.After(30 * time.Second):
				b.Fatalf("call %d: %d of %d displays got the event", i, n, displays)
			}
		}
		last = append(last, slowest)
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(last)
	b.ReportMetric(ms(pct(lat, 50)), "p50-ms")
	b.ReportMetric(ms(pct(lat, 99)), "p99-ms")
	b.ReportMetric(ms(pct(last, 99)), "p99-all10-ms")
}

// BenchmarkIssueTenClients: ten kiosk/counter clients issue tickets at the
// hub at once; the figure is tickets issued per second at the hub. The
// "local" case calls the same queue in-process from ten goroutines: the
// difference is what the LAN layer costs.
//
//	go test -bench IssueTenClients -run '^$' ./sync/lan/
func BenchmarkIssueTenClients(b *testing.B) {
	const clients = 10
	run := func(b *testing.B, halls []app.Hall) {
		ctx := context.Background()
		for _, h := range halls {
			if _, err := h.Categories(ctx); err != nil { // connect
				b.Fatal(err)
			}
		}
		var next atomic.Int64
		b.SetParallelism((clients + 1) / 2) // × GOMAXPROCS goroutines; at least 10 on 2 cores
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			h := halls[int(next.Add(1)-1)%clients]
			for pb.Next() {
				if _, err := h.Issue(ctx, app.IssueRequest{CategoryID: testCategory}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		el := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/el.Seconds(), "tickets/s")
	}
	b.Run("lan", func(b *testing.B) {
		h := startHub(b, openTestHall(b, filepath.Join(b.TempDir(), "hub.db"), 2))
		halls := make([]app.Hall, clients)
		for i := range halls {
			halls[i] = h.client(b)
		}
		run(b, halls)
	})
	b.Run("local", func(b *testing.B) {
		q := openTestHall(b, filepath.Join(b.TempDir(), "hub.db"), 2)
		halls := make([]app.Hall, clients)
		for i := range halls {
			halls[i] = q
		}
		run(b, halls)
	})
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
