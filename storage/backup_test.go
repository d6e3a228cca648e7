package storage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/internal/eventually"
)

func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(filepath.Join(dir, "live.db"))
	mustf(t, err, "open")
	defer d.Close()
	f := seed(t, d)

	var (
		failed  atomic.Bool
		stop    atomic.Bool
		wg      sync.WaitGroup
		written atomic.Int64
		werr    error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			at := t0.Add(time.Duration(i) * time.Second)
			tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", WindowID: f.win1, ClerkID: f.clerk1,
				Status: app.TxCompleted, Visits: 1, CompletedAt: at})
			if err == nil {
				follow := rating(tx, app.LevelGood, at)
				follow.Kind = app.KindFollowUp // one rating per visit: the second row is a follow-up
				_, err = d.AddEvaluations(ctx, []app.Evaluation{rating(tx, app.LevelBad, at), follow},
					[]app.WorkOrder{{}}, []int{0}, app.AuditEntry{Action: "rate"})
			}
			if err != nil {
				werr = err
				failed.Store(true)
				return
			}
			written.Add(1)
		}
	}()
	eventually.True(t, "50 writes before the backup", func() bool { return written.Load() >= 50 || failed.Load() })
	out := filepath.Join(dir, "backup.db")
	mustf(t, d.Backup(ctx, out), "backup")
	atBackup := written.Load()
	eventually.True(t, "20 writes after the backup", func() bool { return written.Load() >= atBackup+20 || failed.Load() })
	stop.Store(true)
	wg.Wait()
	mustf(t, werr, "writer")

	if err := d.Backup(ctx, out); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("backup over an existing file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if name := e.Name(); name != "live.db" && name != "live.db-wal" && name != "live.db-shm" && name != "backup.db" {
			t.Errorf("left %s behind", name)
		}
	}

	b, err := OpenReadOnly(out)
	mustf(t, err, "open backup")
	defer b.Close()
	noProblems(t, b)
	if b.SchemaVersion() != KnownSchemaVersion() {
		t.Fatalf("backup schema v%d", b.SchemaVersion())
	}
	evals := count(t, b, `SELECT count(*) FROM evaluations`)
	live := count(t, d, `SELECT count(*) FROM evaluations`)
	t.Logf("backup holds %d evaluations; live database %d", evals, live)
	if evals < 100 || evals >= live {
		t.Fatalf("backup has %d evaluations, live %d", evals, live)
	}
	// One consistent snapshot: every rating complete with its outbox rows and order.
	if got := count(t, b, `SELECT count(*) FROM outbox WHERE kind = 'evaluation'`); got != evals {
		t.Errorf("backup: %d evaluations, %d outbox rows", evals, got)
	}
	if got := count(t, b, `SELECT count(*) FROM work_orders`); got*2 != evals {
		t.Errorf("backup: %d evaluations, %d work orders", evals, got)
	}
	// The writer stores a transaction and then, separately, its ratings: the
	// snapshot may hold one transaction not yet rated, never a rating without.
	if got := count(t, b, `SELECT count(*) FROM transactions`); got*2 != evals && got*2 != evals+2 {
		t.Errorf("backup: %d evaluations, %d transactions", evals, got)
	}
	// The backup is a working database.
	b2, err := Open(out)
	mustf(t, err, "open backup read-write")
	b2.Close()
}

func TestBackupRefusesBadTargets(t *testing.T) {
	d := openTest(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "x.db")
	mustf(t, os.WriteFile(existing, []byte("keep me"), 0o644), "write")
	if err := d.Backup(ctx, existing); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("existing file: %v", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatal("existing file overwritten")
	}
	if err := d.Backup(ctx, filepath.Join(dir, "missing", "x.db")); err == nil {
		t.Fatal("backup into a missing directory succeeded")
	}
}

// The window's progress bar hears a backup from nothing to the database's
// size, never going back, and the copy is whole.
func TestBackupReportsProgress(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(filepath.Join(dir, "live.db"))
	mustf(t, err, "open")
	defer d.Close()
	f := seed(t, d)
	for i := 0; i < 300; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		_, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", WindowID: f.win1, ClerkID: f.clerk1,
			Status: app.TxCompleted, Visits: 1, CompletedAt: at, ApplicantName: strings.Repeat("张", 200)})
		mustf(t, err, "transaction")
	}
	var got [][2]int
	pctx := app.WithProgress(ctx, func(done, total int) { got = append(got, [2]int{done, total}) })
	out := filepath.Join(dir, "backup.db")
	mustf(t, d.Backup(pctx, out), "backup")
	if len(got) < 2 || got[0][0] != 0 || got[len(got)-1][0] != got[0][1] || got[0][1] <= 0 {
		t.Fatalf("progress %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i][0] < got[i-1][0] || got[i][1] != got[0][1] {
			t.Fatalf("progress went back: %v", got)
		}
	}
	b, err := Open(out)
	mustf(t, err, "open the backup")
	defer b.Close()
	txs, err := b.TxFacts(ctx, time.Time{}, time.Time{})
	mustf(t, err, "read the backup")
	if len(txs) < 300 {
		t.Errorf("backup holds %d transactions", len(txs))
	}
}
