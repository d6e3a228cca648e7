package app

import (
	"math"
	"math/rand/v2"
	"testing"
)

func mustProfile(t testing.TB, name string) *Profile {
	t.Helper()
	p, err := LoadProfile(name, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ev(kind EvalKind, l Level, v Verdict) EvalFact {
	return EvalFact{Kind: kind, Level: l, Verdict: v, Channel: ChannelKeypad}
}

func rep(n int, f EvalFact) []EvalFact {
	out := make([]EvalFact, n)
	for i := range out {
		out[i] = f
	}
	return out
}

func approx(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %.6f", name, want)
		return
	}
	if math.Abs(*got-want) > 1e-12 {
		t.Errorf("%s = %.6f, want %.6f", name, *got, want)
	}
}

func isNil(t *testing.T, name string, got *float64) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want undefined (nil)", name, *got)
	}
}

// A month worked by hand (GB/T 39735 A.1):
//
//	active: 80 good (非常满意/满意/基本满意), 6 bad still valid or pending, 4 bad found invalid
//	timeouts: 10 (national profile: 未评, no level)
//	total = 90 + 10 = 100
//	好评率        = (100 − 6) / 100           = 0.94
//	主动评价好评率 = 80 / (90 − 4)             = 0.930232…
//	未评率        = (10 + 4) / 100            = 0.14
//	orders: 10 (one per bad review); 9 replied; valid orders 6; of those 4 rectified
//	and called back, 1 rectified but not yet called back; call-backs 满意, 基本满意, 不满意, 满意
//	差评回复率         = 9 / 10 = 0.9
//	差评回访整改率     = 4 / 6
//	差评回访整改满意率 = 3 / 4 (满意 and 基本满意 count as satisfied in the profile)
func TestComputeHandWorkedMonth(t *testing.T) {
	p := mustProfile(t, "national")
	var f Facts
	f.Evals = append(f.Evals, rep(50, ev(KindActive, LevelVeryGood, ""))...)
	f.Evals = append(f.Evals, rep(20, ev(KindActive, LevelGood, ""))...)
	f.Evals = append(f.Evals, rep(10, ev(KindActive, LevelBasic, ""))...)
	f.Evals = append(f.Evals, rep(3, ev(KindActive, LevelBad, VerdictValid))...)
	f.Evals = append(f.Evals, rep(3, ev(KindActive, LevelVeryBad, VerdictPending))...)
	f.Evals = append(f.Evals, rep(3, ev(KindActive, LevelBad, VerdictMistaken))...)
	f.Evals = append(f.Evals, rep(1, ev(KindActive, LevelVeryBad, VerdictMalicious))...)
	f.Evals = append(f.Evals, rep(10, EvalFact{Kind: KindTimeout, Channel: ChannelSystem})...)
	f.Evals = append(f.Evals, ev(KindFollowUp, LevelGood, "")) // SZ 16: reported, not a rating

	valid := func(o OrderFact) OrderFact { o.Verdict = VerdictValid; return o }
	f.Orders = []OrderFact{
		valid(OrderFact{Replied: true, Rectified: true, CalledBack: true, CallbackResult: CallbackSatisfied}),
		valid(OrderFact{Replied: true, Rectified: true, CalledBack: true, CallbackResult: CallbackBasic}),
		valid(OrderFact{Replied: true, Rectified: true, CalledBack: true, CallbackResult: CallbackNotSatisfied}),
		{Replied: true, Rectified: true, CalledBack: true, CallbackResult: CallbackSatisfied, OnSite: true}, // pending = valid
		valid(OrderFact{Replied: true, Rectified: true}),                                                    // not yet called back
		{}, // pending, not replied
		{Verdict: VerdictMistaken, Replied: true},
		{Verdict: VerdictMistaken, Replied: true},
		{Verdict: VerdictMistaken, Replied: true},
		{Verdict: VerdictMalicious, Replied: true, Rectified: true, CalledBack: true, CallbackResult: CallbackSatisfied},
	}
	f.Txs = []TxFact{{ActiveRated: true}, {ActiveRated: true}, {ActiveRated: false}, {ActiveRated: true}}

	m, groups := Compute(p, f, ByNone)
	if groups != nil {
		t.Errorf("ungrouped compute returned groups")
	}
	want := Counts{Total: 100, Active: 90, TimeoutUnrated: 10, ValidBad: 6, InvalidBad: 4, ActiveGood: 80,
		BadOrders: 10, Replied: 9, ValidBadOrders: 6, Rectified: 4, RectifySatisfied: 3, FollowUps: 1}
	got := m.Counts
	if got.Total != want.Total || got.Active != want.Active || got.TimeoutUnrated != want.TimeoutUnrated ||
		got.ValidBad != want.ValidBad || got.InvalidBad != want.InvalidBad || got.ActiveGood != want.ActiveGood ||
		got.BadOrders != want.BadOrders || got.Replied != want.Replied || got.ValidBadOrders != want.ValidBadOrders ||
		got.Rectified != want.Rectified || got.RectifySatisfied != want.RectifySatisfied || got.FollowUps != want.FollowUps {
		t.Fatalf("counts\n got %+v\nwant %+v", got, want)
	}
	approx(t, "好评率", m.GoodRate, 0.94)
	approx(t, "主动评价好评率", m.ActiveGoodRate, 80.0/86.0)
	approx(t, "未评率", m.UnratedRate, 0.14)
	approx(t, "差评回复率", m.BadReplyRate, 0.9)
	approx(t, "差评回访整改率", m.BadRectifyRate, 4.0/6.0)
	approx(t, "差评回访整改满意率", m.BadRectifySatisfiedRate, 0.75)
	approx(t, "主动评价率", m.ActiveRate, 0.75)
	// SZ 7 scores: 50×10 + 20×8 + 10×6 + 6×3 + 4×0 (bad: 3+1 不满意 ×3, 3+1 非常不满意 ×0) over 90 rated rows.
	wantScore := float64(50*10+20*8+10*6+6*3+0) / 90
	approx(t, "得分", m.Score, wantScore)
	if m.ByChannel[ChannelKeypad] != 90 || m.ByChannel[ChannelSystem] != 10 {
		t.Errorf("by channel: %v", m.ByChannel)
	}
}

