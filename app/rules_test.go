package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode"
)

type fixture struct {
	t       *testing.T
	st      *memStore
	clk     *FakeClock
	svc     *Service
	manager *Staff
	clerk   *Staff
}

func newFixture(t *testing.T, profile string, now time.Time) *fixture {
	st := &memStore{}
	clk := NewFakeClock(now)
	svc := NewService(st, clk, mustProfile(t, profile), NewCalendar(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &fixture{t: t, st: st, clk: clk, svc: svc,
		manager: &Staff{ID: 100, No: "0001", Role: RoleManager, Active: true},
		clerk:   &Staff{ID: 7, No: "0107", Role: RoleClerk, Active: true}}
}

// finished adds a transaction completed at the fixture's current time.
func (f *fixture) finished(mod func(*Transaction)) Transaction {
	now := f.clk.Now()
	tx := Transaction{ItemCode: "I1", WindowID: 3, ClerkID: 7, Status: TxCompleted, Visits: 1,
		CreatedAt: now.Add(-20 * time.Minute), CompletedAt: now}
	if mod != nil {
		mod(&tx)
	}
	tx, err := f.st.AddTransaction(context.Background(), tx)
	if err != nil {
		f.t.Fatal(err)
	}
	return tx
}

func (f *fixture) rate(actor *Staff, req RateRequest) ([]Evaluation, error) {
	if req.Channel == "" {
		req.Channel = ChannelKeypad
	}
	return f.svc.Rate(context.Background(), actor, req)
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if ErrorCode(err) != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	if !hasHan(UserMessage(err)) {
		t.Fatalf("no Chinese message for %v: %q", err, UserMessage(err))
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// GB39734 7.1.1: one rating per visit; a second one is refused, not stored.
func TestOneRatingPerVisit(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	tx := f.finished(nil)
	rows, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelVeryGood})
	if err != nil || len(rows) != 1 || rows[0].Kind != KindActive || rows[0].Dimension != DimWindow ||
		rows[0].ClerkID != 7 || rows[0].WindowID != 3 || !rows[0].RatedAt.Equal(f.clk.Now()) {
		t.Fatalf("rows %+v err %v", rows, err)
	}
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood, Channel: ChannelQR})
	wantCode(t, err, "already_rated")
	if len(f.st.evals) != 1 {
		t.Fatalf("stored %d rows", len(f.st.evals))
	}
}

// TA: a 承诺件 may be rated at each visit; the final visit's rating is separate.
func TestPromisedItemRatedEachVisit(t *testing.T) {
	f := newFixture(t, "taian", time.Date(2026, 3, 2, 9, 0, 0, 0, ChinaTime))
	tx := f.finished(func(tx *Transaction) { tx.Status, tx.CompletedAt = TxAccepted, time.Time{} })
	if _, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood}); err != nil {
		t.Fatal(err)
	}
	tx.Visits, tx.Status, tx.CompletedAt = 2, TxCompleted, f.clk.Now().AddDate(0, 0, 3)
	_ = f.st.UpdateTransaction(context.Background(), tx)
	f.clk.Set(tx.CompletedAt)
	rows, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelVeryGood})
	if err != nil || rows[0].Visit != 2 {
		t.Fatalf("second visit: %v %+v", err, rows)
	}
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Visit: 1, Level: LevelBasic})
	wantCode(t, err, "already_rated")
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Visit: 3, Level: LevelBasic})
	wantCode(t, err, "no_visit")
}

// GB39734 7.1.2: one rating of a batch applies to every declaration of it.
func TestBatchRatedOnce(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	var batch []Transaction
	for i := 0; i < 3; i++ {
		batch = append(batch, f.finished(func(tx *Transaction) { tx.BatchID = "B1" }))
	}
	other := f.finished(nil)
	rows, err := f.rate(nil, RateRequest{TransactionID: batch[1].ID, Level: LevelGood})
	if err != nil || len(rows) != 3 {
		t.Fatalf("batch rating: %v, %d rows", err, len(rows))
	}
	for _, r := range rows {
		if r.EventID != rows[0].EventID || r.Level != LevelGood {
			t.Errorf("batch rows differ: %+v", r)
		}
	}
	_, err = f.rate(nil, RateRequest{TransactionID: batch[2].ID, Level: LevelVeryBad, Tags: []string{"态度不好"}})
	wantCode(t, err, "already_rated")
	if _, err := f.rate(nil, RateRequest{TransactionID: other.ID, Level: LevelGood}); err != nil {
		t.Fatalf("an unrelated transaction was blocked: %v", err)
	}
}

