package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"bianmin/app"
)

// Facts are what monthly reports read: tens of thousands of rows per call.
//
// Why the queries look the way they do. With modernc.org/sqlite every column
// of every row is a few calls into the transpiled C library, each taking the
// connection mutex: on the 2-core target, about half a microsecond per value.
// For 16 000 evaluations × 10 columns that cost more than SQLite's own work.
// So each row comes back as ONE text value, the fields joined by the unit
// separator (0x1F), numbers first and the one free-text field (item code)
// last, and is split in Go. Correlated subqueries per row are avoided too:
// the few superseded IDs and work-order verdicts of the month are read by
// two small range queries in the same read transaction and merged in Go, and
// "has an active rating" is a column kept exact by a trigger (schema v2).
// BenchmarkEvalFactsMonth10y measures the result; TestQueryPlans pins the plans.

// sep separates the fields of a packed row.
const sep = "\x1f"

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

// read runs fn in a read transaction: one consistent snapshot for several
// queries, without taking the write lock.
func (d *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

const evalFactsSQL = `
	SELECT e.id || '` + sep + `' || IFNULL(e.transaction_id, 0) || '` + sep + `' || e.level || '` + sep + `' ||
		IFNULL(e.window_id, 0) || '` + sep + `' || IFNULL(e.clerk_id, 0) || '` + sep + `' || e.rated_at || '` + sep + `' ||
		e.kind || '` + sep + `' || e.channel || '` + sep + `' || e.dimension || '` + sep + `' || e.item_code
	FROM evaluations e
	WHERE e.rated_at >= ? AND e.rated_at < ?
	ORDER BY e.rated_at, e.id`

// A row is superseded when another row corrects it; corrections are rare,
// and the partial index evaluations_corrects holds only them.
const supersededSQL = `SELECT corrects_id FROM evaluations WHERE corrects_id BETWEEN ? AND ?`

// The verdict of a row is its work order's (the latest, should there be two).
const verdictsSQL = `SELECT evaluation_id, verdict FROM work_orders WHERE evaluation_id BETWEEN ? AND ? ORDER BY id`

// EvalFacts returns the slim facts of the evaluations rated in [from, to),
// oldest first. Rows superseded by a correction (another row has
// corrects_id = their id) are left out; the correcting row stands. Verdict is
// that of the row's work order, pending when it has none.
func (d *DB) EvalFacts(ctx context.Context, from, to time.Time) ([]app.EvalFact, error) {
	lo, hi := bounds(from, to)
	var out []app.EvalFact
	err := d.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, evalFactsSQL, lo, hi)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			facts = make([]app.EvalFact, 0, 1024)
			ids   = make([]int64, 0, 1024)
			codes = interner{}
			buf   sql.RawBytes
		)
		for rows.Next() {
			if err := rows.Scan(&buf); err != nil {
				return err
			}
			p := packed{b: buf}
			var f app.EvalFact
			id := p.int()
			f.TransactionID = p.int()
			f.Level = app.Level(p.int())
			f.WindowID, f.ClerkID = p.int(), p.int()
			f.RatedAt = time.UnixMilli(p.int()).In(app.ChinaTime)
			f.Kind = app.EvalKind(codes.get(p.field()))
			f.Channel = app.Channel(codes.get(p.field()))
			f.Dimension = app.Dimension(codes.get(p.field()))
			f.ItemCode = codes.get(p.rest())
			if p.err != nil {
				return fmt.Errorf("evaluation row %q: %w", buf, p.err)
			}
			facts = append(facts, f)
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(facts) == 0 {
			return nil
		}
		minID, maxID := ids[0], ids[0]
		for _, id := range ids {
			minID, maxID = min(minID, id), max(maxID, id)
		}
		superseded := map[int64]bool{}
		if err := eachRow(ctx, tx, supersededSQL, []any{minID, maxID}, func(r *sql.Rows) error {
			var id int64
			if err := r.Scan(&id); err != nil {
				return err
			}
			superseded[id] = true
			return nil
		}); err != nil {
			return err
		}
		verdicts := map[int64]app.Verdict{}
		if err := eachRow(ctx, tx, verdictsSQL, []any{minID, maxID}, func(r *sql.Rows) error {
			var id int64
			var v string
			if err := r.Scan(&id, &v); err != nil {
				return err
			}
			verdicts[id] = app.Verdict(v)
			return nil
		}); err != nil {
			return err
		}
		out = facts[:0]
		for i, f := range facts {
			if superseded[ids[i]] {
				continue
			}
			f.Verdict = verdicts[ids[i]]
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, queryErr(err, "evaluation facts")
	}
	return out, nil
}

