package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
)

// The in-memory store is also the queue's store (app.QueueStore), so a demo
// or a test can run queue.Queue without a disk. A QueueWrite runs under the
// store's lock and is undone when fn fails, as the SQLite transaction is.
var _ app.QueueStore = (*Store)(nil)

type numKey struct {
	day string
	cat int64
}

type queueState struct {
	settings map[string]string
	windows  map[int64]app.WindowQueue
	numbers  map[numKey]int
	log      []app.QueueLog
}

func (q queueState) clone() queueState {
	return queueState{settings: maps.Clone(q.settings), windows: maps.Clone(q.windows),
		numbers: maps.Clone(q.numbers), log: slices.Clone(q.log)}
}

// Settings returns the settings whose key starts with prefix.
func (s *Store) Settings(ctx context.Context, prefix string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.queue.settings {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

// SaveSettings stores the pairs.
func (s *Store) SaveSettings(ctx context.Context, kv map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue.settings == nil {
		s.queue.settings = map[string]string{}
	}
	maps.Copy(s.queue.settings, kv)
	return nil
}

// QueueRead runs fn under the store's lock.
func (s *Store) QueueRead(ctx context.Context, fn func(app.QueueReader) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(queueTx{s})
}

// QueueWrite runs fn under the store's lock; when fn fails, the tickets and
// the queue state are put back as they were.
func (s *Store) QueueWrite(ctx context.Context, fn func(app.QueueWriter) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tickets, state := slices.Clone(s.tickets), s.queue.clone()
	if err := fn(queueTx{s}); err != nil {
		s.tickets, s.queue = tickets, state
		return err
	}
	return nil
}

type queueTx struct{ s *Store }

// ticket is the stored ticket with its state derived when AddTicket stored
// none, as the SQLite store's trigger derives it.
func (q queueTx) ticket(i int) app.Ticket {
	t := q.s.tickets[i]
	if t.State == "" {
		switch {
		case t.NoShow:
			t.State = app.TicketNoShow
		case !t.DoneAt.IsZero():
			t.State = app.TicketDone
		case !t.CalledAt.IsZero():
			t.State = app.TicketCalled
		default:
			t.State = app.TicketWaiting
		}
		if !t.CalledAt.IsZero() && t.Calls == 0 {
			t.Calls = 1
		}
	}
	return t
}

func (q queueTx) Ticket(id int64) (app.Ticket, error) {
	if id < 1 || int(id) > len(q.s.tickets) {
		return app.Ticket{}, fmt.Errorf("ticket %d: %w", id, app.ErrNotFound)
	}
	return q.ticket(int(id - 1)), nil
}

func (q queueTx) Tickets(state app.TicketState, fromDay string) ([]app.Ticket, error) {
	var out []app.Ticket
	for i := range q.s.tickets {
		if t := q.ticket(i); t.State == state && t.Day >= fromDay {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b app.Ticket) int {
		if c := a.IssuedAt.Compare(b.IssuedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

func (q queueTx) Candidates(fromDay string, now time.Time) ([]app.Ticket, error) {
	waiting, err := q.Tickets(app.TicketWaiting, fromDay)
	return app.QueueCandidates(waiting, now), err
}

func (q queueTx) WaitingCounts(fromDay string) ([]app.WaitingCount, error) {
	waiting, _ := q.Tickets(app.TicketWaiting, fromDay)
	var out []app.WaitingCount
	for _, t := range waiting {
		i := slices.IndexFunc(out, func(c app.WaitingCount) bool {
			return c.CategoryID == t.CategoryID && c.ToWindowID == t.ToWindowID && c.Priority == t.IsPriority()
		})
		if i < 0 {
			out = append(out, app.WaitingCount{CategoryID: t.CategoryID, ToWindowID: t.ToWindowID, Priority: t.IsPriority()})
			i = len(out) - 1
		}
		out[i].N++
	}
	return out, nil
}

func (q queueTx) WindowQueue(windowID int64) (app.WindowQueue, error) {
	if w, ok := q.s.queue.windows[windowID]; ok {
		return w, nil
	}
	return app.WindowQueue{WindowID: windowID}, nil
}

func (q queueTx) WindowQueues() ([]app.WindowQueue, error) {
	out := slices.Collect(maps.Values(q.s.queue.windows))
	slices.SortFunc(out, func(a, b app.WindowQueue) int { return int(a.WindowID - b.WindowID) })
	return out, nil
}

func (q queueTx) RecentCalls(since time.Time, limit int) ([]app.QueueLog, error) {
	var out []app.QueueLog
	for _, l := range slices.Backward(q.s.queue.log) {
		if len(out) == limit {
			break
		}
		if (l.Kind == app.LogCall || l.Kind == app.LogRecall || l.Kind == app.LogCallBack) && !l.At.Before(since) {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b app.QueueLog) int { return b.At.Compare(a.At) })
	return out, nil
}

func (q queueTx) PrevDay(day string) (string, error) {
	prev := ""
	for _, t := range q.s.tickets {
		if t.Day < day && t.Day > prev {
			prev = t.Day
		}
	}
	return prev, nil
}

func (q queueTx) LastNumber(categoryID int64, day string) (int, error) {
	return q.s.queue.numbers[numKey{day, categoryID}], nil
}

func (q queueTx) NextNumber(categoryID int64, prefix, day string, floor int) (int, error) {
	k := numKey{day, categoryID}
	n, ok := q.s.queue.numbers[k]
	if !ok {
		n = floor
		for _, t := range q.s.tickets {
			if rest, found := strings.CutPrefix(t.Number, prefix); found && t.Day == day {
				if x, err := strconv.Atoi(rest); err == nil && x > n {
					n = x
				}
			}
		}
	}
	n++
	if q.s.queue.numbers == nil {
		q.s.queue.numbers = map[numKey]int{}
	}
	q.s.queue.numbers[k] = n
	return n, nil
}

func (q queueTx) InsertTicket(t app.Ticket) (int64, error) {
	for _, x := range q.s.tickets {
		if x.Day == t.Day && x.Number == t.Number {
			return 0, fmt.Errorf("ticket %s on %s: %w", t.Number, t.Day, app.ErrDuplicate)
		}
	}
	t.ID = int64(len(q.s.tickets) + 1)
	q.s.tickets = append(q.s.tickets, t)
	return t.ID, nil
}

func (q queueTx) UpdateTicket(t app.Ticket) error {
	if t.ID < 1 || int(t.ID) > len(q.s.tickets) {
		return fmt.Errorf("ticket %d: %w", t.ID, app.ErrNotFound)
	}
	old := q.s.tickets[t.ID-1]
	t.Number, t.Day, t.IssuedAt = old.Number, old.Day, old.IssuedAt // as the SQL update: never changed
	q.s.tickets[t.ID-1] = t
	return nil
}

func (q queueTx) SaveWindowQueue(w app.WindowQueue) error {
	if q.s.queue.windows == nil {
		q.s.queue.windows = map[int64]app.WindowQueue{}
	}
	q.s.queue.windows[w.WindowID] = w
	return nil
}

func (q queueTx) AddQueueLog(e app.QueueLog) error {
	e.ID = int64(len(q.s.queue.log) + 1)
	q.s.queue.log = append(q.s.queue.log, e)
	return nil
}
