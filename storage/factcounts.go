package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"bianmin/app"
)

// FactCounts are the facts of [from, to) counted in SQL (app.Store): Stats
// over a month of a large centre used to ship every evaluation and
// transaction of the month to Go to count them there; here each fact table
// is read once, grouped as the caller asks, from the covering indexes
// evaluations_facts and transactions_facts, and only the counts cross into
// Go. The rare rows that change a count (superseded by a correction, bad
// reviews verified invalid) are read by two small queries over the
// month's ID range and applied to the counts. app.CountFacts is the
// definition; TestFactCountsAgreeWithRows holds this to it.

// groupCols are the group columns (window, clerk, item) of table alias t.
func groupCols(by app.GroupBy, t string) string {
	switch by {
	case app.ByWindow:
		return "IFNULL(" + t + ".window_id, 0), 0, ''"
	case app.ByClerk:
		return "0, IFNULL(" + t + ".clerk_id, 0), ''"
	case app.ByItem:
		return "0, 0, " + t + ".item_code"
	}
	return "0, 0, ''"
}

// The evaluation counts are grouped by one integer: SQLite groups by
// sorting, and with the kind and channel as text its sorter spent more on
// comparing strings than the rest of the statistics together. The cell
// packs level (3 bits), kind (2) and channel (4; 0 for a channel this build
// does not know, counted by the text query below); window or clerk go above
// it. Item codes stay text.
const (
	cellBits    = 12
	kindShift   = 3
	chanShift   = 5
	cellLevel   = 1<<kindShift - 1
	cellKind    = 1<<(chanShift-kindShift) - 1
	cellUnknown = 0
)

var cellKinds = []app.EvalKind{app.KindActive, app.KindTimeout, app.KindFollowUp}

// cellSQL is the cell of evaluation e.
var cellSQL = func() string {
	var b strings.Builder
	b.WriteString("e.level + ")
	fmt.Fprintf(&b, "%d * (CASE e.kind", 1<<kindShift)
	for i, k := range cellKinds {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", k, i)
	}
	fmt.Fprintf(&b, " END) + %d * (CASE e.channel", 1<<chanShift)
	for i, c := range app.Channels() {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", c, i+1)
	}
	b.WriteString(" ELSE 0 END)")
	return b.String()
}()

// evalCountsSQL counts the evaluations rated in [?, ?) by group and cell.
func evalCountsSQL(by app.GroupBy) string {
	grp, item, group := cellSQL, "''", "1"
	switch by {
	case app.ByWindow:
		grp = fmt.Sprintf("(IFNULL(e.window_id, 0) << %d) + %s", cellBits, cellSQL)
	case app.ByClerk:
		grp = fmt.Sprintf("(IFNULL(e.clerk_id, 0) << %d) + %s", cellBits, cellSQL)
	case app.ByItem:
		item, group = "e.item_code", "1, 2"
	}
	return `SELECT ` + grp + `, ` + item + `, count(*), min(e.id), max(e.id)
	FROM evaluations e INDEXED BY evaluations_facts
	WHERE e.rated_at >= ? AND e.rated_at < ?
	GROUP BY ` + group
}

// unknownChannelCountsSQL counts, by text, the rows of a channel cellSQL
// does not know (written by a newer build, say).
var unknownChannelCountsSQL = func() string {
	var known []string
	for _, c := range app.Channels() {
		known = append(known, "'"+string(c)+"'")
	}
	return `
	SELECT {g}, e.kind, e.level, e.channel, count(*), min(e.id), max(e.id)
	FROM evaluations e INDEXED BY evaluations_facts
	WHERE e.rated_at >= ? AND e.rated_at < ? AND e.channel NOT IN (` + strings.Join(known, ", ") + `)
	GROUP BY 1, 2, 3, 4, 5, 6`
}()