const orderFactsSQL = `
	SELECT w.on_site || '` + sep + `' || (w.replied_at IS NOT NULL) || '` + sep + `' ||
		(w.rectified_at IS NOT NULL) || '` + sep + `' || (w.called_back_at IS NOT NULL) || '` + sep + `' ||
		IFNULL(w.window_id, 0) || '` + sep + `' || IFNULL(w.clerk_id, 0) || '` + sep + `' ||
		w.verdict || '` + sep + `' || w.category || '` + sep + `' || w.state || '` + sep + `' ||
		w.callback_result || '` + sep + `' ||
		COALESCE((SELECT c2.level FROM evaluations c1 JOIN evaluations c2 ON c2.corrects_id = c1.id WHERE c1.corrects_id = e.id),
			(SELECT c1.level FROM evaluations c1 WHERE c1.corrects_id = e.id), 0) || '` + sep + `' || w.item_code
	FROM work_orders w JOIN evaluations e ON e.id = w.evaluation_id
	WHERE e.rated_at >= ? AND e.rated_at < ?
	ORDER BY w.id`

// OrderFacts returns the slim facts of the work orders whose evaluation was
// rated in [from, to), by order ID.
func (d *DB) OrderFacts(ctx context.Context, from, to time.Time) ([]app.OrderFact, error) {
	lo, hi := bounds(from, to)
	out, err := orderFacts(ctx, d.db, orderFactsSQL, []any{lo, hi}, nil, nil)
	if err != nil {
		return nil, queryErr(err, "work order facts")
	}
	return out, nil
}

// orderFacts reads the packed rows of orderFactsSQL or a query like it; a
// query with more columns after the packed one scans them into extra and
// has each called for every row.
func orderFacts(ctx context.Context, q querier, query string, args, extra []any, each func(app.OrderFact)) ([]app.OrderFact, error) {
	out := make([]app.OrderFact, 0, 64)
	codes := interner{}
	var buf sql.RawBytes
	dest := append([]any{&buf}, extra...)
	err := eachRow(ctx, q, query, args, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		p := packed{b: buf}
		var f app.OrderFact
		f.OnSite, f.Replied, f.Rectified, f.CalledBack = p.int() != 0, p.int() != 0, p.int() != 0, p.int() != 0
		f.WindowID, f.ClerkID = p.int(), p.int()
		f.Verdict = app.Verdict(codes.get(p.field()))
		f.Category = app.OrderCategory(codes.get(p.field()))
		f.State = app.OrderState(codes.get(p.field()))
		f.CallbackResult = app.CallbackResult(codes.get(p.field()))
		f.CorrectedTo = app.Level(p.int())
		f.ItemCode = codes.get(p.rest())
		if p.err != nil {
			return fmt.Errorf("work order row %q: %w", buf, p.err)
		}
		out = append(out, f)
		if each != nil {
			each(f)
		}
		return nil
	})
	return out, err
}

const txFactsSQL = `
	SELECT t.id || '` + sep + `' || IFNULL(t.window_id, 0) || '` + sep + `' || IFNULL(t.clerk_id, 0) || '` + sep + `' ||
		t.active_rated || '` + sep + `' || t.item_code
	FROM transactions t
	WHERE t.completed_at >= ? AND t.completed_at < ?
	  AND t.is_theme = 0 AND t.status IN ('completed', 'returned', 'refused')
	ORDER BY t.completed_at, t.id`

// TxFacts returns the slim facts of the transactions (theme parents left
// out) finished with CompletedAt in [from, to), oldest first. ActiveRated
// tells whether any evaluation row of kind active exists for it.
func (d *DB) TxFacts(ctx context.Context, from, to time.Time) ([]app.TxFact, error) {
	lo, hi := bounds(from, to)
	out := make([]app.TxFact, 0, 1024)
	codes := interner{}
	err := eachRow(ctx, d.db, txFactsSQL, []any{lo, hi}, func(r *sql.Rows) error {
		var buf sql.RawBytes
		if err := r.Scan(&buf); err != nil {
			return err
		}
		p := packed{b: buf}
		var f app.TxFact
		f.ID, f.WindowID, f.ClerkID = p.int(), p.int(), p.int()
		f.ActiveRated = p.int() != 0
		f.ItemCode = codes.get(p.rest())
		if p.err != nil {
			return fmt.Errorf("transaction row %q: %w", buf, p.err)
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, queryErr(err, "transaction facts")
	}
	return out, nil
}

// eachRow runs query and calls fn for each row.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// packed reads the fields of a row packed by the queries above.
type packed struct {
	b   []byte
	err error
}

// field returns the next field (up to the separator).
func (p *packed) field() []byte {
	for i, c := range p.b {
		if c == sep[0] {
			f := p.b[:i]
			p.b = p.b[i+1:]
			return f
		}
	}
	if p.err == nil {
		p.err = fmt.Errorf("too few fields")
	}
	f := p.b
	p.b = nil
	return f
}

// rest returns everything left: the last field, which may hold anything.
func (p *packed) rest() []byte {
	f := p.b
	p.b = nil
	return f
}

// int parses the next field as a decimal integer.
func (p *packed) int() int64 {
	f := p.field()
	if len(f) == 0 {
		if p.err == nil {
			p.err = fmt.Errorf("empty number")
		}
		return 0
	}
	neg := f[0] == '-'
	if neg {
		f = f[1:]
	}
	var n int64
	for _, c := range f {
		if c < '0' || c > '9' {
			if p.err == nil {
				p.err = fmt.Errorf("bad number %q", f)
			}
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n
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
