package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/go-pdf/fpdf"

	"bianmin/app"
	"bianmin/assets"
)

// Page geometry (mm): A4 portrait with 15 mm margins.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 15.0
	contentW     = pageW - 2*margin
	bottomY      = pageH - 18.0 // below: the footer
	fontName     = "wqy"
)

type rgb struct{ r, g, b int }

var (
	colText    = rgb{33, 33, 33}
	colMuted   = rgb{110, 110, 110}
	colAccent  = rgb{25, 95, 170}
	colHeadBg  = rgb{226, 234, 244}
	colZebra   = rgb{246, 248, 251}
	colLowBg   = rgb{253, 226, 222}
	colGrid    = rgb{210, 214, 220}
	colBar     = rgb{96, 148, 206}
	colLine    = rgb{214, 69, 50}
	colOverdue = rgb{190, 30, 30}
	levelCols  = [6]rgb{{170, 170, 170}, {200, 45, 40}, {240, 130, 60}, {240, 200, 70}, {120, 190, 110}, {40, 150, 80}}
	catCols    = []rgb{{200, 80, 70}, {96, 148, 206}, {150, 120, 190}}
)

type doc struct {
	pdf *fpdf.Fpdf
	r   *app.MonthReport
}

func (d *doc) fill(c rgb) { d.pdf.SetFillColor(c.r, c.g, c.b) }
func (d *doc) draw(c rgb) { d.pdf.SetDrawColor(c.r, c.g, c.b) }
func (d *doc) text(c rgb) { d.pdf.SetTextColor(c.r, c.g, c.b) }
func (d *doc) font(size float64) {
	d.pdf.SetFont(fontName, "", size)
}

// WritePDF renders the report as an A4 PDF. The output depends only on r:
// the creation date is r.GeneratedAt and the catalogue is sorted, so the same
// report gives the same bytes.
func WritePDF(w io.Writer, r *app.MonthReport) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(r.GeneratedAt)
	pdf.SetModificationDate(r.GeneratedAt)
	pdf.SetProducer("bianmin", false)
	pdf.SetCreator("bianmin", false)
	pdf.SetTitle(fmt.Sprintf("%s 政务服务“好差评”月度报告 %s", r.Centre.Name, r.Month), true)
	pdf.SetAuthor(r.GeneratedBy, true)
	pdf.AddUTF8FontFromBytes(fontName, "", assets.UIFont)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages("{nb}")
	d := &doc{pdf: pdf, r: r}
	pdf.SetHeaderFuncMode(d.header, false)
	pdf.SetFooterFunc(d.footer)

	pdf.AddPage()
	d.cover()
	d.summary()
	d.charts()
	d.queue()
	d.groups("四、窗口评价情况", "窗口", r.Windows)
	d.groups("五、工作人员评价情况", "工作人员", r.Clerks)
	d.groups("六、服务事项评价情况（服务事项得分）", "事项", r.Items)
	d.orders()
	d.watch()
	d.signature()
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report pdf: %w", err)
	}
	return pdf.Output(w)
}

func (d *doc) header() {
	if d.pdf.PageNo() == 1 {
		return
	}
	d.font(8)
	d.text(colMuted)
	d.pdf.SetXY(margin, 8)
	d.pdf.CellFormat(contentW/2, 5, d.r.Centre.Name+" 政务服务“好差评”月度报告", "", 0, "L", false, 0, "")
	d.pdf.CellFormat(contentW/2, 5, monthTitle(d.r), "", 0, "R", false, 0, "")
	d.draw(colGrid)
	d.pdf.SetLineWidth(0.2)
	d.pdf.Line(margin, 13.5, pageW-margin, 13.5)
	d.pdf.SetXY(margin, 17)
	d.text(colText)
}

func (d *doc) footer() {
	d.font(8)
	d.text(colMuted)
	d.pdf.SetXY(margin, pageH-12)
	d.pdf.CellFormat(contentW, 5, fmt.Sprintf("第 %d 页  共 {nb} 页", d.pdf.PageNo()), "", 0, "C", false, 0, "")
	d.text(colText)
}

// need starts a new page when less than h mm are left.
func (d *doc) need(h float64) {
	if d.pdf.GetY()+h > bottomY {
		d.pdf.AddPage()
	}
}

