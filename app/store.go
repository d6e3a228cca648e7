package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned by a Store when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// ErrDuplicate is returned by a Store when a write would create a second record
// with a key that must be unique: a UID, a paper form number, a 工号, or a
// second rating of one visit (the database enforces one, so two clerks or two
// devices racing cannot both store one).
var ErrDuplicate = errors.New("duplicate record")

// ErrFormEntered is the duplicate of a paper form number: the same form
// entered twice. It wraps ErrDuplicate.
var ErrFormEntered = fmt.Errorf("paper form already entered: %w", ErrDuplicate)

// Store is what app/ needs from persistence. storage/ implements it on SQLite
// and app/demo/memstore in memory. Every write that other nodes or the county
// must learn of also writes its outbox row in the same database transaction.
//
// Every capability is required: a store that could not key ID numbers,
// store a theme all at once or keep 现场化解 records would make the Service
// quietly do less (hash ID numbers with a key anyone can read in the source,
// leave half a theme stored), so there is no such store.
type Store interface {
	IDKeyStore
	TxGroupStore
	AdminStore
	OnSiteStore
	PauseLogStore

	// Centre and setup.
	Centre(ctx context.Context) (Centre, error)
	SaveCentre(ctx context.Context, c Centre) error
	AddWindow(ctx context.Context, w Window) (int64, error)
	Windows(ctx context.Context) ([]Window, error)
	AddStaff(ctx context.Context, s Staff) (int64, error)
	StaffByNo(ctx context.Context, no string) (Staff, error)
	StaffByID(ctx context.Context, id int64) (Staff, error)
	AllStaff(ctx context.Context) ([]Staff, error)
	SetPost(ctx context.Context, p Post) error
	Posts(ctx context.Context) ([]Post, error)
	SaveItem(ctx context.Context, it ServiceItem) error // insert or replace by Code
	Items(ctx context.Context) ([]ServiceItem, error)
	AddCategory(ctx context.Context, c QueueCategory) (int64, error)
	Categories(ctx context.Context) ([]QueueCategory, error)
	AddTicket(ctx context.Context, t Ticket) (int64, error)
	// TicketsIssued returns the tickets issued in [from, to), oldest first.
	TicketsIssued(ctx context.Context, from, to time.Time) ([]Ticket, error)

	// Transactions. AddTransaction fills ID and Serial/UID when empty.
	AddTransaction(ctx context.Context, tx Transaction) (Transaction, error)
	UpdateTransaction(ctx context.Context, tx Transaction) error
	Transaction(ctx context.Context, id int64) (Transaction, error)
	TransactionBySerial(ctx context.Context, serial string) (Transaction, error)
	// OpenTransactions returns every transaction still registered or
	// accepted (在办), oldest first.
	OpenTransactions(ctx context.Context) ([]Transaction, error)
	// RelatedTransactions returns the transactions that share a rating with tx:
	// the other members of its batch (same BatchID), and for a theme its parent
	// and all children. tx itself is included. Order: by ID.
	RelatedTransactions(ctx context.Context, tx Transaction) ([]Transaction, error)
	// FinishedUnrated returns finished, non-theme-parent transactions finished
	// before `before` whose final visit (Visit == tx.Visits) has no evaluation
	// row of kind active or timeout, oldest first, at most limit.
	FinishedUnrated(ctx context.Context, before time.Time, limit int) ([]Transaction, error)

	// Evaluations (append-only).
	EvaluationsFor(ctx context.Context, txIDs []int64) ([]Evaluation, error)
	Evaluation(ctx context.Context, id int64) (Evaluation, error)
	// AddEvaluations stores the rows (filling ID, UID, CreatedAt) and, in the same
	// database transaction, the work orders for the bad ones (order.EvaluationID is
	// set from the row with the same index in orderFor; -1 = none), the outbox rows
	// and the audit entry. Either all is stored or nothing.
	AddEvaluations(ctx context.Context, evs []Evaluation, orders []WorkOrder, orderFor []int, audit AuditEntry) ([]Evaluation, error)

	// Work orders (mutable; each change is a step, with its outbox row).
	WorkOrder(ctx context.Context, id int64) (WorkOrder, error)
	WorkOrders(ctx context.Context, f OrderFilter) ([]WorkOrder, error)
	UpdateWorkOrder(ctx context.Context, o WorkOrder, step OrderStep) error
	OrderSteps(ctx context.Context, orderID int64) ([]OrderStep, error)
	// RatedOrders returns the orders whose bad review was rated in [from, to)
	// (those OrderFacts counts), by ID, with the rating's time and levels.
	RatedOrders(ctx context.Context, from, to time.Time) ([]RatedOrder, error)

	// Facts for metrics, for ratings rated (RatedAt) in [from, to).
	// Rows superseded by a correction are left out; the correcting row stands.
	EvalFacts(ctx context.Context, from, to time.Time) ([]EvalFact, error)
	// OrderFacts: work orders whose bad review was rated in [from, to).
	OrderFacts(ctx context.Context, from, to time.Time) ([]OrderFact, error)
	// TxFacts: transactions (not theme parents) finished in [from, to).
	TxFacts(ctx context.Context, from, to time.Time) ([]TxFact, error)
	// FactCounts is the three for [from, to) with the evaluations and
	// transactions counted by the store, as CountFacts would count them:
	// each fact stands for N rows; only the fields Compute reads for by are
	// set. What Stats and the month comparisons read: a month of a large
	// centre is tens of thousands of rows but a few hundred counts.
	FactCounts(ctx context.Context, from, to time.Time, by GroupBy) (Facts, error)

	AddAudit(ctx context.Context, a AuditEntry) error
	// AuditLog returns the entries with At in [from, to), oldest first.
	AuditLog(ctx context.Context, from, to time.Time) ([]AuditEntry, error)
}

