package storage

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
)

// The queue's storage on real files: migration of the foundation's tickets,
// a restart of the hub, and windows in separate connections racing for tickets.

// queueFixture is the seed centre with the queue on top; category A is served
// by windows 1 and 2.
func queueFixture(t testing.TB, d *DB) (fixture, *queue.Queue, *app.FakeClock) {
	t.Helper()
	f := seed(t, d)
	clk := app.NewFakeClock(t0)
	return f, queue.New(d, clk, nil), clk
}

func queueTickets(t testing.TB, d *DB, state app.TicketState, from string) []app.Ticket {
	t.Helper()
	var out []app.Ticket
	err := d.QueueRead(ctx, func(r app.QueueReader) error {
		var err error
		out, err = r.Tickets(state, from)
		return err
	})
	mustf(t, err, "read %s tickets", state)
	return out
}

// Rows stored before v5, and rows AddTicket still stores (the demo
// generator), get a state derived from their times; the queue numbers after
// them.
func TestQueueMigrationDerivesState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v4.db")
	d, err := openWith(path, migrations[:4])
	mustf(t, err, "open at v4")
	f := seed(t, d)
	day := "2025-03-03"
	rows := []app.Ticket{
		{Number: "A001", CalledAt: t0, ServedAt: t0, DoneAt: t0.Add(5 * time.Minute), WindowID: f.win1},
		{Number: "A002", CalledAt: t0, NoShow: true, WindowID: f.win1},
		{Number: "A003", CalledAt: t0, WindowID: f.win2},
		{Number: "A004", Priority: true},
	}
	for _, r := range rows {
		r.CategoryID, r.Day, r.IssuedAt = f.cat, day, t0.Add(-time.Hour)
		_, err := d.AddTicket(ctx, r)
		mustf(t, err, "add %s", r.Number)
	}
	d.Close()

	d, err = Open(path)
	mustf(t, err, "migrate to v5")
	defer d.Close()
	_, err = d.AddTicket(ctx, app.Ticket{CategoryID: f.cat, Number: "A005", Day: day, IssuedAt: t0})
	mustf(t, err, "add after v5")

	want := map[string]app.TicketState{"A001": app.TicketDone, "A002": app.TicketNoShow, "A003": app.TicketCalled,
		"A004": app.TicketWaiting, "A005": app.TicketWaiting}
	got := map[string]app.Ticket{}
	for _, st := range []app.TicketState{app.TicketWaiting, app.TicketCalled, app.TicketDone, app.TicketNoShow} {
		for _, tk := range queueTickets(t, d, st, day) {
			got[tk.Number] = tk
		}
	}
	for n, st := range want {
		if got[n].State != st {
			t.Errorf("%s: state %q, want %q", n, got[n].State, st)
		}
	}
	if got["A001"].Calls != 1 || got["A004"].Calls != 0 || !got["A004"].IsPriority() {
		t.Errorf("derived fields: %+v %+v", got["A001"], got["A004"])
	}

	// The queue on the same day: numbers continue after A005, and the
	// waiting foundation rows are called in issue order (A004 is priority).
	q := queue.New(d, app.NewFakeClock(t0.Add(time.Minute)), nil)
	it, err := q.Issue(ctx, app.IssueRequest{CategoryID: f.cat})
	mustf(t, err, "issue")
	if it.Ticket.Number != "A006" {
		t.Fatalf("issued %s, want A006", it.Ticket.Number)
	}
	for _, want := range []string{"A004", "A005", "A006"} {
		tk, err := q.CallNext(ctx, f.win1, f.clerk1)
		mustf(t, err, "call")
		if tk.Number != want {
			t.Fatalf("called %s, want %s", tk.Number, want)
		}
	}
	// The report still reads the times.
	all, err := d.TicketsIssued(ctx, t0.Add(-2*time.Hour), t0.Add(time.Hour))
	mustf(t, err, "TicketsIssued")
	if len(all) != 6 || all[1].Number != "A002" || !all[1].NoShow || all[0].DoneAt.IsZero() {
		t.Fatalf("report rows %+v", all)
	}
}

