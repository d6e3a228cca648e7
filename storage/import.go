package storage

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"bianmin/app"

	sqlite3 "modernc.org/sqlite/lib"
)

// This file is the storage side of the counter → hub relay (sync/relay).
// The hub owns the centre's configuration and records; a counter holds a copy
// of the configuration with the hub's IDs (ImportConfig), registers and rates
// locally, and forwards its outbox rows, which the hub takes in by UID
// (ImportRecords).

// ConfigSnapshot is the centre's configuration as the hub serves it to its
// counters, with the hub's IDs. Staff carry their PIN hashes so clerks can
// log in at a counter while the hub is unreachable.
type ConfigSnapshot struct {
	Centre     app.Centre          `json:"centre"`
	Windows    []app.Window        `json:"windows"`
	Staff      []app.Staff         `json:"staff"`
	Posts      []app.Post          `json:"posts"`
	Items      []app.ServiceItem   `json:"items"`
	Categories []app.QueueCategory `json:"categories"`
	IDKey      string              `json:"idKey"` // hex key for app.HashID
}

// ExportConfig reads the configuration a counter needs (the hub's side).
func (d *DB) ExportConfig(ctx context.Context) (ConfigSnapshot, error) {
	var c ConfigSnapshot
	var err error
	if c.Centre, err = d.Centre(ctx); err != nil {
		return c, err
	}
	if c.Windows, err = d.Windows(ctx); err != nil {
		return c, err
	}
	if c.Staff, err = d.AllStaff(ctx); err != nil {
		return c, err
	}
	if c.Posts, err = d.Posts(ctx); err != nil {
		return c, err
	}
	if c.Items, err = d.Items(ctx); err != nil {
		return c, err
	}
	if c.Categories, err = d.Categories(ctx); err != nil {
		return c, err
	}
	key, err := d.IDHashKey(ctx)
	if err != nil {
		return c, err
	}
	c.IDKey = hex.EncodeToString(key)
	return c, nil
}

// ImportConfig replaces this node's configuration by the hub's, keeping the
// hub's IDs, in one database transaction (all or nothing). Rows the hub no
// longer has are kept (transactions refer to them) but deactivated, and a
// local 工号 or ticket letter the hub uses for another row is renamed out of
// the way ("~id~old"), so the hub's rows always win.
func (d *DB) ImportConfig(ctx context.Context, c ConfigSnapshot) error {
	if c.Centre.Name == "" {
		return fmt.Errorf("storage: unable to import configuration: no centre")
	}
	if _, err := hex.DecodeString(c.IDKey); err != nil || c.IDKey == "" {
		return fmt.Errorf("storage: unable to import configuration: bad ID key")
	}
	return d.write(ctx, "import configuration", func(tx *sql.Tx) error {
		ex := func(q string, args ...any) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}
		if err := ex(`INSERT INTO centre (id, name, area_code, profile) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, area_code = excluded.area_code, profile = excluded.profile`,
			c.Centre.Name, c.Centre.AreaCode, c.Centre.Profile); err != nil {
			return fmt.Errorf("centre: %w", err)
		}
		// Windows: all off first, so the unique number of active windows
		// holds at every step while numbers move between rows.
		if err := ex(`UPDATE windows SET active = 0`); err != nil {
			return err
		}
		for _, w := range c.Windows {
			if err := ex(`INSERT INTO windows (id, number, name, kind, active) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET number = excluded.number, name = excluded.name, kind = excluded.kind,
					active = excluded.active`, w.ID, w.Number, w.Name, w.Kind, w.Active); err != nil {
				return fmt.Errorf("window %d: %w", w.ID, err)
			}
		}
		// Staff: a local row with the same 工号 steps aside; staff the hub
		// does not list can no longer log in here.
		if err := ex(`UPDATE staff SET active = 0`); err != nil {
			return err
		}
		for _, s := range c.Staff {
			if err := ex(`UPDATE staff SET no = '~' || id || '~' || no WHERE no = ? AND id <> ?`, s.No, s.ID); err != nil {
				return err
			}
			if err := ex(`INSERT INTO staff (id, no, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET no = excluded.no, name = excluded.name, role = excluded.role,
					pin_hash = excluded.pin_hash, active = excluded.active`,
				s.ID, s.No, s.Name, string(s.Role), s.PINHash, s.Active); err != nil {
				return fmt.Errorf("staff %s: %w", s.No, err)
			}
		}
		if err := ex(`DELETE FROM posts`); err != nil {
			return err
		}
		for _, p := range c.Posts {
			if err := ex(`INSERT INTO posts (window_id, post, staff_id) VALUES (?, ?, ?)`, p.WindowID, p.Post, p.StaffID); err != nil {
				return fmt.Errorf("post %d%s: %w", p.WindowID, p.Post, err)
			}
		}
		if err := ex(`UPDATE items SET active = 0`); err != nil {
			return err
		}
		for _, it := range c.Items {
			mats, err := jsonList(it.Materials)
			if err != nil {
				return err
			}
			if err := ex(`INSERT INTO items (code, name, department, instant, promise_days, materials, pinyin, active)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, department = excluded.department,
					instant = excluded.instant, promise_days = excluded.promise_days, materials = excluded.materials,
					pinyin = excluded.pinyin, active = excluded.active`,
				it.Code, it.Name, it.Department, it.Instant, it.PromiseDays, mats, it.Pinyin, it.Active); err != nil {
				return fmt.Errorf("item %s: %w", it.Code, err)
			}
		}
		if err := ex(`DELETE FROM category_windows`); err != nil {
			return err
		}
		if err := ex(`UPDATE categories SET prefix = '~' || id || '~' || prefix WHERE prefix NOT GLOB '~*'`); err != nil {
			return err
		}
		for _, cat := range c.Categories {
			if err := ex(`INSERT INTO categories (id, prefix, name) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, name = excluded.name`,
				cat.ID, cat.Prefix, cat.Name); err != nil {
				return fmt.Errorf("category %s: %w", cat.Prefix, err)
			}
			for i, w := range cat.Windows {
				if err := ex(`INSERT INTO category_windows (category_id, window_id, pos) VALUES (?, ?, ?)`, cat.ID, w, i); err != nil {
					return fmt.Errorf("category %s window %d: %w", cat.Prefix, w, err)
				}
			}
		}
		return ex(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			SettingIDKey, c.IDKey)
	})
}

