package storage

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"bianmin/app"
)

func openAt(t testing.TB, name string) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), name))
	mustf(t, err, "open %s", name)
	t.Cleanup(func() { d.Close() })
	d.SetClock(app.NewFakeClock(t0))
	return d
}

// anyRating lets every relayed rating through the rules: these tests are
// about the importer's mechanics (UIDs, replays, one rating per visit); the
// rules themselves are app.Service.VetRelayed's, tested in sync/relay.
func anyRating(app.Evaluation, app.Transaction) error { return nil }

func sameConfig(t *testing.T, hub, counter *DB) {
	t.Helper()
	a, err := hub.ExportConfig(ctx)
	mustf(t, err, "export hub")
	b, err := counter.ExportConfig(ctx)
	mustf(t, err, "export counter")
	// Rows the hub no longer lists stay on the counter, deactivated and renamed.
	var staff []app.Staff
	for _, s := range b.Staff {
		if !strings.HasPrefix(s.No, "~") {
			staff = append(staff, s)
		}
	}
	b.Staff = staff
	var cats []app.QueueCategory
	for _, c := range b.Categories {
		if !strings.HasPrefix(c.Prefix, "~") {
			cats = append(cats, c)
		}
	}
	b.Categories = cats
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("counter configuration differs from the hub's:\nhub     %+v\ncounter %+v", a, b)
	}
}

// A counter that started standalone (its own manager, window and ticket
// letter) takes the hub's configuration with the hub's IDs; later renames
// and swaps on the hub come through too.
func TestImportConfigKeepsHubIDs(t *testing.T) {
	hub := openAt(t, "hub.db")
	f := seed(t, hub)
	mustf(t, hub.SetPost(ctx, app.Post{WindowID: f.win1, StaffID: f.clerk1, Post: "A"}), "post")
	counter := openAt(t, "counter.db")
	mustf(t, counter.SaveCentre(ctx, app.Centre{Name: "本机", Profile: "national"}), "centre")
	_, err := counter.AddStaff(ctx, app.Staff{No: "9001", Name: "本机管理员", Role: app.RoleManager, PINHash: "x", Active: true})
	mustf(t, err, "local staff")
	_, err = counter.AddStaff(ctx, app.Staff{No: "0777", Name: "本机临时", Role: app.RoleClerk, PINHash: "y", Active: true})
	mustf(t, err, "local staff")
	lw, err := counter.AddWindow(ctx, app.Window{Number: 2, Name: "本机窗口", Active: true})
	mustf(t, err, "local window")
	_, err = counter.AddCategory(ctx, app.QueueCategory{Prefix: "A", Name: "本机", Windows: []int64{lw}})
	mustf(t, err, "local category")

	snap, err := hub.ExportConfig(ctx)
	mustf(t, err, "export")
	mustf(t, counter.ImportConfig(ctx, snap), "import")
	sameConfig(t, hub, counter)
	hk, _ := hub.IDHashKey(ctx)
	ck, _ := counter.IDHashKey(ctx)
	if string(hk) != string(ck) || len(hk) != 32 {
		t.Fatalf("ID hash keys differ")
	}
	if st, err := counter.StaffByNo(ctx, "9001"); err != nil || st.ID != f.manager || st.PINHash != "h9" {
		t.Fatalf("manager on the counter %+v %v", st, err)
	}
	if n := count(t, counter, `SELECT count(*) FROM staff WHERE active AND no GLOB '~*'`); n != 0 {
		t.Fatalf("%d local staff still active", n)
	}

	// The hub swaps two clerks' 工号 and two windows' numbers, retires an item.
	for _, q := range []string{`UPDATE staff SET no = 'tmp' WHERE no = '0001'`, `UPDATE staff SET no = '0001' WHERE no = '0002'`,
		`UPDATE staff SET no = '0002' WHERE no = 'tmp'`, `UPDATE windows SET number = 9 WHERE number = 1`,
		`UPDATE windows SET number = 1 WHERE number = 2`, `UPDATE windows SET number = 2 WHERE number = 9`} {
		_, err = hub.db.Exec(q)
		mustf(t, err, "%s", q)
	}
	mustf(t, hub.SaveItem(ctx, app.ServiceItem{Code: "110000001", Name: "户口迁移", Department: "公安", Active: false}), "retire")
	snap, err = hub.ExportConfig(ctx)
	mustf(t, err, "export")
	mustf(t, counter.ImportConfig(ctx, snap), "import again")
	sameConfig(t, hub, counter)
	noProblems(t, counter)
}