// GB39734 7.1.3: a theme's overall rating covers all linked items, or each item
// is rated on its own — not both.
func TestThemeOverallOrPerItem(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	parent := f.finished(func(tx *Transaction) { tx.IsTheme = true })
	c1 := f.finished(func(tx *Transaction) { tx.ThemeParentID = parent.ID; tx.ItemCode = "I2" })
	c2 := f.finished(func(tx *Transaction) { tx.ThemeParentID = parent.ID; tx.ItemCode = "I3" })
	rows, err := f.rate(nil, RateRequest{TransactionID: parent.ID, Level: LevelVeryGood, Channel: ChannelTablet})
	if err != nil || len(rows) != 2 || rows[0].TransactionID != c1.ID || rows[1].TransactionID != c2.ID ||
		rows[0].Dimension != DimOverall || rows[1].ItemCode != "I3" {
		t.Fatalf("overall: %v %+v", err, rows)
	}
	_, err = f.rate(nil, RateRequest{TransactionID: c2.ID, Level: LevelBad, Text: "慢"})
	wantCode(t, err, "already_rated")

	// Second theme: per item first, then the overall rating is refused.
	p2 := f.finished(func(tx *Transaction) { tx.IsTheme = true })
	d1 := f.finished(func(tx *Transaction) { tx.ThemeParentID = p2.ID })
	f.finished(func(tx *Transaction) { tx.ThemeParentID = p2.ID })
	if _, err := f.rate(nil, RateRequest{TransactionID: d1.ID, Level: LevelGood}); err != nil {
		t.Fatal(err)
	}
	_, err = f.rate(nil, RateRequest{TransactionID: p2.ID, Level: LevelGood})
	wantCode(t, err, "already_rated")
}

// SZ 14: 帮办代办 is rated once, by the agent or the applicant.
func TestAgentOrApplicantOnce(t *testing.T) {
	f := newFixture(t, "shenzhen", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	tx := f.finished(func(tx *Transaction) { tx.AgentName = "李代办" })
	if _, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood, Rater: RaterAgent}); err != nil {
		t.Fatal(err)
	}
	_, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelVeryGood, Rater: RaterApplicant, Channel: ChannelQR})
	wantCode(t, err, "already_rated")
	if !strings.Contains(UserMessage(err), "代办人") {
		t.Errorf("message should say the agent rated: %s", UserMessage(err))
	}
}

// GB39734 7.2.2 (national: 5 working days, then 未评), SZ 15 (7 natural days, then
// 非常满意), TA 二.4 (5 working days, then 满意) — across 春节 2026.
func TestRatingWindowAndTimeouts(t *testing.T) {
	completed := time.Date(2026, 2, 13, 10, 0, 0, 0, ChinaTime) // Friday before 春节
	cases := []struct {
		profile  string
		lastOK   time.Time
		firstBad time.Time
		level    Level
	}{
		// 14 Feb (调休), 24, 25, 26, 27 Feb → the window ends on 27 Feb.
		{"national", time.Date(2026, 2, 27, 23, 0, 0, 0, ChinaTime), time.Date(2026, 2, 28, 0, 0, 1, 0, ChinaTime), LevelNone},
		{"taian", time.Date(2026, 2, 27, 23, 0, 0, 0, ChinaTime), time.Date(2026, 2, 28, 0, 0, 1, 0, ChinaTime), LevelGood},
		// 7 natural days: to the end of 20 Feb, holidays or not.
		{"shenzhen", time.Date(2026, 2, 20, 23, 0, 0, 0, ChinaTime), time.Date(2026, 2, 21, 0, 0, 1, 0, ChinaTime), LevelVeryGood},
	}
	for _, c := range cases {
		t.Run(c.profile, func(t *testing.T) {
			f := newFixture(t, c.profile, completed)
			a := f.finished(nil)
			b := f.finished(nil)
			unrated := f.finished(nil)
			f.clk.Set(c.lastOK)
			if _, err := f.rate(nil, RateRequest{TransactionID: a.ID, Level: LevelGood, Channel: ChannelQR}); err != nil {
				t.Fatalf("rating on the last day refused: %v", err)
			}
			if n, err := f.svc.SettleTimeouts(context.Background()); err != nil || n != 0 {
				t.Fatalf("settled %d before the window closed (%v)", n, err)
			}
			f.clk.Set(c.firstBad)
			_, err := f.rate(nil, RateRequest{TransactionID: b.ID, Level: LevelGood, Channel: ChannelQR})
			wantCode(t, err, "window_closed")
			n, err := f.svc.SettleTimeouts(context.Background())
			if err != nil || n != 2 {
				t.Fatalf("settled %d, %v; want b and the unrated one", n, err)
			}
			last := f.st.evals[len(f.st.evals)-1]
			if last.TransactionID != unrated.ID || last.Kind != KindTimeout || last.Level != c.level ||
				last.Channel != ChannelSystem || last.RatedAt.After(c.firstBad) || last.RatedAt.Before(c.lastOK) {
				t.Errorf("timeout row %+v", last)
			}
			if n, _ := f.svc.SettleTimeouts(context.Background()); n != 0 {
				t.Errorf("settling twice recorded %d more", n)
			}
			_, err = f.rate(nil, RateRequest{TransactionID: unrated.ID, Level: LevelVeryGood, Channel: ChannelQR})
			wantCode(t, err, "timed_out")
		})
	}
}

