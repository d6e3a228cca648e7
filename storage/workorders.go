package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"bianmin/app"
)

const orderCols = `w.id, w.uid, IFNULL(w.evaluation_id, 0), IFNULL(w.transaction_id, 0), IFNULL(w.clerk_id, 0),
	IFNULL(w.window_id, 0), w.item_code, w.category, IFNULL(w.assignee_id, 0), w.state, w.verdict, w.on_site,
	w.created_at, w.contact_due, w.finish_due, w.replied_at, w.rectified_at, w.called_back_at, w.callback_result,
	w.closed_at`

func scanOrder(r interface{ Scan(...any) error }, o *app.WorkOrder) error {
	var cat, state, verdict, cb string
	err := r.Scan(&o.ID, &o.UID, &o.EvaluationID, &o.TransactionID, &o.ClerkID, &o.WindowID, &o.ItemCode, &cat,
		&o.AssigneeID, &state, &verdict, &o.OnSite, tm(&o.CreatedAt), tm(&o.ContactDue), tm(&o.FinishDue),
		tm(&o.RepliedAt), tm(&o.RectifiedAt), tm(&o.CalledBackAt), &cb, tm(&o.ClosedAt))
	o.Category, o.State, o.Verdict, o.CallbackResult = app.OrderCategory(cat), app.OrderState(state), app.Verdict(verdict), app.CallbackResult(cb)
	return err
}

func normOrder(o *app.WorkOrder) {
	for _, t := range []*time.Time{&o.CreatedAt, &o.ContactDue, &o.FinishDue, &o.RepliedAt, &o.RectifiedAt, &o.CalledBackAt, &o.ClosedAt} {
		*t = norm(*t)
	}
}

func getOrder(ctx context.Context, q querier, id int64) (app.WorkOrder, error) {
	var o app.WorkOrder
	if err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM work_orders w WHERE w.id = ?`, id), &o); err != nil {
		return app.WorkOrder{}, queryErr(err, "work order %d", id)
	}
	return o, nil
}

// WorkOrder returns the order with the ID, or app.ErrNotFound.
func (d *DB) WorkOrder(ctx context.Context, id int64) (app.WorkOrder, error) {
	return getOrder(ctx, d.db, id)
}

// WorkOrders returns the orders matching f, oldest first: OpenOnly leaves out
// closed ones, ClerkID (when not 0) keeps the rated clerk's, From/To bound
// CreatedAt to [From, To) (zero = open).
func (d *DB) WorkOrders(ctx context.Context, f app.OrderFilter) ([]app.WorkOrder, error) {
	lo, hi := bounds(f.From, f.To)
	where := `WHERE w.created_at >= ? AND w.created_at < ?`
	args := []any{lo, hi}
	if f.OpenOnly {
		where += ` AND w.state <> 'closed'`
	}
	if f.ClerkID != 0 {
		where += ` AND w.clerk_id = ?`
		args = append(args, f.ClerkID)
	}
	if f.EvaluationID != 0 {
		where += ` AND w.evaluation_id = ?`
		args = append(args, f.EvaluationID)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+orderCols+` FROM work_orders w `+where+` ORDER BY w.created_at, w.id`, args...)
	if err != nil {
		return nil, queryErr(err, "work orders")
	}
	defer rows.Close()
	var out []app.WorkOrder
	for rows.Next() {
		var o app.WorkOrder
		if err := scanOrder(rows, &o); err != nil {
			return nil, queryErr(err, "work orders")
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "work orders")
	}
	return out, nil
}

// UpdateWorkOrder stores the mutable fields of o (all but ID, UID,
// EvaluationID, TransactionID and CreatedAt), appends step (OrderID set to
// o.ID, At now when zero) and writes the outbox row, in one transaction.
// app.ErrNotFound when there is no order o.ID.
func (d *DB) UpdateWorkOrder(ctx context.Context, o app.WorkOrder, step app.OrderStep) error {
	if step.OrderID != 0 && step.OrderID != o.ID {
		return fmt.Errorf("storage: unable to update work order %d: step is for order %d", o.ID, step.OrderID)
	}
	step.OrderID = o.ID
	if step.At.IsZero() {
		step.At = d.now()
	}
	step.At = norm(step.At)
	return d.write(ctx, fmt.Sprintf("update work order %d", o.ID), func(tx *sql.Tx) error {
		return d.updateOrderTx(ctx, tx, o, &step, nil)
	})
}

// updateOrderTx stores o's mutable fields and the step inside tx, runs extra
// (more rows of the same change, e.g. a 现场化解 record) and writes the
// order's outbox row, so every change reaches the county with its step.
func (d *DB) updateOrderTx(ctx context.Context, tx *sql.Tx, o app.WorkOrder, step *app.OrderStep, extra func() error) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE work_orders SET clerk_id = ?, window_id = ?, item_code = ?, category = ?, assignee_id = ?, state = ?,
			verdict = ?, on_site = ?, contact_due = ?, finish_due = ?, replied_at = ?, rectified_at = ?,
			called_back_at = ?, callback_result = ?, closed_at = ?
		WHERE id = ?`,
		ref(o.ClerkID), ref(o.WindowID), o.ItemCode, string(o.Category), ref(o.AssigneeID), string(o.State),
		string(o.Verdict), o.OnSite, ms(o.ContactDue), ms(o.FinishDue), ms(o.RepliedAt), ms(o.RectifiedAt),
		ms(o.CalledBackAt), string(o.CallbackResult), ms(o.ClosedAt), o.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("work order %d", o.ID)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO order_steps (order_id, staff_id, at, step, detail) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		step.OrderID, ref(step.StaffID), step.At.UnixMilli(), step.Step, step.Detail).Scan(&step.ID); err != nil {
		return err
	}
	if extra != nil {
		if err := extra(); err != nil {
			return err
		}
	}
	stored, err := getOrder(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	return d.enqueue(ctx, tx, OutboxWorkOrder, stored.UID, OrderPayload{WorkOrder: stored, Step: step})
}

// OrderSteps returns the steps of an order in the order they were taken.
func (d *DB) OrderSteps(ctx context.Context, orderID int64) ([]app.OrderStep, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT id, order_id, IFNULL(staff_id, 0), at, step, detail FROM order_steps WHERE order_id = ? ORDER BY at, id`, orderID)
	if err != nil {
		return nil, queryErr(err, "steps of work order %d", orderID)
	}
	defer rows.Close()
	var out []app.OrderStep
	for rows.Next() {
		var s app.OrderStep
		if err := rows.Scan(&s.ID, &s.OrderID, &s.StaffID, tm(&s.At), &s.Step, &s.Detail); err != nil {
			return nil, queryErr(err, "steps of work order %d", orderID)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "steps of work order %d", orderID)
	}
	return out, nil
}
