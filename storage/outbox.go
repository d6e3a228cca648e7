package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"bianmin/app"
)

// Outbox kinds. The payload of each is the JSON encoding of the app type as
// stored (IDs, UIDs and times filled in).
const (
	OutboxTransaction = "transaction" // app.Transaction
	OutboxEvaluation  = "evaluation"  // app.Evaluation
	OutboxWorkOrder   = "workorder"   // OrderPayload
)

// OrderPayload is the payload of a "workorder" outbox row: the order as
// stored and, when the row was written by UpdateWorkOrder, the step taken.
type OrderPayload struct {
	app.WorkOrder
	Step *app.OrderStep `json:",omitempty"`
}

// OutboxRow is one row of the outbox, for the senders in sync/.
type OutboxRow struct {
	ID          int64
	Kind        string
	RecordUID   string
	Payload     json.RawMessage
	CreatedAt   time.Time
	SentAt      time.Time // zero while pending
	Attempts    int
	LastError   string
	Destination string
	// Set only by RejectedOutbox: when and why the receiver (or the sender's
	// own validation) refused the row.
	RejectedAt   time.Time
	RejectReason string
}

// enqueue writes one outbox row inside tx.
func (d *DB) enqueue(ctx context.Context, tx *sql.Tx, kind, uid string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s outbox payload: %w", kind, err)
	}
	_, err = d.txExec(ctx, tx, `INSERT INTO outbox (kind, record_uid, payload, created_at, destination) VALUES (?, ?, ?, ?, ?)`,
		kind, uid, string(b), d.now().UnixMilli(), d.destination())
	d.enqueued = d.enqueued || err == nil
	return err
}

const pendingOutboxSQL = `
	SELECT id, kind, record_uid, payload, created_at, sent_at, attempts, last_error, destination
	FROM outbox WHERE destination = ? AND sent_at IS NULL AND rejected_at IS NULL ORDER BY id LIMIT ?`

// PendingOutbox returns up to limit unsent rows for destination, oldest first.
// Rejected rows (RejectOutbox) are left out until re-queued.
func (d *DB) PendingOutbox(ctx context.Context, destination string, limit int) ([]OutboxRow, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, pendingOutboxSQL, destination, limit)
	if err != nil {
		return nil, queryErr(err, "outbox")
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var payload string
		if err := rows.Scan(&r.ID, &r.Kind, &r.RecordUID, &payload, tm(&r.CreatedAt), tm(&r.SentAt), &r.Attempts,
			&r.LastError, &r.Destination); err != nil {
			return nil, queryErr(err, "outbox")
		}
		r.Payload = json.RawMessage(payload)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "outbox")
	}
	return out, nil
}

// MarkOutboxSent records that the receiver acknowledged the rows.
func (d *DB) MarkOutboxSent(ctx context.Context, ids []int64, at time.Time) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return d.write(ctx, "mark outbox rows sent", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = ''
			WHERE id IN (SELECT value FROM json_each(?)) AND sent_at IS NULL`, at.UnixMilli(), string(list))
		return err
	})
}

// MarkOutboxFailed counts a failed attempt for the rows and keeps the error.
func (d *DB) MarkOutboxFailed(ctx context.Context, ids []int64, msg string) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return d.write(ctx, "mark outbox rows failed", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET attempts = attempts + 1, last_error = ?
			WHERE id IN (SELECT value FROM json_each(?)) AND sent_at IS NULL`, msg, string(list))
		return err
	})
}