func (d *doc) heading(s string) {
	d.need(24)
	y := d.pdf.GetY() + 3
	d.fill(colAccent)
	d.pdf.Rect(margin, y+0.8, 1.4, 5, "F")
	d.font(12)
	d.text(colAccent)
	d.pdf.SetXY(margin+3.5, y)
	d.pdf.CellFormat(contentW-3.5, 6.6, s, "", 1, "L", false, 0, "")
	d.text(colText)
	d.pdf.SetY(d.pdf.GetY() + 1.5)
}

func (d *doc) sub(s string) {
	d.need(16)
	d.font(9.5)
	d.text(colAccent)
	d.pdf.SetX(margin)
	d.pdf.CellFormat(contentW, 6, s, "", 1, "L", false, 0, "")
	d.text(colText)
}

func (d *doc) note(s string) {
	d.font(7.5)
	d.text(colMuted)
	for _, line := range d.pdf.SplitText(s, contentW) {
		d.need(4)
		d.pdf.SetX(margin)
		d.pdf.CellFormat(contentW, 4, line, "", 1, "L", false, 0, "")
	}
	d.text(colText)
	d.pdf.SetY(d.pdf.GetY() + 1)
}

func (d *doc) cover() {
	r := d.r
	d.font(17)
	d.text(colText)
	d.pdf.SetXY(margin, 18)
	d.pdf.CellFormat(contentW, 9, r.Centre.Name, "", 1, "C", false, 0, "")
	d.font(14)
	d.pdf.CellFormat(contentW, 8, "政务服务“好差评”月度报告（"+monthTitle(r)+"）", "", 1, "C", false, 0, "")
	d.pdf.SetY(d.pdf.GetY() + 2)
	d.draw(colAccent)
	d.pdf.SetLineWidth(0.6)
	d.pdf.Line(margin, d.pdf.GetY(), pageW-margin, d.pdf.GetY())
	d.pdf.SetY(d.pdf.GetY() + 2)
	by := r.GeneratedBy
	if by == "" {
		by = Dash
	}
	last := r.To.AddDate(0, 0, -1)
	rows := [][][2]string{
		{{"便民服务中心", r.Centre.Name}, {"行政区划代码", r.Centre.AreaCode}},
		{{"报告月份", fmt.Sprintf("%s（%s 至 %s）", r.Month, r.From.Format("2006-01-02"), last.Format("2006-01-02"))}},
		{{"评价规则", r.ProfileTitle}},
		{{"生成时间", stamp(r.GeneratedAt)}, {"生成人", by}},
	}
	for _, row := range rows {
		w := contentW / float64(len(row))
		for _, kv := range row {
			d.font(9)
			d.text(colMuted)
			d.pdf.CellFormat(24, 6, kv[0], "", 0, "L", false, 0, "")
			d.text(colText)
			d.pdf.CellFormat(w-24, 6, fit(d.pdf, kv[1], w-25), "", 0, "L", false, 0, "")
		}
		d.pdf.Ln(6)
	}
	d.pdf.SetY(d.pdf.GetY() + 1)
}

// ---- tables ----

type col struct {
	title string
	w     float64 // relative weight
	align string  // L, C, R
}

type rowStyle struct {
	fill *rgb
	text *rgb
}

