package app

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// MonthReport is the centre manager's monthly report (issue 8): everything
// the PDF and the spreadsheet show, computed here so that both print the same
// figures and `bianmin stats` computes them the same way (Compute). It holds
// no evaluator identity: names and phone numbers are never read into it.
type MonthReport struct {
	Centre       Centre
	ProfileName  string
	ProfileTitle string
	Month        string    // YYYY-MM
	From, To     time.Time // [From, To): the month in China time
	GeneratedAt  time.Time
	GeneratedBy  string

	Summary  Metrics
	Prev     Comparison // the previous month
	LastYear Comparison // the same month a year before

	Queue QueueStats
	Daily []DayStat

	Windows []RankedGroup
	Clerks  []RankedGroup
	Items   []RankedGroup

	BadByCategory []CategoryCount
	Orders        []OrderLine // every work order of the month; overdue first

	// WatchClerks is SZ 26 over [WatchFrom, WatchTo), the year to the month's
	// end: the ledger's 重点关注 rule (flagClerks), so the two agree.
	WatchClerks        []FlaggedClerk
	WatchFrom, WatchTo time.Time
	WatchItems         []WatchItem
}

// Comparison is another period's metrics to compare the month with.
type Comparison struct {
	Label    string // e.g. 上月（2026-09）
	From, To time.Time
	Metrics
}

// DayStat is one day of the month for the chart of good rate and volume.
type DayStat struct {
	Day      time.Time
	Total    int // 评价次数 (主动 + 超时未评)
	ValidBad int
	GoodRate *float64
}

// RankedGroup is one row of the window, clerk or item table.
type RankedGroup struct {
	Group
	Rank   int  // 1 = best good rate; 0 when the rate is undefined
	Lowest bool // the lowest good rate of the table (marked ▼)
}

// CategoryCount counts the month's work orders of one category (SZ 23).
type CategoryCount struct {
	Category OrderCategory
	Name     string
	Count    int
}

// DeadlineState is whether a deadline was met.
type DeadlineState int

// Deadline states.
const (
	DeadlinePending DeadlineState = iota // not done, not yet due
	DeadlineMet
	DeadlineMissed // done late, or not done and past due
	DeadlineNone   // no deadline set
)

// Name is the Chinese name shown in the report.
func (d DeadlineState) Name() string {
	switch d {
	case DeadlineMet:
		return "按期"
	case DeadlineMissed:
		return "超期"
	case DeadlineNone:
		return "—"
	}
	return "未到期"
}

// OrderLine is one bad review of the month: its work order and the loop's state.
type OrderLine struct {
	ID          int64
	RatedAt     time.Time
	Level       Level // the level that stands (after corrections)
	Window      string
	Clerk       string // 工号 姓名 of the rated clerk
	Item        string
	Category    OrderCategory
	State       OrderState
	Verdict     Verdict
	OnSite      bool
	Overdue     bool // open and past a deadline at GeneratedAt
	ContactDue  time.Time
	Contact     DeadlineState
	FinishDue   time.Time
	Finish      DeadlineState
	Callback    CallbackResult
	ClosedAt    time.Time
	CorrectedTo Level // LevelNone when not corrected
}

// WatchItem is an item whose bad reviews are concentrated.
type WatchItem struct {
	Code     string
	Name     string
	Total    int
	ValidBad int
	Share    *float64 // of the month's valid bad reviews
	GoodRate *float64
	Reason   string
}

// QueueStats is the month's queue (排队叫号) section.
type QueueStats struct {
	QueueFigures
	Categories  []CategoryQueue
	ByHour      [24]int // tickets issued per hour of the day
	BusiestHour int     // -1 when there are no tickets
}

// QueueFigures are the figures of the queue, overall or per category.
// Durations are minutes; nil when there is no sample.
type QueueFigures struct {
	Tickets    int
	Served     int
	NoShows    int
	NotCalled  int
	AvgWait    *float64
	P90Wait    *float64
	AvgService *float64
	P90Service *float64
}

// CategoryQueue is one queue category's figures.
type CategoryQueue struct {
	Prefix string
	Name   string
	QueueFigures
}

// Thresholds of the watch lists.
const (
	WatchYearBad    = 3   // SZ 26: 3 or more valid bad reviews in a year
	WatchWeekBad    = 3   // SZ 26: 3 within a week
	WatchItemBad    = 3   // an item with 3 or more valid bad reviews in the month
	WatchItemFactor = 2.0 // ... at twice the centre's bad-review rate or more,
	WatchItemPct    = 0.3 // or at least 2 that are 30% or more of the month's
	watchItemMin2   = 2
)