// Ticket is a queue ticket (the queue issue builds on it).
type Ticket struct {
	ID         int64
	CategoryID int64
	Number     string // A001
	Day        string // YYYY-MM-DD
	Priority   bool
	IssuedAt   time.Time
	CalledAt   time.Time
	WindowID   int64
	ClerkID    int64
	ServedAt   time.Time
	DoneAt     time.Time
	NoShow     bool

	// Queue state (app/hall.go). Zero values are what the foundation's
	// tickets mean: state derived from the times, no priority reason.
	State        TicketState
	PriorityKind PriorityKind
	SlotStart    time.Time // appointment slot; zero = walk-in
	SlotEnd      time.Time
	ToWindowID   int64  // transferred straight to this window; 0 = any window of the category
	ReturnWindow int64  // come back to this window after ToWindowID/category finishes it
	Calls        int    // times called (recalls included)
	Phone        string // appointment contact (IssueRequest.Phone); "" for walk-ins
}

// OrderFilter selects work orders.
type OrderFilter struct {
	OpenOnly     bool
	ClerkID      int64 // 0 = all
	EvaluationID int64 // 0 = all
	From, To     time.Time
}

// EvalFact is the slim view of an evaluation row that metrics need.
type EvalFact struct {
	TransactionID int64
	Kind          EvalKind
	Level         Level
	Channel       Channel
	Dimension     Dimension
	WindowID      int64
	ClerkID       int64
	ItemCode      string
	Verdict       Verdict // of the row's work order; pending when none
	RatedAt       time.Time
	N             int // rows this fact stands for (FactCounts); 0 is one
}

// OrderFact is the slim view of a work order that metrics need.
type OrderFact struct {
	Verdict        Verdict
	Category       OrderCategory
	State          OrderState
	OnSite         bool
	Replied        bool // RepliedAt set
	Rectified      bool // RectifiedAt set
	CalledBack     bool // CalledBackAt set
	CallbackResult CallbackResult
	WindowID       int64
	ClerkID        int64
	ItemCode       string
	// CorrectedTo is the level the order's bad review was corrected to (a
	// mistyped paper form, say); LevelNone when it was not corrected.
	CorrectedTo Level
}

// TxFact is the slim view of a finished transaction that metrics need.
type TxFact struct {
	ID          int64
	WindowID    int64
	ClerkID     int64
	ItemCode    string
	ActiveRated bool // has at least one active rating row
	N           int  // transactions this fact stands for (FactCounts); 0 is one
}