// Closing the database and starting a new Queue keeps the waiting tickets,
// each window's current call, pause, clerk and priority streak, and the board.
func TestQueueRestartKeepsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	d, err := Open(path)
	mustf(t, err, "open")
	f, q, clk := queueFixture(t, d)
	for i := range 6 {
		p := app.PriorityNone
		if i >= 2 {
			p = app.PriorityPregnant
		}
		_, err := q.Issue(ctx, app.IssueRequest{CategoryID: f.cat, Priority: p})
		mustf(t, err, "issue")
		clk.Advance(time.Minute)
	}
	mustf(t, q.SignIn(ctx, f.win1, f.clerk2, "B"), "sign in")
	var called []string
	for range 3 {
		tk, err := q.CallNext(ctx, f.win1, 0)
		mustf(t, err, "call")
		called = append(called, tk.Number)
	}
	if fmt.Sprint(called) != "[A003 A004 A005]" {
		t.Fatalf("called %v", called)
	}
	mustf(t, q.SetPaused(ctx, f.win2, true), "pause")
	before, err := q.Board(ctx)
	mustf(t, err, "board")
	mustf(t, d.Close(), "close")

	d, err = Open(path)
	mustf(t, err, "reopen")
	defer d.Close()
	q = queue.New(d, clk, nil)
	w1, err := q.Window(ctx, f.win1)
	mustf(t, err, "window 1")
	if w1.Current == nil || w1.Current.Number != "A005" || w1.ClerkID != f.clerk2 || w1.Post != "B" || w1.Waiting != 3 {
		t.Fatalf("window 1 after restart %+v", w1)
	}
	if w2, _ := q.Window(ctx, f.win2); !w2.Paused {
		t.Fatal("window 2 no longer paused")
	}
	after, err := q.Board(ctx)
	mustf(t, err, "board")
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("board before %+v\nafter %+v", before, after)
	}
	// The streak (3 priority in a row) survived: an ordinary ticket is next.
	tk, err := q.CallNext(ctx, f.win1, 0)
	mustf(t, err, "call after restart")
	if tk.Number != "A001" || tk.ClerkID != f.clerk2 {
		t.Fatalf("called %s by %d, want A001 by the B clerk", tk.Number, tk.ClerkID)
	}
}

// Windows on separate connections (as separate processes would be) call
// while the kiosk issues: every ticket goes to exactly one window, none is lost.
func TestQueueConcurrentWindows(t *testing.T) {
	const windows, tickets = 10, queueRaceTickets
	path := filepath.Join(t.TempDir(), "hub.db")
	d, err := Open(path)
	mustf(t, err, "open")
	defer d.Close()
	f := seed(t, d)
	wins := []int64{f.win1, f.win2}
	for i := 3; i <= windows; i++ {
		id, err := d.AddWindow(ctx, app.Window{Number: i, Name: "综合受理窗口", Kind: "综合受理", Active: true})
		mustf(t, err, "window %d", i)
		wins = append(wins, id)
	}
	cat, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "C", Name: "综合受理", Windows: wins})
	mustf(t, err, "category")
	clk := app.NewFakeClock(t0)

	var issued sync.WaitGroup
	issued.Add(1)
	done := make(chan struct{})
	more := make(chan struct{}, windows) // a ticket was issued: idle windows try again
	// The kiosk, on its own connection.
	go func() {
		defer issued.Done()
		k, err := Open(path)
		if err != nil {
			t.Error(err)
			return
		}
		defer k.Close()
		q := queue.New(k, clk, nil)
		for range tickets {
			if _, err := q.Issue(ctx, app.IssueRequest{CategoryID: cat}); err != nil {
				t.Error(err)
				return
			}
			select {
			case more <- struct{}{}:
			default:
			}
		}
		close(done)
	}()

	got := make([][]int64, windows)
	var wg sync.WaitGroup
	for i, w := range wins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			q := queue.New(c, clk, nil)
			finished := false
			for {
				tk, err := q.CallNext(ctx, w, 0)
				if app.ErrorCode(err) == "queue_empty" {
					if finished {
						return
					}
					select {
					case <-done:
						finished = true // one more round: tickets issued meanwhile
					case <-more:
					}
					continue
				}
				if err != nil {
					t.Errorf("window %d: %v", w, err)
					return
				}
				got[i] = append(got[i], tk.ID)
			}
		}()
	}
	wg.Wait()
	issued.Wait()

	seen := map[int64]int{}
	for i, ids := range got {
		for _, id := range ids {
			if w, dup := seen[id]; dup {
				t.Fatalf("ticket %d given to windows %d and %d", id, w, i)
			}
			seen[id] = i
		}
	}
	if len(seen) != tickets {
		t.Fatalf("%d tickets called, want %d", len(seen), tickets)
	}
	if w := queueTickets(t, d, app.TicketWaiting, ""); len(w) != 0 {
		t.Fatalf("%d tickets still waiting", len(w))
	}
	// Every window's last CallNext (queue_empty) finished its last ticket.
	if n := len(queueTickets(t, d, app.TicketDone, "")); n != tickets {
		t.Fatalf("%d tickets done, want %d", n, tickets)
	}
	busy := 0
	for _, ids := range got {
		if len(ids) > 0 {
			busy++
		}
	}
	t.Logf("%d windows called %d tickets", busy, len(seen))
}

