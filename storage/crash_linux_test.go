//go:build linux

package storage

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"bianmin/app"
)

// crashBatch is what the crash writer stores per rating: a transaction, then
// three evaluation rows sharing an event ID (window, item, and a bad overall
// row) with a work order for the bad one, plus the audit entry.
const crashRowsPerEvent = 3

func init() {
	childModes["crash-writer"] = func(t *testing.T, path string) {
		d, err := Open(path)
		mustf(t, err, "open")
		defer d.Close()
		win, clerk := int64(1), int64(1)
		deadline := time.Now().Add(30 * time.Second) // never outlive a parent that forgot us
		for i := 0; time.Now().Before(deadline); i++ {
			at := t0.Add(time.Duration(i) * time.Second)
			tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", WindowID: win, ClerkID: clerk,
				Status: app.TxCompleted, Visits: 1, CreatedAt: at, CompletedAt: at})
			mustf(t, err, "transaction")
			event := fmt.Sprintf("crash-%d-%d", os.Getpid(), i)
			evs := make([]app.Evaluation, crashRowsPerEvent)
			for k, dim := range []app.Dimension{app.DimWindow, app.DimItem, app.DimOverall} {
				evs[k] = rating(tx, app.LevelGood, at)
				evs[k].EventID, evs[k].Dimension, evs[k].Text = event, dim, strings.Repeat("很好", 20)
				if k > 0 {
					evs[k].Kind = app.KindFollowUp // one active rating per visit
				}
			}
			evs[2].Level = app.LevelVeryBad
			_, err = d.AddEvaluations(ctx, evs, []app.WorkOrder{{TransactionID: tx.ID, ClerkID: clerk, Category: app.CatStaff}},
				[]int{2}, app.AuditEntry{StaffID: clerk, Action: "rate", Detail: event})
			mustf(t, err, "evaluations")
			// Acknowledge only after the commit returned, as the UI would.
			fmt.Fprintf(os.Stdout, "ACK %s\n", event)
		}
	}
}

func TestCrashMidWriteKeepsWholeTransactions(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped in -short")
	}
	path := seededFile(t, t.TempDir())
	acked := map[string]bool{}
	for round := 0; round < 4; round++ {
		cmd := childCmd(t, "crash-writer", path, false)
		out, err := cmd.StdoutPipe()
		mustf(t, err, "pipe")
		cmd.Stderr = os.Stderr
		mustf(t, cmd.Start(), "start")
		killAfter := 40 + rand.IntN(80)
		sc := bufio.NewScanner(out)
		n, killed := 0, false
		for sc.Scan() {
			line := sc.Text()
			if ev, ok := strings.CutPrefix(line, "ACK "); ok {
				acked[ev] = true
				n++
			}
			if n >= killAfter && !killed {
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
				mustf(t, cmd.Process.Signal(syscall.SIGKILL), "kill")
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("round %d: child ended by itself after %d acks: %v", round, n, err)
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child not killed: %v", round, cmd.ProcessState)
		}
	}

	d, err := Open(path)
	mustf(t, err, "reopen after crashes")
	defer d.Close()
	noProblems(t, d)
	evals := count(t, d, `SELECT count(*) FROM evaluations`)
	t.Logf("%d acknowledged ratings, %d evaluation rows after 4 kills", len(acked), evals)
	if got := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'evaluation'`); got != evals {
		t.Errorf("evaluations %d, evaluation outbox rows %d", evals, got)
	}
	if got, want := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'workorder'`),
		count(t, d, `SELECT count(*) FROM work_orders`); got != want {
		t.Errorf("work orders %d, workorder outbox rows %d", want, got)
	}
	if got, want := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'transaction'`),
		count(t, d, `SELECT count(*) FROM transactions`); got != want {
		t.Errorf("transactions %d, transaction outbox rows %d", want, got)
	}
	if n := count(t, d, `SELECT count(*) FROM work_orders w LEFT JOIN evaluations e ON e.id = w.evaluation_id
		WHERE e.id IS NULL OR e.level <> 1`); n != 0 {
		t.Errorf("%d work orders without their bad evaluation", n)
	}
	// No half rating: every event has all its rows, its order and its audit entry.
	if n := count(t, d, `SELECT count(*) FROM (SELECT event_id FROM evaluations WHERE event_id LIKE 'crash-%'
		GROUP BY event_id HAVING count(*) <> ?)`, crashRowsPerEvent); n != 0 {
		t.Errorf("%d events with a partial set of rows", n)
	}
	events := count(t, d, `SELECT count(DISTINCT event_id) FROM evaluations WHERE event_id LIKE 'crash-%'`)
	if got := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'rate'`); got != events {
		t.Errorf("%d events, %d audit entries", events, got)
	}
	if got := count(t, d, `SELECT count(*) FROM work_orders`); got != events {
		t.Errorf("%d events, %d work orders", events, got)
	}
	// Nothing acknowledged was lost.
	for ev := range acked {
		if n := count(t, d, `SELECT count(*) FROM evaluations WHERE event_id = ?`, ev); n != crashRowsPerEvent {
			t.Fatalf("acknowledged rating %s has %d rows after the crash", ev, n)
		}
	}
	if events < len(acked) {
		t.Fatalf("%d events stored, %d acknowledged", events, len(acked))
	}
}