// SZ 8: a bad review needs a tag or text; SZ 22: a work order at once, with
// SZ 25's 2 working days to contact for a clerk and SZ 28's 10 to finish.
func TestBadReviewNeedsReasonAndOpensOrder(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 4, 30, 15, 0, 0, 0, ChinaTime)) // before 劳动节
	tx := f.finished(nil)
	_, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelBad})
	wantCode(t, err, "bad_needs_reason")
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelBad, Text: "   "})
	wantCode(t, err, "bad_needs_reason")
	rows, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelBad, Tags: []string{"等候时间长"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.st.orders) != 1 {
		t.Fatalf("%d orders", len(f.st.orders))
	}
	o := f.st.orders[0]
	// 1–5 May off, Sat 9 May worked (调休): contact by 7 May (6, 7); finish by
	// 18 May (6, 7, 8, Sat 9, 11, 12, 13, 14, 15, 18).
	if o.EvaluationID != rows[0].ID || o.Category != CatStaff || o.State != OrderOpen || o.ClerkID != 7 ||
		o.ContactDue.Format("2006-01-02") != "2026-05-07" || o.FinishDue.Format("2006-01-02") != "2026-05-18" {
		t.Errorf("order %+v", o)
	}
}

// SZ 16: a follow-up within 60 natural days, once, overall only.
func TestFollowUp(t *testing.T) {
	f := newFixture(t, "shenzhen", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	tx := f.finished(nil)
	_, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood, FollowUp: true, Channel: ChannelQR})
	wantCode(t, err, "followup_no_rating")
	if _, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(30 * 24 * time.Hour)
	rows, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelBad, Text: "证件迟迟未寄到", FollowUp: true, Channel: ChannelQR})
	if err != nil || rows[0].Kind != KindFollowUp || rows[0].Dimension != DimOverall {
		t.Fatalf("follow-up: %v %+v", err, rows)
	}
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood, FollowUp: true, Channel: ChannelQR})
	wantCode(t, err, "followup_twice")

	late := f.finished(nil)
	if _, err := f.rate(nil, RateRequest{TransactionID: late.ID, Level: LevelGood}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(61 * 24 * time.Hour)
	_, err = f.rate(nil, RateRequest{TransactionID: late.ID, Level: LevelGood, FollowUp: true, Channel: ChannelQR})
	wantCode(t, err, "followup_late")

	n := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	ntx := n.finished(nil)
	_, _ = n.rate(nil, RateRequest{TransactionID: ntx.ID, Level: LevelGood})
	_, err = n.rate(nil, RateRequest{TransactionID: ntx.ID, Level: LevelGood, FollowUp: true, Channel: ChannelQR})
	wantCode(t, err, "no_followup")
}

