// Package queue is the centre's queue (排队叫号, JZ 4.4.1; 预约 JZ 7.1.1;
// AB岗 JZ 7.6.4): the app.Hall on the hub's (or the standalone PC's) own
// database.
//
// Every change runs in one write transaction of the app.QueueStore
// (QueueWrite): the window's state, the waiting tickets, the decision
// (PickNext) and the claim are read and written with no other writer in
// between, so two windows — or two processes on the same database file —
// never get the same ticket. Events are published after the transaction
// commits.
package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin/app"
)

// Queue settings: keys in the settings table and defaults.
const (
	SettingPriorityRatio = "queue.priority_ratio"
	SettingKeepOvernight = "queue.keep_overnight"
	SettingNotice        = "queue.notice"
	SettingRepeat        = "queue.repeat"

	DefaultPriorityRatio = 3
	DefaultRepeat        = 2

	queueSettingsPrefix = "queue."
	recentCalls         = 6
	maxNoticeRunes      = 500
)

// Queue is the centre's queue. It is safe for concurrent use.
type Queue struct {
	st  app.QueueStore
	clk app.Clock
	log *slog.Logger
	ev  app.Broadcaster
}

var _ app.Hall = (*Queue)(nil)

// New returns the queue on st. log may be nil.
func New(st app.QueueStore, clk app.Clock, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Queue{st: st, clk: clk, log: log}
}

// now is the clock's time as the store keeps it (milliseconds, China time),
// so a ticket returned by a call equals the same ticket read back later.
func (q *Queue) now() time.Time { return time.UnixMilli(q.clk.Now().UnixMilli()).In(app.ChinaTime) }

// QueueDay is the queue day (the centre's date, YYYY-MM-DD) of t.
func QueueDay(t time.Time) string { return t.In(app.ChinaTime).Format(time.DateOnly) }

// ---- settings ----

// Settings returns the queue settings, defaults filled in.
func (q *Queue) Settings(ctx context.Context) (app.QueueSettings, error) {
	kv, err := q.st.Settings(ctx, queueSettingsPrefix)
	if err != nil {
		return app.QueueSettings{}, err
	}
	return parseQueueSettings(kv), nil
}

func parseQueueSettings(kv map[string]string) app.QueueSettings {
	s := app.QueueSettings{PriorityRatio: DefaultPriorityRatio, Repeat: DefaultRepeat}
	if n, err := strconv.Atoi(kv[SettingPriorityRatio]); err == nil && n >= 1 {
		s.PriorityRatio = n
	}
	if n, err := strconv.Atoi(kv[SettingRepeat]); err == nil && n >= 1 {
		s.Repeat = n
	}
	s.KeepOvernight = kv[SettingKeepOvernight] == "true"
	s.Notice = kv[SettingNotice]
	return s
}

// SaveSettings validates and stores the settings, then tells the hall
// (EventWindow with WindowID 0: a hall-wide change, refetch the Board).
func (q *Queue) SaveSettings(ctx context.Context, s app.QueueSettings) error {
	switch {
	case s.PriorityRatio < 1 || s.PriorityRatio > 20:
		return app.Refuse("invalid_setting", "绿色通道连续叫号数应在 1 到 20 之间")
	case s.Repeat < 1 || s.Repeat > 5:
		return app.Refuse("invalid_setting", "语音播报次数应在 1 到 5 之间")
	case utf8.RuneCountInString(s.Notice) > maxNoticeRunes:
		return app.Refuse("invalid_setting", "大厅公告不能超过 %d 个字", maxNoticeRunes)
	}
	err := q.st.SaveSettings(ctx, map[string]string{
		SettingPriorityRatio: strconv.Itoa(s.PriorityRatio),
		SettingKeepOvernight: strconv.FormatBool(s.KeepOvernight),
		SettingNotice:        strings.TrimSpace(s.Notice),
		SettingRepeat:        strconv.Itoa(s.Repeat),
	})
	if err != nil {
		return err
	}
	q.Publish(app.HallEvent{Kind: app.EventWindow})
	return nil
}