// SZ 15 / TA 二.4: a timeout that defaults to a good level is good for 好评率
// but never 主动评价; its score counts in SZ 20 scores.
func TestTimeoutDefaultLevelIsNotActive(t *testing.T) {
	p := mustProfile(t, "shenzhen")
	f := Facts{Evals: []EvalFact{
		ev(KindActive, LevelBad, VerdictValid),
		{Kind: KindTimeout, Level: LevelVeryGood, Channel: ChannelSystem},
		{Kind: KindTimeout, Level: LevelVeryGood, Channel: ChannelSystem},
		{Kind: KindTimeout, Level: LevelVeryGood, Channel: ChannelSystem},
	}}
	m, _ := Compute(p, f, ByNone)
	if m.Active != 1 || m.TimeoutUnrated != 3 || m.ActiveGood != 0 {
		t.Fatalf("counts %+v", m.Counts)
	}
	approx(t, "好评率", m.GoodRate, 0.75)
	approx(t, "主动评价好评率", m.ActiveGoodRate, 0)
	approx(t, "未评率", m.UnratedRate, 0.75)
	approx(t, "得分", m.Score, (3+10*3)/4.0)
}

// GB/T 39735: a zero denominator gives no value, never 0% or 100%.
func TestZeroDenominatorsAreUndefined(t *testing.T) {
	p := mustProfile(t, "national")
	m, _ := Compute(p, Facts{}, ByNone)
	for name, r := range map[string]*float64{"好评率": m.GoodRate, "主动评价好评率": m.ActiveGoodRate,
		"未评率": m.UnratedRate, "差评回复率": m.BadReplyRate, "差评回访整改率": m.BadRectifyRate,
		"差评回访整改满意率": m.BadRectifySatisfiedRate, "主动评价率": m.ActiveRate, "得分": m.Score} {
		isNil(t, name, r)
	}
	// Only invalid bad reviews: the active denominator (1 − 1) is zero; only
	// invalid orders: no valid order to rectify.
	m, _ = Compute(p, Facts{
		Evals:  []EvalFact{ev(KindActive, LevelVeryBad, VerdictMalicious)},
		Orders: []OrderFact{{Verdict: VerdictMalicious, Replied: true}},
	}, ByNone)
	isNil(t, "主动评价好评率", m.ActiveGoodRate)
	approx(t, "好评率", m.GoodRate, 1)    // (1 − 0 valid bad) / 1
	approx(t, "未评率", m.UnratedRate, 1) // (0 + 1 invalid) / 1
	approx(t, "差评回复率", m.BadReplyRate, 1)
	isNil(t, "差评回访整改率", m.BadRectifyRate)
	isNil(t, "差评回访整改满意率", m.BadRectifySatisfiedRate)
}

