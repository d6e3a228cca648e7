package app

import (
	"context"
	"errors"
	"time"
)

// This file is the contract between the queue (app/queue, storage/), the
// LAN hub (sync/lan) and the screens (counter, kiosk, hall display): the
// screens talk to a Hall, which is either the centre's queue in this process
// (standalone, hub) or a client of the hub across the LAN (counter, kiosk,
// display PCs). Both behave the same, so the screens and their tests do not
// care which one they have.

// TicketState is where a queue ticket stands.
type TicketState string

// Ticket states. A ticket is waiting until a window calls it; a called ticket
// is being served at that window until it is finished, marked no-show
// (过号: it goes to the recall list and can be called back) or transferred
// (it waits again, in another category or for another window).
const (
	TicketWaiting TicketState = "waiting"
	TicketCalled  TicketState = "called"
	TicketDone    TicketState = "done"
	TicketNoShow  TicketState = "noshow"
)

// Name is the Chinese name of the state.
func (s TicketState) Name() string {
	switch s {
	case TicketWaiting:
		return "等候中"
	case TicketCalled:
		return "办理中"
	case TicketDone:
		return "已完成"
	case TicketNoShow:
		return "过号"
	}
	return string(s)
}

// PriorityKind is why a ticket is in the 绿色通道 (green channel): served
// first within its category, but never starving ordinary tickets (see
// QueueSettings.PriorityRatio). Empty = ordinary.
type PriorityKind string

// Priority kinds (JZ 7.1: 老年人、残疾人、孕妇 等 特殊群体).
const (
	PriorityNone     PriorityKind = ""
	PriorityElderly  PriorityKind = "elderly"  // 老年人
	PriorityDisabled PriorityKind = "disabled" // 残疾人
	PriorityPregnant PriorityKind = "pregnant" // 孕妇
)

// Name is the Chinese name.
func (p PriorityKind) Name() string {
	switch p {
	case PriorityElderly:
		return "老年人"
	case PriorityDisabled:
		return "残疾人"
	case PriorityPregnant:
		return "孕妇"
	}
	return "普通"
}

// IssueRequest is what the kiosk (or a clerk taking an appointment) asks for.
type IssueRequest struct {
	CategoryID int64
	Priority   PriorityKind
	// Appointment (预约): the slot the person booked. Zero = walk-in. Inside
	// the slot the ticket goes before ordinary tickets of its category; after
	// SlotEnd it is an ordinary ticket (issued-at order).
	SlotStart, SlotEnd time.Time
	Phone              string // optional, for an appointment
}

// IssuedTicket is a new ticket with what the kiosk prints on it.
type IssuedTicket struct {
	Ticket   Ticket
	Category QueueCategory
	Ahead    int // tickets of the category waiting before this one
}

// TransferRequest moves the ticket being served at FromWindow to another
// category or straight to another window; with Return set, once that window
// finishes it, the ticket comes back to FromWindow ahead of its other waiting
// tickets (e.g. 收件 → 缴费 → back to 收件 to finish).
type TransferRequest struct {
	FromWindow int64
	ToCategory int64 // 0 = keep the category
	ToWindow   int64 // 0 = any window serving the category
	Return     bool
}

// Call is one ticket called to one window: what the hall display shows and
// the voice announces.
type Call struct {
	TicketID     int64
	Number       string // A012
	Category     string // 综合受理
	WindowID     int64
	WindowNumber int // 3 号窗口
	At           time.Time
	Recall       bool // 重呼
}

// CategoryWaiting is the waiting count of one category.
type CategoryWaiting struct {
	CategoryID int64
	Prefix     string
	Name       string
	Waiting    int
}

// Board is what the hall display shows.
type Board struct {
	Current []Call            // the ticket each window is serving now, by window number
	Recent  []Call            // the last six calls, newest first
	Waiting []CategoryWaiting // by prefix
	Notice  string            // the scrolling notice (a setting)
}

// WindowState is what a counter shows about its own window.
type WindowState struct {
	WindowID int64
	Number   int
	Paused   bool
	ClerkID  int64  // signed-in clerk (A or B post); 0 when none
	Post     string // "A" or "B"
	Current  *Ticket
	NoShows  []Ticket // today's recall list of the categories this window serves
	Waiting  int      // tickets this window could call now
}

// QueueSettings are the centre's queue settings.
type QueueSettings struct {
	// PriorityRatio: after this many priority tickets in a row at a window,
	// the next call takes an ordinary ticket if one waits (no starvation).
	// Default 3.
	PriorityRatio int
	// KeepOvernight keeps yesterday's waiting tickets callable today;
	// default false: a new day starts empty and numbering restarts at 001.
	KeepOvernight bool
	Notice        string // hall display notice
	Repeat        int    // voice: times each call is announced (default 2)
}

// EventKind names a hall event.
type EventKind string

// Hall events.
const (
	EventIssued   EventKind = "issued"   // a ticket was taken
	EventCalled   EventKind = "called"   // a ticket was called (or recalled: Call.Recall)
	EventFinished EventKind = "finished" // served, no-show, or transferred away
	EventWindow   EventKind = "window"   // a window paused, resumed, or changed clerk
	EventRated    EventKind = "rated"    // a rating was stored at a window
)

// HallEvent is one event on the hall's stream. Seq increases by one per
// event on one hub, so a client can tell it missed some (and refetch the Board).
type HallEvent struct {
	Seq      int64
	Kind     EventKind
	At       time.Time
	Call     *Call   // EventCalled
	Ticket   *Ticket // EventIssued, EventFinished
	WindowID int64
}

// Hall is the centre's queue as a counter, the kiosk and the hall display
// see it. Refusals are *UserError with a Chinese message; codes used:
// "queue_empty" (nothing to call), "unknown_category", "unknown_window",
// "window_paused", "no_current" (no ticket being served at the window),
// "hub_unreachable" (LAN client only).
type Hall interface {
	Categories(ctx context.Context) ([]QueueCategory, error)
	Issue(ctx context.Context, req IssueRequest) (IssuedTicket, error)
	// CallNext gives the window its next ticket; two windows calling at the
	// same instant never get the same ticket. The window's current ticket,
	// if any, is finished first.
	CallNext(ctx context.Context, windowID, clerkID int64) (Ticket, error)
	Recall(ctx context.Context, windowID int64) (Ticket, error) // 重呼: announce the current ticket again
	NoShow(ctx context.Context, windowID int64) error           // 过号
	CallBack(ctx context.Context, windowID, clerkID, ticketID int64) (Ticket, error)
	Transfer(ctx context.Context, req TransferRequest) error
	Finish(ctx context.Context, windowID int64) error
	SetPaused(ctx context.Context, windowID int64, paused bool) error
	// SignIn puts clerkID on the window's A or B post (AB岗 hand-over).
	SignIn(ctx context.Context, windowID, clerkID int64, post string) error
	Window(ctx context.Context, windowID int64) (WindowState, error)
	Board(ctx context.Context) (Board, error)
	// Subscribe streams events until ctx ends or (LAN) the connection drops;
	// then the channel is closed and the caller subscribes again.
	Subscribe(ctx context.Context) (<-chan HallEvent, error)
}

// ErrHubUnreachable is the cause of a LAN client's "hub_unreachable" refusal.
var ErrHubUnreachable = errors.New("hub unreachable")