// A refusal inside the transaction comes back as the same *UserError, and
// nothing of the transaction is kept.
func TestQueueWriteRollsBack(t *testing.T) {
	d := openTest(t)
	f, q, _ := queueFixture(t, d)
	_, err := q.Issue(ctx, app.IssueRequest{CategoryID: f.cat})
	mustf(t, err, "issue")
	refusal := &app.UserError{Code: "test", Msg: "测试"}
	err = d.QueueWrite(ctx, func(w app.QueueWriter) error {
		tk, err := w.Ticket(1)
		if err != nil {
			return err
		}
		tk.State = app.TicketDone
		if err := w.UpdateTicket(tk); err != nil {
			return err
		}
		return refusal
	})
	if err != refusal {
		t.Fatalf("err %v, want the refusal itself", err)
	}
	if n := len(queueTickets(t, d, app.TicketWaiting, "")); n != 1 {
		t.Fatalf("%d waiting: the update was kept", n)
	}
	err = d.QueueRead(ctx, func(r app.QueueReader) error { _, err := r.Ticket(99); return err })
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("missing ticket: %v", err)
	}
}

// BenchmarkQueueIssue takes tickets one by one (one durable commit each).
func BenchmarkQueueIssue(b *testing.B) {
	d, err := Open(filepath.Join(b.TempDir(), "queue.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	f, q, _ := queueFixture(b, d)
	b.ResetTimer()
	for b.Loop() {
		if _, err := q.Issue(ctx, app.IssueRequest{CategoryID: f.cat}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueueCallNext calls with 20 or 300 tickets waiting, each call
// finishing the previous ticket; the ticket it replaces is issued outside
// the timer, so the queue keeps its length.
func BenchmarkQueueCallNext(b *testing.B) {
	for _, waiting := range []int{20, 300} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			d, err := Open(filepath.Join(b.TempDir(), "queue.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			f, q, clk := queueFixture(b, d)
			issue := func(i int) {
				p := app.PriorityNone
				if i%10 == 0 {
					p = app.PriorityElderly
				}
				clk.Advance(time.Second)
				if _, err := q.Issue(ctx, app.IssueRequest{CategoryID: f.cat, Priority: p}); err != nil {
					b.Fatal(err)
				}
			}
			for i := range waiting {
				issue(i)
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				issue(i)
				i++
				b.StartTimer()
				if _, err := q.CallNext(ctx, f.win1+int64(i%2), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// candidatesSQL keeps exactly what app.QueueCandidates keeps, on a mixed
// queue (categories, tickets sent to windows and coming back, 绿色通道,
// appointments around now, equal issue times).
func TestQueueCandidatesSQL(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	catB, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "B", Name: "缴费", Windows: []int64{f.win2}})
	mustf(t, err, "category")
	cats := []int64{f.cat, catB}
	wins := []int64{f.win1, f.win2}
	r := rand.New(rand.NewPCG(3, 4))
	day := queue.QueueDay(t0)
	for round := range 30 {
		err := d.QueueWrite(ctx, func(w app.QueueWriter) error {
			for i := range 1 + r.IntN(12) {
				tk := app.Ticket{CategoryID: cats[r.IntN(2)], Number: fmt.Sprintf("R%02d%02d", round, i), Day: day,
					IssuedAt: t0.Add(time.Duration(r.IntN(20)) * time.Minute), State: app.TicketWaiting}
				if r.IntN(4) == 0 {
					tk.Priority, tk.PriorityKind = true, app.PriorityElderly
				}
				if r.IntN(5) == 0 {
					tk.SlotStart = t0.Add(time.Duration(r.IntN(60)-30) * time.Minute)
					tk.SlotEnd = tk.SlotStart.Add(15 * time.Minute)
				}
				switch r.IntN(8) {
				case 0:
					tk.ToWindowID = wins[r.IntN(2)]
				case 1:
					tk.ToWindowID = wins[r.IntN(2)]
					tk.ReturnWindow = tk.ToWindowID
				case 2:
					tk.ReturnWindow = f.win1
				}
				if r.IntN(10) == 0 {
					tk.State = app.TicketDone
				}
				if _, err := w.InsertTicket(tk); err != nil {
					return err
				}
			}
			return nil
		})
		mustf(t, err, "insert")
		now := t0.Add(time.Duration(r.IntN(40)-20) * time.Minute)
		err = d.QueueRead(ctx, func(rd app.QueueReader) error {
			all, err := rd.Tickets(app.TicketWaiting, day)
			if err != nil {
				return err
			}
			got, err := rd.Candidates(day, now)
			if err != nil {
				return err
			}
			want := app.QueueCandidates(all, now)
			if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
				t.Fatalf("round %d: SQL candidates %v, want %v", round, ids(got), ids(want))
			}
			return nil
		})
		mustf(t, err, "read")
	}
}

func ids(ts []app.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}
