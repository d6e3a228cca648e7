package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"bianmin/app"
)

// querier is what reads need; both *sql.DB and *sql.Tx have it.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const txCols = `t.id, t.serial, t.item_code, IFNULL(i.name, ''), t.batch_id, t.batch_count,
	IFNULL(t.theme_parent_id, 0), t.is_theme, t.agent_name, t.applicant_name, t.id_masked, t.id_hash, t.phone,
	IFNULL(t.window_id, 0), IFNULL(t.clerk_id, 0), IFNULL(t.ticket_id, 0), t.status, t.visits,
	t.created_at, t.accepted_at, t.completed_at, t.uid`

const txFrom = ` FROM transactions t LEFT JOIN items i ON i.code = t.item_code `

func scanTx(r interface{ Scan(...any) error }, t *app.Transaction) error {
	var status string
	err := r.Scan(&t.ID, &t.Serial, &t.ItemCode, &t.ItemName, &t.BatchID, &t.BatchCount,
		&t.ThemeParentID, &t.IsTheme, &t.AgentName, &t.ApplicantName, &t.IDMasked, &t.IDHash, &t.Phone,
		&t.WindowID, &t.ClerkID, &t.TicketID, &status, &t.Visits,
		tm(&t.CreatedAt), tm(&t.AcceptedAt), tm(&t.CompletedAt), &t.UID)
	t.Status = app.TxStatus(status)
	return err
}

func queryTxs(ctx context.Context, q querier, what, where string, args ...any) ([]app.Transaction, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+txCols+txFrom+where, args...)
	if err != nil {
		return nil, queryErr(err, "%s", what)
	}
	defer rows.Close()
	var out []app.Transaction
	for rows.Next() {
		var t app.Transaction
		if err := scanTx(rows, &t); err != nil {
			return nil, queryErr(err, "%s", what)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "%s", what)
	}
	return out, nil
}

func getTx(ctx context.Context, q querier, id int64) (app.Transaction, error) {
	var t app.Transaction
	if err := scanTx(q.QueryRowContext(ctx, `SELECT `+txCols+txFrom+`WHERE t.id = ?`, id), &t); err != nil {
		return app.Transaction{}, queryErr(err, "transaction %d", id)
	}
	return t, nil
}

// AddTransaction stores a new transaction and returns it as stored: ID set,
// Serial (BM+YYYYMMDD+6-digit daily sequence of CreatedAt's China date) and
// UID generated when empty, CreatedAt now when zero, Status registered when
// empty, BatchCount 1 when 0, times at millisecond precision, ItemName filled.
// Its outbox row (kind "transaction") is written in the same transaction.
func (d *DB) AddTransaction(ctx context.Context, t app.Transaction) (app.Transaction, error) {
	if t.ID != 0 {
		return app.Transaction{}, fmt.Errorf("storage: unable to add transaction: it already has ID %d", t.ID)
	}
	var out app.Transaction
	err := d.write(ctx, "add transaction", func(tx *sql.Tx) error {
		var err error
		out, err = d.insertTx(ctx, tx, t)
		return err
	})
	if err != nil {
		return app.Transaction{}, err
	}
	return out, nil
}

// nextSerial takes the next number of the day's sequence, skipping any
// serial already present (one imported, or entered by hand).
func nextSerial(ctx context.Context, tx *sql.Tx, at time.Time) (string, error) {
	day := at.In(app.ChinaTime).Format("20060102")
	for {
		var n int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO serial_seq (day, last) VALUES (?, 1)
			ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last`, day).Scan(&n)
		if err != nil {
			return "", err
		}
		s, most, err := serialFormat(ctx, tx, day, n) // node prefix: txgroup.go
		if err != nil {
			return "", err
		}
		if n > most {
			return "", fmt.Errorf("more than %d serials on %s", most, day)
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM transactions WHERE serial = ?`, s).Scan(&taken); err != nil {
			return "", err
		}
		if taken == 0 {
			return s, nil
		}
	}
}

// UpdateTransaction stores the mutable fields of tx (everything but ID,
// Serial, UID and CreatedAt) and writes its outbox row. app.ErrNotFound when
// there is no transaction tx.ID.
func (d *DB) UpdateTransaction(ctx context.Context, t app.Transaction) error {
	if t.BatchCount == 0 {
		t.BatchCount = 1
	}
	return d.write(ctx, fmt.Sprintf("update transaction %d", t.ID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE transactions SET item_code = ?, batch_id = ?, batch_count = ?, theme_parent_id = ?, is_theme = ?,
				agent_name = ?, applicant_name = ?, id_masked = ?, id_hash = ?, phone = ?, window_id = ?, clerk_id = ?,
				ticket_id = ?, status = ?, visits = ?, accepted_at = ?, completed_at = ?
			WHERE id = ?`,
			t.ItemCode, t.BatchID, t.BatchCount, ref(t.ThemeParentID), t.IsTheme,
			t.AgentName, t.ApplicantName, t.IDMasked, t.IDHash, t.Phone, ref(t.WindowID), ref(t.ClerkID),
			ref(t.TicketID), string(t.Status), t.Visits, ms(t.AcceptedAt), ms(t.CompletedAt), t.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("transaction %d", t.ID)
		}
		stored, err := getTx(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		return d.enqueue(ctx, tx, OutboxTransaction, stored.UID, stored)
	})
}

