package countysync_test

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	countysync "bianmin/sync"
)

// timeoutRow settles the rating window of a transaction completed a month
// ago under profile, the way the running program does, and returns the
// outbox row of the timeout record with the rating the rules stored.
func timeoutRow(t *testing.T, c *centre, profile string) (storage.OutboxRow, app.Evaluation) {
	t.Helper()
	p, err := app.LoadProfile(profile, "")
	must(t, err)
	svc := app.NewService(c.db, app.SystemClock{}, p, app.NewCalendar(), slog.New(slog.DiscardHandler))
	tx := c.completed(t, time.Now().AddDate(0, 0, -30))
	if n, err := svc.SettleTimeouts(ctx); err != nil || n != 1 {
		t.Fatalf("settle: %d %v", n, err)
	}
	evs, err := c.db.EvaluationsFor(ctx, []int64{tx.ID})
	must(t, err)
	if len(evs) != 1 || evs[0].Kind != app.KindTimeout {
		t.Fatalf("timeout rows: %+v", evs)
	}
	rows, err := c.db.PendingOutbox(ctx, storage.DefaultDestination, 0)
	must(t, err)
	for _, r := range rows {
		if r.RecordUID == evs[0].UID {
			return r, evs[0]
		}
	}
	t.Fatalf("no outbox row for the timeout rating %s", evs[0].UID)
	return storage.OutboxRow{}, app.Evaluation{}
}

func mappedFields(t *testing.T, c *centre, row storage.OutboxRow) map[string]any {
	t.Helper()
	m, err := countysync.NewMapper(ctx, c.db, countysync.DefaultSettings())
	must(t, err)
	rec, err := m.Map(ctx, row)
	must(t, err)
	var f map[string]any
	must(t, json.Unmarshal(rec.Data, &f))
	return f
}

// 未评 goes up as the spec's unrated record — no satisfaction at all, pf 7,
// isDefault, assessTime = when the window closed — and the county accepts
// it. A record of that kind that a county refused under the old mapping
// (satisfaction 0) is re-queued by the manager and goes through.
func TestUnratedTimeoutUploadedAsUnrated(t *testing.T) {
	c := newCentre(t)
	row, ev := timeoutRow(t, c, "national")
	f := mappedFields(t, c, row)
	if _, ok := f["satisfaction"]; ok {
		t.Fatalf("unrated record carries satisfaction: %v", f)
	}
	if f["unrated"] != true || f["isDefault"] != true || f["pf"] != float64(7) ||
		f["assessTime"] != ev.RatedAt.In(app.ChinaTime).Format(countysync.TimeLayout) {
		t.Fatalf("unrated record: %v (rating window closed %s)", f, ev.RatedAt)
	}

	// As the county refused it before this version mapped it right.
	must(t, c.db.RejectOutbox(ctx, []storage.Rejection{{ID: row.ID, Reason: "满意度 satisfaction=0 无效"}}, time.Now()))
	sim, url := startSim(t, countysync.SimOptions{})
	snd := newSender(c, url)
	res, err := snd.Drain(ctx)
	must(t, err)
	if res.Rejected != 0 {
		t.Fatalf("drain: %+v", res)
	}
	rej, err := snd.Rejected(ctx, 0)
	must(t, err)
	if len(rej) != 1 || rej[0].OutboxID != row.ID {
		t.Fatalf("rejected list: %+v", rej)
	}
	must(t, snd.Requeue(ctx, rej[0].OutboxID, rej[0].Payload))
	res, err = snd.Drain(ctx)
	must(t, err)
	if res.Sent != 1 || res.Rejected != 0 {
		t.Fatalf("after re-queue: %+v", res)
	}
	if rej, _ = snd.Rejected(ctx, 0); len(rej) != 0 {
		t.Fatalf("still rejected: %+v", rej)
	}
	cnt, err := sim.Counts(ctx)
	must(t, err)
	if cnt.Records != 2 { // the transaction and its unrated record
		t.Fatalf("county holds %+v", cnt)
	}
}

// Under a profile that fills a default level (SZ 非常满意) the timeout
// carries that level with isDefault, and is not unrated.
func TestDefaultLevelTimeoutIsNotUnrated(t *testing.T) {
	c := newCentre(t)
	row, ev := timeoutRow(t, c, "shenzhen")
	if !ev.Level.Valid() {
		t.Fatalf("shenzhen timeout has no level: %+v", ev)
	}
	f := mappedFields(t, c, row)
	if f["satisfaction"] != float64(ev.Level) || f["isDefault"] != true {
		t.Fatalf("default-level record: %v", f)
	}
	if _, ok := f["unrated"]; ok {
		t.Fatalf("default-level record marked unrated: %v", f)
	}
}
