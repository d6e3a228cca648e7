package storage

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"bianmin/app"
)

func TestCentre(t *testing.T) {
	d := openTest(t)
	if _, err := d.Centre(ctx); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("Centre before save: %v, want ErrNotFound", err)
	}
	c := app.Centre{Name: "城关镇便民服务中心", AreaCode: "110101001000", Profile: "taian"}
	mustf(t, d.SaveCentre(ctx, c), "save")
	c.Profile = "shenzhen"
	mustf(t, d.SaveCentre(ctx, c), "save again")
	got, err := d.Centre(ctx)
	mustf(t, err, "centre")
	if got != c {
		t.Fatalf("Centre = %+v, want %+v", got, c)
	}
	for _, bad := range []string{"11010100100", "11010100100X", "1101010010001"} {
		if err := d.SaveCentre(ctx, app.Centre{Name: "x", AreaCode: bad}); err == nil {
			t.Errorf("SaveCentre accepted area code %q", bad)
		}
	}
}

func TestWindowsStaffPosts(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	ws, err := d.Windows(ctx)
	mustf(t, err, "windows")
	if len(ws) != 2 || ws[0].ID != f.win1 || ws[0].Number != 1 || ws[0].Name != "综合受理窗口" || !ws[0].Active {
		t.Fatalf("Windows = %+v", ws)
	}
	if _, err := d.AddWindow(ctx, app.Window{Number: 1, Name: "dup", Active: true}); err == nil {
		t.Error("two active windows with number 1 accepted")
	}
	if _, err := d.AddWindow(ctx, app.Window{Number: 1, Name: "retired", Active: false}); err != nil {
		t.Errorf("inactive window with a used number refused: %v", err)
	}

	s, err := d.StaffByNo(ctx, "0002")
	mustf(t, err, "StaffByNo")
	want := app.Staff{ID: f.clerk2, No: "0002", Name: "李四", Role: app.RoleClerk, PINHash: "h2", Active: true}
	if s != want {
		t.Fatalf("StaffByNo = %+v, want %+v", s, want)
	}
	if s, err = d.StaffByID(ctx, f.manager); err != nil || s.Role != app.RoleManager || s.No != "9001" {
		t.Fatalf("StaffByID = %+v, %v", s, err)
	}
	if _, err := d.StaffByNo(ctx, "7777"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("StaffByNo unknown: %v", err)
	}
	if _, err := d.StaffByID(ctx, 999); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("StaffByID unknown: %v", err)
	}
	if _, err := d.AddStaff(ctx, app.Staff{No: "0001", Name: "again", Role: app.RoleClerk}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate 工号: %v, want ErrDuplicate", err)
	}
	all, err := d.AllStaff(ctx)
	mustf(t, err, "AllStaff")
	if len(all) != 3 || all[0].No != "0001" || all[2].No != "9001" {
		t.Fatalf("AllStaff = %+v", all)
	}

	mustf(t, d.SetPost(ctx, app.Post{WindowID: f.win1, StaffID: f.clerk1, Post: "A"}), "post")
	mustf(t, d.SetPost(ctx, app.Post{WindowID: f.win1, StaffID: f.clerk2, Post: "B"}), "post")
	mustf(t, d.SetPost(ctx, app.Post{WindowID: f.win2, StaffID: f.clerk1, Post: "A"}), "post")
	mustf(t, d.SetPost(ctx, app.Post{WindowID: f.win2, StaffID: f.clerk2, Post: "A"}), "replace post")
	mustf(t, d.SetPost(ctx, app.Post{WindowID: f.win2, StaffID: f.clerk1, Post: "B"}), "post")
	mustf(t, d.SetPost(ctx, app.Post{WindowID: f.win2, Post: "B"}), "clear post")
	if err := d.SetPost(ctx, app.Post{WindowID: f.win1, StaffID: f.clerk1, Post: "C"}); err == nil {
		t.Error("post C accepted")
	}
	if err := d.SetPost(ctx, app.Post{WindowID: f.win1, StaffID: 999, Post: "A"}); err == nil {
		t.Error("post for unknown staff accepted")
	}
	posts, err := d.Posts(ctx)
	mustf(t, err, "posts")
	wantPosts := []app.Post{{WindowID: f.win1, StaffID: f.clerk1, Post: "A"}, {WindowID: f.win1, StaffID: f.clerk2, Post: "B"},
		{WindowID: f.win2, StaffID: f.clerk2, Post: "A"}}
	if !reflect.DeepEqual(posts, wantPosts) {
		t.Fatalf("Posts = %+v, want %+v", posts, wantPosts)
	}
}

func TestItems(t *testing.T) {
	d := openTest(t)
	seed(t, d)
	it := app.ServiceItem{Code: "110000001", Name: "户口迁移（省内）", Department: "公安", PromiseDays: 3,
		Materials: []string{"身份证", "准迁证"}, Pinyin: "hkqy", Active: false}
	mustf(t, d.SaveItem(ctx, it), "update item")
	items, err := d.Items(ctx)
	mustf(t, err, "items")
	if len(items) != 2 {
		t.Fatalf("Items = %+v", items)
	}
	if !reflect.DeepEqual(items[0], it) {
		t.Fatalf("Items[0] = %+v, want %+v", items[0], it)
	}
	if items[1].Materials[1] != "户口簿" || items[1].Instant || items[1].PromiseDays != 5 {
		t.Fatalf("Items[1] = %+v", items[1])
	}
	// The update kept the transactions that reference it readable.
	if err := d.SaveItem(ctx, app.ServiceItem{Code: ""}); err == nil {
		t.Error("item without code accepted")
	}
}

