// Package workorder prints a bad-review work order (差评工单) as an A4 sheet:
// the order, the rating, every deadline with where it stands, the full step
// history and the on-site resolutions, with signature lines — the paper a
// township centre files in its 差评台账 binder. The evaluator appears masked,
// as on screen.
package workorder

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"bianmin/app"
	"bianmin/assets"
)

const font = "wqy"

// Sheet is what one work-order sheet shows.
type Sheet struct {
	Centre string
	Detail *app.OrderDetail
	// Names resolves staff IDs in steps and on-site records.
	Names func(id int64) string
}

// Write renders the sheets, one per page (long histories continue on the
// next page with the header repeated). created fixes the PDF's dates.
func Write(w io.Writer, sheets []Sheet, created time.Time) error {
	if len(sheets) == 0 {
		return fmt.Errorf("workorder: nothing to print")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetProducer("bianmin", false)
	pdf.SetTitle("政务服务差评工单", true)
	pdf.AddUTF8FontFromBytes(font, "", assets.UIFont)
	pdf.SetMargins(15, 14, 15)
	pdf.SetAutoPageBreak(true, 16)
	var current *Sheet
	pdf.SetFooterFunc(func() {
		pdf.SetY(-11)
		pdf.SetFont(font, "", 8)
		no := ""
		if current != nil {
			no = fmt.Sprintf("差评工单 %d", current.Detail.Order.ID)
		}
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · 第 %d 页 · 评价人信息已脱敏", no, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	for i := range sheets {
		// fpdf draws a page's footer when the next page is added: the sheet
		// changes only after that, or the footer names the next order.
		page(pdf, sheets[i], func() { current = &sheets[i] })
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("work order pdf: %w", err)
	}
	return pdf.Output(w)
}

func page(pdf *fpdf.Fpdf, s Sheet, begun func()) {
	d := s.Detail
	o := d.Order
	name := s.Names
	if name == nil {
		name = func(id int64) string { return fmt.Sprint(id) }
	}
	pdf.AddPage()
	begun()
	pdf.SetFont(font, "", 16)
	pdf.CellFormat(0, 10, s.Centre+" 政务服务差评工单", "", 1, "C", false, 0, "")
	pdf.SetFont(font, "", 9)
	pdf.CellFormat(0, 5, fmt.Sprintf("工单号 %d · 生成于 %s · 状态：%s · 核实结论：%s", o.ID,
		day(o.CreatedAt, "2006-01-02 15:04"), o.State.Name(), o.Verdict.Name()), "", 1, "C", false, 0, "")
	pdf.Ln(3)

	kv := func(pairs ...string) {
		pdf.SetFont(font, "", 10)
		w := (210.0 - 30) / float64(len(pairs)/2)
		for i := 0; i < len(pairs); i += 2 {
			pdf.SetFillColor(236, 240, 246)
			pdf.CellFormat(24, 8, pairs[i], "1", 0, "C", true, 0, "")
			pdf.CellFormat(w-24, 8, fit(pdf, pairs[i+1], w-26), "1", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}
	section := func(title string) {
		pdf.Ln(3)
		pdf.SetFont(font, "", 11.5)
		pdf.CellFormat(0, 7, title, "B", 1, "L", false, 0, "")
		pdf.Ln(1)
	}

	section("办件与评价")
	kv("流水号", d.Serial, "事项", d.ItemName)
	kv("窗口", fmt.Sprintf("%d号窗口", d.Window), "被评价人", d.ClerkName)
	kv("评价等级", d.Level.Name(), "评价渠道", d.Channel.Name())
	kv("评价时间", day(d.RatedAt, "2006-01-02 15:04"), "评价人", strings.TrimSpace(d.EvaluatorName+" "+d.EvaluatorTel))
	kv("差评标签", orDash(strings.Join(d.Tags, "、")), "分类", o.Category.Name())
	pdf.SetFont(font, "", 10)
	pdf.SetFillColor(236, 240, 246)
	pdf.CellFormat(24, 8, "评价内容", "1", 0, "C", true, 0, "")
	pdf.MultiCell(0, 8, orDash(d.Text), "1", "L", false)
	kv("责任人", d.AssigneeName, "现场化解", yesNo(o.OnSite))

	section("办理时限")
	pdf.SetFont(font, "", 10)
	pdf.SetFillColor(236, 240, 246)
	for _, h := range []struct {
		t string
		w float64
	}{{"环节", 40}, {"期限", 50}, {"完成时间", 50}, {"情况", 40}} {
		pdf.CellFormat(h.w, 8, h.t, "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	for _, k := range app.DueKinds() {
		due, ok := d.Due(k)
		if !ok {
			continue
		}
		pdf.CellFormat(40, 8, k.Name(), "1", 0, "C", false, 0, "")
		pdf.CellFormat(50, 8, day(due.Due, "2006-01-02 15:04"), "1", 0, "C", false, 0, "")
		pdf.CellFormat(50, 8, orDash(day(due.DoneAt, "2006-01-02 15:04")), "1", 0, "C", false, 0, "")
		pdf.CellFormat(40, 8, due.Status(), "1", 0, "C", false, 0, "")
		pdf.Ln(-1)
	}
	// Each limit with the rule it comes from, for the centre's own profile.
	var rules []string
	for _, k := range app.DueKinds() {
		if due, ok := d.Due(k); ok && due.Rule != "" {
			rules = append(rules, k.Name()+" "+due.Rule)
		}
	}
	if len(rules) > 0 {
		pdf.SetFont(font, "", 8.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.MultiCell(0, 5, "时限依据："+strings.Join(rules, "；")+"。以日计的期限，事件当日不计入，至最后一日24时止（民法典第二百零一条）。", "", "L", false)
		pdf.SetTextColor(0, 0, 0)
	}

	if a := d.Appeal; a != nil {
		section("申诉")
		kv("申诉时间", day(a.FiledAt, "2006-01-02 15:04"), "申诉人", name(a.FiledBy))
		pdf.SetFont(font, "", 10)
		pdf.CellFormat(24, 8, "申诉理由", "1", 0, "C", true, 0, "")
		pdf.MultiCell(0, 8, orDash(a.Evidence), "1", "L", false)
		decision := "待复核（复核期限 " + day(a.ReviewDue, "2006-01-02") + "）"
		if !a.Pending() {
			decision = fmt.Sprintf("%s %s：%s %s", day(a.DecidedAt, "2006-01-02"), name(a.DecidedBy), a.Verdict.Name(), a.Reason)
		}
		kv("复核结论", decision)
	}

	if len(d.OnSite) > 0 {
		section("现场化解记录")
		for _, r := range d.OnSite {
			rr := "否"
			if r.ReRated {
				rr = "是"
			}
			pdf.SetFont(font, "", 10)
			pdf.MultiCell(0, 6, fmt.Sprintf("%s %s：问题：%s；处理：%s；群众反馈：%s；重新评价：%s",
				day(r.At, "2006-01-02 15:04"), name(r.StaffID), r.Problem, r.Action, orDash(r.Response), rr), "1", "L", false)
		}
	}

	section("处理经过")
	pdf.SetFont(font, "", 10)
	if len(d.Steps) == 0 {
		pdf.CellFormat(0, 8, "尚无处理记录", "1", 1, "L", false, 0, "")
	}
	for _, st := range d.Steps {
		who := st.StaffName
		if who == "" {
			who = name(st.StaffID)
		}
		pdf.MultiCell(0, 6, fmt.Sprintf("%s  %s  %s  %s", day(st.At, "2006-01-02 15:04"), st.Name, who, st.Detail), "1", "L", false)
	}

	pdf.Ln(8)
	pdf.SetFont(font, "", 10.5)
	pdf.CellFormat(0, 8, "经办人：____________    中心负责人：____________    日期：______年____月____日", "", 1, "L", false, 0, "")
}

func day(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.ChinaTime).Format(layout)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// fit shortens s with an ellipsis to width w.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	for pdf.GetStringWidth(s) > w && len([]rune(s)) > 1 {
		r := []rune(s)
		s = string(r[:len(r)-2]) + "…"
	}
	return s
}
