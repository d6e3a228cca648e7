package screens

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"bianmin/app"
)

// Small fakes for the queue screens' tests: a Hall, a Registrar, a Rater,
// timers fired by hand, and a UI queue that runs what the screens' goroutines
// hand to fyne.Do on the test goroutine.

// fakeHall is an in-memory queue with one category per prefix.
type fakeHall struct {
	mu      sync.Mutex
	cats    []app.QueueCategory
	waiting []app.Ticket
	windows map[int64]*app.WindowState
	recent  []app.Call
	notice  string
	calls   []string // methods called, with arguments
	err     error    // returned (once) by the next call
	events  chan app.HallEvent
	subs    int
	issued  []app.IssueRequest
}

func newFakeHall() *fakeHall {
	h := &fakeHall{
		cats: []app.QueueCategory{
			{ID: 1, Prefix: "A", Name: "综合受理", Windows: []int64{11, 12}},
			{ID: 2, Prefix: "B", Name: "社保医保", Windows: []int64{12}},
		},
		windows: map[int64]*app.WindowState{
			11: {WindowID: 11, Number: 1, Post: "A"},
			12: {WindowID: 12, Number: 2, Post: "A"},
		},
		notice: "办事请带齐材料；60岁以上老人、残疾人、孕妇请走绿色通道。",
		events: make(chan app.HallEvent, 16),
	}
	for i := 1; i <= 3; i++ {
		h.waiting = append(h.waiting, app.Ticket{ID: int64(i), CategoryID: 1, Number: fmt.Sprintf("A%03d", i),
			State: app.TicketWaiting})
	}
	return h
}

func (h *fakeHall) log(format string, args ...any) error {
	h.calls = append(h.calls, fmt.Sprintf(format, args...))
	err := h.err
	h.err = nil
	return err
}