// RelayRecord is one counter outbox row as the hub receives it. IDs inside
// Payload are the counter's for transactions and evaluations (the hub maps
// them by UID) and the hub's for windows, staff and tickets (replicated).
type RelayRecord struct {
	Kind    string          `json:"kind"` // OutboxTransaction or OutboxEvaluation
	UID     string          `json:"uid"`
	Payload json.RawMessage `json:"payload"` // app.Transaction / app.Evaluation as stored on the counter
	// ParentUID is a theme child's parent transaction.
	ParentUID string `json:"parentUid,omitempty"`
	// TxUID is an evaluation's transaction; CorrectsUID the row it corrects.
	TxUID       string `json:"txUid,omitempty"`
	CorrectsUID string `json:"correctsUid,omitempty"`
}

// Import outcomes. Accepted and duplicate are acknowledged (the counter marks
// the row sent); rejected carries a Chinese reason for the counter's list.
const (
	ImportAccepted  = "accepted"
	ImportDuplicate = "duplicate"
	ImportRejected  = "rejected"
)

// ImportResult is the hub's answer for one record.
type ImportResult struct {
	UID    string `json:"uid"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// OrderRule decides the work order of a bad review (app.Service.OrderFor).
type OrderRule func(app.Evaluation) (app.WorkOrder, bool)

// ImportRules are the hub's rules for records a counter forwards.
type ImportRules struct {
	// Vet judges a rating against its transaction as the hub holds it
	// (app.Service.VetRelayed); an error refuses the record with its
	// message. Required: without it no rating is imported.
	Vet func(app.Evaluation, app.Transaction) error
	// Orders opens the work order of a bad review; nil opens none.
	Orders OrderRule
	// Window, when not 0, is the only window whose records may come: the
	// window of the counter PC that sent them.
	Window int64
	// FromHub: the records came down from the hub (a counter fetching a
	// case); their outbox rows are marked sent in the same transaction, as
	// the hub has them, so nothing goes back.
	FromHub bool
}

func (r ImportRules) otherWindow(id int64) bool { return r.Window != 0 && id != r.Window }

const otherWindowMsg = "该记录属于其他窗口，本窗口电脑只能报送本窗口的办件和评价，未导入"

// rejected is a record the hub cannot accept; other errors fail the batch.
type rejected struct{ reason string }

func (r rejected) Error() string { return r.reason }

func reject(format string, args ...any) error { return rejected{fmt.Sprintf(format, args...)} }

// ImportRecords takes in records forwarded by a counter, in order, in one
// database transaction (the whole batch or nothing, so a crash leaves the
// counter to resend it all). Each record runs in its own savepoint: one the
// hub cannot accept is rolled back alone and answered rejected, and never
// stops the others. Idempotent by UID:
//   - a transaction is inserted once, then updated by later states of the
//     same UID; a state older than the stored one (a replay) is a duplicate;
//   - an evaluation is inserted once (a replay is a duplicate); a bad one
//     gets its work order from orders, as if rated at the hub. A visit
//     already rated at the hub, or a paper form entered there, is rejected.
//
// Stored records get the hub's own outbox rows, for the county.
func (d *DB) ImportRecords(ctx context.Context, recs []RelayRecord, rules ImportRules) ([]ImportResult, error) {
	out := make([]ImportResult, len(recs))
	err := d.write(ctx, fmt.Sprintf("import %d relayed records", len(recs)), func(tx *sql.Tx) error {
		var before int64
		if err := tx.QueryRowContext(ctx, `SELECT IFNULL(max(id), 0) FROM outbox`).Scan(&before); err != nil {
			return err
		}
		if err := d.importAll(ctx, tx, recs, rules, out); err != nil {
			return err
		}
		if !rules.FromHub {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET sent_at = ? WHERE id > ? AND sent_at IS NULL`,
			d.now().UnixMilli(), before)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *DB) importAll(ctx context.Context, tx *sql.Tx, recs []RelayRecord, rules ImportRules, out []ImportResult) error {
	for i, r := range recs {
		out[i] = ImportResult{UID: r.UID}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT relay_record`); err != nil {
			return err
		}
		status, err := d.importOne(ctx, tx, r, rules)
		var rej rejected
		if err != nil && !errors.As(err, &rej) && sqliteCode(err)&0xff == sqlite3.SQLITE_CONSTRAINT {
			rej = rejected{"与中心主机的数据冲突，未能导入：" + err.Error()}
			err = rej
		}
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO relay_record`); rerr != nil {
				return rerr
			}
			if !errors.As(err, &rej) {
				return fmt.Errorf("record %s: %w", r.UID, err)
			}
			out[i].Status, out[i].Reason = ImportRejected, rej.reason
		} else {
			out[i].Status = status
		}
		if _, err := tx.ExecContext(ctx, `RELEASE relay_record`); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) importOne(ctx context.Context, tx *sql.Tx, r RelayRecord, rules ImportRules) (string, error) {
	if r.UID == "" {
		return "", reject("记录缺少唯一标识")
	}
	switch r.Kind {
	case OutboxTransaction:
		var t app.Transaction
		if err := json.Unmarshal(r.Payload, &t); err != nil || t.UID != r.UID {
			return "", reject("办件记录内容无法解析")
		}
		if rules.otherWindow(t.WindowID) {
			return "", reject(otherWindowMsg)
		}
		return d.importTx(ctx, tx, t, r.ParentUID)
	case OutboxEvaluation:
		var e app.Evaluation
		if err := json.Unmarshal(r.Payload, &e); err != nil || e.UID != r.UID {
			return "", reject("评价记录内容无法解析")
		}
		if rules.otherWindow(e.WindowID) {
			return "", reject(otherWindowMsg)
		}
		return d.importEval(ctx, tx, e, r, rules)
	}
	return "", reject("中心主机不接收此类记录：%s", r.Kind)
}

