package screens

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// Dash stands for a rate whose denominator is zero: undefined, never 0 or 100%.
const Dash = "—"

// Rate renders a rate with the counts behind it: "98.2%  (545/555)", or Dash
// when the rate is undefined (nil).
func Rate(v *float64, num, den int) string {
	if v == nil {
		return Dash
	}
	return fmt.Sprintf("%s  (%d/%d)", Percent(*v), num, den)
}

// Percent renders a ratio as a percentage with one decimal: 0.98198 → "98.2%".
func Percent(v float64) string {
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// Score renders the SZ art. 20 mean score: "8.75 分  (12条)", or Dash.
func Score(v *float64, n int) string {
	if v == nil {
		return Dash
	}
	return fmt.Sprintf("%.2f 分  (%d条)", *v, n)
}

// RateRow is one line of the metrics table: a name and how to read it from Metrics.
type RateRow struct {
	Name  string
	Basis string // the standard the definition comes from
	Value func(m *app.Metrics) string
}

// RateRows are the rates the dashboard shows, in order: the six GB/T 39735
// Appendix A rates, then SZ art. 20 主动评价率 and score.
var RateRows = []RateRow{
	{"好评率", "GB/T 39735 A.1", func(m *app.Metrics) string {
		return Rate(m.GoodRate, m.Total-m.ValidBad, m.Total)
	}},
	{"主动评价好评率", "GB/T 39735 A.1", func(m *app.Metrics) string {
		return Rate(m.ActiveGoodRate, m.ActiveGood, m.Active-m.InvalidBad)
	}},
	{"未评率", "GB/T 39735 A.1", func(m *app.Metrics) string {
		return Rate(m.UnratedRate, m.TimeoutUnrated+m.InvalidBad, m.Total)
	}},
	{"差评回复率", "GB/T 39735 A.1", func(m *app.Metrics) string {
		return Rate(m.BadReplyRate, m.Replied, m.BadOrders)
	}},
	{"差评回访整改率", "GB/T 39735 A.1", func(m *app.Metrics) string {
		return Rate(m.BadRectifyRate, m.Rectified, m.ValidBadOrders)
	}},
	{"差评回访整改满意率", "GB/T 39735 A.1", func(m *app.Metrics) string {
		return Rate(m.BadRectifySatisfiedRate, m.RectifySatisfied, m.Rectified)
	}},
	{"主动评价率", "深圳 第20条", func(m *app.Metrics) string {
		return Rate(m.ActiveRate, m.ActiveRatedTx, m.Transactions)
	}},
	{"平均得分", "深圳 第20条", func(m *app.Metrics) string {
		return Score(m.Score, m.Scored)
	}},
}

// CountRows are the plain counts under the rates.
var CountRows = []RateRow{
	{"评价总数", "主动评价 + 超时未评", func(m *app.Metrics) string { return strconv.Itoa(m.Total) }},
	{"主动评价", "", func(m *app.Metrics) string { return strconv.Itoa(m.Active) }},
	{"超时未评", "", func(m *app.Metrics) string { return strconv.Itoa(m.TimeoutUnrated) }},
	{"有效差评", "", func(m *app.Metrics) string { return strconv.Itoa(m.ValidBad) }},
	{"办结办件", "", func(m *app.Metrics) string { return strconv.Itoa(m.Transactions) }},
}

// newSelect is widget.NewSelect with a Chinese placeholder: Fyne's own is
// "(Select one)" on a PC whose locale is not Chinese.
func newSelect(options []string, changed func(string)) *widget.Select {
	s := widget.NewSelect(options, changed)
	s.PlaceHolder = "请选择"
	return s
}
