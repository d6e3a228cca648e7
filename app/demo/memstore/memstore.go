// Package memstore is an in-memory app.Store for tests and for running the
// demo generator without a disk. It follows the contract documented on
// app.Store (append-only evaluations, a work order per bad row in the same
// "transaction", facts that leave superseded rows out) but keeps no outbox.
package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"bianmin/app"
)

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	mu      sync.Mutex
	centre  *app.Centre
	windows []app.Window
	staff   []app.Staff
	posts   []app.Post
	items   map[string]app.ServiceItem
	cats    []app.QueueCategory
	tickets []app.Ticket
	txs     []app.Transaction // index = ID-1
	evals   []app.Evaluation  // index = ID-1
	orders  []app.WorkOrder   // index = ID-1
	steps   []app.OrderStep
	audit   []app.AuditEntry
	serial  map[string]int // per-day serial counters
	queue   queueState     // the queue's own state (queue.go)
	onsite  []app.OnSiteResolution
	idKey   []byte // IDHashKey's, made on first use
}

var _ app.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{items: map[string]app.ServiceItem{}, serial: map[string]int{}}
}

func uid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Centre returns the centre or app.ErrNotFound.
func (s *Store) Centre(ctx context.Context) (app.Centre, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.centre == nil {
		return app.Centre{}, app.ErrNotFound
	}
	return *s.centre, nil
}

// SaveCentre stores the centre.
func (s *Store) SaveCentre(ctx context.Context, c app.Centre) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.centre = &c
	return nil
}

// AddWindow adds a window.
func (s *Store) AddWindow(ctx context.Context, w app.Window) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.windows {
		if x.Number == w.Number {
			return 0, fmt.Errorf("window number %d exists", w.Number)
		}
	}
	w.ID = int64(len(s.windows) + 1)
	s.windows = append(s.windows, w)
	return w.ID, nil
}

// Windows lists windows by ID.
func (s *Store) Windows(ctx context.Context) ([]app.Window, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.windows), nil
}

// AddStaff adds a staff member; 工号 must be unique.
func (s *Store) AddStaff(ctx context.Context, st app.Staff) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.staff {
		if x.No == st.No {
			return 0, fmt.Errorf("staff no %s exists", st.No)
		}
	}
	st.ID = int64(len(s.staff) + 1)
	s.staff = append(s.staff, st)
	return st.ID, nil
}

// StaffByNo finds by 工号.
func (s *Store) StaffByNo(ctx context.Context, no string) (app.Staff, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.staff {
		if x.No == no {
			return x, nil
		}
	}
	return app.Staff{}, app.ErrNotFound
}

// StaffByID finds by ID.
func (s *Store) StaffByID(ctx context.Context, id int64) (app.Staff, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.staff) {
		return app.Staff{}, app.ErrNotFound
	}
	return s.staff[id-1], nil
}

// AllStaff lists staff by ID.
func (s *Store) AllStaff(ctx context.Context) ([]app.Staff, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.staff), nil
}

// SetPost sets (window, post) to a staff member.
func (s *Store) SetPost(ctx context.Context, p app.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.posts {
		if x.WindowID == p.WindowID && x.Post == p.Post {
			s.posts[i] = p
			return nil
		}
	}
	s.posts = append(s.posts, p)
	return nil
}

// Posts lists the posts.
func (s *Store) Posts(ctx context.Context) ([]app.Post, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts), nil
}

// SaveItem inserts or replaces an item.
func (s *Store) SaveItem(ctx context.Context, it app.ServiceItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it.Materials = slices.Clone(it.Materials)
	s.items[it.Code] = it
	return nil
}

// Items lists items by code.
func (s *Store) Items(ctx context.Context) ([]app.ServiceItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]app.ServiceItem, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// AddCategory adds a queue category.
func (s *Store) AddCategory(ctx context.Context, c app.QueueCategory) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = int64(len(s.cats) + 1)
	c.Windows = slices.Clone(c.Windows)
	s.cats = append(s.cats, c)
	return c.ID, nil
}

// Categories lists categories.
func (s *Store) Categories(ctx context.Context) ([]app.QueueCategory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.cats), nil
}

// AddTicket adds a ticket.
func (s *Store) AddTicket(ctx context.Context, t app.Ticket) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.ID = int64(len(s.tickets) + 1)
	s.tickets = append(s.tickets, t)
	return t.ID, nil
}

// Tickets returns a copy of all tickets (for tests).
func (s *Store) Tickets() []app.Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tickets)
}