// Ratings from paper forms, the hotline, the suggestion book and call-backs are
// entered by a manager; the rule is enforced here, not only hidden in the UI.
func TestStaffEnteredChannelsNeedManager(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	tx := f.finished(nil)
	for _, actor := range []*Staff{nil, f.clerk, {ID: 9, Role: RoleManager, Active: false}} {
		_, err := f.rate(actor, RateRequest{Serial: tx.Serial, Level: LevelGood, Channel: ChannelPaper, FormNo: "F001"})
		wantCode(t, err, "forbidden")
	}
	rows, err := f.rate(f.manager, RateRequest{Serial: tx.Serial, Level: LevelGood, Channel: ChannelPaper, FormNo: "F001",
		RatedAt: f.clk.Now().Add(-time.Hour)})
	if err != nil || rows[0].EnteredBy != f.manager.ID || rows[0].FormNo != "F001" {
		t.Fatalf("%v %+v", err, rows)
	}
	_, err = f.rate(f.manager, RateRequest{Serial: "NOPE", Level: LevelGood, Channel: ChannelPaper})
	wantCode(t, err, "unknown_transaction")
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Level: 7})
	wantCode(t, err, "bad_level")
	_, err = f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelGood, RatedAt: f.clk.Now().Add(time.Hour)})
	wantCode(t, err, "future")
}

// A stored rating is never edited: a correction is a new row pointing at it.
func TestCorrectionIsANewRow(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	tx := f.finished(nil)
	rows, _ := f.rate(f.manager, RateRequest{TransactionID: tx.ID, Level: LevelVeryBad, Tags: []string{"态度不好"}, Channel: ChannelPaper})
	ctx := context.Background()
	_, err := f.svc.Correct(ctx, f.clerk, rows[0].ID, RateRequest{Level: LevelVeryGood}, "录入错误")
	wantCode(t, err, "forbidden")
	_, err = f.svc.Correct(ctx, f.manager, rows[0].ID, RateRequest{Level: LevelVeryGood}, "")
	wantCode(t, err, "no_reason")
	fixed, err := f.svc.Correct(ctx, f.manager, rows[0].ID, RateRequest{Level: LevelVeryGood}, "表上勾选的是非常满意，录入错误")
	if err != nil {
		t.Fatal(err)
	}
	if fixed[0].CorrectsID != rows[0].ID || fixed[0].Level != LevelVeryGood || fixed[0].TransactionID != tx.ID ||
		f.st.evals[0].Level != LevelVeryBad {
		t.Fatalf("correction %+v; original %+v", fixed[0], f.st.evals[0])
	}
	_, err = f.svc.Correct(ctx, f.manager, rows[0].ID, RateRequest{Level: LevelGood}, "again")
	wantCode(t, err, "already_corrected")
	// The bad review was an entry mistake: its order is closed with the reason.
	if len(f.st.orders) != 1 || f.st.orders[0].State != OrderClosed || !strings.Contains(f.st.steps[0].Detail, "录入错误") {
		t.Fatalf("order after correction to good: %+v %+v", f.st.orders, f.st.steps)
	}

	// Bad corrected to another bad level: no second order.
	tx2 := f.finished(nil)
	rows, _ = f.rate(f.manager, RateRequest{TransactionID: tx2.ID, Level: LevelBad, Text: "慢", Channel: ChannelPaper})
	if _, err := f.svc.Correct(ctx, f.manager, rows[0].ID, RateRequest{Level: LevelVeryBad, Text: "慢"}, "表上勾选非常不满意"); err != nil {
		t.Fatal(err)
	}
	if len(f.st.orders) != 2 || f.st.orders[1].State != OrderOpen {
		t.Fatalf("orders after bad→bad: %+v", f.st.orders)
	}
	// Good corrected to bad: an order is opened for the correcting row.
	tx3 := f.finished(nil)
	rows, _ = f.rate(f.manager, RateRequest{TransactionID: tx3.ID, Level: LevelGood, Channel: ChannelPaper})
	fixed, err = f.svc.Correct(ctx, f.manager, rows[0].ID, RateRequest{Level: LevelBad, Tags: []string{"态度不好"}}, "表上勾选不满意")
	if err != nil || len(f.st.orders) != 3 || f.st.orders[2].EvaluationID != fixed[0].ID {
		t.Fatalf("good→bad: %v %+v", err, f.st.orders)
	}
}

