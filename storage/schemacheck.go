package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// Someone with the database file in hand can drop the triggers that make
// ratings append-only and then delete or edit rows. Open puts every trigger
// and index this build defines back as defined (and drops triggers it does
// not define), recording the repair in the audit log; Check reports any
// object missing, altered or foreign, and rating rows that have gone.

// schemaObject is one row of sqlite_schema.
type schemaObject struct {
	kind, name, table, sql string
}

// refSchemas caches the schema each migration list produces, built once on
// an in-memory database.
var refSchemas sync.Map // *migration (first element) + len → map[string]schemaObject

type refKey struct {
	first *migration
	n     int
}

// reference is the schema migs produce: what a file at that version must hold.
func reference(migs []migration) (map[string]schemaObject, error) {
	if len(migs) == 0 {
		return map[string]schemaObject{}, nil
	}
	key := refKey{&migs[0], len(migs)}
	if v, ok := refSchemas.Load(key); ok {
		return v.(map[string]schemaObject), nil
	}
	sdb, err := sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	sdb.SetMaxOpenConns(1) // one connection: one in-memory database
	tx, err := sdb.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, m := range migs {
		if err := m.up(tx); err != nil {
			return nil, fmt.Errorf("reference schema, %s: %w", m.name, err)
		}
	}
	ref, err := readSchema(context.Background(), tx)
	if err != nil {
		return nil, err
	}
	refSchemas.Store(key, ref)
	return ref, nil
}

func readSchema(ctx context.Context, q querier) (map[string]schemaObject, error) {
	rows, err := q.QueryContext(ctx, `SELECT type, name, tbl_name, IFNULL(sql, '') FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]schemaObject{}
	for rows.Next() {
		var o schemaObject
		if err := rows.Scan(&o.kind, &o.name, &o.table, &o.sql); err != nil {
			return nil, err
		}
		out[o.kind+" "+o.name] = o
	}
	return out, rows.Err()
}

// schemaDiff compares a file's schema with the reference: objects missing,
// altered (other SQL) and foreign (not defined by this build).
func schemaDiff(have, want map[string]schemaObject) (missing, altered, foreign []schemaObject) {
	for k, w := range want {
		h, ok := have[k]
		switch {
		case !ok:
			missing = append(missing, w)
		case h.sql != w.sql || h.table != w.table:
			altered = append(altered, w)
		}
	}
	for k, h := range have {
		if _, ok := want[k]; !ok {
			foreign = append(foreign, h)
		}
	}
	for _, l := range [][]schemaObject{missing, altered, foreign} {
		sort.Slice(l, func(i, j int) bool { return l[i].kind+l[i].name < l[j].kind+l[j].name })
	}
	return
}

// diffSchema compares the file's schema with the reference for its version.
func (d *DB) diffSchema(ctx context.Context) (have map[string]schemaObject, missing, altered, foreign []schemaObject, err error) {
	ref, err := reference(d.migs[:d.version])
	if err != nil {
		return nil, nil, nil, nil, err
	}
	have, err = readSchema(ctx, d.db)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("storage: unable to read the schema of %s: %w", d.path, explain(err))
	}
	missing, altered, foreign = schemaDiff(have, ref)
	return have, missing, altered, foreign, nil
}

// SchemaProblems lists, in words, where the file's schema differs from the
// one this build defines.
func (d *DB) SchemaProblems(ctx context.Context) ([]string, error) {
	_, missing, altered, foreign, err := d.diffSchema(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range missing {
		out = append(out, fmt.Sprintf("schema: %s %s is missing", o.kind, o.name))
	}
	for _, o := range altered {
		out = append(out, fmt.Sprintf("schema: %s %s has been altered", o.kind, o.name))
	}
	for _, o := range foreign {
		out = append(out, fmt.Sprintf("schema: %s %s on %s is not part of bianmin", o.kind, o.name, o.table))
	}
	return out, nil
}

// lostRatings finds rating rows that were deleted: evaluation ids are
// assigned in sequence and never reused while later rows exist, and every
// stored rating has an outbox row, which is never deleted.
func (d *DB) lostRatings(ctx context.Context) ([]string, error) {
	var n, top int64
	if err := d.db.QueryRowContext(ctx, `SELECT count(*), IFNULL(max(id), 0) FROM evaluations`).Scan(&n, &top); err != nil {
		return nil, fmt.Errorf("storage: unable to count evaluations in %s: %w", d.path, explain(err))
	}
	var out []string
	if n < top {
		out = append(out, fmt.Sprintf("evaluations: %d of ids 1..%d are missing (rating rows deleted)", top-n, top))
	}
	var gone int64
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox o WHERE o.kind = 'evaluation'
		AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.uid = o.record_uid)`).Scan(&gone); err != nil {
		return nil, fmt.Errorf("storage: unable to check evaluations in %s: %w", d.path, explain(err))
	}
	if gone > 0 {
		out = append(out, fmt.Sprintf("evaluations: %d ratings recorded for upload are no longer in the table (rows deleted)", gone))
	}
	return out, nil
}

