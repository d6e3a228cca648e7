package lan

import (
	"context"
	"fmt"
	"sync"
	"time"

	"bianmin/app"
)

// fakeHall is a small in-memory Hall: enough queue to test the wire (one
// waiting list per category, a current ticket per window, events).
type fakeHall struct {
	mu      sync.Mutex
	cats    []app.QueueCategory
	waiting map[int64][]app.Ticket
	windows map[int64]*fakeWindow
	nextID  int64
	seq     int64
	changes int // successful mutations, to check "no change"
	subs    map[chan app.HallEvent]struct{}
}

type fakeWindow struct {
	paused  bool
	clerk   int64
	post    string
	current *app.Ticket
}

func newFakeHall(windows int) *fakeHall {
	h := &fakeHall{
		cats:    []app.QueueCategory{{ID: 1, Prefix: "A", Name: "综合受理"}, {ID: 2, Prefix: "B", Name: "社保医保"}},
		waiting: map[int64][]app.Ticket{},
		windows: map[int64]*fakeWindow{},
		subs:    map[chan app.HallEvent]struct{}{},
	}
	for i := 1; i <= windows; i++ {
		h.windows[int64(i)] = &fakeWindow{}
		h.cats[0].Windows = append(h.cats[0].Windows, int64(i))
	}
	return h
}

// emit sends ev to every subscriber; h.mu held. A subscriber that is 256
// events behind is dropped (its channel closed), as the real broadcaster does.
func (h *fakeHall) emit(ev app.HallEvent) {
	h.seq++
	ev.Seq = h.seq
	ev.At = time.Now()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *fakeHall) Categories(ctx context.Context) ([]app.QueueCategory, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]app.QueueCategory(nil), h.cats...), nil
}

func (h *fakeHall) cat(id int64) (app.QueueCategory, bool) {
	for _, c := range h.cats {
		if c.ID == id {
			return c, true
		}
	}
	return app.QueueCategory{}, false
}

func (h *fakeHall) Issue(ctx context.Context, req app.IssueRequest) (app.IssuedTicket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.cat(req.CategoryID)
	if !ok {
		return app.IssuedTicket{}, &app.UserError{Code: "unknown_category", Msg: "没有这个业务类别，请重新选择"}
	}
	h.nextID++
	n := len(h.waiting[c.ID])
	t := app.Ticket{ID: h.nextID, CategoryID: c.ID, Number: fmt.Sprintf("%s%03d", c.Prefix, h.nextID),
		State: app.TicketWaiting, PriorityKind: req.Priority, IssuedAt: time.Now()}
	h.waiting[c.ID] = append(h.waiting[c.ID], t)
	h.changes++
	h.emit(app.HallEvent{Kind: app.EventIssued, Ticket: &t})
	return app.IssuedTicket{Ticket: t, Category: c, Ahead: n}, nil
}

func (h *fakeHall) win(id int64) (*fakeWindow, error) {
	w, ok := h.windows[id]
	if !ok {
		return nil, &app.UserError{Code: "unknown_window", Msg: fmt.Sprintf("没有%d号窗口", id)}
	}
	return w, nil
}

func (h *fakeHall) CallNext(ctx context.Context, windowID, clerkID int64) (app.Ticket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, err := h.win(windowID)
	if err != nil {
		return app.Ticket{}, err
	}
	if w.paused {
		return app.Ticket{}, &app.UserError{Code: "window_paused", Msg: "本窗口已暂停服务，请先恢复"}
	}
	for _, c := range h.cats {
		if q := h.waiting[c.ID]; len(q) > 0 {
			t := q[0]
			h.waiting[c.ID] = q[1:]
			t.State, t.WindowID, t.ClerkID, t.CalledAt, t.Calls = app.TicketCalled, windowID, clerkID, time.Now(), 1
			w.current = &t
			h.changes++
			h.emit(app.HallEvent{Kind: app.EventCalled, WindowID: windowID, Call: &app.Call{
				TicketID: t.ID, Number: t.Number, Category: c.Name, WindowID: windowID, WindowNumber: int(windowID), At: t.CalledAt}})
			return t, nil
		}
	}
	return app.Ticket{}, &app.UserError{Code: "queue_empty", Msg: "当前没有等候的群众"}
}

