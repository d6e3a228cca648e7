package app

import (
	"context"
	"time"
)

// The queue's store (app/queue runs the queue over it): the interfaces
// storage and the demo's memstore implement, and the rows they keep.

// QueueStore is what the queue needs from persistence. storage.DB and
// memstore.Store implement it; it is separate from Store, so a Store (the
// app tests' fakes) need not.
type QueueStore interface {
	Categories(ctx context.Context) ([]QueueCategory, error)
	Windows(ctx context.Context) ([]Window, error)
	Posts(ctx context.Context) ([]Post, error)
	StaffByID(ctx context.Context, id int64) (Staff, error)
	// Settings returns the stored settings whose key starts with prefix.
	Settings(ctx context.Context, prefix string) (map[string]string, error)
	// SaveSettings stores the pairs, all or none.
	SaveSettings(ctx context.Context, kv map[string]string) error
	// QueueRead runs fn on one consistent snapshot of the queue.
	QueueRead(ctx context.Context, fn func(QueueReader) error) error
	// QueueWrite runs fn in one write transaction that excludes every other
	// writer of the database. An error from fn rolls everything back and is
	// returned unchanged (a *UserError stays one). The store may run fn more
	// than once (a transaction retried after a busy database): only the last
	// run's effects and results count.
	QueueWrite(ctx context.Context, fn func(QueueWriter) error) error
}

// QueueReader reads the queue inside QueueRead or QueueWrite.
type QueueReader interface {
	// Ticket returns the ticket or an error wrapping ErrNotFound.
	Ticket(id int64) (Ticket, error)
	// Tickets returns the tickets in state issued on fromDay (YYYY-MM-DD) or
	// later, by issue time then ID.
	Tickets(state TicketState, fromDay string) ([]Ticket, error)
	// WindowQueue returns the window's queue state; a window never stored has
	// the zero state (with WindowID set).
	WindowQueue(windowID int64) (WindowQueue, error)
	WindowQueues() ([]WindowQueue, error)
	// Candidates returns what QueueCandidates keeps of the waiting tickets
	// issued on fromDay or later (by issue time then ID): all PickNext needs.
	Candidates(fromDay string, now time.Time) ([]Ticket, error)
	// WaitingCounts counts the waiting tickets issued on fromDay or later.
	WaitingCounts(fromDay string) ([]WaitingCount, error)
	// RecentCalls returns the call entries of the log (LogCall, LogRecall,
	// LogCallBack) at or after since, newest first, at most limit.
	RecentCalls(since time.Time, limit int) ([]QueueLog, error)
	// PrevDay is the latest day before day on which a ticket was issued, or "".
	PrevDay(day string) (string, error)
	// LastNumber is the last number issued in the category on day (0: none).
	LastNumber(categoryID int64, day string) (int, error)
}

// QueueWriter changes the queue inside QueueWrite.
type QueueWriter interface {
	QueueReader
	// NextNumber takes the next number of the category on day: one more than
	// the last taken, starting after floor and after any number already stored
	// that day under prefix (tickets stored by Store.AddTicket).
	NextNumber(categoryID int64, prefix, day string, floor int) (int, error)
	InsertTicket(t Ticket) (int64, error)
	UpdateTicket(t Ticket) error
	SaveWindowQueue(w WindowQueue) error
	AddQueueLog(e QueueLog) error
}

// WindowQueue is the stored queue state of one window.
type WindowQueue struct {
	WindowID   int64
	Paused     bool
	ClerkID    int64  // signed in; 0 = nobody
	Post       string // "A", "B", or "" when nobody signed in
	SignedInAt time.Time
	Streak     int   // priority tickets called in a row (PickInput.Streak)
	CurrentID  int64 // ticket being served; 0 = none
	CallAt     time.Time
}

// QueueLogKind names an entry of the queue log.
type QueueLogKind string

// Queue log kinds. The log is the record of who called whom when (the hall
// display's recent calls come from it) and of sign-ins (AB岗 attendance).
const (
	LogCall     QueueLogKind = "call"
	LogRecall   QueueLogKind = "recall"
	LogCallBack QueueLogKind = "callback"
	LogNoShow   QueueLogKind = "noshow"
	LogFinish   QueueLogKind = "finish"
	LogTransfer QueueLogKind = "transfer"
	LogReturn   QueueLogKind = "return"
	LogPause    QueueLogKind = "pause"
	LogResume   QueueLogKind = "resume"
	LogSignIn   QueueLogKind = "signin"
)

// QueueLog is one entry of the queue log.
type QueueLog struct {
	ID       int64
	At       time.Time
	Kind     QueueLogKind
	WindowID int64
	TicketID int64
	ClerkID  int64
	Post     string
}
