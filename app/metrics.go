package app

import (
	"sort"
	"strconv"
)

// Counts are the numbers behind the GB/T 39735 rates. JSON keys are the ones
// `bianmin stats --json` promises.
type Counts struct {
	Total            int             `json:"total"`             // 主动评价次数 + 超时未评次数
	Active           int             `json:"active"`            // 主动评价次数
	TimeoutUnrated   int             `json:"timeout_unrated"`   // 超时未评次数 (including a profile's default level)
	ValidBad         int             `json:"valid_bad"`         // 有效差评次数 (pending verification counts as valid)
	InvalidBad       int             `json:"invalid_bad"`       // 经核实为无效差评的次数 (误评, 恶意)
	ActiveGood       int             `json:"active_good"`       // 主动评价为好评的次数
	BadOrders        int             `json:"bad_orders"`        // 所有差评件数
	Replied          int             `json:"replied"`           // 已回复的差评件数
	ValidBadOrders   int             `json:"valid_bad_orders"`  // 有效差评件数
	Rectified        int             `json:"rectified"`         // 经回访已整改完成的差评件数
	RectifySatisfied int             `json:"rectify_satisfied"` // 经回访对整改结果满意的件数
	FollowUps        int             `json:"followups"`         // 追加评价 (SZ 20)
	Scored           int             `json:"scored"`            // rows with a level, behind Score
	ScoreSum         int             `json:"score_sum"`
	Transactions     int             `json:"transactions"`    // 办件 finished in the period
	ActiveRatedTx    int             `json:"active_rated_tx"` // of which with an active rating
	OnSite           int             `json:"onsite"`          // orders settled on the spot (JZ 8.2.1.3)
	ByLevel          [6]int          `json:"by_level"`        // rows per level, index = level (0 = unrated)
	ByChannel        map[Channel]int `json:"by_channel"`
}

// Metrics are the GB/T 39735 Appendix A rates plus SZ art. 20 figures. A rate
// is nil when its denominator is zero: undefined, shown as "—", never 0 or 100%.
type Metrics struct {
	Counts
	GoodRate                *float64 `json:"good_rate"`
	ActiveGoodRate          *float64 `json:"active_good_rate"`
	UnratedRate             *float64 `json:"unrated_rate"`
	BadReplyRate            *float64 `json:"bad_reply_rate"`
	BadRectifyRate          *float64 `json:"bad_rectify_rate"`
	BadRectifySatisfiedRate *float64 `json:"bad_rectify_satisfied_rate"`
	ActiveRate              *float64 `json:"active_rate"` // SZ 20 主动评价率
	Score                   *float64 `json:"score"`       // SZ 20 mean score (item score per item, 机构得分 for the centre)
}

