package storage

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
)

// The waiting counts the triggers keep equal a count of the waiting tickets
// after any mix of tickets taken, called, finished, sent to a window, made
// 绿色通道, moved to another day or deleted; and the queue reads them.
func TestWaitingCountsKeptByTriggers(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	catB, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "B", Name: "缴费", Windows: []int64{f.win2}})
	mustf(t, err, "category")
	cats, wins := []int64{f.cat, catB}, []int64{f.win1, f.win2}
	days := []string{queue.QueueDay(t0), queue.QueueDay(t0.AddDate(0, 0, 1))}
	r := rand.New(rand.NewPCG(5, 6))
	counted := func() string {
		rows, err := d.db.Query(`SELECT day, category_id, IFNULL(to_window_id, 0), (priority <> 0 OR priority_kind <> ''), count(*)
			FROM tickets WHERE state = 'waiting' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)
		mustf(t, err, "count")
		defer rows.Close()
		out := ""
		for rows.Next() {
			var day string
			var c, w, p, n int64
			mustf(t, rows.Scan(&day, &c, &w, &p, &n), "scan")
			out += fmt.Sprintf("%s/%d/%d/%d=%d ", day, c, w, p, n)
		}
		return out
	}
	kept := func() string {
		rows, err := d.db.Query(`SELECT day, category_id, to_window_id, priority, n FROM waiting_counts WHERE n <> 0 ORDER BY 1, 2, 3, 4`)
		mustf(t, err, "kept")
		defer rows.Close()
		out := ""
		for rows.Next() {
			var day string
			var c, w, p, n int64
			mustf(t, rows.Scan(&day, &c, &w, &p, &n), "scan")
			out += fmt.Sprintf("%s/%d/%d/%d=%d ", day, c, w, p, n)
		}
		return out
	}
	var ids []int64
	for round := range 40 {
		err := d.QueueWrite(ctx, func(w app.QueueWriter) error {
			for i := range 1 + r.IntN(8) {
				tk := app.Ticket{CategoryID: cats[r.IntN(2)], Number: fmt.Sprintf("W%02d%02d", round, i), Day: days[r.IntN(2)],
					IssuedAt: t0.Add(time.Duration(r.IntN(60)) * time.Minute), State: app.TicketWaiting}
				if r.IntN(4) == 0 {
					tk.Priority, tk.PriorityKind = true, app.PriorityElderly
				}
				if r.IntN(5) == 0 {
					tk.ToWindowID = wins[r.IntN(2)]
				}
				id, err := w.InsertTicket(tk)
				ids = append(ids, id)
				if err != nil {
					return err
				}
			}
			return nil
		})
		mustf(t, err, "insert")
		// Rows stored the old way get their state from the v5 trigger.
		_, err = d.AddTicket(ctx, app.Ticket{CategoryID: cats[r.IntN(2)], Number: fmt.Sprintf("X%02d", round), Day: days[0], IssuedAt: t0})
		mustf(t, err, "add ticket")
		for range 6 {
			id := ids[r.IntN(len(ids))]
			var stmt string
			var args []any
			switch r.IntN(7) {
			case 0:
				stmt, args = `UPDATE tickets SET state = 'called' WHERE id = ?`, []any{id}
			case 1:
				stmt, args = `UPDATE tickets SET state = 'waiting' WHERE id = ?`, []any{id}
			case 2:
				stmt, args = `UPDATE tickets SET to_window_id = ?, return_window_id = ? WHERE id = ?`, []any{wins[r.IntN(2)], wins[0], id}
			case 3:
				stmt, args = `UPDATE tickets SET priority = 1 - priority, priority_kind = '' WHERE id = ?`, []any{id}
			case 4:
				stmt, args = `UPDATE tickets SET day = ? WHERE id = ?`, []any{days[r.IntN(2)], id}
			case 5:
				stmt, args = `UPDATE tickets SET category_id = ?, to_window_id = NULL WHERE id = ?`, []any{cats[r.IntN(2)], id}
			case 6:
				stmt, args = `DELETE FROM tickets WHERE id = ? AND id NOT IN (SELECT current_ticket_id FROM window_state WHERE current_ticket_id IS NOT NULL)`, []any{id}
			}
			_, err := d.db.Exec(stmt, args...)
			mustf(t, err, "%s", stmt)
		}
		if got, want := kept(), counted(); got != want {
			t.Fatalf("round %d: kept %s\ncounted %s", round, got, want)
		}
	}
	err = d.QueueRead(ctx, func(rd app.QueueReader) error {
		counts, err := rd.WaitingCounts(days[0])
		if err != nil {
			return err
		}
		total := 0
		for _, c := range counts {
			total += c.N
		}
		var want int
		if err := d.db.QueryRow(`SELECT count(*) FROM tickets WHERE state = 'waiting' AND day >= ?`, days[0]).Scan(&want); err != nil {
			return err
		}
		if total != want || want == 0 {
			t.Errorf("WaitingCounts total %d, waiting %d", total, want)
		}
		return nil
	})
	mustf(t, err, "read")
}
