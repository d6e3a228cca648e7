package report

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"bianmin/app"
)

// Cell kinds that carry a number format; plain int and string cells need none.
type (
	pctCell   *float64  // a rate: a number formatted 0.0%, "—" when undefined
	scoreCell *float64  // a mean score: 0.00
	minCell   *float64  // minutes: 0.0
	ppCell    *float64  // a change in percentage points: +0.0
	dateCell  time.Time // a day, stored as an Excel date
	stampCell time.Time // a moment, stored as an Excel date and time
)

type book struct {
	f                           *excelize.File
	pct, score, min, pp, header int
	date, stamp                 int
	first                       bool
}

// WriteXLSX writes the report as a workbook with one sheet per table:
// numbers are numbers, rates are fractions formatted as percentages, an
// undefined rate is the text "—".
func WriteXLSX(w io.Writer, r *app.MonthReport) error {
	f := excelize.NewFile()
	defer f.Close()
	b := &book{f: f, first: true}
	var err error
	for _, s := range []struct {
		dst *int
		st  excelize.Style
	}{
		{&b.pct, excelize.Style{CustomNumFmt: ptr("0.0%")}},
		{&b.score, excelize.Style{CustomNumFmt: ptr("0.00")}},
		{&b.min, excelize.Style{CustomNumFmt: ptr("0.0")}},
		{&b.pp, excelize.Style{CustomNumFmt: ptr("+0.0;-0.0;0.0")}},
		{&b.date, excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&b.stamp, excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")}},
		{&b.header, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"E2EAF4"}, Pattern: 1}}},
	} {
		if *s.dst, err = f.NewStyle(&s.st); err != nil {
			return err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: r.Centre.Name + " 政务服务“好差评”月度报告 " + r.Month, Creator: "bianmin",
		Created: r.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z"), Modified: r.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z"),
	}); err != nil {
		return err
	}
	by := r.GeneratedBy
	if by == "" {
		by = Dash
	}
	b.sheet("封面", []string{"项目", "内容"}, [][]any{
		{"便民服务中心", r.Centre.Name}, {"行政区划代码", r.Centre.AreaCode}, {"报告月份", r.Month},
		{"统计期间", r.From.Format("2006-01-02") + " 至 " + r.To.AddDate(0, 0, -1).Format("2006-01-02")},
		{"评价规则", r.ProfileTitle}, {"生成时间", stamp(r.GeneratedAt)}, {"生成人", by},
	}, []float64{16, 40})

	m := r.Summary
	var rows [][]any
	for _, s := range SummaryRows {
		val, prev, last := s.Rate(m), s.Rate(r.Prev.Metrics), s.Rate(r.LastYear.Metrics)
		if s.IsScore {
			rows = append(rows, []any{s.Name, scoreCell(val), s.Num(m), s.Den(m), scoreCell(prev), scoreDelta(val, prev),
				scoreCell(last), scoreDelta(val, last), s.Description})
			continue
		}
		rows = append(rows, []any{s.Name, pctCell(val), s.Num(m), s.Den(m), pctCell(prev), ppCell(pp(val, prev)),
			pctCell(last), ppCell(pp(val, last)), s.Description})
	}
	b.sheet("总体情况", []string{"指标", "本月", "分子", "分母", r.Prev.Label, "变化（百分点）", r.LastYear.Label, "变化（百分点）", "计算方法"},
		rows, []float64{20, 10, 10, 10, 16, 14, 18, 14, 44})

	rows = nil
	for _, c := range CountRows {
		rows = append(rows, []any{c.Name, c.Get(m), c.Get(r.Prev.Metrics), c.Get(r.LastYear.Metrics)})
	}
	rows = append(rows, []any{"取号数", r.Queue.Tickets, "", ""})
	b.sheet("计数", []string{"项目", "本月", r.Prev.Label, r.LastYear.Label}, rows, []float64{20, 10, 16, 18})

	rows = nil
	for _, c := range app.Channels() {
		rows = append(rows, []any{c.Name(), m.ByChannel[c]})
	}
	for l := app.LevelVeryGood; l >= app.LevelNone; l-- {
		rows = append(rows, []any{"等级：" + l.Name(), m.ByLevel[l]})
	}
	for _, c := range r.BadByCategory {
		rows = append(rows, []any{"差评工单：" + c.Name, c.Count})
	}
	b.sheet("渠道与等级", []string{"项目", "次数"}, rows, []float64{24, 10})

	rows = nil
	for _, d := range r.Daily {
		rows = append(rows, []any{dateCell(d.Day), d.Total, d.ValidBad, pctCell(d.GoodRate)})
	}
	b.sheet("每日", []string{"日期", "评价次数", "有效差评", "好评率"}, rows, []float64{12, 10, 10, 10})

	rows = nil
	for _, c := range r.Queue.Categories {
		rows = append(rows, queueCells(c.Prefix+" "+c.Name, c.QueueFigures))
	}
	rows = append(rows, queueCells("合计", r.Queue.QueueFigures))
	b.sheet("排队", append([]string(nil), QueueColumns...), rows, []float64{20, 8, 8, 8, 8, 10, 10, 10, 10})

	rows = nil
	for h, n := range r.Queue.ByHour {
		rows = append(rows, []any{fmt.Sprintf("%02d:00-%02d:00", h, h+1), n})
	}
	b.sheet("时段", []string{"时段", "取号数"}, rows, []float64{14, 10})

	for _, g := range []struct {
		name string
		gs   []app.RankedGroup
	}{{"窗口", r.Windows}, {"工作人员", r.Clerks}, {"事项", r.Items}} {
		rows = nil
		for _, x := range g.gs {
			rank := any(Dash)
			if x.Rank > 0 {
				rank = x.Rank
			}
			mark := ""
			if x.Lowest {
				mark = "最低"
			}
			rows = append(rows, []any{rank, x.Key, x.Label, x.Transactions, x.Total, pctCell(x.GoodRate), pctCell(x.ActiveGoodRate),
				scoreCell(x.Score), x.ValidBad + x.InvalidBad, x.ValidBad, pctCell(x.BadReplyRate), pctCell(x.UnratedRate), mark})
		}
		b.sheet(g.name, []string{"排名", "编号", "名称", "办件量", "评价数", "好评率", "主动评价好评率", "得分", "差评", "有效差评", "差评回复率", "未评率", "标记"},
			rows, []float64{6, 12, 30, 8, 8, 9, 14, 8, 6, 9, 11, 9, 6})
	}

	rows = nil
	for _, o := range r.Orders {
		onsite := "否"
		if o.OnSite {
			onsite = "是"
		}
		overdue := ""
		if o.Overdue {
			overdue = "超期"
		}
		rows = append(rows, []any{o.ID, stampCell(o.RatedAt), o.Level.Name(), o.Window, o.Clerk, o.Item, o.Category.Name(),
			o.State.Name(), o.Verdict.Name(), stampCell(o.ContactDue), o.Contact.Name(), stampCell(o.FinishDue),
			o.Finish.Name(), onsite, string(o.Callback), stampCell(o.ClosedAt), overdue})
	}
	b.sheet("差评工单", []string{"工单", "评价时间", "等级", "窗口", "人员", "事项", "类别", "状态", "核实", "联系期限", "联系", "办结期限", "办结",
		"现场化解", "回访", "办结时间", "超期"}, rows, []float64{7, 17, 10, 10, 14, 28, 10, 8, 9, 17, 7, 17, 7, 8, 8, 17, 6})

	rows = nil
	for _, w := range r.WatchClerks {
		rows = append(rows, []any{clerkLabel(w), w.YearCount, w.WeekCount, w.Reason, app.PeriodZh(r.WatchFrom, r.WatchTo)})
	}
	b.sheet("关注人员", []string{"工作人员", "一年内有效差评", "一周内最多", "原因", "统计区间"}, rows, []float64{16, 14, 12, 40, 24})
	rows = nil
	for _, w := range r.WatchItems {
		rows = append(rows, []any{w.Code, w.Name, w.Total, w.ValidBad, pctCell(w.Share), pctCell(w.GoodRate), w.Reason})
	}
	b.sheet("关注事项", []string{"编号", "事项", "评价数", "有效差评", "占比", "好评率", "原因"}, rows, []float64{12, 30, 8, 9, 9, 9, 30})

	_, err = f.WriteTo(w)
	return err
}