const (
	// The rows of the period another row corrects (the partial index
	// evaluations_corrects holds only corrections).
	supersededCountsSQL = `
	SELECT e.id, {g}, e.kind, e.level, e.channel
	FROM evaluations c CROSS JOIN evaluations e ON e.id = c.corrects_id
	WHERE c.corrects_id BETWEEN ? AND ? AND e.rated_at >= ? AND e.rated_at < ?`
	// orderFactsSQL over the period's ID range, driven by the orders, with
	// the rated row's counting key: the latest order's verdict stands.
	orderFactsRangeSQL = `
	SELECT w.on_site || '` + sep + `' || (w.replied_at IS NOT NULL) || '` + sep + `' ||
		(w.rectified_at IS NOT NULL) || '` + sep + `' || (w.called_back_at IS NOT NULL) || '` + sep + `' ||
		IFNULL(w.window_id, 0) || '` + sep + `' || IFNULL(w.clerk_id, 0) || '` + sep + `' ||
		w.verdict || '` + sep + `' || w.category || '` + sep + `' || w.state || '` + sep + `' ||
		w.callback_result || '` + sep + `' ||
		COALESCE((SELECT c2.level FROM evaluations c1 JOIN evaluations c2 ON c2.corrects_id = c1.id WHERE c1.corrects_id = e.id),
			(SELECT c1.level FROM evaluations c1 WHERE c1.corrects_id = e.id), 0) || '` + sep + `' || w.item_code,
		w.evaluation_id, {g}, e.kind, e.level, e.channel
	FROM work_orders w CROSS JOIN evaluations e ON e.id = w.evaluation_id
	WHERE w.evaluation_id BETWEEN ? AND ? AND e.rated_at >= ? AND e.rated_at < ?
	ORDER BY w.id`
)

// txCountsSQL counts the transactions finished in [?, ?) by group and rated
// flag, grouped by one integer as evalCountsSQL is.
func txCountsSQL(by app.GroupBy) string {
	grp, item, group := "t.active_rated", "''", "1"
	switch by {
	case app.ByWindow:
		grp = "(IFNULL(t.window_id, 0) << 1) + t.active_rated"
	case app.ByClerk:
		grp = "(IFNULL(t.clerk_id, 0) << 1) + t.active_rated"
	case app.ByItem:
		item, group = "t.item_code", "1, 2"
	}
	return `SELECT ` + grp + `, ` + item + `, count(*)
	FROM transactions t INDEXED BY transactions_facts
	WHERE t.completed_at >= ? AND t.completed_at < ?
	  AND t.is_theme = 0 AND t.status IN ('completed', 'returned', 'refused')
	GROUP BY ` + group
}

func grouped(query string, by app.GroupBy, t string) string {
	return strings.Replace(query, "{g}", groupCols(by, t), 1)
}

type evalCountKey struct {
	window, clerk int64
	item          string
	kind          app.EvalKind
	level         app.Level
	channel       app.Channel
	verdict       app.Verdict // set only when invalid
}

