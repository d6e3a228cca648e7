package queue_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
	"bianmin/storage"
)

// The queue on a real database file (storage) with a fake clock.

// hall is a small centre: windows 1 and 2 serve 综合受理 (A), window 3 serves
// 缴费 (B) with window 2 as its stand-in; clerks 张三 (A post) and 李四 (B
// post) on window 1.
type hall struct {
	t              *testing.T
	ctx            context.Context
	db             *storage.DB
	q              *queue.Queue
	clk            *app.FakeClock
	w1, w2, w3     int64
	catA, catB     int64
	clerk1, clerk2 int64
}

// hallT0 is Monday 2025-03-03 09:00 China time.
var hallT0 = time.Date(2025, 3, 3, 9, 0, 0, 0, app.ChinaTime)

func newHall(t *testing.T) *hall {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "bianmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &hall{t: t, ctx: context.Background(), db: db, clk: app.NewFakeClock(hallT0)}
	db.SetClock(h.clk)
	must := func(id int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	h.w1 = must(db.AddWindow(h.ctx, app.Window{Number: 1, Name: "综合受理窗口", Kind: "综合受理", Active: true}))
	h.w2 = must(db.AddWindow(h.ctx, app.Window{Number: 2, Name: "综合受理窗口", Kind: "综合受理", Active: true}))
	h.w3 = must(db.AddWindow(h.ctx, app.Window{Number: 3, Name: "缴费窗口", Kind: "专窗", Active: true}))
	h.catA = must(db.AddCategory(h.ctx, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: []int64{h.w1, h.w2}}))
	h.catB = must(db.AddCategory(h.ctx, app.QueueCategory{Prefix: "B", Name: "缴费", Windows: []int64{h.w3, h.w2}}))
	h.clerk1 = must(db.AddStaff(h.ctx, app.Staff{No: "0001", Name: "张三", Role: app.RoleClerk, Active: true}))
	h.clerk2 = must(db.AddStaff(h.ctx, app.Staff{No: "0002", Name: "李四", Role: app.RoleClerk, Active: true}))
	for _, p := range []app.Post{{WindowID: h.w1, StaffID: h.clerk1, Post: "A"}, {WindowID: h.w1, StaffID: h.clerk2, Post: "B"}} {
		if err := db.SetPost(h.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	h.q = queue.New(db, h.clk, nil)
	return h
}

func (h *hall) issue(cat int64, p app.PriorityKind) app.Ticket {
	h.t.Helper()
	it, err := h.q.Issue(h.ctx, app.IssueRequest{CategoryID: cat, Priority: p})
	if err != nil {
		h.t.Fatal(err)
	}
	return it.Ticket
}

func (h *hall) next(w int64) app.Ticket {
	h.t.Helper()
	t, err := h.q.CallNext(h.ctx, w, 0)
	if err != nil {
		h.t.Fatalf("CallNext(%d): %v", w, err)
	}
	return t
}

// wantNext calls the window and checks the number called.
func (h *hall) wantNext(w int64, number string) app.Ticket {
	h.t.Helper()
	t := h.next(w)
	if t.Number != number {
		h.t.Fatalf("window %d called %s, want %s", w, t.Number, number)
	}
	return t
}

func (h *hall) window(w int64) app.WindowState {
	h.t.Helper()
	s, err := h.q.Window(h.ctx, w)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// issued returns the tickets of the day as the monthly report reads them.
func (h *hall) issued(day time.Time) map[string]app.Ticket {
	h.t.Helper()
	ts, err := h.db.TicketsIssued(h.ctx, day, day.AddDate(0, 0, 1))
	if err != nil {
		h.t.Fatal(err)
	}
	m := map[string]app.Ticket{}
	for _, t := range ts {
		m[t.Number] = t
	}
	return m
}

func wantCode(t *testing.T, err error, code app.Code) {
	t.Helper()
	if got := app.ErrorCode(err); got != code {
		t.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
	if app.UserMessage(err) == "" {
		t.Fatal("no Chinese message")
	}
}

func TestQueueIssueNumbering(t *testing.T) {
	h := newHall(t)
	a1 := h.issue(h.catA, "")
	h.clk.Advance(time.Minute)
	a2, err := h.q.Issue(h.ctx, app.IssueRequest{CategoryID: h.catA})
	if err != nil {
		t.Fatal(err)
	}
	b1 := h.issue(h.catB, app.PriorityElderly)
	if a1.Number != "A001" || a2.Ticket.Number != "A002" || b1.Number != "B001" {
		t.Fatalf("numbers %s %s %s", a1.Number, a2.Ticket.Number, b1.Number)
	}
	if a2.Ahead != 1 || a2.Category.Name != "综合受理" || a2.Ticket.State != app.TicketWaiting || a2.Ticket.Day != "2025-03-03" {
		t.Fatalf("issued %+v", a2)
	}
	if !b1.Priority || b1.PriorityKind != app.PriorityElderly {
		t.Fatalf("priority ticket %+v", b1)
	}
	_, err = h.q.Issue(h.ctx, app.IssueRequest{CategoryID: 99})
	wantCode(t, err, "unknown_category")
	_, err = h.q.Issue(h.ctx, app.IssueRequest{CategoryID: h.catA, SlotStart: hallT0, SlotEnd: hallT0})
	wantCode(t, err, "invalid_slot")
}

// A new day (China date) starts at 001 and, by default, with an empty queue:
// yesterday's waiting tickets stay in the table, never called, for the report.
func TestQueueDailyReset(t *testing.T) {
	h := newHall(t)
	h.issue(h.catA, "")
	h.issue(h.catA, "")
	h.wantNext(h.w1, "A001")
	// 23:59 the same day, then 00:01 the next (China time).
	h.clk.Set(time.Date(2025, 3, 3, 23, 59, 0, 0, app.ChinaTime))
	if n := h.issue(h.catA, "").Number; n != "A003" {
		t.Fatalf("late ticket %s", n)
	}
	h.clk.Set(time.Date(2025, 3, 4, 0, 1, 0, 0, app.ChinaTime))
	// Window 1 never finished A001: its counter still shows it, the hall
	// display does not.
	if c := h.window(h.w1).Current; c == nil || c.Number != "A001" {
		t.Fatalf("window 1 current %+v", c)
	}
	if b, err := h.q.Board(h.ctx); err != nil || len(b.Current) != 0 || len(b.Recent) != 0 {
		t.Fatalf("board of the new day %+v, %v", b, err)
	}
	if w := h.window(h.w2).Waiting; w != 0 {
		t.Fatalf("%d of yesterday's tickets callable today", w)
	}
	_, err := h.q.CallNext(h.ctx, h.w2, 0)
	wantCode(t, err, "queue_empty")
	if app.UserMessage(err) != "当前没有等候的号" {
		t.Fatalf("message %q", app.UserMessage(err))
	}
	a := h.issue(h.catA, "")
	if a.Number != "A001" || a.Day != "2025-03-04" {
		t.Fatalf("today's first ticket %s %s", a.Number, a.Day)
	}
	h.wantNext(h.w2, "A001")

	yesterday := h.issued(app.Date(2025, 3, 3))
	if len(yesterday) != 3 {
		t.Fatalf("yesterday %d tickets", len(yesterday))
	}
	if a2 := yesterday["A002"]; !a2.CalledAt.IsZero() || a2.NoShow {
		t.Fatalf("A002 should read as not called: %+v", a2)
	}
}

// KeepOvernight: yesterday's waiting tickets are called first today, and
// today's numbers continue after them.
func TestQueueKeepOvernight(t *testing.T) {
	h := newHall(t)
	s, err := h.q.Settings(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.KeepOvernight = true
	if err := h.q.SaveSettings(h.ctx, s); err != nil {
		t.Fatal(err)
	}
	h.issue(h.catA, "")
	h.issue(h.catA, "")
	h.clk.Set(time.Date(2025, 3, 4, 8, 30, 0, 0, app.ChinaTime))
	if n := h.issue(h.catA, "").Number; n != "A003" {
		t.Fatalf("today's first number %s, want A003 after the carried A001, A002", n)
	}
	if w := h.window(h.w1).Waiting; w != 3 {
		t.Fatalf("waiting %d", w)
	}
	h.wantNext(h.w1, "A001")
	h.wantNext(h.w1, "A002")
	h.wantNext(h.w1, "A003")
}

// Issue order, finishing on the next call, and what the monthly report reads.
func TestQueueCallAndFinish(t *testing.T) {
	h := newHall(t)
	h.issue(h.catA, "")
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "")
	h.clk.Advance(4 * time.Minute)
	a1 := h.wantNext(h.w1, "A001")
	if a1.State != app.TicketCalled || a1.WindowID != h.w1 || a1.Calls != 1 || !a1.CalledAt.Equal(h.clk.Now()) {
		t.Fatalf("called %+v", a1)
	}
	h.clk.Advance(6 * time.Minute)
	h.wantNext(h.w2, "A002")
	h.clk.Advance(time.Minute)
	if err := h.q.Finish(h.ctx, h.w1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.q.Finish(h.ctx, h.w1), "no_current")
	if c := h.window(h.w1).Current; c != nil {
		t.Fatalf("still current %+v", c)
	}
	got := h.issued(app.Date(2025, 3, 3))["A001"]
	if got.CalledAt.Sub(got.IssuedAt) != 5*time.Minute || got.DoneAt.Sub(got.ServedAt) != 7*time.Minute || got.NoShow || got.WindowID != h.w1 {
		t.Fatalf("report reads %+v", got)
	}
	// CallNext finishes the current ticket even when nothing else waits.
	h.clk.Advance(time.Minute)
	_, err := h.q.CallNext(h.ctx, h.w2, 0)
	wantCode(t, err, "queue_empty")
	if got := h.issued(app.Date(2025, 3, 3))["A002"]; got.DoneAt.IsZero() {
		t.Fatalf("A002 not finished: %+v", got)
	}
	_, err = h.q.CallNext(h.ctx, 999, 0)
	wantCode(t, err, "unknown_window")
}

// Window 2 is first for A and stand-in for B; window 3 is first for B.
func TestQueueWindowPreference(t *testing.T) {
	h := newHall(t)
	h.issue(h.catB, "")
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "")
	h.wantNext(h.w2, "A001") // its own category first, though B001 is older
	h.wantNext(h.w2, "B001") // then stands in for B
	_, err := h.q.CallNext(h.ctx, h.w1, 0)
	wantCode(t, err, "queue_empty")
}

// 绿色通道: priority first, but after PriorityRatio in a row an ordinary ticket;
// the streak is the window's and survives a new Queue on the same file.
func TestQueuePriorityRatio(t *testing.T) {
	h := newHall(t)
	h.issue(h.catA, "") // A001 ordinary
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "") // A002 ordinary
	for range 5 {
		h.clk.Advance(time.Minute)
		h.issue(h.catA, app.PriorityDisabled) // A003 … A007
	}
	h.wantNext(h.w1, "A003")
	h.wantNext(h.w1, "A004")
	h.q = queue.New(h.db, h.clk, nil) // a restart between calls
	h.wantNext(h.w1, "A005")
	h.wantNext(h.w1, "A001") // 3 in a row: an ordinary one
	h.wantNext(h.w1, "A006")
	// Another window has its own streak.
	h.wantNext(h.w2, "A007")
	h.wantNext(h.w2, "A002")
}

func TestQueueAppointments(t *testing.T) {
	h := newHall(t)
	h.issue(h.catA, "") // A001, 9:00
	h.clk.Advance(5 * time.Minute)
	appt, err := h.q.Issue(h.ctx, app.IssueRequest{CategoryID: h.catA, Phone: "13800000000",
		SlotStart: hallT0.Add(30 * time.Minute), SlotEnd: hallT0.Add(60 * time.Minute)}) // A002, 9:30–10:00
	if err != nil {
		t.Fatal(err)
	}
	if appt.Ticket.Phone != "13800000000" || !appt.Ticket.SlotStart.Equal(hallT0.Add(30*time.Minute)) {
		t.Fatalf("appointment %+v", appt.Ticket)
	}
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "") // A003, 9:06
	h.clk.Set(hallT0.Add(20 * time.Minute))
	h.wantNext(h.w1, "A001") // before the slot the appointment is ordinary
	h.clk.Set(hallT0.Add(35 * time.Minute))
	h.wantNext(h.w1, "A002") // inside its slot: before A003

	// A missed slot: an ordinary ticket by issue time.
	h.clk.Set(hallT0.Add(40 * time.Minute))
	h.issue(h.catA, "") // A004, 9:40
	late, err := h.q.Issue(h.ctx, app.IssueRequest{CategoryID: h.catA,
		SlotStart: hallT0.Add(30 * time.Minute), SlotEnd: hallT0.Add(45 * time.Minute)}) // A005
	if err != nil {
		t.Fatal(err)
	}
	h.clk.Set(hallT0.Add(50 * time.Minute))
	h.wantNext(h.w1, "A003")
	h.wantNext(h.w1, "A004")
	h.wantNext(h.w1, late.Ticket.Number)
}

func TestQueueTransferAndReturn(t *testing.T) {
	h := newHall(t)
	h.issue(h.catA, "") // A001
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "") // A002
	h.clk.Advance(time.Minute)
	h.issue(h.catB, "") // B001
	h.wantNext(h.w1, "A001")

	// 收件 → 缴费 → back to window 1.
	err := h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToCategory: h.catB, Return: true})
	if err != nil {
		t.Fatal(err)
	}
	if h.window(h.w1).Current != nil {
		t.Fatal("window 1 still serves the transferred ticket")
	}
	// Issued 9:00, it goes before B001 (9:02) in 缴费, keeping its number.
	a1 := h.wantNext(h.w3, "A001")
	if a1.CategoryID != h.catB || a1.Calls != 2 {
		t.Fatalf("transferred ticket %+v", a1)
	}
	if err := h.q.Finish(h.ctx, h.w3); err != nil {
		t.Fatal(err)
	}
	h.issue(h.catA, "") // A003
	// Waiting for window 1 only: window 2 takes A002, window 1 gets A001 back first.
	if w := h.window(h.w2).Waiting; w != 3 { // A002, A003, B001
		t.Fatalf("window 2 can call %d", w)
	}
	h.wantNext(h.w2, "A002")
	h.wantNext(h.w1, "A001")
	h.wantNext(h.w1, "A003") // A001 is now done, not sent anywhere again
	got := h.issued(app.Date(2025, 3, 3))["A001"]
	if got.DoneAt.IsZero() || got.WindowID != h.w1 {
		t.Fatalf("A001 after the round trip %+v", got)
	}

	// Straight to window 3, no return: only window 3 may call it.
	if err := h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToWindow: h.w3}); err != nil {
		t.Fatal(err)
	}
	h.wantNext(h.w2, "B001")
	_, err = h.q.CallNext(h.ctx, h.w2, 0)
	wantCode(t, err, "queue_empty")
	h.wantNext(h.w3, "A003")
	if err := h.q.Finish(h.ctx, h.w3); err != nil {
		t.Fatal(err)
	}
	if w := h.window(h.w1).Waiting; w != 0 {
		t.Fatalf("A003 came back without Return (%d waiting)", w)
	}

	wantCode(t, h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToCategory: h.catB}), "no_current")
	h.issue(h.catA, "")
	h.next(h.w1)
	wantCode(t, h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToCategory: 99}), "unknown_category")
	wantCode(t, h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToWindow: 99}), "unknown_window")
	wantCode(t, h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1}), "invalid_transfer")
	wantCode(t, h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToWindow: h.w1}), "invalid_transfer")
}