// ---- events ----

// Subscribe streams the hall's events until ctx ends (Hall).
func (q *Queue) Subscribe(ctx context.Context) (<-chan app.HallEvent, error) {
	return q.ev.Subscribe(ctx), nil
}

// Publish numbers ev and sends it to the subscribers; At defaults to now.
// Other code uses it for events the queue does not make itself, e.g.
// q.Publish(HallEvent{Kind: EventRated, WindowID: w}).
func (q *Queue) Publish(ev app.HallEvent) app.HallEvent {
	if ev.At.IsZero() {
		ev.At = q.now()
	}
	return q.ev.Publish(ev)
}

// Seq is the number of the last event published: a client that reads the
// Board and then subscribes knows which events it has already seen.
func (q *Queue) Seq() int64 { return q.ev.Seq() }

func (q *Queue) publishTicket(kind app.EventKind, t *app.Ticket, windowID int64, at time.Time) {
	if t == nil {
		return
	}
	c := *t
	q.Publish(app.HallEvent{Kind: kind, At: at, Ticket: &c, WindowID: windowID})
}

func (q *Queue) publishCall(c app.Call) {
	q.Publish(app.HallEvent{Kind: app.EventCalled, At: c.At, Call: &c, WindowID: c.WindowID})
}

// ---- configuration read per operation ----

// hallConf is the centre's configuration an operation needs: read before the
// write transaction (it changes only in the manager's setup).
type hallConf struct {
	cats []app.QueueCategory
	wins map[int64]app.Window
	set  app.QueueSettings
}