// ParseMonth parses YYYY-MM into the month's first instant in China time.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, ChinaTime)
	if err != nil {
		return time.Time{}, Refuse("bad_month", "月份格式应为 YYYY-MM，例如 2026-10")
	}
	return t, nil
}

// MonthReport computes the report for the month starting at month (any time
// in the month will do). by names who generates it, for the cover line.
func (s *Service) MonthReport(ctx context.Context, month time.Time, by string) (*MonthReport, error) {
	month = month.In(ChinaTime)
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, ChinaTime)
	to := from.AddDate(0, 1, 0)
	now := s.Clock.Now()
	c, err := s.st.Centre(ctx)
	if err != nil {
		return nil, err
	}
	r := &MonthReport{Centre: c, ProfileName: s.Profile.Name, ProfileTitle: s.Profile.Title,
		Month: from.Format("2006-01"), From: from, To: to, GeneratedAt: now, GeneratedBy: by}

	f, err := s.facts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	r.Summary, _ = Compute(s.Profile, f, ByNone)
	for _, g := range []struct {
		by  GroupBy
		dst *[]RankedGroup
	}{{ByWindow, &r.Windows}, {ByClerk, &r.Clerks}, {ByItem, &r.Items}} {
		_, groups := Compute(s.Profile, f, g.by)
		if err := s.labelGroups(ctx, g.by, groups); err != nil {
			return nil, err
		}
		*g.dst = rank(groups)
	}
	r.Daily = daily(s.Profile, f.Evals, from, to)
	counts := map[OrderCategory]int{}
	for _, o := range f.Orders {
		if o.CorrectedTo.Valid() && !s.Profile.IsBad(o.CorrectedTo) {
			continue // not a 差评件 (see Counts.addOrder)
		}
		counts[o.Category]++
	}
	for _, cat := range []OrderCategory{CatStaff, CatItem, CatSystem} {
		r.BadByCategory = append(r.BadByCategory, CategoryCount{Category: cat, Name: cat.Name(), Count: counts[cat]})
	}

	for _, cmp := range []struct {
		dst   *Comparison
		from  time.Time
		label string
	}{{&r.Prev, from.AddDate(0, -1, 0), "上月"}, {&r.LastYear, from.AddDate(-1, 0, 0), "去年同月"}} {
		pf, err := s.st.FactCounts(ctx, cmp.from, cmp.from.AddDate(0, 1, 0), ByNone)
		if err != nil {
			return nil, err
		}
		m, _ := Compute(s.Profile, pf, ByNone)
		*cmp.dst = Comparison{Label: fmt.Sprintf("%s（%s）", cmp.label, cmp.from.Format("2006-01")),
			From: cmp.from, To: cmp.from.AddDate(0, 1, 0), Metrics: m}
	}

	if r.Queue, err = s.queueStats(ctx, from, to); err != nil {
		return nil, err
	}
	if err := s.reportOrders(ctx, r, now); err != nil {
		return nil, err
	}
	r.WatchItems = watchItems(r.Items, r.Summary.ValidBad, r.Summary.Total)
	return r, nil
}

// facts reads what Compute needs for [from, to): the one read behind Stats,
// the dashboard, the report and the exports.
func (s *Service) facts(ctx context.Context, from, to time.Time) (Facts, error) {
	var f Facts
	var err error
	if f.Evals, err = s.st.EvalFacts(ctx, from, to); err != nil {
		return f, err
	}
	if f.Orders, err = s.st.OrderFacts(ctx, from, to); err != nil {
		return f, err
	}
	if f.Txs, err = s.st.TxFacts(ctx, from, to); err != nil {
		return f, err
	}
	return f, nil
}

// rank orders groups by good rate (best first; ties by score, then key) and
// marks the lowest defined rate when there are two groups or more.
func rank(groups []Group) []RankedGroup {
	out := make([]RankedGroup, len(groups))
	for i, g := range groups {
		out[i] = RankedGroup{Group: g}
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.Inf(-1)
		}
		return *p
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if va, vb := val(a.GoodRate), val(b.GoodRate); va != vb {
			return va > vb
		}
		if va, vb := val(a.Score), val(b.Score); va != vb {
			return va > vb
		}
		return lessKey(a.Key, b.Key)
	})
	defined := 0
	for i := range out {
		if out[i].GoodRate != nil {
			defined++
			out[i].Rank = defined
		}
	}
	if defined >= 2 {
		low := *out[defined-1].GoodRate
		if low < *out[0].GoodRate {
			for i := 0; i < defined; i++ {
				if *out[i].GoodRate == low {
					out[i].Lowest = true
				}
			}
		}
	}
	return out
}