// Transaction returns the transaction with the ID, or app.ErrNotFound.
func (d *DB) Transaction(ctx context.Context, id int64) (app.Transaction, error) {
	return getTx(ctx, d.db, id)
}

// TransactionBySerial returns the transaction with the serial, or app.ErrNotFound.
func (d *DB) TransactionBySerial(ctx context.Context, serial string) (app.Transaction, error) {
	var t app.Transaction
	if err := scanTx(d.db.QueryRowContext(ctx, `SELECT `+txCols+txFrom+`WHERE t.serial = ?`, serial), &t); err != nil {
		return app.Transaction{}, queryErr(err, "transaction %q", serial)
	}
	return t, nil
}

// OpenTransactions returns the transactions still registered or accepted
// (在办), oldest first, through the partial index transactions_open.
func (d *DB) OpenTransactions(ctx context.Context) ([]app.Transaction, error) {
	return queryTxs(ctx, d.db, "open transactions", `
		WHERE t.status IN ('registered', 'accepted') ORDER BY t.created_at, t.id`)
}

// RelatedTransactions returns tx itself, the other members of its batch (same
// non-empty BatchID) and, for a theme (一件事), the parent and all its children
// whether tx is the parent or a child; ordered by ID.
func (d *DB) RelatedTransactions(ctx context.Context, t app.Transaction) ([]app.Transaction, error) {
	var theme int64
	switch {
	case t.IsTheme:
		theme = t.ID
	case t.ThemeParentID != 0:
		theme = t.ThemeParentID
	}
	return queryTxs(ctx, d.db, fmt.Sprintf("transactions related to %d", t.ID), `
		WHERE t.id = ?1
		   OR (?2 <> '' AND t.batch_id = ?2)
		   OR (?3 <> 0 AND (t.id = ?3 OR t.theme_parent_id = ?3))
		ORDER BY t.id`, t.ID, t.BatchID, theme)
}

// The first three conditions repeat the WHERE of the partial index
// transactions_unrated word for word, which is what lets SQLite use it.
const finishedUnratedWhere = `
	WHERE t.rating_pending = 1 AND t.is_theme = 0 AND t.status IN ('completed', 'returned', 'refused')
	  AND t.completed_at < ?
	  AND NOT EXISTS (SELECT 1 FROM evaluations e
	                  WHERE e.transaction_id = t.id AND e.visit = t.visits AND e.kind IN ('active', 'timeout'))
	ORDER BY t.completed_at, t.id
	LIMIT ?`

// FinishedUnrated returns finished (completed, returned, refused) transactions
// that are not theme parents, finished before `before`, whose final visit
// (Visit == Visits) has no evaluation of kind active or timeout; oldest first,
// at most limit (all when limit <= 0).
func (d *DB) FinishedUnrated(ctx context.Context, before time.Time, limit int) ([]app.Transaction, error) {
	if limit <= 0 {
		limit = -1
	}
	return queryTxs(ctx, d.db, "finished unrated transactions", finishedUnratedWhere, before.UnixMilli(), limit)
}
