package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The watch lists (重点关注). The clerk list is one rule, flagClerks, over one
// query, Store.RatedOrders: the ledger's 重点关注 page computes it to now and
// the monthly report (PDF and Excel) to the month's end, so the two agree
// whenever they cover the same period, and each says which period it covers.

// WatchRules are the thresholds of the watch lists.
type WatchRules struct {
	ClerkYear      int // valid bad reviews in a year (SZ 26: 3次以上)
	ClerkWeek      int // valid bad reviews within 7 days (SZ 26: 一周内连续3次以上)
	EvaluatorYear  int // malicious verdicts in a year (SZ 27)
	ItemBurst      int // bad reviews of one item ...
	ItemBurstDays  int // ... within this many natural days (GB/T 39735 8.2.2 差评集中的事项)
	LookbackMonths int // the "year": this many months back from the period's end
}

// DefaultWatchRules are SZ 26/27's numbers; GB/T 39735 8.2.2 gives no number
// for a burst, so 3 within 7 days is taken from SZ 26's week rule.
var DefaultWatchRules = WatchRules{ClerkYear: WatchYearBad, ClerkWeek: WatchWeekBad, EvaluatorYear: 3, ItemBurst: 3, ItemBurstDays: 7, LookbackMonths: 12}

// FlaggedClerk is a clerk flagged by SZ 26.
type FlaggedClerk struct {
	StaffID          int64
	No, Name         string
	YearCount        int       // valid bad reviews in the year
	WeekCount        int       // the most within any 7 days of the year
	WeekFrom, WeekTo time.Time // the first and last review of that run
	Reason           string    // Chinese, with the week's dates
	OrderIDs         []int64   // the valid bad reviews of the year
}

// FlaggedEvaluator is an evaluator with repeated malicious verdicts (SZ 27).
type FlaggedEvaluator struct {
	Name     string // masked
	Tel      string // masked
	Count    int
	OrderIDs []int64
}

// FlaggedItem is an item with a burst of bad reviews (GB/T 39735 8.2.2).
type FlaggedItem struct {
	ItemCode, ItemName string
	Count              int // bad reviews (not found invalid) in the burst
	From, To           time.Time
	OrderIDs           []int64
}

// WatchLists are the manager's watch lists over [From, To): the look-back
// year to now.
type WatchLists struct {
	From, To   time.Time
	Clerks     []FlaggedClerk
	Evaluators []FlaggedEvaluator
	Items      []FlaggedItem
}

// Period is the lists' period in Chinese, e.g. "2025-12-03 至 2026-12-03".
func (w *WatchLists) Period() string { return PeriodZh(w.From, w.To) }

// PeriodZh names [from, to) by its first and last day.
func PeriodZh(from, to time.Time) string {
	last := to.In(ChinaTime)
	if l := last; l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		last = l.AddDate(0, 0, -1) // a period ending at midnight ends the day before
	}
	return from.In(ChinaTime).Format("2006-01-02") + " 至 " + last.Format("2006-01-02")
}

// maxWithin returns the largest number of times (sorted) within a period of
// `days` natural days counted from one of them, and the first and last time
// of that run. The period runs as the Civil Code's art. 201 says: the day of
// the first review is not counted and the period ends at 24:00 of its last
// day, so 1 June 10:00 to 8 June 23:59 is "within 7 days".
func maxWithin(ts []time.Time, days int) (int, time.Time, time.Time) {
	best, bi, bj := 0, 0, -1
	j := 0
	for i := range ts {
		end := endOfDay(ts[i].In(ChinaTime).AddDate(0, 0, days))
		if j < i {
			j = i
		}
		for j+1 < len(ts) && !ts[j+1].After(end) {
			j++
		}
		if j-i+1 > best {
			best, bi, bj = j-i+1, i, j
		}
	}
	if bj < 0 {
		return 0, time.Time{}, time.Time{}
	}
	return best, ts[bi], ts[bj]
}

// standsBad reports whether the order's review is still a bad review: one
// corrected to a good level (a mistyped paper form) never was.
func standsBad(p *Profile, o RatedOrder) bool {
	return !o.CorrectedTo.Valid() || p.IsBad(o.CorrectedTo)
}

// flagClerks applies SZ 26 to the bad reviews of the period (the year): only
// reviews about the clerk (CatStaff) verified valid (经核实为有效差评) count.
// Names are left to the caller. Sorted by the year's count, most first.
func flagClerks(p *Profile, orders []RatedOrder, r WatchRules) []FlaggedClerk {
	byClerk := map[int64][]RatedOrder{}
	for _, o := range orders {
		if o.Category == CatStaff && o.Verdict == VerdictValid && o.ClerkID != 0 && standsBad(p, o) {
			byClerk[o.ClerkID] = append(byClerk[o.ClerkID], o)
		}
	}
	var out []FlaggedClerk
	for id, list := range byClerk {
		sort.Slice(list, func(i, j int) bool {
			if !list[i].RatedAt.Equal(list[j].RatedAt) {
				return list[i].RatedAt.Before(list[j].RatedAt)
			}
			return list[i].ID < list[j].ID
		})
		fc := FlaggedClerk{StaffID: id, YearCount: len(list)}
		ts := make([]time.Time, len(list))
		for i, o := range list {
			ts[i] = o.RatedAt
			fc.OrderIDs = append(fc.OrderIDs, o.ID)
		}
		fc.WeekCount, fc.WeekFrom, fc.WeekTo = maxWithin(ts, 7)
		var why []string
		if fc.YearCount >= r.ClerkYear {
			why = append(why, fmt.Sprintf("一年内有效差评%d次", fc.YearCount))
		}
		if fc.WeekCount >= r.ClerkWeek {
			// With its dates: a run from months ago must not read as now.
			why = append(why, fmt.Sprintf("一周内有效差评%d次（%s 至 %s）", fc.WeekCount,
				fc.WeekFrom.In(ChinaTime).Format("2006-01-02"), fc.WeekTo.In(ChinaTime).Format("01-02")))
		}
		if len(why) > 0 {
			fc.Reason = strings.Join(why, "，")
			out = append(out, fc)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].YearCount != out[j].YearCount {
			return out[i].YearCount > out[j].YearCount
		}
		return out[i].StaffID < out[j].StaffID
	})
	return out
}