// daily buckets the month's evaluations by the day they were rated.
func daily(p *Profile, evals []EvalFact, from, to time.Time) []DayStat {
	var days []DayStat
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, DayStat{Day: d})
	}
	counts := make([]Counts, len(days))
	for _, e := range evals {
		i := e.RatedAt.In(ChinaTime).Day() - 1
		if i >= 0 && i < len(days) {
			counts[i].addEval(p, e)
		}
	}
	for i := range days {
		m := counts[i].Rates()
		days[i].Total, days[i].ValidBad, days[i].GoodRate = m.Total, m.ValidBad, m.GoodRate
	}
	return days
}

// queueStats computes the queue section from the month's tickets.
func (s *Service) queueStats(ctx context.Context, from, to time.Time) (QueueStats, error) {
	q := QueueStats{BusiestHour: -1}
	tickets, err := s.st.TicketsIssued(ctx, from, to)
	if err != nil {
		return q, err
	}
	cats, err := s.st.Categories(ctx)
	if err != nil {
		return q, err
	}
	type acc struct {
		f             QueueFigures
		wait, service []float64
	}
	all := &acc{}
	byCat := map[int64]*acc{}
	for _, c := range cats {
		byCat[c.ID] = &acc{}
	}
	for _, t := range tickets {
		q.ByHour[t.IssuedAt.In(ChinaTime).Hour()]++
		a := byCat[t.CategoryID]
		if a == nil {
			a = &acc{}
			byCat[t.CategoryID] = a
			cats = append(cats, QueueCategory{ID: t.CategoryID, Prefix: "?", Name: "（未知类别）" + strconv.FormatInt(t.CategoryID, 10)})
		}
		for _, x := range []*acc{all, a} {
			x.f.Tickets++
			switch {
			case t.NoShow:
				x.f.NoShows++
			case t.CalledAt.IsZero():
				x.f.NotCalled++
			default:
				x.f.Served++
				x.wait = append(x.wait, t.CalledAt.Sub(t.IssuedAt).Minutes())
				if !t.ServedAt.IsZero() && !t.DoneAt.IsZero() {
					x.service = append(x.service, t.DoneAt.Sub(t.ServedAt).Minutes())
				}
			}
		}
	}
	fin := func(a *acc) QueueFigures {
		f := a.f
		f.AvgWait, f.P90Wait = meanP90(a.wait)
		f.AvgService, f.P90Service = meanP90(a.service)
		return f
	}
	q.QueueFigures = fin(all)
	for _, c := range cats {
		q.Categories = append(q.Categories, CategoryQueue{Prefix: c.Prefix, Name: c.Name, QueueFigures: fin(byCat[c.ID])})
	}
	best := 0
	for h, n := range q.ByHour {
		if n > best {
			best, q.BusiestHour = n, h
		}
	}
	return q, nil
}

