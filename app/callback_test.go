package app_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"bianmin/app"
)

// chiSquare of observed counts against a uniform expectation.
func chiSquare(counts map[string]int, cells int, total int) float64 {
	exp := float64(total) / float64(cells)
	x := 0.0
	for _, c := range counts {
		d := float64(c) - exp
		x += d * d / exp
	}
	// cells never drawn contribute exp each
	x += float64(cells-len(counts)) * exp
	return x
}

// TA 二.5: the draw must be fair. Every 2-subset of 6 transactions must be
// equally likely: 15 cells, 15,000 draws with seeds 1..15000; the chi-square
// statistic stays below the 0.1% critical value of 14 degrees of freedom
// (36.12). Seeds are fixed, so the test is deterministic.
func TestDrawSampleUniformSubsets(t *testing.T) {
	ids := []int64{11, 12, 13, 14, 15, 16}
	const draws = 15000
	counts := map[string]int{}
	for seed := uint64(1); seed <= draws; seed++ {
		s := app.DrawSample(ids, 2, seed)
		if len(s) != 2 || s[0] >= s[1] {
			t.Fatalf("seed %d: sample %v", seed, s)
		}
		counts[fmt.Sprint(s)]++
	}
	if len(counts) != 15 {
		t.Fatalf("%d distinct subsets, want 15: %v", len(counts), counts)
	}
	if x := chiSquare(counts, 15, draws); x > 36.12 {
		t.Errorf("chi-square %.1f > 36.12: not uniform: %v", x, counts)
	}
}

// Each transaction of a larger quarter is drawn with probability n/N.
func TestDrawSampleUniformMembers(t *testing.T) {
	ids := make([]int64, 40)
	for i := range ids {
		ids[i] = int64(1000 + 3*i)
	}
	const draws = 4000
	counts := map[string]int{}
	for seed := uint64(1); seed <= draws; seed++ {
		for _, id := range app.DrawSample(ids, 10, seed*7919) {
			counts[fmt.Sprint(id)]++
		}
	}
	// 40 cells, 39 df, 0.1% critical value 72.05.
	if x := chiSquare(counts, 40, draws*10); x > 72.05 {
		t.Errorf("chi-square %.1f > 72.05: %v", x, counts)
	}
}

func TestDrawSampleReproducible(t *testing.T) {
	ids := make([]int64, 200)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	a := app.DrawSample(ids, 12, 20263)
	shuffled := slices.Clone(ids)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if b := app.DrawSample(shuffled, 12, 20263); !slices.Equal(a, b) {
		t.Errorf("same seed, other input order: %v vs %v", a, b)
	}
	if c := app.DrawSample(ids, 12, 20264); slices.Equal(a, c) {
		t.Errorf("another seed drew the same sample %v", a)
	}
	if len(a) != 12 || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != 12 {
		t.Errorf("sample %v", a)
	}
	if all := app.DrawSample([]int64{3, 1, 2, 2}, 10, 1); !slices.Equal(all, []int64{1, 2, 3}) {
		t.Errorf("n above the population: %v", all)
	}
	if !slices.Equal(ids[:5], []int64{1, 2, 3, 4, 5}) {
		t.Error("DrawSample changed its input")
	}
}

func TestParseQuarter(t *testing.T) {
	q, err := app.ParseQuarter("2026Q3")
	from, to := q.Bounds()
	if err != nil || q.String() != "2026Q3" || q.Chinese() != "2026年第3季度" ||
		!from.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, app.ChinaTime)) || !to.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime)) {
		t.Errorf("%v %v %v %v", q, err, from, to)
	}
	for _, bad := range []string{"2026Q5", "2026", "Q3", "26Q1"} {
		if _, err := app.ParseQuarter(bad); app.ErrorCode(err) != "bad_quarter" {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if q := app.QuarterOf(time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)); q.String() != "2027Q1" {
		t.Errorf("QuarterOf in China time: %v", q)
	}
}