func (q *Queue) conf(ctx context.Context) (*hallConf, error) {
	h := &hallConf{wins: map[int64]app.Window{}}
	var err error
	if h.cats, err = q.st.Categories(ctx); err != nil {
		return nil, err
	}
	wins, err := q.st.Windows(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range wins {
		h.wins[w.ID] = w
	}
	if h.set, err = q.Settings(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *hallConf) category(id int64) (app.QueueCategory, bool) {
	for _, c := range h.cats {
		if c.ID == id {
			return c, true
		}
	}
	return app.QueueCategory{}, false
}

// confWindow is the hall's configuration and one of its windows.
func (q *Queue) confWindow(ctx context.Context, windowID int64) (*hallConf, app.Window, error) {
	h, err := q.conf(ctx)
	if err != nil {
		return nil, app.Window{}, err
	}
	w, err := h.window(windowID)
	if err != nil {
		return nil, app.Window{}, err
	}
	return h, w, nil
}

func (h *hallConf) window(id int64) (app.Window, error) {
	w, ok := h.wins[id]
	if !ok || !w.Active {
		return app.Window{}, app.Refuse("unknown_window", "没有这个窗口（编号 %d）或窗口已停用", id)
	}
	return w, nil
}

// windowCats are the categories the window serves, most preferred first: by
// the window's place in each category's window list (category_windows.pos),
// then by category ID.
func (h *hallConf) windowCats(windowID int64) []int64 {
	type cp struct {
		id  int64
		pos int
	}
	var l []cp
	for _, c := range h.cats {
		if i := slices.Index(c.Windows, windowID); i >= 0 {
			l = append(l, cp{c.ID, i})
		}
	}
	slices.SortStableFunc(l, func(a, b cp) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return int(a.id - b.id)
	})
	out := make([]int64, len(l))
	for i, x := range l {
		out[i] = x.id
	}
	return out
}

func (h *hallConf) call(t app.Ticket, windowID int64, at time.Time, recall bool) app.Call {
	c := app.Call{TicketID: t.ID, Number: t.Number, WindowID: windowID, At: at, Recall: recall}
	if cat, ok := h.category(t.CategoryID); ok {
		c.Category = cat.Name
	}
	c.WindowNumber = h.wins[windowID].Number
	return c
}

// fromDay is the first day whose tickets may still be called today: today,
// or with KeepOvernight the previous day the centre issued tickets (the
// evening's tickets stay valid the next working morning).
func fromDay(r app.QueueReader, today string, keep bool) (string, error) {
	if !keep {
		return today, nil
	}
	prev, err := r.PrevDay(today)
	if err != nil || prev == "" {
		return today, err
	}
	return prev, nil
}

// ---- Hall ----

// Categories returns the queue categories (kiosk buttons).
func (q *Queue) Categories(ctx context.Context) ([]app.QueueCategory, error) {
	return q.st.Categories(ctx)
}

// Issue takes a ticket (取号). Numbers run per category per day: A001, A002,
// … from 001 each day (the centre's date).
func (q *Queue) Issue(ctx context.Context, req app.IssueRequest) (app.IssuedTicket, error) {
	h, err := q.conf(ctx)
	if err != nil {
		return app.IssuedTicket{}, err
	}
	cat, ok := h.category(req.CategoryID)
	if !ok {
		return app.IssuedTicket{}, app.Refuse("unknown_category", "没有这个业务类别，请重新选择")
	}
	switch req.Priority {
	case app.PriorityNone, app.PriorityElderly, app.PriorityDisabled, app.PriorityPregnant:
	default:
		return app.IssuedTicket{}, app.Refuse("invalid_priority", "绿色通道类型无效")
	}
	if req.SlotStart.IsZero() != req.SlotEnd.IsZero() || (!req.SlotStart.IsZero() && !req.SlotEnd.After(req.SlotStart)) {
		return app.IssuedTicket{}, app.Refuse("invalid_slot", "预约时段无效：结束时间应晚于开始时间")
	}
	phone := strings.TrimSpace(req.Phone)
	if len(phone) > 20 {
		return app.IssuedTicket{}, app.Refuse("invalid_phone", "联系电话过长")
	}
	now := q.now()
	today := QueueDay(now)
	out := app.IssuedTicket{Category: cat}
	err = q.st.QueueWrite(ctx, func(tx app.QueueWriter) error {
		out.Ahead = 0 // the store may run this again (QueueWrite)
		from, err := fromDay(tx, today, h.set.KeepOvernight)
		if err != nil {
			return err
		}
		floor := 0
		if from != today {
			// Carried-over tickets keep their numbers: today's continue after
			// them, so two people never hold the same number in the hall.
			if floor, err = tx.LastNumber(cat.ID, from); err != nil {
				return err
			}
		}
		n, err := tx.NextNumber(cat.ID, cat.Prefix, today, floor)
		if err != nil {
			return err
		}
		counts, err := tx.WaitingCounts(from)
		if err != nil {
			return err
		}
		t := app.Ticket{
			CategoryID: cat.ID, Number: fmt.Sprintf("%s%03d", cat.Prefix, n), Day: today,
			Priority: req.Priority != app.PriorityNone, PriorityKind: req.Priority, IssuedAt: now,
			State: app.TicketWaiting, SlotStart: req.SlotStart, SlotEnd: req.SlotEnd, Phone: phone,
		}
		// Ahead: the category's waiting tickets; for a 绿色通道 ticket only
		// those of the green channel (it goes before the ordinary ones).
		for _, c := range counts {
			if c.CategoryID == cat.ID && c.ToWindowID == 0 && (!t.IsPriority() || c.Priority) {
				out.Ahead += c.N
			}
		}
		if t.ID, err = tx.InsertTicket(t); err != nil {
			return err
		}
		out.Ticket = t
		return nil
	})
	if err != nil {
		return app.IssuedTicket{}, err
	}
	q.publishTicket(app.EventIssued, &out.Ticket, 0, now)
	return out, nil
}

var errQueueEmpty = &app.UserError{Code: "queue_empty", Msg: "当前没有等候的号"}

func errPaused(w app.Window) error {
	return app.Refuse("window_paused", "%d 号窗口已暂停服务，请先恢复服务再叫号", w.Number)
}

func errNoCurrent(w app.Window) error {
	return app.Refuse("no_current", "%d 号窗口当前没有正在办理的号", w.Number)
}

// CallNext finishes the window's current ticket, if any, and calls the next
// one (PickNext). With nothing to call, the current ticket is still finished
// and the refusal is "queue_empty".
func (q *Queue) CallNext(ctx context.Context, windowID, clerkID int64) (app.Ticket, error) {
	h, w, err := q.confWindow(ctx, windowID)
	if err != nil {
		return app.Ticket{}, err
	}
	now := q.now()
	today := QueueDay(now)
	cats := h.windowCats(windowID)
	pick := func(r app.QueueReader, ws app.WindowQueue) ([]app.Ticket, int, error) {
		from, err := fromDay(r, today, h.set.KeepOvernight)
		if err != nil {
			return nil, -1, err
		}
		waiting, err := r.Candidates(from, now)
		if err != nil {
			return nil, -1, err
		}
		return waiting, PickNext(PickInput{WindowID: windowID, Categories: cats, Waiting: waiting,
			Streak: ws.Streak, Ratio: h.set.PriorityRatio, Now: now}), nil
	}
	// An idle window asking again and again (nothing current, nothing to
	// call) is answered from a read, without taking the write lock from the
	// windows that do have something to call.
	idle := false
	err = q.st.QueueRead(ctx, func(r app.QueueReader) error {
		ws, err := r.WindowQueue(windowID)
		if err != nil || ws.Paused || ws.CurrentID != 0 {
			return err
		}
		_, i, err := pick(r, ws)
		idle = i < 0
		return err
	})
	if err != nil {
		return app.Ticket{}, err
	}
	if idle {
		return app.Ticket{}, errQueueEmpty
	}
	var fin *app.Ticket
	var called *app.Ticket
	err = q.st.QueueWrite(ctx, func(tx app.QueueWriter) error {
		called = nil // the store may run this again (QueueWrite)
		ws, err := tx.WindowQueue(windowID)
		if err != nil {
			return err
		}
		if ws.Paused {
			return errPaused(w)
		}
		if fin, err = finishCurrent(tx, &ws, now); err != nil {
			return err
		}
		waiting, i, err := pick(tx, ws)
		if err != nil {
			return err
		}
		if i < 0 {
			if fin == nil {
				return nil // nothing changed: an idle window polling writes nothing
			}
			return tx.SaveWindowQueue(ws)
		}
		ws.Streak = NextStreak(ws.Streak, waiting[i])
		t, err := callTicket(tx, &ws, waiting[i], clerkID, now, app.LogCall)
		called = &t
		return err
	})
	if err != nil {
		return app.Ticket{}, err
	}
	q.publishTicket(app.EventFinished, fin, windowID, now)
	if called == nil {
		return app.Ticket{}, errQueueEmpty
	}
	q.publishCall(h.call(*called, windowID, now, false))
	q.log.Debug("queue call", "window", w.Number, "ticket", called.Number)
	return *called, nil
}

// callTicket gives t to the window and logs the call. CalledAt keeps the first
// call (the report's waiting time); ServedAt is when the person was first
// served (cleared by a no-show); the monthly report reads both.
func callTicket(tx app.QueueWriter, ws *app.WindowQueue, t app.Ticket, clerkID int64, now time.Time, kind app.QueueLogKind) (app.Ticket, error) {
	if clerkID == 0 {
		clerkID = ws.ClerkID
	}
	if t.CalledAt.IsZero() {
		t.CalledAt = now
	}
	if t.ServedAt.IsZero() {
		t.ServedAt = now
	}
	t.State = app.TicketCalled
	t.WindowID = ws.WindowID
	t.ClerkID = clerkID
	t.DoneAt = time.Time{}
	t.NoShow = false
	t.Calls++
	if t.Returning() {
		t.ReturnWindow = 0 // back where it started: finishing it here ends it
	}
	t.ToWindowID = 0
	ws.CurrentID = t.ID
	ws.CallAt = now
	if err := tx.UpdateTicket(t); err != nil {
		return t, err
	}
	if err := tx.SaveWindowQueue(*ws); err != nil {
		return t, err
	}
	return t, tx.AddQueueLog(app.QueueLog{At: now, Kind: kind, WindowID: ws.WindowID, TicketID: t.ID, ClerkID: clerkID})
}

// currentTicket is the ticket the window is serving, or ok false. A stale
// pointer (the ticket was changed elsewhere) counts as none.
func currentTicket(tx app.QueueReader, ws app.WindowQueue) (app.Ticket, bool, error) {
	if ws.CurrentID == 0 {
		return app.Ticket{}, false, nil
	}
	t, err := tx.Ticket(ws.CurrentID)
	if errors.Is(err, app.ErrNotFound) {
		return app.Ticket{}, false, nil
	}
	if err != nil {
		return app.Ticket{}, false, err
	}
	if t.State != app.TicketCalled || t.WindowID != ws.WindowID {
		return app.Ticket{}, false, nil
	}
	return t, true, nil
}

// finishCurrent ends the window's current ticket: done, or — when it came
// from another window with Return set — waiting again, for that window only
// (JZ 7.6.1 首问负责: the first window finishes the business).
func finishCurrent(tx app.QueueWriter, ws *app.WindowQueue, now time.Time) (*app.Ticket, error) {
	t, ok, err := currentTicket(tx, *ws)
	ws.CurrentID, ws.CallAt = 0, time.Time{}
	if err != nil || !ok {
		return nil, err
	}
	kind := app.LogFinish
	if t.ReturnWindow != 0 && t.ReturnWindow != ws.WindowID {
		t.State = app.TicketWaiting
		t.ToWindowID = t.ReturnWindow
		kind = app.LogReturn
	} else {
		t.State = app.TicketDone
		t.DoneAt = now
		t.ReturnWindow = 0
	}
	if err := tx.UpdateTicket(t); err != nil {
		return nil, err
	}
	if err := tx.AddQueueLog(app.QueueLog{At: now, Kind: kind, WindowID: ws.WindowID, TicketID: t.ID, ClerkID: t.ClerkID}); err != nil {
		return nil, err
	}
	return &t, nil
}

// changeCurrent applies change to the window's current ticket (errNoCurrent
// when there is none), stores it and logs what was done (log with its ticket
// and clerk filled in).
func changeCurrent(tx app.QueueWriter, w app.Window, ws *app.WindowQueue, log app.QueueLog, change func(t *app.Ticket)) (app.Ticket, error) {
	t, ok, err := currentTicket(tx, *ws)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, errNoCurrent(w)
	}
	change(&t)
	if err := tx.UpdateTicket(t); err != nil {
		return t, err
	}
	log.TicketID, log.ClerkID = t.ID, t.ClerkID
	return t, tx.AddQueueLog(log)
}

