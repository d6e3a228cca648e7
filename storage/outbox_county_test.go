package storage

import (
	"encoding/json"
	"errors"
	"testing"

	"bianmin/app"
)

// Rejected rows leave the pending queue, keep their reason, and return to
// their old place when re-queued (with a corrected payload).
func TestOutboxRejectRequeueStats(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	for i := 0; i < 3; i++ {
		if _, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "X", WindowID: f.win1, Visits: 1}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := d.PendingOutbox(ctx, DefaultDestination, 0)
	mustf(t, err, "pending")
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	mustf(t, d.RejectOutbox(ctx, []Rejection{{ID: rows[0].ID, Reason: "县级平台退回：测试"}}, t0), "reject")
	st, err := d.OutboxStats(ctx, DefaultDestination)
	mustf(t, err, "stats")
	if st.Pending != 2 || st.Rejected != 1 || !st.OldestUnsent.Equal(rows[1].CreatedAt) {
		t.Fatalf("stats %+v", st)
	}
	pend, _ := d.PendingOutbox(ctx, DefaultDestination, 0)
	if len(pend) != 2 || pend[0].ID != rows[1].ID {
		t.Fatalf("pending after reject: %+v", pend)
	}
	rej, err := d.RejectedOutbox(ctx, DefaultDestination, 0)
	mustf(t, err, "rejected")
	if len(rej) != 1 || rej[0].RejectReason != "县级平台退回：测试" || rej[0].RejectedAt.IsZero() {
		t.Fatalf("rejected %+v", rej)
	}
	if err := d.RequeueOutbox(ctx, rows[1].ID, nil); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("re-queue of a pending row: %v", err)
	}
	if err := d.RequeueOutbox(ctx, rows[0].ID, json.RawMessage(`{`)); err == nil {
		t.Fatal("invalid payload accepted")
	}
	mustf(t, d.RequeueOutbox(ctx, rows[0].ID, json.RawMessage(`{"fixed":true}`)), "requeue")
	pend, _ = d.PendingOutbox(ctx, DefaultDestination, 0)
	if len(pend) != 3 || pend[0].ID != rows[0].ID || string(pend[0].Payload) != `{"fixed":true}` {
		t.Fatalf("pending after re-queue: %+v", pend[0])
	}
	mustf(t, d.MarkOutboxSent(ctx, []int64{pend[0].ID, pend[1].ID, pend[2].ID}, t0), "sent")
	st, _ = d.OutboxStats(ctx, DefaultDestination)
	if st.Pending != 0 || st.Rejected != 0 || !st.OldestUnsent.IsZero() {
		t.Fatalf("stats after sending %+v", st)
	}
}

func TestSettingsTable(t *testing.T) {
	d := openTest(t)
	mustf(t, d.SaveSettings(ctx, map[string]string{"county.url": "http://a", "county.key": "k", "other": "x"}), "save")
	mustf(t, d.SaveSettings(ctx, map[string]string{"county.url": "http://b"}), "save")
	kv, err := d.Settings(ctx, "county.")
	mustf(t, err, "read")
	if len(kv) != 2 || kv["county.url"] != "http://b" || kv["county.key"] != "k" {
		t.Fatalf("%v", kv)
	}
}
