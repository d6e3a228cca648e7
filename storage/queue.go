package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bianmin/app"

	sqlite3 "modernc.org/sqlite/lib"
)

// The DB is the queue's store (app.QueueStore): app/queue decides,
// this file reads and writes inside the transactions it is given.
var _ app.QueueStore = (*DB)(nil)

// schemaV5 adds the queue (app/hall.go) to the foundation's tickets.
//
// tickets.state is the ticket's place in the queue; rows stored without one
// (the foundation's AddTicket, the demo generator, rows from before v5) get
// it derived from their times, so the queue and the monthly report read
// them alike: no-show, done, called, else waiting. called_at stays the first
// call, served_at the start of service and done_at the end, as the report
// reads them.
//
// window_state holds what must survive a restart of the hub: paused, the
// signed-in clerk and post (AB岗), the priority streak (so the 绿色通道 ratio
// holds across restarts) and the ticket being served. queue_numbers is the
// per-category daily counter (A001 …). queue_log records every call, recall,
// no-show, transfer, pause and sign-in: the hall display's recent calls and
// the record of who served when.
const schemaV5 = `
ALTER TABLE tickets ADD COLUMN state TEXT NOT NULL DEFAULT '' CHECK (state IN ('', 'waiting', 'called', 'done', 'noshow'));
ALTER TABLE tickets ADD COLUMN priority_kind TEXT NOT NULL DEFAULT '' CHECK (priority_kind IN ('', 'elderly', 'disabled', 'pregnant'));
ALTER TABLE tickets ADD COLUMN slot_start INTEGER;
ALTER TABLE tickets ADD COLUMN slot_end INTEGER;
ALTER TABLE tickets ADD COLUMN to_window_id INTEGER REFERENCES windows(id);
ALTER TABLE tickets ADD COLUMN return_window_id INTEGER REFERENCES windows(id);
ALTER TABLE tickets ADD COLUMN calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN phone TEXT NOT NULL DEFAULT '';

UPDATE tickets SET
	state = CASE WHEN no_show THEN 'noshow' WHEN done_at IS NOT NULL THEN 'done'
		WHEN called_at IS NOT NULL THEN 'called' ELSE 'waiting' END,
	calls = (called_at IS NOT NULL);

CREATE TRIGGER tickets_state_derived AFTER INSERT ON tickets WHEN NEW.state = ''
BEGIN
	UPDATE tickets SET
		state = CASE WHEN NEW.no_show THEN 'noshow' WHEN NEW.done_at IS NOT NULL THEN 'done'
			WHEN NEW.called_at IS NOT NULL THEN 'called' ELSE 'waiting' END,
		calls = max(NEW.calls, NEW.called_at IS NOT NULL)
	WHERE id = NEW.id;
END;

CREATE INDEX tickets_state ON tickets(state, day);

CREATE TABLE window_state (
	window_id         INTEGER PRIMARY KEY REFERENCES windows(id),
	paused            INTEGER NOT NULL,
	clerk_id          INTEGER REFERENCES staff(id),
	post              TEXT NOT NULL CHECK (post IN ('', 'A', 'B')),
	signed_in_at      INTEGER,
	streak            INTEGER NOT NULL,
	current_ticket_id INTEGER REFERENCES tickets(id),
	call_at           INTEGER
) STRICT;

CREATE TABLE queue_numbers (
	day         TEXT NOT NULL,
	category_id INTEGER NOT NULL REFERENCES categories(id),
	last        INTEGER NOT NULL,
	PRIMARY KEY (day, category_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE queue_log (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('call', 'recall', 'callback', 'noshow', 'finish', 'transfer', 'return',
		'pause', 'resume', 'signin')),
	window_id INTEGER REFERENCES windows(id),
	ticket_id INTEGER REFERENCES tickets(id),
	clerk_id  INTEGER REFERENCES staff(id),
	post      TEXT NOT NULL
) STRICT;
CREATE INDEX queue_log_calls ON queue_log(at) WHERE kind IN ('call', 'recall', 'callback');
CREATE INDEX queue_log_window ON queue_log(window_id, at);
`