// windowOp runs fn on the window's state in one write transaction and saves
// the state afterwards.
func (q *Queue) windowOp(ctx context.Context, windowID int64, fn func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error) (*hallConf, app.Window, error) {
	h, w, err := q.confWindow(ctx, windowID)
	if err != nil {
		return nil, app.Window{}, err
	}
	err = q.st.QueueWrite(ctx, func(tx app.QueueWriter) error {
		ws, err := tx.WindowQueue(windowID)
		if err != nil {
			return err
		}
		if err := fn(h, w, tx, &ws); err != nil {
			return err
		}
		return tx.SaveWindowQueue(ws)
	})
	return h, w, err
}

// Finish ends the ticket being served at the window (办结/叫下一位 without calling).
func (q *Queue) Finish(ctx context.Context, windowID int64) error {
	now := q.now()
	var fin *app.Ticket
	_, _, err := q.windowOp(ctx, windowID, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		var err error
		if fin, err = finishCurrent(tx, ws, now); err == nil && fin == nil {
			return errNoCurrent(w)
		}
		return err
	})
	if err != nil {
		return err
	}
	q.publishTicket(app.EventFinished, fin, windowID, now)
	return nil
}

// Recall announces the window's current ticket again (重呼).
func (q *Queue) Recall(ctx context.Context, windowID int64) (app.Ticket, error) {
	now := q.now()
	var t app.Ticket
	h, _, err := q.windowOp(ctx, windowID, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		var err error
		t, err = changeCurrent(tx, w, ws, app.QueueLog{At: now, Kind: app.LogRecall, WindowID: windowID}, func(t *app.Ticket) {
			t.Calls++
			ws.CallAt = now
		})
		return err
	})
	if err != nil {
		return app.Ticket{}, err
	}
	q.publishCall(h.call(t, windowID, now, true))
	return t, nil
}

