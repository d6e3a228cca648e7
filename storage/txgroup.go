package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"bianmin/app"
)

// The DB writes a theme or a batch in one database transaction.
var (
	_ app.TxGroupStore = (*DB)(nil)
	_ app.IDKeyStore   = (*DB)(nil)
)

// Settings keys of the node's identity.
const (
	// SettingNodeNumber is this node's serial prefix: two digits 01–99,
	// conventionally the counter's window number. Serials then read
	// BM + YYYYMMDD + node + 4-digit sequence, so counters registering
	// offline never collide with each other. Unset (hub, standalone): the
	// original BM + YYYYMMDD + 6-digit sequence, whose first 9999 numbers of a
	// day are node "00".
	SettingNodeNumber = "node.number"
	// SettingIDKey is the centre's key for app.HashID (hex). The hub creates
	// it; counters receive it with the configuration (ImportConfig), so one
	// person's ID hash is the same at every window.
	SettingIDKey = "centre.id_key"
)

// SetNodeNumber stores this node's serial prefix (1–99; 0 clears it).
func (d *DB) SetNodeNumber(ctx context.Context, n int) error {
	if n < 0 || n > 99 {
		return fmt.Errorf("storage: node number %d out of range 0..99", n)
	}
	v := ""
	if n > 0 {
		v = fmt.Sprintf("%02d", n)
	}
	return d.SaveSettings(ctx, map[string]string{SettingNodeNumber: v})
}

// serialFormat gives the serial for the n-th number of day on this node and
// the largest n the format holds.
func serialFormat(ctx context.Context, tx *sql.Tx, day string, n int64) (string, int64, error) {
	var node string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, SettingNodeNumber).Scan(&node)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && !strings.Contains(err.Error(), "no such table") {
		return "", 0, err // (a schema before v4, opened by a migration test, has no settings: no node)
	}
	if node == "" {
		return fmt.Sprintf("BM%s%06d", day, n), 999999, nil
	}
	if v, err := strconv.Atoi(node); err != nil || v < 1 || v > 99 || len(node) != 2 {
		return "", 0, fmt.Errorf("setting %s = %q, want 01..99", SettingNodeNumber, node)
	}
	return fmt.Sprintf("BM%s%s%04d", day, node, n), 9999, nil
}

// IDHashKey returns the centre's HashID key, creating one on first use (on
// the hub or a standalone node; a counter has the hub's from ImportConfig).
func (d *DB) IDHashKey(ctx context.Context) ([]byte, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, SettingIDKey).Scan(&v)
	if err == nil && v != "" {
		return hex.DecodeString(v) // the usual case: no write lock taken
	}
	var key []byte
	err = d.write(ctx, "read the ID hash key", func(tx *sql.Tx) error {
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, SettingIDKey).Scan(&v)
		if err == nil && v != "" {
			key, err = hex.DecodeString(v)
			return err
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, SettingIDKey, hex.EncodeToString(key))
		return err
	})
	return key, err
}