// table draws a table that breaks across pages, repeating its header. style
// may be nil.
func (d *doc) table(cols []col, rows [][]string, size float64, style func(i int) rowStyle) {
	total := 0.0
	for _, c := range cols {
		total += c.w
	}
	ws := make([]float64, len(cols))
	for i, c := range cols {
		ws[i] = c.w / total * contentW
	}
	rowH := size*0.45 + 2.6
	head := func() {
		d.font(size)
		d.fill(colHeadBg)
		d.draw(colGrid)
		d.pdf.SetLineWidth(0.15)
		d.text(colText)
		d.pdf.SetX(margin)
		for i, c := range cols {
			d.pdf.CellFormat(ws[i], rowH+1, fit(d.pdf, c.title, ws[i]-1), "1", 0, "C", true, 0, "")
		}
		d.pdf.Ln(rowH + 1)
	}
	d.need(2*rowH + 1)
	head()
	for i, row := range rows {
		// Text that does not fit its column wraps (up to three lines, the
		// last shortened with "…"): an item's name is read whole, not cut.
		d.font(size)
		cells := make([][]string, len(cols))
		lines := 1
		for j := range cols {
			cell := ""
			if j < len(row) {
				cell = row[j]
			}
			cells[j] = wrap(d.pdf, cell, ws[j]-1, 3)
			lines = max(lines, len(cells[j]))
		}
		h := rowH * float64(lines)
		if lines > 1 {
			h = (rowH-1.2)*float64(lines) + 1.2
		}
		if d.pdf.GetY()+h > bottomY {
			d.pdf.AddPage()
			head()
		}
		st := rowStyle{}
		if style != nil {
			st = style(i)
		}
		bg := colZebra
		fill := i%2 == 1
		if st.fill != nil {
			bg, fill = *st.fill, true
		}
		d.fill(bg)
		d.font(size)
		if st.text != nil {
			d.text(*st.text)
		} else {
			d.text(colText)
		}
		x, y := margin, d.pdf.GetY()
		for j := range cols {
			if len(cells[j]) <= 1 {
				d.pdf.SetXY(x, y)
				d.pdf.CellFormat(ws[j], h, strings.Join(cells[j], ""), "1", 0, cols[j].align, fill, 0, "")
			} else {
				style := "D"
				if fill {
					style = "FD"
				}
				d.pdf.Rect(x, y, ws[j], h, style)
				lh := rowH - 1.2
				top := y + (h-lh*float64(len(cells[j])))/2
				for k, line := range cells[j] {
					d.pdf.SetXY(x, top+lh*float64(k))
					d.pdf.CellFormat(ws[j], lh, line, "", 0, cols[j].align, false, 0, "")
				}
			}
			x += ws[j]
		}
		d.pdf.SetXY(margin, y+h)
	}
	d.text(colText)
	d.pdf.SetY(d.pdf.GetY() + 2.5)
}

// wrap breaks s into lines at most w mm wide in the current font, at most
// max of them (the last shortened with "…" when more would be needed).
func wrap(pdf *fpdf.Fpdf, s string, w float64, max int) []string {
	if pdf.GetStringWidth(s) <= w {
		return []string{s}
	}
	var out []string
	r := []rune(s)
	for len(r) > 0 && len(out) < max {
		if len(out) == max-1 {
			out = append(out, fit(pdf, string(r), w))
			break
		}
		n := len(r)
		for n > 1 && pdf.GetStringWidth(string(r[:n])) > w {
			n--
		}
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return out
}

// fit shortens s with "…" so that it is at most w mm wide in the current font.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if t := string(r) + "…"; pdf.GetStringWidth(t) <= w {
			return t
		}
	}
	return ""
}

// ---- sections ----

func (d *doc) summary() {
	r := d.r
	m := r.Summary
	d.heading("一、总体情况")
	cols := []col{{"指标", 3.2, "L"}, {"本月", 1.5, "R"}, {"分子", 1.3, "R"}, {"分母", 1.3, "R"},
		{"上月", 1.5, "R"}, {"变化", 1.3, "R"}, {"去年同月", 1.5, "R"}, {"变化", 1.3, "R"}}
	var rows [][]string
	for _, s := range SummaryRows {
		rows = append(rows, []string{s.Name, s.Value(m), fmt.Sprint(s.Num(m)), fmt.Sprint(s.Den(m)),
			s.Value(r.Prev.Metrics), s.Change(m, r.Prev.Metrics), s.Value(r.LastYear.Metrics), s.Change(m, r.LastYear.Metrics)})
	}
	d.table(cols, rows, 8.5, nil)
	d.note(fmt.Sprintf("依据 GB/T 39735-2020 附录A；主动评价率、机构得分"+app.CiteSZ(d.r.ProfileName, "第二十条")+"；服务事项得分见第六部分。"+
		"分母为0时比率无意义，记“—”。“变化”为百分点（得分为分值）。上月：%s 至 %s；去年同月：%s 至 %s。",
		r.Prev.From.Format("2006-01-02"), r.Prev.To.AddDate(0, 0, -1).Format("2006-01-02"),
		r.LastYear.From.Format("2006-01-02"), r.LastYear.To.AddDate(0, 0, -1).Format("2006-01-02")))

	d.sub("评价与差评工单计数")
	var cells [][]string
	var line []string
	for _, c := range CountRows {
		line = append(line, c.Name, fmt.Sprint(c.Get(m)))
		if len(line) == 6 {
			cells = append(cells, line)
			line = nil
		}
	}
	line = append(line, "取号数", fmt.Sprint(r.Queue.Tickets))
	for len(line) < 6 {
		line = append(line, "")
	}
	cells = append(cells, line)
	d.table([]col{{"项目", 2.2, "L"}, {"次数", 1, "R"}, {"项目", 2.2, "L"}, {"次数", 1, "R"}, {"项目", 2.2, "L"}, {"次数", 1, "R"}},
		cells, 8.5, nil)

	d.sub("各渠道评价次数")
	var ch [][]string
	line = nil
	for _, c := range app.Channels() {
		if n := m.ByChannel[c]; n > 0 {
			line = append(line, c.Name(), fmt.Sprint(n))
			if len(line) == 6 {
				ch, line = append(ch, line), nil
			}
		}
	}
	if len(ch) == 0 && len(line) == 0 {
		line = append(line, "本月无评价", Dash)
	}
	if len(line) > 0 {
		for len(line) < 6 {
			line = append(line, "")
		}
		ch = append(ch, line)
	}
	d.table([]col{{"渠道", 2.2, "L"}, {"次数", 1, "R"}, {"渠道", 2.2, "L"}, {"次数", 1, "R"}, {"渠道", 2.2, "L"}, {"次数", 1, "R"}},
		ch, 8.5, nil)
}