// NoShow marks the current ticket 过号: it leaves the window and goes to the
// recall list of its category (WindowState.NoShows) until called back. Until
// then the report counts it as a no-show.
func (q *Queue) NoShow(ctx context.Context, windowID int64) error {
	now := q.now()
	var t app.Ticket
	_, _, err := q.windowOp(ctx, windowID, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		var err error
		t, err = changeCurrent(tx, w, ws, app.QueueLog{At: now, Kind: app.LogNoShow, WindowID: windowID}, func(t *app.Ticket) {
			t.State = app.TicketNoShow
			t.NoShow = true
			t.ServedAt, t.DoneAt = time.Time{}, time.Time{}
			ws.CurrentID, ws.CallAt = 0, time.Time{}
		})
		return err
	})
	if err != nil {
		return err
	}
	q.publishTicket(app.EventFinished, &t, windowID, now)
	return nil
}

// inRecallList reports whether the window may call back the no-show t: it
// was missed at this window or waits in a category the window serves.
func inRecallList(t app.Ticket, windowID int64, cats []int64, from string) bool {
	return t.State == app.TicketNoShow && t.Day >= from && (t.WindowID == windowID || slices.Contains(cats, t.CategoryID))
}

// CallBack calls a no-show ticket of the window's recall list again (the
// person came back); the current ticket, if any, is finished first.
func (q *Queue) CallBack(ctx context.Context, windowID, clerkID, ticketID int64) (app.Ticket, error) {
	now := q.now()
	var fin *app.Ticket
	var t app.Ticket
	h, _, err := q.windowOp(ctx, windowID, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		if ws.Paused {
			return errPaused(w)
		}
		from, err := fromDay(tx, QueueDay(now), h.set.KeepOvernight)
		if err != nil {
			return err
		}
		nt, err := tx.Ticket(ticketID)
		if errors.Is(err, app.ErrNotFound) || (err == nil && !inRecallList(nt, windowID, h.windowCats(windowID), from)) {
			return app.Refuse("not_in_recall", "该号不在本窗口的过号列表中")
		} else if err != nil {
			return err
		}
		if fin, err = finishCurrent(tx, ws, now); err != nil {
			return err
		}
		t, err = callTicket(tx, ws, nt, clerkID, now, app.LogCallBack)
		return err
	})
	if err != nil {
		return app.Ticket{}, err
	}
	q.publishTicket(app.EventFinished, fin, windowID, now)
	q.publishCall(h.call(t, windowID, now, false))
	return t, nil
}