func ptr(s string) *string { return &s }

// pp is a change in percentage points, nil when either side is undefined.
func pp(now, before *float64) *float64 {
	if now == nil || before == nil {
		return nil
	}
	v := (*now - *before) * 100
	return &v
}

func scoreDelta(now, before *float64) any {
	if now == nil || before == nil {
		return Dash
	}
	return *now - *before
}

func queueCells(name string, q app.QueueFigures) []any {
	return []any{name, q.Tickets, q.Served, q.NoShows, q.NotCalled, minCell(q.AvgWait), minCell(q.P90Wait),
		minCell(q.AvgService), minCell(q.P90Service)}
}

// sheet writes one table: the header row, then the rows.
func (b *book) sheet(name string, header []string, rows [][]any, widths []float64) {
	f := b.f
	if b.first {
		f.SetSheetName("Sheet1", name)
		b.first = false
	} else {
		f.NewSheet(name)
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	f.SetSheetRow(name, "A1", &hdr)
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	f.SetCellStyle(name, "A1", last, b.header)
	for i, w := range widths {
		c, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(name, c, c, w)
	}
	f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	// A filter on every table: the manager sorts and picks rows in Excel.
	lastCell, _ := excelize.CoordinatesToCellName(len(header), len(rows)+1)
	_ = f.AutoFilter(name, "A1:"+lastCell, nil)
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			style := 0
			switch x := v.(type) {
			case pctCell:
				v, style = num(x), b.pct
			case scoreCell:
				v, style = num(x), b.score
			case minCell:
				v, style = num(x), b.min
			case ppCell:
				v, style = num(x), b.pp
			case dateCell:
				v, style = excelTime(time.Time(x)), b.date
			case stampCell:
				v, style = excelTime(time.Time(x)), b.stamp
			case float64: // a score change
				style = b.score
			}
			f.SetCellValue(name, cell, v)
			if style != 0 {
				if _, isText := v.(string); !isText {
					f.SetCellStyle(name, cell, cell, style)
				}
			}
		}
	}
}

// excelTime is t as Excel reads a date: the wall clock in China (Excel dates
// carry no zone), or "—" for none.
func excelTime(t time.Time) any {
	if t.IsZero() {
		return Dash
	}
	c := t.In(app.ChinaTime)
	return time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), c.Second(), 0, time.UTC)
}

// num is the value of a nullable number cell: the number, or "—".
func num(p *float64) any {
	if p == nil {
		return Dash
	}
	return *p
}