func (h *fakeHall) called(prefix string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (h *fakeHall) Categories(context.Context) ([]app.QueueCategory, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cats, h.log("Categories")
}

func (h *fakeHall) Issue(_ context.Context, req app.IssueRequest) (app.IssuedTicket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("Issue %d %s", req.CategoryID, req.Priority); err != nil {
		return app.IssuedTicket{}, err
	}
	h.issued = append(h.issued, req)
	var cat app.QueueCategory
	ahead := 0
	for _, c := range h.cats {
		if c.ID == req.CategoryID {
			cat = c
		}
	}
	for _, t := range h.waiting {
		if t.CategoryID == req.CategoryID {
			ahead++
		}
	}
	t := app.Ticket{ID: int64(100 + len(h.issued)), CategoryID: cat.ID, Number: fmt.Sprintf("%s%03d", cat.Prefix, 11+len(h.issued)),
		State: app.TicketWaiting, PriorityKind: req.Priority, Priority: req.Priority != app.PriorityNone}
	h.waiting = append(h.waiting, t)
	return app.IssuedTicket{Ticket: t, Category: cat, Ahead: ahead}, nil
}

func (h *fakeHall) call(w *app.WindowState, t app.Ticket, recall bool) {
	t.State, t.WindowID, t.Calls = app.TicketCalled, w.WindowID, t.Calls+1
	w.Current = &t
	h.recent = append([]app.Call{{TicketID: t.ID, Number: t.Number, Category: "综合受理", WindowID: w.WindowID,
		WindowNumber: w.Number, Recall: recall, At: time.Date(2026, 3, 10, 9, len(h.recent), 0, 0, app.ChinaTime)}}, h.recent...)
}

func (h *fakeHall) CallNext(_ context.Context, windowID, clerkID int64) (app.Ticket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("CallNext %d %d", windowID, clerkID); err != nil {
		return app.Ticket{}, err
	}
	w := h.windows[windowID]
	if len(h.waiting) == 0 {
		return app.Ticket{}, &app.UserError{Code: "queue_empty", Msg: "当前没有等候的号"}
	}
	t := h.waiting[0]
	h.waiting = h.waiting[1:]
	h.call(w, t, false)
	return *w.Current, nil
}

func (h *fakeHall) Recall(_ context.Context, windowID int64) (app.Ticket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("Recall %d", windowID); err != nil {
		return app.Ticket{}, err
	}
	w := h.windows[windowID]
	if w.Current == nil {
		return app.Ticket{}, &app.UserError{Code: "no_current", Msg: "本窗口当前没有办理中的号"}
	}
	h.call(w, *w.Current, true)
	return *w.Current, nil
}

func (h *fakeHall) NoShow(_ context.Context, windowID int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("NoShow %d", windowID); err != nil {
		return err
	}
	w := h.windows[windowID]
	if w.Current == nil {
		return &app.UserError{Code: "no_current", Msg: "本窗口当前没有办理中的号"}
	}
	t := *w.Current
	t.State = app.TicketNoShow
	w.NoShows = append(w.NoShows, t)
	w.Current = nil
	return nil
}

func (h *fakeHall) CallBack(_ context.Context, windowID, clerkID, ticketID int64) (app.Ticket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("CallBack %d %d %d", windowID, clerkID, ticketID); err != nil {
		return app.Ticket{}, err
	}
	w := h.windows[windowID]
	for i, t := range w.NoShows {
		if t.ID == ticketID {
			w.NoShows = slices.Delete(w.NoShows, i, i+1)
			h.call(w, t, false)
			return *w.Current, nil
		}
	}
	return app.Ticket{}, &app.UserError{Code: "unknown_ticket", Msg: "过号列表中没有这个号"}
}

func (h *fakeHall) Transfer(_ context.Context, req app.TransferRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("Transfer from=%d cat=%d win=%d return=%t", req.FromWindow, req.ToCategory, req.ToWindow, req.Return); err != nil {
		return err
	}
	h.windows[req.FromWindow].Current = nil
	return nil
}

func (h *fakeHall) Finish(_ context.Context, windowID int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("Finish %d", windowID); err != nil {
		return err
	}
	h.windows[windowID].Current = nil
	return nil
}

func (h *fakeHall) SetPaused(_ context.Context, windowID int64, paused bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("SetPaused %d %t", windowID, paused); err != nil {
		return err
	}
	h.windows[windowID].Paused = paused
	return nil
}

func (h *fakeHall) SignIn(_ context.Context, windowID, clerkID int64, post string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("SignIn %d %d %s", windowID, clerkID, post); err != nil {
		return err
	}
	h.windows[windowID].ClerkID, h.windows[windowID].Post = clerkID, post
	return nil
}

func (h *fakeHall) Window(_ context.Context, windowID int64) (app.WindowState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("Window %d", windowID); err != nil {
		return app.WindowState{}, err
	}
	w, ok := h.windows[windowID]
	if !ok {
		return app.WindowState{}, &app.UserError{Code: "unknown_window", Msg: "没有这个窗口"}
	}
	st := *w
	st.Waiting = len(h.waiting)
	return st, nil
}

func (h *fakeHall) Board(context.Context) (app.Board, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.log("Board"); err != nil {
		return app.Board{}, err
	}
	b := app.Board{Notice: h.notice}
	for _, id := range []int64{11, 12} {
		if w := h.windows[id]; w.Current != nil {
			b.Current = append(b.Current, app.Call{TicketID: w.Current.ID, Number: w.Current.Number, WindowID: id,
				WindowNumber: w.Number})
		}
	}
	b.Recent = h.recent[:min(6, len(h.recent))]
	for _, c := range h.cats {
		n := 0
		for _, t := range h.waiting {
			if t.CategoryID == c.ID {
				n++
			}
		}
		b.Waiting = append(b.Waiting, app.CategoryWaiting{CategoryID: c.ID, Prefix: c.Prefix, Name: c.Name, Waiting: n})
	}
	return b, nil
}

func (h *fakeHall) Subscribe(ctx context.Context) (<-chan app.HallEvent, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs++
	if err := h.log("Subscribe"); err != nil {
		return nil, err
	}
	return h.events, nil
}

func (h *fakeHall) subscriptions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.subs
}

// uiQueue stands in for fyne.Do: the screens' goroutines queue UI work, and
// the test runs it on its own goroutine, one piece at a time.
type uiQueue chan func()

func newUIQueue() uiQueue { return make(uiQueue, 64) }

func (q uiQueue) do(f func()) { q <- f }

// next runs the next piece of UI work, failing after a long wait (a hang,
// not a timing assertion).
func (q uiQueue) next(t *testing.T) {
	t.Helper()
	select {
	case f := <-q:
		f()
	case <-time.After(10 * time.Second):
		t.Fatal("no UI work arrived")
	}
}

// fakeTimers records the screens' timers; the test fires them.
type fakeTimers struct {
	pending []*fakeTimer
}

type fakeTimer struct {
	d         time.Duration
	f         func()
	cancelled bool
}