func (d *doc) queue() {
	q := d.r.Queue
	d.heading("三、排队取号情况")
	rows := [][]string{}
	for _, c := range q.Categories {
		rows = append(rows, QueueRow(c.Prefix+" "+c.Name, c.QueueFigures))
	}
	rows = append(rows, QueueRow("合计", q.QueueFigures))
	d.table([]col{{QueueColumns[0], 2.6, "L"}, {QueueColumns[1], 1, "R"}, {QueueColumns[2], 1, "R"}, {QueueColumns[3], 1, "R"},
		{QueueColumns[4], 1, "R"}, {QueueColumns[5], 1.2, "R"}, {QueueColumns[6], 1.2, "R"}, {QueueColumns[7], 1.2, "R"},
		{QueueColumns[8], 1.2, "R"}}, rows, 8.5, func(i int) rowStyle {
		if i == len(rows)-1 {
			return rowStyle{fill: &colHeadBg}
		}
		return rowStyle{}
	})
	busiest := "本月无取号"
	if q.BusiestHour >= 0 {
		busiest = fmt.Sprintf("最繁忙时段 %02d:00–%02d:00（取号 %d 张）", q.BusiestHour, q.BusiestHour+1, q.ByHour[q.BusiestHour])
	}
	d.note("时间单位为分钟。等候时间：取号至叫号；办理时间：开始办理至办结。P90 为第 90 百分位（最近秩法）。过号：叫号未到。" + busiest + "。")
	d.hourChart()
}

func (d *doc) groups(title, what string, gs []app.RankedGroup) {
	d.heading(title)
	if len(gs) == 0 {
		d.note("本月无" + what + "数据。")
		return
	}
	cols := []col{{GroupColumns[0], 0.8, "C"}, {GroupColumns[1], 3.7, "L"}, {GroupColumns[2], 1.1, "R"}, {GroupColumns[3], 1.1, "R"},
		{GroupColumns[4], 1.2, "R"}, {GroupColumns[5], 1.9, "R"}, {GroupColumns[6], 0.9, "R"}, {GroupColumns[7], 0.8, "R"},
		{GroupColumns[8], 1.1, "R"}, {GroupColumns[9], 1.3, "R"}, {GroupColumns[10], 0.8, "C"}}
	rows := make([][]string, len(gs))
	for i, g := range gs {
		rows[i] = GroupRow(g)
	}
	d.table(cols, rows, 8, func(i int) rowStyle {
		if gs[i].Lowest {
			return rowStyle{fill: &colLowBg, text: &colOverdue}
		}
		return rowStyle{}
	})
	d.note("按好评率从高到低排名（相同时按得分），好评率无意义的排在最后；“最低”标记好评率最低者（底色标红）。得分为各评价等级分值的平均值（" + app.CiteSZ(d.r.ProfileName, "第七条") + "）。")
}