// Transfer moves the window's current ticket to another category and/or
// straight to another window (转办); it keeps its number and its place by
// issue time there. With Return it comes back to this window afterwards,
// before the window's other waiting tickets.
func (q *Queue) Transfer(ctx context.Context, req app.TransferRequest) error {
	now := q.now()
	var t app.Ticket
	_, _, err := q.windowOp(ctx, req.FromWindow, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		if req.ToCategory == 0 && req.ToWindow == 0 {
			return app.Refuse("invalid_transfer", "请选择转往的业务类别或窗口")
		}
		if req.ToWindow == req.FromWindow {
			return app.Refuse("invalid_transfer", "不能转给本窗口")
		}
		if _, ok := h.category(req.ToCategory); req.ToCategory != 0 && !ok {
			return app.Refuse("unknown_category", "没有这个业务类别，请重新选择")
		}
		if req.ToWindow != 0 {
			if _, err := h.window(req.ToWindow); err != nil {
				return err
			}
		}
		var err error
		t, err = changeCurrent(tx, w, ws, app.QueueLog{At: now, Kind: app.LogTransfer, WindowID: req.FromWindow}, func(t *app.Ticket) {
			t.State = app.TicketWaiting
			if req.ToCategory != 0 {
				t.CategoryID = req.ToCategory
			}
			t.ToWindowID = req.ToWindow
			if req.Return {
				t.ReturnWindow = req.FromWindow
			}
			ws.CurrentID, ws.CallAt = 0, time.Time{}
		})
		return err
	})
	if err != nil {
		return err
	}
	q.publishTicket(app.EventFinished, &t, req.FromWindow, now)
	return nil
}