func ratio(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// addEval counts one evaluation fact.
func (c *Counts) addEval(p *Profile, f EvalFact) {
	if c.ByChannel == nil {
		c.ByChannel = map[Channel]int{}
	}
	if f.Kind == KindFollowUp {
		// SZ 16/20: follow-ups are reported, but are not a second 一次一评 rating.
		c.FollowUps += max(f.N, 1)
		return
	}
	n := max(f.N, 1)
	c.ByChannel[f.Channel] += n
	if f.Level >= 0 && int(f.Level) < len(c.ByLevel) {
		c.ByLevel[f.Level] += n
	}
	if f.Level.Valid() {
		c.Scored += n
		c.ScoreSum += n * p.Score(f.Level)
	}
	// GB/T 39735 A.1: 总评价次数 = 主动评价次数 + 超时“未评”次数. A timeout that the
	// profile defaults to a level (SZ 15, TA 二.4) is still not 主动评价.
	c.Total += n
	switch f.Kind {
	case KindTimeout:
		c.TimeoutUnrated += n
	case KindActive:
		c.Active += n
		if p.IsBad(f.Level) {
			if f.Verdict.Invalid() {
				c.InvalidBad += n
			} else {
				c.ValidBad += n
			}
		} else if p.IsGood(f.Level) {
			c.ActiveGood += n
		}
	}
}

// addOrder counts one work-order fact. An order whose bad review was corrected
// to a good level was opened by a data-entry mistake: it is not a 差评件.
func (c *Counts) addOrder(p *Profile, o OrderFact) {
	if o.CorrectedTo.Valid() && !p.IsBad(o.CorrectedTo) {
		return
	}
	c.BadOrders++
	if o.Replied {
		c.Replied++
	}
	if o.OnSite {
		c.OnSite++
	}
	if o.Verdict.Invalid() {
		return
	}
	c.ValidBadOrders++
	// GB/T 39735 A.1 4.2: 经回访已整改完成 = rectified and then called back.
	if o.Rectified && o.CalledBack {
		c.Rectified++
		if p.CallbackCountsSatisfied(o.CallbackResult) {
			c.RectifySatisfied++
		}
	}
}

func (c *Counts) addTx(t TxFact) {
	n := max(t.N, 1)
	c.Transactions += n
	if t.ActiveRated {
		c.ActiveRatedTx += n
	}
}

// Rates turns counts into the rates.
func (c Counts) Rates() Metrics {
	m := Metrics{Counts: c}
	if m.ByChannel == nil {
		m.ByChannel = map[Channel]int{}
	}
	// GB/T 39735 A.1 1: 好评率 = (总评价次数 − 有效差评次数) / 总评价次数
	m.GoodRate = ratio(c.Total-c.ValidBad, c.Total)
	// GB/T 39735 A.1 2: 主动评价好评率 = 主动好评次数 / (主动评价总次数 − 无效差评次数)
	m.ActiveGoodRate = ratio(c.ActiveGood, c.Active-c.InvalidBad)
	// GB/T 39735 A.1 3: 未评率 = (超时未评次数 + 无效差评次数) / 总评价次数
	m.UnratedRate = ratio(c.TimeoutUnrated+c.InvalidBad, c.Total)
	// GB/T 39735 A.1 4.1: 差评回复率 = 已回复的差评件数 / 所有差评件数
	m.BadReplyRate = ratio(c.Replied, c.BadOrders)
	// GB/T 39735 A.1 4.2: 差评回访整改率 = 经回访已整改完成的差评件数 / 有效差评件数
	m.BadRectifyRate = ratio(c.Rectified, c.ValidBadOrders)
	// GB/T 39735 A.1 4.3: 差评回访整改满意率 = 经回访满意件数 / 经回访已整改完成件数
	m.BadRectifySatisfiedRate = ratio(c.RectifySatisfied, c.Rectified)
	// SZ 20: 主动评价率 = 有主动评价的办件数 / 办件总数
	m.ActiveRate = ratio(c.ActiveRatedTx, c.Transactions)
	// SZ 20: 得分 = mean of the SZ art. 7 scores of the ratings that carry a level.
	if c.Scored > 0 {
		v := float64(c.ScoreSum) / float64(c.Scored)
		m.Score = &v
	}
	return m
}

// GroupBy selects how Compute groups.
type GroupBy string

// Groupings.
const (
	ByNone   GroupBy = ""
	ByWindow GroupBy = "window"
	ByClerk  GroupBy = "clerk"
	ByItem   GroupBy = "item"
)

// ParseGroupBy validates a grouping name.
func ParseGroupBy(s string) (GroupBy, bool) {
	switch GroupBy(s) {
	case ByNone, ByWindow, ByClerk, ByItem:
		return GroupBy(s), true
	}
	return ByNone, false
}

// Group is the metrics of one window, clerk or item.
type Group struct {
	Key   string `json:"key"` // window id, clerk id or item code
	Label string `json:"label"`
	Metrics
}

// Facts are everything Compute needs for one period.
type Facts struct {
	Evals  []EvalFact
	Orders []OrderFact
	Txs    []TxFact
}

func groupKey(by GroupBy, windowID, clerkID int64, item string) string {
	switch by {
	case ByWindow:
		return strconv.FormatInt(windowID, 10)
	case ByClerk:
		return strconv.FormatInt(clerkID, 10)
	case ByItem:
		return item
	}
	return ""
}

// Compute derives the overall metrics and, when by is set, one group per
// window, clerk or item (sorted by key; labels are filled by the caller).
func Compute(p *Profile, f Facts, by GroupBy) (Metrics, []Group) {
	var all Counts
	groups := map[string]*Counts{}
	get := func(k string) *Counts {
		c := groups[k]
		if c == nil {
			c = &Counts{}
			groups[k] = c
		}
		return c
	}
	for _, e := range f.Evals {
		all.addEval(p, e)
		if by != ByNone {
			get(groupKey(by, e.WindowID, e.ClerkID, e.ItemCode)).addEval(p, e)
		}
	}
	for _, o := range f.Orders {
		all.addOrder(p, o)
		if by != ByNone {
			get(groupKey(by, o.WindowID, o.ClerkID, o.ItemCode)).addOrder(p, o)
		}
	}
	for _, t := range f.Txs {
		all.addTx(t)
		if by != ByNone {
			get(groupKey(by, t.WindowID, t.ClerkID, t.ItemCode)).addTx(t)
		}
	}
	var out []Group
	for k, c := range groups {
		out = append(out, Group{Key: k, Metrics: c.Rates()})
	}
	sort.Slice(out, func(i, j int) bool { return lessKey(out[i].Key, out[j].Key) })
	return all.Rates(), out
}

// lessKey orders numeric keys numerically and others as text.
func lessKey(a, b string) bool {
	ai, ea := strconv.ParseInt(a, 10, 64)
	bi, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return ai < bi
	}
	return a < b
}