// repairSchema puts back the triggers and indexes this build defines that
// are missing or altered and drops triggers it does not define, in one
// transaction with an audit entry saying what was done. Tables are not
// touched: a missing or altered table is reported by Check, for a restore
// from backup. It returns what it repaired.
func (d *DB) repairSchema(ctx context.Context) ([]string, error) {
	have, missing, altered, foreign, err := d.diffSchema(ctx)
	if err != nil {
		return nil, err
	}
	var fix []schemaObject
	var drop []schemaObject
	for _, o := range append(missing, altered...) {
		if o.kind == "trigger" || (o.kind == "index" && o.sql != "") {
			if _, ok := have[o.kind+" "+o.name]; ok {
				drop = append(drop, o)
			}
			fix = append(fix, o)
		}
	}
	for _, o := range foreign {
		if o.kind == "trigger" {
			drop = append(drop, o)
		}
	}
	if len(fix) == 0 && len(drop) == 0 {
		return nil, nil
	}
	var done []string
	err = d.write(ctx, "repair schema", func(tx *sql.Tx) error {
		for _, o := range drop {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`DROP %s IF EXISTS "%s"`, strings.ToUpper(o.kind), o.name)); err != nil {
				return fmt.Errorf("drop %s %s: %w", o.kind, o.name, err)
			}
		}
		for _, o := range fix {
			// Each in its own savepoint: a unique index that the rows no
			// longer satisfy (a duplicate slipped in while it was gone)
			// cannot come back, which Check keeps reporting, but must not
			// keep the centre from working.
			if _, err := tx.ExecContext(ctx, `SAVEPOINT repair_object`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, o.sql); err != nil {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO repair_object`); rerr != nil {
					return rerr
				}
				done = append(done, fmt.Sprintf("unable to restore %s %s: %v", o.kind, o.name, err))
			} else {
				done = append(done, fmt.Sprintf("restored %s %s", o.kind, o.name))
			}
			if _, err := tx.ExecContext(ctx, `RELEASE repair_object`); err != nil {
				return err
			}
		}
		for _, o := range foreign {
			if o.kind == "trigger" {
				done = append(done, fmt.Sprintf("dropped foreign trigger %s on %s", o.name, o.table))
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, staff_id, action, detail) VALUES (?, NULL, ?, ?)`,
			d.now().UnixMilli(), AuditSchemaRepaired, strings.Join(done, "; "))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: unable to repair the schema of %s: %w", d.path, err)
	}
	return done, nil
}

// AuditSchemaRepaired is the audit action of a schema repair at Open.
const AuditSchemaRepaired = "schema_repaired"

// Repairs says what Open put back in the schema (empty when nothing), for
// the caller's log.
func (d *DB) Repairs() []string { return d.repairs }

// LogRepairs writes what Open repaired to log, one warning each.
func (d *DB) LogRepairs(log *slog.Logger) {
	for _, r := range d.repairs {
		log.Warn("database schema repaired on open: someone changed the file outside bianmin", "path", d.path, "repair", r)
	}
}