func TestCategoriesAndTickets(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	id, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "B", Name: "社保医保", Windows: []int64{f.win2}})
	mustf(t, err, "category")
	if _, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "C", Name: "x", Windows: []int64{999}}); err == nil {
		t.Error("category with unknown window accepted")
	}
	cats, err := d.Categories(ctx)
	mustf(t, err, "categories")
	want := []app.QueueCategory{
		{ID: f.cat, Prefix: "A", Name: "综合受理", Windows: []int64{f.win1, f.win2}},
		{ID: id, Prefix: "B", Name: "社保医保", Windows: []int64{f.win2}},
	}
	if !reflect.DeepEqual(cats, want) {
		t.Fatalf("Categories = %+v, want %+v", cats, want)
	}

	tk := app.Ticket{CategoryID: f.cat, Number: "A001", Day: "2025-03-03", Priority: true}
	tid, err := d.AddTicket(ctx, tk)
	mustf(t, err, "ticket")
	if tid == 0 {
		t.Fatal("ticket ID 0")
	}
	if _, err := d.AddTicket(ctx, tk); !errors.Is(err, ErrDuplicate) {
		t.Errorf("same number twice a day: %v", err)
	}
	tk.Day = "2025-03-04"
	if _, err := d.AddTicket(ctx, tk); err != nil {
		t.Errorf("same number next day: %v", err)
	}
	var issued int64
	mustf(t, d.db.QueryRow(`SELECT issued_at FROM tickets WHERE id = ?`, tid).Scan(&issued), "issued_at")
	if issued != t0.UnixMilli() {
		t.Errorf("IssuedAt = %d, want the clock's %d", issued, t0.UnixMilli())
	}
	// A transaction can refer to the ticket.
	tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", TicketID: tid, WindowID: f.win1})
	mustf(t, err, "tx with ticket")
	if tx.TicketID != tid {
		t.Errorf("TicketID = %d", tx.TicketID)
	}
}

var serialRE = regexp.MustCompile(`^BM20250303\d{6}$`)

func TestAddTransaction(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	in := app.Transaction{
		ItemCode: "110000002", BatchID: "", AgentName: "钱七", ApplicantName: "孙八",
		IDMasked: "110101********1234", IDHash: "abc", Phone: "13800000000", WindowID: f.win1, ClerkID: f.clerk1,
		CreatedAt: t0.Add(123456789 * time.Nanosecond),
	}
	tx, err := d.AddTransaction(ctx, in)
	mustf(t, err, "add")
	if tx.ID == 0 || !serialRE.MatchString(tx.Serial) || len(tx.UID) != 32 {
		t.Fatalf("filled ID/Serial/UID: %+v", tx)
	}
	if tx.Status != app.TxRegistered || tx.BatchCount != 1 || tx.ItemName != "城乡居民医保参保登记" {
		t.Fatalf("defaults: %+v", tx)
	}
	if !tx.CreatedAt.Equal(t0.Add(123*time.Millisecond)) || tx.CreatedAt.Location() != app.ChinaTime {
		t.Fatalf("CreatedAt = %v", tx.CreatedAt)
	}
	if !tx.AcceptedAt.IsZero() || !tx.CompletedAt.IsZero() {
		t.Fatalf("zero times read back as %v %v", tx.AcceptedAt, tx.CompletedAt)
	}
	got, err := d.Transaction(ctx, tx.ID)
	mustf(t, err, "get")
	if !reflect.DeepEqual(got, tx) {
		t.Fatalf("Transaction = %+v\nwant %+v", got, tx)
	}
	got, err = d.TransactionBySerial(ctx, tx.Serial)
	mustf(t, err, "by serial")
	if !reflect.DeepEqual(got, tx) {
		t.Fatalf("TransactionBySerial = %+v", got)
	}
	if _, err := d.Transaction(ctx, 999); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown ID: %v", err)
	}
	if _, err := d.TransactionBySerial(ctx, "BM"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown serial: %v", err)
	}

	// Serials count up per day; a hand-entered serial in the sequence is skipped.
	tx2, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", CreatedAt: t0})
	mustf(t, err, "second")
	if tx2.Serial <= tx.Serial {
		t.Fatalf("serials %s then %s", tx.Serial, tx2.Serial)
	}
	_, err = d.AddTransaction(ctx, app.Transaction{Serial: "BM20250303000003", ItemCode: "110000001", CreatedAt: t0})
	mustf(t, err, "manual serial")
	tx4, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", CreatedAt: t0})
	mustf(t, err, "fourth")
	if tx4.Serial != "BM20250303000004" {
		t.Fatalf("serial after manual one = %s", tx4.Serial)
	}
	// The day is the China date: 23:30 UTC on 3 March is 4 March in China.
	tx5, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001",
		CreatedAt: time.Date(2025, 3, 3, 23, 30, 0, 0, time.UTC)})
	mustf(t, err, "next day")
	if tx5.Serial != "BM20250304000001" {
		t.Fatalf("serial = %s", tx5.Serial)
	}
	if _, err := d.AddTransaction(ctx, app.Transaction{Serial: tx.Serial, ItemCode: "x"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate serial: %v", err)
	}
	if _, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "x", WindowID: 999}); err == nil {
		t.Error("unknown window accepted")
	}
	// Every transaction write has its outbox row, with the stored record.
	if n := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'transaction'`); n != 5 {
		t.Fatalf("transaction outbox rows = %d, want 5", n)
	}
	var payload string
	mustf(t, d.db.QueryRow(`SELECT payload FROM outbox WHERE record_uid = ?`, tx.UID).Scan(&payload), "payload")
	var decoded app.Transaction
	mustf(t, json.Unmarshal([]byte(payload), &decoded), "decode")
	if decoded.Serial != tx.Serial || decoded.ID != tx.ID || !decoded.CreatedAt.Equal(tx.CreatedAt) {
		t.Fatalf("payload = %s", payload)
	}
}

func TestUpdateTransaction(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", WindowID: f.win1, ClerkID: f.clerk1})
	mustf(t, err, "add")
	tx.Status = app.TxCompleted
	tx.Visits = 2
	tx.ClerkID = f.clerk2
	tx.AcceptedAt = t0.Add(time.Minute)
	tx.CompletedAt = t0.Add(time.Hour)
	tx.Serial = "ignored"
	mustf(t, d.UpdateTransaction(ctx, tx), "update")
	got, err := d.Transaction(ctx, tx.ID)
	mustf(t, err, "get")
	if got.Serial == "ignored" || got.Status != app.TxCompleted || got.Visits != 2 || got.ClerkID != f.clerk2 ||
		!got.CompletedAt.Equal(tx.CompletedAt) || !got.AcceptedAt.Equal(tx.AcceptedAt) {
		t.Fatalf("after update: %+v", got)
	}
	if err := d.UpdateTransaction(ctx, app.Transaction{ID: 999, ItemCode: "x", Status: app.TxAccepted}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	if err := d.UpdateTransaction(ctx, app.Transaction{ID: tx.ID, Status: "bogus"}); err == nil {
		t.Error("bogus status accepted")
	}
	if n := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'transaction' AND record_uid = ?`, tx.UID); n != 2 {
		t.Fatalf("outbox rows for tx = %d, want 2 (add, update)", n)
	}
}