// The quarter's completed transactions with a phone number are the
// population; the list masks personal data; the draw is audited; a call's
// answer is a 电话回访 rating even weeks after the rating window closed.
func TestCallbackSampleAndRecord(t *testing.T) {
	f := newLedger(t, "taian", at(2026, 7, 6, 10))
	var completed []app.Transaction
	add := func(when time.Time, phone string, status app.TxStatus) app.Transaction {
		f.clk.Set(when)
		f.serialNo++
		tx, err := f.st.AddTransaction(f.ctx, app.Transaction{ItemCode: "I1", WindowID: 1, ClerkID: f.a.ID,
			Status: status, Visits: 1, CreatedAt: when.Add(-10 * time.Minute), CompletedAt: when,
			Serial: fmt.Sprintf("S%04d", f.serialNo), ApplicantName: "张三丰", Phone: phone,
			IDMasked: "110101********1234"})
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	for i := 0; i < 30; i++ {
		completed = append(completed, add(at(2026, 7, 6, 9).AddDate(0, 0, i), fmt.Sprintf("1380013%04d", i), app.TxCompleted))
	}
	add(at(2026, 7, 8, 9), "", app.TxCompleted)             // no phone: cannot be called
	add(at(2026, 7, 9, 9), "13900139000", app.TxRefused)    // 不予受理: not a completed transaction
	add(at(2026, 10, 9, 9), "13900139001", app.TxCompleted) // next quarter
	f.clk.Set(at(2026, 10, 20, 9))

	q, _ := app.ParseQuarter("2026Q3")
	if _, err := f.svc.CallbackSample(f.ctx, f.a, q, 5, 1); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("a clerk drew a sample: %v", err)
	}
	list, err := f.svc.CallbackSample(f.ctx, f.mgr, q, 5, 42)
	if err != nil {
		t.Fatal(err)
	}
	if list.Population != 30 || len(list.Entries) != 5 {
		t.Fatalf("population %d, %d entries", list.Population, len(list.Entries))
	}
	again, _ := f.svc.CallbackSample(f.ctx, f.mgr, q, 5, 42)
	for i, e := range list.Entries {
		if e.TxID != again.Entries[i].TxID {
			t.Errorf("the same seed drew another sample")
		}
		// The numbers are 1380013xxxx: the masked form hides the middle "0013".
		if strings.Contains(e.Phone, "0013") || !strings.Contains(e.Phone, "****") ||
			!strings.Contains(e.Applicant, "*") || e.IDMasked == "" {
			t.Errorf("entry not masked: %+v", e)
		}
		if i > 0 && e.CompletedAt.Before(list.Entries[i-1].CompletedAt) {
			t.Error("entries not in completion order")
		}
	}
	audits := 0
	for _, a := range f.st.Audit() {
		if a.Action == "callback_sample" && strings.Contains(a.Detail, "seed=42") && strings.Contains(a.Detail, "population=30") {
			audits++
		}
	}
	if audits != 2 {
		t.Errorf("%d audited draws, want 2", audits)
	}
	if _, err := f.svc.CallbackSample(f.ctx, f.mgr, app.Quarter{Year: 2027, Q: 1}, 5, 1); app.ErrorCode(err) != "future_quarter" {
		t.Errorf("future quarter: %v", err)
	}
	if _, err := f.svc.CallbackSample(f.ctx, f.mgr, app.Quarter{Year: 2026, Q: 1}, 5, 1); app.ErrorCode(err) != "empty_quarter" {
		t.Errorf("empty quarter: %v", err)
	}

	// First sampled transaction: it was rated on the keypad in July; the
	// call in October is still recorded, as its own overall rating.
	first := list.Entries[0].TxID
	if _, err := f.svc.Rate(f.ctx, nil, app.RateRequest{TransactionID: first, Level: app.LevelGood, Channel: app.ChannelKeypad}); err == nil {
		t.Fatal("keypad rating in October accepted for a July transaction")
	}
	phone, err := f.svc.RevealPhone(f.ctx, f.mgr, first)
	if err != nil || !strings.HasPrefix(phone, "1380013") {
		t.Fatalf("reveal: %q %v", phone, err)
	}
	if _, err := f.svc.RevealPhone(f.ctx, f.a, first); app.ErrorCode(err) != "forbidden" {
		t.Errorf("a clerk saw a phone number: %v", err)
	}
	rows, err := f.svc.RecordCallback(f.ctx, f.mgr, first, app.CallbackOutcome{Reached: true, Level: app.LevelBad,
		Tags: []string{"办事效率低"}, Text: "等了很久"})
	if err != nil || len(rows) != 1 || rows[0].Channel != app.ChannelCallback || rows[0].Kind != app.KindActive ||
		rows[0].Dimension != app.DimOverall || rows[0].EnteredBy != f.mgr.ID {
		t.Fatalf("callback rating %+v %v", rows, err)
	}
	orders, err := f.st.WorkOrders(f.ctx, app.OrderFilter{EvaluationID: rows[0].ID})
	if err != nil || len(orders) != 1 {
		t.Errorf("a bad call-back answer opened %d work orders (%v)", len(orders), err)
	}
	if _, err := f.svc.RecordCallback(f.ctx, f.mgr, first, app.CallbackOutcome{Reached: true, Level: app.LevelVeryGood}); app.ErrorCode(err) != "callback_twice" {
		t.Errorf("second call-back: %v", err)
	}
	n := len(f.st.AllEvaluations())
	if rows, err := f.svc.RecordCallback(f.ctx, f.mgr, list.Entries[1].TxID, app.CallbackOutcome{Note: "无人接听"}); err != nil || rows != nil {
		t.Errorf("unreached: %v %v", rows, err)
	}
	if len(f.st.AllEvaluations()) != n {
		t.Error("an unreached call stored a rating")
	}
	if _, err := f.svc.RecordCallback(f.ctx, f.a, list.Entries[2].TxID, app.CallbackOutcome{Reached: true, Level: app.LevelGood}); app.ErrorCode(err) != "forbidden" {
		t.Errorf("a clerk recorded a call-back: %v", err)
	}

	// A call that reaches someone whose visit is still open to rating is that
	// visit's rating: the QR code on their receipt then says already rated.
	fresh := add(at(2026, 10, 19, 16), "13900139002", app.TxCompleted)
	f.clk.Set(at(2026, 10, 20, 9))
	rows, err = f.svc.RecordCallback(f.ctx, f.mgr, fresh.ID, app.CallbackOutcome{Reached: true, Level: app.LevelGood})
	if err != nil || len(rows) != 1 || rows[0].Visit != fresh.Visits {
		t.Fatalf("call inside the window: %+v %v", rows, err)
	}
	if _, err := f.svc.Rate(f.ctx, nil, app.RateRequest{TransactionID: fresh.ID, Level: app.LevelVeryGood, Channel: app.ChannelQR}); app.ErrorCode(err) != "already_rated" {
		t.Errorf("QR after the call: %v", err)
	}
	if _, err := f.svc.RecordCallback(f.ctx, f.mgr, fresh.ID, app.CallbackOutcome{Reached: true, Level: app.LevelGood}); app.ErrorCode(err) != "callback_twice" {
		t.Errorf("second call: %v", err)
	}
	_ = completed
}

