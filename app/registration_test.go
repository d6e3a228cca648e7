package app

import (
	"context"
	"strings"
	"testing"
	"time"
)

// regStore adds the catalogue and the windows to the in-memory store.
type regStore struct {
	*memStore
	items   []ServiceItem
	windows []Window
}

func (r *regStore) Items(context.Context) ([]ServiceItem, error)    { return r.items, nil }
func (r *regStore) Windows(context.Context) ([]Window, error)       { return r.windows, nil }
func (r *regStore) IDHashKey(context.Context) ([]byte, error)       { return []byte("centre-key"), nil }
func (r *regStore) StaffByID(context.Context, int64) (Staff, error) { return Staff{}, ErrNotFound }
func (r *regStore) Posts(context.Context) ([]Post, error) {
	return []Post{{WindowID: 3, StaffID: 7, Post: "A"}, {WindowID: 5, StaffID: 8, Post: "A"}}, nil
}

func newRegFixture(t *testing.T) (*fixture, *regStore) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	rs := &regStore{memStore: f.st,
		items: []ServiceItem{
			{Code: "WJ001", Name: "出生登记", Pinyin: "csdj", Instant: true, Active: true, Materials: []string{"出生医学证明", "户口簿"}},
			{Code: "YB001", Name: "新生儿医保参保登记", Pinyin: "xsrybcbdj", Instant: true, Active: true, Materials: []string{"户口簿"}},
			{Code: "RS001", Name: "城乡居民养老保险参保登记", Pinyin: "cxjmylbxcbdj", Active: true, PromiseDays: 5},
			{Code: "ZT001", Name: "新生儿出生“一件事”", Pinyin: "xsrcsyjs", Instant: true, Active: true, Materials: []string{"结婚证"}},
			{Code: "OLD01", Name: "已停用事项", Active: false},
		},
		windows: []Window{{ID: 3, Number: 3, Name: "综合受理窗口", Active: true}, {ID: 4, Number: 4, Active: false}},
	}
	f.svc.st = rs
	return f, rs
}

// idNumber makes a valid 18-digit number (GB 11643 check digit) from 17 digits.
func idNumber(body string) string {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return body + string(idCheck[sum%11])
}

var goodID = idNumber("11010119800101123")

func goodReq() RegisterRequest {
	return RegisterRequest{WindowID: 3, TicketID: 9, ApplicantName: "李明", IDNumber: goodID, Phone: "13812345678",
		Items: []string{"RS001"}}
}