func TestRelatedTransactions(t *testing.T) {
	d := openTest(t)
	seed(t, d)
	add := func(tx app.Transaction) app.Transaction {
		t.Helper()
		tx.ItemCode = "110000001"
		out, err := d.AddTransaction(ctx, tx)
		mustf(t, err, "add")
		return out
	}
	b1 := add(app.Transaction{BatchID: "B1"})
	lone := add(app.Transaction{})
	b2 := add(app.Transaction{BatchID: "B1"})
	parent := add(app.Transaction{IsTheme: true})
	c1 := add(app.Transaction{ThemeParentID: parent.ID})
	c2 := add(app.Transaction{ThemeParentID: parent.ID, BatchID: "B2"})
	b3 := add(app.Transaction{BatchID: "B2"})
	ids := func(txs []app.Transaction) []int64 {
		var out []int64
		for _, t := range txs {
			out = append(out, t.ID)
		}
		return out
	}
	for _, c := range []struct {
		name string
		tx   app.Transaction
		want []int64
	}{
		{"batch", b2, []int64{b1.ID, b2.ID}},
		{"lone", lone, []int64{lone.ID}},
		{"theme parent", parent, []int64{parent.ID, c1.ID, c2.ID}},
		{"theme child", c1, []int64{parent.ID, c1.ID, c2.ID}},
		{"child in a batch", c2, []int64{parent.ID, c1.ID, c2.ID, b3.ID}},
	} {
		got, err := d.RelatedTransactions(ctx, c.tx)
		mustf(t, err, "%s", c.name)
		if !reflect.DeepEqual(ids(got), c.want) {
			t.Errorf("%s: related = %v, want %v", c.name, ids(got), c.want)
		}
	}
}

