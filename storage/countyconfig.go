package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"bianmin/app"
)

// CountyConfig is a configuration the county pushed down, as storage applies
// it (sync/ fetches and validates it first).
type CountyConfig struct {
	Version string
	// Items is the county's 事项清单. Each is stored as SaveItem stores an
	// item: inserted, or updated in place by code so references stay valid.
	// A nil Materials or an empty Pinyin keeps what the centre has for the
	// item. Items of the centre that are not in the list are deactivated, not
	// deleted: old transactions still name them.
	Items []app.ServiceItem
	// Profile is the centre's policy profile; "" keeps the current one.
	Profile string
	// Settings are written with the rest (the holiday overrides, the tag
	// table and the version, as the sender keeps them), in key order.
	Settings map[string]string
}

// ApplyCountyConfig applies the whole configuration in one transaction:
// after a failure at any point (a constraint, a full disk, a crash) the
// previous configuration is there as it was, item for item.
func (d *DB) ApplyCountyConfig(ctx context.Context, c CountyConfig) error {
	type row struct {
		it   app.ServiceItem
		mats string
	}
	rows := make([]row, len(c.Items))
	codes := make([]string, len(c.Items))
	for i, it := range c.Items {
		mats, err := jsonList(it.Materials)
		if err != nil {
			return fmt.Errorf("storage: unable to apply county configuration %s: item %s: %w", c.Version, it.Code, err)
		}
		rows[i], codes[i] = row{it, mats}, it.Code
	}
	codeList, err := json.Marshal(codes)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return d.write(ctx, "apply county configuration "+c.Version, func(tx *sql.Tx) error {
		put, err := tx.PrepareContext(ctx, `
			INSERT INTO items (code, name, department, instant, promise_days, materials, pinyin, active)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, department = excluded.department,
				instant = excluded.instant, promise_days = excluded.promise_days,
				materials = CASE WHEN ?9 THEN items.materials ELSE excluded.materials END,
				pinyin = CASE WHEN excluded.pinyin = '' THEN items.pinyin ELSE excluded.pinyin END,
				active = excluded.active`)
		if err != nil {
			return err
		}
		defer put.Close()
		for _, r := range rows {
			it := r.it
			if _, err := put.ExecContext(ctx, it.Code, it.Name, it.Department, it.Instant, it.PromiseDays, r.mats,
				it.Pinyin, it.Active, it.Materials == nil); err != nil {
				return fmt.Errorf("item %q: %w", it.Code, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE items SET active = 0
			WHERE active <> 0 AND code NOT IN (SELECT value FROM json_each(?))`, string(codeList)); err != nil {
			return err
		}
		if c.Profile != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE centre SET profile = ? WHERE id = 1`, c.Profile); err != nil {
				return err
			}
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, c.Settings[k]); err != nil {
				return fmt.Errorf("setting %q: %w", k, err)
			}
		}
		return nil
	})
}

// SettingsByKey returns the stored values of the given keys; a key that is
// not stored is absent from the map. Each key is an index lookup, so this
// stays cheap on a large settings table (one entry per processed QR rating).
func (d *DB) SettingsByKey(ctx context.Context, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	list, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT key, value FROM settings WHERE key IN (SELECT value FROM json_each(?))`,
		string(list))
	if err != nil {
		return nil, queryErr(err, "settings")
	}
	defer rows.Close()
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