// A work order whose bad review was corrected to good is not a 差评件.
func TestCorrectedOrdersLeaveMetrics(t *testing.T) {
	p := mustProfile(t, "national")
	m, _ := Compute(p, Facts{Orders: []OrderFact{{Replied: true}, {CorrectedTo: LevelVeryGood}, {CorrectedTo: LevelVeryBad}}}, ByNone)
	if m.BadOrders != 2 || m.Replied != 1 {
		t.Fatalf("%+v", m.Counts)
	}
}

// GB39734 7.2.1: remind after 24 h while the window is still open.
func TestRemindersDue(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	old := f.finished(nil)
	f.clk.Advance(20 * time.Hour)
	f.finished(nil) // too recent
	f.clk.Advance(5 * time.Hour)
	rs, err := f.svc.RemindersDue(context.Background(), 0)
	if err != nil || len(rs) != 1 || rs[0].Tx.ID != old.ID || rs[0].Deadline.Format("01-02") != "03-09" {
		t.Fatalf("%v %+v", err, rs)
	}
}

// JZ 8.2.1.3: an on-site resolution closes contact and rectification in one record.
func TestOrderStepsAndOnSite(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	tx := f.finished(nil)
	if _, err := f.rate(nil, RateRequest{TransactionID: tx.ID, Level: LevelVeryBad, Tags: []string{"等候时间长"}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err := f.svc.RecordStep(ctx, f.manager, 1, StepInput{Kind: StepClosed})
	wantCode(t, err, "not_replied")
	_, err = f.svc.RecordStep(ctx, f.clerk, 1, StepInput{Kind: StepVerified, Verdict: VerdictMalicious, Detail: "x"})
	wantCode(t, err, "forbidden")
	_, err = f.svc.RecordStep(ctx, f.clerk, 1, StepInput{Kind: StepCalledBack, Callback: CallbackSatisfied})
	wantCode(t, err, "not_rectified")
	o, err := f.svc.RecordStep(ctx, f.clerk, 1, StepInput{Kind: StepOnSite, Detail: "引导至空闲窗口即时办理，群众表示理解"})
	if err != nil || !o.OnSite || o.RepliedAt.IsZero() || o.RectifiedAt.IsZero() || o.State != OrderRectified {
		t.Fatalf("%v %+v", err, o)
	}
	if o, err = f.svc.RecordStep(ctx, f.clerk, 1, StepInput{Kind: StepCalledBack, Callback: CallbackSatisfied}); err != nil {
		t.Fatal(err)
	}
	if o, err = f.svc.RecordStep(ctx, f.manager, 1, StepInput{Kind: StepClosed, Detail: "办结"}); err != nil || o.State != OrderClosed {
		t.Fatal(err)
	}
	_, err = f.svc.RecordStep(ctx, f.manager, 1, StepInput{Kind: StepContacted, Detail: "x"})
	wantCode(t, err, "order_closed")
	if len(f.st.steps) != 3 || f.st.steps[0].StaffID != f.clerk.ID {
		t.Errorf("steps %+v", f.st.steps)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t, "national", time.Date(2026, 3, 2, 10, 0, 0, 0, ChinaTime))
	ctx := context.Background()
	m, err := f.svc.BootstrapManager(ctx, Staff{No: "0001", Name: "王主任"}, "135790")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddStaff(ctx, f.clerk, Staff{No: "0102", Name: "李四", Role: RoleClerk}, "1234"); ErrorCode(err) != "forbidden" {
		t.Fatalf("clerk added staff: %v", err)
	}
	if _, err := f.svc.AddStaff(ctx, &m, Staff{No: "0102", Name: "李四", Role: RoleClerk}, "2468"); err != nil {
		t.Fatal(err)
	}
	if s, err := f.svc.Login(ctx, " 0102 ", "2468"); err != nil || s.Name != "李四" {
		t.Fatalf("%v %+v", err, s)
	}
	_, err = f.svc.Login(ctx, "0102", "2469")
	wantCode(t, err, "bad_login")
	_, err = f.svc.Login(ctx, "9999", "2468")
	wantCode(t, err, "bad_login")
	if strings.Contains(f.st.staff[1].PINHash, "2468") || !strings.HasPrefix(f.st.staff[1].PINHash, "$argon2id$") {
		t.Error("PIN not hashed with argon2id")
	}
}
