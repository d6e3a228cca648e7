package storage

import (
	"context"
	"database/sql"
	"fmt"

	"bianmin/app"
)

// The DB keeps 现场化解 records (table onsite_resolutions, schema v1).
var _ app.OnSiteStore = (*DB)(nil)

// RecordOnSite stores a 现场化解 in one transaction: the order (as
// UpdateWorkOrder does), the step, the resolution row and the order's outbox row. It fills r.ID. app.ErrNotFound when there is no order o.ID.
func (d *DB) RecordOnSite(ctx context.Context, o app.WorkOrder, step app.OrderStep, r app.OnSiteResolution) (app.OnSiteResolution, error) {
	if step.OrderID != 0 && step.OrderID != o.ID || r.OrderID != 0 && r.OrderID != o.ID {
		return r, fmt.Errorf("storage: unable to record on-site resolution of order %d: step or record is for another order", o.ID)
	}
	step.OrderID, r.OrderID = o.ID, o.ID
	if step.At.IsZero() {
		step.At = d.now()
	}
	if r.At.IsZero() {
		r.At = step.At
	}
	step.At, r.At = norm(step.At), norm(r.At)
	err := d.write(ctx, fmt.Sprintf("record on-site resolution of work order %d", o.ID), func(tx *sql.Tx) error {
		return d.updateOrderTx(ctx, tx, o, &step, func() error {
			return tx.QueryRowContext(ctx, `
				INSERT INTO onsite_resolutions (order_id, problem, action, staff_id, response, rerated, at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				r.OrderID, r.Problem, r.Action, ref(r.StaffID), r.Response, r.ReRated, r.At.UnixMilli()).Scan(&r.ID)
		})
	})
	if err != nil {
		return app.OnSiteResolution{}, err
	}
	return r, nil
}

// OnSiteResolutions returns the 现场化解 records of an order, oldest first.
func (d *DB) OnSiteResolutions(ctx context.Context, orderID int64) ([]app.OnSiteResolution, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT id, order_id, problem, action, IFNULL(staff_id, 0), response, rerated, at
		FROM onsite_resolutions WHERE order_id = ? ORDER BY at, id`, orderID)
	if err != nil {
		return nil, queryErr(err, "on-site resolutions of work order %d", orderID)
	}
	defer rows.Close()
	var out []app.OnSiteResolution
	for rows.Next() {
		var r app.OnSiteResolution
		if err := rows.Scan(&r.ID, &r.OrderID, &r.Problem, &r.Action, &r.StaffID, &r.Response, &r.ReRated, tm(&r.At)); err != nil {
			return nil, queryErr(err, "on-site resolutions of work order %d", orderID)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "on-site resolutions of work order %d", orderID)
	}
	return out, nil
}