func TestImportConfigRefusesEmpty(t *testing.T) {
	d := openTest(t)
	if err := d.ImportConfig(ctx, ConfigSnapshot{}); err == nil {
		t.Fatal("empty snapshot imported")
	}
}

// Counters get BM + date + node + 4 digits; without a node number the
// original 6-digit daily sequence is unchanged.
func TestSerialNodePrefix(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	add := func() string {
		tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", WindowID: f.win1, CreatedAt: t0})
		mustf(t, err, "add")
		return tx.Serial
	}
	if s := add(); s != "BM20250303000001" {
		t.Fatalf("hub serial %s", s)
	}
	mustf(t, d.SetNodeNumber(ctx, 7), "node")
	if s := add(); s != "BM20250303070002" {
		t.Fatalf("counter serial %s", s)
	}
	mustf(t, d.SetNodeNumber(ctx, 0), "clear node")
	if s := add(); s != "BM20250303000003" {
		t.Fatalf("serial after clearing %s", s)
	}
	if err := d.SetNodeNumber(ctx, 100); err == nil {
		t.Fatal("node 100 accepted")
	}
}

func relayTx(t *testing.T, tx app.Transaction, parent string) RelayRecord {
	b, err := json.Marshal(tx)
	mustf(t, err, "encode")
	return RelayRecord{Kind: OutboxTransaction, UID: tx.UID, Payload: b, ParentUID: parent}
}

func relayEval(t *testing.T, e app.Evaluation, txUID string) RelayRecord {
	b, err := json.Marshal(e)
	mustf(t, err, "encode")
	return RelayRecord{Kind: OutboxEvaluation, UID: e.UID, Payload: b, TxUID: txUID}
}

func statuses(res []ImportResult) string {
	var s []string
	for _, r := range res {
		s = append(s, r.Status)
	}
	return strings.Join(s, ",")
}

