// Package report renders the centre manager's monthly report (app.MonthReport)
// as an A4 PDF to print and an xlsx workbook to send upstream. Both show the
// figures app/ computed; nothing here counts or divides except for layout.
package report

import (
	"fmt"
	"time"

	"bianmin/app"
)

// Dash is shown for an undefined rate (a zero denominator, GB/T 39735).
const Dash = "—"

// Pct renders a rate as a percentage with one decimal, "—" when undefined.
// `bianmin stats` prints rates the same way.
func Pct(r *float64) string {
	if r == nil {
		return Dash
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

// Score renders a mean score with two decimals, "—" when undefined.
func Score(s *float64) string {
	if s == nil {
		return Dash
	}
	return fmt.Sprintf("%.2f", *s)
}

// Minutes renders a duration in minutes with one decimal, "—" when undefined.
func Minutes(m *float64) string {
	if m == nil {
		return Dash
	}
	return fmt.Sprintf("%.1f", *m)
}

// Delta renders the change of a rate in percentage points, "—" when either
// side is undefined.
func Delta(now, before *float64) string {
	if now == nil || before == nil {
		return Dash
	}
	d := (*now - *before) * 100
	if fmt.Sprintf("%.1f", d) == "-0.0" {
		d = 0
	}
	return fmt.Sprintf("%+.1f", d)
}

// DeltaScore renders the change of a score, "—" when either side is undefined.
func DeltaScore(now, before *float64) string {
	if now == nil || before == nil {
		return Dash
	}
	d := *now - *before
	if fmt.Sprintf("%.2f", d) == "-0.00" {
		d = 0
	}
	return fmt.Sprintf("%+.2f", d)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return Dash
	}
	return t.In(app.ChinaTime).Format("2006-01-02 15:04")
}

func shortStamp(t time.Time) string {
	if t.IsZero() {
		return Dash
	}
	return t.In(app.ChinaTime).Format("01-02 15:04")
}

func monthTitle(r *app.MonthReport) string {
	return fmt.Sprintf("%d年%d月", r.From.Year(), int(r.From.Month()))
}

// RateRow is one line of the summary: a rate with its counts.
type RateRow struct {
	Name        string
	Rate        func(m app.Metrics) *float64
	Num, Den    func(m app.Metrics) int
	IsScore     bool
	Description string
}

// SummaryRows are the six GB/T 39735 Appendix A rates, SZ art. 20 主动评价率
// and 机构得分, in the order the report prints them.
var SummaryRows = []RateRow{
	{Name: "好评率", Rate: func(m app.Metrics) *float64 { return m.GoodRate },
		Num: func(m app.Metrics) int { return m.Total - m.ValidBad }, Den: func(m app.Metrics) int { return m.Total },
		Description: "（总评价次数−有效差评次数）/总评价次数"},
	{Name: "主动评价好评率", Rate: func(m app.Metrics) *float64 { return m.ActiveGoodRate },
		Num: func(m app.Metrics) int { return m.ActiveGood }, Den: func(m app.Metrics) int { return m.Active - m.InvalidBad },
		Description: "主动好评次数/（主动评价次数−无效差评次数）"},
	{Name: "未评率", Rate: func(m app.Metrics) *float64 { return m.UnratedRate },
		Num: func(m app.Metrics) int { return m.TimeoutUnrated + m.InvalidBad }, Den: func(m app.Metrics) int { return m.Total },
		Description: "（超时未评次数+无效差评次数）/总评价次数"},
	{Name: "差评回复率", Rate: func(m app.Metrics) *float64 { return m.BadReplyRate },
		Num: func(m app.Metrics) int { return m.Replied }, Den: func(m app.Metrics) int { return m.BadOrders },
		Description: "已回复差评件数/所有差评件数"},
	{Name: "差评回访整改率", Rate: func(m app.Metrics) *float64 { return m.BadRectifyRate },
		Num: func(m app.Metrics) int { return m.Rectified }, Den: func(m app.Metrics) int { return m.ValidBadOrders },
		Description: "经回访已整改件数/有效差评件数"},
	{Name: "差评回访整改满意率", Rate: func(m app.Metrics) *float64 { return m.BadRectifySatisfiedRate },
		Num: func(m app.Metrics) int { return m.RectifySatisfied }, Den: func(m app.Metrics) int { return m.Rectified },
		Description: "回访满意件数/经回访已整改件数"},
	{Name: "主动评价率", Rate: func(m app.Metrics) *float64 { return m.ActiveRate },
		Num: func(m app.Metrics) int { return m.ActiveRatedTx }, Den: func(m app.Metrics) int { return m.Transactions },
		Description: "有主动评价的办件数/办件总数（深圳第二十条）"},
	{Name: "机构得分", Rate: func(m app.Metrics) *float64 { return m.Score }, IsScore: true,
		Num: func(m app.Metrics) int { return m.ScoreSum }, Den: func(m app.Metrics) int { return m.Scored },
		Description: "评价得分之和/有等级的评价次数（深圳第二十条）"},
}

// Value renders the row's value for m.
func (r RateRow) Value(m app.Metrics) string {
	if r.IsScore {
		return Score(r.Rate(m))
	}
	return Pct(r.Rate(m))
}

// Change renders the change from before to now.
func (r RateRow) Change(now, before app.Metrics) string {
	if r.IsScore {
		return DeltaScore(r.Rate(now), r.Rate(before))
	}
	return Delta(r.Rate(now), r.Rate(before))
}

// CountRow is one count of the summary.
type CountRow struct {
	Name string
	Get  func(m app.Metrics) int
}

// CountRows are the counts the summary lists.
var CountRows = []CountRow{
	{"办件量（办结）", func(m app.Metrics) int { return m.Transactions }},
	{"有主动评价的办件", func(m app.Metrics) int { return m.ActiveRatedTx }},
	{"评价总次数", func(m app.Metrics) int { return m.Total }},
	{"主动评价次数", func(m app.Metrics) int { return m.Active }},
	{"超时未评次数", func(m app.Metrics) int { return m.TimeoutUnrated }},
	{"主动好评次数", func(m app.Metrics) int { return m.ActiveGood }},
	{"有效差评次数", func(m app.Metrics) int { return m.ValidBad }},
	{"无效差评次数", func(m app.Metrics) int { return m.InvalidBad }},
	{"差评工单", func(m app.Metrics) int { return m.BadOrders }},
	{"已回复", func(m app.Metrics) int { return m.Replied }},
	{"有效差评件数", func(m app.Metrics) int { return m.ValidBadOrders }},
	{"回访已整改", func(m app.Metrics) int { return m.Rectified }},
	{"整改满意", func(m app.Metrics) int { return m.RectifySatisfied }},
	{"现场化解", func(m app.Metrics) int { return m.OnSite }},
	{"追加评价", func(m app.Metrics) int { return m.FollowUps }},
}

// GroupColumns are the columns of the window, clerk and item tables.
var GroupColumns = []string{"排名", "名称", "办件量", "评价数", "好评率", "主动评价好评率", "得分", "差评", "有效差评", "差评回复率", "标记"}

// GroupRow renders one ranked group as the table's cells.
func GroupRow(g app.RankedGroup) []string {
	rank := Dash
	if g.Rank > 0 {
		rank = fmt.Sprint(g.Rank)
	}
	mark := ""
	if g.Lowest {
		mark = "最低"
	}
	return []string{rank, g.Label, fmt.Sprint(g.Transactions), fmt.Sprint(g.Total), Pct(g.GoodRate),
		Pct(g.ActiveGoodRate), Score(g.Score), fmt.Sprint(g.ValidBad + g.InvalidBad), fmt.Sprint(g.ValidBad),
		Pct(g.BadReplyRate), mark}
}

// OrderColumns are the columns of the bad-review list.
var OrderColumns = []string{"工单", "评价时间", "等级", "窗口", "人员", "事项", "类别", "状态", "核实", "联系期限", "办结期限", "现场化解", "回访", "超期"}

// OrderRow renders one bad review as the table's cells.
func OrderRow(o app.OrderLine) []string {
	onsite, overdue := "", ""
	if o.OnSite {
		onsite = "是"
	}
	if o.Overdue {
		overdue = "超期"
	}
	cb := string(o.Callback)
	if cb == "" {
		cb = Dash
	}
	level := o.Level.Name()
	return []string{fmt.Sprint(o.ID), shortStamp(o.RatedAt), level, dashIfEmpty(o.Window), dashIfEmpty(o.Clerk),
		dashIfEmpty(o.Item), o.Category.Name(), o.State.Name(), o.Verdict.Name(),
		shortDue(o.ContactDue) + " " + o.Contact.Name(), shortDue(o.FinishDue) + " " + o.Finish.Name(), onsite, cb, overdue}
}

func shortDue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.ChinaTime).Format("01-02")
}

func dashIfEmpty(s string) string {
	if s == "" {
		return Dash
	}
	return s
}

// QueueColumns are the columns of the queue table (minutes).
var QueueColumns = []string{"类别", "取号", "已办理", "过号", "未叫号", "平均等候", "P90等候", "平均办理", "P90办理"}

// QueueRow renders one category's (or the total's) queue figures.
func QueueRow(name string, f app.QueueFigures) []string {
	return []string{name, fmt.Sprint(f.Tickets), fmt.Sprint(f.Served), fmt.Sprint(f.NoShows), fmt.Sprint(f.NotCalled),
		Minutes(f.AvgWait), Minutes(f.P90Wait), Minutes(f.AvgService), Minutes(f.P90Service)}
}
