package storage

import (
	"context"
	"database/sql"
	"time"

	"bianmin/app"
)

// The monthly report lists the month's bad reviews and looks a year back for
// its watch list. Orders are read by their creation time first (an order is
// created when its rating is stored, not before the rating, so the
// work_orders_created index bounds the scan to the period and what follows),
// then joined to their rating by primary key; CROSS JOIN keeps that order.
const ratedOrdersSQL = `
	SELECT ` + orderCols + `, e.rated_at, e.level,
		COALESCE((SELECT c2.level FROM evaluations c1 JOIN evaluations c2 ON c2.corrects_id = c1.id WHERE c1.corrects_id = e.id),
			(SELECT c1.level FROM evaluations c1 WHERE c1.corrects_id = e.id), 0)
	FROM work_orders w CROSS JOIN evaluations e
	WHERE w.created_at >= ? AND e.id = w.evaluation_id AND e.rated_at >= ? AND e.rated_at < ?
	ORDER BY w.id`

// RatedOrders returns the work orders whose bad review was rated in
// [from, to) (the orders OrderFacts counts), by order ID, with the rating's
// time, its level and the level it was corrected to (LevelNone when not).
func (d *DB) RatedOrders(ctx context.Context, from, to time.Time) ([]app.RatedOrder, error) {
	lo, hi := bounds(from, to)
	var out []app.RatedOrder
	// A day's slack for a rating device whose clock runs ahead of ours.
	created := lo
	if !from.IsZero() {
		created = lo - int64(24*time.Hour/time.Millisecond)
	}
	err := eachRow(ctx, d.db, ratedOrdersSQL, []any{created, lo, hi}, func(r *sql.Rows) error {
		var o app.RatedOrder
		var cat, state, verdict, cb string
		var level, corrected int
		if err := r.Scan(&o.ID, &o.UID, &o.EvaluationID, &o.TransactionID, &o.ClerkID, &o.WindowID, &o.ItemCode, &cat,
			&o.AssigneeID, &state, &verdict, &o.OnSite, tm(&o.CreatedAt), tm(&o.ContactDue), tm(&o.FinishDue),
			tm(&o.RepliedAt), tm(&o.RectifiedAt), tm(&o.CalledBackAt), &cb, tm(&o.ClosedAt),
			tm(&o.RatedAt), &level, &corrected); err != nil {
			return err
		}
		o.Category, o.State, o.Verdict, o.CallbackResult = app.OrderCategory(cat), app.OrderState(state), app.Verdict(verdict), app.CallbackResult(cb)
		o.Level, o.CorrectedTo = app.Level(level), app.Level(corrected)
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, queryErr(err, "rated work orders")
	}
	return out, nil
}
