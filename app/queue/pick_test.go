package queue

import (
	"math/rand/v2"
	"testing"
	"time"

	"bianmin/app"
)

// The decision alone: which waiting ticket a window calls.

var pickNow = time.Date(2025, 3, 3, 10, 0, 0, 0, app.ChinaTime)

// tk builds a waiting ticket issued `min` minutes before pickNow.
func tk(id, cat int64, min int) app.Ticket {
	return app.Ticket{ID: id, CategoryID: cat, Number: "T", State: app.TicketWaiting, IssuedAt: pickNow.Add(-time.Duration(min) * time.Minute)}
}

func prio(t app.Ticket) app.Ticket { t.Priority, t.PriorityKind = true, app.PriorityElderly; return t }

func slot(t app.Ticket, from, to int) app.Ticket { // minutes from pickNow
	t.SlotStart = pickNow.Add(time.Duration(from) * time.Minute)
	t.SlotEnd = pickNow.Add(time.Duration(to) * time.Minute)
	return t
}

func pickID(t *testing.T, in PickInput) int64 {
	t.Helper()
	if in.Now.IsZero() {
		in.Now = pickNow
	}
	i := PickNext(in)
	if i < 0 {
		return 0
	}
	return in.Waiting[i].ID
}

func TestQueuePickIssuedOrder(t *testing.T) {
	w := []app.Ticket{tk(1, 1, 5), tk(2, 1, 30), tk(3, 1, 10)}
	if got := pickID(t, PickInput{WindowID: 9, Categories: []int64{1}, Waiting: w}); got != 2 {
		t.Fatalf("picked %d, want the oldest (2)", got)
	}
	// Same issue time: the lower ID (stored first).
	w = []app.Ticket{tk(5, 1, 5), tk(4, 1, 5)}
	if got := pickID(t, PickInput{WindowID: 9, Categories: []int64{1}, Waiting: w}); got != 4 {
		t.Fatalf("picked %d, want 4", got)
	}
}

func TestQueuePickCategoriesAndPreference(t *testing.T) {
	w := []app.Ticket{tk(1, 3, 60), tk(2, 2, 5), tk(3, 1, 1)}
	// Not served at all.
	if got := pickID(t, PickInput{WindowID: 9, Categories: []int64{4}, Waiting: w}); got != 0 {
		t.Fatalf("picked %d from categories the window does not serve", got)
	}
	// The window's first category goes first even with older tickets elsewhere.
	if got := pickID(t, PickInput{WindowID: 9, Categories: []int64{1, 2, 3}, Waiting: w}); got != 3 {
		t.Fatalf("picked %d, want 3 (own category first)", got)
	}
	// Its second category when the first is empty.
	if got := pickID(t, PickInput{WindowID: 9, Categories: []int64{4, 2, 3}, Waiting: w}); got != 2 {
		t.Fatalf("picked %d, want 2", got)
	}
}

func TestQueuePickDirectedAndReturning(t *testing.T) {
	other := tk(1, 1, 60)
	other.ToWindowID = 8 // transferred straight to window 8
	mine := tk(2, 5, 1)  // a category window 9 does not serve, but sent to it
	mine.ToWindowID = 9
	back := tk(3, 2, 0) // coming back to window 9 after a transfer with Return
	back.ToWindowID, back.ReturnWindow = 9, 9
	plain := tk(4, 1, 30)
	in := PickInput{WindowID: 9, Categories: []int64{1}, Waiting: []app.Ticket{other, mine, back, plain}}
	if got := pickID(t, in); got != 3 {
		t.Fatalf("picked %d, want the returning ticket 3", got)
	}
	in.Waiting = []app.Ticket{other, mine, plain}
	if got := pickID(t, in); got != 2 {
		t.Fatalf("picked %d, want the ticket sent to this window (2)", got)
	}
	in.Waiting = []app.Ticket{other, plain}
	if got := pickID(t, in); got != 4 {
		t.Fatalf("picked %d: a ticket sent to window 8 is for window 8 only", got)
	}
	if got := pickID(t, PickInput{WindowID: 8, Categories: nil, Waiting: []app.Ticket{other, plain}}); got != 1 {
		t.Fatalf("window 8 picked %d, want 1", got)
	}
}

func TestQueuePickAppointments(t *testing.T) {
	early := slot(tk(1, 1, 2), 30, 60)   // before its slot: ordinary
	inside := slot(tk(2, 1, 1), -10, 20) // inside: before ordinary tickets
	missed := slot(tk(3, 1, 90), -60, 0) // slot ended at pickNow: ordinary
	walkIn := tk(4, 1, 40)
	p := prio(tk(5, 1, 50))
	in := PickInput{WindowID: 9, Categories: []int64{1}, Waiting: []app.Ticket{early, inside, missed, walkIn, p}}
	if got := pickID(t, in); got != 2 {
		t.Fatalf("picked %d, want the appointment inside its slot (2)", got)
	}
	in.Waiting = []app.Ticket{early, missed, walkIn}
	if got := pickID(t, in); got != 3 {
		t.Fatalf("picked %d, want the missed appointment by issue time (3)", got)
	}
	// Two inside their slots: the earlier slot first.
	a := slot(tk(6, 1, 1), -5, 25)
	b := slot(tk(7, 1, 50), 0, 30)
	in.Waiting = []app.Ticket{b, a}
	if got := pickID(t, in); got != 6 {
		t.Fatalf("picked %d, want the earlier slot (6)", got)
	}
}