func TestRegisterRefusesBadInput(t *testing.T) {
	f, _ := newRegFixture(t)
	badCheck := goodID[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", goodID[17])+1)%11])
	cases := []struct {
		name string
		mod  func(*RegisterRequest)
		code Code
	}{
		{"no name", func(r *RegisterRequest) { r.ApplicantName = "  " }, "no_name"},
		{"digits in name", func(r *RegisterRequest) { r.ApplicantName = "李明2" }, "bad_name"},
		{"check digit", func(r *RegisterRequest) { r.IDNumber = badCheck }, "bad_id"},
		{"short id", func(r *RegisterRequest) { r.IDNumber = "1101011980" }, "bad_id"},
		{"phone", func(r *RegisterRequest) { r.Phone = "12812345678" }, "bad_phone"},
		{"no item", func(r *RegisterRequest) { r.Items = nil }, "no_item"},
		{"unknown item", func(r *RegisterRequest) { r.Items = []string{"NOPE"} }, "unknown_item"},
		{"inactive item", func(r *RegisterRequest) { r.Items = []string{"OLD01"} }, "inactive_item"},
		{"item twice", func(r *RegisterRequest) { r.Items = []string{"RS001", "RS001"} }, "dup_item"},
		{"batch", func(r *RegisterRequest) { r.BatchCount = -2 }, "bad_batch"},
		{"agent symbols", func(r *RegisterRequest) { r.AgentName = "张三#" }, "bad_agent"},
		{"agent is applicant", func(r *RegisterRequest) { r.AgentName = "李明" }, "bad_agent"},
		{"theme of one", func(r *RegisterRequest) { r.Theme, r.ThemeName = true, "ZT001" }, "theme_items"},
		{"unknown theme", func(r *RegisterRequest) {
			r.Theme, r.ThemeName, r.Items = true, "结婚一件事", []string{"WJ001", "YB001"}
		}, "unknown_theme"},
		{"no window", func(r *RegisterRequest) { r.WindowID = 0 }, "no_window"},
		{"closed window", func(r *RegisterRequest) { r.WindowID = 4 }, "inactive_window"},
	}
	for _, c := range cases {
		req := goodReq()
		c.mod(&req)
		_, err := f.svc.Register(context.Background(), f.clerk, req)
		t.Run(c.name, func(t *testing.T) { wantCode(t, err, c.code) })
	}
	if _, err := f.svc.Register(context.Background(), nil, goodReq()); ErrorCode(err) != "not_logged_in" {
		t.Fatalf("no actor: %v", err)
	}
	other := goodReq()
	other.ClerkID = 99
	_, err := f.svc.Register(context.Background(), f.clerk, other)
	wantCode(t, err, "not_your_case")
	if len(f.st.txs) != 0 {
		t.Fatalf("refused registrations stored %d rows", len(f.st.txs))
	}
}

func TestRegisterStoresMaskedIDAndAudits(t *testing.T) {
	f, _ := newRegFixture(t)
	req := goodReq()
	req.IDNumber = strings.ToLower(goodID) // an x check digit typed small still passes
	req.Phone = "0538-8221234"
	reg, err := f.svc.Register(context.Background(), f.clerk, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Transactions) != 1 || len(reg.Missing) != 0 {
		t.Fatalf("registration %+v", reg)
	}
	tx := reg.Transactions[0]
	if tx.Status != TxRegistered || tx.Visits != 1 || tx.ClerkID != f.clerk.ID || tx.WindowID != 3 || tx.TicketID != 9 ||
		tx.BatchCount != 1 || tx.BatchID != "" || tx.IDMasked != MaskID(goodID) ||
		tx.IDHash != HashID([]byte("centre-key"), goodID) || tx.Phone != "0538-8221234" {
		t.Fatalf("stored %+v", tx)
	}
	for _, x := range f.st.txs {
		if strings.Contains(x.IDMasked+x.IDHash+x.ApplicantName+x.Phone, goodID[6:14]) {
			t.Fatalf("full ID number (birth date) stored: %+v", x)
		}
	}
	if a := f.st.audit[len(f.st.audit)-1]; a.Action != "register" || a.StaffID != f.clerk.ID {
		t.Fatalf("audit %+v", a)
	}
}

// GB39734 7.1.3: a theme is a parent plus one child per item; the parent
// comes first and the 一次性告知单 lists what each item still needs.
func TestRegisterThemeListsMissingMaterials(t *testing.T) {
	f, _ := newRegFixture(t)
	req := goodReq()
	req.Items, req.Theme, req.ThemeName = []string{"WJ001", "YB001"}, true, "新生儿出生“一件事”"
	req.AgentName = "王秀英"
	req.Received = map[string][]string{"WJ001": {"户口簿 "}, "YB001": {"户口簿"}}
	reg, err := f.svc.Register(context.Background(), f.clerk, req)
	if err != nil {
		t.Fatal(err)
	}
	txs := reg.Transactions
	if len(txs) != 3 || !txs[0].IsTheme || txs[0].ItemCode != "ZT001" {
		t.Fatalf("rows %+v", txs)
	}
	for _, c := range txs[1:] {
		if c.ThemeParentID != txs[0].ID || c.IsTheme || c.BatchID != "" || c.AgentName != "王秀英" {
			t.Fatalf("child %+v", c)
		}
	}
	want := map[string]string{"WJ001": "出生医学证明", "ZT001": "结婚证"}
	if len(reg.Missing) != 2 || strings.Join(reg.Missing["WJ001"], ",") != want["WJ001"] ||
		strings.Join(reg.Missing["ZT001"], ",") != want["ZT001"] {
		t.Fatalf("missing %v", reg.Missing)
	}
	// Completing a child completes the whole theme; then the overall rating covers both items.
	moved, err := f.svc.Advance(context.Background(), f.clerk, txs[2].ID, TxCompleted, "")
	if err != nil || len(moved) != 3 {
		t.Fatalf("advance %d rows, %v", len(moved), err)
	}
	for _, m := range moved {
		if m.Status != TxCompleted || !m.Status.Finished() || !m.CompletedAt.Equal(f.clk.Now()) || m.AcceptedAt.IsZero() {
			t.Fatalf("moved %+v", m)
		}
	}
	rows, err := f.rate(nil, RateRequest{TransactionID: txs[0].ID, Level: LevelGood, Rater: RaterAgent})
	if err != nil || len(rows) != 2 {
		t.Fatalf("theme rating %d rows, %v", len(rows), err)
	}
}

// GB39734 7.1.2: several items (or a 批量 count) share one batch: they move
// together and one rating covers them all.
func TestRegisterBatchMovesTogether(t *testing.T) {
	f, _ := newRegFixture(t)
	req := goodReq()
	req.Items, req.BatchCount = []string{"WJ001", "YB001"}, 3
	reg, err := f.svc.Register(context.Background(), f.clerk, req)
	if err != nil {
		t.Fatal(err)
	}
	a, b := reg.Transactions[0], reg.Transactions[1]
	if a.BatchID == "" || a.BatchID != b.BatchID || a.BatchCount != 3 || b.BatchCount != 3 {
		t.Fatalf("batch rows %+v %+v", a, b)
	}
	if _, err := f.svc.Advance(context.Background(), f.clerk, a.ID, TxAccepted, ""); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Hour)
	done, err := f.svc.Advance(context.Background(), f.manager, b.ID, TxCompleted, "")
	if err != nil || len(done) != 2 {
		t.Fatalf("complete: %d rows %v", len(done), err)
	}
	got, _ := f.st.Transaction(context.Background(), a.ID)
	if got.Status != TxCompleted || got.AcceptedAt.Equal(got.CompletedAt) {
		t.Fatalf("batch member %+v", got)
	}
	rows, err := f.rate(nil, RateRequest{TransactionID: a.ID, Level: LevelVeryGood})
	if err != nil || len(rows) != 2 {
		t.Fatalf("batch rating %d rows, %v", len(rows), err)
	}
}