// QueueRead runs fn on one snapshot of the queue (a read transaction).
func (d *DB) QueueRead(ctx context.Context, fn func(app.QueueReader) error) error {
	var fnErr error
	err := d.read(ctx, func(tx *sql.Tx) error {
		fnErr = fn(&queueTx{ctx: ctx, tx: tx, d: d})
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return queryErr(err, "the queue")
	}
	return nil
}

// QueueWrite runs fn in one immediate write transaction: SQLite lets one
// writer in at a time, across processes too, so what fn reads cannot change
// before it commits. fn's own error rolls back and is returned unchanged.
//
// A window's call must not fail because another process (a second instance,
// a backup) held the database past the busy timeout: a transaction refused
// with SQLITE_BUSY is run again, a few times, so fn must be safe to re-run
// (it is: nothing of a rolled-back run is kept).
func (d *DB) QueueWrite(ctx context.Context, fn func(app.QueueWriter) error) error {
	for attempt := 1; ; attempt++ {
		var fnErr error
		err := d.write(ctx, "change the queue", func(tx *sql.Tx) error {
			fnErr = fn(&queueTx{ctx: ctx, tx: tx, d: d})
			return fnErr
		})
		if fnErr != nil {
			return fnErr
		}
		if err == nil || sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || attempt == queueBusyAttempts || ctx.Err() != nil {
			return err
		}
	}
}

// queueBusyAttempts bounds QueueWrite's runs: each waits up to the busy
// timeout for the lock.
const queueBusyAttempts = 4

// queueTx is app.QueueWriter on one transaction.
type queueTx struct {
	ctx context.Context
	tx  *sql.Tx
	d   *DB
}

// stmt returns the statement for query, prepared once per DB: parsing the
// queue's SQL again for every call cost more than running it.
func (d *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := d.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := d.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// The statements of a queue transaction run through the DB's prepared
// statements (Tx.StmtContext reuses one already prepared on the connection).

func (q *queueTx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := q.d.stmt(q.ctx, query)
	if err != nil {
		return nil, err
	}
	return q.tx.StmtContext(q.ctx, st).QueryContext(q.ctx, args...)
}

func (q *queueTx) queryRow(query string, args ...any) *sql.Row {
	st, err := q.d.stmt(q.ctx, query)
	if err != nil {
		// A sql.Row cannot carry the error: let the transaction run the
		// query unprepared and report it.
		return q.tx.QueryRowContext(q.ctx, query, args...)
	}
	return q.tx.StmtContext(q.ctx, st).QueryRowContext(q.ctx, args...)
}

func (q *queueTx) exec(query string, args ...any) (sql.Result, error) {
	st, err := q.d.stmt(q.ctx, query)
	if err != nil {
		return nil, err
	}
	return q.tx.StmtContext(q.ctx, st).ExecContext(q.ctx, args...)
}

const queueTicketCols = `id, category_id, number, day, priority, issued_at, called_at, IFNULL(window_id, 0),
	IFNULL(clerk_id, 0), served_at, done_at, no_show, state, priority_kind, slot_start, slot_end,
	IFNULL(to_window_id, 0), IFNULL(return_window_id, 0), calls, phone`

func scanQueueTicket(r interface{ Scan(...any) error }, t *app.Ticket) error {
	var state, kind string
	err := r.Scan(&t.ID, &t.CategoryID, &t.Number, &t.Day, &t.Priority, tm(&t.IssuedAt), tm(&t.CalledAt), &t.WindowID,
		&t.ClerkID, tm(&t.ServedAt), tm(&t.DoneAt), &t.NoShow, &state, &kind, tm(&t.SlotStart), tm(&t.SlotEnd),
		&t.ToWindowID, &t.ReturnWindow, &t.Calls, &t.Phone)
	t.State, t.PriorityKind = app.TicketState(state), app.PriorityKind(kind)
	return err
}

func (q *queueTx) Ticket(id int64) (app.Ticket, error) {
	var t app.Ticket
	err := scanQueueTicket(q.queryRow(`SELECT `+queueTicketCols+` FROM tickets WHERE id = ?`, id), &t)
	if err != nil {
		return app.Ticket{}, queryErr(err, "ticket %d", id)
	}
	return t, nil
}

func (q *queueTx) Tickets(state app.TicketState, fromDay string) ([]app.Ticket, error) {
	return q.tickets(string(state)+" tickets", `SELECT `+queueTicketCols+` FROM tickets
		WHERE state = ? AND day >= ? ORDER BY issued_at, id`, string(state), fromDay)
}

func (q *queueTx) tickets(what, query string, args ...any) ([]app.Ticket, error) {
	rows, err := q.query(query, args...)
	if err != nil {
		return nil, queryErr(err, "%s", what)
	}
	defer rows.Close()
	var out []app.Ticket
	for rows.Next() {
		var t app.Ticket
		if err := scanQueueTicket(rows, &t); err != nil {
			return nil, queryErr(err, "%s", what)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "%s", what)
	}
	return out, nil
}

// candidatesSQL is app.QueueCandidates in SQL: the first of each queue and
// class by issue time, and every appointment inside its slot (?1 = the
// first day, ?2 = now, ?3 = the first day's start). Each first ticket is
// one step into a v7 index (the categories and windows are few), so a call
// costs the same however long the queue is.
const candidatesSQL = `
	SELECT ` + queueTicketCols + ` FROM tickets WHERE id IN (
		SELECT (SELECT t.id FROM tickets t
			WHERE t.state = 'waiting' AND t.to_window_id IS NULL AND t.category_id = c.id
				AND (t.priority <> 0 OR t.priority_kind <> '') = k.p AND t.issued_at >= ?3 AND t.day >= ?1
				AND NOT IFNULL(t.slot_start <= ?2 AND t.slot_end > ?2, 0)
			ORDER BY t.issued_at, t.id LIMIT 1)
		FROM categories c, (SELECT 0 AS p UNION ALL SELECT 1) k
		UNION ALL
		SELECT (SELECT t.id FROM tickets t
			WHERE t.state = 'waiting' AND t.to_window_id IS NOT NULL AND t.to_window_id = w.id
				AND IFNULL(t.to_window_id = t.return_window_id, 0) = r.v
				AND (t.priority <> 0 OR t.priority_kind <> '') = k.p AND t.issued_at >= ?3 AND t.day >= ?1
				AND NOT IFNULL(t.slot_start <= ?2 AND t.slot_end > ?2, 0)
			ORDER BY t.issued_at, t.id LIMIT 1)
		FROM windows w, (SELECT 0 AS v UNION ALL SELECT 1) r, (SELECT 0 AS p UNION ALL SELECT 1) k
		UNION ALL
		SELECT id FROM tickets INDEXED BY tickets_waiting_slot -- not tickets_state: that walks every waiting ticket
		WHERE state = 'waiting' AND slot_start IS NOT NULL AND slot_start <= ?2 AND slot_end > ?2 AND day >= ?1)
	ORDER BY issued_at, id`

func (q *queueTx) Candidates(fromDay string, now time.Time) ([]app.Ticket, error) {
	start, err := time.ParseInLocation("2006-01-02", fromDay, app.ChinaTime)
	if err != nil {
		return nil, fmt.Errorf("storage: candidate tickets: bad day %q: %w", fromDay, err)
	}
	return q.tickets("candidate tickets", candidatesSQL, fromDay, now.UnixMilli(), start.UnixMilli())
}

func (q *queueTx) WaitingCounts(fromDay string) ([]app.WaitingCount, error) {
	rows, err := q.query(`
		SELECT category_id, to_window_id, priority, sum(n) FROM waiting_counts
		WHERE day >= ? GROUP BY 1, 2, 3 HAVING sum(n) > 0`, fromDay) // kept by schema v7's triggers
	if err != nil {
		return nil, queryErr(err, "waiting counts")
	}
	defer rows.Close()
	var out []app.WaitingCount
	for rows.Next() {
		var c app.WaitingCount
		if err := rows.Scan(&c.CategoryID, &c.ToWindowID, &c.Priority, &c.N); err != nil {
			return nil, queryErr(err, "waiting counts")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "waiting counts")
	}
	return out, nil
}

const windowStateCols = `window_id, paused, IFNULL(clerk_id, 0), post, signed_in_at, streak, IFNULL(current_ticket_id, 0), call_at`

func scanWindowState(r interface{ Scan(...any) error }, w *app.WindowQueue) error {
	return r.Scan(&w.WindowID, &w.Paused, &w.ClerkID, &w.Post, tm(&w.SignedInAt), &w.Streak, &w.CurrentID, tm(&w.CallAt))
}

func (q *queueTx) WindowQueue(windowID int64) (app.WindowQueue, error) {
	var w app.WindowQueue
	err := scanWindowState(q.queryRow(`SELECT `+windowStateCols+` FROM window_state WHERE window_id = ?`, windowID), &w)
	if errors.Is(err, sql.ErrNoRows) {
		return app.WindowQueue{WindowID: windowID}, nil
	}
	if err != nil {
		return app.WindowQueue{}, queryErr(err, "state of window %d", windowID)
	}
	return w, nil
}

func (q *queueTx) WindowQueues() ([]app.WindowQueue, error) {
	rows, err := q.query(`SELECT ` + windowStateCols + ` FROM window_state ORDER BY window_id`)
	if err != nil {
		return nil, queryErr(err, "window states")
	}
	defer rows.Close()
	var out []app.WindowQueue
	for rows.Next() {
		var w app.WindowQueue
		if err := scanWindowState(rows, &w); err != nil {
			return nil, queryErr(err, "window states")
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "window states")
	}
	return out, nil
}

func (q *queueTx) RecentCalls(since time.Time, limit int) ([]app.QueueLog, error) {
	rows, err := q.query(`
		SELECT id, at, kind, IFNULL(window_id, 0), IFNULL(ticket_id, 0), IFNULL(clerk_id, 0), post FROM queue_log
		WHERE kind IN ('call', 'recall', 'callback') AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`,
		since.UnixMilli(), limit)
	if err != nil {
		return nil, queryErr(err, "recent calls")
	}
	defer rows.Close()
	var out []app.QueueLog
	for rows.Next() {
		var l app.QueueLog
		var kind string
		if err := rows.Scan(&l.ID, tm(&l.At), &kind, &l.WindowID, &l.TicketID, &l.ClerkID, &l.Post); err != nil {
			return nil, queryErr(err, "recent calls")
		}
		l.Kind = app.QueueLogKind(kind)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "recent calls")
	}
	return out, nil
}

func (q *queueTx) PrevDay(day string) (string, error) {
	var prev sql.NullString
	if err := q.queryRow(`SELECT max(day) FROM tickets WHERE day < ?`, day).Scan(&prev); err != nil {
		return "", queryErr(err, "the day before %s", day)
	}
	return prev.String, nil
}

func (q *queueTx) LastNumber(categoryID int64, day string) (int, error) {
	var n int
	err := q.queryRow(`SELECT last FROM queue_numbers WHERE day = ? AND category_id = ?`, day, categoryID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, queryErr(err, "ticket numbers of %s", day)
	}
	return n, nil
}

func (q *queueTx) NextNumber(categoryID int64, prefix, day string, floor int) (int, error) {
	var n int
	err := q.queryRow(`UPDATE queue_numbers SET last = last + 1 WHERE day = ? AND category_id = ? RETURNING last`,
		day, categoryID).Scan(&n)
	if err == nil {
		return n, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("next ticket number: %w", err)
	}
	// The day's first ticket of the category: after floor and after any
	// number stored that day without the counter (AddTicket).
	err = q.queryRow(`
		INSERT INTO queue_numbers (day, category_id, last)
		VALUES (?1, ?2, max(?3, (SELECT IFNULL(max(CAST(substr(number, length(?4) + 1) AS INTEGER)), 0) FROM tickets
			WHERE day = ?1 AND substr(number, 1, length(?4)) = ?4 AND substr(number, length(?4) + 1) NOT GLOB '*[^0-9]*')) + 1)
		RETURNING last`, day, categoryID, floor, prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("first ticket number of %s: %w", day, err)
	}
	return n, nil
}

func (q *queueTx) InsertTicket(t app.Ticket) (int64, error) {
	var id int64
	err := q.queryRow(`
		INSERT INTO tickets (category_id, number, day, priority, issued_at, called_at, window_id, clerk_id, served_at,
			done_at, no_show, state, priority_kind, slot_start, slot_end, to_window_id, return_window_id, calls, phone)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.CategoryID, t.Number, t.Day, t.Priority, ms(t.IssuedAt), ms(t.CalledAt), ref(t.WindowID), ref(t.ClerkID),
		ms(t.ServedAt), ms(t.DoneAt), t.NoShow, string(t.State), string(t.PriorityKind), ms(t.SlotStart), ms(t.SlotEnd),
		ref(t.ToWindowID), ref(t.ReturnWindow), t.Calls, t.Phone).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert ticket %s: %w", t.Number, err)
	}
	return id, nil
}

func (q *queueTx) UpdateTicket(t app.Ticket) error {
	res, err := q.exec(`
		UPDATE tickets SET category_id = ?, priority = ?, called_at = ?, window_id = ?, clerk_id = ?, served_at = ?,
			done_at = ?, no_show = ?, state = ?, priority_kind = ?, slot_start = ?, slot_end = ?, to_window_id = ?,
			return_window_id = ?, calls = ?, phone = ?
		WHERE id = ?`,
		t.CategoryID, t.Priority, ms(t.CalledAt), ref(t.WindowID), ref(t.ClerkID), ms(t.ServedAt),
		ms(t.DoneAt), t.NoShow, string(t.State), string(t.PriorityKind), ms(t.SlotStart), ms(t.SlotEnd), ref(t.ToWindowID),
		ref(t.ReturnWindow), t.Calls, t.Phone, t.ID)
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", t.Number, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("ticket %d", t.ID)
	}
	return nil
}

func (q *queueTx) SaveWindowQueue(w app.WindowQueue) error {
	_, err := q.exec(`
		INSERT INTO window_state (window_id, paused, clerk_id, post, signed_in_at, streak, current_ticket_id, call_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (window_id) DO UPDATE SET paused = excluded.paused, clerk_id = excluded.clerk_id, post = excluded.post,
			signed_in_at = excluded.signed_in_at, streak = excluded.streak, current_ticket_id = excluded.current_ticket_id,
			call_at = excluded.call_at`,
		w.WindowID, w.Paused, ref(w.ClerkID), w.Post, ms(w.SignedInAt), w.Streak, ref(w.CurrentID), ms(w.CallAt))
	if err != nil {
		return fmt.Errorf("save state of window %d: %w", w.WindowID, err)
	}
	return nil
}

func (q *queueTx) AddQueueLog(e app.QueueLog) error {
	_, err := q.exec(`
		INSERT INTO queue_log (at, kind, window_id, ticket_id, clerk_id, post) VALUES (?, ?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), string(e.Kind), ref(e.WindowID), ref(e.TicketID), ref(e.ClerkID), e.Post)
	if err != nil {
		return fmt.Errorf("queue log: %w", err)
	}
	return nil
}