// AddTransactionGroup stores several transactions in one database
// transaction, each as AddTransaction would (serials, UIDs, defaults, outbox
// rows). When the first is a theme parent (IsTheme) the others become its
// children. The audit entry is written too (skipped when Action is empty).
func (d *DB) AddTransactionGroup(ctx context.Context, txs []app.Transaction, audit app.AuditEntry) ([]app.Transaction, error) {
	out := make([]app.Transaction, 0, len(txs))
	err := d.write(ctx, fmt.Sprintf("add %d transactions", len(txs)), func(tx *sql.Tx) error {
		for i, t := range txs {
			if i > 0 && txs[0].IsTheme {
				t.ThemeParentID = out[0].ID
			}
			st, err := d.insertTx(ctx, tx, t)
			if err != nil {
				return err
			}
			out = append(out, st)
		}
		if audit.Action != "" {
			return d.addAudit(ctx, tx, audit)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insertTx is AddTransaction inside tx. A ticket of the hub that this node
// does not hold (a counter keeps no tickets) is not linked in this node's
// row, but the forwarded record carries it, so the hub links its own.
func (d *DB) insertTx(ctx context.Context, tx *sql.Tx, t app.Transaction) (app.Transaction, error) {
	if t.ID != 0 {
		return app.Transaction{}, fmt.Errorf("transaction already has ID %d", t.ID)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = d.now()
	}
	if t.UID == "" {
		t.UID = newUID()
	}
	if t.Status == "" {
		t.Status = app.TxRegistered
	}
	if t.BatchCount == 0 {
		t.BatchCount = 1
	}
	if t.Serial == "" {
		s, err := nextSerial(ctx, tx, t.CreatedAt)
		if err != nil {
			return app.Transaction{}, err
		}
		t.Serial = s
	}
	ticket := t.TicketID
	if ticket != 0 && !exists(ctx, tx, `SELECT 1 FROM tickets WHERE id = ?`, ticket) {
		ticket = 0
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO transactions (serial, uid, item_code, batch_id, batch_count, theme_parent_id, is_theme,
			agent_name, applicant_name, id_masked, id_hash, phone, window_id, clerk_id, ticket_id, status, visits,
			created_at, accepted_at, completed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Serial, t.UID, t.ItemCode, t.BatchID, t.BatchCount, ref(t.ThemeParentID), t.IsTheme,
		t.AgentName, t.ApplicantName, t.IDMasked, t.IDHash, t.Phone, ref(t.WindowID), ref(t.ClerkID), ref(ticket),
		string(t.Status), t.Visits, ms(t.CreatedAt), ms(t.AcceptedAt), ms(t.CompletedAt)).Scan(&id)
	if err != nil {
		return app.Transaction{}, err
	}
	out, err := getTx(ctx, tx, id)
	if err != nil {
		return app.Transaction{}, err
	}
	if out.TicketID == 0 {
		out.TicketID = t.TicketID
	}
	return out, d.enqueue(ctx, tx, OutboxTransaction, out.UID, out)
}

func exists(ctx context.Context, tx *sql.Tx, q string, args ...any) bool {
	var one int
	return tx.QueryRowContext(ctx, q, args...).Scan(&one) == nil
}

// UpdateTransactionGroup stores every row as UpdateTransaction does, in one
// database transaction with the audit entry (skipped when Action is empty).
func (d *DB) UpdateTransactionGroup(ctx context.Context, txs []app.Transaction, audit app.AuditEntry) error {
	ids := make([]string, len(txs))
	for i, t := range txs {
		ids[i] = strconv.FormatInt(t.ID, 10)
	}
	return d.write(ctx, "update transactions "+strings.Join(ids, ","), func(tx *sql.Tx) error {
		for _, t := range txs {
			if err := d.updateTx(ctx, tx, t); err != nil {
				return err
			}
		}
		if audit.Action != "" {
			return d.addAudit(ctx, tx, audit)
		}
		return nil
	})
}

// updateTx is UpdateTransaction inside tx. As in insertTx, a ticket this node
// does not hold stays unlinked here and travels in the outbox record.
func (d *DB) updateTx(ctx context.Context, tx *sql.Tx, t app.Transaction) error {
	if t.BatchCount == 0 {
		t.BatchCount = 1
	}
	ticket := t.TicketID
	if ticket != 0 && !exists(ctx, tx, `SELECT 1 FROM tickets WHERE id = ?`, ticket) {
		ticket = 0
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE transactions SET item_code = ?, batch_id = ?, batch_count = ?, theme_parent_id = ?, is_theme = ?,
			agent_name = ?, applicant_name = ?, id_masked = ?, id_hash = ?, phone = ?, window_id = ?, clerk_id = ?,
			ticket_id = ?, status = ?, visits = ?, accepted_at = ?, completed_at = ?
		WHERE id = ?`,
		t.ItemCode, t.BatchID, t.BatchCount, ref(t.ThemeParentID), t.IsTheme,
		t.AgentName, t.ApplicantName, t.IDMasked, t.IDHash, t.Phone, ref(t.WindowID), ref(t.ClerkID),
		ref(ticket), string(t.Status), t.Visits, ms(t.AcceptedAt), ms(t.CompletedAt), t.ID)
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
	if stored.TicketID == 0 {
		stored.TicketID = t.TicketID
	}
	return d.enqueue(ctx, tx, OutboxTransaction, stored.UID, stored)
}

// OnOutbox registers fn to be called after every commit that wrote outbox
// rows (a registration, a rating), so a sender can drain at once instead of
// at its next poll. fn must not block; nil removes it.
func (d *DB) OnOutbox(fn func()) {
	if fn == nil {
		d.onOutbox.Store(nil)
		return
	}
	d.onOutbox.Store(&fn)
}