func (d *doc) orders() {
	r := d.r
	d.heading("七、差评及整改情况")
	if len(r.Orders) == 0 {
		d.note("本月无差评工单。")
		return
	}
	overdue := 0
	for _, o := range r.Orders {
		if o.Overdue {
			overdue++
		}
	}
	d.note(fmt.Sprintf("本月差评工单 %d 件，其中超期未办 %d 件（排在最前）。按 %s 的状态统计；评价人信息不在本报告中出现。",
		len(r.Orders), overdue, stamp(r.GeneratedAt)))
	cols := []col{{OrderColumns[0], 0.8, "R"}, {OrderColumns[1], 1.5, "C"}, {OrderColumns[2], 1.3, "C"}, {OrderColumns[3], 1.2, "L"},
		{OrderColumns[4], 1.5, "L"}, {OrderColumns[5], 2.3, "L"}, {OrderColumns[6], 1.2, "C"}, {OrderColumns[7], 1, "C"},
		{OrderColumns[8], 1.1, "C"}, {OrderColumns[9], 1.6, "C"}, {OrderColumns[10], 1.6, "C"}, {OrderColumns[11], 1.2, "C"},
		{OrderColumns[12], 1.2, "C"}, {OrderColumns[13], 0.8, "C"}}
	rows := make([][]string, len(r.Orders))
	for i, o := range r.Orders {
		rows[i] = OrderRow(o)
	}
	d.table(cols, rows, 6.5, func(i int) rowStyle {
		if r.Orders[i].Overdue {
			return rowStyle{text: &colOverdue, fill: &colLowBg}
		}
		return rowStyle{}
	})
}

func (d *doc) watch() {
	r := d.r
	d.heading("八、重点关注")
	d.sub("工作人员（" + app.CiteSZ(r.ProfileName, "第二十六条") + "：一年内有效差评3次及以上，或一周内3次）")
	if len(r.WatchClerks) == 0 {
		d.note("无（统计区间 " + app.PeriodZh(r.WatchFrom, r.WatchTo) + "）。")
	} else {
		rows := make([][]string, len(r.WatchClerks))
		for i, w := range r.WatchClerks {
			rows[i] = []string{clerkLabel(w), fmt.Sprint(w.YearCount), fmt.Sprint(w.WeekCount), w.Reason}
		}
		d.table([]col{{"工作人员", 2, "L"}, {"一年内有效差评", 1.4, "R"}, {"一周内最多", 1.2, "R"}, {"原因", 4, "L"}}, rows, 8, nil)
		d.note("统计区间：" + app.PeriodZh(r.WatchFrom, r.WatchTo) + "（截至本月末的一年，与差评台账“重点关注”同一规则）；" +
			"“一周内”自一次差评的次日起算7日（民法典第二百零一条）。")
	}
	d.sub(fmt.Sprintf("差评集中的服务事项（差评率为全中心%.0f倍及以上，且有效差评%d次及以上或占本月%.0f%%及以上）",
		app.WatchItemFactor, app.WatchItemBad, app.WatchItemPct*100))
	if len(r.WatchItems) == 0 {
		d.note("无。")
	} else {
		rows := make([][]string, len(r.WatchItems))
		for i, w := range r.WatchItems {
			rows[i] = []string{w.Name, fmt.Sprint(w.Total), fmt.Sprint(w.ValidBad), Pct(w.Share), Pct(w.GoodRate), w.Reason}
		}
		d.table([]col{{"事项", 3, "L"}, {"评价数", 0.9, "R"}, {"有效差评", 1, "R"}, {"占比", 0.9, "R"}, {"好评率", 1, "R"}, {"原因", 4, "L"}}, rows, 7.5, nil)
	}
	d.note("工作人员名单只计经核实的有效差评；事项按统计口径，待核实的差评视为有效。本报告不含评价人姓名、电话等身份信息。")
}

func (d *doc) signature() {
	d.need(40)
	d.pdf.SetY(d.pdf.GetY() + 6)
	d.font(10)
	d.text(colText)
	y := d.pdf.GetY()
	for i, who := range []string{"中心负责人（签字）：", "分管领导（签字）："} {
		x := margin + float64(i)*contentW/2
		d.pdf.SetXY(x, y)
		d.pdf.CellFormat(contentW/2, 7, who, "", 0, "L", false, 0, "")
		d.draw(colText)
		d.pdf.SetLineWidth(0.3)
		d.pdf.Line(x+36, y+6, x+contentW/2-6, y+6)
		d.pdf.SetXY(x, y+13)
		d.pdf.CellFormat(12, 7, "日期：", "", 0, "L", false, 0, "")
		d.pdf.Line(x+12, y+19, x+contentW/2-6, y+19)
	}
	d.pdf.SetY(y + 24)
}