// Only the channels a manager records are entered by hand; a keypad rating
// typed in by staff would be a forged 主动评价.
func TestEnterOtherChannelsOnly(t *testing.T) {
	f := newLedger(t, "national", at(2026, 3, 2, 10))
	tx, err := f.st.AddTransaction(f.ctx, app.Transaction{ItemCode: "I1", WindowID: 1, ClerkID: f.a.ID,
		Status: app.TxCompleted, Visits: 1, CreatedAt: at(2026, 3, 2, 9), CompletedAt: at(2026, 3, 2, 9), Serial: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []app.Channel{app.ChannelKeypad, app.ChannelTablet, app.ChannelQR, app.ChannelSystem} {
		if _, err := f.svc.EnterPaperForm(f.ctx, f.mgr, app.PaperForm{Channel: c, Serial: tx.Serial, Level: 5}); app.ErrorCode(err) != "bad_channel" {
			t.Errorf("%s entered by hand: %v", c, err)
		}
	}
	rows, err := f.svc.EnterPaperForm(f.ctx, f.mgr, app.PaperForm{Channel: app.ChannelSMS, Serial: tx.Serial, Level: 4})
	if err != nil || len(rows) != 1 || rows[0].Channel != app.ChannelSMS {
		t.Fatalf("sms: %+v %v", rows, err)
	}
}
