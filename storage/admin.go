package storage

import (
	"context"
	"database/sql"
	"fmt"

	"bianmin/app"
)

// The manager's changes to the centre's setup (app/admin.go): each change
// and its audit entry commit in one transaction. Rows are updated in place,
// never deleted, so ratings, transactions and tickets keep their references.
// Counters pick the changes up with the next configuration copy
// (ExportConfig); nothing here goes to the outbox.

var _ app.AdminStore = (*DB)(nil)

// mustChange fails with app.ErrNotFound when res changed no row.
func mustChange(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}

// UpdateWindow stores the window's number, name, kind and active flag. A
// second active window with the same number fails with ErrDuplicate (the
// windows_active_number index).
func (d *DB) UpdateWindow(ctx context.Context, w app.Window, a app.AuditEntry) error {
	return d.write(ctx, fmt.Sprintf("update window %d", w.ID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE windows SET number = ?, name = ?, kind = ?, active = ? WHERE id = ?`,
			w.Number, w.Name, w.Kind, w.Active, w.ID)
		if err != nil {
			return err
		}
		if err := mustChange(res, "window %d", w.ID); err != nil {
			return err
		}
		return d.addAudit(ctx, tx, a)
	})
}

// UpdateStaff stores the staff member's name, role and active flag; the 工号
// and the PIN hash stay. Deactivating also clears the member's AB posts. A
// change that leaves no active manager fails with app.ErrLastManager: the
// check runs inside the write transaction, so two managers deactivating each
// other from two PCs cannot both succeed.
func (d *DB) UpdateStaff(ctx context.Context, s app.Staff, a app.AuditEntry) error {
	return d.write(ctx, fmt.Sprintf("update staff %d", s.ID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE staff SET name = ?, role = ?, active = ? WHERE id = ?`,
			s.Name, string(s.Role), s.Active, s.ID)
		if err != nil {
			return err
		}
		if err := mustChange(res, "staff %d", s.ID); err != nil {
			return err
		}
		var managers int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM staff WHERE role = 'manager' AND active`).
			Scan(&managers); err != nil {
			return err
		}
		if managers == 0 {
			return app.ErrLastManager
		}
		if !s.Active {
			if _, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE staff_id = ?`, s.ID); err != nil {
				return err
			}
		}
		return d.addAudit(ctx, tx, a)
	})
}

// SetPIN stores a new PIN hash for the staff member.
func (d *DB) SetPIN(ctx context.Context, staffID int64, pinHash string, a app.AuditEntry) error {
	return d.write(ctx, fmt.Sprintf("set pin of staff %d", staffID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE staff SET pin_hash = ? WHERE id = ?`, pinHash, staffID)
		if err != nil {
			return err
		}
		if err := mustChange(res, "staff %d", staffID); err != nil {
			return err
		}
		return d.addAudit(ctx, tx, a)
	})
}

// SetPosts makes staff a and b the A and B clerks of the window; 0 leaves a
// post vacant. A deactivated member is refused here too (app checks first),
// so a post given while another PC deactivates the member cannot outlive
// UpdateStaff's clearing of their posts.
func (d *DB) SetPosts(ctx context.Context, windowID, a, b int64, audit app.AuditEntry) error {
	return d.write(ctx, fmt.Sprintf("set posts of window %d", windowID), func(tx *sql.Tx) error {
		for _, p := range []struct {
			post  string
			staff int64
		}{{"A", a}, {"B", b}} {
			var err error
			if p.staff != 0 {
				var active bool
				if err := tx.QueryRowContext(ctx, `SELECT active FROM staff WHERE id = ?`, p.staff).Scan(&active); err != nil {
					return queryErr(err, "staff %d", p.staff)
				}
				if !active {
					return fmt.Errorf("staff %d is deactivated", p.staff)
				}
			}
			if p.staff == 0 {
				_, err = tx.ExecContext(ctx, `DELETE FROM posts WHERE window_id = ? AND post = ?`, windowID, p.post)
			} else {
				_, err = tx.ExecContext(ctx, `
					INSERT INTO posts (window_id, post, staff_id) VALUES (?, ?, ?)
					ON CONFLICT (window_id, post) DO UPDATE SET staff_id = excluded.staff_id`,
					windowID, p.post, p.staff)
			}
			if err != nil {
				return err
			}
		}
		return d.addAudit(ctx, tx, audit)
	})
}

// UpdateCategory stores the category's prefix and name and replaces its
// windows by c.Windows, in that order (the preference order of
// category_windows.pos). A prefix in use fails with ErrDuplicate.
func (d *DB) UpdateCategory(ctx context.Context, c app.QueueCategory, a app.AuditEntry) error {
	return d.write(ctx, fmt.Sprintf("update category %d", c.ID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE categories SET prefix = ?, name = ? WHERE id = ?`, c.Prefix, c.Name, c.ID)
		if err != nil {
			return err
		}
		if err := mustChange(res, "category %d", c.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM category_windows WHERE category_id = ?`, c.ID); err != nil {
			return err
		}
		for i, w := range c.Windows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO category_windows (category_id, window_id, pos) VALUES (?, ?, ?)`,
				c.ID, w, i); err != nil {
				return err
			}
		}
		return d.addAudit(ctx, tx, a)
	})
}