// ---- charts (vector, fpdf primitives) ----

func (d *doc) charts() {
	d.need(100) // the heading with the first chart
	d.heading("二、图表")
	d.dailyChart()
	d.need(62)
	y := d.pdf.GetY()
	d.levelChart(margin, y, contentW/2-4, 54)
	d.categoryChart(margin+contentW/2+4, y, contentW/2-4, 54)
	d.pdf.SetY(y + 58)
}

// niceAxis returns the top of an axis with n ticks for values up to v: n
// times a whole step of 1, 2 or 5 times a power of ten.
func niceAxis(v float64, n int) float64 {
	if v <= 0 {
		return float64(n)
	}
	raw := v / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*p {
			step = m * p
			break
		}
	}
	step = math.Max(step, 1) // counts: whole ticks
	return step * float64(n)
}

func (d *doc) chartTitle(x, y, w float64, s string) {
	d.font(9)
	d.text(colText)
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, 5, s, "", 0, "L", false, 0, "")
}

func (d *doc) label(x, y, w float64, s, align string, size float64, c rgb) {
	d.font(size)
	d.text(c)
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, size*0.4, s, "", 0, align, false, 0, "")
}

// dailyChart: ratings per day (bars, left axis) and the good rate (line, right axis).
func (d *doc) dailyChart() {
	days := d.r.Daily
	h := 70.0
	d.need(h + 4)
	x0, y0 := margin, d.pdf.GetY()
	d.chartTitle(x0, y0, contentW, "每日评价次数（柱，左轴）与好评率（折线，右轴）")
	px, py, pw, ph := x0+12, y0+9, contentW-24, h-20
	maxN := 0
	minRate := 1.0
	for _, day := range days {
		maxN = max(maxN, day.Total)
		if day.GoodRate != nil {
			minRate = math.Min(minRate, *day.GoodRate)
		}
	}
	top := niceAxis(float64(maxN), 5)
	// The rate axis spans [lo, 100%] so that differences near 100% are visible.
	lo := math.Floor(minRate*10) / 10
	if lo > 0.9 {
		lo = 0.9
	}
	if lo >= 1 {
		lo = 0.9
	}
	d.draw(colGrid)
	d.pdf.SetLineWidth(0.15)
	for i := 0; i <= 5; i++ {
		gy := py + ph - ph*float64(i)/5
		d.pdf.Line(px, gy, px+pw, gy)
		d.label(x0, gy-1.4, 11, fmt.Sprintf("%.0f", top*float64(i)/5), "R", 6.5, colMuted)
		rate := lo + (1-lo)*float64(i)/5
		d.label(px+pw+1, gy-1.4, 11, fmt.Sprintf("%.0f%%", rate*100), "L", 6.5, colLine)
	}
	n := len(days)
	if n == 0 {
		return
	}
	slot := pw / float64(n)
	d.fill(colBar)
	for i, day := range days {
		if day.Total == 0 {
			continue
		}
		bh := ph * float64(day.Total) / top
		d.pdf.Rect(px+float64(i)*slot+slot*0.15, py+ph-bh, slot*0.7, bh, "F")
	}
	for i, day := range days {
		if i%2 == 0 || n <= 16 {
			d.label(px+float64(i)*slot, py+ph+1, slot, fmt.Sprint(day.Day.Day()), "C", 6, colMuted)
		}
	}
	d.draw(colLine)
	d.pdf.SetLineWidth(0.5)
	var prev *[2]float64
	for i, day := range days {
		if day.GoodRate == nil {
			prev = nil
			continue
		}
		cx := px + float64(i)*slot + slot/2
		cy := py + ph - ph*(*day.GoodRate-lo)/(1-lo)
		if prev != nil {
			d.pdf.Line(prev[0], prev[1], cx, cy)
		}
		d.fill(colLine)
		d.pdf.Circle(cx, cy, 0.55, "F")
		prev = &[2]float64{cx, cy}
	}
	d.draw(colText)
	d.pdf.SetLineWidth(0.2)
	d.pdf.Line(px, py+ph, px+pw, py+ph)
	d.label(px, py+ph+4, pw, "日期（日）；无评价的日子无柱无点", "C", 6.5, colMuted)
	d.pdf.SetY(y0 + h)
}

