package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Rejection is one outbox row the receiver refused, with its reason.
type Rejection struct {
	ID     int64
	Reason string
}

// RejectOutbox moves rows out of the pending queue into the rejected list,
// keeping the reason for the manager. Rows already sent are left alone.
func (d *DB) RejectOutbox(ctx context.Context, rej []Rejection, at time.Time) error {
	if len(rej) == 0 {
		return nil
	}
	return d.write(ctx, "mark outbox rows rejected", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `
			UPDATE outbox SET rejected_at = ?, reject_reason = ?, attempts = attempts + 1, last_error = ?
			WHERE id = ? AND sent_at IS NULL`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rej {
			if _, err := st.ExecContext(ctx, at.UnixMilli(), r.Reason, r.Reason, r.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

const pendingOutboxAfterSQL = `
	SELECT id, kind, record_uid, payload, created_at, attempts, last_error, destination
	FROM outbox WHERE destination = ? AND sent_at IS NULL AND rejected_at IS NULL AND id > ? ORDER BY id LIMIT ?`

// PendingOutboxAfter is PendingOutbox from the row after id `after` on (0:
// from the start): the county sender reads the next batch while the one
// before is still with the county.
func (d *DB) PendingOutboxAfter(ctx context.Context, destination string, after int64, limit int) ([]OutboxRow, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, pendingOutboxAfterSQL, destination, after, limit)
	if err != nil {
		return nil, queryErr(err, "outbox")
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var payload string
		if err := rows.Scan(&r.ID, &r.Kind, &r.RecordUID, &payload, tm(&r.CreatedAt), &r.Attempts,
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

// RejectedOutbox returns the rejected, unsent rows for destination, oldest
// first, at most limit (all when limit <= 0).
func (d *DB) RejectedOutbox(ctx context.Context, destination string, limit int) ([]OutboxRow, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `
		SELECT id, kind, record_uid, payload, created_at, attempts, last_error, destination, rejected_at, reject_reason
		FROM outbox WHERE destination = ? AND rejected_at IS NOT NULL AND sent_at IS NULL ORDER BY id LIMIT ?`,
		destination, limit)
	if err != nil {
		return nil, queryErr(err, "rejected outbox rows")
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var payload string
		if err := rows.Scan(&r.ID, &r.Kind, &r.RecordUID, &payload, tm(&r.CreatedAt), &r.Attempts, &r.LastError,
			&r.Destination, tm(&r.RejectedAt), &r.RejectReason); err != nil {
			return nil, queryErr(err, "rejected outbox rows")
		}
		r.Payload = json.RawMessage(payload)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "rejected outbox rows")
	}
	return out, nil
}

// RequeueOutbox puts a rejected row back in the pending queue, in its old
// place (its id, so ordering against other rows is kept). A non-nil payload
// replaces the stored one: the manager's correction. app.ErrNotFound when the
// row does not exist or is not rejected.
func (d *DB) RequeueOutbox(ctx context.Context, id int64, payload json.RawMessage) error {
	if payload != nil && !json.Valid(payload) {
		return fmt.Errorf("storage: unable to re-queue outbox row %d: corrected payload is not valid JSON", id)
	}
	return d.write(ctx, fmt.Sprintf("re-queue outbox row %d", id), func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if payload != nil {
			res, err = tx.ExecContext(ctx, `
				UPDATE outbox SET rejected_at = NULL, reject_reason = '', last_error = '', payload = ?
				WHERE id = ? AND rejected_at IS NOT NULL AND sent_at IS NULL`, string(payload), id)
		} else {
			res, err = tx.ExecContext(ctx, `
				UPDATE outbox SET rejected_at = NULL, reject_reason = '', last_error = ''
				WHERE id = ? AND rejected_at IS NOT NULL AND sent_at IS NULL`, id)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("rejected outbox row %d", id)
		}
		return nil
	})
}

// OutboxStats summarises one destination's queue for a status display.
type OutboxStats struct {
	Pending      int       // unsent, not rejected
	OldestUnsent time.Time // created_at of the oldest pending row; zero when none
	Rejected     int       // waiting in the manager's list
}

// OutboxStats reads the queue figures for destination. Every query stays on
// the partial indexes (no scan of the sent history), so it is cheap to poll
// even with a large backlog. Row ids grow with created_at, so the oldest
// pending row is the first in the pending index.
func (d *DB) OutboxStats(ctx context.Context, destination string) (OutboxStats, error) {
	var s OutboxStats
	err := d.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, outboxPendingCountSQL, destination).Scan(&s.Pending); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, outboxOldestSQL, destination).Scan(tm(&s.OldestUnsent))
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		return tx.QueryRowContext(ctx, outboxRejectedCountSQL, destination).Scan(&s.Rejected)
	})
	if err != nil {
		return OutboxStats{}, queryErr(err, "outbox statistics")
	}
	return s, nil
}

const (
	outboxPendingCountSQL  = `SELECT count(*) FROM outbox WHERE destination = ? AND sent_at IS NULL AND rejected_at IS NULL`
	outboxOldestSQL        = `SELECT created_at FROM outbox WHERE destination = ? AND sent_at IS NULL AND rejected_at IS NULL ORDER BY id LIMIT 1`
	outboxRejectedCountSQL = `SELECT count(*) FROM outbox WHERE destination = ? AND rejected_at IS NOT NULL AND sent_at IS NULL`
)

// Settings returns every stored setting whose key starts with prefix.
func (d *DB) Settings(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?`, len(prefix), prefix)
	if err != nil {
		return nil, queryErr(err, "settings")
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, queryErr(err, "settings")
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "settings")
	}
	return out, nil
}

// SaveSettings stores the key-value pairs in one transaction (all or none).
func (d *DB) SaveSettings(ctx context.Context, kv map[string]string) error {
	return d.write(ctx, "save settings", func(tx *sql.Tx) error {
		for k, v := range kv {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}