// The hub takes records by UID: inserted once, moved forward by later
// states, never back; ratings once, with one work order per bad review; a
// record it cannot take is rejected with a reason without stopping the rest.
func TestImportRecordsIdempotentByUID(t *testing.T) {
	hub := openAt(t, "hub.db")
	f := seed(t, hub)
	ticket, err := hub.AddTicket(ctx, app.Ticket{CategoryID: f.cat, Number: "A001", Day: "2025-03-03"})
	mustf(t, err, "ticket")
	counter := openAt(t, "counter.db")
	snap, _ := hub.ExportConfig(ctx)
	mustf(t, counter.ImportConfig(ctx, snap), "config")
	mustf(t, counter.SetNodeNumber(ctx, 2), "node")

	// A theme registered at the counter for the hub's ticket: the counter
	// holds no tickets, its rows carry the link only in the outbox.
	group, err := counter.AddTransactionGroup(ctx, []app.Transaction{
		{ItemCode: "110000002", IsTheme: true, WindowID: f.win1, ClerkID: f.clerk1, TicketID: ticket, Visits: 1, CreatedAt: t0},
		{ItemCode: "110000001", WindowID: f.win1, ClerkID: f.clerk1, TicketID: ticket, Visits: 1, CreatedAt: t0},
	}, app.AuditEntry{Action: "register"})
	mustf(t, err, "group")
	parent, child := group[0], group[1]
	if child.ThemeParentID != parent.ID || child.TicketID != ticket {
		t.Fatalf("child %+v", child)
	}
	if n := count(t, counter, `SELECT count(*) FROM transactions WHERE ticket_id IS NOT NULL`); n != 0 {
		t.Fatalf("counter linked %d rows to a ticket it does not hold", n)
	}
	done := child
	done.Status, done.AcceptedAt, done.CompletedAt = app.TxCompleted, t0.Add(time.Minute), t0.Add(5*time.Minute)
	orders := func(e app.Evaluation) (app.WorkOrder, bool) {
		if e.Level > app.LevelBad {
			return app.WorkOrder{}, false
		}
		return app.WorkOrder{TransactionID: e.TransactionID, Category: app.CatStaff, State: app.OrderOpen}, true
	}
	bad := rating(done, app.LevelBad, t0.Add(6*time.Minute))
	bad.UID, bad.Tags = "ev-bad", []string{"态度差"}
	orphan := rating(done, app.LevelGood, t0)
	orphan.UID = "ev-orphan"

	res, err := hub.ImportRecords(ctx, []RelayRecord{
		relayTx(t, parent, ""), relayTx(t, child, parent.UID), relayTx(t, done, parent.UID),
		relayEval(t, orphan, "no-such-transaction"), relayEval(t, bad, child.UID),
	}, ImportRules{Vet: anyRating, Orders: orders})
	mustf(t, err, "import")
	if got := statuses(res); got != "accepted,accepted,accepted,rejected,accepted" || !strings.Contains(res[3].Reason, "办件未能导入") {
		t.Fatalf("results %+v", res)
	}
	hc, err := hub.TransactionBySerial(ctx, child.Serial)
	mustf(t, err, "hub child")
	hp, err := hub.TransactionBySerial(ctx, parent.Serial)
	mustf(t, err, "hub parent")
	if hc.UID != child.UID || hc.ThemeParentID != hp.ID || hc.Status != app.TxCompleted || hc.TicketID != ticket ||
		!strings.HasPrefix(hc.Serial, "BM2025030302") {
		t.Fatalf("hub child %+v (parent %d)", hc, hp.ID)
	}
	evs, err := hub.EvaluationsFor(ctx, []int64{hc.ID})
	mustf(t, err, "hub evals")
	if len(evs) != 1 || evs[0].UID != "ev-bad" || evs[0].TransactionID != hc.ID {
		t.Fatalf("hub evaluations %+v", evs)
	}
	os, err := hub.WorkOrders(ctx, app.OrderFilter{})
	mustf(t, err, "orders")
	if len(os) != 1 || os[0].EvaluationID != evs[0].ID || os[0].UID == "" {
		t.Fatalf("hub orders %+v", os)
	}

	// Replays (a lost answer) and a late older state change nothing.
	outbox := count(t, hub, `SELECT count(*) FROM outbox`)
	res, err = hub.ImportRecords(ctx, []RelayRecord{
		relayTx(t, parent, ""), relayTx(t, child, parent.UID), relayTx(t, done, parent.UID), relayEval(t, bad, child.UID),
	}, ImportRules{Vet: anyRating, Orders: orders})
	mustf(t, err, "replay")
	if got := statuses(res); got != "duplicate,duplicate,duplicate,duplicate" {
		t.Fatalf("replay %+v", res)
	}
	if n := count(t, hub, `SELECT count(*) FROM outbox`); n != outbox {
		t.Fatalf("replay wrote %d outbox rows", n-outbox)
	}
	if n := count(t, hub, `SELECT count(*) FROM work_orders`); n != 1 {
		t.Fatalf("%d work orders after replay", n)
	}
	if got, _ := hub.TransactionBySerial(ctx, child.Serial); got.Status != app.TxCompleted {
		t.Fatalf("status went back to %s", got.Status)
	}

	// Conflicts the hub cannot take: another finish of a finished case, a
	// serial the hub already uses, a second rating of a rated visit.
	returned := done
	returned.Status = app.TxReturned
	clash := app.Transaction{UID: "other-uid", Serial: child.Serial, ItemCode: "110000001", Status: app.TxRegistered, BatchCount: 1}
	second := rating(done, app.LevelVeryGood, t0.Add(7*time.Minute))
	second.UID = "ev-second"
	fresh := app.Transaction{UID: "fresh-uid", Serial: "BM20250303029999", ItemCode: "110000001", Status: app.TxRegistered,
		BatchCount: 1, WindowID: f.win2, ClerkID: f.clerk2, TicketID: 424242, CreatedAt: t0}
	res, err = hub.ImportRecords(ctx, []RelayRecord{
		relayTx(t, returned, parent.UID), relayTx(t, clash, ""), relayEval(t, second, child.UID), relayTx(t, fresh, ""),
		{Kind: OutboxWorkOrder, UID: "wo", Payload: json.RawMessage(`{}`)},
	}, ImportRules{Vet: anyRating, Orders: orders})
	mustf(t, err, "conflicts")
	if got := statuses(res); got != "rejected,rejected,rejected,accepted,rejected" {
		t.Fatalf("conflicts %+v", res)
	}
	for i, want := range []string{"已是“已办结”", "流水号", "已有评价", "", "不接收"} {
		if !strings.Contains(res[i].Reason, want) {
			t.Errorf("reason %d = %q, want it to mention %q", i, res[i].Reason, want)
		}
	}
	if got, _ := hub.TransactionBySerial(ctx, fresh.Serial); got.UID != "fresh-uid" || got.TicketID != 0 {
		t.Fatalf("fresh %+v: a ticket unknown to the hub must be dropped, the record kept", got)
	}
	noProblems(t, hub)
}