func TestQueueNoShowAndCallBack(t *testing.T) {
	h := newHall(t)
	for range 3 {
		h.issue(h.catA, "")
		h.clk.Advance(time.Minute)
	}
	a1 := h.wantNext(h.w1, "A001")
	if _, err := h.q.Recall(h.ctx, h.w1); err != nil {
		t.Fatal(err)
	}
	if err := h.q.NoShow(h.ctx, h.w1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.q.NoShow(h.ctx, h.w1), "no_current")
	_, err := h.q.Recall(h.ctx, h.w1)
	wantCode(t, err, "no_current")
	for _, w := range []int64{h.w1, h.w2} {
		if ns := h.window(w).NoShows; len(ns) != 1 || ns[0].ID != a1.ID || ns[0].State != app.TicketNoShow {
			t.Fatalf("window %d recall list %+v", w, ns)
		}
	}
	if ns := h.window(h.w3).NoShows; len(ns) != 0 {
		t.Fatalf("window 3 (缴费) sees the 综合受理 recall list: %+v", ns)
	}
	h.wantNext(h.w1, "A002")
	_, err = h.q.CallBack(h.ctx, h.w3, 0, a1.ID)
	wantCode(t, err, "not_in_recall")

	h.clk.Advance(3 * time.Minute)
	back, err := h.q.CallBack(h.ctx, h.w1, h.clerk1, a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.State != app.TicketCalled || back.NoShow || back.Calls != 3 || back.ClerkID != h.clerk1 {
		t.Fatalf("called back %+v", back)
	}
	if len(h.window(h.w1).NoShows) != 0 {
		t.Fatal("still on the recall list")
	}
	_, err = h.q.CallBack(h.ctx, h.w1, 0, a1.ID)
	wantCode(t, err, "not_in_recall")
	// A003 is missed for good: the report counts a no-show, A002 (finished
	// by the call back) is served, A001 served from the call back.
	h.wantNext(h.w2, "A003")
	if err := h.q.NoShow(h.ctx, h.w2); err != nil {
		t.Fatal(err)
	}
	rep := h.issued(app.Date(2025, 3, 3))
	if a := rep["A001"]; a.NoShow || a.CalledAt.Sub(a.IssuedAt) != 3*time.Minute || !a.ServedAt.Equal(h.clk.Now()) {
		t.Fatalf("A001 %+v", a)
	}
	if a := rep["A002"]; a.NoShow || a.DoneAt.IsZero() {
		t.Fatalf("A002 %+v", a)
	}
	if a := rep["A003"]; !a.NoShow || a.CalledAt.IsZero() {
		t.Fatalf("A003 %+v", a)
	}
}

func TestQueuePause(t *testing.T) {
	h := newHall(t)
	a1 := h.issue(h.catA, "")
	h.issue(h.catA, "")
	if err := h.q.SetPaused(h.ctx, h.w1, true); err != nil {
		t.Fatal(err)
	}
	_, err := h.q.CallNext(h.ctx, h.w1, 0)
	wantCode(t, err, "window_paused")
	if !h.window(h.w1).Paused {
		t.Fatal("not paused")
	}
	h.wantNext(h.w2, "A001")
	if err := h.q.NoShow(h.ctx, h.w2); err != nil {
		t.Fatal(err)
	}
	_, err = h.q.CallBack(h.ctx, h.w1, 0, a1.ID)
	wantCode(t, err, "window_paused")
	if err := h.q.SetPaused(h.ctx, h.w1, false); err != nil {
		t.Fatal(err)
	}
	h.wantNext(h.w1, "A002")
	wantCode(t, h.q.SetPaused(h.ctx, 999, true), "unknown_window")
}

// AB岗 (JZ 7.6.4): B signs in while A is away and is the window's clerk.
func TestQueueSignIn(t *testing.T) {
	h := newHall(t)
	if err := h.q.SignIn(h.ctx, h.w1, h.clerk1, "A"); err != nil {
		t.Fatal(err)
	}
	if s := h.window(h.w1); s.ClerkID != h.clerk1 || s.Post != "A" {
		t.Fatalf("window %+v", s)
	}
	if err := h.q.SignIn(h.ctx, h.w1, h.clerk2, "B"); err != nil {
		t.Fatal(err)
	}
	if s := h.window(h.w1); s.ClerkID != h.clerk2 || s.Post != "B" {
		t.Fatalf("window %+v", s)
	}
	h.issue(h.catA, "")
	if got := h.next(h.w1); got.ClerkID != h.clerk2 {
		t.Fatalf("served by %d, want the B clerk %d", got.ClerkID, h.clerk2)
	}
	wantCode(t, h.q.SignIn(h.ctx, h.w1, h.clerk2, "A"), "not_on_post")
	wantCode(t, h.q.SignIn(h.ctx, h.w1, h.clerk1, "C"), "invalid_post")
	wantCode(t, h.q.SignIn(h.ctx, h.w1, 999, "A"), "unknown_clerk")
	// Window 2 has no posts set up: any active clerk may sign in; 李四 then
	// leaves window 1.
	if err := h.q.SignIn(h.ctx, h.w2, h.clerk2, "A"); err != nil {
		t.Fatal(err)
	}
	if s := h.window(h.w1); s.ClerkID != 0 {
		t.Fatalf("李四 still at window 1: %+v", s)
	}
	if s := h.window(h.w2); s.ClerkID != h.clerk2 {
		t.Fatalf("window 2 %+v", s)
	}
	if err := h.q.SignIn(h.ctx, h.w1, h.clerk1, "A"); err != nil {
		t.Fatal(err)
	}
	if err := h.q.SignIn(h.ctx, h.w1, 0, ""); err != nil {
		t.Fatal(err)
	}
	if s := h.window(h.w1); s.ClerkID != 0 || s.Post != "" {
		t.Fatalf("signed out window %+v", s)
	}
}

func TestQueueBoard(t *testing.T) {
	h := newHall(t)
	for range 8 {
		h.issue(h.catA, "")
		h.clk.Advance(time.Minute)
	}
	h.issue(h.catB, "")
	s, _ := h.q.Settings(h.ctx)
	s.Notice = "请携带身份证原件"
	if err := h.q.SaveSettings(h.ctx, s); err != nil {
		t.Fatal(err)
	}
	for range 4 { // window 1 calls A001–A004, window 2 A005–A007
		h.clk.Advance(time.Minute)
		h.next(h.w1)
	}
	for range 3 {
		h.clk.Advance(time.Minute)
		h.next(h.w2)
	}
	h.clk.Advance(time.Minute)
	if _, err := h.q.Recall(h.ctx, h.w1); err != nil { // A004 again
		t.Fatal(err)
	}
	b, err := h.q.Board(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Current) != 2 || b.Current[0].WindowNumber != 1 || b.Current[0].Number != "A004" ||
		b.Current[1].WindowNumber != 2 || b.Current[1].Number != "A007" || b.Current[0].Category != "综合受理" {
		t.Fatalf("current %+v", b.Current)
	}
	if !b.Current[0].At.Equal(h.clk.Now()) {
		t.Fatalf("current call time %v (the recall)", b.Current[0].At)
	}
	var recent []string
	for _, c := range b.Recent {
		recent = append(recent, c.Number)
	}
	if want := []string{"A004", "A007", "A006", "A005", "A003", "A002"}; !equal(recent, want) {
		t.Fatalf("recent %v, want %v", recent, want)
	}
	if !b.Recent[0].Recall || b.Recent[1].Recall {
		t.Fatalf("recall flags %+v", b.Recent[:2])
	}
	if len(b.Waiting) != 2 || b.Waiting[0].Prefix != "A" || b.Waiting[0].Waiting != 1 || b.Waiting[1].Waiting != 1 {
		t.Fatalf("waiting %+v", b.Waiting)
	}
	if b.Notice != "请携带身份证原件" {
		t.Fatalf("notice %q", b.Notice)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQueueSettings(t *testing.T) {
	h := newHall(t)
	s, err := h.q.Settings(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s != (app.QueueSettings{PriorityRatio: 3, Repeat: 2}) {
		t.Fatalf("defaults %+v", s)
	}
	want := app.QueueSettings{PriorityRatio: 5, KeepOvernight: true, Notice: "午休 12:00–14:00", Repeat: 3}
	if err := h.q.SaveSettings(h.ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.q.Settings(h.ctx); got != want {
		t.Fatalf("read back %+v", got)
	}
	kv, _ := h.db.Settings(h.ctx, "queue.")
	if kv["queue.priority_ratio"] != "5" {
		t.Fatalf("stored %v", kv)
	}
	wantCode(t, h.q.SaveSettings(h.ctx, app.QueueSettings{PriorityRatio: 0, Repeat: 2}), "invalid_setting")
	wantCode(t, h.q.SaveSettings(h.ctx, app.QueueSettings{PriorityRatio: 3, Repeat: 0}), "invalid_setting")
}

// Every change is an event, numbered without gaps, in the order it happened.
func TestQueueEvents(t *testing.T) {
	h := newHall(t)
	ctx, cancel := context.WithCancel(h.ctx)
	ch, err := h.q.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.issue(h.catA, "")
	h.issue(h.catA, "")
	h.next(h.w1)
	if _, err := h.q.Recall(h.ctx, h.w1); err != nil {
		t.Fatal(err)
	}
	h.next(h.w1) // finishes A001, calls A002
	if err := h.q.NoShow(h.ctx, h.w1); err != nil {
		t.Fatal(err)
	}
	if err := h.q.SetPaused(h.ctx, h.w1, true); err != nil {
		t.Fatal(err)
	}
	h.q.Publish(app.HallEvent{Kind: app.EventRated, WindowID: h.w1})
	_, err = h.q.CallNext(h.ctx, h.w1, 0) // refused: no event
	wantCode(t, err, "window_paused")
	cancel()
	var got []app.HallEvent
	for ev := range ch {
		got = append(got, ev)
	}
	want := []app.EventKind{app.EventIssued, app.EventIssued, app.EventCalled, app.EventCalled, app.EventFinished,
		app.EventCalled, app.EventFinished, app.EventWindow, app.EventRated}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i, ev := range got {
		if ev.Kind != want[i] || ev.Seq != got[0].Seq+int64(i) || ev.At.IsZero() {
			t.Fatalf("event %d: %+v, want kind %s", i, ev, want[i])
		}
	}
	if h.q.Seq() != got[len(got)-1].Seq {
		t.Fatalf("Seq %d, last event %d", h.q.Seq(), got[len(got)-1].Seq)
	}
	if c := got[3].Call; c == nil || !c.Recall || c.Number != "A001" || c.WindowNumber != 1 {
		t.Fatalf("recall event %+v", got[3].Call)
	}
	if c := got[5].Call; c == nil || c.Recall || c.Number != "A002" {
		t.Fatalf("call event %+v", got[5].Call)
	}
	if tk := got[4].Ticket; tk == nil || tk.Number != "A001" || tk.State != app.TicketDone {
		t.Fatalf("finished event %+v", got[4].Ticket)
	}
}

// A display that stops reading its events does not hold up the windows: it
// misses events (and sees the Seq gap) while tickets are issued and called.
func TestQueueSlowSubscriberDoesNotBlock(t *testing.T) {
	h := newHall(t)
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	stuck, _ := h.q.Subscribe(ctx)
	for range app.SubscriberBuffer + 5 {
		h.issue(h.catA, "")
	}
	h.next(h.w1)
	first := <-stuck
	var last app.HallEvent
	for range app.SubscriberBuffer - 1 {
		last = <-stuck
	}
	if last.Seq != first.Seq+int64(app.SubscriberBuffer-1) {
		t.Fatalf("buffered events %d..%d", first.Seq, last.Seq)
	}
	h.q.Publish(app.HallEvent{Kind: app.EventRated, WindowID: h.w1})
	if ev := <-stuck; ev.Seq <= last.Seq+1 {
		t.Fatalf("no gap: %d after %d", ev.Seq, last.Seq)
	}
}

// What a call returns is what is stored: times at the store's precision.
func TestQueueReturnsStoredTicket(t *testing.T) {
	h := newHall(t)
	h.clk.Set(hallT0.Add(123456789 * time.Nanosecond))
	issued := h.issue(h.catA, "")
	called := h.next(h.w1)
	if !called.IssuedAt.Equal(issued.IssuedAt) || called.IssuedAt != issued.IssuedAt {
		t.Fatalf("issued at %v, read back %v", issued.IssuedAt, called.IssuedAt)
	}
	cur := h.window(h.w1).Current
	if cur == nil || *cur != called {
		t.Fatalf("current %+v\ncalled %+v", cur, called)
	}
}

// Sent straight to a window with Return: only that window calls it, and
// finishing it there sends it back to the first window, ahead of its queue.
func TestQueueTransferToWindowAndBack(t *testing.T) {
	h := newHall(t)
	h.issue(h.catA, "") // A001
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "") // A002
	h.wantNext(h.w1, "A001")
	if err := h.q.Transfer(h.ctx, app.TransferRequest{FromWindow: h.w1, ToWindow: h.w3, Return: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := h.q.Board(h.ctx); b.Waiting[0].Waiting != 2 { // A001 (for window 3) and A002
		t.Fatalf("board waiting %+v", b.Waiting)
	}
	if w := h.window(h.w2).Waiting; w != 1 {
		t.Fatalf("window 2 may call %d, want only A002", w)
	}
	if got := h.wantNext(h.w3, "A001"); got.CategoryID != h.catA {
		t.Fatalf("category changed: %+v", got)
	}
	h.clk.Advance(time.Minute)
	h.issue(h.catA, "") // A003
	if _, err := h.q.CallNext(h.ctx, h.w3, 0); app.ErrorCode(err) != "queue_empty" {
		t.Fatalf("window 3: %v", err) // A001 went back to window 1, A002/A003 are not window 3's
	}
	h.wantNext(h.w1, "A001")
	h.wantNext(h.w1, "A002")
	if got := h.issued(app.Date(2025, 3, 3))["A001"]; got.DoneAt.IsZero() || got.WindowID != h.w1 {
		t.Fatalf("A001 %+v", got)
	}
}
