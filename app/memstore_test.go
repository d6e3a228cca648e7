package app

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// memStore is an in-memory Store for rule and service tests. Methods the tests
// do not need fall through to the embedded nil interface and panic.
type memStore struct {
	Store
	mu     sync.Mutex
	txs    []Transaction
	evals  []Evaluation
	orders []WorkOrder
	steps  []OrderStep
	staff  []Staff
	audit  []AuditEntry
}

func (m *memStore) AddTransaction(_ context.Context, tx Transaction) (Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx.ID = int64(len(m.txs) + 1)
	if tx.Serial == "" {
		tx.Serial = fmt.Sprintf("T%04d", tx.ID)
	}
	m.txs = append(m.txs, tx)
	return tx, nil
}

// AddTransactionGroup stores the rows under one lock: all are stored (no
// write here can fail) and a theme's children point at its parent.
func (m *memStore) AddTransactionGroup(_ context.Context, txs []Transaction, a AuditEntry) ([]Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Transaction, 0, len(txs))
	for i, tx := range txs {
		if i > 0 && txs[0].IsTheme {
			tx.ThemeParentID = out[0].ID
		}
		tx.ID = int64(len(m.txs) + 1)
		if tx.Serial == "" {
			tx.Serial = fmt.Sprintf("T%04d", tx.ID)
		}
		m.txs = append(m.txs, tx)
		out = append(out, tx)
	}
	if a.Action != "" {
		m.audit = append(m.audit, a)
	}
	return out, nil
}

func (m *memStore) UpdateTransactionGroup(_ context.Context, txs []Transaction, a AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, tx := range txs {
		m.txs[tx.ID-1] = tx
	}
	if a.Action != "" {
		m.audit = append(m.audit, a)
	}
	return nil
}

func (m *memStore) UpdateTransaction(_ context.Context, tx Transaction) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs[tx.ID-1] = tx
	return nil
}

func (m *memStore) Transaction(_ context.Context, id int64) (Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || int(id) > len(m.txs) {
		return Transaction{}, ErrNotFound
	}
	return m.txs[id-1], nil
}

func (m *memStore) OpenTransactions(context.Context) ([]Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Transaction
	for _, t := range m.txs {
		if t.Status == TxRegistered || t.Status == TxAccepted {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memStore) TransactionBySerial(_ context.Context, s string) (Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.txs {
		if t.Serial == s {
			return t, nil
		}
	}
	return Transaction{}, ErrNotFound
}

func (m *memStore) RelatedTransactions(_ context.Context, tx Transaction) ([]Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Transaction
	for _, t := range m.txs {
		if t.ID == tx.ID || (tx.BatchID != "" && t.BatchID == tx.BatchID) ||
			(tx.IsTheme && t.ThemeParentID == tx.ID) ||
			(tx.ThemeParentID != 0 && (t.ID == tx.ThemeParentID || t.ThemeParentID == tx.ThemeParentID)) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memStore) EvaluationsFor(_ context.Context, ids []int64) ([]Evaluation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []Evaluation
	for _, e := range m.evals {
		if want[e.TransactionID] {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) Evaluation(_ context.Context, id int64) (Evaluation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || int(id) > len(m.evals) {
		return Evaluation{}, ErrNotFound
	}
	return m.evals[id-1], nil
}

func (m *memStore) AddEvaluations(_ context.Context, evs []Evaluation, orders []WorkOrder, orderFor []int, a AuditEntry) ([]Evaluation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Evaluation, len(evs))
	for i, e := range evs {
		e.ID = int64(len(m.evals) + 1)
		e.UID = newUID()
		m.evals = append(m.evals, e)
		out[i] = e
	}
	for i, o := range orders {
		o.ID = int64(len(m.orders) + 1)
		o.EvaluationID = out[orderFor[i]].ID
		m.orders = append(m.orders, o)
	}
	m.audit = append(m.audit, a)
	return out, nil
}

func (m *memStore) FinishedUnrated(_ context.Context, before time.Time, limit int) ([]Transaction, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Transaction
	for _, t := range m.txs {
		if !t.Status.Finished() || t.IsTheme || !t.CompletedAt.Before(before) {
			continue
		}
		rated := false
		for _, e := range m.evals {
			if e.TransactionID == t.ID && e.Visit == t.Visits && (e.Kind == KindActive || e.Kind == KindTimeout) {
				rated = true
			}
		}
		if !rated {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CompletedAt.Before(out[j].CompletedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) WorkOrder(_ context.Context, id int64) (WorkOrder, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || int(id) > len(m.orders) {
		return WorkOrder{}, ErrNotFound
	}
	return m.orders[id-1], nil
}

func (m *memStore) UpdateWorkOrder(_ context.Context, o WorkOrder, s OrderStep) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.orders[o.ID-1] = o
	m.steps = append(m.steps, s)
	return nil
}

func (m *memStore) AddStaff(_ context.Context, s Staff) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.ID = int64(len(m.staff) + 1)
	m.staff = append(m.staff, s)
	return s.ID, nil
}

func (m *memStore) StaffByNo(_ context.Context, no string) (Staff, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.staff {
		if s.No == no {
			return s, nil
		}
	}
	return Staff{}, ErrNotFound
}

func (m *memStore) AddAudit(_ context.Context, a AuditEntry) error {
	m.mu.Lock()
	m.audit = append(m.audit, a)
	m.mu.Unlock()
	return nil
}

func (m *memStore) AuditLog(_ context.Context, from, to time.Time) ([]AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AuditEntry
	for _, a := range m.audit {
		if (from.IsZero() || !a.At.Before(from)) && (to.IsZero() || a.At.Before(to)) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) WorkOrders(_ context.Context, f OrderFilter) ([]WorkOrder, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []WorkOrder
	for _, o := range m.orders {
		if (f.OpenOnly && o.State == OrderClosed) || (f.ClerkID != 0 && o.ClerkID != f.ClerkID) ||
			(f.EvaluationID != 0 && o.EvaluationID != f.EvaluationID) {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}