// FactCounts implements app.Store.
func (d *DB) FactCounts(ctx context.Context, from, to time.Time, by app.GroupBy) (app.Facts, error) {
	lo, hi := bounds(from, to)
	var out app.Facts
	err := d.read(ctx, func(tx *sql.Tx) error {
		counts := map[evalCountKey]int{}
		var minID, maxID int64
		first, unknown := true, false
		span := func(a, b int64) {
			if first {
				minID, maxID, first = a, b, false
			}
			minID, maxID = min(minID, a), max(maxID, b)
		}
		channels := app.Channels()
		if err := eachRow(ctx, tx, evalCountsSQL(by), []any{lo, hi}, func(r *sql.Rows) error {
			var grp int64
			var k evalCountKey
			var n int
			var a, b int64
			if err := r.Scan(&grp, &k.item, &n, &a, &b); err != nil {
				return err
			}
			cell := grp & (1<<cellBits - 1)
			ch := cell >> chanShift
			if ch == cellUnknown {
				unknown = true
				return nil
			}
			k.level = app.Level(cell & cellLevel)
			k.kind = cellKinds[(cell>>kindShift)&cellKind]
			k.channel = channels[ch-1]
			switch by {
			case app.ByWindow:
				k.window = grp >> cellBits
			case app.ByClerk:
				k.clerk = grp >> cellBits
			}
			counts[k] += n
			span(a, b)
			return nil
		}); err != nil {
			return err
		}
		if unknown {
			if err := eachRow(ctx, tx, grouped(unknownChannelCountsSQL, by, "e"), []any{lo, hi}, func(r *sql.Rows) error {
				var k evalCountKey
				var n int
				var a, b int64
				if err := r.Scan(&k.window, &k.clerk, &k.item, &k.kind, &k.level, &k.channel, &n, &a, &b); err != nil {
					return err
				}
				counts[k] += n
				span(a, b)
				return nil
			}); err != nil {
				return err
			}
		}
		if !first {
			var err error
			if out.Orders, err = d.exceptions(ctx, tx, by, counts, minID, maxID, lo, hi); err != nil {
				return err
			}
		}
		for k, n := range counts {
			if n > 0 {
				out.Evals = append(out.Evals, app.EvalFact{WindowID: k.window, ClerkID: k.clerk, ItemCode: k.item,
					Kind: k.kind, Level: k.level, Channel: k.channel, Verdict: k.verdict, N: n})
			}
		}
		return eachRow(ctx, tx, txCountsSQL(by), []any{lo, hi}, func(r *sql.Rows) error {
			var f app.TxFact
			var grp int64
			if err := r.Scan(&grp, &f.ItemCode, &f.N); err != nil {
				return err
			}
			f.ActiveRated = grp&1 != 0
			switch by {
			case app.ByWindow:
				f.WindowID = grp >> 1
			case app.ByClerk:
				f.ClerkID = grp >> 1
			}
			out.Txs = append(out.Txs, f)
			return nil
		})
	})
	if err != nil {
		return app.Facts{}, queryErr(err, "fact counts")
	}
	app.SortFactCounts(out)
	return out, nil
}

// exceptions takes the superseded rows of the period out of counts and
// moves the rows whose latest work order found them invalid to their own
// count (as EvalFacts leaves out the one and carries the other's verdict);
// it returns the period's order facts, read on the way.
func (d *DB) exceptions(ctx context.Context, tx *sql.Tx, by app.GroupBy, counts map[evalCountKey]int,
	minID, maxID, lo, hi int64) ([]app.OrderFact, error) {
	superseded := map[int64]bool{}
	if err := eachRow(ctx, tx, grouped(supersededCountsSQL, by, "e"), []any{minID, maxID, lo, hi}, func(r *sql.Rows) error {
		var id int64
		var k evalCountKey
		if err := r.Scan(&id, &k.window, &k.clerk, &k.item, &k.kind, &k.level, &k.channel); err != nil {
			return err
		}
		superseded[id] = true
		counts[k]--
		return nil
	}); err != nil {
		return nil, err
	}
	type latest struct {
		verdict app.Verdict
		key     evalCountKey
	}
	verdicts := map[int64]latest{}
	var id int64
	var k evalCountKey
	orders, err := orderFacts(ctx, tx, grouped(orderFactsRangeSQL, by, "e"), []any{minID, maxID, lo, hi},
		[]any{&id, &k.window, &k.clerk, &k.item, &k.kind, &k.level, &k.channel}, func(o app.OrderFact) {
			verdicts[id] = latest{verdict: o.Verdict, key: k}
		})
	if err != nil {
		return nil, err
	}
	for id, l := range verdicts {
		if superseded[id] || !l.verdict.Invalid() {
			continue
		}
		counts[l.key]--
		l.key.verdict = l.verdict
		counts[l.key]++
	}
	return orders, nil
}