// SetPaused pauses (暂停服务) or resumes the window. A paused window keeps its
// current ticket but calls no other.
func (q *Queue) SetPaused(ctx context.Context, windowID int64, paused bool) error {
	now := q.now()
	_, _, err := q.windowOp(ctx, windowID, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		if ws.Paused == paused {
			return nil
		}
		ws.Paused = paused
		kind := app.LogResume
		if paused {
			kind = app.LogPause
		}
		return tx.AddQueueLog(app.QueueLog{At: now, Kind: kind, WindowID: windowID, ClerkID: ws.ClerkID})
	})
	if err != nil {
		return err
	}
	q.Publish(app.HallEvent{Kind: app.EventWindow, At: now, WindowID: windowID})
	return nil
}

// SignIn puts the clerk on the window's A or B post (JZ 7.6.4 AB岗: when A
// is away, B signs in and is the window's clerk). Where posts are set up for
// the window, only the clerk of that post may sign in on it. Each sign-in is
// logged (who served when). A clerk signed in at another window is signed
// out there. ClerkID 0 signs the window's clerk out.
func (q *Queue) SignIn(ctx context.Context, windowID, clerkID int64, post string) error {
	now := q.now()
	if clerkID != 0 && post != "A" && post != "B" {
		return app.Refuse("invalid_post", "岗位应为 A 岗或 B 岗")
	}
	var name string
	if clerkID != 0 {
		s, err := q.st.StaffByID(ctx, clerkID)
		if errors.Is(err, app.ErrNotFound) || (err == nil && !s.Active) {
			return app.Refuse("unknown_clerk", "工号不存在或已停用")
		} else if err != nil {
			return err
		}
		name = s.Name
		posts, err := q.st.Posts(ctx)
		if err != nil {
			return err
		}
		holder, set := int64(0), false
		for _, p := range posts {
			if p.WindowID == windowID {
				set = true
				if p.Post == post {
					holder = p.StaffID
				}
			}
		}
		if set && holder != clerkID {
			return app.Refuse("not_on_post", "%s不是该窗口的 %s 岗人员，请联系中心负责人设置 AB 岗", name, post)
		}
	} else {
		post = ""
	}
	var left []int64 // windows the clerk was signed in at before
	_, w, err := q.windowOp(ctx, windowID, func(h *hallConf, w app.Window, tx app.QueueWriter, ws *app.WindowQueue) error {
		left = left[:0]
		if clerkID != 0 {
			// One clerk, one window: signing in here signs them out there.
			all, err := tx.WindowQueues()
			if err != nil {
				return err
			}
			for _, o := range all {
				if o.WindowID == windowID || o.ClerkID != clerkID {
					continue
				}
				o.ClerkID, o.Post, o.SignedInAt = 0, "", time.Time{}
				if err := tx.SaveWindowQueue(o); err != nil {
					return err
				}
				if err := tx.AddQueueLog(app.QueueLog{At: now, Kind: app.LogSignIn, WindowID: o.WindowID}); err != nil {
					return err
				}
				left = append(left, o.WindowID)
			}
		}
		ws.ClerkID, ws.Post, ws.SignedInAt = clerkID, post, now
		if clerkID == 0 {
			ws.SignedInAt = time.Time{}
		}
		return tx.AddQueueLog(app.QueueLog{At: now, Kind: app.LogSignIn, WindowID: windowID, ClerkID: clerkID, Post: post})
	})
	if err != nil {
		return err
	}
	q.log.Info("window sign-in", "window", w.Number, "clerk", clerkID, "post", post)
	for _, o := range left {
		q.Publish(app.HallEvent{Kind: app.EventWindow, At: now, WindowID: o})
	}
	q.Publish(app.HallEvent{Kind: app.EventWindow, At: now, WindowID: windowID})
	return nil
}