func TestEvaluationsRoundTrip(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	e := rating(tx, app.LevelBad, t0.Add(time.Minute+500*time.Microsecond))
	e.Tags = []string{"态度差", "等待久"}
	e.Text = "排队太久"
	e.Device = "keypad-1"
	e.EvaluatorName = "赵六"
	e.EvaluatorTel = "13900000000"
	e.Rater = app.RaterAgent
	out := addEvals(t, d, e)
	if len(out) != 1 || out[0].ID == 0 || len(out[0].UID) != 32 || !out[0].CreatedAt.Equal(t0) {
		t.Fatalf("filled: %+v", out)
	}
	if !out[0].RatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("RatedAt not truncated to ms: %v", out[0].RatedAt)
	}
	got, err := d.Evaluation(ctx, out[0].ID)
	mustf(t, err, "get")
	if !reflect.DeepEqual(got, out[0]) {
		t.Fatalf("Evaluation = %+v\nwant %+v", got, out[0])
	}
	if _, err := d.Evaluation(ctx, 999); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	tx2 := finishedTx(t, d, f, t0.Add(time.Hour))
	more := addEvals(t, d, rating(tx2, app.LevelGood, t0.Add(2*time.Hour)), followUp(rating(tx, app.LevelGood, t0.Add(3*time.Hour))))
	list, err := d.EvaluationsFor(ctx, []int64{tx.ID})
	mustf(t, err, "for")
	if len(list) != 2 || list[0].ID != out[0].ID || list[1].ID != more[1].ID {
		t.Fatalf("EvaluationsFor(tx) = %+v", list)
	}
	list, err = d.EvaluationsFor(ctx, []int64{tx.ID, tx2.ID, 12345})
	mustf(t, err, "for both")
	if len(list) != 3 {
		t.Fatalf("EvaluationsFor(both) has %d rows", len(list))
	}
	if list, err := d.EvaluationsFor(ctx, nil); err != nil || len(list) != 0 {
		t.Fatalf("EvaluationsFor(nil) = %v, %v", list, err)
	}
	if _, err := d.AddEvaluations(ctx, []app.Evaluation{out[0]}, nil, nil, app.AuditEntry{}); err == nil {
		t.Error("a stored row (with ID) accepted again")
	}
	resent := out[0]
	resent.ID = 0
	if _, err := d.AddEvaluations(ctx, []app.Evaluation{resent}, nil, nil, app.AuditEntry{}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("resent UID: %v, want ErrDuplicate", err)
	}
	if _, err := d.AddEvaluations(ctx, []app.Evaluation{{Level: 7, Kind: app.KindActive}}, nil, nil, app.AuditEntry{}); err == nil {
		t.Error("level 7 accepted")
	}
	if _, err := d.AddEvaluations(ctx, []app.Evaluation{{Level: 3, Kind: "guess"}}, nil, nil, app.AuditEntry{}); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestEvaluationsAreAppendOnly(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	e := addEvals(t, d, rating(tx, app.LevelBad, t0))[0]
	for _, q := range []string{
		`UPDATE evaluations SET level = 5 WHERE id = ?`,
		`DELETE FROM evaluations WHERE id = ?`,
		`UPDATE evaluations SET text = 'x'`,
		`INSERT OR REPLACE INTO evaluations SELECT * FROM evaluations WHERE id = ?`,
		`REPLACE INTO evaluations (uid, event_id, visit, dimension, level, tags, text, channel, device, kind, rater,
			evaluator_name, evaluator_tel, form_no, item_code, rated_at, created_at)
			SELECT uid, '', 0, 'overall', 5, '[]', '', 'keypad', '', 'active', '', '', '', '', '', 0, 0
			FROM evaluations WHERE id = ?`,
	} {
		_, err := d.db.Exec(q, e.ID)
		if err == nil || !strings.Contains(err.Error(), "evaluations are append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", q, err)
		}
	}
	got, err := d.Evaluation(ctx, e.ID)
	mustf(t, err, "get")
	if got.Level != app.LevelBad {
		t.Fatalf("level changed to %d", got.Level)
	}
	if n := count(t, d, `SELECT count(*) FROM evaluations`); n != 1 {
		t.Fatalf("%d rows", n)
	}
}

