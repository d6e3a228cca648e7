package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"bianmin/app"
)

const evalCols = `e.id, e.uid, e.event_id, IFNULL(e.transaction_id, 0), e.visit, e.dimension, e.level, e.tags, e.text,
	e.channel, e.device, e.kind, e.rater, e.evaluator_name, e.evaluator_tel, IFNULL(e.corrects_id, 0), e.form_no,
	IFNULL(e.entered_by, 0), IFNULL(e.window_id, 0), IFNULL(e.clerk_id, 0), e.item_code, e.rated_at, e.created_at`

func scanEval(r interface{ Scan(...any) error }, e *app.Evaluation) error {
	var dim, channel, kind, rater, tags string
	err := r.Scan(&e.ID, &e.UID, &e.EventID, &e.TransactionID, &e.Visit, &dim, &e.Level, &tags, &e.Text,
		&channel, &e.Device, &kind, &rater, &e.EvaluatorName, &e.EvaluatorTel, &e.CorrectsID, &e.FormNo,
		&e.EnteredBy, &e.WindowID, &e.ClerkID, &e.ItemCode, tm(&e.RatedAt), tm(&e.CreatedAt))
	if err != nil {
		return err
	}
	e.Dimension, e.Channel, e.Kind, e.Rater = app.Dimension(dim), app.Channel(channel), app.EvalKind(kind), app.Rater(rater)
	e.Tags, err = parseList(tags)
	return err
}

func queryEvals(ctx context.Context, q querier, what, where string, args ...any) ([]app.Evaluation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+evalCols+` FROM evaluations e `+where, args...)
	if err != nil {
		return nil, queryErr(err, "%s", what)
	}
	defer rows.Close()
	var out []app.Evaluation
	for rows.Next() {
		var e app.Evaluation
		if err := scanEval(rows, &e); err != nil {
			return nil, queryErr(err, "%s", what)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "%s", what)
	}
	return out, nil
}

const evaluationsForWhere = `WHERE e.transaction_id IN (SELECT value FROM json_each(?)) ORDER BY e.id`

// EvaluationsFor returns every evaluation row of the transactions, corrected
// and correcting rows alike, by ID.
func (d *DB) EvaluationsFor(ctx context.Context, txIDs []int64) ([]app.Evaluation, error) {
	if len(txIDs) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(txIDs)
	if err != nil {
		return nil, err
	}
	return queryEvals(ctx, d.db, "evaluations of transactions", evaluationsForWhere, string(list))
}

// Evaluation returns the row with the ID, or app.ErrNotFound.
func (d *DB) Evaluation(ctx context.Context, id int64) (app.Evaluation, error) {
	var e app.Evaluation
	if err := scanEval(d.db.QueryRowContext(ctx, `SELECT `+evalCols+` FROM evaluations e WHERE e.id = ?`, id), &e); err != nil {
		return app.Evaluation{}, queryErr(err, "evaluation %d", id)
	}
	return e, nil
}

