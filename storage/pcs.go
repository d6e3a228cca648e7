package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bianmin/app"
)

// PCs enrolled at the hub (sync/lan.Registry decides; storage keeps them).

const pcCols = `id, name, role, IFNULL(window_id, 0), host, token_expires, created_at, enrolled_at, revoked_at`

func scanPC(sc interface{ Scan(...any) error }) (app.PC, error) {
	var p app.PC
	var role string
	err := sc.Scan(&p.ID, &p.Name, &role, &p.WindowID, &p.Host, tm(&p.TokenExpires), tm(&p.CreatedAt),
		tm(&p.EnrolledAt), tm(&p.RevokedAt))
	p.Role = app.PCRole(role)
	return p, err
}

// AddPC records a PC that may join with the token whose hash is tokenHash
// until expires, with an audit entry.
func (d *DB) AddPC(ctx context.Context, p app.PC, tokenHash string, audit app.AuditEntry) (app.PC, error) {
	p.CreatedAt = norm(d.now())
	p.TokenExpires = norm(p.TokenExpires)
	err := d.write(ctx, "add PC", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO pcs (name, role, window_id, token_hash, token_expires, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, string(p.Role), ref(p.WindowID), tokenHash,
			ms(p.TokenExpires), ms(p.CreatedAt)).Scan(&p.ID); err != nil {
			return err
		}
		return d.addAudit(ctx, tx, audit)
	})
	if err != nil {
		return app.PC{}, fmt.Errorf("storage: unable to add PC %q: %w", p.Name, explain(err))
	}
	return p, nil
}

// EnrollPC uses the join token whose hash is tokenHash: the PC it names
// (unused, unexpired, not revoked) gets the secret whose hash is secretHash,
// and the token is gone. An unknown, used or expired token is ErrNotFound.
func (d *DB) EnrollPC(ctx context.Context, tokenHash, secretHash, host string) (app.PC, error) {
	var p app.PC
	now := d.now()
	err := d.write(ctx, "enroll PC", func(tx *sql.Tx) error {
		var err error
		p, err = scanPC(tx.QueryRowContext(ctx, `SELECT `+pcCols+` FROM pcs
			WHERE token_hash = ? AND enrolled_at IS NULL AND revoked_at IS NULL AND token_expires > ?`,
			tokenHash, now.UnixMilli()))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("join token")
		}
		if err != nil {
			return err
		}
		p.EnrolledAt, p.Host, p.TokenExpires = norm(now), host, time.Time{}
		if _, err := tx.ExecContext(ctx, `UPDATE pcs SET secret_hash = ?, enrolled_at = ?, host = ?,
			token_hash = NULL, token_expires = NULL WHERE id = ?`, secretHash, ms(p.EnrolledAt), host, p.ID); err != nil {
			return err
		}
		return d.addAudit(ctx, tx, app.AuditEntry{At: now, Action: "pc_enrolled",
			Detail: fmt.Sprintf("PC %d %s (%s) joined from host %q", p.ID, p.Name, p.Role, host)})
	})
	if err != nil {
		if errors.Is(err, app.ErrNotFound) {
			return app.PC{}, err
		}
		return app.PC{}, fmt.Errorf("storage: unable to enroll PC: %w", explain(err))
	}
	return p, nil
}

// PCCredential is a PC with the hash of its secret (empty until enrolled).
func (d *DB) PCCredential(ctx context.Context, id int64) (app.PC, string, error) {
	var hash sql.NullString
	row := d.db.QueryRowContext(ctx, `SELECT `+pcCols+`, secret_hash FROM pcs WHERE id = ?`, id)
	var p app.PC
	var role string
	err := row.Scan(&p.ID, &p.Name, &role, &p.WindowID, &p.Host, tm(&p.TokenExpires), tm(&p.CreatedAt),
		tm(&p.EnrolledAt), tm(&p.RevokedAt), &hash)
	if err != nil {
		return app.PC{}, "", queryErr(err, "PC %d", id)
	}
	p.Role = app.PCRole(role)
	return p, hash.String, nil
}

// PCs lists every PC, newest first.
func (d *DB) PCs(ctx context.Context) ([]app.PC, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+pcCols+` FROM pcs ORDER BY id DESC`)
	if err != nil {
		return nil, queryErr(err, "PCs")
	}
	defer rows.Close()
	var out []app.PC
	for rows.Next() {
		p, err := scanPC(rows)
		if err != nil {
			return nil, queryErr(err, "PCs")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RevokePC stops a PC (enrolled or not) from being let in, with an audit
// entry. Revoking a revoked PC changes nothing.
func (d *DB) RevokePC(ctx context.Context, id int64, audit app.AuditEntry) error {
	return d.write(ctx, "revoke PC", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pcs SET revoked_at = ?, token_hash = NULL WHERE id = ? AND revoked_at IS NULL`,
			ms(d.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if !exists(ctx, tx, `SELECT 1 FROM pcs WHERE id = ?`, id) {
				return notFound("PC %d", id)
			}
			return nil
		}
		return d.addAudit(ctx, tx, audit)
	})
}