// TicketsIssued returns the tickets issued in [from, to), oldest first.
func (s *Store) TicketsIssued(ctx context.Context, from, to time.Time) ([]app.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.Ticket
	for _, t := range s.tickets {
		if !t.IssuedAt.Before(from) && t.IssuedAt.Before(to) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IssuedAt.Before(out[j].IssuedAt) })
	return out, nil
}

func (s *Store) fill(tx app.Transaction) app.Transaction {
	if it, ok := s.items[tx.ItemCode]; ok {
		tx.ItemName = it.Name
	}
	return tx
}

// AddTransaction stores a transaction, filling ID, Serial and UID.
func (s *Store) AddTransaction(ctx context.Context, tx app.Transaction) (app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addTransaction(tx)
}

// addTransaction is AddTransaction with s.mu held.
func (s *Store) addTransaction(tx app.Transaction) (app.Transaction, error) {
	tx.ID = int64(len(s.txs) + 1)
	if tx.Serial == "" {
		day := tx.CreatedAt.Format("20060102")
		s.serial[day]++
		tx.Serial = fmt.Sprintf("%s%04d", day, s.serial[day])
	}
	for _, x := range s.txs {
		if x.Serial == tx.Serial {
			return app.Transaction{}, fmt.Errorf("serial %s exists", tx.Serial)
		}
	}
	if tx.UID == "" {
		tx.UID = uid()
	}
	if tx.BatchCount < 1 {
		tx.BatchCount = 1
	}
	s.txs = append(s.txs, tx)
	return s.fill(tx), nil
}

// UpdateTransaction replaces a transaction.
func (s *Store) UpdateTransaction(ctx context.Context, tx app.Transaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.ID < 1 || int(tx.ID) > len(s.txs) {
		return app.ErrNotFound
	}
	tx.ItemName = ""
	s.txs[tx.ID-1] = tx
	return nil
}

// Transaction finds by ID.
func (s *Store) Transaction(ctx context.Context, id int64) (app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.txs) {
		return app.Transaction{}, app.ErrNotFound
	}
	return s.fill(s.txs[id-1]), nil
}

// OpenTransactions returns the registered and accepted ones, oldest first.
func (s *Store) OpenTransactions(ctx context.Context) ([]app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.Transaction
	for _, x := range s.txs {
		if x.Status == app.TxRegistered || x.Status == app.TxAccepted {
			out = append(out, s.fill(x))
		}
	}
	return out, nil
}

// TransactionBySerial finds by serial.
func (s *Store) TransactionBySerial(ctx context.Context, serial string) (app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.txs {
		if x.Serial == serial {
			return s.fill(x), nil
		}
	}
	return app.Transaction{}, app.ErrNotFound
}

// RelatedTransactions returns the batch members, theme parent and children, tx itself.
func (s *Store) RelatedTransactions(ctx context.Context, tx app.Transaction) ([]app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := tx.ThemeParentID
	if tx.IsTheme {
		parent = tx.ID
	}
	var out []app.Transaction
	for _, x := range s.txs {
		if x.ID == tx.ID || (tx.BatchID != "" && x.BatchID == tx.BatchID) ||
			(parent != 0 && (x.ID == parent || x.ThemeParentID == parent)) {
			out = append(out, s.fill(x))
		}
	}
	return out, nil
}

// FinishedUnrated is app.Store.FinishedUnrated.
func (s *Store) FinishedUnrated(ctx context.Context, before time.Time, limit int) ([]app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	filled := map[[2]int64]bool{}
	for _, e := range s.evals {
		if e.Kind == app.KindActive || e.Kind == app.KindTimeout {
			filled[[2]int64{e.TransactionID, int64(e.Visit)}] = true
		}
	}
	var out []app.Transaction
	for _, x := range s.txs {
		if x.IsTheme || !x.Status.Finished() || !x.CompletedAt.Before(before) {
			continue
		}
		if filled[[2]int64{x.ID, int64(x.Visits)}] {
			continue
		}
		out = append(out, s.fill(x))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CompletedAt.Before(out[j].CompletedAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// EvaluationsFor lists the rows of the given transactions by ID.
func (s *Store) EvaluationsFor(ctx context.Context, txIDs []int64) ([]app.Evaluation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.Evaluation
	for _, e := range s.evals {
		if slices.Contains(txIDs, e.TransactionID) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Evaluation finds a row by ID.
func (s *Store) Evaluation(ctx context.Context, id int64) (app.Evaluation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.evals) {
		return app.Evaluation{}, app.ErrNotFound
	}
	return s.evals[id-1], nil
}

// AllEvaluations returns every row by ID (for exports and tests).
func (s *Store) AllEvaluations() []app.Evaluation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.evals)
}

// AllTransactions returns every transaction by ID (for exports and tests).
func (s *Store) AllTransactions() []app.Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]app.Transaction, len(s.txs))
	for i, x := range s.txs {
		out[i] = s.fill(x)
	}
	return out
}

