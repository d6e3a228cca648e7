package storage

import (
	"context"
	"time"

	"bianmin/app"
)

// PauseLog returns the windows' pause and resume entries of the queue log
// at or after from and before to, oldest first, with the last entry of each
// window before from (so a pause that began earlier is known).
func (d *DB) PauseLog(ctx context.Context, from, to time.Time) ([]app.QueueLog, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT id, at, kind, IFNULL(window_id, 0) FROM queue_log
		WHERE kind IN ('pause', 'resume') AND (
			(at >= ? AND at < ?) OR
			id IN (SELECT max(id) FROM queue_log WHERE kind IN ('pause', 'resume') AND at < ? GROUP BY window_id))
		ORDER BY at, id`, from.UnixMilli(), to.UnixMilli(), from.UnixMilli())
	if err != nil {
		return nil, queryErr(err, "pause log")
	}
	defer rows.Close()
	var out []app.QueueLog
	for rows.Next() {
		var l app.QueueLog
		var kind string
		if err := rows.Scan(&l.ID, tm(&l.At), &kind, &l.WindowID); err != nil {
			return nil, queryErr(err, "pause log")
		}
		l.Kind = app.QueueLogKind(kind)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "pause log")
	}
	return out, nil
}
