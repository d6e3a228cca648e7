package demo_test

import (
	"context"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/demo"
	"bianmin/app/demo/memstore"
)

func generate(t *testing.T, profile string, days int, seed int64) (*memstore.Store, *demo.Result, *app.Profile) {
	t.Helper()
	p, err := app.LoadProfile(profile, "")
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	end := time.Date(2026, 11, 20, 15, 30, 0, 0, app.ChinaTime)
	res, err := demo.Generate(context.Background(), st, p, app.NewCalendar(), demo.Options{Days: days, Seed: seed, End: end})
	if err != nil {
		t.Fatal(err)
	}
	return st, res, p
}

func TestCheckDigit(t *testing.T) {
	// GB 11643-1999 example: 11010519491231002X.
	if c := demo.CheckDigit("11010519491231002"); c != 'X' {
		t.Fatalf("check digit = %c, want X", c)
	}
}

func TestGenerateNational(t *testing.T) {
	st, res, p := generate(t, "national", 60, 1)
	t.Logf("%+v", *res)
	if len(res.Anomalies) > 0 {
		t.Errorf("anomalies: %q", res.Anomalies)
	}
	if res.Transactions < 500 || res.Ratings < 400 || res.Timeouts == 0 || res.Orders == 0 {
		t.Errorf("too little generated: %+v", res)
	}
	// A late rating is window_closed, or timed_out once its timeout row stands.
	res.Refused["late"] = res.Refused["window_closed"] + res.Refused["timed_out"]
	for _, code := range []app.Code{"already_rated", "late", "no_followup"} {
		if res.Refused[code] == 0 {
			t.Errorf("no refusal %s attempted", code)
		}
	}
	evs := st.AllEvaluations()
	chans := map[app.Channel]int{}
	kinds := map[app.EvalKind]int{}
	bad := 0
	for _, e := range evs {
		chans[e.Channel]++
		kinds[e.Kind]++
		if e.Kind == app.KindActive && p.IsBad(e.Level) {
			bad++
		}
	}
	for _, c := range app.Channels() {
		if c != app.ChannelSelfService && chans[c] == 0 {
			t.Errorf("no rating through %s", c)
		}
	}
	if kinds[app.KindFollowUp] != 0 {
		t.Errorf("national profile has follow-ups: %d", kinds[app.KindFollowUp])
	}
	if r := float64(bad) / float64(kinds[app.KindActive]); r < 0.02 || r > 0.08 {
		t.Errorf("bad share %.3f", r)
	}
	orders, _ := st.WorkOrders(context.Background(), app.OrderFilter{})
	states := map[app.OrderState]int{}
	verdicts := map[app.Verdict]int{}
	callbacks := map[app.CallbackResult]int{}
	onsite, overdue := 0, 0
	now := res.Clock.Now()
	svc := app.NewService(st, res.Clock, p, app.NewCalendar(), nil)
	for _, o := range orders {
		states[o.State]++
		verdicts[o.Verdict]++
		callbacks[o.CallbackResult]++
		if o.OnSite {
			onsite++
		}
		if svc.Overdue(o, now) {
			overdue++
		}
	}
	t.Logf("orders %d states %v verdicts %v callbacks %v onsite %d overdue %d", len(orders), states, verdicts, callbacks, onsite, overdue)
	for _, s := range []app.OrderState{app.OrderOpen, app.OrderContacted, app.OrderRectified, app.OrderClosed} {
		if states[s] == 0 {
			t.Errorf("no work order in state %s", s)
		}
	}
	for _, v := range []app.Verdict{app.VerdictValid, app.VerdictMistaken, app.VerdictMalicious} {
		if verdicts[v] == 0 {
			t.Errorf("no verdict %s", v)
		}
	}
	if onsite == 0 || overdue == 0 {
		t.Errorf("onsite %d overdue %d", onsite, overdue)
	}
	var batch, theme, agent int
	for _, tx := range st.AllTransactions() {
		if tx.BatchID != "" {
			batch++
		}
		if tx.IsTheme {
			theme++
		}
		if tx.AgentName != "" {
			agent++
		}
		if _, err := app.ValidatePhone(tx.Phone); err != nil {
			t.Fatalf("bad phone %q", tx.Phone)
		}
	}
	if batch == 0 || theme == 0 || agent == 0 {
		t.Errorf("batch %d theme %d agent %d", batch, theme, agent)
	}
}

func TestGenerateShenzhenFollowUps(t *testing.T) {
	st, res, _ := generate(t, "shenzhen", 40, 2)
	if len(res.Anomalies) > 0 {
		t.Errorf("anomalies: %q", res.Anomalies)
	}
	if res.FollowUps == 0 {
		t.Errorf("no follow-ups under shenzhen")
	}
	for _, e := range st.AllEvaluations() {
		if e.Kind == app.KindTimeout && e.Level != app.LevelVeryGood {
			t.Fatalf("shenzhen timeout level %v", e.Level)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, _, _ := generate(t, "national", 15, 7)
	b, _, _ := generate(t, "national", 15, 7)
	ea, eb := a.AllEvaluations(), b.AllEvaluations()
	if len(ea) != len(eb) {
		t.Fatalf("rows %d vs %d", len(ea), len(eb))
	}
	for i := range ea {
		if ea[i].TransactionID != eb[i].TransactionID || ea[i].Level != eb[i].Level || !ea[i].RatedAt.Equal(eb[i].RatedAt) {
			t.Fatalf("row %d differs", i)
		}
	}
}

// TestNoAnomalies runs several seeds under every built-in profile: every
// refusal the generator meets must be one it attempted on purpose.
func TestNoAnomalies(t *testing.T) {
	for _, prof := range app.BuiltinProfiles() {
		for seed := int64(10); seed < 13; seed++ {
			_, res, _ := generate(t, prof, 45, seed)
			if len(res.Anomalies) > 0 {
				t.Errorf("%s seed %d: %q", prof, seed, res.Anomalies)
			}
		}
	}
}

// Progress rises steadily from near 0 to 1, about once a percent, and the
// same centre comes out as without it.
func TestProgress(t *testing.T) {
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	var seen []float64
	st := memstore.New()
	end := time.Date(2026, 11, 20, 15, 30, 0, 0, app.ChinaTime)
	if _, err := demo.Generate(context.Background(), st, p, app.NewCalendar(), demo.Options{Days: 15, Seed: 7, End: end,
		Progress: func(f float64) { seen = append(seen, f) }}); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 20 || len(seen) > 102 || seen[len(seen)-1] != 1 || seen[0] > 0.1 {
		t.Fatalf("%d reports, first %v, last %v", len(seen), seen[0], seen[len(seen)-1])
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("progress went back: %v then %v", seen[i-1], seen[i])
		}
	}
	plain, _, _ := generate(t, "national", 15, 7)
	if len(plain.AllEvaluations()) != len(st.AllEvaluations()) {
		t.Error("reporting progress changed the centre")
	}
}
