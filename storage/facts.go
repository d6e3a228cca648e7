package storage

import (
	"context"
	"database/sql"
	"math"
	"time"

	"bianmin/app"
)

// bounds turns [from, to) into millisecond bounds; a zero time is open.
func bounds(from, to time.Time) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if !from.IsZero() {
		lo = from.UnixMilli()
	}
	if !to.IsZero() {
		hi = to.UnixMilli()
	}
	return lo, hi
}

// evalFactsSQL selects the rows rated in [?1, ?2) that no other row corrects,
// each with the verdict of its work order (the latest, should there be two).
const evalFactsSQL = `
	SELECT IFNULL(e.transaction_id, 0), e.kind, e.level, e.channel, e.dimension, IFNULL(e.window_id, 0),
		IFNULL(e.clerk_id, 0), e.item_code,
		IFNULL((SELECT w.verdict FROM work_orders w WHERE w.evaluation_id = e.id ORDER BY w.id DESC LIMIT 1), ''),
		e.rated_at
	FROM evaluations e
	WHERE e.rated_at >= ? AND e.rated_at < ?
	  AND NOT EXISTS (SELECT 1 FROM evaluations c WHERE c.corrects_id = e.id)
	ORDER BY e.rated_at, e.id`

// EvalFacts returns the slim facts of the evaluations rated in [from, to),
// oldest first. Rows superseded by a correction (another row has
// corrects_id = their id) are left out; the correcting row stands. Verdict is
// that of the row's work order, pending when it has none.
func (d *DB) EvalFacts(ctx context.Context, from, to time.Time) ([]app.EvalFact, error) {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, evalFactsSQL, lo, hi)
	if err != nil {
		return nil, queryErr(err, "evaluation facts")
	}
	defer rows.Close()
	var (
		out                               = make([]app.EvalFact, 0, 1024)
		codes                             = interner{}
		kind, channel, dim, item, verdict sql.RawBytes
		rated                             int64
	)
	for rows.Next() {
		var f app.EvalFact
		// Scanning into []byte and interning avoids one allocation per
		// string per row: the values come from a handful of codes.
		if err := rows.Scan(&f.TransactionID, &kind, &f.Level, &channel, &dim, &f.WindowID, &f.ClerkID, &item,
			&verdict, &rated); err != nil {
			return nil, queryErr(err, "evaluation facts")
		}
		f.Kind = app.EvalKind(codes.get(kind))
		f.Channel = app.Channel(codes.get(channel))
		f.Dimension = app.Dimension(codes.get(dim))
		f.ItemCode = codes.get(item)
		f.Verdict = app.Verdict(codes.get(verdict))
		f.RatedAt = time.UnixMilli(rated).In(app.ChinaTime)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "evaluation facts")
	}
	return out, nil
}

// OrderFacts returns the slim facts of the work orders whose evaluation was
// rated in [from, to), by order ID.
func (d *DB) OrderFacts(ctx context.Context, from, to time.Time) ([]app.OrderFact, error) {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, `
		SELECT w.verdict, w.category, w.state, w.on_site, w.replied_at IS NOT NULL, w.rectified_at IS NOT NULL,
			w.called_back_at IS NOT NULL, w.callback_result, IFNULL(w.window_id, 0), IFNULL(w.clerk_id, 0), w.item_code
		FROM work_orders w JOIN evaluations e ON e.id = w.evaluation_id
		WHERE e.rated_at >= ? AND e.rated_at < ?
		ORDER BY w.id`, lo, hi)
	if err != nil {
		return nil, queryErr(err, "work order facts")
	}
	defer rows.Close()
	var (
		out                           = make([]app.OrderFact, 0, 64)
		codes                         = interner{}
		verdict, cat, state, cb, item sql.RawBytes
	)
	for rows.Next() {
		var f app.OrderFact
		if err := rows.Scan(&verdict, &cat, &state, &f.OnSite, &f.Replied, &f.Rectified, &f.CalledBack, &cb,
			&f.WindowID, &f.ClerkID, &item); err != nil {
			return nil, queryErr(err, "work order facts")
		}
		f.Verdict = app.Verdict(codes.get(verdict))
		f.Category = app.OrderCategory(codes.get(cat))
		f.State = app.OrderState(codes.get(state))
		f.CallbackResult = app.CallbackResult(codes.get(cb))
		f.ItemCode = codes.get(item)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "work order facts")
	}
	return out, nil
}

// TxFacts returns the slim facts of the transactions (theme parents left
// out) finished with CompletedAt in [from, to), oldest first. ActiveRated
// tells whether any evaluation row of kind active exists for it.
func (d *DB) TxFacts(ctx context.Context, from, to time.Time) ([]app.TxFact, error) {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, `
		SELECT t.id, IFNULL(t.window_id, 0), IFNULL(t.clerk_id, 0), t.item_code,
			EXISTS (SELECT 1 FROM evaluations e WHERE e.transaction_id = t.id AND e.kind = 'active')
		FROM transactions t
		WHERE t.completed_at >= ? AND t.completed_at < ?
		  AND t.is_theme = 0 AND t.status IN ('completed', 'returned', 'refused')
		ORDER BY t.completed_at, t.id`, lo, hi)
	if err != nil {
		return nil, queryErr(err, "transaction facts")
	}
	defer rows.Close()
	var (
		out   = make([]app.TxFact, 0, 1024)
		codes = interner{}
		item  sql.RawBytes
	)
	for rows.Next() {
		var f app.TxFact
		if err := rows.Scan(&f.ID, &f.WindowID, &f.ClerkID, &item, &f.ActiveRated); err != nil {
			return nil, queryErr(err, "transaction facts")
		}
		f.ItemCode = codes.get(item)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "transaction facts")
	}
	return out, nil
}

// interner returns one shared string per distinct value.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	in[s] = s
	return s
}