func TestAdvanceRefusesIllegalMoves(t *testing.T) {
	f, _ := newRegFixture(t)
	ctx := context.Background()
	reg := func() Transaction {
		r, err := f.svc.Register(ctx, f.clerk, goodReq())
		if err != nil {
			t.Fatal(err)
		}
		return r.Transactions[0]
	}
	tx := reg()
	_, err := f.svc.Advance(ctx, f.clerk, tx.ID, TxRegistered, "")
	wantCode(t, err, "bad_status")
	_, err = f.svc.Advance(ctx, f.clerk, tx.ID, TxReturned, " ")
	wantCode(t, err, "no_reason")
	_, err = f.svc.Advance(ctx, f.clerk, 999, TxAccepted, "")
	wantCode(t, err, "unknown_transaction")
	_, err = f.svc.Advance(ctx, nil, tx.ID, TxAccepted, "")
	wantCode(t, err, "not_logged_in")
	if _, err := f.svc.Advance(ctx, f.clerk, tx.ID, TxAccepted, ""); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Advance(ctx, f.clerk, tx.ID, TxAccepted, "")
	wantCode(t, err, "same_status")
	_, err = f.svc.Advance(ctx, f.clerk, tx.ID, TxRefused, "材料不全")
	wantCode(t, err, "bad_move")
	if _, err := f.svc.Advance(ctx, f.clerk, tx.ID, TxReturned, "缺少户口簿"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Advance(ctx, f.clerk, tx.ID, TxCompleted, "")
	wantCode(t, err, "already_finished")

	// 不予受理 straight from registration is a finish (SZ 17): ratable.
	tx2 := reg()
	moved, err := f.svc.Advance(ctx, f.clerk, tx2.ID, TxRefused, "不属于本中心受理范围")
	if err != nil || moved[0].Status != TxRefused || moved[0].CompletedAt.IsZero() || !moved[0].AcceptedAt.IsZero() {
		t.Fatalf("refuse %+v %v", moved, err)
	}
	if a := f.st.audit[len(f.st.audit)-1]; a.Action != "tx_refused" || !strings.Contains(a.Detail, "不属于本中心受理范围") {
		t.Fatalf("audit %+v", a)
	}
}

func TestSearchItems(t *testing.T) {
	f, _ := newRegFixture(t)
	ctx := context.Background()
	find := func(q string) []string {
		items, err := f.svc.SearchItems(ctx, q, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Code)
		}
		return out
	}
	cases := map[string]string{
		"WJ001":  "WJ001",       // scanner: exact code
		"wj001 ": "WJ001",       // typed small, trailing space
		"r":      "RS001",       // code prefix
		"xsr":    "YB001,ZT001", // pinyin initials
		"参保登记":   "RS001,YB001", // name substring, by code within a rank
		"OLD":    "",            // inactive items are never offered
		"":       "RS001,WJ001,YB001,ZT001",
	}
	for q, want := range cases {
		if got := strings.Join(find(q), ","); got != want {
			t.Errorf("SearchItems(%q) = %s, want %s", q, got, want)
		}
	}
	// An exact code outranks items whose pinyin merely starts the same way.
	f2, rs := newRegFixture(t)
	rs.items = append(rs.items, ServiceItem{Code: "CS", Name: "测试", Pinyin: "cs", Active: true})
	items, _ := f2.svc.SearchItems(ctx, "cs", 1)
	if len(items) != 1 || items[0].Code != "CS" {
		t.Fatalf("exact code not first: %+v", items)
	}
	// A catalogue entry without pinyin (as the county pushes them) is found
	// by the initials of its name, at the start or inside.
	rs.items = append(rs.items, ServiceItem{Code: "HJ9", Name: "户籍迁移", Active: true})
	for _, q := range []string{"hjqy", "HJQ", "qy"} {
		if items, _ := f2.svc.SearchItems(ctx, q, 0); len(items) != 1 || items[0].Code != "HJ9" {
			t.Errorf("SearchItems(%q) = %+v, want 户籍迁移", q, items)
		}
	}
}