// Window returns what the window's counter shows.
func (q *Queue) Window(ctx context.Context, windowID int64) (app.WindowState, error) {
	h, w, err := q.confWindow(ctx, windowID)
	if err != nil {
		return app.WindowState{}, err
	}
	now := q.now()
	cats := h.windowCats(windowID)
	out := app.WindowState{WindowID: windowID, Number: w.Number}
	err = q.st.QueueRead(ctx, func(r app.QueueReader) error {
		ws, err := r.WindowQueue(windowID)
		if err != nil {
			return err
		}
		out.Paused, out.ClerkID, out.Post = ws.Paused, ws.ClerkID, ws.Post
		if t, ok, err := currentTicket(r, ws); err != nil {
			return err
		} else if ok {
			out.Current = &t
		}
		from, err := fromDay(r, QueueDay(now), h.set.KeepOvernight)
		if err != nil {
			return err
		}
		counts, err := r.WaitingCounts(from)
		if err != nil {
			return err
		}
		for _, c := range counts {
			if CanCall(app.Ticket{CategoryID: c.CategoryID, ToWindowID: c.ToWindowID}, windowID, cats) {
				out.Waiting += c.N
			}
		}
		noShows, err := r.Tickets(app.TicketNoShow, from)
		if err != nil {
			return err
		}
		for _, t := range noShows {
			if inRecallList(t, windowID, cats, from) {
				out.NoShows = append(out.NoShows, t)
			}
		}
		return nil
	})
	if err != nil {
		return app.WindowState{}, err
	}
	return out, nil
}

// Board returns what the hall display shows.
func (q *Queue) Board(ctx context.Context) (app.Board, error) {
	h, err := q.conf(ctx)
	if err != nil {
		return app.Board{}, err
	}
	now := q.now()
	today := QueueDay(now)
	b := app.Board{Notice: h.set.Notice}
	err = q.st.QueueRead(ctx, func(r app.QueueReader) error {
		states, err := r.WindowQueues()
		if err != nil {
			return err
		}
		for _, ws := range states {
			if QueueDay(ws.CallAt) != today {
				continue // called yesterday and never finished: not news for the hall
			}
			if t, ok, err := currentTicket(r, ws); err != nil {
				return err
			} else if ok {
				b.Current = append(b.Current, h.call(t, ws.WindowID, ws.CallAt, false))
			}
		}
		slices.SortFunc(b.Current, func(a, c app.Call) int { return a.WindowNumber - c.WindowNumber })

		// The last calls of today, one line per ticket (a recall moves the
		// ticket to the top instead of pushing others off the board).
		dayStart, _ := time.ParseInLocation(time.DateOnly, today, app.ChinaTime)
		logs, err := r.RecentCalls(dayStart, 10*recentCalls)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, l := range logs {
			if seen[l.TicketID] || len(b.Recent) == recentCalls {
				continue
			}
			seen[l.TicketID] = true
			t, err := r.Ticket(l.TicketID)
			if err != nil {
				return err
			}
			b.Recent = append(b.Recent, h.call(t, l.WindowID, l.At, l.Kind == app.LogRecall))
		}

		from, err := fromDay(r, today, h.set.KeepOvernight)
		if err != nil {
			return err
		}
		counts, err := r.WaitingCounts(from)
		if err != nil {
			return err
		}
		count := map[int64]int{}
		for _, c := range counts {
			count[c.CategoryID] += c.N
		}
		for _, c := range h.cats {
			b.Waiting = append(b.Waiting, app.CategoryWaiting{CategoryID: c.ID, Prefix: c.Prefix, Name: c.Name, Waiting: count[c.ID]})
		}
		slices.SortStableFunc(b.Waiting, func(a, c app.CategoryWaiting) int { return strings.Compare(a.Prefix, c.Prefix) })
		return nil
	})
	if err != nil {
		return app.Board{}, err
	}
	return b, nil
}