// idByUID finds a row's hub ID by UID (0 when absent).
func idByUID(ctx context.Context, tx *sql.Tx, table, uid string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE uid = ?`, uid).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// txRank orders the states: a transaction never moves back.
func txRank(s app.TxStatus) int {
	switch s {
	case app.TxRegistered:
		return 0
	case app.TxAccepted:
		return 1
	}
	return 2
}

func (d *DB) importTx(ctx context.Context, tx *sql.Tx, t app.Transaction, parentUID string) (string, error) {
	if txRank(t.Status) == 2 && !t.Status.Finished() {
		return "", reject("办件 %s 的状态无效：%s", t.Serial, t.Status)
	}
	var parent int64
	if parentUID != "" {
		var err error
		if parent, err = idByUID(ctx, tx, "transactions", parentUID); err != nil {
			return "", err
		}
		if parent == 0 {
			return "", reject("办件 %s 所属的“一件事”主题办件未能导入中心主机", t.Serial)
		}
	}
	t.ThemeParentID = parent
	if t.TicketID != 0 && !exists(ctx, tx, `SELECT 1 FROM tickets WHERE id = ?`, t.TicketID) {
		t.TicketID = 0 // a ticket of another hub (or a lost one): keep the record, drop the link
	}
	id, err := idByUID(ctx, tx, "transactions", t.UID)
	if err != nil {
		return "", err
	}
	if id == 0 {
		if exists(ctx, tx, `SELECT 1 FROM transactions WHERE serial = ?`, t.Serial) {
			return "", reject("办件流水号 %s 与中心主机已有的办件重复（请检查各窗口的流水号前缀设置）", t.Serial)
		}
		t.ID = 0
		st, err := d.insertTx(ctx, tx, t)
		if err != nil {
			return "", err
		}
		_ = st
		return ImportAccepted, nil
	}
	old, err := getTx(ctx, tx, id)
	if err != nil {
		return "", err
	}
	switch {
	case txRank(t.Status) < txRank(old.Status):
		return ImportDuplicate, nil // an older state arriving late: the hub has moved on
	case old.Status.Finished() && t.Status != old.Status:
		return "", reject("办件 %s 在中心主机上已是“%s”，窗口报来的“%s”未导入", t.Serial, old.Status.Name(), t.Status.Name())
	case t.Status == old.Status && t.Visits <= old.Visits && t.AcceptedAt.Equal(old.AcceptedAt) &&
		t.CompletedAt.Equal(old.CompletedAt) && t.WindowID == old.WindowID && t.ClerkID == old.ClerkID:
		return ImportDuplicate, nil
	}
	t.ID = id
	t.Visits = max(t.Visits, old.Visits)
	if t.TicketID == 0 {
		t.TicketID = old.TicketID
	}
	if err := d.updateTx(ctx, tx, t); err != nil {
		return "", err
	}
	return ImportAccepted, nil
}

func (d *DB) importEval(ctx context.Context, tx *sql.Tx, e app.Evaluation, r RelayRecord, rules ImportRules) (string, error) {
	if id, err := idByUID(ctx, tx, "evaluations", e.UID); err != nil {
		return "", err
	} else if id != 0 {
		return ImportDuplicate, nil
	}
	if err := vetImportedEval(ctx, tx, &e, r, rules); err != nil {
		return "", err
	}
	if dup, err := ratedVisit(ctx, tx, e); err != nil {
		return "", err
	} else if dup {
		return ImportDuplicate, nil
	}
	if e.FormNo != "" && exists(ctx, tx, `SELECT 1 FROM paper_forms WHERE form_no = ?`, e.FormNo) {
		return "", reject("书面评价表 %s 已在中心主机录入过", e.FormNo)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = d.now()
	}
	if e.RatedAt.IsZero() {
		e.RatedAt = e.CreatedAt
	}
	e.CreatedAt, e.RatedAt = norm(e.CreatedAt), norm(e.RatedAt)
	tags, err := jsonList(e.Tags)
	if err != nil {
		return "", reject("评价标签无法解析")
	}
	if err := tx.QueryRowContext(ctx, insertEvalSQL, evalArgs(&e, tags)...).Scan(&e.ID); err != nil {
		return "", err
	}
	if err := addPaperForms(ctx, tx, []app.Evaluation{e}); err != nil {
		if errors.Is(err, app.ErrDuplicate) {
			return "", reject("书面评价表 %s 已在中心主机录入过", e.FormNo)
		}
		return "", err
	}
	if err := d.enqueue(ctx, tx, OutboxEvaluation, e.UID, &e); err != nil {
		return "", err
	}
	if err := d.importOrderFor(ctx, tx, e, rules); err != nil {
		return "", err
	}
	return ImportAccepted, nil
}

// vetImportedEval points e at the hub's transaction and judges it by the
// hub's rules (app.Service.VetRelayed); a refusal is a reject.
func vetImportedEval(ctx context.Context, tx *sql.Tx, e *app.Evaluation, r RelayRecord, rules ImportRules) error {
	if rules.Vet == nil {
		return fmt.Errorf("storage: no rules to vet relayed ratings by")
	}
	if r.CorrectsUID != "" || e.CorrectsID != 0 {
		// Checked before the row it corrects is looked up, so the answer
		// does not tell a key holder which ratings the hub holds.
		e.CorrectsID = -1
		if err := rules.Vet(*e, app.Transaction{}); err != nil {
			return reject("%s", app.UserMessage(err))
		}
		return reject("更正评价只能在中心主机上操作，未导入")
	}
	e.ID, e.TransactionID, e.CorrectsID = 0, 0, 0
	if r.TxUID == "" {
		return reject("评价记录缺少所属办件，未导入")
	}
	txID, err := idByUID(ctx, tx, "transactions", r.TxUID)
	if err != nil {
		return err
	}
	if txID == 0 {
		return reject("评价所属的办件未能导入中心主机，评价暂不能导入")
	}
	e.TransactionID = txID
	hubTx, err := getTx(ctx, tx, txID)
	if err != nil {
		return err
	}
	if err := rules.Vet(*e, hubTx); err != nil {
		var ue *app.UserError
		if !errors.As(err, &ue) {
			return err
		}
		return reject("%s", ue.Msg)
	}
	return nil
}

// ratedVisit applies one rating per visit to a relayed rating or 未评 row:
// a 未评 row for a visit the hub holds a rating of is a duplicate (the
// system's row, not a person's: what the hub holds stands); a rating for
// such a visit is rejected.
func ratedVisit(ctx context.Context, tx *sql.Tx, e app.Evaluation) (dup bool, err error) {
	if e.Kind != app.KindActive && e.Kind != app.KindTimeout {
		return false, nil
	}
	var kind string
	err = tx.QueryRowContext(ctx, `SELECT kind FROM evaluations
		WHERE transaction_id = ? AND visit = ? AND kind IN ('active', 'timeout') AND corrects_id IS NULL`,
		e.TransactionID, e.Visit).Scan(&kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	case e.Kind == app.KindTimeout:
		return true, nil
	case kind == string(app.KindTimeout):
		return false, reject("该次办理在中心主机上已记为超时未评（窗口的评价到达前评价时限已过），窗口的这条评价未导入，请核实")
	default:
		return false, reject("该次办理在中心主机上已有评价（如扫码或书面评价），同一次办理只能评价一次，窗口的这条评价未导入")
	}
}

// importOrderFor opens the work order the hub's rules give for an imported
// bad rating, with its outbox row.
func (d *DB) importOrderFor(ctx context.Context, tx *sql.Tx, e app.Evaluation, rules ImportRules) error {
	if rules.Orders == nil {
		return nil
	}
	o, ok := rules.Orders(e)
	if !ok {
		return nil
	}
	o.ID, o.EvaluationID = 0, e.ID
	ords, err := prepareOrders([]app.WorkOrder{o}, d.now())
	if err != nil {
		return err
	}
	o = ords[0]
	if err := tx.QueryRowContext(ctx, insertOrderSQL, orderArgs(&o)...).Scan(&o.ID); err != nil {
		return err
	}
	return d.enqueue(ctx, tx, OutboxWorkOrder, o.UID, OrderPayload{WorkOrder: o})
}

// CaseRecords is the case with the 流水号 serial as relay records, for a
// counter PC where the applicant came back (a 承诺件 accepted at another
// window): the transaction, the rest of its theme or batch, and their
// ratings, so the counter knows which visits are rated. The counter takes
// them in with ImportRecords like any others. app.ErrNotFound when unknown.
func (d *DB) CaseRecords(ctx context.Context, serial string) ([]RelayRecord, error) {
	t, err := d.TransactionBySerial(ctx, serial)
	if err != nil {
		return nil, err
	}
	group, err := d.RelatedTransactions(ctx, t)
	if err != nil {
		return nil, err
	}
	uid := map[int64]string{}
	ids := make([]int64, 0, len(group))
	for _, g := range group {
		uid[g.ID] = g.UID
		ids = append(ids, g.ID)
	}
	// Parents before children (ImportRecords needs the parent first).
	sort.SliceStable(group, func(i, j int) bool { return group[i].IsTheme && !group[j].IsTheme })
	var out []RelayRecord
	for _, g := range group {
		b, err := json.Marshal(g)
		if err != nil {
			return nil, err
		}
		out = append(out, RelayRecord{Kind: OutboxTransaction, UID: g.UID, Payload: b, ParentUID: uid[g.ThemeParentID]})
	}
	evs, err := d.EvaluationsFor(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if e.CorrectsID != 0 {
			continue // the counter needs to know a visit is rated, not how it was corrected
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, RelayRecord{Kind: OutboxEvaluation, UID: e.UID, Payload: b, TxUID: uid[e.TransactionID]})
	}
	return out, nil
}
