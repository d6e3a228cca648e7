package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"bianmin/app"
	"bianmin/internal/eventually"
)

// queued reports how many grouped writes wait for the next commit.
func (d *DB) queued() int {
	d.gmu.Lock()
	defer d.gmu.Unlock()
	return len(d.group)
}

// waitQueued waits until n writes are queued behind the write lock held by
// the test (they cannot progress, so this is a wait on their arrival).
func waitQueued(t *testing.T, d *DB, n int) {
	t.Helper()
	eventually.True(t, fmt.Sprintf("%d writes queued", n), func() bool { return d.queued() >= n })
}

// TestGroupCommit: ratings that arrive while a commit is in progress share
// the next one; a write that fails in the group (a resent rating, a caller
// that gave up) is undone alone, the others are stored, and every caller is
// answered only once its rating is committed: a second connection opened on
// the file right after the answer reads it.
func TestGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "group.db")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f := seed(t, d)
	txIDs := bulkTransactions(t, d, f, 10)
	dup, err := d.AddEvaluations(ctx, []app.Evaluation{{TransactionID: txIDs[0], Visit: 1, Dimension: app.DimWindow,
		Level: app.LevelGood, Channel: app.ChannelKeypad, Kind: app.KindActive, ItemCode: "110000001"}}, nil, nil, app.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	d.onGroup = func(n int) { sizes = append(sizes, n) } // called under the write lock

	d.wlock <- struct{}{} // a commit in progress
	gone, cancel := context.WithCancel(ctx)
	cancel()
	type answer struct {
		i   int
		uid string
		err error
	}
	answers := make(chan answer, 10)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			e := app.Evaluation{TransactionID: txIDs[i], Visit: 2, Dimension: app.DimWindow, Level: app.LevelVeryGood,
				Channel: app.ChannelKeypad, Kind: app.KindActive, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001"}
			c, rows := ctx, []app.Evaluation{e}
			switch i {
			case 3:
				// Its first row is written before the second, resent and
				// already stored, is refused: the group must be undone
				// and the other writes stored without it.
				resent := e
				resent.UID = dup[0].UID
				rows = append(rows, resent)
			case 7:
				c = gone
			}
			out, err := d.AddEvaluations(c, rows, nil, nil, app.AuditEntry{StaffID: f.clerk1, Action: "rate"})
			a := answer{i: i, err: err}
			if err == nil {
				a.uid = out[0].UID
			}
			answers <- a
		})
	}
	waitQueued(t, d, 10)
	<-d.wlock // the commit in progress ends: the ten share the next one
	wg.Wait()
	close(answers)
	if len(sizes) != 1 || sizes[0] != 10 {
		t.Fatalf("group sizes %v, want one group of 10", sizes)
	}

	other, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	stored := 0
	for a := range answers {
		switch a.i {
		case 3:
			if !errors.Is(a.err, ErrDuplicate) {
				t.Errorf("resent rating: %v, want ErrDuplicate", a.err)
			}
		case 7:
			if !errors.Is(a.err, context.Canceled) {
				t.Errorf("cancelled caller: %v, want context.Canceled", a.err)
			}
		default:
			if a.err != nil {
				t.Errorf("writer %d: %v", a.i, a.err)
				continue
			}
			evs, err := other.EvaluationsFor(ctx, []int64{txIDs[a.i]})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 || evs[len(evs)-1].Visit != 2 || evs[len(evs)-1].UID != a.uid {
				t.Errorf("writer %d: read back %+v, want its rating %s", a.i, evs, a.uid)
			}
			stored++
		}
	}
	if stored != 8 {
		t.Errorf("%d ratings stored, want 8", stored)
	}
	// Nothing of the two refused writes was stored: no rating, outbox row
	// or audit entry beyond the eight.
	var evs, outbox, audit int
	if err := other.db.QueryRow(`SELECT (SELECT count(*) FROM evaluations WHERE visit = 2),
		(SELECT count(*) FROM outbox WHERE kind = 'evaluation'), (SELECT count(*) FROM audit_log WHERE action = 'rate')`).
		Scan(&evs, &outbox, &audit); err != nil {
		t.Fatal(err)
	}
	if evs != 8 || outbox != 9 || audit != 8 {
		t.Errorf("stored %d ratings, %d outbox rows, %d audit entries; want 8, 9 (with the first rating), 8", evs, outbox, audit)
	}
}