// AddEvaluations stores rows and their work orders atomically.
func (s *Store) AddEvaluations(ctx context.Context, evs []app.Evaluation, orders []app.WorkOrder, orderFor []int, audit app.AuditEntry) ([]app.Evaluation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(orders) != len(orderFor) {
		return nil, fmt.Errorf("orders and orderFor differ in length")
	}
	for _, i := range orderFor {
		if i < -1 || i >= len(evs) {
			return nil, fmt.Errorf("orderFor index %d out of range", i)
		}
	}
	// Enforce the one-row-per-slot rule as the database's unique index would.
	for _, e := range evs {
		if e.CorrectsID != 0 || e.Kind == app.KindFollowUp {
			continue
		}
		for _, x := range s.evals {
			if x.TransactionID == e.TransactionID && x.Visit == e.Visit && x.CorrectsID == 0 &&
				(x.Kind == app.KindActive || x.Kind == app.KindTimeout) {
				return nil, fmt.Errorf("slot (%d, %d) already rated", e.TransactionID, e.Visit)
			}
		}
	}
	out := make([]app.Evaluation, len(evs))
	now := audit.At
	for i, e := range evs {
		e.ID = int64(len(s.evals) + 1)
		if e.UID == "" {
			e.UID = uid()
		}
		e.CreatedAt = now
		e.Tags = slices.Clone(e.Tags)
		s.evals = append(s.evals, e)
		out[i] = e
	}
	for k, o := range orders {
		if orderFor[k] >= 0 {
			o.EvaluationID = out[orderFor[k]].ID
		}
		o.ID = int64(len(s.orders) + 1)
		if o.UID == "" {
			o.UID = uid()
		}
		s.orders = append(s.orders, o)
	}
	s.audit = append(s.audit, audit)
	return out, nil
}

// WorkOrder finds an order.
func (s *Store) WorkOrder(ctx context.Context, id int64) (app.WorkOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.orders) {
		return app.WorkOrder{}, app.ErrNotFound
	}
	return s.orders[id-1], nil
}