// hbars draws labelled horizontal bars.
func (d *doc) hbars(x, y, w, h float64, title string, labels []string, values []int, colors []rgb) {
	d.chartTitle(x, y, w, title)
	top := 0
	for _, v := range values {
		top = max(top, v)
	}
	scale := niceAxis(float64(top), 4)
	lw := 24.0
	bx, by, bw := x+lw, y+8, w-lw-12
	rowH := (h - 10) / float64(len(values))
	d.draw(colGrid)
	d.pdf.SetLineWidth(0.15)
	for i := 0; i <= 4; i++ {
		gx := bx + bw*float64(i)/4
		d.pdf.Line(gx, by, gx, by+rowH*float64(len(values)))
		d.label(gx-6, by+rowH*float64(len(values))+0.8, 12, fmt.Sprintf("%.0f", scale*float64(i)/4), "C", 6, colMuted)
	}
	for i, v := range values {
		ry := by + rowH*float64(i)
		d.label(x, ry+rowH/2-1.4, lw-2, labels[i], "R", 7, colText)
		c := colors[i%len(colors)]
		d.fill(c)
		bl := bw * float64(v) / scale
		if v > 0 {
			d.pdf.Rect(bx, ry+rowH*0.18, bl, rowH*0.64, "F")
		}
		d.label(bx+bl+1, ry+rowH/2-1.4, 12, fmt.Sprint(v), "L", 7, colText)
	}
}

func (d *doc) levelChart(x, y, w, h float64) {
	by := d.r.Summary.ByLevel
	labels := []string{}
	values := []int{}
	colors := []rgb{}
	for l := app.LevelVeryGood; l >= app.LevelNone; l-- {
		labels = append(labels, l.Name())
		values = append(values, by[l])
		colors = append(colors, levelCols[l])
	}
	d.hbars(x, y, w, h, "各评价等级次数", labels, values, colors)
}

func (d *doc) categoryChart(x, y, w, h float64) {
	var labels []string
	var values []int
	for _, c := range d.r.BadByCategory {
		labels = append(labels, c.Name)
		values = append(values, c.Count)
	}
	d.hbars(x, y, w, h*0.62, "差评工单按类别", labels, values, catCols)
}

// hourChart: tickets issued per hour of the day.
func (d *doc) hourChart() {
	q := d.r.Queue
	h := 52.0
	d.need(h + 2)
	x0, y0 := margin, d.pdf.GetY()
	d.chartTitle(x0, y0, contentW, "各时段取号数（繁忙时段）")
	first, last := 8, 17
	for hr, n := range q.ByHour {
		if n > 0 {
			first = min(first, hr)
			last = max(last, hr)
		}
	}
	px, py, pw, ph := x0+12, y0+8, contentW-16, h-18
	top := 0
	for _, n := range q.ByHour {
		top = max(top, n)
	}
	scale := niceAxis(float64(top), 4)
	d.draw(colGrid)
	d.pdf.SetLineWidth(0.15)
	for i := 0; i <= 4; i++ {
		gy := py + ph - ph*float64(i)/4
		d.pdf.Line(px, gy, px+pw, gy)
		d.label(x0, gy-1.4, 11, fmt.Sprintf("%.0f", scale*float64(i)/4), "R", 6.5, colMuted)
	}
	n := last - first + 1
	slot := pw / float64(n)
	for i := 0; i < n; i++ {
		hr := first + i
		v := q.ByHour[hr]
		c := colBar
		if hr == q.BusiestHour {
			c = colLine
		}
		d.fill(c)
		if v > 0 {
			bh := ph * float64(v) / scale
			d.pdf.Rect(px+float64(i)*slot+slot*0.18, py+ph-bh, slot*0.64, bh, "F")
			d.label(px+float64(i)*slot, py+ph-bh-3, slot, fmt.Sprint(v), "C", 6, colText)
		}
		d.label(px+float64(i)*slot, py+ph+1, slot, fmt.Sprintf("%02d时", hr), "C", 6.5, colMuted)
	}
	d.draw(colText)
	d.pdf.SetLineWidth(0.2)
	d.pdf.Line(px, py+ph, px+pw, py+ph)
	d.pdf.SetY(y0 + h)
}

// clerkLabel is "工号 姓名".
func clerkLabel(c app.FlaggedClerk) string {
	return strings.TrimSpace(c.No + " " + c.Name)
}