func TestQueuePickPriorityRatio(t *testing.T) {
	ord := tk(1, 1, 60)
	p1, p2 := prio(tk(2, 1, 10)), prio(tk(3, 1, 5))
	in := PickInput{WindowID: 9, Categories: []int64{1}, Waiting: []app.Ticket{ord, p1, p2}, Ratio: 3}
	if got := pickID(t, in); got != 2 {
		t.Fatalf("picked %d, want the oldest priority ticket (2)", got)
	}
	in.Streak = 2
	if got := pickID(t, in); got != 2 {
		t.Fatalf("streak 2 of 3: picked %d, want 2", got)
	}
	in.Streak = 3
	if got := pickID(t, in); got != 1 {
		t.Fatalf("streak 3 of 3: picked %d, want the ordinary ticket 1", got)
	}
	// No ordinary ticket waits: priority continues.
	in.Waiting = []app.Ticket{p1, p2}
	if got := pickID(t, in); got != 2 {
		t.Fatalf("picked %d, want 2", got)
	}
	// Ratio <= 0 means the default (3).
	in = PickInput{WindowID: 9, Categories: []int64{1}, Waiting: []app.Ticket{ord, p1}, Streak: DefaultPriorityRatio}
	if got := pickID(t, in); got != 1 {
		t.Fatalf("default ratio: picked %d, want 1", got)
	}
	if NextStreak(2, p1) != 3 || NextStreak(3, ord) != 0 {
		t.Fatal("NextStreak")
	}
}

// A steady flow of priority tickets never starves ordinary ones: over many
// calls, one ordinary ticket in every Ratio+1 calls.
func TestQueuePickNoStarvation(t *testing.T) {
	var waiting []app.Ticket
	id := int64(0)
	add := func(p bool, min int) {
		id++
		x := tk(id, 1, min)
		if p {
			x = prio(x)
		}
		waiting = append(waiting, x)
	}
	for i := range 40 {
		add(false, 200-i)
		add(true, 100-i)
	}
	streak, ordinary := 0, 0
	for call := range 40 {
		i := PickNext(PickInput{WindowID: 9, Categories: []int64{1}, Waiting: waiting, Streak: streak, Ratio: 3, Now: pickNow})
		got := waiting[i]
		waiting = append(waiting[:i], waiting[i+1:]...)
		streak = NextStreak(streak, got)
		if !got.IsPriority() {
			ordinary++
		}
		if (call+1)%4 == 0 && got.IsPriority() {
			t.Fatalf("call %d: a priority ticket after 3 in a row with ordinary tickets waiting", call+1)
		}
	}
	if ordinary != 10 {
		t.Fatalf("%d ordinary tickets in 40 calls, want 10", ordinary)
	}
}

// randomWaiting is a mixed hall: 3 categories, tickets sent to windows 8 and
// 9 (some coming back), 绿色通道, appointments before, inside and after their
// slots, equal issue times.
func randomWaiting(r *rand.Rand, n int) []app.Ticket {
	var out []app.Ticket
	for i := range n {
		t := tk(int64(i+1), 1+r.Int64N(3), r.IntN(40))
		if r.IntN(4) == 0 {
			t = prio(t)
		}
		if r.IntN(5) == 0 {
			a := r.IntN(60) - 30
			t = slot(t, a, a+15)
		}
		switch r.IntN(8) {
		case 0:
			t.ToWindowID = 8 + r.Int64N(2)
		case 1:
			t.ToWindowID = 8 + r.Int64N(2)
			t.ReturnWindow = t.ToWindowID
		case 2:
			t.ReturnWindow = 8
		}
		out = append(out, t)
	}
	return out
}

// PickNext on QueueCandidates decides as on the whole queue, whatever the
// window, its categories and its streak.
func TestQueuePickCandidatesSuffice(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		waiting := randomWaiting(r, 1+r.IntN(30))
		cands := app.QueueCandidates(waiting, pickNow)
		for _, w := range []int64{8, 9} {
			cats := [][]int64{{1}, {2, 1}, {3, 2, 1}, nil}[r.IntN(4)]
			in := PickInput{WindowID: w, Categories: cats, Waiting: waiting, Streak: r.IntN(5), Ratio: 3, Now: pickNow}
			want := pickID(t, in)
			in.Waiting = cands
			if got := pickID(t, in); got != want {
				t.Fatalf("round %d window %d: candidates pick %d, whole queue %d", round, w, got, want)
			}
		}
	}
}
