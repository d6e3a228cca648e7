package queue

import (
	"time"

	"bianmin/app"
)

// This file is the queue's decision, apart from any storage: which waiting
// ticket a window gets. Queue calls it inside the write transaction that
// claims the ticket, so the decision and the claim are one atomic step.

// PickInput is what the decision needs about one window.
type PickInput struct {
	WindowID int64
	// Categories the window serves, most preferred first: ordered by the
	// window's place (category_windows.pos) in each category, so a window is
	// the first window of its own category and a stand-in for others.
	Categories []int64
	Waiting    []app.Ticket // the waiting tickets that may be called today, any order
	Streak     int          // priority tickets called in a row at this window
	Ratio      int          // QueueSettings.PriorityRatio; <= 0 means the default
	Now        time.Time
}

// pickGroup is the window's group a waiting ticket falls in (lower first), or
// -1 when the window may not call it. Groups: 0 tickets coming back to the
// window, 1 tickets transferred straight to it, 2+i its i-th category.
func pickGroup(t app.Ticket, windowID int64, cats []int64) int {
	if t.ToWindowID != 0 {
		switch {
		case t.ToWindowID != windowID:
			return -1 // directed to another window only
		case t.Returning():
			return 0
		default:
			return 1
		}
	}
	for i, c := range cats {
		if c == t.CategoryID {
			return 2 + i
		}
	}
	return -1
}

// CanCall reports whether the window (serving cats) may call t at all.
func CanCall(t app.Ticket, windowID int64, cats []int64) bool {
	return pickGroup(t, windowID, cats) >= 0
}

// PickNext returns the index in in.Waiting of the ticket the window calls
// next, or -1 when it may call none. The order:
//
//  1. a ticket coming back to this window after a transfer (Return);
//  2. tickets transferred straight to this window;
//  3. the window's categories in its order of preference: the first
//     category with a waiting ticket is served.
//
// Within the group: appointments inside their slot first (JZ 7.1.1: 预约,
// 办理时段精准预约), by slot start; then 绿色通道 tickets (JZ 4.2.2.4) before
// ordinary ones — unless the window has called Ratio of them in a row and an
// ordinary ticket waits in the group, which then goes first, so ordinary
// tickets are never starved; within each class, issued-at order. An
// appointment before its slot, or after SlotEnd, is an ordinary ticket.
func PickNext(in PickInput) int {
	ratio := in.Ratio
	if ratio <= 0 {
		ratio = DefaultPriorityRatio
	}
	best := -1
	for i, t := range in.Waiting {
		g := pickGroup(t, in.WindowID, in.Categories)
		if g < 0 {
			continue
		}
		if best < 0 || g < pickGroup(in.Waiting[best], in.WindowID, in.Categories) {
			best = i
		}
	}
	if best < 0 {
		return -1
	}
	group := pickGroup(in.Waiting[best], in.WindowID, in.Categories)
	ordinaryFirst := false
	if in.Streak >= ratio {
		for _, t := range in.Waiting {
			if pickGroup(t, in.WindowID, in.Categories) == group && !t.InSlot(in.Now) && !t.IsPriority() {
				ordinaryFirst = true
				break
			}
		}
	}
	class := func(t app.Ticket) int {
		switch {
		case t.InSlot(in.Now):
			return 0
		case t.IsPriority() != ordinaryFirst:
			return 1
		default:
			return 2
		}
	}
	best = -1
	var bc int
	for i, t := range in.Waiting {
		if pickGroup(t, in.WindowID, in.Categories) != group {
			continue
		}
		c := class(t)
		if best < 0 || c < bc || (c == bc && t.Before(in.Waiting[best], c == 0)) {
			best, bc = i, c
		}
	}
	return best
}

// NextStreak is the window's priority streak after it called t.
func NextStreak(streak int, t app.Ticket) int {
	if t.IsPriority() {
		return streak + 1
	}
	return 0
}