// Watch computes the watch lists with DefaultWatchRules. Manager only: the
// evaluator list is personal data (SZ 27 credit records).
func (s *Service) Watch(ctx context.Context, actor *Staff) (*WatchLists, error) {
	return s.WatchWith(ctx, actor, DefaultWatchRules)
}

// WatchWith computes the watch lists with the given thresholds over the
// year to now, by the time each bad review was rated. Manager only.
func (s *Service) WatchWith(ctx context.Context, actor *Staff, r WatchRules) (*WatchLists, error) {
	return s.WatchUntil(ctx, actor, r, s.Clock.Now().Add(time.Second)) // a review rated this second counts
}

// WatchUntil computes the watch lists over the year before to, e.g. as of a
// month's end, which is the period of that month's report. Manager only.
func (s *Service) WatchUntil(ctx context.Context, actor *Staff, r WatchRules, to time.Time) (*WatchLists, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	w := &WatchLists{From: to.AddDate(0, -r.LookbackMonths, 0), To: to}
	orders, err := s.st.RatedOrders(ctx, w.From, w.To)
	if err != nil {
		return nil, err
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}

	w.Clerks = flagClerks(s.Profile, orders, r)
	for i := range w.Clerks {
		c := &w.Clerks[i]
		c.Name, c.No = n.person(c.StaffID), n.staff[c.StaffID].No
	}
	if w.Evaluators, err = s.flagEvaluators(ctx, orders, r); err != nil {
		return nil, err
	}
	w.Items = flagItems(s.Profile, orders, r, n)
	return w, nil
}

// flagEvaluators applies SZ 27: evaluators with malicious verdicts, keyed by
// ID-number hash, else phone, else name; anonymous ones cannot be followed.
func (s *Service) flagEvaluators(ctx context.Context, orders []RatedOrder, r WatchRules) ([]FlaggedEvaluator, error) {
	byEval := map[string]*FlaggedEvaluator{}
	var evalOrder []string
	for _, o := range orders {
		if o.Verdict != VerdictMalicious {
			continue
		}
		key, name, tel, err := s.evaluatorKey(ctx, o)
		if err != nil {
			return nil, err
		}
		if key == "" {
			continue
		}
		we := byEval[key]
		if we == nil {
			we = &FlaggedEvaluator{Name: MaskName(name), Tel: MaskPhone(tel)}
			byEval[key] = we
			evalOrder = append(evalOrder, key)
		}
		we.Count++
		we.OrderIDs = append(we.OrderIDs, o.ID)
	}
	var out []FlaggedEvaluator
	for _, k := range evalOrder {
		if we := byEval[k]; we.Count >= r.EvaluatorYear {
			out = append(out, *we)
		}
	}
	return out, nil
}

// evaluatorKey names who gave o's review: the key they are counted by ("" for
// an anonymous review), with their name and phone. An agent's review is not
// the applicant's, so neither the applicant's name nor ID number stand for it.
func (s *Service) evaluatorKey(ctx context.Context, o RatedOrder) (key, name, tel string, err error) {
	ev, err := s.st.Evaluation(ctx, o.EvaluationID)
	if err != nil {
		return "", "", "", err
	}
	name, tel = ev.EvaluatorName, ev.EvaluatorTel
	if tx, err := s.st.Transaction(ctx, o.TransactionID); err == nil {
		if name == "" && ev.Rater != RaterAgent {
			name = tx.ApplicantName
		}
		if tel == "" {
			tel = tx.Phone
		}
		if tx.IDHash != "" && ev.Rater != RaterAgent {
			key = "id:" + tx.IDHash
		}
	}
	switch {
	case key != "":
	case tel != "":
		key = "tel:" + tel
	case name != "":
		key = "name:" + name
	}
	return key, name, tel, nil
}

// flagItems applies GB/T 39735 8.2.2: items with a burst of bad reviews (not
// found invalid, not corrected away as a data-entry mistake).
func flagItems(p *Profile, orders []RatedOrder, r WatchRules, n ledgerNames) []FlaggedItem {
	byItem := map[string][]RatedOrder{}
	for _, o := range orders {
		if !o.Verdict.Invalid() && o.ItemCode != "" && standsBad(p, o) {
			byItem[o.ItemCode] = append(byItem[o.ItemCode], o)
		}
	}
	var out []FlaggedItem
	for code, list := range byItem {
		if len(list) < r.ItemBurst {
			continue
		}
		sort.Slice(list, func(i, j int) bool { return list[i].RatedAt.Before(list[j].RatedAt) })
		ts := make([]time.Time, len(list))
		for i, o := range list {
			ts[i] = o.RatedAt
		}
		c, from, to := maxWithin(ts, r.ItemBurstDays)
		if c < r.ItemBurst {
			continue
		}
		wi := FlaggedItem{ItemCode: code, ItemName: n.item(code), Count: c, From: from, To: to}
		for _, o := range list {
			if !o.RatedAt.Before(from) && !o.RatedAt.After(to) {
				wi.OrderIDs = append(wi.OrderIDs, o.ID)
			}
		}
		out = append(out, wi)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].ItemCode < out[j].ItemCode
	})
	return out
}
