package memstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"bianmin/app"
)

// What app.Store requires beyond rows in and out, as storage.DB does it:
// the ID number key, groups of transactions stored all or none, the
// manager's setup changes, 现场化解 records and the pause log.

// IDHashKey is this store's key for app.HashID: random, made on first use,
// kept for the store's life (as the database keeps its own).
func (s *Store) IDHashKey(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idKey == nil {
		s.idKey = make([]byte, 32)
		if _, err := rand.Read(s.idKey); err != nil {
			return nil, err
		}
	}
	return slices.Clone(s.idKey), nil
}

// AddTransactionGroup stores the transactions all or none; when the first is
// a theme parent the others become its children. The audit entry is kept
// unless its Action is empty.
func (s *Store) AddTransactionGroup(_ context.Context, txs []app.Transaction, audit app.AuditEntry) ([]app.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, serial := len(s.txs), maps.Clone(s.serial)
	out := make([]app.Transaction, 0, len(txs))
	for i, t := range txs {
		if i > 0 && txs[0].IsTheme {
			t.ThemeParentID = out[0].ID
		}
		st, err := s.addTransaction(t)
		if err != nil {
			s.txs, s.serial = s.txs[:n], serial
			return nil, err
		}
		out = append(out, st)
	}
	s.audited(audit)
	return out, nil
}

// UpdateTransactionGroup replaces every row, all or none.
func (s *Store) UpdateTransactionGroup(_ context.Context, txs []app.Transaction, audit app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range txs {
		if t.ID < 1 || int(t.ID) > len(s.txs) {
			return fmt.Errorf("transaction %d: %w", t.ID, app.ErrNotFound)
		}
	}
	for _, t := range txs {
		t.ItemName = "" // as UpdateTransaction: filled on reading
		s.txs[t.ID-1] = t
	}
	s.audited(audit)
	return nil
}

// audited keeps a unless its Action is empty; s.mu held.
func (s *Store) audited(a app.AuditEntry) {
	if a.Action != "" {
		s.audit = append(s.audit, a)
	}
}

// UpdateWindow stores the window's number, name, kind and active flag; a
// second active window with the number fails with app.ErrDuplicate.
func (s *Store) UpdateWindow(_ context.Context, w app.Window, a app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.windows, func(x app.Window) bool { return x.ID == w.ID })
	if i < 0 {
		return fmt.Errorf("window %d: %w", w.ID, app.ErrNotFound)
	}
	for _, x := range s.windows {
		if x.ID != w.ID && x.Active && w.Active && x.Number == w.Number {
			return fmt.Errorf("window number %d: %w", w.Number, app.ErrDuplicate)
		}
	}
	s.windows[i] = w
	s.audited(a)
	return nil
}

// UpdateStaff stores the member's name, role and active flag (not the 工号
// nor the PIN); deactivating clears their posts. A change leaving no active
// manager fails with app.ErrLastManager.
func (s *Store) UpdateStaff(_ context.Context, st app.Staff, a app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.staff, func(x app.Staff) bool { return x.ID == st.ID })
	if i < 0 {
		return fmt.Errorf("staff %d: %w", st.ID, app.ErrNotFound)
	}
	was := s.staff[i]
	s.staff[i].Name, s.staff[i].Role, s.staff[i].Active = st.Name, st.Role, st.Active
	if !slices.ContainsFunc(s.staff, func(x app.Staff) bool { return x.Role == app.RoleManager && x.Active }) {
		s.staff[i] = was
		return app.ErrLastManager
	}
	if !st.Active {
		s.posts = slices.DeleteFunc(s.posts, func(p app.Post) bool { return p.StaffID == st.ID })
	}
	s.audited(a)
	return nil
}

// SetPIN stores a new PIN hash for the member.
func (s *Store) SetPIN(_ context.Context, staffID int64, pinHash string, a app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.staff, func(x app.Staff) bool { return x.ID == staffID })
	if i < 0 {
		return fmt.Errorf("staff %d: %w", staffID, app.ErrNotFound)
	}
	s.staff[i].PINHash = pinHash
	s.audited(a)
	return nil
}

// SetPosts makes a and b the window's A and B clerks (0: vacant); a
// deactivated member is refused.
func (s *Store) SetPosts(_ context.Context, windowID, a, b int64, audit app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []int64{a, b} {
		if id == 0 {
			continue
		}
		i := slices.IndexFunc(s.staff, func(x app.Staff) bool { return x.ID == id })
		if i < 0 {
			return fmt.Errorf("staff %d: %w", id, app.ErrNotFound)
		}
		if !s.staff[i].Active {
			return fmt.Errorf("staff %d is deactivated", id)
		}
	}
	s.posts = slices.DeleteFunc(s.posts, func(p app.Post) bool { return p.WindowID == windowID })
	for _, p := range []app.Post{{WindowID: windowID, Post: "A", StaffID: a}, {WindowID: windowID, Post: "B", StaffID: b}} {
		if p.StaffID != 0 {
			s.posts = append(s.posts, p)
		}
	}
	s.audited(audit)
	return nil
}

// UpdateCategory stores the category's prefix, name and windows (in
// preference order); a prefix in use fails with app.ErrDuplicate.
func (s *Store) UpdateCategory(_ context.Context, c app.QueueCategory, a app.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.cats, func(x app.QueueCategory) bool { return x.ID == c.ID })
	if i < 0 {
		return fmt.Errorf("category %d: %w", c.ID, app.ErrNotFound)
	}
	for _, x := range s.cats {
		if x.ID != c.ID && x.Prefix == c.Prefix {
			return fmt.Errorf("category prefix %s: %w", c.Prefix, app.ErrDuplicate)
		}
	}
	c.Windows = slices.Clone(c.Windows)
	s.cats[i] = c
	s.audited(a)
	return nil
}

// RecordOnSite stores the order (as UpdateWorkOrder does), the step and the
// 现场化解 record together; the Service dates both.
func (s *Store) RecordOnSite(_ context.Context, o app.WorkOrder, step app.OrderStep, r app.OnSiteResolution) (app.OnSiteResolution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if step.OrderID != 0 && step.OrderID != o.ID || r.OrderID != 0 && r.OrderID != o.ID {
		return app.OnSiteResolution{}, fmt.Errorf("on-site resolution of order %d: step or record is for another order", o.ID)
	}
	if err := s.updateOrder(o, step); err != nil {
		return app.OnSiteResolution{}, err
	}
	r.ID, r.OrderID = int64(len(s.onsite)+1), o.ID
	s.onsite = append(s.onsite, r)
	return r, nil
}

// OnSiteResolutions returns the order's 现场化解 records, oldest first.
func (s *Store) OnSiteResolutions(_ context.Context, orderID int64) ([]app.OnSiteResolution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.OnSiteResolution
	for _, r := range s.onsite {
		if r.OrderID == orderID {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// PauseLog returns the pause and resume entries in [from, to), oldest
// first, with each window's last entry before from.
func (s *Store) PauseLog(_ context.Context, from, to time.Time) ([]app.QueueLog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := map[int64]app.QueueLog{}
	var out []app.QueueLog
	for _, l := range s.queue.log {
		if l.Kind != app.LogPause && l.Kind != app.LogResume {
			continue
		}
		switch {
		case l.At.Before(from):
			if p, ok := last[l.WindowID]; !ok || l.ID > p.ID {
				last[l.WindowID] = l
			}
		case l.At.Before(to):
			out = append(out, l)
		}
	}
	for _, l := range last {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