// WorkOrders lists orders by ID; From/To filter on CreatedAt.
func (s *Store) WorkOrders(ctx context.Context, f app.OrderFilter) ([]app.WorkOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.WorkOrder
	for _, o := range s.orders {
		if f.OpenOnly && o.State == app.OrderClosed {
			continue
		}
		if f.ClerkID != 0 && o.ClerkID != f.ClerkID {
			continue
		}
		if !f.From.IsZero() && o.CreatedAt.Before(f.From) {
			continue
		}
		if !f.To.IsZero() && !o.CreatedAt.Before(f.To) {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// UpdateWorkOrder replaces an order and records its step.
func (s *Store) UpdateWorkOrder(ctx context.Context, o app.WorkOrder, step app.OrderStep) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateOrder(o, step)
}

// updateOrder is UpdateWorkOrder with s.mu held.
func (s *Store) updateOrder(o app.WorkOrder, step app.OrderStep) error {
	if o.ID < 1 || int(o.ID) > len(s.orders) {
		return fmt.Errorf("work order %d: %w", o.ID, app.ErrNotFound)
	}
	s.orders[o.ID-1] = o
	step.ID = int64(len(s.steps) + 1)
	step.OrderID = o.ID
	s.steps = append(s.steps, step)
	return nil
}

// OrderSteps lists the steps of an order.
func (s *Store) OrderSteps(ctx context.Context, orderID int64) ([]app.OrderStep, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.OrderStep
	for _, st := range s.steps {
		if st.OrderID == orderID {
			out = append(out, st)
		}
	}
	return out, nil
}

func (s *Store) superseded() map[int64]bool {
	sup := map[int64]bool{}
	for _, e := range s.evals {
		if e.CorrectsID != 0 {
			sup[e.CorrectsID] = true
		}
	}
	return sup
}

func (s *Store) verdictOf(evalID int64) app.Verdict {
	for _, o := range s.orders {
		if o.EvaluationID == evalID {
			return o.Verdict
		}
	}
	return app.VerdictPending
}

// EvalFacts returns the rows rated in [from, to), superseded rows left out.
func (s *Store) EvalFacts(ctx context.Context, from, to time.Time) ([]app.EvalFact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sup := s.superseded()
	var out []app.EvalFact
	for _, e := range s.evals {
		if sup[e.ID] || e.RatedAt.Before(from) || !e.RatedAt.Before(to) {
			continue
		}
		out = append(out, app.EvalFact{TransactionID: e.TransactionID, Kind: e.Kind, Level: e.Level,
			Channel: e.Channel, Dimension: e.Dimension, WindowID: e.WindowID, ClerkID: e.ClerkID,
			ItemCode: e.ItemCode, Verdict: s.verdictOf(e.ID), RatedAt: e.RatedAt})
	}
	return out, nil
}

// OrderFacts returns the orders whose bad review was rated in [from, to).
func (s *Store) OrderFacts(ctx context.Context, from, to time.Time) ([]app.OrderFact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.OrderFact
	for _, o := range s.orders {
		if o.EvaluationID < 1 || int(o.EvaluationID) > len(s.evals) {
			continue
		}
		e := s.evals[o.EvaluationID-1]
		if e.RatedAt.Before(from) || !e.RatedAt.Before(to) {
			continue
		}
		out = append(out, app.OrderFact{Verdict: o.Verdict, Category: o.Category, State: o.State, OnSite: o.OnSite,
			Replied: !o.RepliedAt.IsZero(), Rectified: !o.RectifiedAt.IsZero(), CalledBack: !o.CalledBackAt.IsZero(),
			CallbackResult: o.CallbackResult, WindowID: o.WindowID, ClerkID: o.ClerkID, ItemCode: o.ItemCode})
	}
	return out, nil
}

// FactCounts counts EvalFacts, OrderFacts and TxFacts with app.CountFacts.
func (s *Store) FactCounts(ctx context.Context, from, to time.Time, by app.GroupBy) (app.Facts, error) {
	var f app.Facts
	var err error
	if f.Evals, err = s.EvalFacts(ctx, from, to); err != nil {
		return f, err
	}
	if f.Orders, err = s.OrderFacts(ctx, from, to); err != nil {
		return f, err
	}
	if f.Txs, err = s.TxFacts(ctx, from, to); err != nil {
		return f, err
	}
	return app.CountFacts(f, by), nil
}

// TxFacts returns the finished non-theme-parent transactions finished in [from, to).
func (s *Store) TxFacts(ctx context.Context, from, to time.Time) ([]app.TxFact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	active := map[int64]bool{}
	for _, e := range s.evals {
		if e.Kind == app.KindActive {
			active[e.TransactionID] = true
		}
	}
	var out []app.TxFact
	for _, x := range s.txs {
		if x.IsTheme || !x.Status.Finished() || x.CompletedAt.Before(from) || !x.CompletedAt.Before(to) {
			continue
		}
		out = append(out, app.TxFact{ID: x.ID, WindowID: x.WindowID, ClerkID: x.ClerkID, ItemCode: x.ItemCode,
			ActiveRated: active[x.ID]})
	}
	return out, nil
}

// AddAudit records an audit entry.
func (s *Store) AddAudit(ctx context.Context, a app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, a)
	return nil
}

// AuditLog returns the entries with At in [from, to), in the order added.
func (s *Store) AuditLog(_ context.Context, from, to time.Time) ([]app.AuditEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.AuditEntry
	for _, a := range s.audit {
		if (from.IsZero() || !a.At.Before(from)) && (to.IsZero() || a.At.Before(to)) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Audit returns a copy of the audit entries, oldest first.
func (s *Store) Audit() []app.AuditEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]app.AuditEntry(nil), s.audit...)
}

// RatedOrders returns the orders whose bad review was rated in [from, to), by ID.
func (s *Store) RatedOrders(ctx context.Context, from, to time.Time) ([]app.RatedOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	correctedBy := map[int64]app.Evaluation{}
	for _, e := range s.evals {
		if e.CorrectsID != 0 {
			correctedBy[e.CorrectsID] = e
		}
	}
	var out []app.RatedOrder
	for _, o := range s.orders {
		if o.EvaluationID < 1 || int(o.EvaluationID) > len(s.evals) {
			continue
		}
		e := s.evals[o.EvaluationID-1]
		if e.RatedAt.Before(from) || !e.RatedAt.Before(to) {
			continue
		}
		r := app.RatedOrder{WorkOrder: o, RatedAt: e.RatedAt, Level: e.Level}
		if c1, ok := correctedBy[e.ID]; ok {
			r.CorrectedTo = c1.Level
			if c2, ok := correctedBy[c1.ID]; ok {
				r.CorrectedTo = c2.Level
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