// A counter's 未评 for a visit the hub holds anything for is a duplicate
// (nothing a person said is lost); a person's rating for a visit the hub
// already settled as 未评 is rejected with that reason, for the manager.
func TestImportTimeoutsAgainstTheHub(t *testing.T) {
	hub := openAt(t, "hub.db")
	f := seed(t, hub)
	rated := finishedTx(t, hub, f, t0)
	settled := finishedTx(t, hub, f, t0)
	hubTimeout := rating(settled, app.LevelNone, t0.Add(200*time.Hour))
	hubTimeout.Kind = app.KindTimeout
	addEvals(t, hub, rating(rated, app.LevelGood, t0), hubTimeout)

	counterTimeout := rating(rated, app.LevelNone, t0.Add(200*time.Hour))
	counterTimeout.UID, counterTimeout.Kind = "counter-timeout", app.KindTimeout
	late := rating(settled, app.LevelVeryGood, t0.Add(time.Hour))
	late.UID = "counter-active"
	res, err := hub.ImportRecords(ctx, []RelayRecord{relayEval(t, counterTimeout, rated.UID), relayEval(t, late, settled.UID)}, ImportRules{Vet: anyRating})
	mustf(t, err, "import")
	if statuses(res) != "duplicate,rejected" || !strings.Contains(res[1].Reason, "超时未评") {
		t.Fatalf("results %+v", res)
	}
	if n := count(t, hub, `SELECT count(*) FROM evaluations`); n != 2 {
		t.Fatalf("%d evaluations on the hub, want the 2 it had", n)
	}
}

// Without rules to judge them by, no relayed rating is taken in: the batch
// fails (the counter keeps it and retries) instead of storing it unchecked.
func TestImportRecordsNeedsRules(t *testing.T) {
	hub := openAt(t, "hub.db")
	f := seed(t, hub)
	done := finishedTx(t, hub, f, t0)
	e := rating(done, app.LevelGood, t0.Add(time.Hour))
	e.UID = "unchecked"
	if _, err := hub.ImportRecords(ctx, []RelayRecord{relayEval(t, e, done.UID)}, ImportRules{}); err == nil {
		t.Fatal("a rating was imported with no rules to vet it")
	}
	if n := count(t, hub, `SELECT count(*) FROM evaluations`); n != 0 {
		t.Fatalf("%d evaluations stored", n)
	}
}
