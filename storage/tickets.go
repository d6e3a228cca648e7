package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"bianmin/app"
)

// Tickets are read for the monthly report's queue section: a busy centre
// issues a few hundred a day. Rows come back packed (see facts.go) and the
// range is bounded by the day column first, so the UNIQUE (day, number) index
// limits the scan to the month's days before issued_at is checked.
const ticketsSQL = `
	SELECT t.id || '` + sep + `' || t.category_id || '` + sep + `' || t.priority || '` + sep + `' ||
		t.issued_at || '` + sep + `' || IFNULL(t.called_at, 0) || '` + sep + `' || IFNULL(t.window_id, 0) || '` + sep + `' ||
		IFNULL(t.clerk_id, 0) || '` + sep + `' || IFNULL(t.served_at, 0) || '` + sep + `' || IFNULL(t.done_at, 0) || '` + sep + `' ||
		t.no_show || '` + sep + `' || t.day || '` + sep + `' || t.number
	FROM tickets t
	WHERE t.day >= ? AND t.day <= ? AND t.issued_at >= ? AND t.issued_at < ?
	ORDER BY t.issued_at, t.id`

// TicketsIssued returns the queue tickets issued in [from, to), oldest first.
func (d *DB) TicketsIssued(ctx context.Context, from, to time.Time) ([]app.Ticket, error) {
	lo, hi := bounds(from, to)
	// Day keys one day wider than the period on each side: a ticket's day is
	// the centre's date, whatever zone from and to are given in.
	dayLo, dayHi := "0000-00-00", "9999-99-99"
	if !from.IsZero() {
		dayLo = from.In(app.ChinaTime).AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if !to.IsZero() {
		dayHi = to.In(app.ChinaTime).AddDate(0, 0, 1).Format(time.DateOnly)
	}
	at := func(ms int64) time.Time {
		if ms == 0 {
			return time.Time{}
		}
		return time.UnixMilli(ms).In(app.ChinaTime)
	}
	out := make([]app.Ticket, 0, 256)
	days := interner{}
	err := eachRow(ctx, d.db, ticketsSQL, []any{dayLo, dayHi, lo, hi}, func(r *sql.Rows) error {
		var buf sql.RawBytes
		if err := r.Scan(&buf); err != nil {
			return err
		}
		p := packed{b: buf}
		var t app.Ticket
		t.ID, t.CategoryID = p.int(), p.int()
		t.Priority = p.int() != 0
		t.IssuedAt, t.CalledAt = at(p.int()), at(p.int())
		t.WindowID, t.ClerkID = p.int(), p.int()
		t.ServedAt, t.DoneAt = at(p.int()), at(p.int())
		t.NoShow = p.int() != 0
		t.Day = days.get(p.field())
		t.Number = string(p.rest())
		if p.err != nil {
			return fmt.Errorf("ticket row %q: %w", buf, p.err)
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, queryErr(err, "tickets")
	}
	return out, nil
}
