package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"bianmin/app"
)

// Centre returns the installation's centre, or app.ErrNotFound before the
// first SaveCentre.
func (d *DB) Centre(ctx context.Context) (app.Centre, error) {
	var c app.Centre
	err := d.db.QueryRowContext(ctx, `SELECT name, area_code, profile FROM centre WHERE id = 1`).
		Scan(&c.Name, &c.AreaCode, &c.Profile)
	if err != nil {
		return app.Centre{}, queryErr(err, "centre")
	}
	return c, nil
}

// SaveCentre inserts or replaces the centre. AreaCode must be empty or 12 digits.
func (d *DB) SaveCentre(ctx context.Context, c app.Centre) error {
	return d.write(ctx, "save centre", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO centre (id, name, area_code, profile) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, area_code = excluded.area_code, profile = excluded.profile`,
			c.Name, c.AreaCode, c.Profile)
		return err
	})
}

// AddWindow stores a new window and returns its ID.
func (d *DB) AddWindow(ctx context.Context, w app.Window) (int64, error) {
	var id int64
	err := d.write(ctx, "add window", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO windows (number, name, kind, active) VALUES (?, ?, ?, ?) RETURNING id`,
			w.Number, w.Name, w.Kind, w.Active).Scan(&id)
	})
	return id, err
}

// Windows returns all windows by number.
func (d *DB) Windows(ctx context.Context) ([]app.Window, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, number, name, kind, active FROM windows ORDER BY number, id`)
	if err != nil {
		return nil, queryErr(err, "windows")
	}
	defer rows.Close()
	var out []app.Window
	for rows.Next() {
		var w app.Window
		if err := rows.Scan(&w.ID, &w.Number, &w.Name, &w.Kind, &w.Active); err != nil {
			return nil, queryErr(err, "windows")
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "windows")
	}
	return out, nil
}

// AddStaff stores a new staff member and returns the ID. 工号 must be unique
// (ErrDuplicate otherwise) and Role clerk or manager.
func (d *DB) AddStaff(ctx context.Context, s app.Staff) (int64, error) {
	var id int64
	err := d.write(ctx, "add staff "+s.No, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO staff (no, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			s.No, s.Name, string(s.Role), s.PINHash, s.Active).Scan(&id)
	})
	return id, err
}

const staffCols = `id, no, name, role, pin_hash, active`

func scanStaff(r interface{ Scan(...any) error }, s *app.Staff) error {
	var role string
	if err := r.Scan(&s.ID, &s.No, &s.Name, &role, &s.PINHash, &s.Active); err != nil {
		return err
	}
	s.Role = app.Role(role)
	return nil
}

// StaffByNo looks a staff member up by 工号.
func (d *DB) StaffByNo(ctx context.Context, no string) (app.Staff, error) {
	var s app.Staff
	if err := scanStaff(d.db.QueryRowContext(ctx, `SELECT `+staffCols+` FROM staff WHERE no = ?`, no), &s); err != nil {
		return app.Staff{}, queryErr(err, "staff %q", no)
	}
	return s, nil
}

// StaffByID looks a staff member up by ID.
func (d *DB) StaffByID(ctx context.Context, id int64) (app.Staff, error) {
	var s app.Staff
	if err := scanStaff(d.db.QueryRowContext(ctx, `SELECT `+staffCols+` FROM staff WHERE id = ?`, id), &s); err != nil {
		return app.Staff{}, queryErr(err, "staff %d", id)
	}
	return s, nil
}

// AllStaff returns every staff member, active or not, by 工号.
func (d *DB) AllStaff(ctx context.Context) ([]app.Staff, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+staffCols+` FROM staff ORDER BY no`)
	if err != nil {
		return nil, queryErr(err, "staff")
	}
	defer rows.Close()
	var out []app.Staff
	for rows.Next() {
		var s app.Staff
		if err := scanStaff(rows, &s); err != nil {
			return nil, queryErr(err, "staff")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "staff")
	}
	return out, nil
}

// SetPost makes p.StaffID the A or B clerk of p.WindowID, replacing whoever
// held that post. StaffID 0 clears the post.
func (d *DB) SetPost(ctx context.Context, p app.Post) error {
	return d.write(ctx, fmt.Sprintf("set post %s of window %d", p.Post, p.WindowID), func(tx *sql.Tx) error {
		if p.StaffID == 0 {
			_, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE window_id = ? AND post = ?`, p.WindowID, p.Post)
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO posts (window_id, post, staff_id) VALUES (?, ?, ?)
			ON CONFLICT (window_id, post) DO UPDATE SET staff_id = excluded.staff_id`,
			p.WindowID, p.Post, p.StaffID)
		return err
	})
}

// Posts returns all posts by window, A before B.
func (d *DB) Posts(ctx context.Context) ([]app.Post, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT window_id, staff_id, post FROM posts ORDER BY window_id, post`)
	if err != nil {
		return nil, queryErr(err, "posts")
	}
	defer rows.Close()
	var out []app.Post
	for rows.Next() {
		var p app.Post
		if err := rows.Scan(&p.WindowID, &p.StaffID, &p.Post); err != nil {
			return nil, queryErr(err, "posts")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "posts")
	}
	return out, nil
}