// meanP90 returns the mean and the 90th percentile (nearest rank) of xs;
// nil for both when xs is empty.
func meanP90(xs []float64) (*float64, *float64) {
	if len(xs) == 0 {
		return nil, nil
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	p90 := sorted[int(math.Ceil(0.9*float64(len(sorted))))-1]
	return &mean, &p90
}

// RatedOrder is a work order with its bad review's rating time, the level
// rated and the level that stands after corrections.
type RatedOrder struct {
	WorkOrder
	RatedAt     time.Time
	Level       Level // as rated
	CorrectedTo Level // LevelNone when not corrected
}

// reportOrders fills the bad-review list and the clerk watch list.
func (s *Service) reportOrders(ctx context.Context, r *MonthReport, now time.Time) error {
	labels, err := s.reportLabels(ctx)
	if err != nil {
		return err
	}
	// The clerk watch list looks back a year (as Service.WatchWith does to now).
	yearFrom := r.To.AddDate(0, -DefaultWatchRules.LookbackMonths, 0)
	orders, err := s.st.RatedOrders(ctx, yearFrom, r.To)
	if err != nil {
		return err
	}
	r.WatchFrom, r.WatchTo = yearFrom, r.To
	r.WatchClerks = flagClerks(s.Profile, orders, DefaultWatchRules)
	for i := range r.WatchClerks {
		c := &r.WatchClerks[i]
		c.No, c.Name = labels.staff[c.StaffID].No, labels.staff[c.StaffID].Name
		if c.No == "" && c.Name == "" {
			c.Name = "（未知）" + strconv.FormatInt(c.StaffID, 10)
		}
	}
	for _, o := range orders {
		notBad := !standsBad(s.Profile, o)
		if notBad || o.RatedAt.Before(r.From) {
			continue
		}
		level := o.Level
		if o.CorrectedTo.Valid() {
			level = o.CorrectedTo
		}
		l := OrderLine{ID: o.ID, RatedAt: o.RatedAt, Level: level, Window: labels.window[o.WindowID],
			Clerk: labels.clerk[o.ClerkID], Item: labels.item[o.ItemCode], Category: o.Category, State: o.State,
			Verdict: o.Verdict, OnSite: o.OnSite, Overdue: s.Overdue(o.WorkOrder, now), ContactDue: o.ContactDue,
			FinishDue: o.FinishDue, Callback: o.CallbackResult, ClosedAt: o.ClosedAt, CorrectedTo: o.CorrectedTo}
		if l.Item == "" && o.ItemCode != "" {
			l.Item = o.ItemCode
		}
		l.Contact = deadline(o.ContactDue, o.RepliedAt, now)
		done := o.ClosedAt
		if done.IsZero() && o.State == OrderClosed {
			done = now
		}
		l.Finish = deadline(o.FinishDue, done, now)
		r.Orders = append(r.Orders, l)
	}
	sort.SliceStable(r.Orders, func(i, j int) bool {
		a, b := r.Orders[i], r.Orders[j]
		if a.Overdue != b.Overdue {
			return a.Overdue
		}
		if !a.RatedAt.Equal(b.RatedAt) {
			return a.RatedAt.Before(b.RatedAt)
		}
		return a.ID < b.ID
	})
	return nil
}

// deadline says whether something due at due, done at done (zero = not yet),
// met its deadline as of now.
func deadline(due, done, now time.Time) DeadlineState {
	switch {
	case due.IsZero():
		return DeadlineNone
	case !done.IsZero() && !done.After(due):
		return DeadlineMet
	case !done.IsZero() || now.After(due):
		return DeadlineMissed
	}
	return DeadlinePending
}

type reportLabelSet struct {
	window map[int64]string
	clerk  map[int64]string
	staff  map[int64]Staff
	item   map[string]string
}

func (s *Service) reportLabels(ctx context.Context) (reportLabelSet, error) {
	l := reportLabelSet{window: map[int64]string{}, clerk: map[int64]string{}, staff: map[int64]Staff{}, item: map[string]string{}}
	ws, err := s.st.Windows(ctx)
	if err != nil {
		return l, err
	}
	for _, w := range ws {
		l.window[w.ID] = fmt.Sprintf("%d号窗口", w.Number)
	}
	st, err := s.st.AllStaff(ctx)
	if err != nil {
		return l, err
	}
	for _, x := range st {
		l.clerk[x.ID] = x.No + " " + x.Name
		l.staff[x.ID] = x
	}
	items, err := s.st.Items(ctx)
	if err != nil {
		return l, err
	}
	for _, it := range items {
		l.item[it.Code] = it.Name
	}
	return l, nil
}

// watchItems flags items with concentrated bad reviews in the month: a
// bad-review rate of WatchItemFactor times the centre's or more, with at
// least WatchItemBad valid bad reviews, or at least two that are WatchItemPct
// or more of the month's. A busy item with the centre's usual rate is not
// flagged, however many bad reviews its volume brings.
func watchItems(items []RankedGroup, monthValidBad, monthTotal int) []WatchItem {
	var out []WatchItem
	centre := ratio(monthValidBad, monthTotal)
	for _, g := range items {
		share := ratio(g.ValidBad, monthValidBad)
		rate := ratio(g.ValidBad, g.Total)
		var reason string
		if rate == nil || centre == nil || *rate < WatchItemFactor**centre {
			continue
		}
		switch {
		case g.ValidBad >= WatchItemBad:
			reason = fmt.Sprintf("有效差评%d次，差评率%.1f%%，为全中心%.1f%%的%.1f倍", g.ValidBad, *rate*100, *centre*100, *rate / *centre)
		case g.ValidBad >= watchItemMin2 && share != nil && *share >= WatchItemPct:
			reason = fmt.Sprintf("有效差评%d次，占本月有效差评%.0f%%，差评率为全中心的%.1f倍", g.ValidBad, *share*100, *rate / *centre)
		default:
			continue
		}
		out = append(out, WatchItem{Code: g.Key, Name: g.Label, Total: g.Total, ValidBad: g.ValidBad,
			Share: share, GoodRate: g.GoodRate, Reason: reason})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ValidBad > out[j].ValidBad })
	return out
}