// TA: each visit of a 承诺件 may be rated. Rated at acceptance, its
// completion on the applicant's return is the next visit, at the window and
// by the clerk who hands it over, and can be rated again; unrated, the one
// visit stays the one to rate.
func TestCompletionAfterRatedVisitIsNextVisit(t *testing.T) {
	f, _ := newRegFixture(t)
	ctx := context.Background()
	reg, err := f.svc.Register(ctx, f.clerk, goodReq()) // RS001, a 承诺件
	if err != nil {
		t.Fatal(err)
	}
	tx := reg.Transactions[0]
	if _, err := f.svc.Advance(ctx, f.clerk, tx.ID, TxAccepted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(72 * time.Hour)
	other := &Staff{ID: 8, No: "0108", Role: RoleClerk, Active: true}
	moved, err := f.svc.Advance(ctx, other, tx.ID, TxCompleted, "")
	if err != nil {
		t.Fatal(err)
	}
	if m := moved[0]; m.Visits != 2 || m.ClerkID != 8 || m.WindowID != 5 || m.Status != TxCompleted {
		t.Fatalf("completed %+v", m)
	}
	rows, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelVeryGood})
	if err != nil || rows[0].Visit != 2 || rows[0].ClerkID != 8 {
		t.Fatalf("rating of the completion visit %+v %v", rows, err)
	}

	reg, err = f.svc.Register(ctx, f.clerk, goodReq())
	if err != nil {
		t.Fatal(err)
	}
	moved, err = f.svc.Advance(ctx, other, reg.Transactions[0].ID, TxCompleted, "")
	if err != nil || moved[0].Visits != 1 || moved[0].ClerkID != f.clerk.ID {
		t.Fatalf("unrated completion %+v %v", moved, err)
	}
}
