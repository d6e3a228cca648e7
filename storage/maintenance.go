package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"bianmin/app"
)

// Backup writes a consistent copy of the database to outPath while the app
// keeps writing (VACUUM INTO reads one snapshot; WAL lets writers go on). It
// refuses to overwrite an existing file. The copy is written under a
// temporary name in the same directory, fsynced, and only then linked to
// outPath, so outPath is either absent or a complete backup.
func (d *DB) Backup(ctx context.Context, outPath string) error {
	abs, err := filepath.Abs(outPath)
	if err != nil {
		return fmt.Errorf("storage: unable to back up to %q: %w", outPath, err)
	}
	fail := func(err error) error { return fmt.Errorf("storage: unable to back up to %s: %w", abs, err) }
	if _, err := os.Lstat(abs); err == nil {
		return fail(fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	tmp := filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".partial-"+newUID()[24:]) // the UID's random end: its start is the clock
	defer os.Remove(tmp)
	stop := d.watchBackup(ctx, tmp)
	_, err = d.db.ExecContext(ctx, `VACUUM INTO ?`, tmp)
	stop()
	if err != nil {
		return fail(explain(err))
	}
	// A backup holds what the database holds: owner only, like it.
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fail(err)
	}
	// VACUUM INTO does not fsync its output.
	if err := syncFile(tmp); err != nil {
		return fail(err)
	}
	if err := os.Link(tmp, abs); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fail(err)
		}
		// No hard links (some network shares): fall back to rename, which
		// could replace a file created in this very moment; checked again.
		if _, err := os.Lstat(abs); err == nil {
			return fail(fs.ErrExist)
		}
		if err := os.Rename(tmp, abs); err != nil {
			return fail(err)
		}
	}
	syncDir(filepath.Dir(abs))
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a new directory entry durable where the OS allows it
// (not on Windows, where opening a directory fails; NTFS journals it).
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// Check runs PRAGMA integrity_check and PRAGMA foreign_key_check and returns
// the problems found, in words; none means the database is sound. It reads
// the whole file: about a minute for ten years of a busy centre.
func (d *DB) Check(ctx context.Context) ([]string, error) {
	return d.check(ctx, "integrity_check")
}

// QuickCheck is Check with PRAGMA quick_check, which skips verifying that
// index contents match their tables: much faster, still finds a damaged file.
func (d *DB) QuickCheck(ctx context.Context) ([]string, error) {
	return d.check(ctx, "quick_check")
}

func (d *DB) check(ctx context.Context, pragma string) ([]string, error) {
	var problems []string
	rows, err := d.db.QueryContext(ctx, `PRAGMA `+pragma)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to check %s: %w", d.path, explain(err))
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("storage: unable to check %s: %w", d.path, err)
		}
		if s != "ok" {
			problems = append(problems, "integrity: "+s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: unable to check %s: %w", d.path, explain(err))
	}

	rows, err = d.db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to check foreign keys of %s: %w", d.path, explain(err))
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return nil, fmt.Errorf("storage: unable to check foreign keys of %s: %w", d.path, err)
		}
		problems = append(problems, fmt.Sprintf("foreign key: %s row %d refers to a missing %s row (constraint %d)",
			table, rowid.Int64, parent, fkid))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: unable to check foreign keys of %s: %w", d.path, explain(err))
	}
	schema, err := d.SchemaProblems(ctx)
	if err != nil {
		return nil, err
	}
	lost, err := d.lostRatings(ctx)
	if err != nil {
		return nil, err
	}
	return append(append(problems, schema...), lost...), nil
}

// ExportEvaluations calls fn for every evaluation row rated in [from, to)
// (zero bounds are open), oldest first, corrected rows included. It stops at
// the first error fn returns and returns it.
func (d *DB) ExportEvaluations(ctx context.Context, from, to time.Time, fn func(app.Evaluation) error) error {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, `SELECT `+evalCols+` FROM evaluations e
		WHERE e.rated_at >= ? AND e.rated_at < ? ORDER BY e.rated_at, e.id`, lo, hi)
	if err != nil {
		return queryErr(err, "evaluations for export")
	}
	defer rows.Close()
	for rows.Next() {
		var e app.Evaluation
		if err := scanEval(rows, &e); err != nil {
			return queryErr(err, "evaluations for export")
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryErr(err, "evaluations for export")
	}
	return nil
}

// ExportTransactions calls fn for every transaction created in [from, to),
// oldest first.
func (d *DB) ExportTransactions(ctx context.Context, from, to time.Time, fn func(app.Transaction) error) error {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, `SELECT `+txCols+txFrom+`
		WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.created_at, t.id`, lo, hi)
	if err != nil {
		return queryErr(err, "transactions for export")
	}
	defer rows.Close()
	for rows.Next() {
		var t app.Transaction
		if err := scanTx(rows, &t); err != nil {
			return queryErr(err, "transactions for export")
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryErr(err, "transactions for export")
	}
	return nil
}

// ExportWorkOrders calls fn for every work order created in [from, to),
// oldest first.
func (d *DB) ExportWorkOrders(ctx context.Context, from, to time.Time, fn func(app.WorkOrder) error) error {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, `SELECT `+orderCols+` FROM work_orders w
		WHERE w.created_at >= ? AND w.created_at < ? ORDER BY w.created_at, w.id`, lo, hi)
	if err != nil {
		return queryErr(err, "work orders for export")
	}
	defer rows.Close()
	for rows.Next() {
		var o app.WorkOrder
		if err := scanOrder(rows, &o); err != nil {
			return queryErr(err, "work orders for export")
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryErr(err, "work orders for export")
	}
	return nil
}

// watchBackup reports the backup's progress (app.ReportProgress, in KiB) by
// the size its file has reached against the database's, until stop is called.
// VACUUM INTO is one statement with no callback; the growing file is the
// only measure of how far it has got.
func (d *DB) watchBackup(ctx context.Context, tmp string) (stop func()) {
	var total int64
	if err := d.db.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&total); err != nil || total <= 0 {
		return func() {}
	}
	kib := int(total / 1024)
	app.ReportProgress(ctx, 0, kib)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if fi, err := os.Stat(tmp); err == nil {
					app.ReportProgress(ctx, min(int(fi.Size()/1024), kib), kib)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		app.ReportProgress(ctx, kib, kib)
	}
}