// SaveItem inserts the item or updates the one with the same Code. It is an
// update in place, not a delete and insert, so references stay valid.
func (d *DB) SaveItem(ctx context.Context, it app.ServiceItem) error {
	mats, err := jsonList(it.Materials)
	if err != nil {
		return fmt.Errorf("storage: unable to save item %s: %w", it.Code, err)
	}
	return d.write(ctx, "save item "+it.Code, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO items (code, name, department, instant, promise_days, materials, pinyin, active)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, department = excluded.department,
				instant = excluded.instant, promise_days = excluded.promise_days, materials = excluded.materials,
				pinyin = excluded.pinyin, active = excluded.active`,
			it.Code, it.Name, it.Department, it.Instant, it.PromiseDays, mats, it.Pinyin, it.Active)
		return err
	})
}

// Items returns the 事项清单 by code, inactive items included.
func (d *DB) Items(ctx context.Context) ([]app.ServiceItem, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT code, name, department, instant, promise_days, materials, pinyin, active FROM items ORDER BY code`)
	if err != nil {
		return nil, queryErr(err, "items")
	}
	defer rows.Close()
	var out []app.ServiceItem
	for rows.Next() {
		var it app.ServiceItem
		var mats string
		if err := rows.Scan(&it.Code, &it.Name, &it.Department, &it.Instant, &it.PromiseDays, &mats, &it.Pinyin, &it.Active); err != nil {
			return nil, queryErr(err, "items")
		}
		if it.Materials, err = parseList(mats); err != nil {
			return nil, queryErr(err, "materials of item %s", it.Code)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "items")
	}
	return out, nil
}

// AddCategory stores a queue category with its windows (in the given order).
func (d *DB) AddCategory(ctx context.Context, c app.QueueCategory) (int64, error) {
	var id int64
	err := d.write(ctx, "add category "+c.Prefix, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO categories (prefix, name) VALUES (?, ?) RETURNING id`,
			c.Prefix, c.Name).Scan(&id); err != nil {
			return err
		}
		for i, w := range c.Windows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO category_windows (category_id, window_id, pos) VALUES (?, ?, ?)`,
				id, w, i); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// Categories returns the queue categories by ID, each with its windows.
func (d *DB) Categories(ctx context.Context) ([]app.QueueCategory, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT c.id, c.prefix, c.name, cw.window_id
		FROM categories c LEFT JOIN category_windows cw ON cw.category_id = c.id
		ORDER BY c.id, cw.pos`)
	if err != nil {
		return nil, queryErr(err, "categories")
	}
	defer rows.Close()
	var out []app.QueueCategory
	for rows.Next() {
		var c app.QueueCategory
		var w sql.NullInt64
		if err := rows.Scan(&c.ID, &c.Prefix, &c.Name, &w); err != nil {
			return nil, queryErr(err, "categories")
		}
		if n := len(out); n == 0 || out[n-1].ID != c.ID {
			out = append(out, c)
		}
		if w.Valid {
			last := &out[len(out)-1]
			last.Windows = append(last.Windows, w.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "categories")
	}
	return out, nil
}

// AddTicket stores a queue ticket and returns its ID. IssuedAt defaults to
// now; Number must be unique within Day.
func (d *DB) AddTicket(ctx context.Context, t app.Ticket) (int64, error) {
	if t.IssuedAt.IsZero() {
		t.IssuedAt = d.now()
	}
	var id int64
	err := d.write(ctx, "add ticket "+t.Number, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
			INSERT INTO tickets (category_id, number, day, priority, issued_at, called_at, window_id, clerk_id,
				served_at, done_at, no_show)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.CategoryID, t.Number, t.Day, t.Priority, ms(t.IssuedAt), ms(t.CalledAt), ref(t.WindowID), ref(t.ClerkID),
			ms(t.ServedAt), ms(t.DoneAt), t.NoShow).Scan(&id)
	})
	return id, err
}

// jsonList encodes a string list as a JSON array (never null).
func jsonList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// parseList decodes a JSON array; an empty array reads back as nil.
func parseList(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
