package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/demo/memstore"
	"bianmin/app/queue"
	"bianmin/storage"
)

// centreStore is what setting up a centre needs of either store.
type centreStore interface {
	app.QueueStore
	AddWindow(ctx context.Context, w app.Window) (int64, error)
	AddCategory(ctx context.Context, c app.QueueCategory) (int64, error)
	AddStaff(ctx context.Context, s app.Staff) (int64, error)
	SetPost(ctx context.Context, p app.Post) error
	TicketsIssued(ctx context.Context, from, to time.Time) ([]app.Ticket, error)
}

func setUp(t *testing.T, st centreStore) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := st.AddWindow(ctx, app.Window{Number: i, Name: "窗口", Kind: "综合受理", Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []app.QueueCategory{{Prefix: "A", Name: "综合受理", Windows: []int64{1, 2}}, {Prefix: "B", Name: "缴费", Windows: []int64{3, 2}}} {
		if _, err := st.AddCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, no := range []string{"0001", "0002"} {
		if _, err := st.AddStaff(ctx, app.Staff{No: no, Name: "员工" + no, Role: app.RoleClerk, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetPost(ctx, app.Post{WindowID: 1, StaffID: 1, Post: "A"}); err != nil {
		t.Fatal(err)
	}
}

// The in-memory queue store behaves as the SQLite one: the same random
// morning (tickets, calls, 过号 and call backs, transfers with and without
// return, pauses, sign-ins, a new day) gives the same answers, board and
// tickets on both.
func TestQueueMemstoreMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mem := memstore.New()
	stores := []centreStore{db, mem}
	clk := app.NewFakeClock(time.Date(2025, 3, 3, 8, 30, 0, 0, app.ChinaTime))
	var queues []*queue.Queue
	for _, st := range stores {
		setUp(t, st)
		queues = append(queues, queue.New(st, clk, nil))
	}
	if err := queues[1].SaveSettings(ctx, app.QueueSettings{PriorityRatio: 2, Repeat: 2, KeepOvernight: true}); err != nil {
		t.Fatal(err)
	}
	if err := queues[0].SaveSettings(ctx, app.QueueSettings{PriorityRatio: 2, Repeat: 2, KeepOvernight: true}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	prios := []app.PriorityKind{"", "", "", app.PriorityElderly}
	done := map[int]int{} // successful operations by op
	for step := range 400 {
		clk.Advance(time.Duration(r.IntN(180)) * time.Second)
		if step == 250 {
			clk.Advance(24 * time.Hour) // a new day, yesterday's tickets carried over
		}
		w := 1 + r.Int64N(3)
		op := r.IntN(10)
		var noShow int64
		if op == 5 {
			if ws, err := queues[0].Window(ctx, w); err == nil && len(ws.NoShows) > 0 {
				noShow = ws.NoShows[r.IntN(len(ws.NoShows))].ID
			} else {
				noShow = 1
			}
		}
		cat, toWin := 1+r.Int64N(2), r.Int64N(4)
		ret := r.IntN(2) == 0
		slot := r.IntN(6) == 0
		prio, sub := prios[r.IntN(len(prios))], r.IntN(3) // drawn once for both queues
		var results []string
		for _, q := range queues {
			var res any
			var err error
			switch op {
			case 0, 1, 2:
				req := app.IssueRequest{CategoryID: cat, Priority: prio}
				if slot {
					req.SlotStart = clk.Now().Add(10 * time.Minute)
					req.SlotEnd = req.SlotStart.Add(20 * time.Minute)
				}
				var it app.IssuedTicket
				it, err = q.Issue(ctx, req)
				res = fmt.Sprint(it.Ticket.Number, it.Ahead)
			case 3, 4:
				res, err = q.CallNext(ctx, w, 0)
			case 5:
				res, err = q.CallBack(ctx, w, 0, noShow)
			case 6:
				err = q.NoShow(ctx, w)
			case 7:
				err = q.Transfer(ctx, app.TransferRequest{FromWindow: w, ToCategory: cat, ToWindow: toWin, Return: ret})
			case 8:
				err = q.Finish(ctx, w)
			case 9:
				switch sub {
				case 0:
					err = q.SetPaused(ctx, w, step%2 == 0)
				case 1:
					err = q.SignIn(ctx, w, 1, "A")
				default:
					res, err = q.Recall(ctx, w)
				}
			}
			results = append(results, fmt.Sprintf("%+v %s", res, app.ErrorCode(err)))
			if err == nil {
				done[op]++
			}
			if err != nil && app.ErrorCode(err) == "" {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		if results[0] != results[1] {
			t.Fatalf("step %d op %d: SQLite %s\nmemory %s", step, op, results[0], results[1])
		}
	}
	for _, op := range []int{0, 3, 5, 6, 7, 8, 9} {
		if done[op] == 0 {
			t.Fatalf("operation %d never succeeded: the walk tests too little (%v)", op, done)
		}
	}
	var boards, windows, tickets []string
	for i, q := range queues {
		b, err := q.Board(ctx)
		if err != nil {
			t.Fatal(err)
		}
		boards = append(boards, fmt.Sprintf("%+v", b))
		var ws []string
		for w := int64(1); w <= 3; w++ {
			s, err := q.Window(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			cur := "-"
			if s.Current != nil {
				cur = fmt.Sprintf("%+v", *s.Current)
			}
			ws = append(ws, fmt.Sprintf("%+v %s %+v", s.Paused, cur, s.NoShows))
		}
		windows = append(windows, fmt.Sprint(ws))
		all, err := stores[i].TicketsIssued(ctx, time.Time{}, clk.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, tk := range all { // the fields the monthly report reads
			rows = append(rows, fmt.Sprint(tk.ID, tk.CategoryID, tk.Number, tk.Day, tk.Priority, tk.IssuedAt, tk.CalledAt,
				tk.WindowID, tk.ClerkID, tk.ServedAt, tk.DoneAt, tk.NoShow))
		}
		tickets = append(tickets, fmt.Sprintf("%q", rows))
	}
	for i, pair := range [][]string{boards, windows, tickets} {
		if pair[0] != pair[1] {
			t.Fatalf("differ (%d):\nSQLite %s\nmemory %s", i, pair[0], pair[1])
		}
	}
}