func TestComputeGroupsByClerk(t *testing.T) {
	p := mustProfile(t, "national")
	f := Facts{
		Evals: []EvalFact{
			{Kind: KindActive, Level: LevelVeryGood, ClerkID: 2},
			{Kind: KindActive, Level: LevelBad, ClerkID: 2},
			{Kind: KindActive, Level: LevelGood, ClerkID: 10},
			{Kind: KindTimeout, ClerkID: 10},
		},
		Orders: []OrderFact{{ClerkID: 2, Replied: true}},
	}
	all, groups := Compute(p, f, ByClerk)
	if len(groups) != 2 || groups[0].Key != "2" || groups[1].Key != "10" {
		t.Fatalf("groups %+v (want keys 2, 10 in numeric order)", groups)
	}
	approx(t, "clerk 2 好评率", groups[0].GoodRate, 0.5)
	approx(t, "clerk 10 好评率", groups[1].GoodRate, 1)
	approx(t, "clerk 10 未评率", groups[1].UnratedRate, 0.5)
	approx(t, "clerk 2 差评回复率", groups[0].BadReplyRate, 1)
	isNil(t, "clerk 10 差评回复率", groups[1].BadReplyRate)
	approx(t, "all 好评率", all.GoodRate, 0.75)
}

// Properties over random facts: every rate in [0,1]; 好评率 + share of valid bad
// reviews = 1; 主动好评 + 有效差评 + 无效差评 = 主动评价; group counts add up to the whole.
func TestMetricsProperties(t *testing.T) {
	p := mustProfile(t, "taian")
	r := rand.New(rand.NewPCG(1, 2))
	verdicts := []Verdict{VerdictPending, VerdictValid, VerdictMistaken, VerdictMalicious}
	callbacks := []CallbackResult{CallbackNone, CallbackSatisfied, CallbackBasic, CallbackNotSatisfied}
	for iter := 0; iter < 500; iter++ {
		var f Facts
		for i := r.IntN(60); i > 0; i-- {
			e := EvalFact{Kind: KindActive, Level: Level(1 + r.IntN(5)), WindowID: int64(1 + r.IntN(3))}
			switch r.IntN(6) {
			case 0:
				e.Kind, e.Level = KindTimeout, p.Rating.DefaultLevel
			case 1:
				e.Kind = KindFollowUp
			}
			if p.IsBad(e.Level) {
				e.Verdict = verdicts[r.IntN(4)]
			}
			f.Evals = append(f.Evals, e)
		}
		for i := r.IntN(10); i > 0; i-- {
			o := OrderFact{Verdict: verdicts[r.IntN(4)], Replied: r.IntN(2) == 0, Rectified: r.IntN(2) == 0,
				WindowID: int64(1 + r.IntN(3))}
			if o.Rectified && r.IntN(2) == 0 {
				o.CalledBack, o.CallbackResult = true, callbacks[1+r.IntN(3)]
			}
			f.Orders = append(f.Orders, o)
		}
		m, groups := Compute(p, f, ByWindow)
		for name, v := range map[string]*float64{"good": m.GoodRate, "activeGood": m.ActiveGoodRate,
			"unrated": m.UnratedRate, "reply": m.BadReplyRate, "rectify": m.BadRectifyRate,
			"satisfied": m.BadRectifySatisfiedRate} {
			if v != nil && (*v < 0 || *v > 1 || math.IsNaN(*v)) {
				t.Fatalf("iter %d: %s = %v outside [0,1]", iter, name, *v)
			}
		}
		if m.Total > 0 {
			if s := *m.GoodRate + float64(m.ValidBad)/float64(m.Total); math.Abs(s-1) > 1e-9 {
				t.Fatalf("iter %d: 好评率 + 有效差评占比 = %v", iter, s)
			}
		}
		if m.ActiveGood+m.ValidBad+m.InvalidBad != m.Active {
			t.Fatalf("iter %d: active split %+v", iter, m.Counts)
		}
		var sum Counts
		for _, g := range groups {
			sum.Total += g.Total
			sum.BadOrders += g.BadOrders
			sum.Rectified += g.Rectified
		}
		if sum.Total != m.Total || sum.BadOrders != m.BadOrders || sum.Rectified != m.Rectified {
			t.Fatalf("iter %d: groups do not add up", iter)
		}
	}
}