const insertEvalSQL = `
	INSERT INTO evaluations (uid, event_id, transaction_id, visit, dimension, level, tags, text, channel, device, kind,
		rater, evaluator_name, evaluator_tel, corrects_id, form_no, entered_by, window_id, clerk_id, item_code,
		rated_at, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func evalArgs(e *app.Evaluation, tags string) []any {
	return []any{e.UID, e.EventID, ref(e.TransactionID), e.Visit, string(e.Dimension), int(e.Level), tags, e.Text,
		string(e.Channel), e.Device, string(e.Kind), string(e.Rater), e.EvaluatorName, e.EvaluatorTel,
		ref(e.CorrectsID), e.FormNo, ref(e.EnteredBy), ref(e.WindowID), ref(e.ClerkID), e.ItemCode,
		ms(e.RatedAt), ms(e.CreatedAt)}
}

const insertOrderSQL = `
	INSERT INTO work_orders (uid, evaluation_id, transaction_id, clerk_id, window_id, item_code, category, assignee_id,
		state, verdict, on_site, created_at, contact_due, finish_due, replied_at, rectified_at, called_back_at,
		callback_result, closed_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func orderArgs(o *app.WorkOrder) []any {
	return []any{o.UID, ref(o.EvaluationID), ref(o.TransactionID), ref(o.ClerkID), ref(o.WindowID), o.ItemCode,
		string(o.Category), ref(o.AssigneeID), string(o.State), string(o.Verdict), o.OnSite, ms(o.CreatedAt),
		ms(o.ContactDue), ms(o.FinishDue), ms(o.RepliedAt), ms(o.RectifiedAt), ms(o.CalledBackAt),
		string(o.CallbackResult), ms(o.ClosedAt)}
}

// AddEvaluations stores the rows and, in the same database transaction, the
// work orders (orders[j].EvaluationID is set to the ID of evs[orderFor[j]];
// -1 leaves it as given; a nil orderFor means all -1), one paper_forms row
// per form number first entered here, one outbox row per evaluation and per
// order, and the audit entry (skipped when its Action is empty). Either all
// of it is stored or nothing.
//
// Filled in: ID; UID when empty; CreatedAt now when zero; RatedAt = CreatedAt
// when zero; times are returned as they read back (ms, China time). Work
// orders get UID, CreatedAt and State open when empty. A paper form number
// entered before fails with ErrDuplicate.
func (d *DB) AddEvaluations(ctx context.Context, evs []app.Evaluation, orders []app.WorkOrder, orderFor []int,
	audit app.AuditEntry) ([]app.Evaluation, error) {
	if orderFor != nil && len(orderFor) != len(orders) {
		return nil, fmt.Errorf("storage: unable to add evaluations: %d orders but %d orderFor entries", len(orders), len(orderFor))
	}
	for j, k := range orderFor {
		if k < -1 || k >= len(evs) {
			return nil, fmt.Errorf("storage: unable to add evaluations: orderFor[%d] = %d, want -1..%d", j, k, len(evs)-1)
		}
	}
	now := d.now()
	out, tags, err := prepareEvals(evs, now)
	if err != nil {
		return nil, err
	}
	ords, err := prepareOrders(orders, now)
	if err != nil {
		return nil, err
	}

	err = d.writeGrouped(ctx, fmt.Sprintf("add %d evaluations", len(evs)), func(tx *sql.Tx) error {
		if err := d.insertEvals(ctx, tx, evs, out, tags); err != nil {
			return err
		}
		for j := range ords {
			o := &ords[j]
			if orderFor != nil && orderFor[j] >= 0 {
				o.EvaluationID = out[orderFor[j]].ID
			}
			if err := d.txQueryRow(ctx, tx, insertOrderSQL, orderArgs(o)...).Scan(&o.ID); err != nil {
				return fmt.Errorf("work order %d: %w", j, err)
			}
		}
		for i := range out {
			if err := d.enqueue(ctx, tx, OutboxEvaluation, out[i].UID, &out[i]); err != nil {
				return err
			}
		}
		for j := range ords {
			if err := d.enqueue(ctx, tx, OutboxWorkOrder, ords[j].UID, OrderPayload{WorkOrder: ords[j]}); err != nil {
				return err
			}
		}
		if audit.Action != "" {
			return d.addAudit(ctx, tx, audit)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepareEvals copies evs with what AddEvaluations fills in before the
// write: UID, CreatedAt, RatedAt (normalised), and each row's tags as JSON.
func prepareEvals(evs []app.Evaluation, now time.Time) ([]app.Evaluation, []string, error) {
	out := make([]app.Evaluation, len(evs))
	copy(out, evs)
	tags := make([]string, len(evs))
	for i := range out {
		e := &out[i]
		if e.ID != 0 {
			return nil, nil, fmt.Errorf("storage: unable to add evaluations: row %d already has ID %d", i, e.ID)
		}
		if e.UID == "" {
			e.UID = newUID()
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		if e.RatedAt.IsZero() {
			e.RatedAt = e.CreatedAt
		}
		e.CreatedAt, e.RatedAt = norm(e.CreatedAt), norm(e.RatedAt)
		var err error
		if tags[i], err = jsonList(e.Tags); err != nil {
			return nil, nil, fmt.Errorf("storage: unable to add evaluations: tags of row %d: %w", i, err)
		}
	}
	return out, tags, nil
}

// prepareOrders copies orders with UID, CreatedAt and State filled in.
func prepareOrders(orders []app.WorkOrder, now time.Time) ([]app.WorkOrder, error) {
	ords := make([]app.WorkOrder, len(orders))
	copy(ords, orders)
	for j := range ords {
		o := &ords[j]
		if o.ID != 0 {
			return nil, fmt.Errorf("storage: unable to add evaluations: work order %d already has ID %d", j, o.ID)
		}
		if o.UID == "" {
			o.UID = newUID()
		}
		if o.CreatedAt.IsZero() {
			o.CreatedAt = now
		}
		if o.State == "" {
			o.State = app.OrderOpen
		}
		normOrder(o)
	}
	return ords, nil
}

// insertEvals inserts out (prepared from evs) in tx, setting their IDs, and
// registers their paper forms. A UID the caller gave may have been stored
// before (a resent rating): that is ErrDuplicate.
func (d *DB) insertEvals(ctx context.Context, tx *sql.Tx, evs, out []app.Evaluation, tags []string) error {
	if len(out) == 0 {
		return nil
	}
	for i := range out {
		if evs[i].UID != "" {
			var n int
			if err := d.txQueryRow(ctx, tx, `SELECT count(*) FROM evaluations WHERE uid = ?`, out[i].UID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("row %d: evaluation %s is already stored: %w", i, out[i].UID, ErrDuplicate)
			}
		}
		if err := d.txQueryRow(ctx, tx, insertEvalSQL, evalArgs(&out[i], tags[i])...).Scan(&out[i].ID); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return addPaperForms(ctx, tx, out)
}

// addPaperForms registers each form number first entered in rows. Rows that
// correct an earlier row may repeat their form's number.
func addPaperForms(ctx context.Context, tx *sql.Tx, rows []app.Evaluation) error {
	seen := map[string]bool{}
	for i := range rows {
		e := &rows[i]
		if e.FormNo == "" || e.CorrectsID != 0 || seen[e.FormNo] {
			continue
		}
		seen[e.FormNo] = true
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM paper_forms WHERE form_no = ?`, e.FormNo).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("paper form %s: %w", e.FormNo, app.ErrFormEntered)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO paper_forms (form_no, evaluation_id, entered_by, entered_at) VALUES (?, ?, ?, ?)`,
			e.FormNo, e.ID, ref(e.EnteredBy), ms(e.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// AddAudit appends an audit entry; At defaults to now.
func (d *DB) AddAudit(ctx context.Context, a app.AuditEntry) error {
	return d.write(ctx, "add audit entry "+a.Action, func(tx *sql.Tx) error {
		return d.addAudit(ctx, tx, a)
	})
}

func (d *DB) addAudit(ctx context.Context, tx *sql.Tx, a app.AuditEntry) error {
	if a.At.IsZero() {
		a.At = d.now()
	}
	_, err := d.txExec(ctx, tx, `INSERT INTO audit_log (at, staff_id, action, detail) VALUES (?, ?, ?, ?)`,
		a.At.UnixMilli(), ref(a.StaffID), a.Action, a.Detail)
	return err
}

// AuditLog returns the audit entries with At in [from, to), oldest first
// (zero bounds are open).
func (d *DB) AuditLog(ctx context.Context, from, to time.Time) ([]app.AuditEntry, error) {
	lo, hi := bounds(from, to)
	rows, err := d.db.QueryContext(ctx, `
		SELECT at, IFNULL(staff_id, 0), action, detail FROM audit_log WHERE at >= ? AND at < ? ORDER BY at, id`, lo, hi)
	if err != nil {
		return nil, queryErr(err, "audit log")
	}
	defer rows.Close()
	var out []app.AuditEntry
	for rows.Next() {
		var a app.AuditEntry
		if err := rows.Scan(tm(&a.At), &a.StaffID, &a.Action, &a.Detail); err != nil {
			return nil, queryErr(err, "audit log")
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "audit log")
	}
	return out, nil
}