func TestAddEvaluationsWithOrders(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	tx2 := finishedTx(t, d, f, t0)
	evs := []app.Evaluation{rating(tx, app.LevelGood, t0), rating(tx2, app.LevelVeryBad, t0)}
	orders := []app.WorkOrder{{TransactionID: tx2.ID, ClerkID: f.clerk1, WindowID: f.win1, ItemCode: tx2.ItemCode,
		Category: app.CatStaff, AssigneeID: f.manager, ContactDue: t0.Add(24 * time.Hour), FinishDue: t0.Add(72 * time.Hour)}}
	audit := app.AuditEntry{StaffID: f.clerk1, Action: "rate", Detail: "2 rows"}
	out, err := d.AddEvaluations(ctx, evs, orders, []int{1}, audit)
	mustf(t, err, "add")
	ords, err := d.WorkOrders(ctx, app.OrderFilter{})
	mustf(t, err, "orders")
	if len(ords) != 1 {
		t.Fatalf("%d orders", len(ords))
	}
	o := ords[0]
	if o.EvaluationID != out[1].ID || o.State != app.OrderOpen || len(o.UID) != 32 || !o.CreatedAt.Equal(t0) ||
		o.Category != app.CatStaff || o.AssigneeID != f.manager || !o.FinishDue.Equal(t0.Add(72*time.Hour)) {
		t.Fatalf("order = %+v", o)
	}
	got, err := d.WorkOrder(ctx, o.ID)
	mustf(t, err, "WorkOrder")
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("WorkOrder = %+v, want %+v", got, o)
	}
	if n := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'evaluation'`); n != 2 {
		t.Errorf("evaluation outbox rows = %d", n)
	}
	if n := count(t, d, `SELECT count(*) FROM outbox WHERE kind = 'workorder' AND record_uid = ?`, o.UID); n != 1 {
		t.Errorf("workorder outbox rows = %d", n)
	}
	log, err := d.AuditLog(ctx, time.Time{}, time.Time{})
	mustf(t, err, "audit")
	if len(log) != 1 || log[0].Action != "rate" || log[0].StaffID != f.clerk1 || !log[0].At.Equal(t0) {
		t.Fatalf("audit = %+v", log)
	}

	// All or nothing: a bad order (unknown assignee) rolls the ratings back.
	before := count(t, d, `SELECT count(*) FROM evaluations`)
	beforeOutbox := count(t, d, `SELECT count(*) FROM outbox`)
	_, err = d.AddEvaluations(ctx, []app.Evaluation{rating(tx, app.LevelBad, t0)},
		[]app.WorkOrder{{AssigneeID: 999}}, []int{0}, app.AuditEntry{Action: "rate"})
	if err == nil {
		t.Fatal("order with unknown assignee accepted")
	}
	if count(t, d, `SELECT count(*) FROM evaluations`) != before || count(t, d, `SELECT count(*) FROM outbox`) != beforeOutbox ||
		count(t, d, `SELECT count(*) FROM audit_log`) != 1 {
		t.Fatal("failed AddEvaluations left rows behind")
	}
	// An order may be linked to an existing evaluation (orderFor -1).
	_, err = d.AddEvaluations(ctx, nil, []app.WorkOrder{{EvaluationID: out[0].ID}}, []int{-1}, app.AuditEntry{})
	mustf(t, err, "order for an existing row")
	if _, err := d.AddEvaluations(ctx, evs[:1], orders, []int{3}, app.AuditEntry{}); err == nil {
		t.Error("orderFor out of range accepted")
	}
	if _, err := d.AddEvaluations(ctx, evs[:1], orders, []int{0, 0}, app.AuditEntry{}); err == nil {
		t.Error("orderFor of the wrong length accepted")
	}
}

func TestPaperForms(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	tx2 := finishedTx(t, d, f, t0)
	paper := func(tx app.Transaction, no string) app.Evaluation {
		e := rating(tx, app.LevelGood, t0.Add(-24*time.Hour))
		e.Channel, e.FormNo, e.EnteredBy = app.ChannelPaper, no, f.manager
		return e
	}
	// One form may rate two transactions (a batch).
	out := addEvals(t, d, paper(tx, "PF-0001"), paper(tx2, "PF-0001"))
	if n := count(t, d, `SELECT count(*) FROM paper_forms WHERE form_no = 'PF-0001' AND evaluation_id = ?`, out[0].ID); n != 1 {
		t.Fatalf("paper_forms rows = %d", n)
	}
	_, err := d.AddEvaluations(ctx, []app.Evaluation{followUp(paper(tx, "PF-0001"))}, nil, nil, app.AuditEntry{})
	if !errors.Is(err, ErrDuplicate) || !errors.Is(err, app.ErrFormEntered) || !strings.Contains(err.Error(), "PF-0001") {
		t.Fatalf("form entered twice: %v", err)
	}
	// A correction of a form's row keeps the form number.
	c := paper(tx, "PF-0001")
	c.CorrectsID = out[0].ID
	c.Level = app.LevelVeryGood
	addEvals(t, d, c)
}

func TestEvalFactsSupersededAndVerdict(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	tx2 := finishedTx(t, d, f, t0)
	orig, err := d.AddEvaluations(ctx,
		[]app.Evaluation{rating(tx, app.LevelVeryBad, t0.Add(time.Minute)), rating(tx2, app.LevelBad, t0.Add(2*time.Minute))},
		[]app.WorkOrder{{Category: app.CatStaff}, {Category: app.CatItem}}, []int{0, 1}, app.AuditEntry{})
	mustf(t, err, "add")
	// The first bad review was keyed wrongly: correct it to 满意.
	corr := rating(tx, app.LevelGood, t0.Add(time.Minute))
	corr.CorrectsID = orig[0].ID
	corrected := addEvals(t, d, corr)[0]
	// A second correction must correct the correction, not the original.
	again := corr
	if _, err := d.AddEvaluations(ctx, []app.Evaluation{again}, nil, nil, app.AuditEntry{}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second correction of the same row: %v", err)
	}
	// The second bad review is verified as 误评.
	ords, err := d.WorkOrders(ctx, app.OrderFilter{})
	mustf(t, err, "orders")
	o := ords[1]
	o.Verdict = app.VerdictMistaken
	mustf(t, d.UpdateWorkOrder(ctx, o, app.OrderStep{StaffID: f.manager, Step: "verified", Detail: "误评"}), "verdict")
	// One outside the range.
	addEvals(t, d, followUp(rating(tx, app.LevelGood, t0.Add(48*time.Hour))))

	facts, err := d.EvalFacts(ctx, t0, t0.Add(24*time.Hour))
	mustf(t, err, "facts")
	if len(facts) != 2 {
		t.Fatalf("facts = %+v", facts)
	}
	// Ordered by RatedAt, ID: the correction (rated t0+1m) then tx2's row (t0+2m).
	want0 := app.EvalFact{TransactionID: tx.ID, Kind: app.KindActive, Level: app.LevelGood, Channel: app.ChannelKeypad,
		Dimension: app.DimWindow, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001", Verdict: app.VerdictPending,
		RatedAt: corrected.RatedAt}
	if !reflect.DeepEqual(facts[0], want0) {
		t.Errorf("facts[0] = %+v\nwant %+v", facts[0], want0)
	}
	if facts[1].TransactionID != tx2.ID || facts[1].Level != app.LevelBad || facts[1].Verdict != app.VerdictMistaken {
		t.Errorf("facts[1] = %+v", facts[1])
	}
	if facts[0].RatedAt.Location() != app.ChinaTime {
		t.Errorf("RatedAt in %v", facts[0].RatedAt.Location())
	}
	// [from, to): a row rated exactly at `to` is out, exactly at `from` is in.
	facts, err = d.EvalFacts(ctx, t0.Add(2*time.Minute), t0.Add(48*time.Hour))
	mustf(t, err, "facts")
	if len(facts) != 1 || facts[0].TransactionID != tx2.ID {
		t.Errorf("boundaries: %+v", facts)
	}
}

func TestOrderAndTxFacts(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	tx2 := finishedTx(t, d, f, t0.Add(time.Hour))
	timedOut := finishedTx(t, d, f, t0.Add(2*time.Hour))
	theme, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", IsTheme: true, Status: app.TxCompleted,
		CompletedAt: t0.Add(time.Hour)})
	mustf(t, err, "theme")
	late := finishedTx(t, d, f, t0.Add(30*24*time.Hour))
	_ = late
	open, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001"})
	mustf(t, err, "open tx")
	_ = open
	bad := rating(tx, app.LevelVeryBad, t0.Add(time.Minute))
	to := rating(timedOut, app.LevelNone, t0.Add(3*time.Hour))
	to.Kind, to.Channel = app.KindTimeout, app.ChannelSystem
	_, err = d.AddEvaluations(ctx, []app.Evaluation{bad, rating(tx2, app.LevelGood, t0.Add(time.Hour)), to},
		[]app.WorkOrder{{Category: app.CatStaff, ClerkID: f.clerk1, WindowID: f.win1, ItemCode: "110000001"}},
		[]int{0}, app.AuditEntry{})
	mustf(t, err, "ratings")
	ords, _ := d.WorkOrders(ctx, app.OrderFilter{})
	o := ords[0]
	o.State, o.RepliedAt, o.OnSite = app.OrderContacted, t0.Add(2*time.Hour), true
	mustf(t, d.UpdateWorkOrder(ctx, o, app.OrderStep{Step: "contacted"}), "update")

	ofs, err := d.OrderFacts(ctx, t0, t0.Add(24*time.Hour))
	mustf(t, err, "order facts")
	want := []app.OrderFact{{Verdict: app.VerdictPending, Category: app.CatStaff, State: app.OrderContacted, OnSite: true,
		Replied: true, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001"}}
	if !reflect.DeepEqual(ofs, want) {
		t.Errorf("OrderFacts = %+v\nwant %+v", ofs, want)
	}
	if ofs, _ := d.OrderFacts(ctx, t0.Add(time.Hour), t0.Add(24*time.Hour)); len(ofs) != 0 {
		t.Errorf("OrderFacts outside the rating time = %+v", ofs)
	}

	tfs, err := d.TxFacts(ctx, t0, t0.Add(24*time.Hour))
	mustf(t, err, "tx facts")
	wantTx := []app.TxFact{
		{ID: tx.ID, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001", ActiveRated: true},
		{ID: tx2.ID, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001", ActiveRated: true},
		{ID: timedOut.ID, WindowID: f.win1, ClerkID: f.clerk1, ItemCode: "110000001", ActiveRated: false},
	}
	if !reflect.DeepEqual(tfs, wantTx) {
		t.Errorf("TxFacts = %+v\nwant %+v (theme parent %d left out)", tfs, wantTx, theme.ID)
	}
}

func TestFinishedUnrated(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	rated := finishedTx(t, d, f, t0)
	addEvals(t, d, rating(rated, app.LevelGood, t0))
	unrated2 := finishedTx(t, d, f, t0.Add(2*time.Minute))
	unrated1 := finishedTx(t, d, f, t0.Add(time.Minute))
	timedOut := finishedTx(t, d, f, t0)
	to := rating(timedOut, app.LevelNone, t0.Add(time.Hour))
	to.Kind = app.KindTimeout
	addEvals(t, d, to)
	followedUp := finishedTx(t, d, f, t0) // only a follow-up: still unrated
	fu := rating(followedUp, app.LevelGood, t0)
	fu.Kind = app.KindFollowUp
	addEvals(t, d, fu)
	// Rated on its first visit, then a second visit finished it: unrated again.
	revisit := finishedTx(t, d, f, t0.Add(3*time.Minute))
	addEvals(t, d, rating(revisit, app.LevelGood, t0))
	revisit.Visits = 2
	mustf(t, d.UpdateTransaction(ctx, revisit), "second visit")
	// Returned and refused count as finished.
	returned := finishedTx(t, d, f, t0.Add(4*time.Minute))
	returned.Status = app.TxReturned
	mustf(t, d.UpdateTransaction(ctx, returned), "returned")
	// Not finished, theme parents, and those finished after `before` are out.
	_, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", Status: app.TxAccepted, Visits: 1})
	mustf(t, err, "accepted")
	_, err = d.AddTransaction(ctx, app.Transaction{ItemCode: "110000001", IsTheme: true, Status: app.TxCompleted,
		CompletedAt: t0})
	mustf(t, err, "theme")
	finishedTx(t, d, f, t0.Add(2*time.Hour))

	ids := func(txs []app.Transaction) []int64 {
		var out []int64
		for _, t := range txs {
			out = append(out, t.ID)
		}
		return out
	}
	got, err := d.FinishedUnrated(ctx, t0.Add(time.Hour), 0)
	mustf(t, err, "unrated")
	want := []int64{followedUp.ID, unrated1.ID, unrated2.ID, revisit.ID, returned.ID}
	if !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("FinishedUnrated = %v, want %v", ids(got), want)
	}
	got, err = d.FinishedUnrated(ctx, t0.Add(time.Hour), 2)
	mustf(t, err, "limit")
	if !reflect.DeepEqual(ids(got), want[:2]) {
		t.Fatalf("limit 2: %v", ids(got))
	}
	// Rating the second visit takes it off the list; so does a timeout row.
	addEvals(t, d, rating(revisit, app.LevelGood, t0.Add(5*time.Minute)))
	to = rating(unrated1, app.LevelNone, t0.Add(time.Hour))
	to.Kind = app.KindTimeout
	addEvals(t, d, to)
	got, _ = d.FinishedUnrated(ctx, t0.Add(time.Hour), 0)
	if want := []int64{followedUp.ID, unrated2.ID, returned.ID}; !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("after rating: %v, want %v", ids(got), want)
	}
	// Going back to an already rated visit number needs no new rating.
	revisit.Visits = 1
	mustf(t, d.UpdateTransaction(ctx, revisit), "visits back")
	got, _ = d.FinishedUnrated(ctx, t0.Add(time.Hour), 0)
	if len(got) != 3 {
		t.Fatalf("after visits back: %v", ids(got))
	}
}

func TestWorkOrdersUpdateAndFilter(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	evs := []app.Evaluation{rating(tx, app.LevelVeryBad, t0), followUp(rating(tx, app.LevelBad, t0))}
	d.SetClock(app.NewFakeClock(t0))
	_, err := d.AddEvaluations(ctx, evs[:1], []app.WorkOrder{{ClerkID: f.clerk1, Category: app.CatStaff}}, []int{0}, app.AuditEntry{})
	mustf(t, err, "first")
	d.SetClock(app.NewFakeClock(t0.Add(48 * time.Hour)))
	_, err = d.AddEvaluations(ctx, evs[1:], []app.WorkOrder{{ClerkID: f.clerk2, Category: app.CatItem}}, []int{0}, app.AuditEntry{})
	mustf(t, err, "second")
	all, err := d.WorkOrders(ctx, app.OrderFilter{})
	mustf(t, err, "all")
	if len(all) != 2 {
		t.Fatalf("%d orders", len(all))
	}
	o := all[0]
	o.State = app.OrderClosed
	o.Verdict = app.VerdictValid
	o.RectifiedAt = t0.Add(time.Hour)
	o.CalledBackAt = t0.Add(2 * time.Hour)
	o.CallbackResult = app.CallbackSatisfied
	o.ClosedAt = t0.Add(3 * time.Hour)
	o.AssigneeID = f.manager
	mustf(t, d.UpdateWorkOrder(ctx, o, app.OrderStep{StaffID: f.manager, Step: "closed", Detail: "已回访，满意"}), "close")
	got, err := d.WorkOrder(ctx, o.ID)
	mustf(t, err, "get")
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("after update %+v\nwant %+v", got, o)
	}
	steps, err := d.OrderSteps(ctx, o.ID)
	mustf(t, err, "steps")
	if len(steps) != 1 || steps[0].Step != "closed" || steps[0].StaffID != f.manager || steps[0].OrderID != o.ID ||
		!steps[0].At.Equal(t0.Add(48*time.Hour)) || steps[0].ID == 0 {
		t.Fatalf("steps = %+v", steps)
	}
	var payload string
	mustf(t, d.db.QueryRow(`SELECT payload FROM outbox WHERE kind = 'workorder' AND record_uid = ? ORDER BY id DESC LIMIT 1`,
		o.UID).Scan(&payload), "payload")
	var p OrderPayload
	mustf(t, json.Unmarshal([]byte(payload), &p), "decode")
	if p.State != app.OrderClosed || p.Step == nil || p.Step.Step != "closed" || p.Step.ID != steps[0].ID {
		t.Fatalf("payload = %s", payload)
	}

	filter := func(fl app.OrderFilter) []int64 {
		t.Helper()
		os, err := d.WorkOrders(ctx, fl)
		mustf(t, err, "filter")
		var ids []int64
		for _, o := range os {
			ids = append(ids, o.ID)
		}
		return ids
	}
	if got := filter(app.OrderFilter{OpenOnly: true}); !reflect.DeepEqual(got, []int64{all[1].ID}) {
		t.Errorf("OpenOnly: %v", got)
	}
	if got := filter(app.OrderFilter{ClerkID: f.clerk1}); !reflect.DeepEqual(got, []int64{all[0].ID}) {
		t.Errorf("ClerkID: %v", got)
	}
	if got := filter(app.OrderFilter{From: t0.Add(time.Hour)}); !reflect.DeepEqual(got, []int64{all[1].ID}) {
		t.Errorf("From: %v", got)
	}
	if got := filter(app.OrderFilter{To: t0.Add(time.Hour)}); !reflect.DeepEqual(got, []int64{all[0].ID}) {
		t.Errorf("To: %v", got)
	}
	if err := d.UpdateWorkOrder(ctx, app.WorkOrder{ID: 999, State: app.OrderOpen}, app.OrderStep{Step: "x"}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	if err := d.UpdateWorkOrder(ctx, o, app.OrderStep{OrderID: o.ID + 1, Step: "x"}); err == nil {
		t.Error("step for another order accepted")
	}
	// A failed update leaves neither step nor outbox row.
	before := count(t, d, `SELECT count(*) FROM outbox`)
	o.State = "bogus"
	if err := d.UpdateWorkOrder(ctx, o, app.OrderStep{Step: "x"}); err == nil {
		t.Fatal("bogus state accepted")
	}
	if count(t, d, `SELECT count(*) FROM outbox`) != before || count(t, d, `SELECT count(*) FROM order_steps`) != 1 {
		t.Fatal("failed update left rows")
	}
}

func TestOutboxSending(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	d.SetOutboxDestination("hub")
	tx := finishedTx(t, d, f, t0)
	addEvals(t, d, rating(tx, app.LevelGood, t0))
	rows, err := d.PendingOutbox(ctx, "hub", 10)
	mustf(t, err, "pending")
	if len(rows) != 2 || rows[0].Kind != OutboxTransaction || rows[1].Kind != OutboxEvaluation || rows[0].Destination != "hub" {
		t.Fatalf("pending = %+v", rows)
	}
	if rows, _ := d.PendingOutbox(ctx, DefaultDestination, 10); len(rows) != 0 {
		t.Fatalf("other destination: %+v", rows)
	}
	mustf(t, d.MarkOutboxFailed(ctx, []int64{rows[0].ID, rows[1].ID}, "connection refused"), "failed")
	mustf(t, d.MarkOutboxSent(ctx, []int64{rows[0].ID}, t0.Add(time.Minute)), "sent")
	left, err := d.PendingOutbox(ctx, "hub", 0)
	mustf(t, err, "pending")
	if len(left) != 1 || left[0].ID != rows[1].ID || left[0].Attempts != 1 || left[0].LastError != "connection refused" {
		t.Fatalf("left = %+v", left)
	}
	var e app.Evaluation
	mustf(t, json.Unmarshal(left[0].Payload, &e), "payload")
	if e.TransactionID != tx.ID || e.Level != app.LevelGood {
		t.Fatalf("payload = %s", left[0].Payload)
	}
}

func TestAuditAndExport(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	mustf(t, d.AddAudit(ctx, app.AuditEntry{StaffID: f.manager, Action: "login"}), "audit")
	mustf(t, d.AddAudit(ctx, app.AuditEntry{At: t0.Add(time.Hour), Action: "backup", Detail: "d:/backup.db"}), "audit")
	log, err := d.AuditLog(ctx, t0, t0.Add(time.Hour))
	mustf(t, err, "log")
	if len(log) != 1 || log[0].Action != "login" {
		t.Fatalf("log = %+v", log)
	}
	tx := finishedTx(t, d, f, t0)
	_, err = d.AddEvaluations(ctx, []app.Evaluation{rating(tx, app.LevelBad, t0), followUp(rating(tx, app.LevelGood, t0.Add(48*time.Hour)))},
		[]app.WorkOrder{{}}, []int{0}, app.AuditEntry{})
	mustf(t, err, "evals")
	var evs []app.Evaluation
	mustf(t, d.ExportEvaluations(ctx, t0, t0.Add(24*time.Hour), func(e app.Evaluation) error {
		evs = append(evs, e)
		return nil
	}), "export")
	if len(evs) != 1 || evs[0].Level != app.LevelBad {
		t.Fatalf("exported %+v", evs)
	}
	stop := errors.New("stop")
	n := 0
	err = d.ExportEvaluations(ctx, time.Time{}, time.Time{}, func(app.Evaluation) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("stop: %v after %d", err, n)
	}
	var txs []app.Transaction
	mustf(t, d.ExportTransactions(ctx, time.Time{}, time.Time{}, func(t app.Transaction) error {
		txs = append(txs, t)
		return nil
	}), "export tx")
	if len(txs) != 1 || txs[0].ID != tx.ID {
		t.Fatalf("exported %+v", txs)
	}
	var ords []app.WorkOrder
	mustf(t, d.ExportWorkOrders(ctx, time.Time{}, time.Time{}, func(o app.WorkOrder) error {
		ords = append(ords, o)
		return nil
	}), "export orders")
	if len(ords) != 1 {
		t.Fatalf("exported %+v", ords)
	}
}

// Facts come back packed in one text value per row (see facts.go); odd item
// codes, including the separator itself, must survive.
func TestFactsWithOddItemCodes(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	for _, code := range []string{"A" + sep + "B", "中文|编码,1", "", " x\n"} {
		tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: code, WindowID: f.win1, ClerkID: f.clerk1,
			Status: app.TxCompleted, Visits: 1, CompletedAt: t0})
		mustf(t, err, "tx %q", code)
		e := rating(tx, app.LevelBad, t0)
		_, err = d.AddEvaluations(ctx, []app.Evaluation{e}, []app.WorkOrder{{ItemCode: code}}, []int{0}, app.AuditEntry{})
		mustf(t, err, "eval %q", code)
		ef, err := d.EvalFacts(ctx, t0, t0.Add(time.Second))
		mustf(t, err, "EvalFacts")
		of, err := d.OrderFacts(ctx, t0, t0.Add(time.Second))
		mustf(t, err, "OrderFacts")
		tf, err := d.TxFacts(ctx, t0, t0.Add(time.Second))
		mustf(t, err, "TxFacts")
		last := len(ef) - 1
		if ef[last].ItemCode != code || of[last].ItemCode != code || tf[last].ItemCode != code ||
			ef[last].TransactionID != tx.ID || tf[last].ID != tx.ID || !tf[last].ActiveRated {
			t.Errorf("code %q: %+v %+v %+v", code, ef[last], of[last], tf[last])
		}
	}
}