func (h *fakeHall) current(windowID int64) (*fakeWindow, error) {
	w, err := h.win(windowID)
	if err != nil {
		return nil, err
	}
	if w.current == nil {
		return nil, &app.UserError{Code: "no_current", Msg: "本窗口当前没有正在办理的号"}
	}
	return w, nil
}

func (h *fakeHall) Recall(ctx context.Context, windowID int64) (app.Ticket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, err := h.current(windowID)
	if err != nil {
		return app.Ticket{}, err
	}
	w.current.Calls++
	h.changes++
	t := *w.current
	h.emit(app.HallEvent{Kind: app.EventCalled, WindowID: windowID, Call: &app.Call{TicketID: t.ID, Number: t.Number, WindowID: windowID, Recall: true}})
	return t, nil
}

func (h *fakeHall) endCurrent(windowID int64, state app.TicketState) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, err := h.current(windowID)
	if err != nil {
		return err
	}
	t := *w.current
	t.State = state
	w.current = nil
	h.changes++
	h.emit(app.HallEvent{Kind: app.EventFinished, WindowID: windowID, Ticket: &t})
	return nil
}

func (h *fakeHall) NoShow(ctx context.Context, windowID int64) error {
	return h.endCurrent(windowID, app.TicketNoShow)
}

func (h *fakeHall) Finish(ctx context.Context, windowID int64) error {
	return h.endCurrent(windowID, app.TicketDone)
}

func (h *fakeHall) CallBack(ctx context.Context, windowID, clerkID, ticketID int64) (app.Ticket, error) {
	return app.Ticket{}, &app.UserError{Code: "unknown_ticket", Msg: "过号名单中没有这个号"}
}

func (h *fakeHall) Transfer(ctx context.Context, req app.TransferRequest) error {
	if req.ToCategory != 0 {
		h.mu.Lock()
		_, ok := h.cat(req.ToCategory)
		h.mu.Unlock()
		if !ok {
			return &app.UserError{Code: "unknown_category", Msg: "没有这个业务类别，请重新选择"}
		}
	}
	return h.endCurrent(req.FromWindow, app.TicketWaiting)
}

func (h *fakeHall) SetPaused(ctx context.Context, windowID int64, paused bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, err := h.win(windowID)
	if err != nil {
		return err
	}
	w.paused = paused
	h.changes++
	h.emit(app.HallEvent{Kind: app.EventWindow, WindowID: windowID})
	return nil
}

func (h *fakeHall) SignIn(ctx context.Context, windowID, clerkID int64, post string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, err := h.win(windowID)
	if err != nil {
		return err
	}
	if post != "A" && post != "B" {
		return &app.UserError{Code: "bad_post", Msg: "岗位只能是A岗或B岗"}
	}
	w.clerk, w.post = clerkID, post
	h.changes++
	h.emit(app.HallEvent{Kind: app.EventWindow, WindowID: windowID})
	return nil
}

func (h *fakeHall) Window(ctx context.Context, windowID int64) (app.WindowState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, err := h.win(windowID)
	if err != nil {
		return app.WindowState{}, err
	}
	st := app.WindowState{WindowID: windowID, Number: int(windowID), Paused: w.paused, ClerkID: w.clerk, Post: w.post}
	if w.current != nil {
		t := *w.current
		st.Current = &t
	}
	for _, q := range h.waiting {
		st.Waiting += len(q)
	}
	return st, nil
}

func (h *fakeHall) Board(ctx context.Context) (app.Board, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := app.Board{Notice: "请带好身份证件"}
	for _, c := range h.cats {
		b.Waiting = append(b.Waiting, app.CategoryWaiting{CategoryID: c.ID, Prefix: c.Prefix, Name: c.Name, Waiting: len(h.waiting[c.ID])})
	}
	return b, nil
}

func (h *fakeHall) Subscribe(ctx context.Context) (<-chan app.HallEvent, error) {
	ch := make(chan app.HallEvent, 256)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	})
	return ch, nil
}