func (ft *fakeTimers) after(d time.Duration, f func()) func() {
	t := &fakeTimer{d: d, f: f}
	ft.pending = append(ft.pending, t)
	return func() { t.cancelled = true }
}

// fire runs every live timer of duration d once; it reports how many ran.
func (ft *fakeTimers) fire(d time.Duration) int {
	due := ft.pending
	ft.pending = nil
	n := 0
	for _, t := range due {
		if t.cancelled || t.d != d {
			if !t.cancelled {
				ft.pending = append(ft.pending, t)
			}
			continue
		}
		n++
		t.f()
	}
	return n
}

// fakeReg is a Registrar that records what it was asked.
type fakeReg struct {
	items    []app.ServiceItem
	reqs     []RegisterRequest
	advances []string
	err      error // returned (once) by the next Register
	nextID   int64
	txs      map[int64]app.Transaction
}

func newFakeReg() *fakeReg {
	return &fakeReg{nextID: 500, txs: map[int64]app.Transaction{}, items: []app.ServiceItem{
		{Code: "X001", Name: "居民身份证明", Instant: true, Active: true, Pinyin: "jmsfzm",
			Materials: []string{"居民身份证", "户口簿"}},
		{Code: "X002", Name: "低保申请", PromiseDays: 10, Active: true, Pinyin: "dbsq",
			Materials: []string{"申请书", "收入证明", "户口簿"}},
		{Code: "X003", Name: "高龄津贴申领", Instant: true, Active: true, Pinyin: "gljtsl"},
		{Code: "T001", Name: "新生儿出生一件事", Active: true, Pinyin: "xsecsyjs"},
	}}
}

func (r *fakeReg) SearchItems(_ context.Context, q string, limit int) ([]app.ServiceItem, error) {
	var out []app.ServiceItem
	lq := strings.ToLower(q)
	for _, it := range r.items {
		if strings.HasPrefix(strings.ToLower(it.Code), lq) || strings.HasPrefix(it.Pinyin, lq) || strings.Contains(it.Name, q) {
			out = append(out, it)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (r *fakeReg) Register(_ context.Context, actor *app.Staff, req RegisterRequest) (Registration, error) {
	if err := r.err; err != nil {
		r.err = nil
		return Registration{}, err
	}
	r.reqs = append(r.reqs, req)
	out := Registration{Missing: map[string][]string{}}
	byCode := map[string]app.ServiceItem{}
	for _, it := range r.items {
		byCode[it.Code] = it
	}
	codes := req.Items
	if req.Theme {
		codes = append([]string{req.ThemeName}, codes...)
	}
	for i, code := range codes {
		r.nextID++
		tx := app.Transaction{ID: r.nextID, Serial: fmt.Sprintf("S20260310%04d", r.nextID), ItemCode: code,
			ItemName: byCode[code].Name, Status: app.TxRegistered, WindowID: req.WindowID, ClerkID: actor.ID,
			TicketID: req.TicketID, ApplicantName: req.ApplicantName, IDMasked: app.MaskID(req.IDNumber),
			IsTheme: req.Theme && i == 0, BatchCount: req.BatchCount, Visits: 1}
		r.txs[tx.ID] = tx
		out.Transactions = append(out.Transactions, tx)
		var miss []string
		for _, m := range byCode[code].Materials {
			if !slices.Contains(req.Received[code], m) {
				miss = append(miss, m)
			}
		}
		if len(miss) > 0 {
			out.Missing[code] = miss
		}
	}
	return out, nil
}

func (r *fakeReg) Advance(_ context.Context, actor *app.Staff, txID int64, to app.TxStatus, note string) ([]app.Transaction, error) {
	r.advances = append(r.advances, fmt.Sprintf("%d %s %s", txID, to, note))
	tx := r.txs[txID]
	tx.Status = to
	r.txs[txID] = tx
	return []app.Transaction{tx}, nil
}

// memDrafts keeps drafts in memory.
type memDrafts map[string][]byte

func (m memDrafts) Save(k string, b []byte) error { m[k] = append([]byte(nil), b...); return nil }
func (m memDrafts) Load(k string) ([]byte, error) { return m[k], nil }

// validID makes a valid ID number (GB 11643 check digit) from 17 digits.
func validID(first17 string) string {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

func key(name fyne.KeyName) *fyne.KeyEvent { return &fyne.KeyEvent{Name: name} }
